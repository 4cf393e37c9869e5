/**
 * Kernel checks that run wherever a `Gpu` exists — in Chromium through
 * tests/browser/entry.ts — against the float64 references of tests/reference/, with the
 * tolerances (and their reasoning) of the Deno tests in tests/ops/: a subset of those,
 * chosen to cover each kernel family once on awkward shapes. No Deno API is used here.
 *
 * @module
 */
import type { Gpu } from "../../src/gpu/gpu.ts";
import { attentionForward } from "../../src/ops/attention.ts";
import { crossEntropy, haltLoss, type LossKind } from "../../src/ops/loss.ts";
import { matmul, type MatmulVariant } from "../../src/ops/matmul.ts";
import { rmsNorm, rmsNormBackward } from "../../src/ops/norm.ts";
import { swiglu, swigluBackward } from "../../src/ops/swiglu.ts";
import { attentionReference, type AttentionShape } from "../reference/attention.ts";
import { crossEntropyGradRef, crossEntropyRef, haltLossRef } from "../reference/loss.ts";
import { refMatmul, type RefMatmulOptions } from "../reference/matmul.ts";
import { rmsNormRef } from "../reference/norm.ts";
import { swigluRef } from "../reference/swiglu.ts";
import { assertClose, dot, finiteDifferences, randomArray, randomInts } from "../_helpers.ts";

/** One named check: throws (with the worst element named) when the GPU disagrees. */
export interface KernelCase {
  /** What is checked, e.g. "matmul texture 37x13x29 tA tB". */
  name: string;
  /** Runs the check on `gpu`. */
  run(gpu: Gpu): Promise<void>;
}

const TRANS = [[false, false], [false, true], [true, false], [true, true]] as const;

/** See tests/ops/matmul_test.ts: worst-case f32 accumulation over a length-`len` dot. */
function matmulTol(len: number, scale: number) {
  return { atol: (6e-8 * len * len + 1e-6) * scale, rtol: 0 };
}

async function checkMatmul(
  gpu: Gpu,
  variant: MatmulVariant,
  o: RefMatmulOptions,
  sizes: { a: number; b: number; c: number },
  label: string,
  seed: number,
): Promise<void> {
  const a = randomArray(sizes.a, seed), b = randomArray(sizes.b, seed + 1);
  const c0 = randomArray(sizes.c, seed + 2);
  const ta = gpu.upload(a, [sizes.a, 1]), tb = gpu.upload(b, [sizes.b, 1]);
  const tc = gpu.upload(c0, [sizes.c]);
  matmul(gpu, ta, tb, {
    ...o,
    strideA: o.strideA ?? o.m * o.k,
    strideB: o.strideB ?? o.k * o.n,
    variant,
    out: tc,
  });
  const got = await gpu.read(tc);
  for (const t of [ta, tb, tc]) t.release();
  const scale = Math.abs(o.alpha ?? 1) + Math.abs(o.beta ?? 0);
  assertClose(got, refMatmul(a, b, c0, o), { ...matmulTol(o.k, scale), label });
}

/** Every variant, every transpose, shapes that are multiples of no tile, plus batching. */
function matmulCases(): KernelCase[] {
  const shapes = [[37, 13, 29], [1, 70, 5], [9, 1, 17], [67, 71, 45], [97, 130, 21]];
  const cases: KernelCase[] = [];
  for (const variant of ["register", "tiled", "texture"] as const) {
    cases.push({
      name: `matmul ${variant}: ${shapes.map((s) => s.join("x")).join(", ")}, every transpose`,
      run: async (gpu) => {
        let seed = 1;
        for (const [m, n, k] of shapes) {
          for (const [transA, transB] of TRANS) {
            await checkMatmul(
              gpu,
              variant,
              { m, n, k, transA, transB },
              { a: m * k, b: k * n, c: m * n },
              `${variant} ${m}x${n}x${k} tA=${transA} tB=${transB}`,
              seed += 3,
            );
          }
        }
      },
    });
    cases.push({
      name: `matmul ${variant}: batched, broadcast A, offsets, strides, alpha/beta`,
      run: async (gpu) => {
        const m = 7, n = 13, k = 11, batch = 3;
        let seed = 500;
        for (const [transA, transB] of TRANS) {
          const o: RefMatmulOptions = {
            m,
            n,
            k,
            transA,
            transB,
            batch,
            strideA: 0,
            offsetA: 5,
            strideB: k * n + 3,
            offsetB: 2,
            strideC: m * n + 4,
            offsetC: 1,
            alpha: 0.75,
            beta: -0.5,
          };
          const sizes = { a: 5 + m * k, b: 2 + batch * (k * n + 3), c: 1 + batch * (m * n + 4) };
          await checkMatmul(
            gpu,
            variant,
            o,
            sizes,
            `${variant} batched tA=${transA} tB=${transB}`,
            seed += 3,
          );
        }
      },
    });
  }
  return cases;
}

