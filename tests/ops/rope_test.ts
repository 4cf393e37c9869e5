/** RoPE tables and kernel against the references in tests/reference/rope.ts. */
import { rope, ropeTable, ropeTableValues } from "../../src/ops/rope.ts";
import {
  ropeReference,
  type RopeShape,
  ropeTable64,
  ropeTableTorchF32,
} from "../reference/rope.ts";
import { assertClose, dot, finiteDifferences, randomArray, testGpu } from "../_helpers.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };

function size(s: RopeShape): number {
  return s.batch * s.seq * 3 * s.heads * s.headDim;
}

async function runRope(
  shape: RopeShape,
  data: Float32Array,
  { inverse = false, tableLen = shape.seq, twice = false } = {},
): Promise<Float32Array> {
  const gpu = await testGpu();
  const table = ropeTable(gpu, { seqLen: tableLen, headDim: shape.headDim });
  const x = gpu.upload(data, [shape.batch, shape.seq, 3 * shape.heads * shape.headDim]);
  let y = rope(gpu, x, table, { numHeads: shape.heads, inverse });
  if (twice) {
    const z = rope(gpu, y, table, { numHeads: shape.heads, inverse: !inverse });
    y.release();
    y = z;
  }
  const got = await gpu.read(y);
  for (const t of [x, y, table.cos, table.sin]) t.release();
  return got as Float32Array;
}

Deno.test({
  name: "rope table equals PyTorch's float32 construction, and exact values within f32 rounding",
  ...opts,
  fn: () => {
    for (const [seqLen, headDim] of [[97, 64], [916, 64], [13, 12]]) {
      const got = ropeTableValues({ seqLen, headDim });
      const torch = ropeTableTorchF32(seqLen, headDim);
      // Same float32 operation sequence: bit-identical.
      assertClose(got.cos, torch.cos, { atol: 0, rtol: 0, label: `cos ${seqLen}×${headDim}` });
      assertClose(got.sin, torch.sin, { atol: 0, rtol: 0, label: `sin ${seqLen}×${headDim}` });
      // Versus exact angles: inv_freq and s·inv_freq each carry ≤ 1 f32 rounding
      // (relative 6e-8), so the angle at position s is off by ≤ ~1.2e-7·s rad; plus the
      // final rounding of cos/sin (6e-8).
      const exact = ropeTable64(seqLen, headDim);
      for (let s = 0; s < seqLen; s++) {
        const tol = 1.5e-7 * s + 1e-7;
        const row = (a: ArrayLike<number>) =>
          Array.from({ length: headDim }, (_, d) => a[s * headDim + d]);
        assertClose(row(got.cos), row(exact.cos), { atol: tol, rtol: 0, label: `cos row ${s}` });
        assertClose(row(got.sin), row(exact.sin), { atol: tol, rtol: 0, label: `sin row ${s}` });
      }
    }
  },
});

// Kernel tolerance: two f32 products and one sum per output on O(1) inputs: ~2 ulps;
// 5e-7 absolute leaves margin, while a wrong sign, partner or position gives O(0.1).
const ROPE_TOL = { atol: 5e-7, rtol: 0 };

const cases: { name: string; shape: RopeShape; tableLen?: number }[] = [
  { name: "B=2 S=13 H=3 hd=8", shape: { batch: 2, seq: 13, heads: 3, headDim: 8 } },
  { name: "B=1 S=37 H=2 hd=12", shape: { batch: 1, seq: 37, heads: 2, headDim: 12 } },
  { name: "B=2 S=97 H=2 hd=64", shape: { batch: 2, seq: 97, heads: 2, headDim: 64 } },
  // Table longer than the sequence: rows 0..S-1 are used.
  {
    name: "B=3 S=7 H=1 hd=4, table 20",
    shape: { batch: 3, seq: 7, heads: 1, headDim: 4 },
    tableLen: 20,
  },
];

for (const { name, shape, tableLen } of cases) {
  Deno.test({
    name: `rope forward and inverse vs f64 reference: ${name}`,
    ...opts,
    fn: async () => {
      const x = randomArray(size(shape), 7 + shape.seq);
      const table = ropeTableValues({ seqLen: tableLen ?? shape.seq, headDim: shape.headDim });
      for (const inverse of [false, true]) {
        const ref = ropeReference(x, shape, table.cos, table.sin, inverse);
        const got = await runRope(shape, x, { inverse, tableLen });
        assertClose(got, ref, { ...ROPE_TOL, label: `${name} inverse=${inverse}` });
        // v heads are copied bit for bit.
        const { batch: B, seq: S, heads: H, headDim: hd } = shape;
        for (let bs = 0; bs < B * S; bs++) {
          for (let k = 2 * H * hd; k < 3 * H * hd; k++) {
            const i = bs * 3 * H * hd + k;
            if (got[i] !== x[i]) throw new Error(`v changed at ${i}`);
          }
        }
      }
    },
  });
}

Deno.test({
  name: "rope inverse ∘ rope = identity (and rope ∘ inverse)",
  ...opts,
  fn: async () => {
    const shape = { batch: 2, seq: 37, heads: 3, headDim: 8 };
    const x = randomArray(size(shape), 99);
    for (const inverse of [false, true]) {
      const got = await runRope(shape, x, { inverse, twice: true });
      // Two rotations in f32, cos²+sin² = 1 to ~1e-7: ~4 ulps of O(1) values.
      assertClose(got, x, { atol: 1e-6, rtol: 0, label: `round trip from inverse=${inverse}` });
    }
  },
});

Deno.test({
  name: "rope backward (inverse applied to dy) vs finite differences of the f64 reference",
  ...opts,
  fn: async () => {
    const shape = { batch: 2, seq: 13, heads: 2, headDim: 8 };
    const x = randomArray(size(shape), 5);
    const dy = randomArray(size(shape), 6);
    const table = ropeTableValues({ seqLen: shape.seq, headDim: shape.headDim });
    const fd = finiteDifferences((p) => dot(dy, ropeReference(p, shape, table.cos, table.sin)), x);
    const got = await runRope(shape, dy, { inverse: true });
    // FD of a linear map in f64 is exact to ~1e-10; the GPU side is ROPE_TOL.
    assertClose(got, fd, { ...ROPE_TOL, label: "dx" });
  },
});

Deno.test({
  name: "rope rejects a table shorter than the sequence or of another head width",
  ...opts,
  fn: async () => {
    const gpu = await testGpu();
    const table = ropeTable(gpu, { seqLen: 5, headDim: 8 });
    const x = gpu.empty([1, 6, 3 * 2 * 8]);
    const y = gpu.empty([1, 5, 3 * 2 * 4]);
    for (const t of [x, y]) {
      let threw = false;
      try {
        rope(gpu, t, table, { numHeads: 2 });
      } catch (e) {
        threw = e instanceof RangeError;
      }
      if (!threw) throw new Error(`[${t.shape}] accepted`);
    }
    for (const t of [x, y, table.cos, table.sin]) t.release();
  },
});
