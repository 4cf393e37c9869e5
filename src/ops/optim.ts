/**
 * Optimizer kernels, all in place and one dispatch per parameter tensor: AdamW,
 * Adam-atan2 (the official TRM optimizer), the gradient-clipping factor and the EMA
 * update. Scalars that depend on the step are computed here in float64 and passed as
 * f32 uniforms.
 *
 * @module
 */

import { type Gpu, grid } from "../gpu/gpu.ts";
import type { Tensor } from "../gpu/tensor.ts";
import adamSrc from "../../kernels/optim_adam.wgsl" with { type: "text" };
import clipSrc from "../../kernels/optim_clip.wgsl" with { type: "text" };
import emaSrc from "../../kernels/optim_ema.wgsl" with { type: "text" };

/** One parameter tensor and its optimizer state, all f32 of the same size. */
export interface AdamState {
  /** Parameters, updated in place. */
  param: Tensor;
  /** Gradient of the loss (read only). */
  grad: Tensor;
  /** First moment, updated in place (start from zeros). */
  m: Tensor;
  /** Second moment, updated in place (start from zeros). */
  v: Tensor;
}

/** Hyper-parameters of one {@linkcode adamW} / {@linkcode adamAtan2} step. */
export interface AdamOptions {
  /** Learning rate of this step. */
  lr: number;
  /** First-moment decay (official: 0.9). */
  beta1: number;
  /** Second-moment decay (official: 0.95). */
  beta2: number;
  /** Decoupled weight decay: `p *= 1 - lr * weightDecay` before the update. */
  weightDecay: number;
  /** 1-based step number, for the bias corrections. */
  step: number;
  /** AdamW's epsilon (ignored by Adam-atan2); default 1e-8. */
  eps?: number;
  /** f32 [1]: the gradient is multiplied by this first (e.g. from {@linkcode clipScale}). */
  gradScale?: Tensor;
}

const WORKGROUP = 256;

function checkState(name: string, state: AdamState, options: AdamOptions): number {
  const n = state.param.size;
  for (const key of ["param", "grad", "m", "v"] as const) {
    const t = state[key];
    if (t.dtype !== "f32" || t.size !== n) {
      throw new RangeError(
        `${name}: ${key} must be f32 with ${n} elements, got ${t.dtype} [${t.shape}]`,
      );
    }
  }
  if (!Number.isInteger(options.step) || options.step < 1) {
    throw new RangeError(`${name}: step must be a 1-based integer, got ${options.step}`);
  }
  if (options.gradScale && (options.gradScale.dtype !== "f32" || options.gradScale.size < 1)) {
    throw new RangeError(`${name}: gradScale must be an f32 tensor of one element`);
  }
  return n;
}

function adamStep(gpu: Gpu, variant: 0 | 1, name: string, state: AdamState, options: AdamOptions) {
  const n = checkState(name, state, options);
  if (n === 0) return;
  const { lr, beta1, beta2, weightDecay, step } = options;
  // Bias corrections in float64: 1 - 0.95^t loses digits in f32 for small t.
  const bc1 = 1 - beta1 ** step;
  const bc2 = 1 - beta2 ** step;
  const pipeline = gpu.pipeline(adamSrc, {
    entryPoint: options.gradScale ? "main_scaled" : "main",
    constants: { VARIANT: variant, WG: WORKGROUP },
  });
  const params = {
    u32: [n],
    f32: [
      1 - lr * weightDecay,
      1 - beta1,
      1 - beta2,
      lr / bc1,
      1 / Math.sqrt(bc2),
      options.eps ?? 1e-8,
      lr,
      1 / bc1,
    ],
  };
  const buffers = [state.param, state.grad, state.m, state.v];
  if (options.gradScale) buffers.push(options.gradScale);
  gpu.dispatch(pipeline, buffers, grid(Math.ceil(n / WORKGROUP)), params);
}

/**
 * One in-place AdamW step with PyTorch's semantics: `p *= 1 - lr*wd`; `m = b1 m + (1-b1) g`;
 * `v = b2 v + (1-b2) g²`; `p -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)`.
 *
 * @example
 * ```ts ignore
 * adamW(gpu, { param, grad, m, v }, { lr: 1e-4, beta1: 0.9, beta2: 0.95, weightDecay: 0.1, step });
 * ```
 */
export function adamW(gpu: Gpu, state: AdamState, options: AdamOptions): void {
  adamStep(gpu, 0, "adamW", state, options);
}

/**
 * One in-place Adam-atan2 step (the official TRM optimizer, no epsilon): `p *= 1 - lr*wd`;
 * `m = lerp(m, g, 1-b1)`; `v = lerp(v, g², 1-b2)`;
 * `p -= lr * atan2(m / (1-b1^t), sqrt(v / (1-b2^t)))`.
 *
 * @example
 * ```ts ignore
 * adamAtan2(gpu, { param, grad, m, v }, { lr: 1e-4, beta1: 0.9, beta2: 0.95, weightDecay: 1, step });
 * ```
 */
export function adamAtan2(gpu: Gpu, state: AdamState, options: AdamOptions): void {
  adamStep(gpu, 1, "adamAtan2", state, options);
}

/**
 * The gradient-clipping factor `min(1, maxNorm / (sqrt(sumOfSquares) + 1e-6))`
 * (torch.nn.utils.clip_grad_norm_), computed on the GPU so no readback is needed; pass
 * it as {@linkcode AdamOptions.gradScale}.
 *
 * @param sumOfSquares f32 [1]: Σ g² over every parameter
 * @returns f32 [1], owned by the caller
 * @example
 * ```ts ignore
 * const scale = clipScale(gpu, sumSq, 1.0);
 * for (const s of states) adamAtan2(gpu, s, { ...hyper, step, gradScale: scale });
 * scale.release();
 * ```
 */
export function clipScale(gpu: Gpu, sumOfSquares: Tensor, maxNorm: number): Tensor {
  if (sumOfSquares.dtype !== "f32" || sumOfSquares.size < 1) {
    throw new RangeError("clipScale: sumOfSquares must be an f32 tensor of one element");
  }
  const out = gpu.empty([1], "f32");
  gpu.dispatch(gpu.pipeline(clipSrc), [sumOfSquares, out], [1, 1, 1], { f32: [maxNorm] });
  return out;
}

/**
 * In-place EMA of a parameter tensor: `ema = decay * ema + (1 - decay) * param`.
 *
 * @example
 * ```ts ignore
 * emaUpdate(gpu, emaWeight, weight, 0.999);
 * ```
 */
export function emaUpdate(gpu: Gpu, ema: Tensor, param: Tensor, decay: number): void {
  if (ema.dtype !== "f32" || param.dtype !== "f32" || ema.size !== param.size) {
    throw new RangeError(
      `emaUpdate: ema [${ema.shape}] and param [${param.shape}] must be f32 of one size`,
    );
  }
  const n = ema.size;
  if (n === 0) return;
  const pipeline = gpu.pipeline(emaSrc, { constants: { WG: WORKGROUP } });
  gpu.dispatch(pipeline, [ema, param], grid(Math.ceil(n / WORKGROUP)), {
    u32: [n],
    f32: [decay, 1 - decay],
  });
}
