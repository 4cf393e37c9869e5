import { crossEntropy, haltLoss, type LossKind } from "../../src/ops/loss.ts";
import {
  assertClose,
  finiteDifferences,
  maxAbsDiff,
  randomArray,
  randomInts,
  rng,
  testGpu,
} from "../_helpers.ts";
import {
  crossEntropyGradRef,
  crossEntropyRef,
  haltLossRef,
  totalMeanLossRef,
} from "../reference/loss.ts";

const IGNORE = -100;

/**
 * Relative tolerance of a per-element gradient or confident CE. Stablemax uses only
 * +, -, × and ÷ (≤ 2.5 ulp each): 2e-6. Softmax goes through exp, which WGSL allows
 * 3 + 2|x| ulp: for the |x - max| ≲ 18 that matter above the absolute floors that is up
 * to ~40 ulp ≈ 2.4e-6 on conforming GPUs (llvmpipe is far better): 1e-5.
 */
function gradRtol(kind: LossKind): number {
  return kind === "stablemax" ? 2e-6 : 1e-5;
}

/**
 * Logits on a coarse grid (multiples of 0.25 in [lo, hi)) so argmax ties are common,
 * and labels with ~20% ignored tokens, sequence 1 fully ignored, sequence 0 labelled
 * with its own argmax (so allCorrect = 1 there) and some labels on a tied non-first max.
 */
function makeCase(shape: readonly number[], seed: number, lo = -3, hi = 3) {
  const [batch, seqLen, vocab] = shape;
  const logits = randomArray(batch * seqLen * vocab, seed, lo, hi).map((x) =>
    Math.round(x * 4) / 4
  );
  const labels = randomInts(batch * seqLen, seed + 1, vocab);
  const r = rng(seed + 2);
  for (let tok = 0; tok < batch * seqLen; tok++) {
    const b = Math.floor(tok / seqLen);
    const row = logits.subarray(tok * vocab, (tok + 1) * vocab);
    let arg = 0;
    for (let j = 1; j < vocab; j++) if (row[j] > row[arg]) arg = j;
    if (b === 0) labels[tok] = arg;
    if (b === 2 && r() < 0.3) {
      // Label a later class tied with the max: wrong prediction despite equal logits.
      row[(arg + 1) % vocab] = row[arg];
      labels[tok] = (arg + 1) % vocab;
      if (labels[tok] < arg) labels[tok] = arg; // wrapped: the first max is still arg
    }
    if (b === 1 || r() < 0.2) labels[tok] = IGNORE;
  }
  return { logits, labels };
}

function countTies(logits: Float32Array, vocab: number): number {
  let ties = 0;
  for (let tok = 0; tok < logits.length / vocab; tok++) {
    const row = logits.subarray(tok * vocab, (tok + 1) * vocab);
    const max = Math.max(...row);
    if (row.filter((x) => x === max).length > 1) ties++;
  }
  return ties;
}

async function runCrossEntropy(
  shape: readonly number[],
  logits: Float32Array,
  labels: Int32Array,
  kind: LossKind,
  gradScale?: number,
) {
  const gpu = await testGpu();
  const [batch, seqLen] = shape;
  const logitsT = gpu.upload(logits, shape);
  const labelsT = gpu.upload(labels, [batch, seqLen], "i32");
  const out = crossEntropy(gpu, logitsT, labelsT, { kind, ignoreIndex: IGNORE, gradScale });
  const seqStats = await gpu.read(out.seqStats);
  const predictions = await gpu.read(out.predictions);
  const dLogits = out.dLogits ? await gpu.read(out.dLogits) : undefined;
  for (const t of [logitsT, labelsT, out.seqStats, out.predictions, out.dLogits]) t?.release();
  return { seqStats, predictions, dLogits };
}

