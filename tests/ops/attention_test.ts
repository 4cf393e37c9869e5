/**
 * Attention forward/backward kernels against the float64 references in
 * tests/reference/attention.ts, and the reference gradient against finite differences.
 */
import { attentionBackward, attentionForward, expandTemplate } from "../../src/ops/attention.ts";
import {
  attentionBackwardReference,
  attentionReference,
  type AttentionShape,
} from "../reference/attention.ts";
import {
  assertClose,
  dot,
  finiteDifferences,
  maxAbsDiff,
  randomArray,
  testGpu,
} from "../_helpers.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };

function qkvSize(s: AttentionShape): number {
  return s.batch * s.seq * 3 * s.heads * s.headDim;
}
function outSize(s: AttentionShape): number {
  return s.batch * s.seq * s.heads * s.headDim;
}

async function runForward(shape: AttentionShape, qkvData: Float32Array, queriesPerLane?: number) {
  const gpu = await testGpu();
  const qkv = gpu.upload(qkvData, [shape.batch, shape.seq, 3 * shape.heads * shape.headDim]);
  const { out, lse } = attentionForward(gpu, qkv, { numHeads: shape.heads, queriesPerLane });
  const [o, l] = await gpu.readMany([out, lse]);
  qkv.release();
  out.release();
  lse.release();
  return { out: o as Float32Array, lse: l as Float32Array };
}

async function runBackward(
  shape: AttentionShape,
  qkvData: Float32Array,
  dOutData: Float32Array,
  queriesPerLane?: number,
) {
  const gpu = await testGpu();
  const { batch: B, seq: S, heads: H, headDim: hd } = shape;
  const qkv = gpu.upload(qkvData, [B, S, 3 * H * hd]);
  const dOut = gpu.upload(dOutData, [B, S, H * hd]);
  const { out, lse } = attentionForward(gpu, qkv, { numHeads: H, queriesPerLane });
  const dQkv = attentionBackward(gpu, qkv, out, lse, dOut, { numHeads: H, queriesPerLane });
  const g = await gpu.read(dQkv);
  for (const t of [qkv, dOut, out, lse, dQkv]) t.release();
  return g as Float32Array;
}

// Forward tolerances: f32 accumulation over S keys × hd with llvmpipe's polynomial exp2
// and log2 (measured max errors: out 7e-7 on |out| ≤ 3, lse 8e-7 on |lse| ≤ 8). Outputs
// are O(1) averages of v, so 5e-6 absolute (~40 ulps) leaves margin for other drivers
// yet is far below any indexing/softmax bug (those give O(0.01..0.1) errors). lse is
// O(log S + max score) ≤ ~10, so 1e-5.
const OUT_TOL = { atol: 5e-6, rtol: 1e-6 };
const LSE_TOL = { atol: 1e-5, rtol: 1e-6 };

const forwardCases: { name: string; shape: AttentionShape; range: number; r?: number }[] = [
  { name: "B=2 S=13 H=3 hd=8", shape: { batch: 2, seq: 13, heads: 3, headDim: 8 }, range: 1 },
  { name: "B=1 S=37 H=2 hd=64", shape: { batch: 1, seq: 37, heads: 2, headDim: 64 }, range: 1 },
  // Peaky softmax (scores up to ~±13) and hd/4 = 3.
  { name: "B=2 S=7 H=2 hd=12 wide", shape: { batch: 2, seq: 7, heads: 2, headDim: 12 }, range: 3 },
  // One row per invocation (the GPU profile's path) and an odd row count.
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
  { name: "S=1", shape: { batch: 3, seq: 1, heads: 1, headDim: 4 }, range: 1 },
];

for (const { name, shape, range, r } of forwardCases) {
  Deno.test({
    name: `attention forward vs f64 reference: ${name}`,
    ...opts,
    fn: async () => {
      const qkv = randomArray(qkvSize(shape), 11 + shape.seq, -range, range);
      const ref = attentionReference(qkv, shape);
      const got = await runForward(shape, qkv, r);
      assertClose(got.out, ref.out, { ...OUT_TOL, label: `${name} out` });
      assertClose(got.lse, ref.lse, { ...LSE_TOL, label: `${name} lse` });
    },
  });
}

Deno.test({
  name: "attention reference gradient matches finite differences",
  ...opts,
  fn: () => {
    const shape = { batch: 2, seq: 5, heads: 2, headDim: 4 };
    const qkv = randomArray(qkvSize(shape), 3, -1.5, 1.5);
    const dOut = randomArray(outSize(shape), 4);
    const analytic = attentionBackwardReference(qkv, dOut, shape);
    const fd = finiteDifferences((x) => dot(dOut, attentionReference(x, shape).out), qkv);
    // Central differences in f64 with eps 1e-6: truncation ~eps² and rounding ~1e-16/eps,
    // so 1e-7 absolute is safe; a wrong term would be off by O(0.1).
    assertClose(analytic, fd, { atol: 1e-7, rtol: 1e-6, label: "reference vs FD" });
  },
});

