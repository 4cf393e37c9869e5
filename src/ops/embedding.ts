/**
 * The official TRM input embedding (token table plus an optional per-puzzle vector in a
 * zero-padded prefix, all scaled by sqrt(D)), its gradients, and the sparse sign-SGD
 * update the official code applies to the puzzle embeddings. Deterministic, no atomics.
 *
 * @module
 */

import type { Gpu, Tensor } from "../gpu/gpu.ts";
import { grid } from "../gpu/gpu.ts";
import { sumRows } from "./reduce.ts";
import forwardSrc from "../../kernels/embedding_forward.wgsl" with { type: "text" };
import backwardSrc from "../../kernels/embedding_backward.wgsl" with { type: "text" };
import backwardSmallSrc from "../../kernels/embedding_backward_small.wgsl" with { type: "text" };
import puzzleGradSrc from "../../kernels/embedding_puzzle_grad.wgsl" with { type: "text" };
import linksSrc from "../../kernels/embedding_sign_sgd_links.wgsl" with { type: "text" };
import signSgdSrc from "../../kernels/embedding_sign_sgd.wgsl" with { type: "text" };

const WG = 256;
const LINKS_WG = 64;
const SMALL_WG = 64;
/** Largest vocabulary of the one-pass-per-chunk table gradient (its private accumulators). */
const SMALL_VOCAB_MAX = 32;
/** Least tokens per chunk in the first pass of the table gradient. */
const MIN_TOKEN_CHUNK = 128;
/** Most chunks: bounds the partials buffer to MAX_CHUNKS·V·D floats for long inputs (ARC). */
const MAX_CHUNKS = 1024;

/** Options of {@linkcode embeddingForward}. */
export interface EmbeddingOptions {
  /** Multiplies the whole output, prefix included (official: sqrt(D)). */
  scale: number;
  /** Prefix positions before the tokens (official: 16); default 0. */
  prefixLen?: number;
  /** `[numIds, D]` per-puzzle vectors, placed at prefix position 0 (needs prefixLen ≥ 1). */
  puzzleTable?: Tensor;
  /** i32 `[B]`: the row of `puzzleTable` for each sequence. */
  puzzleIds?: Tensor;
}

function ids2d(op: string, ids: Tensor): [number, number] {
  if (ids.shape.length !== 2) throw new RangeError(`${op}: ids must be [B, L], got [${ids.shape}]`);
  return [ids.shape[0], ids.shape[1]];
}

/**
 * `[B, P + L, D]`: `scale * puzzleTable[puzzleIds[b]]` at position 0, zeros at the other
 * prefix positions (all of the prefix without a puzzle table), `scale * table[ids[b, t]]`
 * at position P + t. Ids outside the table give zero rows.
 *
 * @example
 * ```ts ignore
 * const x = embeddingForward(gpu, table, ids, {
 *   scale: Math.sqrt(D), prefixLen: 16, puzzleTable, puzzleIds,
 * }); // [B, 16 + L, D]
 * ```
 */
export function embeddingForward(
  gpu: Gpu,
  table: Tensor,
  ids: Tensor,
  options: EmbeddingOptions,
): Tensor {
  const [batch, length] = ids2d("embeddingForward", ids);
  if (table.shape.length !== 2) {
    throw new RangeError(`embeddingForward: table must be [V, D], got [${table.shape}]`);
  }
  const [vocab, width] = table.shape;
  const prefix = options.prefixLen ?? 0;
  const { puzzleTable, puzzleIds } = options;
  if ((puzzleTable === undefined) !== (puzzleIds === undefined)) {
    throw new RangeError("embeddingForward: give both puzzleTable and puzzleIds, or neither");
  }
  if (puzzleTable) {
    if (prefix < 1) throw new RangeError("embeddingForward: a puzzle table needs prefixLen >= 1");
    if (puzzleTable.shape.length !== 2 || puzzleTable.shape[1] !== width) {
      throw new RangeError(
        `embeddingForward: puzzleTable [${puzzleTable.shape}] is not [N, ${width}]`,
      );
    }
    if (puzzleIds!.size !== batch) {
      throw new RangeError(
        `embeddingForward: puzzleIds has ${puzzleIds!.size} ids for batch ${batch}`,
      );
    }
  }
  const seq = prefix + length;
  const out = gpu.empty([batch, seq, width]);
  const total = batch * seq * width;
  if (total === 0) return out;
  const pipeline = gpu.pipeline(forwardSrc, { constants: { HAS_PUZZLE: puzzleTable ? 1 : 0 } });
  gpu.dispatch(
    pipeline,
    [table, ids, puzzleTable ?? table, puzzleIds ?? ids, out],
    grid(Math.ceil(total / WG)),
    {
      u32: [total, length, prefix, width, vocab, puzzleTable ? puzzleTable.shape[0] : 0],
      f32: [options.scale],
    },
  );
  return out;
}

/**
 * Gradient of {@linkcode embeddingForward} w.r.t. the token table: `[V, D]` with
 * `dTable[v] = scale * Σ dOut[b, P + t]` over the tokens with `ids[b, t] = v`, summed in a
 * fixed order (chunks of tokens, then the chunks).
 *
 * @example
 * ```ts ignore
 * const dTable = embeddingBackward(gpu, ids, dx, { vocabSize: V, scale: Math.sqrt(D), prefixLen: 16 });
 * ```
 */