function checkStats(
  label: string,
  got: { seqStats: ArrayLike<number>; predictions: ArrayLike<number> },
  want: { seqStats: ArrayLike<number>; predictions: ArrayLike<number> },
  batch: number,
  lossTol: { atol: number; rtol: number },
) {
  const pick = (a: ArrayLike<number>, col: number) =>
    Array.from({ length: batch }, (_, b) => a[b * 4 + col]);
  // Mean CE in f32: each token's CE has a few-ulp relative error, plus the f32 sum.
  assertClose(pick(got.seqStats, 0), pick(want.seqStats, 0), {
    ...lossTol,
    label: `${label} loss`,
  });
  // Counts and flags are exact integers.
  for (const col of [1, 2, 3]) {
    assertClose(pick(got.seqStats, col), pick(want.seqStats, col), {
      atol: 0,
      rtol: 0,
      label: `${label} stats column ${col}`,
    });
  }
  assertClose(got.predictions, want.predictions, { atol: 0, rtol: 0, label: `${label} argmax` });
}

for (const kind of ["stablemax", "softmax"] as const) {
  Deno.test({
    name: `crossEntropy ${kind}: loss, counts, argmax with ties and ignored tokens`,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      for (const [shape, seed] of [[[4, 9, 6], 11], [[3, 81, 11], 23], [[4, 9, 13], 37]] as const) {
        const { logits, labels } = makeCase(shape, seed);
        if (countTies(logits, shape[2]) === 0) throw new Error("test case has no ties");
        const want = crossEntropyRef(logits, labels, shape, kind, IGNORE);
        // The designed cases: seq 0 all correct, seq 1 nothing valid (loss 0, allCorrect 1).
        if (want.seqStats[3] !== 1 || want.seqStats[5] !== 0 || want.seqStats[7] !== 1) {
          throw new Error("test case lost its designed sequences");
        }
        if (want.seqStats[2 * 4 + 3] !== 0) throw new Error("sequence 2 should have a miss");
        const got = await runCrossEntropy(shape, logits, labels, kind);
        checkStats(`${kind} [${shape}]`, got, want, shape[0], { atol: 1e-6, rtol: 1e-5 });
      }
    },
  });

  Deno.test({
    name: `crossEntropy ${kind}: dLogits vs FD of the f64 reference`,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      const gradScale = 0.37;
      for (const [shape, seed] of [[[4, 9, 6], 5], [[3, 9, 13], 7]] as const) {
        // Unquantized logits: FD across a tie would see the argmax, not the loss, change
        // (it does not matter for the loss, which is smooth) but keep the check clean.
        const base = makeCase(shape, seed);
        const logits = randomArray(base.logits.length, seed + 9, -3, 3);
        const labels = base.labels;
        const f = (x: Float64Array) => totalMeanLossRef(x, labels, shape, kind, IGNORE, gradScale);
        const fd = finiteDifferences(f, logits, 1e-6);
        const analytic = crossEntropyGradRef(logits, labels, shape, kind, IGNORE, gradScale);
        // FD in f64 with eps 1e-6: truncation O(eps²) plus rounding ~1e-16 / eps.
        assertClose(analytic, fd, { atol: 1e-8, rtol: 1e-6, label: `${kind} ref vs FD` });
        const got = await runCrossEntropy(shape, logits, labels, kind, gradScale);
        // Per-element gradient in f32: a handful of roundings (see gradRtol); the absolute
        // floor covers tiny probabilities.
        assertClose(got.dLogits!, analytic, {
          atol: 1e-8,
          rtol: gradRtol(kind),
          label: `${kind} dLogits`,
        });
        // The fully ignored sequence 1 has zero gradient rows.
        const [, seqLen, vocab] = shape;
        const seq1 = got.dLogits!.subarray(seqLen * vocab, 2 * seqLen * vocab);
        if (seq1.some((x) => x !== 0)) throw new Error("ignored tokens must get zero gradient");
        // Forward results are the same with and without the gradient.
        const want = crossEntropyRef(logits, labels, shape, kind, IGNORE);
        checkStats(`${kind} grad path`, got, want, shape[0], { atol: 1e-6, rtol: 1e-5 });
      }
    },
  });

  Deno.test({
    name: `crossEntropy ${kind}: large-magnitude logits stay finite and accurate`,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      const shape = [3, 13, 11];
      const [batch, seqLen, vocab] = shape;
      const logits = randomArray(batch * seqLen * vocab, 91, -50, 50);
      const labels = randomInts(batch * seqLen, 92, vocab);
      // Confident tokens: label at +50, the rest at -50 (CE tiny, no cancellation allowed),
      // and the opposite (CE large).
      for (let t = 0; t < 4; t++) {
        const row = logits.subarray(t * vocab, (t + 1) * vocab);
        row.fill(-50);
        row[labels[t]] = t % 2 === 0 ? 50 : -50;
        if (t % 2 === 1) row[(labels[t] + 1) % vocab] = 50;
      }
      labels[5] = IGNORE;
      const gradScale = 1.5;
      const got = await runCrossEntropy(shape, logits, labels, kind, gradScale);
      const want = crossEntropyRef(logits, labels, shape, kind, IGNORE);
      if (
        !Array.from(got.seqStats).every(Number.isFinite) ||
        !Array.from(got.dLogits!).every(Number.isFinite)
      ) {
        throw new Error("non-finite output for large logits");
      }
      checkStats(`${kind} ±50`, got, want, batch, { atol: 1e-6, rtol: 1e-5 });
      const grad = crossEntropyGradRef(logits, labels, shape, kind, IGNORE, gradScale);
      // Softmax probabilities down to e^-100 underflow in f32: absolute floor 1e-8.
      assertClose(got.dLogits!, grad, {
        atol: 1e-8,
        rtol: gradRtol(kind),
        label: `${kind} ±50 dLogits`,
      });
    },
  });

  Deno.test({
    name: `crossEntropy ${kind}: confident tokens keep relative accuracy (no 1 - p cancellation)`,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      // One token per sequence, so seqStats' meanLoss is that token's CE. Label logit at
      // +a, the other 10 at -a: stablemax CE = log1p(10 / (1 + a)²), softmax
      // log1p(10 e^-2a). Sizes 4e-3 .. 1e-6, where log(S) - log(s_label) would keep only
      // ~1e-7 absolute accuracy.
      const margins = kind === "stablemax" ? [50, 300, 1000] : [3, 5, 8];
      const vocab = 11;
      const shape = [margins.length, 1, vocab];
      const logits = new Float32Array(margins.length * vocab);
      const labels = new Int32Array(margins.length);
      margins.forEach((a, b) => {
        labels[b] = (3 * b + 2) % vocab;
        for (let j = 0; j < vocab; j++) logits[b * vocab + j] = j === labels[b] ? a : -a;
      });
      const got = await runCrossEntropy(shape, logits, labels, kind, 1);
      const want = crossEntropyRef(logits, labels, shape, kind, IGNORE);
      const grad = crossEntropyGradRef(logits, labels, shape, kind, IGNORE, 1);
      // A few ulp of relative error on each CE and gradient element (see gradRtol).
      const ce = margins.map((_, b) => got.seqStats[b * 4]);
      const ceWant = margins.map((_, b) => want.seqStats[b * 4]);
      const rtol = gradRtol(kind);
      assertClose(ce, ceWant, { atol: 0, rtol, label: `${kind} confident CE` });
      assertClose(got.dLogits!, grad, { atol: 0, rtol, label: `${kind} confident grad` });
    },
  });
}