// Backward tolerances: dQ/dK sum S terms p·(dP - D)·k with dP, D sums over hd, each in
// f32 with llvmpipe's exp2 (measured max error 1.1e-6 on |grad| ≤ 3.6). Gradients are
// O(1), so 1e-5 absolute; a dropped or mis-indexed term gives O(0.01..0.1) errors. The
// finite differences are f64 (error ~1e-9), so the same tolerance applies to them.
const GRAD_TOL = { atol: 1e-5, rtol: 1e-6 };

const backwardCases: { name: string; shape: AttentionShape; range: number; r?: number }[] = [
  { name: "B=2 S=13 H=3 hd=8", shape: { batch: 2, seq: 13, heads: 3, headDim: 8 }, range: 1 },
  { name: "B=1 S=37 H=2 hd=64", shape: { batch: 1, seq: 37, heads: 2, headDim: 64 }, range: 1 },
  {
    name: "B=2 S=7 H=2 hd=12 wide",
    shape: { batch: 2, seq: 7, heads: 2, headDim: 12 },
    range: 2.5,
  },
  {
    name: "B=1 S=13 H=3 hd=8 r=1",
    shape: { batch: 1, seq: 13, heads: 3, headDim: 8 },
    range: 1,
    r: 1,
  },
  {
    name: "B=1 S=13 H=3 hd=8 r=5",
    shape: { batch: 1, seq: 13, heads: 3, headDim: 8 },
    range: 1,
    r: 5,
  },
];

for (const { name, shape, range, r } of backwardCases) {
  Deno.test({
    name: `attention backward vs f64 analytic gradient: ${name}`,
    ...opts,
    fn: async () => {
      const qkv = randomArray(qkvSize(shape), 21 + shape.seq, -range, range);
      const dOut = randomArray(outSize(shape), 31 + shape.seq);
      const ref = attentionBackwardReference(qkv, dOut, shape);
      const got = await runBackward(shape, qkv, dOut, r);
      assertClose(got, ref, { ...GRAD_TOL, label: `${name} dQkv` });
    },
  });
}

Deno.test({
  name: "attention backward vs finite differences of the f64 reference (B=2 S=13 H=3 hd=8)",
  ...opts,
  fn: async () => {
    const shape = { batch: 2, seq: 13, heads: 3, headDim: 8 };
    const qkv = randomArray(qkvSize(shape), 41, -1.5, 1.5);
    const dOut = randomArray(outSize(shape), 42);
    const fd = finiteDifferences((x) => dot(dOut, attentionReference(x, shape).out), qkv);
    const got = await runBackward(shape, qkv, dOut);
    assertClose(got, fd, { ...GRAD_TOL, label: "GPU vs FD" });
  },
});

Deno.test({
  name: "attention forward and backward are deterministic",
  ...opts,
  fn: async () => {
    const shape = { batch: 2, seq: 13, heads: 3, headDim: 8 };
    const qkv = randomArray(qkvSize(shape), 51);
    const dOut = randomArray(outSize(shape), 52);
    const a = await runBackward(shape, qkv, dOut);
    const b = await runBackward(shape, qkv, dOut);
    if (maxAbsDiff(a, b) !== 0) throw new Error("two backward runs differ");
    const f1 = await runForward(shape, qkv);
    const f2 = await runForward(shape, qkv);
    if (maxAbsDiff(f1.out, f2.out) !== 0) throw new Error("two forward runs differ");
  },
});

Deno.test({
  name: "attention rejects bad shapes",
  ...opts,
  fn: async () => {
    const gpu = await testGpu();
    const qkv = gpu.empty([1, 3, 3 * 2 * 6]); // hd 6 is not a multiple of 4
    let threw = false;
    try {
      attentionForward(gpu, qkv, { numHeads: 2 });
    } catch (e) {
      threw = e instanceof RangeError;
    }
    qkv.release();
    if (!threw) throw new Error("hd = 6 was accepted");
  },
});

Deno.test({
  name: "expandTemplate repeats nested blocks and rejects stray placeholders",
  ...opts,
  fn: () => {
    const src = "a\n  //#for r\n  //#for d\nx$r_$d;\n  //#end\ny$ru;\n  //#end\nb";
    const got = expandTemplate(src, { r: 2, d: 2 });
    const want = "a\nx0_0;\nx0_1;\ny0u;\nx1_0;\nx1_1;\ny1u;\nb";
    if (got !== want) throw new Error(`got ${JSON.stringify(got)}`);
    let threw = false;
    try {
      expandTemplate("x$d;", { d: 1 });
    } catch {
      threw = true;
    }
    if (!threw) throw new Error("stray $d accepted");
  },
});

Deno.test({
  name: "expandTemplate writes $#X as X's count, and rejects a $#X without one",
  ...opts,
  fn: () => {
    const src = "var t: array<f32, $#r * $#j>;\n//#for r\nx$r;\n//#end";
    const got = expandTemplate(src, { r: 3, j: 5 });
    const want = "var t: array<f32, 3 * 5>;\nx0;\nx1;\nx2;";
    if (got !== want) throw new Error(`got ${JSON.stringify(got)}`);
    let threw = false;
    try {
      expandTemplate("array<f32, $#q>", { r: 1 });
    } catch {
      threw = true;
    }
    if (!threw) throw new Error("$#q without a count accepted");
  },
});
