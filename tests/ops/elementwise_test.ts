import { assertClose, dot, finiteDifferences, randomArray, testGpu } from "../_helpers.ts";
import {
  add,
  addInto,
  addToSequence,
  broadcastRows,
  copy,
  fill,
  scale,
  sliceSequence,
  transpose,
} from "../../src/ops/elementwise.ts";
import { addToSequenceRef, sliceSequenceRef, transposeRef } from "../reference/elementwise.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };

// Data movement must be bit-exact: atol 0, rtol 0.
const EXACT = { atol: 0, rtol: 0 };
// One f32 rounding of an O(1) result: 2^-24 relative ≈ 6e-8; 1e-6 leaves margin.
const ONE_ROUNDING = { atol: 1e-6, rtol: 1e-6 };

Deno.test({
  ...opts,
  name: "add: new output, out = a, out = b",
  fn: async () => {
    const gpu = await testGpu();
    const n = 1037; // not a multiple of the 256-wide workgroup
    const a = randomArray(n, 1), b = randomArray(n, 2);
    const expected = Array.from(a, (v, i) => v + b[i]);
    const ta = gpu.upload(a), tb = gpu.upload(b);
    const y = add(gpu, ta, tb);
    assertClose(await gpu.read(y), expected, { ...ONE_ROUNDING, label: "add" });
    add(gpu, ta, tb, ta);
    assertClose(await gpu.read(ta), expected, { ...ONE_ROUNDING, label: "add out=a" });
    const tc = gpu.upload(a);
    add(gpu, tc, tb, tb);
    assertClose(await gpu.read(tb), expected, { ...ONE_ROUNDING, label: "add out=b" });
    for (const t of [ta, tb, tc, y]) t.release();
  },
});

Deno.test({
  ...opts,
  name: "addInto, scale (in place and not), copy, fill",
  fn: async () => {
    const gpu = await testGpu();
    const n = 301;
    const a = randomArray(n, 3), b = randomArray(n, 4);
    const acc = gpu.upload(a), x = gpu.upload(b);
    addInto(gpu, acc, x, -0.75);
    assertClose(await gpu.read(acc), Array.from(a, (v, i) => v - 0.75 * b[i]), {
      ...ONE_ROUNDING,
      label: "addInto",
    });
    gpu.write(acc, a);
    addInto(gpu, acc, acc, 2); // aliasing: acc + 2·acc
    assertClose(await gpu.read(acc), Array.from(a, (v) => 3 * v), {
      ...ONE_ROUNDING,
      label: "addInto self",
    });
    const s = scale(gpu, x, 1.5);
    assertClose(await gpu.read(s), Array.from(b, (v) => 1.5 * v), {
      ...ONE_ROUNDING,
      label: "scale",
    });
    scale(gpu, x, -2, x);
    assertClose(await gpu.read(x), Array.from(b, (v) => -2 * v), {
      ...ONE_ROUNDING,
      label: "scale in place",
    });
    const c = copy(gpu, s);
    fill(gpu, s, 7.25); // must not affect the copy
    assertClose(await gpu.read(c), Array.from(b, (v) => 1.5 * v), {
      ...ONE_ROUNDING,
      label: "copy",
    });
    assertClose(await gpu.read(s), new Array(n).fill(7.25), { ...EXACT, label: "fill" });
    fill(gpu, s, 0);
    assertClose(await gpu.read(s), new Array(n).fill(0), { ...EXACT, label: "fill 0" });
    const ints = gpu.upload([1, 2, 3], [3], "i32");
    fill(gpu, ints, -100);
    assertClose(await gpu.read(ints), [-100, -100, -100], { ...EXACT, label: "fill i32" });
    for (const t of [acc, x, s, c, ints]) t.release();
  },
});

