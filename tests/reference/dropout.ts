/** CPU twin of kernels/dropout.wgsl's counter-based mask, and the float64 forward. */

function pcg(v: number): number {
  const state = (Math.imul(v >>> 0, 747796405) + 2891336453) >>> 0;
  const word = Math.imul(((state >>> ((state >>> 28) + 4)) ^ state) >>> 0, 277803737) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}

/** keep[i] for element i under (p, seed), exactly as the kernel computes it. */
export function dropoutMaskRef(n: number, p: number, seed: number): Uint8Array {
  const threshold = Math.min(2 ** 32 - 1, Math.round(p * 2 ** 32));
  const lo = seed % 2 ** 32;
  const hi = Math.floor(seed / 2 ** 32);
  const key = pcg((lo ^ pcg((hi + 0x9e3779b9) >>> 0)) >>> 0);
  const keep = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const h = pcg((pcg((i ^ key) >>> 0) + key) >>> 0);
    keep[i] = p === 0 || h >= threshold ? 1 : 0;
  }
  return keep;
}

/** y = x * keep / (1 - p). */
export function dropoutRef(x: ArrayLike<number>, keep: Uint8Array, p: number): Float64Array {
  return Float64Array.from(x, (v, i) => (keep[i] ? v / (1 - p) : 0));
}
