/**
 * The official TRM/HRM dataset layout: `{split}/{set}__inputs.npy`, `__labels.npy` (tokens
 * [N, L]), `__puzzle_identifiers.npy`, `__puzzle_indices.npy`, `__group_indices.npy` (int32)
 * and `{split}/dataset.json`. Reading takes a file-reading function, so this module stays
 * free of file access: pass `(p) => Deno.readFile(p)` from a CLI.
 *
 * @module
 */
import { type DatasetMetadata, defaultMetadata, type TokenDataset } from "./dataset.ts";
import { npyToInt32, npyToUint8, parseNpy, writeNpy } from "./npy.ts";

/** Reads a file's bytes (e.g. `Deno.readFile`). */
export type ReadFile = (path: string) => Promise<Uint8Array>;

const REQUIRED_METADATA = ["pad_id", "vocab_size", "seq_len"] as const;

/**
 * Reads one split of an official dataset directory.
 *
 * @example
 * ```ts ignore
 * const test = await readOfficialSplit((p) => Deno.readFile(p), "data/sudoku-extreme-1k-aug-1000", "test");
 * test.count; test.seqLen; // 422786, 81
 * ```
 */
export async function readOfficialSplit(
  readFile: ReadFile,
  dir: string,
  split: string,
  options: { set?: string } = {},
): Promise<TokenDataset> {
  const set = options.set ?? "all";
  const base = `${dir.replace(/\/+$/, "")}/${split}/`;
  const read = async (name: string) => {
    try {
      return await readFile(base + name);
    } catch (e) {
      throw new Error(`cannot read ${base + name}: ${(e as Error).message}`);
    }
  };
  let metadata: DatasetMetadata;
  try {
    metadata = JSON.parse(new TextDecoder().decode(await read("dataset.json")));
  } catch (e) {
    throw new Error(`${base}dataset.json: ${(e as Error).message}`);
  }
  for (const k of REQUIRED_METADATA) {
    if (typeof metadata[k] !== "number") {
      throw new Error(`${base}dataset.json has no numeric "${k}"`);
    }
  }
  const arrays = await Promise.all(
    ["inputs", "labels", "puzzle_identifiers", "puzzle_indices", "group_indices"].map(async (k) => {
      const name = `${set}__${k}.npy`;
      try {
        return parseNpy(await read(name));
      } catch (e) {
        if (k === "inputs" || k === "labels") {
          throw new Error(`${base}${name}: ${(e as Error).message}`);
        }
        return null; // the grouping arrays are optional for evaluation
      }
    }),
  );
  const [inputs, labels, ids, puzzleIdx, groupIdx] = arrays;
  const shape = inputs!.shape;
  if (shape.length !== 2) {
    throw new Error(`${base}${set}__inputs.npy: expected shape [N, L], got [${shape}]`);
  }
  if (labels!.shape.join() !== shape.join()) {
    throw new Error(
      `${base}${set}__labels.npy: shape [${labels!.shape}] differs from inputs [${shape}]`,
    );
  }
  if (shape[1] !== metadata.seq_len) {
    throw new Error(
      `${base}: inputs have ${
        shape[1]
      } tokens per example; dataset.json says seq_len ${metadata.seq_len}`,
    );
  }
  const data: TokenDataset = {
    count: shape[0],
    seqLen: shape[1],
    inputs: npyToUint8(inputs!, `${set}__inputs.npy`),
    labels: npyToUint8(labels!, `${set}__labels.npy`),
    metadata,
  };
  const vocab = metadata.vocab_size;
  for (const [name, arr] of [["inputs", data.inputs], ["labels", data.labels]] as const) {
    for (let i = 0; i < arr.length; i++) {
      if (arr[i] >= vocab) {
        throw new Error(`${base}${set}__${name}.npy: token ${arr[i]} ≥ vocab_size ${vocab}`);
      }
    }
  }
  if (ids) data.puzzleIdentifiers = npyToInt32(ids, "puzzle_identifiers");
  if (puzzleIdx) data.puzzleIndices = npyToInt32(puzzleIdx, "puzzle_indices");
  if (groupIdx) data.groupIndices = npyToInt32(groupIdx, "group_indices");
  return data;
}

/**
 * The files of one split in the official layout, as bytes keyed by path relative to the
 * dataset directory (`{split}/dataset.json`, `{split}/all__inputs.npy`, …). Each example is
 * its own puzzle and group unless the dataset carries grouping arrays.
 *
 * @example
 * ```ts ignore
 * for (const [path, bytes] of Object.entries(officialSplitFiles(data, "train"))) {
 *   await Deno.writeFile(`out/${path}`, bytes); // after creating out/train
 * }
 * ```
 */
export function officialSplitFiles(data: TokenDataset, split: string): Record<string, Uint8Array> {
  const n = data.count;
  const identity = Int32Array.from({ length: n + 1 }, (_, i) => i);
  const puzzleIndices = data.puzzleIndices ?? identity;
  const groupIndices = data.groupIndices ?? identity;
  const ids = data.puzzleIdentifiers ?? new Int32Array(puzzleIndices.length - 1);
  const metadata = data.metadata ?? defaultMetadata(data.seqLen, 0, n);
  const meta = { ...metadata, total_groups: groupIndices.length - 1 };
  return {
    [`${split}/dataset.json`]: new TextEncoder().encode(JSON.stringify(meta)),
    [`${split}/all__inputs.npy`]: writeNpy(data.inputs, [n, data.seqLen]),
    [`${split}/all__labels.npy`]: writeNpy(data.labels, [n, data.seqLen]),
    [`${split}/all__puzzle_identifiers.npy`]: writeNpy(ids, [ids.length]),
    [`${split}/all__puzzle_indices.npy`]: writeNpy(puzzleIndices, [puzzleIndices.length]),
    [`${split}/all__group_indices.npy`]: writeNpy(groupIndices, [groupIndices.length]),
  };
}
