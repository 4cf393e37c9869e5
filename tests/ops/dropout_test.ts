import { assertClose, dot, finiteDifferences, randomArray, testGpu } from "../_helpers.ts";
import type { Gpu, Tensor } from "../../src/gpu/gpu.ts";
import { dropout, dropoutBackward } from "../../src/ops/dropout.ts";
import { dropoutMaskRef, dropoutRef } from "../reference/dropout.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };

// Kept values are x·(1/(1-p)) with 1/(1-p) rounded to f32: two roundings, ≤ 2.4e-7 relative.
const SCALE_TOL = { atol: 0, rtol: 3e-7 };

/** Reads a result tensor and releases it. */
async function take(gpu: Gpu, t: Tensor): Promise<Float32Array> {
  const data = await gpu.read(t) as Float32Array;
  t.release();
  return data;
}

/** Fails unless |observed - expected| ≤ 5 standard deviations of a binomial count. */
function assertBinomial(count: number, n: number, q: number, label: string): void {
  const sigma = Math.sqrt(n * q * (1 - q));
  // 5σ: a false failure has probability < 1e-6 (and the test is deterministic anyway).
  if (Math.abs(count - n * q) > 5 * sigma) {
    throw new Error(`${label}: ${count} of ${n}, expected ${n * q} ± ${(5 * sigma).toFixed(1)}`);
  }
}

Deno.test({
  ...opts,
  name: "dropout: exact mask of the reference hash; backward = same mask (FD)",
  fn: async () => {
    const gpu = await testGpu();
    const n = 1037, p = 0.3, seed = 12345;
    const x = randomArray(n, 1, 0.5, 1.5); // non-zero, so a zero output means dropped
    const tx = gpu.upload(x);
    const y = await take(gpu, dropout(gpu, tx, { p, seed }));
    const keep = dropoutMaskRef(n, p, seed);
    assertClose(y, dropoutRef(x, keep, p), { ...SCALE_TOL, label: "forward" });
    // The backward of a fixed mask is linear: FD of <dy, dropout(x)> (exact to ~1e-9).
    const dy = randomArray(n, 2);
    const fd = finiteDifferences((q) => dot(dy, dropoutRef(q, keep, p)), x);
    const tdy = gpu.upload(dy);
    const dx = await take(gpu, dropoutBackward(gpu, tdy, { p, seed }));
    assertClose(dx, fd, { atol: 1e-7, rtol: 1e-6, label: "backward vs FD" });
    // Seeds past 2^32 use the high word too.
    const big = 2 ** 40 + 77;
    const yb = await take(gpu, dropout(gpu, tx, { p, seed: big }));
    assertClose(yb, dropoutRef(x, dropoutMaskRef(n, p, big), p), {
      ...SCALE_TOL,
      label: "seed 2^40",
    });
    tx.release();
    tdy.release();
  },
});

Deno.test({
  ...opts,
  name: "dropout: drop rate ≈ p, neighbours independent, deterministic, seeds differ",
  fn: async () => {
    const gpu = await testGpu();
    const n = 100_003;
    const ones = gpu.upload(new Float32Array(n).fill(1));
    for (const p of [0.1, 0.5, 0.9]) {
      const a = await take(gpu, dropout(gpu, ones, { p, seed: 7 }));
      const again = await take(gpu, dropout(gpu, ones, { p, seed: 7 }));
      assertClose(again, a, { atol: 0, rtol: 0, label: `p=${p} determinism` });
      const bwd = await take(gpu, dropoutBackward(gpu, ones, { p, seed: 7 }));
      assertClose(bwd, a, { atol: 0, rtol: 0, label: `p=${p} backward mask` });
      const b = await take(gpu, dropout(gpu, ones, { p, seed: 8 }));
      const keptA = Array.from(a, (v) => v !== 0);
      const keptB = Array.from(b, (v) => v !== 0);
      for (let i = 0; i < n; i++) {
        if (keptA[i] && Math.abs(a[i] - 1 / (1 - p)) > 3e-7 / (1 - p)) {
          throw new Error(`p=${p}: kept value ${a[i]} is not 1/(1-p)`);
        }
      }
      const dropped = keptA.filter((k) => !k).length;
      assertBinomial(dropped, n, p, `p=${p} drop count`);
      // Neighbouring elements: both dropped with probability p² if independent.
      let pairs = 0;
      for (let i = 0; i + 1 < n; i++) if (!keptA[i] && !keptA[i + 1]) pairs++;
      assertBinomial(pairs, n - 1, p * p, `p=${p} adjacent pairs`);
      // Another seed: an independent mask agrees with probability p² + (1-p)², far from 1.
      let agree = 0;
      for (let i = 0; i < n; i++) if (keptA[i] === keptB[i]) agree++;
      assertBinomial(agree, n, p * p + (1 - p) * (1 - p), `p=${p} seed 7 vs 8 agreement`);
    }
    // p = 0 is the identity.
    const id = await take(gpu, dropout(gpu, ones, { p: 0, seed: 3 }));
    assertClose(id, new Float32Array(n).fill(1), { atol: 0, rtol: 0, label: "p=0" });
    ones.release();
  },
});
