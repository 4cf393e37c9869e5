/**
 * Muon against its float64 reference (tests/reference/muon.ts) on wide, tall, square and
 * awkward shapes, over several steps with weight decay and GPU-side gradient clipping.
 */
import { muon, newtonSchulz } from "../../src/ops/muon.ts";
import { sumOfSquares } from "../../src/ops/reduce.ts";
import { clipScale } from "../../src/ops/optim.ts";
import { assertParity, randomArray, testGpu } from "../_helpers.ts";
import { muonRef, newtonSchulzRef } from "../reference/muon.ts";

const SHAPES: [number, number][] = [[1, 1], [5, 7], [7, 5], [13, 13], [3, 33], [70, 9]];

Deno.test("newtonSchulz matches the float64 reference (wide and tall, Gram-side form)", async () => {
  const gpu = await testGpu();
  for (const [rows, cols] of SHAPES) {
    const raw = randomArray(rows * cols, rows * 100 + cols, -1, 1);
    const norm = Math.sqrt(raw.reduce((s, v) => s + v * v, 0));
    const x = Float32Array.from(raw, (v) => v / (norm + 1e-7));
    const t = gpu.upload(x, [rows, cols]);
    const out = newtonSchulz(gpu, t, rows, cols);
    const got = await gpu.read(out);
    assertParity(`NS ${rows}x${cols}`, got, newtonSchulzRef(x, rows, cols), 1e-4);
    // Left as it was.
    assertParity(`NS input ${rows}x${cols}`, await gpu.read(t), x, 0);
    t.release();
    out.release();
  }
});

Deno.test("newtonSchulz pushes singular values towards 1 (an orthogonal 4×4 stays near it)", async () => {
  const gpu = await testGpu();
  // A scaled permutation: singular values all 0.5 → 5 iterations bring them into [0.6, 1.2].
  const x = new Float32Array(16);
  [2, 0, 3, 1].forEach((j, i) => x[i * 4 + j] = 0.5);
  const out = await gpu.read(newtonSchulz(gpu, gpu.upload(x, [4, 4]), 4, 4));
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) {
      const v = out[i * 4 + j];
      if (x[i * 4 + j] !== 0) {
        if (!(v > 0.6 && v < 1.2)) throw new Error(`singular value ${v} not pushed towards 1`);
      } else if (Math.abs(v) > 1e-6) throw new Error(`off-pattern element ${v}`);
    }
  }
});

for (const clip of [false, true]) {
  Deno.test(`muon: 4 steps match the float64 reference${clip ? " (clipped gradients)" : ""}`, async () => {
    const gpu = await testGpu();
    for (const [rows, cols] of SHAPES) {
      const n = rows * cols;
      const init = randomArray(n, 7 * n + rows, -1, 1);
      const param = gpu.upload(init, [rows, cols]);
      const m = gpu.zeros([rows, cols]);
      const p64 = Float64Array.from(init);
      const m64 = new Float64Array(n);
      const hyper = { lr: 3e-2, momentum: 0.9, weightDecay: 0.5 };
      for (let t = 1; t <= 4; t++) {
        const g = randomArray(n, 31 * n + t, -1, 1).map((v, i) =>
          i % 7 === 2 ? 0 : v * 10 ** (i % 3 - 2)
        );
        const grad = gpu.upload(g, [rows, cols]);
        let gradScale: number | undefined;
        if (clip) {
          const sq = sumOfSquares(gpu, [grad]);
          const scaleT = clipScale(gpu, sq, 0.05);
          gradScale = (await gpu.read(scaleT))[0];
          muon(gpu, { param, grad, m }, { ...hyper, gradScale: scaleT });
          sq.release();
          scaleT.release();
        } else {
          muon(gpu, { param, grad, m }, hyper);
        }
        muonRef(p64, g, m64, rows, cols, { ...hyper, gradScale });
        grad.release();
        const label = `${rows}x${cols} step ${t}`;
        assertParity(`${label} m`, await gpu.read(m), m64, 1e-5);
        // The update moves p by lr·0.2·√max(r, c) ≈ 0.03–0.05 per step: compare the change.
        const got = await gpu.read(param);
        const moved = Float64Array.from(p64, (v, i) => v - init[i]);
        assertParity(`${label} p - p0`, Float64Array.from(got, (v, i) => v - init[i]), moved, 1e-4);
      }
      param.release();
      m.release();
    }
  });
}

Deno.test("muon: refuses a non-matrix parameter and mismatched state", async () => {
  const gpu = await testGpu();
  const v = gpu.zeros([6]);
  const w = gpu.zeros([2, 3]);
  const bad = gpu.zeros([2, 2]);
  const opts = { lr: 1e-3, weightDecay: 0 };
  const expectThrow = (f: () => void, text: string) => {
    try {
      f();
    } catch (e) {
      if (!String(e).includes(text)) throw e;
      return;
    }
    throw new Error(`expected an error mentioning ${text}`);
  };
  expectThrow(() => muon(gpu, { param: v, grad: v, m: v }, opts), "must be a matrix");
  expectThrow(() => muon(gpu, { param: w, grad: bad, m: w }, opts), "grad must be f32 with 6");
  expectThrow(() => muon(gpu, { param: w, grad: w, m: w }, { ...opts, momentum: 1 }), "momentum");
  [v, w, bad].forEach((t) => t.release());
});
