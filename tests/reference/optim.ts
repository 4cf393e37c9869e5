/** Float64 references for the optimizer kernels (src/ops/optim.ts). */

/** Hyper-parameters of the reference Adam step. */
export interface AdamRefOptions {
  lr: number;
  beta1: number;
  beta2: number;
  weightDecay: number;
  step: number;
  eps?: number;
  gradScale?: number;
}

/** One float64 AdamW (PyTorch) or Adam-atan2 (official TRM) step, in place on the arrays. */
export function adamRef(
  variant: "adamw" | "atan2",
  p: Float64Array,
  g: ArrayLike<number>,
  m: Float64Array,
  v: Float64Array,
  o: AdamRefOptions,
): void {
  const bc1 = 1 - o.beta1 ** o.step;
  const bc2 = 1 - o.beta2 ** o.step;
  const eps = o.eps ?? 1e-8;
  const scale = o.gradScale ?? 1;
  for (let i = 0; i < p.length; i++) {
    const gi = g[i] * scale;
    p[i] *= 1 - o.lr * o.weightDecay;
    m[i] = o.beta1 * m[i] + (1 - o.beta1) * gi;
    v[i] = o.beta2 * v[i] + (1 - o.beta2) * gi * gi;
    const mHat = m[i] / bc1;
    const vHat = v[i] / bc2;
    if (variant === "adamw") p[i] -= o.lr * mHat / (Math.sqrt(vHat) + eps);
    else p[i] -= o.lr * Math.atan2(mHat, Math.sqrt(vHat));
  }
}

/** torch.nn.utils.clip_grad_norm_'s factor. */
export function clipScaleRef(sumOfSquares: number, maxNorm: number): number {
  return Math.min(1, maxNorm / (Math.sqrt(sumOfSquares) + 1e-6));
}

/** ema = decay * ema + (1 - decay) * param, in place. */
export function emaRef(ema: Float64Array, param: ArrayLike<number>, decay: number): void {
  for (let i = 0; i < ema.length; i++) ema[i] = decay * ema[i] + (1 - decay) * param[i];
}