/** See tests/ops/norm_test.ts for both tolerances. */
const NORM_FORWARD_TOL = { atol: 2e-5, rtol: 2e-5 };
const NORM_BACKWARD_TOL = { atol: 5e-5, rtol: 1e-4 };

function normCases(): KernelCase[] {
  const layouts = [
    { name: "channel rows", outer: 13, n: 37, inner: 1, variant: "rows" },
    { name: "channel rows n>WG", outer: 3, n: 300, inner: 1, variant: "rows" },
    { name: "channel columns", outer: 13, n: 37, inner: 1, variant: "columns" },
    { name: "sequence axis", outer: 3, n: 7, inner: 13, variant: "columns" },
  ] as const;
  return layouts.map((c) => ({
    name: `rmsNorm ${c.name} +residual +weight: forward vs f64, backward vs FD`,
    run: async (gpu: Gpu) => {
      const { outer, n, inner, variant } = c;
      const size = outer * n * inner, eps = 1e-5, seed = outer * 1000 + n;
      const x = randomArray(size, seed, -1, 2);
      const residual = randomArray(size, seed + 1, -0.5, 0.5);
      const weight = randomArray(n, seed + 2, 0.5, 1.5);
      const dy = randomArray(size, seed + 3);
      const tx = gpu.upload(x, [outer, n, inner]);
      const tr = gpu.upload(residual, [outer, n, inner]);
      const tw = gpu.upload(weight);
      const layout = { outer, n, inner, variant, weight: tw };
      const out = rmsNorm(gpu, tx, { ...layout, eps, residual: tr });
      const ref = rmsNormRef(x, { outer, n, inner, eps, residual, weight });
      assertClose(await gpu.read(out.y), ref.y, { ...NORM_FORWARD_TOL, label: `${c.name} y` });
      assertClose(await gpu.read(out.rstd), ref.rstd, {
        ...NORM_FORWARD_TOL,
        label: `${c.name} rstd`,
      });
      const tdy = gpu.upload(dy, [outer, n, inner]);
      const back = rmsNormBackward(gpu, out.normalized, out.rstd, tdy, layout);
      const loss = (xs: ArrayLike<number>, w: ArrayLike<number>) =>
        dot(dy, rmsNormRef(xs, { outer, n, inner, eps, residual, weight: w }).y);
      assertClose(await gpu.read(back.dx), finiteDifferences((p) => loss(p, weight), x), {
        ...NORM_BACKWARD_TOL,
        label: `${c.name} dx`,
      });
      if (!back.dWeight) throw new Error(`${c.name}: dWeight missing`);
      assertClose(await gpu.read(back.dWeight), finiteDifferences((p) => loss(x, p), weight), {
        ...NORM_BACKWARD_TOL,
        label: `${c.name} dWeight`,
      });
      for (const t of [tx, tr, tw, tdy, out.y, out.rstd, out.normalized, back.dx, back.dWeight]) {
        t.release();
      }
    },
  }));
}

