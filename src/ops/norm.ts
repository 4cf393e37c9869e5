/**
 * RMSNorm over the middle axis of a tensor viewed as `[outer, n, inner]`, with an optional
 * fused residual add and optional learnable gain, and its backward.
 *
 * - channel norm (last axis): `outer = rows, n = D, inner = 1`;
 * - sequence-axis norm (the MLP-mixer token step, on `[B, S, D]`): `outer = B, n = S, inner = D`.
 *
 * Official TRM: no weight, eps = 1e-5, computed in f32.
 *
 * @module
 */

import type { Gpu, Tensor } from "../gpu/gpu.ts";
import { grid } from "../gpu/gpu.ts";
import { sumRows } from "./reduce.ts";
import forwardSrc from "../../kernels/rmsnorm_forward.wgsl" with { type: "text" };
import backwardSrc from "../../kernels/rmsnorm_backward.wgsl" with { type: "text" };
import weightSrc from "../../kernels/rmsnorm_weight.wgsl" with { type: "text" };
import dweightSrc from "../../kernels/rmsnorm_dweight.wgsl" with { type: "text" };

/** Layout shared by {@linkcode rmsNorm} and {@linkcode rmsNormBackward}. */
export interface RmsNormLayout {
  /** Leading count (rows for the channel norm, B for the sequence-axis norm). */
  outer: number;
  /** Length of the normalized axis (D, or S for the sequence-axis norm). */
  n: number;
  /** Trailing count (1 for the channel norm, D for the sequence-axis norm). */
  inner: number;
  /** Optional gain of length n (none in official TRM). */
  weight?: Tensor;
  /**
   * Kernel choice, for tests and benchmarks: `rows` (a workgroup per row; inner = 1 only)
   * or `columns` (an invocation per column). Default: rows on GPUs when inner = 1, else columns.
   */
  variant?: "rows" | "columns";
}

/** Options of {@linkcode rmsNorm}. */
export interface RmsNormOptions extends RmsNormLayout {
  /** Added to the mean square before the reciprocal square root (official: 1e-5). */
  eps: number;
  /** Optional tensor added to x before normalizing (post-norm blocks: norm(h + f(h))). */
  residual?: Tensor;
}

/** Result of {@linkcode rmsNorm}. */
export interface RmsNormResult {
  /** The output (`normalized * weight`, or `normalized` itself without weight). */
  y: Tensor;
  /** `[outer * inner]`: 1 / sqrt(mean square + eps) per normalized vector, for the backward. */
  rstd: Tensor;
  /** x̂ before the gain; the same tensor object as `y` when there is no weight. */
  normalized: Tensor;
}

/** Pairs (outer, inner) per chunk in the first pass of the gain gradient. */
const DWEIGHT_CHUNK = 256;
const COLUMNS_WG = 64;
const ELEMENT_WG = 256;

function variantOf(gpu: Gpu, layout: RmsNormLayout): "rows" | "columns" {
  const v = layout.variant ?? (layout.inner === 1 && gpu.profile === "gpu" ? "rows" : "columns");
  if (v === "rows" && layout.inner !== 1) {
    throw new RangeError("rmsNorm: the rows variant needs inner = 1");
  }
  return v;
}

/** Workgroup width of the rows variant: a power of two in [32, 256], about n. */
function rowsWorkgroup(n: number): number {
  let wg = 32;
  while (wg < 256 && wg < n) wg *= 2;
  return wg;
}

function checkSize(op: string, name: string, t: Tensor, size: number): void {
  if (t.size !== size) throw new RangeError(`${op}: ${name} has ${t.size} values, want ${size}`);
}

function launch(
  gpu: Gpu,
  src: string,
  variant: "rows" | "columns",
  layout: RmsNormLayout,
  flag: Record<string, number>,
  buffers: Tensor[],
  extra: number[],
): void {
  const { outer, n, inner } = layout;
  const columns = outer * inner;
  if (columns === 0 || n === 0) return;
  const params = { u32: [outer, n, inner, columns], f32: extra };
  if (variant === "rows") {
    const WG = rowsWorkgroup(n);
    const pipeline = gpu.pipeline(src, { entryPoint: "rows", constants: { WG, ...flag } });
    gpu.dispatch(pipeline, buffers, grid(outer), params);
  } else {
    const pipeline = gpu.pipeline(src, {
      entryPoint: "columns",
      constants: { WG: COLUMNS_WG, ...flag },
    });
    gpu.dispatch(pipeline, buffers, grid(Math.ceil(columns / COLUMNS_WG)), params);
  }
}

