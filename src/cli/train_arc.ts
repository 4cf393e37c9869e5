/**
 * `train --task arc`'s data: the tasks read from `--data` (src/cli/arc_files.ts), their
 * puzzle table (one identifier per task and augmentation; src/puzzles/arc_puzzles.ts) and
 * the training stream over it (src/train/arc_data.ts). The table is a pure function of
 * the files, the seed and the augmentation count, so a resumed run rebuilds it exactly;
 * its names go into the model file for `eval --task arc` and `solve`.
 *
 * A dataset built by the official `build_arc_dataset.py` (`train/dataset.json`, the .npy
 * arrays, `identifiers.json`) trains as it is: its examples are already augmented and
 * translated, and its identifiers.json becomes the model's identifier list.
 *
 * @module
 */
import { readOfficialSplit } from "../data/official.ts";
import type { ModelConfig } from "../model/config.ts";
import { ARC_VOCAB_SIZE } from "../puzzles/arc.ts";
import { type ArcPuzzleSet, buildArcPuzzles } from "../puzzles/arc_puzzles.ts";
import { deriveSeed } from "../puzzles/rng.ts";
import { ARC_IDENTIFIERS_KEY } from "../solve/arc.ts";
import { arcSource } from "../train/arc_data.ts";
import { type BatchSource, poolSource } from "../train/data.ts";
import { type RunInfo, runStreamSeed } from "../train/run.ts";
import { readArcTrainingTasks } from "./arc_files.ts";
import { UsageError } from "./errors.ts";

const AUGMENT_SALT = 0x41524341;

/** `--data`, or a UsageError saying what it should be. */
function dataOf(info: RunInfo): string {
  if (!info.data) {
    throw new UsageError(
      "--task arc needs --data: a folder of ARC task files, or the ARC-AGI-1 folder (training/ and evaluation/)",
    );
  }
  return info.data;
}

/** The official dataset layout's train/dataset.json, or null for task files. */
async function officialMetadata(dir: string): Promise<Record<string, unknown> | null> {
  let text;
  try {
    text = await Deno.readTextFile(`${dir}/train/dataset.json`);
  } catch {
    return null;
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${dir}/train/dataset.json: ${(e as Error).message}`);
  }
}

/** Whether `--data` is a dataset built by the official script (not task files). */
export async function isOfficialArcData(info: RunInfo): Promise<boolean> {
  return (await officialMetadata(dataOf(info))) !== null;
}

/** The puzzle identifiers an ARC run's model needs (its embedding table's rows). */
export async function arcIdentifierCount(info: RunInfo): Promise<number> {
  const official = await officialMetadata(dataOf(info));
  if (official) {
    const n = official.num_puzzle_identifiers;
    if (typeof n !== "number" || !(n >= 1)) {
      throw new UsageError(`${info.data}/train/dataset.json has no num_puzzle_identifiers`);
    }
    return n;
  }
  return (await arcRunPuzzles(info)).identifiers.length;
}

/** The puzzle table of an ARC run from task files (reads `info.data`). */
export async function arcRunPuzzles(info: RunInfo): Promise<ArcPuzzleSet> {
  dataOf(info);
  const tasks = await readArcTrainingTasks(info.data!, { limit: info.arcTasks });
  return buildArcPuzzles(tasks, {
    augmentations: info.arcAugmentations ?? 0,
    seed: deriveSeed(info.seed, AUGMENT_SALT),
  });
}

/** The stream and model metadata of an ARC run whose model is `config`. */
export async function arcRunData(
  info: RunInfo,
  config: ModelConfig,
): Promise<{ source: BatchSource; metadata: Record<string, string>; puzzles: number }> {
  const dir = dataOf(info);
  if (await officialMetadata(dir)) return await officialRunData(info, dir, config);
  const set = await arcRunPuzzles(info);
  if (set.identifiers.length !== config.numPuzzleIdentifiers) {
    throw new UsageError(
      `${info.data} gives ${set.identifiers.length} puzzle identifiers (tasks × augmentations + blank) but the model has ${config.numPuzzleIdentifiers}; ` +
        "the task files or --augmentations changed since the run began",
    );
  }
  return {
    puzzles: set.puzzles.length,
    source: arcSource(set.puzzles, { seed: runStreamSeed(info), ignoreIndex: config.ignoreIndex }),
    metadata: { [ARC_IDENTIFIERS_KEY]: JSON.stringify(set.identifiers) },
  };
}

/** The official layout's train split as the stream (no further augmentation, as the official). */
async function officialRunData(
  info: RunInfo,
  dir: string,
  config: ModelConfig,
): Promise<{ source: BatchSource; metadata: Record<string, string>; puzzles: number }> {
  const pool = await readOfficialSplit((p) => Deno.readFile(p), dir, "train").catch((e) => {
    throw new UsageError((e as Error).message);
  });
  if (pool.seqLen !== config.seqLen || pool.metadata.vocab_size !== ARC_VOCAB_SIZE) {
    throw new UsageError(
      `${dir} has ${pool.seqLen} tokens per example and vocabulary ${pool.metadata.vocab_size}; ARC needs 900 and ${ARC_VOCAB_SIZE}`,
    );
  }
  const ids = pool.metadata.num_puzzle_identifiers;
  if (ids !== config.numPuzzleIdentifiers) {
    throw new UsageError(
      `${dir} has ${ids} puzzle identifiers but the model has ${config.numPuzzleIdentifiers}`,
    );
  }
  const metadata: Record<string, string> = {};
  try {
    const names = JSON.parse(await Deno.readTextFile(`${dir}/identifiers.json`));
    if (Array.isArray(names)) metadata[ARC_IDENTIFIERS_KEY] = JSON.stringify(names);
  } catch {
    // Without identifiers.json the model cannot map tasks to embeddings: eval uses id 0.
  }
  return {
    puzzles: pool.puzzleIdentifiers?.length ?? pool.count,
    source: poolSource(pool, {
      seed: runStreamSeed(info),
      vocabSize: ARC_VOCAB_SIZE,
      ignoreLabel: pool.metadata.ignore_label_id ?? 0,
      ignoreIndex: config.ignoreIndex,
    }),
    metadata,
  };
}
