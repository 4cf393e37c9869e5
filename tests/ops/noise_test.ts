import { assertClose, randomArray, testGpu } from "../_helpers.ts";
import { addLatentNoise } from "../../src/ops/noise.ts";
import { latentNoiseRef } from "../reference/noise.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };

async function noised(
  z: Float32Array,
  keys: Uint32Array,
  o: { sigma: number; samples: number; seed: number; step: number },
): Promise<Float32Array> {
  const gpu = await testGpu();
  const tz = gpu.upload(z);
  const tk = gpu.upload(keys, [keys.length], "u32");
  addLatentNoise(gpu, tz, tk, o);
  const out = await gpu.read(tz) as Float32Array;
  tz.release();
  tk.release();
  return out;
}

Deno.test({
  ...opts,
  name: "latent noise: matches the float64 reference; clean rows untouched",
  fn: async () => {
    // 7 rows of 3 × 37 (no multiple of the workgroup), keys of 3 samples per puzzle.
    const rows = 7, rowSize = 111;
    const z = randomArray(rows * rowSize, 3);
    const keys = Uint32Array.from([0, 1, 2, 3, 4, 5, 8]);
    const o = { sigma: 0.3, samples: 3, seed: 2 ** 40 + 5, step: 9 };
    const got = await noised(z, keys, o);
    const want = latentNoiseRef(z, keys, o);
    // f32 log/cos against float64: a few ulps of sqrt(-2 ln u) ≤ ~5.6, times sigma.
    assertClose(got, want, { atol: 2e-5, rtol: 1e-5, label: "noise vs reference" });
    for (const r of [0, 3]) { // keys 0 and 3 are clean (multiples of 3)
      assertClose(
        got.subarray(r * rowSize, (r + 1) * rowSize),
        z.subarray(r * rowSize, (r + 1) * rowSize),
        {
          atol: 0,
          rtol: 0,
          label: `clean row ${r}`,
        },
      );
    }
  },
});

Deno.test({
  ...opts,
  name: "latent noise: N(0, sigma²), a trajectory's draw does not depend on its row, steps differ",
  fn: async () => {
    const rows = 4, rowSize = 20000;
    const zeros = new Float32Array(rows * rowSize);
    const o = { sigma: 0.5, samples: 4, seed: 11, step: 1 };
    const a = await noised(zeros, Uint32Array.from([1, 2, 3, 5]), o);
    let sum = 0, sq = 0;
    for (const v of a) {
      sum += v;
      sq += v * v;
    }
    const n = a.length, mean = sum / n, variance = sq / n - mean * mean;
    // 80,000 draws: the mean's sd is 0.5/283 ≈ 0.0018, the variance's ≈ 0.25·√(2/n) ≈ 0.0013.
    if (Math.abs(mean) > 0.01) throw new Error(`mean ${mean}`);
    if (Math.abs(variance - 0.25) > 0.008) throw new Error(`variance ${variance}`);
    // Key 3 moved from row 2 to row 0: the same values.
    const b = await noised(zeros, Uint32Array.from([3, 1, 2, 5]), o);
    assertClose(b.subarray(0, rowSize), a.subarray(2 * rowSize, 3 * rowSize), {
      atol: 0,
      rtol: 0,
      label: "key 3 in another row",
    });
    const c = await noised(zeros, Uint32Array.from([1, 2, 3, 5]), { ...o, step: 2 });
    let same = 0;
    for (let i = 0; i < n; i++) if (c[i] === a[i]) same++;
    if (same > n / 1000) throw new Error(`step 2 repeats ${same} of step 1's draws`);
    // Neighbouring elements are uncorrelated.
    let cross = 0;
    for (let i = 0; i + 1 < rowSize; i++) cross += a[i] * a[i + 1];
    const corr = cross / (rowSize - 1) / 0.25;
    if (Math.abs(corr) > 0.04) throw new Error(`lag-1 correlation ${corr}`);
  },
});