export function embeddingBackward(
  gpu: Gpu,
  ids: Tensor,
  dOut: Tensor,
  options: {
    vocabSize: number;
    scale: number;
    prefixLen?: number;
    /** Kernel choice, for tests: `small` (vocab ≤ 32) or `scan`; default small when it fits. */
    variant?: "small" | "scan";
  },
): Tensor {
  const [batch, length] = ids2d("embeddingBackward", ids);
  const prefix = options.prefixLen ?? 0;
  const vocab = options.vocabSize;
  if (dOut.shape.length !== 3 || dOut.shape[0] !== batch || dOut.shape[1] !== prefix + length) {
    throw new RangeError(
      `embeddingBackward: dOut [${dOut.shape}] is not [${batch}, ${prefix + length}, D]`,
    );
  }
  const width = dOut.shape[2];
  const tokens = batch * length;
  const chunk = Math.max(MIN_TOKEN_CHUNK, Math.ceil(tokens / MAX_CHUNKS));
  const chunks = Math.max(1, Math.ceil(tokens / chunk));
  // Every partial is written when there are tokens; otherwise the sums must be zero.
  const partials = tokens > 0
    ? gpu.empty([chunks, vocab * width])
    : gpu.zeros([chunks, vocab * width]);
  const variant = options.variant ?? (vocab <= SMALL_VOCAB_MAX ? "small" : "scan");
  if (variant === "small" && vocab > SMALL_VOCAB_MAX) {
    throw new RangeError(
      `embeddingBackward: the small variant takes at most ${SMALL_VOCAB_MAX} ids`,
    );
  }
  if (tokens > 0 && vocab * width > 0) {
    // small: one invocation per (chunk, d) with per-id accumulators; scan: one per (chunk, v, d).
    const total = variant === "small" ? chunks * width : chunks * vocab * width;
    const wg = variant === "small" ? SMALL_WG : WG;
    const src = variant === "small" ? backwardSmallSrc : backwardSrc;
    gpu.dispatch(gpu.pipeline(src), [ids, dOut, partials], grid(Math.ceil(total / wg)), {
      u32: [tokens, length, prefix, width, vocab, chunk, total],
    });
  }
  const dTable = sumRows(gpu, partials, {
    rows: chunks,
    cols: vocab * width,
    scale: options.scale,
    shape: [vocab, width],
  });
  partials.release();
  return dTable;
}

/**
 * Gradient of the per-puzzle vectors used in a batch: `[B, D] = scale * dOut[:, 0, :]`
 * (feed it to {@linkcode signSgdRows}).
 */
export function puzzleEmbeddingGrad(gpu: Gpu, dOut: Tensor, options: { scale: number }): Tensor {
  if (dOut.shape.length !== 3 || dOut.shape[1] < 1) {
    throw new RangeError(`puzzleEmbeddingGrad: dOut must be [B, P + L, D], got [${dOut.shape}]`);
  }
  const [batch, seq, width] = dOut.shape;
  const out = gpu.empty([batch, width]);
  const total = batch * width;
  if (total > 0) {
    gpu.dispatch(gpu.pipeline(puzzleGradSrc), [dOut, out], grid(Math.ceil(total / WG)), {
      u32: [total, seq, width],
      f32: [options.scale],
    });
  }
  return out;
}

/**
 * The official sparse sign-SGD step on the puzzle-embedding table, in place: for each id
 * present in `ids`, `g = Σ rowGrads[b]` over the b with that id, then
 * `table[id] = table[id] * (1 - lr * weightDecay) - lr * sign(g)`. Rows not in the batch
 * are untouched; ids outside the table are ignored.
 *
 * @example
 * ```ts ignore
 * const rows = puzzleEmbeddingGrad(gpu, dx, { scale: Math.sqrt(D) });
 * signSgdRows(gpu, puzzleTable, puzzleIds, rows, { lr: 1e-2, weightDecay: 0.1 });
 * ```
 */
export function signSgdRows(
  gpu: Gpu,
  table: Tensor,
  ids: Tensor,
  rowGrads: Tensor,
  options: { lr: number; weightDecay: number },
): void {
  if (table.shape.length !== 2) {
    throw new RangeError(`signSgdRows: table must be [numIds, D], got [${table.shape}]`);
  }
  const [numIds, width] = table.shape;
  const batch = ids.size;
  if (rowGrads.size !== batch * width) {
    throw new RangeError(`signSgdRows: rowGrads [${rowGrads.shape}] is not [${batch}, ${width}]`);
  }
  if (batch === 0 || width === 0) return;
  const links = gpu.empty([2 * batch], "i32");
  gpu.dispatch(gpu.pipeline(linksSrc), [ids, links], grid(Math.ceil(batch / LINKS_WG)), {
    u32: [batch],
  });
  const { lr, weightDecay } = options;
  gpu.dispatch(
    gpu.pipeline(signSgdSrc),
    [ids, links, rowGrads, table],
    grid(Math.ceil((batch * width) / WG)),
    { u32: [batch, width, numIds], f32: [1 - lr * weightDecay, lr] },
  );
  links.release();
}
