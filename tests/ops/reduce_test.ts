import {
  assertClose,
  dot,
  finiteDifferences,
  randomArray,
  randomInts,
  testGpu,
} from "../_helpers.ts";
import type { Gpu, Tensor } from "../../src/gpu/gpu.ts";
import { argmax, sequenceCorrect, sum, sumOfSquares, sumRows } from "../../src/ops/reduce.ts";
import {
  argmaxRef,
  sequenceCorrectRef,
  sumOfSquaresRef,
  sumRef,
  sumRowsRef,
} from "../reference/reduce.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };
const F32_EPS = 2 ** -24; // unit roundoff

async function take(gpu: Gpu, t: Tensor): Promise<Float32Array | Int32Array | Uint32Array> {
  const data = await gpu.read(t);
  t.release();
  return data;
}

/** Σ|x|: the scale of the worst-case rounding error of any summation order. */
function absSum(xs: readonly ArrayLike<number>[]): number {
  let s = 0;
  for (const x of xs) for (let i = 0; i < x.length; i++) s += Math.abs(x[i]);
  return s;
}

// The blocked sum adds ≤ 16 values per invocation, then a 256-wide tree (8 levels), per
// pass; two passes here. Each value goes through at most 2·(16 + 8) = 48 roundings, so
// |error| ≤ 48·2^-24·Σ|x| (a strict bound, not a guess).
const ROUNDINGS = 48;

Deno.test({
  ...opts,
  name: "sum: two-pass blocked sum vs f64, bounded error, deterministic; FD gradient is 1",
  fn: async () => {
    const gpu = await testGpu();
    for (const n of [1, 7, 4096, 10_007]) {
      const x = randomArray(n, n, -1, 1.2);
      const tx = gpu.upload(x);
      const got = await take(gpu, sum(gpu, tx));
      const again = await take(gpu, sum(gpu, tx));
      const bound = ROUNDINGS * F32_EPS * absSum([x]);
      assertClose(got, [sumRef(x)], { atol: bound, rtol: 0, label: `sum n=${n}` });
      assertClose(again, got, { atol: 0, rtol: 0, label: `sum n=${n} determinism` });
      tx.release();
    }
    // The reduction is linear: d sum / dx = 1 everywhere, checked against the reference.
    const x = randomArray(13, 1);
    const fd = finiteDifferences((p) => sumRef(p), x);
    assertClose(fd, new Float64Array(13).fill(1), { atol: 1e-8, rtol: 0, label: "sum FD" });
  },
});

Deno.test({
  ...opts,
  name: "sumOfSquares: several tensors, ~1M elements, relative error within the rounding bound",
  fn: async () => {
    const gpu = await testGpu();
    const arrays = [
      randomArray(1_000_003, 1, -3, 3),
      randomArray(37, 2),
      randomArray(4097, 3, -10, 10),
    ];
    const tensors = arrays.map((a) => gpu.upload(a));
    const empty = gpu.empty([0]);
    const got = await take(gpu, sumOfSquares(gpu, [...tensors, empty]));
    // All terms are positive, so the bound is relative to the result itself.
    const expected = sumOfSquaresRef(arrays);
    assertClose(got, [expected], {
      atol: 0,
      rtol: (ROUNDINGS + 1) * F32_EPS,
      label: "sumOfSquares",
    });
    const again = await take(gpu, sumOfSquares(gpu, tensors));
    assertClose(again, got, { atol: 0, rtol: 0, label: "sumOfSquares determinism" });
    // FD check of the reference gradient 2x, against which the meaning is pinned.
    const small = arrays[1];
    const fd = finiteDifferences((p) => sumOfSquaresRef([p]), small);
    assertClose(fd, Array.from(small, (v) => 2 * v), { atol: 1e-7, rtol: 1e-7, label: "FD 2x" });
    for (const t of [...tensors, empty]) t.release();
  },
});