Deno.test({
  name: "crossEntropy: results are bit-identical across runs",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const shape = [3, 81, 11];
    const { logits, labels } = makeCase(shape, 3);
    const a = await runCrossEntropy(shape, logits, labels, "stablemax", 0.5);
    const b = await runCrossEntropy(shape, logits, labels, "stablemax", 0.5);
    if (maxAbsDiff(a.seqStats, b.seqStats) !== 0 || maxAbsDiff(a.dLogits!, b.dLogits!) !== 0) {
      throw new Error("crossEntropy is not deterministic");
    }
  },
});

Deno.test({
  name: "haltLoss: BCE and dq vs reference and FD, large |x| stable, strided targets",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const gpu = await testGpu();
    const batch = 37;
    const q = randomArray(2 * batch, 41, -4, 4);
    const extremes = [30, -30, 50, -50, 100, -100, 1e4, -1e4, 0, 1e-3, -1e-3];
    extremes.forEach((x, i) => (q[2 * i] = x));
    // Targets in column 3 of a [B, 4] tensor (like seqStats): 0/1 mostly, a few fractional.
    const stats = randomArray(batch * 4, 42, -9, 9);
    const r = rng(43);
    for (let b = 0; b < batch; b++) stats[b * 4 + 3] = b % 7 === 6 ? r() : (r() < 0.5 ? 0 : 1);
    const gradScale = 0.25;
    const qT = gpu.upload(q, [batch, 2]);
    const statsT = gpu.upload(stats, [batch, 4]);
    const withGrad = haltLoss(gpu, qT, statsT, {
      batch,
      targetStride: 4,
      targetOffset: 3,
      gradScale,
    });
    const noGrad = haltLoss(gpu, qT, statsT, { batch, targetStride: 4, targetOffset: 3 });
    const [loss, dq, loss2] = [
      await gpu.read(withGrad.loss),
      await gpu.read(withGrad.dq!),
      await gpu.read(noGrad.loss),
    ];
    if (noGrad.dq !== undefined) throw new Error("no dq without gradScale");
    for (const t of [qT, statsT, withGrad.loss, withGrad.dq!, noGrad.loss]) t.release();

    const ref = haltLossRef(q, stats, batch, 4, 3);
    if (!loss.every(Number.isFinite) || !dq.every(Number.isFinite)) throw new Error("non-finite");
    // Stable BCE in f32: a few ulp of max(x, 0) - x t plus log1p(e^-|x|), where WGSL's
    // exp may be off by 3 + 2|x| ulp (|x| = 30: 63 ulp ≈ 4e-6): rtol 1e-5. The absolute
    // floor 1e-15 covers e^-50 and e^-100 (subnormal, may flush to 0).
    assertClose(loss, ref.loss, { atol: 1e-15, rtol: 1e-5, label: "halt loss" });
    assertClose(loss2, loss, { atol: 0, rtol: 0, label: "halt loss without grad" });
    // FD one example at a time: summing all losses first would put the rounding of the
    // |x| = 1e4 terms (~1e-12 / 2e-6) into every element's derivative.
    const fd = Array.from({ length: batch }, (_, b) =>
      finiteDifferences(
        ([x]) => gradScale * haltLossRef([x, 0], [stats[b * 4 + 3]], 1).loss[0],
        [q[2 * b]],
        1e-6,
      )[0]);
    const refGrad = Array.from(ref.dx, (d) => gradScale * d);
    // FD in f64 (eps 1e-6); large |x| loss is ~linear so FD is exact there too.
    assertClose(refGrad, fd, { atol: 1e-8, rtol: 1e-6, label: "halt ref grad vs FD" });
    // sigmoid in f32 through exp(-|x|) (3 + 2|x| ulp allowed, see above): rtol 1e-5;
    // absolute floor 1e-15 for e^-50 and below. At |x| = 30 (~2e-14) it still catches a
    // naive sigmoid(x) - t, which gives 0.
    assertClose(Array.from({ length: batch }, (_, b) => dq[2 * b]), refGrad, {
      atol: 1e-15,
      rtol: 1e-5,
      label: "dq column 0",
    });
    if (Array.from({ length: batch }, (_, b) => dq[2 * b + 1]).some((x) => x !== 0)) {
      throw new Error("dq column 1 must be zero");
    }
  },
});

