/** Float64 reference of RMSNorm over the middle axis of [outer, n, inner]. */

/** y = v * rsqrt(mean_n v² + eps) [* weight], v = x (+ residual); also x̂ and rstd. */
export function rmsNormRef(
  x: ArrayLike<number>,
  { outer, n, inner, eps, residual, weight }: {
    outer: number;
    n: number;
    inner: number;
    eps: number;
    residual?: ArrayLike<number>;
    weight?: ArrayLike<number>;
  },
): { y: Float64Array; normalized: Float64Array; rstd: Float64Array } {
  const y = new Float64Array(outer * n * inner);
  const normalized = new Float64Array(y.length);
  const rstd = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const at = (k: number) => (o * n + k) * inner + i;
      const v = (k: number) => x[at(k)] + (residual ? residual[at(k)] : 0);
      let ss = 0;
      for (let k = 0; k < n; k++) ss += v(k) ** 2;
      const r = 1 / Math.sqrt(ss / n + eps);
      rstd[o * inner + i] = r;
      for (let k = 0; k < n; k++) {
        normalized[at(k)] = v(k) * r;
        y[at(k)] = normalized[at(k)] * (weight ? weight[k] : 1);
      }
    }
  }
  return { y, normalized, rstd };
}