function swigluCases(): KernelCase[] {
  // Both the scalar kernels and the vec4 ones (halves of whole vec4s), channel and token.
  const layouts = [
    { name: "channel", outer: 13, hidden: 11, inner: 1, shape: [13, 22] },
    { name: "token", outer: 3, hidden: 7, inner: 5, shape: [3, 14, 5] },
    { name: "channel vec4", outer: 13, hidden: 12, inner: 1, shape: [13, 24] },
    { name: "token vec4", outer: 3, hidden: 6, inner: 6, shape: [3, 12, 6] },
  ];
  return layouts.map(({ name, outer, hidden, inner, shape }) => ({
    name: `swiglu ${name}: forward vs f64, backward vs FD`,
    run: async (gpu: Gpu) => {
      const size = 2 * outer * hidden * inner;
      const gu = randomArray(size, size, -4, 4), ds = randomArray(size / 2, size + 1);
      const tgu = gpu.upload(gu, shape);
      const layout = { outer, hidden, inner };
      const s = swiglu(gpu, tgu, layout);
      // Tolerances of tests/ops/swiglu_test.ts: a handful of f32 roundings.
      assertClose(await gpu.read(s), swigluRef(gu, outer, hidden, inner), {
        atol: 1e-6,
        rtol: 1e-5,
        label: `${name} forward`,
      });
      const tds = gpu.upload(ds, s.shape);
      const dgu = swigluBackward(gpu, tgu, tds, layout);
      const fd = finiteDifferences((p) => dot(ds, swigluRef(p, outer, hidden, inner)), gu);
      assertClose(await gpu.read(dgu), fd, { atol: 1e-5, rtol: 1e-5, label: `${name} backward` });
      for (const t of [tgu, s, tds, dgu]) t.release();
    },
  }));
}

function attentionCases(): KernelCase[] {
  const cases: { name: string; shape: AttentionShape; range: number; r?: number }[] = [
    { name: "B=2 S=13 H=3 hd=8", shape: { batch: 2, seq: 13, heads: 3, headDim: 8 }, range: 1 },
    // hd = 64 with one query per lane: with the cpu profile's 16 per lane this one case took
    // ~23 s under SwiftShader (~1 s on llvmpipe), see kernels/README.md.
    {
      name: "B=1 S=37 H=2 hd=64 r=1",
      shape: { batch: 1, seq: 37, heads: 2, headDim: 64 },
      range: 1,
      r: 1,
    },
    {
      name: "B=2 S=7 H=2 hd=12 wide",
      shape: { batch: 2, seq: 7, heads: 2, headDim: 12 },
      range: 3,
    },
    {
      name: "B=1 S=13 H=3 hd=8 r=1",
      shape: { batch: 1, seq: 13, heads: 3, headDim: 8 },
      range: 1,
      r: 1,
    },
    {
      name: "B=1 S=13 H=3 hd=8 r=3",
      shape: { batch: 1, seq: 13, heads: 3, headDim: 8 },
      range: 1,
      r: 3,
    },
  ];
  return cases.map(({ name, shape, range, r }) => ({
    name: `attention forward vs f64: ${name}`,
    run: async (gpu: Gpu) => {
      const { batch: B, seq: S, heads: H, headDim: hd } = shape;
      const qkvData = randomArray(B * S * 3 * H * hd, 11 + S, -range, range);
      const qkv = gpu.upload(qkvData, [B, S, 3 * H * hd]);
      const { out, lse } = attentionForward(gpu, qkv, { numHeads: H, queriesPerLane: r });
      const [o, l] = await gpu.readMany([out, lse]);
      for (const t of [qkv, out, lse]) t.release();
      const ref = attentionReference(qkvData, shape);
      // Tolerances of tests/ops/attention_test.ts (f32 over S keys × hd; exp2/log2).
      assertClose(o, ref.out, { atol: 5e-6, rtol: 1e-6, label: `${name} out` });
      assertClose(l, ref.lse, { atol: 1e-5, rtol: 1e-6, label: `${name} lse` });
    },
  }));
}

const IGNORE = -100;

