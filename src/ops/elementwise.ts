/**
 * Element-wise and data-movement ops: add, in-place accumulate, scale, copy, fill, row
 * broadcast, batched transpose, and slicing / scatter-adding along the sequence axis.
 * All f32 arithmetic; the pure data movers copy raw 32-bit words and so keep any dtype.
 *
 * @module
 */

import type { Gpu, Tensor } from "../gpu/gpu.ts";
import { grid } from "../gpu/gpu.ts";
import addSrc from "../../kernels/elementwise_add.wgsl" with { type: "text" };
import axpySrc from "../../kernels/elementwise_axpy.wgsl" with { type: "text" };
import scaleSrc from "../../kernels/elementwise_scale.wgsl" with { type: "text" };
import scaleInplaceSrc from "../../kernels/elementwise_scale_inplace.wgsl" with { type: "text" };
import fillSrc from "../../kernels/elementwise_fill.wgsl" with { type: "text" };
import broadcastSrc from "../../kernels/elementwise_broadcast_rows.wgsl" with { type: "text" };
import transposeSrc from "../../kernels/transpose.wgsl" with { type: "text" };
import transposeTiledSrc from "../../kernels/transpose_tiled.wgsl" with { type: "text" };
import sliceSrc from "../../kernels/sequence_slice.wgsl" with { type: "text" };
import sequenceAddSrc from "../../kernels/sequence_add.wgsl" with { type: "text" };

/** Invocations per workgroup of the one-element-per-invocation kernels here. */
const WG = 256;

function sameSize(op: string, a: Tensor, b: Tensor): void {
  if (a.size !== b.size) {
    throw new RangeError(`${op}: sizes differ ([${a.shape}] vs [${b.shape}])`);
  }
}

function launch(
  gpu: Gpu,
  src: string,
  buffers: readonly Tensor[],
  n: number,
  params: { u32: number[]; f32?: number[] },
): void {
  if (n === 0) return;
  gpu.dispatch(gpu.pipeline(src), buffers, grid(Math.ceil(n / WG)), params);
}

/**
 * `a + b` element-wise; `out` may be `a` or `b` itself (then it is updated in place).
 *
 * @example
 * ```ts ignore
 * const h = add(gpu, y, x);        // new tensor
 * add(gpu, h, inj, h);             // h += inj
 * ```
 */
export function add(gpu: Gpu, a: Tensor, b: Tensor, out?: Tensor): Tensor {
  sameSize("add", a, b);
  if (out) sameSize("add", a, out);
  if (out && out.buffer === a.buffer) {
    addInto(gpu, a, b);
    return out;
  }
  if (out && out.buffer === b.buffer) {
    addInto(gpu, b, a); // f32 addition is commutative: bit-identical to a + b
    return out;
  }
  const y = out ?? gpu.empty(a.shape);
  launch(gpu, addSrc, [a, b, y], a.size, { u32: [a.size] });
  return y;
}

/** `acc += alpha * x` in place (gradient accumulation, residual streams). */
export function addInto(gpu: Gpu, acc: Tensor, x: Tensor, alpha = 1): void {
  sameSize("addInto", acc, x);
  if (acc.buffer === x.buffer) {
    // acc + alpha·acc in one rounding: the same buffer cannot be bound twice here.
    launch(gpu, scaleInplaceSrc, [acc], acc.size, { u32: [acc.size], f32: [1 + alpha] });
    return;
  }
  launch(gpu, axpySrc, [acc, x], acc.size, { u32: [acc.size], f32: [alpha] });
}

/** `s * x`; `out` may be `x` itself (in place). */
export function scale(gpu: Gpu, x: Tensor, s: number, out?: Tensor): Tensor {
  if (out) sameSize("scale", x, out);
  if (out && out.buffer === x.buffer) {
    launch(gpu, scaleInplaceSrc, [x], x.size, { u32: [x.size], f32: [s] });
    return out;
  }
  const y = out ?? gpu.empty(x.shape);
  launch(gpu, scaleSrc, [x, y], x.size, { u32: [x.size], f32: [s] });
  return y;
}

/** A pooled clone of `x` (same shape and dtype), by a buffer copy. */
export function copy(gpu: Gpu, x: Tensor): Tensor {
  const y = gpu.empty(x.shape, x.dtype);
  if (x.size > 0) gpu.copy(x, y);
  return y;
}

