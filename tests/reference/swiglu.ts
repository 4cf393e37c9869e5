/** Float64 reference of SwiGLU on gu viewed as [outer, 2, hidden, inner]. */

/** s[o, r] = silu(gu[o, 0, r]) * gu[o, 1, r], r < hidden * inner. */
export function swigluRef(
  gu: ArrayLike<number>,
  outer: number,
  hidden: number,
  inner: number,
): Float64Array {
  const half = hidden * inner;
  const s = new Float64Array(outer * half);
  for (let o = 0; o < outer; o++) {
    for (let r = 0; r < half; r++) {
      const g = gu[o * 2 * half + r];
      const u = gu[o * 2 * half + half + r];
      s[o * half + r] = (g / (1 + Math.exp(-g))) * u;
    }
  }
  return s;
}
