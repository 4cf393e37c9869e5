/**
 * Deterministic reductions: total sum, global sum of squares (gradient norm²), column
 * sums, row argmax and per-sequence exact-match flags. Every sum runs in an order fixed
 * by the shapes alone (blocked partial sums, then sums of those), without atomics, so
 * the same inputs give bit-identical results.
 *
 * @module
 */

import type { Gpu, Tensor } from "../gpu/gpu.ts";
import { grid } from "../gpu/gpu.ts";
import sumSrc from "../../kernels/reduce_sum.wgsl" with { type: "text" };
import columnsSrc from "../../kernels/reduce_columns.wgsl" with { type: "text" };
import argmaxSrc from "../../kernels/reduce_argmax.wgsl" with { type: "text" };
import correctSrc from "../../kernels/reduce_sequence_correct.wgsl" with { type: "text" };

const WG = 256;
const ITEMS = 16;
/** Elements one workgroup of the blocked sum reduces. */
const BLOCK = WG * ITEMS;
/** Rows per chunk in the first pass of {@linkcode sumRows}. */
const ROW_CHUNK = 256;

/** One blocked pass: `n` values of `x` → `ceil(n / BLOCK)` sums written at `out[offset..]`. */
function blockPass(gpu: Gpu, x: Tensor, n: number, out: Tensor, offset: number, square: boolean) {
  const blocks = Math.ceil(n / BLOCK);
  const pipeline = gpu.pipeline(sumSrc, { constants: { WG, ITEMS, SQUARE: square ? 1 : 0 } });
  gpu.dispatch(pipeline, [x, out], grid(blocks), { u32: [n, offset] });
}

/** Reduces `count` partial sums held in `partials` (which it takes over) to one value `[1]`. */
function finish(gpu: Gpu, partials: Tensor, count: number): Tensor {
  let current = partials;
  while (count > 1) {
    const next = gpu.empty([Math.ceil(count / BLOCK)]);
    blockPass(gpu, current, count, next, 0, false);
    current.release();
    current = next;
    count = next.size;
  }
  return current;
}

/**
 * Σ x over all elements, as a `[1]` tensor (blocked pairwise-style summation).
 *
 * @example
 * ```ts ignore
 * const total = sum(gpu, losses); // [1]
 * ```
 */
export function sum(gpu: Gpu, x: Tensor): Tensor {
  const n = x.size;
  if (n === 0) return gpu.zeros([1]);
  const blocks = Math.ceil(n / BLOCK);
  const partials = gpu.empty([blocks]);
  blockPass(gpu, x, n, partials, 0, false);
  return finish(gpu, partials, blocks);
}

/**
 * Σ over all `tensors` of Σ x², as a `[1]` tensor: the squared global gradient norm for
 * clipping. Each tensor is reduced in blocks into one shared list of partial sums, which
 * is then summed the same way (error grows like log n, not n: fine for ~10M elements).
 *
 * @example
 * ```ts ignore
 * const norm2 = sumOfSquares(gpu, grads.map((g) => g.tensor)); // [1]
 * ```
 */
export function sumOfSquares(gpu: Gpu, tensors: readonly Tensor[]): Tensor {
  const counts = tensors.map((t) => Math.ceil(t.size / BLOCK));
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return gpu.zeros([1]);
  const partials = gpu.empty([total]);
  let offset = 0;
  tensors.forEach((t, i) => {
    if (t.size > 0) blockPass(gpu, t, t.size, partials, offset, true);
    offset += counts[i];
  });
  return finish(gpu, partials, total);
}

/**
 * Column sums `scale * Σ_r x[r, :]` of `x` viewed as `[rows, cols]` → `[cols]`. Rows are
 * summed in chunks, then the chunk sums in order (deterministic; bias and gain gradients).
 * `shape` (default `[cols]`) is the result's shape.
 *
 * @example
 * ```ts ignore
 * const dBias = sumRows(gpu, dLogits, { rows: B, cols: 2 }); // [2]
 * ```
 */
export function sumRows(
  gpu: Gpu,
  x: Tensor,
  options: { rows: number; cols: number; scale?: number; shape?: readonly number[] },
): Tensor {
  const { rows, cols, scale = 1, shape = [cols] } = options;
  if (rows * cols !== x.size) {
    throw new RangeError(`sumRows: [${rows}, ${cols}] does not match [${x.shape}]`);
  }
  const out = gpu.empty(shape);
  if (out.size !== cols) throw new RangeError(`sumRows: shape [${shape}] does not hold ${cols}`);
  if (cols === 0) return out;
  const pipeline = gpu.pipeline(columnsSrc, { constants: { WG } });
  if (rows <= ROW_CHUNK) {
    gpu.dispatch(pipeline, [x, out], grid(Math.ceil(cols / WG)), {
      u32: [rows, cols, Math.max(1, rows), cols],
      f32: [scale],
    });
    return out;
  }
  const chunks = Math.ceil(rows / ROW_CHUNK);
  const partials = gpu.empty([chunks, cols]);
  gpu.dispatch(pipeline, [x, partials], grid(Math.ceil((chunks * cols) / WG)), {
    u32: [rows, cols, ROW_CHUNK, chunks * cols],
    f32: [1],
  });
  out.release();
  const result = sumRows(gpu, partials, { rows: chunks, cols, scale, shape });
  partials.release();
  return result;
}

/**
 * Index of the largest value in each row of `x` viewed as `[rows, cols]` (first index on
 * ties), as i32 `[rows]`: token predictions from logits.
 */
export function argmax(gpu: Gpu, x: Tensor, options: { rows: number; cols: number }): Tensor {
  const { rows, cols } = options;
  if (rows * cols !== x.size || cols < 1) {
    throw new RangeError(`argmax: [${rows}, ${cols}] does not match [${x.shape}]`);
  }
  const out = gpu.empty([rows], "i32");
  if (rows > 0) {
    gpu.dispatch(gpu.pipeline(argmaxSrc), [x, out], grid(Math.ceil(rows / WG)), {
      u32: [rows, cols],
    });
  }
  return out;
}

/**
 * f32 `[B]`: 1 where every token whose label is not `ignoreIndex` is predicted exactly,
 * else 0 (the halting target `seq_is_correct`; a sequence with no valid label counts as 1,
 * as in the official code).
 *
 * @example
 * ```ts ignore
 * const correct = sequenceCorrect(gpu, argmax(gpu, logits, { rows: B * L, cols: V }).reshape([B, L]),
 *   labels, { ignoreIndex: -100 });
 * ```
 */
export function sequenceCorrect(
  gpu: Gpu,
  predictions: Tensor,
  labels: Tensor,
  options: { ignoreIndex: number },
): Tensor {
  if (labels.shape.length !== 2 || predictions.size !== labels.size) {
    throw new RangeError(
      `sequenceCorrect: predictions [${predictions.shape}] and labels [${labels.shape}] must be [B, L]`,
    );
  }
  const [batch, length] = labels.shape;
  const out = gpu.empty([batch]);
  if (batch > 0) {
    gpu.dispatch(
      gpu.pipeline(correctSrc),
      [predictions, labels, out],
      grid(Math.ceil(batch / WG)),
      {
        u32: [batch, length, options.ignoreIndex >>> 0],
      },
    );
  }
  return out;
}