/**
 * `y = v * rsqrt(mean_n(v²) + eps) [* weight]` with `v = x + residual` (or x), over the
 * middle axis of `[outer, n, inner]`.
 *
 * @example
 * ```ts ignore
 * // post-norm block: h = rmsnorm(h + attn(h)), channel layout
 * const { y, rstd } = rmsNorm(gpu, h, { outer: B * S, n: D, inner: 1, eps: 1e-5, residual: a });
 * // MLP-mixer token step on [B, S, D]: normalize over S
 * const t = rmsNorm(gpu, u, { outer: B, n: S, inner: D, eps: 1e-5 });
 * ```
 */
export function rmsNorm(gpu: Gpu, x: Tensor, options: RmsNormOptions): RmsNormResult {
  const { outer, n, inner, eps, residual, weight } = options;
  const total = outer * n * inner;
  checkSize("rmsNorm", "x", x, total);
  if (residual) checkSize("rmsNorm", "residual", residual, total);
  if (weight) checkSize("rmsNorm", "weight", weight, n);
  const variant = variantOf(gpu, options);
  const normalized = gpu.empty(x.shape);
  const rstd = gpu.empty([outer * inner]);
  launch(
    gpu,
    forwardSrc,
    variant,
    options,
    { HAS_RESIDUAL: residual ? 1 : 0 },
    [x, residual ?? x, normalized, rstd],
    [eps],
  );
  if (!weight) return { y: normalized, rstd, normalized };
  const y = gpu.empty(x.shape);
  if (total > 0) {
    gpu.dispatch(
      gpu.pipeline(weightSrc),
      [normalized, weight, y],
      grid(Math.ceil(total / ELEMENT_WG)),
      {
        u32: [total, n, inner],
      },
    );
  }
  return { y, rstd, normalized };
}

/**
 * Backward of {@linkcode rmsNorm} from its saved `normalized` and `rstd`:
 * `dx = rstd * (g - x̂ * mean_n(g * x̂))` with `g = dy [* weight]`. `dx` is the gradient
 * w.r.t. `x + residual` (so it is also the residual's gradient). With a weight,
 * `dWeight[k] = Σ dy * x̂` over outer and inner, summed deterministically in chunks.
 *
 * @example
 * ```ts ignore
 * const { dx } = rmsNormBackward(gpu, normalized, rstd, dy, { outer: B * S, n: D, inner: 1 });
 * ```
 */
export function rmsNormBackward(
  gpu: Gpu,
  normalized: Tensor,
  rstd: Tensor,
  dy: Tensor,
  options: RmsNormLayout,
): { dx: Tensor; dWeight?: Tensor } {
  const { outer, n, inner, weight } = options;
  const total = outer * n * inner;
  checkSize("rmsNormBackward", "normalized", normalized, total);
  checkSize("rmsNormBackward", "dy", dy, total);
  checkSize("rmsNormBackward", "rstd", rstd, outer * inner);
  if (weight) checkSize("rmsNormBackward", "weight", weight, n);
  const variant = variantOf(gpu, options);
  const dx = gpu.empty(dy.shape);
  launch(
    gpu,
    backwardSrc,
    variant,
    options,
    { HAS_WEIGHT: weight ? 1 : 0 },
    [normalized, rstd, dy, weight ?? dy, dx],
    [],
  );
  if (!weight) return { dx };
  const pairs = outer * inner;
  const chunks = Math.max(1, Math.ceil(pairs / DWEIGHT_CHUNK));
  // Every partial is written when there is data; otherwise the sums must be zero.
  const partials = total > 0 ? gpu.empty([chunks, n]) : gpu.zeros([chunks, n]);
  if (total > 0) {
    gpu.dispatch(
      gpu.pipeline(dweightSrc),
      [dy, normalized, partials],
      grid(Math.ceil((chunks * n) / ELEMENT_WG)),
      { u32: [n, inner, pairs, DWEIGHT_CHUNK, chunks * n] },
    );
  }
  const dWeight = sumRows(gpu, partials, { rows: chunks, cols: n });
  partials.release();
  return { dx, dWeight };
}
