/**
 * The slot-loop kernels (src/ops/halting.ts) against plain references: row selection and
 * reset, the official halting rule, and metrics accumulation with NaN detection.
 */
import {
  accumulateMetrics,
  haltingUpdate,
  METRIC_FIELDS,
  METRICS_SIZE,
  resetRows,
  selectRows,
} from "../../src/ops/halting.ts";
import { assertClose, randomArray, randomInts, rng, testGpu } from "../_helpers.ts";
import { haltingUpdateRef, metricsRef, resetRowsRef, selectRowsRef } from "../reference/train.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };

function mask(n: number, seed: number): Uint32Array {
  const r = rng(seed);
  return Uint32Array.from({ length: n }, () => (r() < 0.4 ? 1 : 0));
}

Deno.test({
  ...opts,
  name: "selectRows replaces exactly the masked rows (i32 and f32)",
  fn: async () => {
    const gpu = await testGpu();
    const rows = 13, len = 7;
    const m = mask(rows, 1);
    const dstI = randomInts(rows * len, 2, 100), srcI = randomInts(rows * len, 3, 100);
    const dst = gpu.upload(dstI, [rows, len], "i32"), src = gpu.upload(srcI, [rows, len], "i32");
    const mt = gpu.upload(m, [rows], "u32");
    selectRows(gpu, dst, src, mt);
    // Pure copies: exact.
    assertClose(await gpu.read(dst), selectRowsRef(dstI, srcI, m), {
      atol: 0,
      rtol: 0,
      label: "i32",
    });
    const dstF = randomArray(rows * 37, 4), srcF = randomArray(rows * 37, 5);
    const df = gpu.upload(dstF, [rows, 37]), sf = gpu.upload(srcF, [rows, 37]);
    selectRows(gpu, df, sf, mt);
    assertClose(await gpu.read(df), selectRowsRef(dstF, srcF, m), {
      atol: 0,
      rtol: 0,
      label: "f32",
    });
    for (const t of [dst, src, mt, df, sf]) t.release();
  },
});

Deno.test({
  ...opts,
  name: "resetRows writes the vector into every position of the masked rows",
  fn: async () => {
    const gpu = await testGpu();
    const B = 7, S = 5, D = 13;
    const m = mask(B, 6);
    m[0] = 1;
    m[1] = 0;
    const base = randomArray(B * S * D, 7), vec = randomArray(D, 8);
    const dst = gpu.upload(base, [B, S, D]),
      v = gpu.upload(vec, [D]),
      mt = gpu.upload(m, [B], "u32");
    resetRows(gpu, dst, v, mt);
    assertClose(await gpu.read(dst), resetRowsRef(base, vec, m), {
      atol: 0,
      rtol: 0,
      label: "reset",
    });
    for (const t of [dst, v, mt]) t.release();
  },
});

Deno.test({
  ...opts,
  name: "haltingUpdate follows the official rule (training with exploration, and evaluation)",
  fn: async () => {
    const gpu = await testGpu();
    const B = 97, maxSteps = 5;
    const r = rng(9);
    for (const training of [true, false]) {
      let steps = Uint32Array.from({ length: B }, () => 1 + Math.floor(r() * maxSteps));
      let halted = mask(B, 10);
      const st = gpu.upload(steps, [B], "u32"), ht = gpu.upload(halted, [B], "u32");
      // Three consecutive updates exercise restarts, halting at max and exploration.
      for (let round = 0; round < 3; round++) {
        const q = Float32Array.from({ length: 2 * B }, () => r() * 4 - 2);
        const minSteps = Uint32Array.from(
          { length: B },
          () => (r() < 0.3 ? 2 + Math.floor(r() * (maxSteps - 1)) : 0),
        );
        const qt = gpu.upload(q, [B, 2]), mt = gpu.upload(minSteps, [B], "u32");
        haltingUpdate(gpu, { steps: st, halted: ht }, qt, mt, { maxSteps, training });
        const ref = haltingUpdateRef(steps, halted, q, minSteps, maxSteps, training);
        const [gs, gh] = await gpu.readMany([st, ht]);
        assertClose(gs, ref.steps, { atol: 0, rtol: 0, label: `steps ${training} ${round}` });
        assertClose(gh, ref.halted, { atol: 0, rtol: 0, label: `halted ${training} ${round}` });
        steps = Uint32Array.from(ref.steps);
        halted = Uint32Array.from(ref.halted);
        qt.release();
        mt.release();
      }
      if (!training) {
        // Evaluation halts only at maxSteps.
        for (let b = 0; b < B; b++) {
          if (halted[b] !== (steps[b] >= maxSteps ? 1 : 0)) throw new Error(`slot ${b}`);
        }
      }
      st.release();
      ht.release();
    }
  },
});

Deno.test({
  ...opts,
  name: "accumulateMetrics sums over halted slots, counts steps and flags the first NaN step",
  fn: async () => {
    const gpu = await testGpu();
    const B = 71; // more than the 64 invocations of the kernel
    const metrics = gpu.zeros([METRICS_SIZE]);
    const expected = new Array(7).fill(0);
    const r = rng(11);
    for (let step = 1; step <= 3; step++) {
      const stats = new Float32Array(4 * B);
      for (let b = 0; b < B; b++) {
        const valid = b % 17 === 0 ? 0 : 1 + Math.floor(r() * 16);
        const correct = Math.floor(r() * (valid + 1));
        stats.set([r() * 2, valid, correct, correct === valid ? 1 : 0], 4 * b);
      }
      const q = randomArray(2 * B, 20 + step, -3, 3);
      const hl = randomArray(B, 30 + step, 0, 1);
      if (step === 2) hl[5] = NaN;
      const halted = mask(B, 40 + step),
        steps = Uint32Array.from({ length: B }, () => 1 + Math.floor(r() * 16));
      const tensors = [
        gpu.upload(stats, [B, 4]),
        gpu.upload(q, [B, 2]),
        gpu.upload(hl, [B]),
        gpu.upload(halted, [B], "u32"),
        gpu.upload(steps, [B], "u32"),
      ];
      accumulateMetrics(gpu, metrics, tensors[0], tensors[1], tensors[2], {
        halted: tensors[3],
        steps: tensors[4],
      });
      const m = metricsRef(stats, q, hl, halted, steps);
      for (let k = 0; k < 7; k++) expected[k] += m[k];
      for (const t of tensors) t.release();
    }
    const got = await gpu.read(metrics);
    const F = METRIC_FIELDS;
    // Counts are exact integers; sums of ~200 f32 terms of size ≤ 16: 1e-5 relative.
    assertClose(got.subarray(0, 5), expected.slice(0, 5), {
      atol: 1e-4,
      rtol: 1e-5,
      label: "halted sums",
    });
    assertClose([got[F.lmLoss]], [expected[5]], { atol: 1e-4, rtol: 1e-5, label: "lm loss" });
    if (!Number.isNaN(got[F.haltLoss])) {
      throw new Error(`halt loss should be NaN, got ${got[F.haltLoss]}`);
    }
    if (got[F.stepCount] !== 3) throw new Error(`stepCount ${got[F.stepCount]}`);
    if (got[F.firstNonFinite] !== 2) {
      throw new Error(`firstNonFinite ${got[F.firstNonFinite]}, expected 2`);
    }
    metrics.release();
  },
});