Deno.test({
  ...opts,
  name: "sumRows: one pass (rows ≤ 256) and two passes, with scale and shape; FD",
  fn: async () => {
    const gpu = await testGpu();
    for (const [rows, cols] of [[13, 7], [300, 5], [1, 3]]) {
      const x = randomArray(rows * cols, rows + cols);
      const tx = gpu.upload(x, [rows, cols]);
      const got = await take(gpu, sumRows(gpu, tx, { rows, cols, scale: 0.5 }));
      // ≤ 256 + 2 sequential additions of O(1) values: error ≤ 258·2^-24·Σ|x| per column
      // ≲ 258·6e-8·300 ≈ 5e-3 worst case; the observed error is far smaller, so 1e-4.
      assertClose(got, sumRowsRef(x, rows, cols, 0.5), {
        atol: 1e-4,
        rtol: 0,
        label: `${rows}x${cols}`,
      });
      tx.release();
    }
    const x = randomArray(6, 9);
    const tx = gpu.upload(x, [3, 2]);
    const shaped = sumRows(gpu, tx, { rows: 3, cols: 2, shape: [1, 2] });
    if (shaped.shape.join() !== "1,2") throw new Error(`shape ${shaped.shape}`);
    shaped.release();
    // Linear map: FD of <dy, sumRows(x)> is dy broadcast to every row.
    const dy = [0.25, -2];
    const fd = finiteDifferences((p) => dot(dy, sumRowsRef(p, 3, 2)), x);
    assertClose(fd, [0.25, -2, 0.25, -2, 0.25, -2], { atol: 1e-8, rtol: 0, label: "sumRows FD" });
    tx.release();
  },
});

Deno.test({
  ...opts,
  name: "argmax: first index on ties, negative rows, single column",
  fn: async () => {
    const gpu = await testGpu();
    const rows = 37, cols = 11;
    // Values on a coarse grid so ties are frequent.
    const x = Float32Array.from(randomInts(rows * cols, 5, 4), (v) => v - 5);
    x.set([-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1], 0); // all tied: index 0
    x.set([0, 3, 1, 3, 3, 2, 1, 0, 0, 0, 0], cols); // tie at 1, 3, 4: index 1
    const tx = gpu.upload(x, [rows, cols]);
    const got = await take(gpu, argmax(gpu, tx, { rows, cols }));
    assertClose(got, argmaxRef(x, rows, cols), { atol: 0, rtol: 0, label: "argmax" });
    if (got[0] !== 0 || got[1] !== 1) throw new Error(`ties: ${got[0]}, ${got[1]}`);
    const one = await take(gpu, argmax(gpu, tx, { rows: rows * cols, cols: 1 }));
    assertClose(one, new Int32Array(rows * cols), { atol: 0, rtol: 0, label: "cols=1" });
    tx.release();
  },
});

Deno.test({
  ...opts,
  name: "sequenceCorrect: ignore index (negative), mismatches, fully ignored rows",
  fn: async () => {
    const gpu = await testGpu();
    const batch = 7, length = 13, ignore = -100;
    const labels = randomInts(batch * length, 1, 3);
    const preds = Int32Array.from(labels);
    preds[0 * length + 5] = (labels[5] + 1) % 3; // row 0: one wrong token
    for (let t = 0; t < length; t += 2) labels[1 * length + t] = ignore; // row 1: wrong only where ignored
    for (let t = 0; t < length; t += 2) preds[1 * length + t] = 9;
    for (let t = 0; t < length; t++) labels[2 * length + t] = ignore; // row 2: nothing valid
    preds[3 * length + length - 1] = 7; // row 3: last token wrong
    const tp = gpu.upload(preds, [batch, length], "i32");
    const tl = gpu.upload(labels, [batch, length], "i32");
    const got = await take(gpu, sequenceCorrect(gpu, tp, tl, { ignoreIndex: ignore }));
    const expected = sequenceCorrectRef(preds, labels, batch, length, ignore);
    assertClose(expected, [0, 1, 1, 0, 1, 1, 1], { atol: 0, rtol: 0, label: "reference itself" });
    assertClose(got, expected, { atol: 0, rtol: 0, label: "sequenceCorrect" });
    tp.release();
    tl.release();
  },
});
