/** CPU twin of kernels/latent_noise.wgsl, in float64 from the same 32-bit hashes. */

function pcg(v: number): number {
  const state = (Math.imul(v >>> 0, 747796405) + 2891336453) >>> 0;
  const word = Math.imul(((state >>> ((state >>> 28) + 4)) ^ state) >>> 0, 277803737) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}

/** z with the kernel's noise added (float64), for rows [keys.length] of z.length / rows. */
export function latentNoiseRef(
  z: ArrayLike<number>,
  keys: ArrayLike<number>,
  o: { sigma: number; samples: number; seed: number; step: number },
): Float64Array {
  const rows = keys.length, rowSize = z.length / rows;
  const lo = o.seed % 2 ** 32, hi = Math.floor(o.seed / 2 ** 32);
  const base = pcg((lo ^ pcg((hi + 0x9e3779b9) >>> 0)) >>> 0);
  const s = pcg((base ^ pcg((o.step + 0x85ebca6b) >>> 0)) >>> 0);
  const out = Float64Array.from(z);
  for (let r = 0; r < rows; r++) {
    const key = keys[r] >>> 0;
    if (key % o.samples === 0) continue;
    const k = pcg((s ^ pcg((key + 0xc2b2ae35) >>> 0)) >>> 0);
    for (let j = 0; j < rowSize; j++) {
      const h1 = pcg((pcg(((2 * j) ^ k) >>> 0) + k) >>> 0);
      const h2 = pcg((pcg(((2 * j + 1) ^ k) >>> 0) + k) >>> 0);
      const u1 = ((h1 >>> 8) + 1) / 16777216;
      const u2 = (h2 >>> 8) / 16777216;
      out[r * rowSize + j] += o.sigma * Math.sqrt(-2 * Math.log(u1)) *
        Math.cos(2 * Math.PI * u2);
    }
  }
  return out;
}