Deno.test({
  name: "haltLoss: reads crossEntropy's allCorrect column in place",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const gpu = await testGpu();
    const shape = [4, 9, 6];
    const { logits, labels } = makeCase(shape, 77);
    const logitsT = gpu.upload(logits, shape);
    const labelsT = gpu.upload(labels, [4, 9], "i32");
    const ce = crossEntropy(gpu, logitsT, labelsT, { kind: "stablemax", ignoreIndex: IGNORE });
    const q = randomArray(8, 78, -2, 2);
    const qT = gpu.upload(q, [4, 2]);
    const halt = haltLoss(gpu, qT, ce.seqStats, {
      batch: 4,
      targetStride: 4,
      targetOffset: 3,
      gradScale: 1,
    });
    const dq = await gpu.read(halt.dq!);
    for (const t of [logitsT, labelsT, ce.seqStats, ce.predictions, qT, halt.loss, halt.dq!]) {
      t.release();
    }
    const stats = crossEntropyRef(logits, labels, shape, "stablemax", IGNORE).seqStats;
    const ref = haltLossRef(q, stats, 4, 4, 3);
    // |q| < 2: sigmoid through exp of small arguments, a few ulp.
    assertClose(Array.from({ length: 4 }, (_, b) => dq[2 * b]), ref.dx, {
      atol: 0,
      rtol: 2e-6,
      label: "dq",
    });
  },
});