Deno.test({
  ...opts,
  name: "broadcastRows",
  fn: async () => {
    const gpu = await testGpu();
    const d = 13, rows = 37;
    const v = randomArray(d, 5);
    const tv = gpu.upload(v);
    const y = broadcastRows(gpu, tv, rows);
    if (y.shape.join() !== `${rows},${d}`) throw new Error(`shape ${y.shape}`);
    const expected = new Float64Array(rows * d);
    for (let r = 0; r < rows; r++) for (let i = 0; i < d; i++) expected[r * d + i] = v[i];
    assertClose(await gpu.read(y), expected, { ...EXACT, label: "broadcastRows" });
    tv.release();
    y.release();
  },
});

Deno.test({
  ...opts,
  name: "transpose: direct and tiled, shapes off the 32-tile",
  fn: async () => {
    const gpu = await testGpu();
    for (const [batch, rows, cols] of [[3, 37, 13], [2, 7, 97], [1, 33, 65], [5, 1, 1]]) {
      const x = randomArray(batch * rows * cols, rows * cols);
      const tx = gpu.upload(x, [batch, rows, cols]);
      const expected = transposeRef(x, batch, rows, cols);
      for (const variant of ["direct", "tiled"] as const) {
        const y = transpose(gpu, tx, { batch, rows, cols, variant });
        if (y.shape.join() !== `${batch},${cols},${rows}`) throw new Error(`shape ${y.shape}`);
        assertClose(await gpu.read(y), expected, {
          ...EXACT,
          label: `transpose ${variant} ${batch}x${rows}x${cols}`,
        });
        y.release();
      }
      tx.release();
    }
    // Backward of a transpose is the transpose back: the GPU op applied to dy [b, c, r]
    // equals the FD gradient of <dy, transpose(x)> (a linear map: FD exact to ~1e-9).
    const [batch, rows, cols] = [2, 5, 3];
    const x = randomArray(batch * rows * cols, 11);
    const dy = randomArray(batch * rows * cols, 12);
    const fd = finiteDifferences((p) => dot(dy, transposeRef(p, batch, rows, cols)), x);
    const tdy = gpu.upload(dy, [batch, cols, rows]);
    const dx = transpose(gpu, tdy, { batch, rows: cols, cols: rows });
    assertClose(await gpu.read(dx), fd, { atol: 1e-8, rtol: 1e-7, label: "transpose backward" });
    tdy.release();
    dx.release();
  },
});

Deno.test({
  ...opts,
  name: "sliceSequence forward, addToSequence is its backward (FD)",
  fn: async () => {
    const gpu = await testGpu();
    const shape = [3, 11, 7], start = 4, length = 5;
    const x = randomArray(3 * 11 * 7, 6);
    const tx = gpu.upload(x, shape);
    const y = sliceSequence(gpu, tx, { start, length });
    assertClose(await gpu.read(y), sliceSequenceRef(x, shape, start, length), {
      ...EXACT,
      label: "slice",
    });

    // The backward of the slice scattered into a zero gradient equals the FD gradient of
    // <dy, slice(x)>; the FD of a linear map is exact up to float64 rounding (1e-9).
    const dy = randomArray(3 * length * 7, 7);
    const fd = finiteDifferences((p) => dot(dy, sliceSequenceRef(p, shape, start, length)), x);
    const dx = gpu.zeros(shape);
    const tdy = gpu.upload(dy, [3, length, 7]);
    addToSequence(gpu, dx, tdy, { start });
    assertClose(await gpu.read(dx), fd, { atol: 1e-7, rtol: 1e-6, label: "slice backward vs FD" });

    // Accumulating form with alpha, on a non-zero target.
    const base = randomArray(x.length, 8);
    gpu.write(dx, base);
    addToSequence(gpu, dx, tdy, { start, alpha: -0.5 });
    assertClose(await gpu.read(dx), addToSequenceRef(base, shape, dy, length, start, -0.5), {
      ...ONE_ROUNDING,
      label: "addToSequence alpha",
    });
    for (const t of [tx, y, dx, tdy]) t.release();
  },
});