function lossCases(): KernelCase[] {
  const ce = (kind: LossKind): KernelCase => ({
    name: `crossEntropy ${kind}: loss, counts, argmax and dLogits vs f64`,
    run: async (gpu) => {
      for (const [shape, seed] of [[[4, 9, 6], 5], [[3, 81, 11], 23]] as const) {
        const [batch, seqLen, vocab] = shape;
        const logits = randomArray(batch * seqLen * vocab, seed, -3, 3);
        const labels = randomInts(batch * seqLen, seed + 1, vocab);
        for (let t = 0; t < labels.length; t += 5) labels[t] = IGNORE;
        const gradScale = 0.37;
        const logitsT = gpu.upload(logits, [...shape]);
        const labelsT = gpu.upload(labels, [batch, seqLen], "i32");
        const out = crossEntropy(gpu, logitsT, labelsT, { kind, ignoreIndex: IGNORE, gradScale });
        const [stats, predictions, dLogits] = await gpu.readMany([
          out.seqStats,
          out.predictions,
          out.dLogits!,
        ]);
        for (const t of [logitsT, labelsT, out.seqStats, out.predictions, out.dLogits]) {
          t?.release();
        }
        const want = crossEntropyRef(logits, labels, [...shape], kind, IGNORE);
        const label = `${kind} [${shape}]`;
        const pick = (a: ArrayLike<number>, col: number) =>
          Array.from({ length: batch }, (_, b) => a[b * 4 + col]);
        assertClose(pick(stats, 0), pick(want.seqStats, 0), {
          atol: 1e-6,
          rtol: 1e-5,
          label: `${label} loss`,
        });
        for (const col of [1, 2, 3]) {
          assertClose(pick(stats, col), pick(want.seqStats, col), {
            atol: 0,
            rtol: 0,
            label: `${label} stats column ${col}`,
          });
        }
        assertClose(predictions, want.predictions, { atol: 0, rtol: 0, label: `${label} argmax` });
        // Per-element gradient: see gradRtol in tests/ops/loss_test.ts.
        const grad = crossEntropyGradRef(logits, labels, [...shape], kind, IGNORE, gradScale);
        assertClose(dLogits, grad, {
          atol: 1e-8,
          rtol: kind === "stablemax" ? 2e-6 : 1e-5,
          label: `${label} dLogits`,
        });
      }
    },
  });
  const halt: KernelCase = {
    name: "haltLoss: BCE and dq vs f64, large |x|, strided targets",
    run: async (gpu) => {
      const batch = 37, gradScale = 0.25;
      const q = randomArray(2 * batch, 41, -4, 4);
      [30, -30, 50, -50, 1e4, -1e4, 0].forEach((x, i) => (q[2 * i] = x));
      const stats = randomArray(batch * 4, 42, -9, 9);
      for (let b = 0; b < batch; b++) stats[b * 4 + 3] = b % 3 === 0 ? 1 : 0;
      const qT = gpu.upload(q, [batch, 2]), statsT = gpu.upload(stats, [batch, 4]);
      const out = haltLoss(gpu, qT, statsT, { batch, targetStride: 4, targetOffset: 3, gradScale });
      const [loss, dq] = await gpu.readMany([out.loss, out.dq!]);
      for (const t of [qT, statsT, out.loss, out.dq!]) t.release();
      const ref = haltLossRef(q, stats, batch, 4, 3);
      // Tolerances of tests/ops/loss_test.ts (WGSL exp may be off by 3 + 2|x| ulp).
      assertClose(loss, ref.loss, { atol: 1e-15, rtol: 1e-5, label: "halt loss" });
      assertClose(
        Array.from({ length: batch }, (_, b) => dq[2 * b]),
        Array.from(ref.dx, (d) => gradScale * d),
        { atol: 1e-15, rtol: 1e-5, label: "halt dq" },
      );
    },
  };
  return [ce("stablemax"), ce("softmax"), halt];
}

/** Every browser kernel check, in a fixed order. */
export function kernelCases(): KernelCase[] {
  return [...matmulCases(), ...normCases(), ...swigluCases(), ...attentionCases(), ...lossCases()];
}