/** Sets every element of `x` to `value` (interpreted in x's dtype: f32, i32 or u32). */
export function fill(gpu: Gpu, x: Tensor, value: number): void {
  if (value === 0 && !Object.is(value, -0)) {
    if (x.size > 0) gpu.clear(x);
    return;
  }
  let bits: number;
  if (x.dtype === "f32") bits = new Uint32Array(Float32Array.of(value).buffer)[0];
  else bits = value >>> 0;
  launch(gpu, fillSrc, [x], x.size, { u32: [x.size, bits] });
}

/** `[rows, D]` with every row equal to `vector` (`[D]`): the initial y/z carry states. */
export function broadcastRows(gpu: Gpu, vector: Tensor, rows: number): Tensor {
  const width = vector.size;
  const y = gpu.empty([rows, width], vector.dtype);
  launch(gpu, broadcastSrc, [vector, y], rows * width, { u32: [rows * width, width] });
  return y;
}

/** Options for {@linkcode transpose}. */
export interface TransposeOptions {
  /** Leading batch count. */
  batch: number;
  /** Rows of each input matrix. */
  rows: number;
  /** Columns of each input matrix. */
  cols: number;
  /** Kernel choice, for tests and benchmarks; default tiled on GPUs, direct on CPU adapters. */
  variant?: "direct" | "tiled";
}

/**
 * Batched transpose `[batch, rows, cols] → [batch, cols, rows]` (the MLP-mixer's token
 * step works on `[B, D, L]`). Any 4-byte dtype.
 *
 * @example
 * ```ts ignore
 * const xt = transpose(gpu, x, { batch: B, rows: L, cols: D }); // [B, D, L]
 * ```
 */
export function transpose(gpu: Gpu, x: Tensor, options: TransposeOptions): Tensor {
  const { batch, rows, cols } = options;
  const n = batch * rows * cols;
  if (n !== x.size) {
    throw new RangeError(`transpose: [${batch}, ${rows}, ${cols}] does not match [${x.shape}]`);
  }
  const y = gpu.empty([batch, cols, rows], x.dtype);
  if (n === 0) return y;
  const variant = options.variant ?? (gpu.profile === "cpu" ? "direct" : "tiled");
  if (variant === "direct") {
    launch(gpu, transposeSrc, [x, y], n, { u32: [n, rows, cols] });
  } else {
    const tilesR = Math.ceil(rows / 32);
    const tilesC = Math.ceil(cols / 32);
    const total = batch * tilesR * tilesC;
    gpu.dispatch(gpu.pipeline(transposeTiledSrc), [x, y], grid(total), {
      u32: [rows, cols, tilesR, tilesC, total],
    });
  }
  return y;
}

function sequenceDims(op: string, x: Tensor): [number, number, number] {
  if (x.shape.length !== 3) throw new RangeError(`${op}: expected [B, S, D], got [${x.shape}]`);
  return [x.shape[0], x.shape[1], x.shape[2]];
}

/**
 * `x[:, start:start+length, :]` as a new `[B, length, D]` tensor (e.g. dropping the
 * puzzle-embedding prefix before the LM head). Any 4-byte dtype.
 */
export function sliceSequence(
  gpu: Gpu,
  x: Tensor,
  options: { start: number; length: number },
): Tensor {
  const [b, s, d] = sequenceDims("sliceSequence", x);
  const { start, length } = options;
  if (start < 0 || length < 0 || start + length > s) {
    throw new RangeError(`sliceSequence: [${start}, ${start + length}) is outside [0, ${s})`);
  }
  const y = gpu.empty([b, length, d], x.dtype);
  const n = b * length * d;
  launch(gpu, sliceSrc, [x, y], n, { u32: [n, s, length, start, d] });
  return y;
}

/**
 * `target[:, start:start+len, :] += alpha * src` in place: the backward of
 * {@linkcode sliceSequence}.
 */
export function addToSequence(
  gpu: Gpu,
  target: Tensor,
  src: Tensor,
  options: { start: number; alpha?: number },
): void {
  const [b, s, d] = sequenceDims("addToSequence", target);
  const [sb, length, sd] = sequenceDims("addToSequence", src);
  const { start, alpha = 1 } = options;
  if (sb !== b || sd !== d || start < 0 || start + length > s) {
    throw new RangeError(
      `addToSequence: src [${src.shape}] at ${start} does not fit target [${target.shape}]`,
    );
  }
  const n = b * length * d;
  launch(gpu, sequenceAddSrc, [target, src], n, { u32: [n, s, length, start, d], f32: [alpha] });
}
