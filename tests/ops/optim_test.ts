import { adamAtan2, type AdamOptions, adamW, clipScale, emaUpdate } from "../../src/ops/optim.ts";
import { assertClose, maxAbsDiff, randomArray, testGpu } from "../_helpers.ts";
import { adamRef, clipScaleRef, emaRef } from "../reference/optim.ts";

const SIZES = [1, 37, 1031];
const STEPS = 5;

/** Fails unless |got - want| <= tol * scale elementwise. */
function assertWithin(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  scale: ArrayLike<number>,
  tol: number,
  label: string,
) {
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= tol * scale[i])) {
      throw new Error(
        `${label}: element ${i} is ${got[i]}, expected ${want[i]} (±${tol * scale[i]})`,
      );
    }
  }
}

interface Case {
  variant: "adamw" | "atan2";
  weightDecay: number;
  clip: boolean;
}

/**
 * Runs STEPS optimizer steps on the GPU and in float64, with a fresh random gradient
 * each step, and compares param, m and v after every step. With `clip`, the gradient is
 * scaled by clipScale(Σg², maxNorm) computed on the GPU from a GPU-side sum of squares.
 */
async function runCase({ variant, weightDecay, clip }: Case, size: number, seed: number) {
  const gpu = await testGpu();
  const init = randomArray(size, seed, -1, 1);
  const param = gpu.upload(init);
  const m = gpu.zeros([size]);
  const v = gpu.zeros([size]);
  const p64 = Float64Array.from(init);
  const m64 = new Float64Array(size);
  const v64 = new Float64Array(size);
  // Σ of |terms| in m's recursion: m = b1 m + (1 - b1) g can cancel, so its f32 error is
  // relative to this, not to |m|.
  const mMag = new Float64Array(size);
  const hyper = { lr: 1e-2, beta1: 0.9, beta2: 0.95, weightDecay, eps: 1e-8 };
  const step = variant === "adamw" ? adamW : adamAtan2;
  for (let t = 1; t <= STEPS; t++) {
    // Gradients over several magnitudes, with exact zeros (m = v = 0 at step 1).
    const g = randomArray(size, seed * 31 + t, -1, 1).map((x, i) =>
      i % 11 === 3 ? 0 : x * 10 ** ((i % 5) - 3)
    );
    const grad = gpu.upload(g);
    const options: AdamOptions = { ...hyper, step: t };
    let scale = 1;
    let scaleT;
    let sumSqT;
    if (clip) {
      let sumSq = 0;
      for (const x of g) sumSq += x * x;
      sumSqT = gpu.upload([Math.fround(sumSq)]);
      // maxNorm below the norm so clipping is active.
      const maxNorm = 0.5 * Math.sqrt(sumSq) + 1e-3;
      scaleT = clipScale(gpu, sumSqT, maxNorm);
      scale = clipScaleRef(Math.fround(sumSq), maxNorm);
      options.gradScale = scaleT;
    }
    step(gpu, { param, grad, m, v }, options);
    // The reference sees the f32 scale the GPU computed (checked separately), so this
    // test measures the optimizer alone.
    if (scaleT) scale = (await gpu.read(scaleT))[0];
    adamRef(variant, p64, g, m64, v64, { ...hyper, step: t, gradScale: scale });
    for (let i = 0; i < size; i++) {
      mMag[i] = hyper.beta1 * mMag[i] + (1 - hyper.beta1) * Math.abs(g[i] * scale);
    }
    const [gp, gm, gv] = [await gpu.read(param), await gpu.read(m), await gpu.read(v)];
    const label = `${variant} wd=${weightDecay} clip=${clip} n=${size} step ${t}`;
    // v: positive terms only, so relative error of a few roundings per step; abs floor
    // for the 1e-6-sized g² of the smallest gradients.
    // m: two or three f32 roundings per step, relative to its magnitude sum.
    assertWithin(gm, m64, mMag, 1e-6, `${label} m`);
    assertClose(gv, v64, { atol: 1e-16, rtol: 1e-6, label: `${label} v` });
    // p: |p| <= ~1, each step adds f32 roundings of p (6e-8) and of the lr-sized update
    // (lr 1e-2 × few ulp): 1e-6 absolute over 5 steps with margin.
    assertClose(gp, p64, { atol: 1e-6, rtol: 1e-6, label: `${label} param` });
    for (const x of [grad, scaleT, sumSqT]) x?.release();
  }
  for (const x of [param, m, v]) x.release();
}

for (const variant of ["adamw", "atan2"] as const) {
  for (const weightDecay of [0, 1]) {
    for (const clip of [false, true]) {
      Deno.test({
        name: `${variant} wd=${weightDecay} clip=${clip}: ${STEPS} steps vs float64 reference`,
        sanitizeResources: false,
        sanitizeOps: false,
        fn: async () => {
          for (const [i, size] of SIZES.entries()) {
            await runCase({ variant, weightDecay, clip }, size, 100 + i);
          }
        },
      });
    }
  }
}

Deno.test({
  name: "adamAtan2: arbitrary m, v states cover every atan2 branch (incl. v = 0)",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const gpu = await testGpu();
    const n = 97;
    // |m| / sqrt(v) from 0 to 1e6 and beyond (v = 0): all three range reductions.
    const m0 = randomArray(n, 7, -1, 1).map((x, i) => x * 10 ** ((i % 7) - 3));
    const v0 = randomArray(n, 8, 0, 1).map((x, i) => (i % 13 === 5 ? 0 : x * 10 ** ((i % 3) - 2)));
    m0[0] = 0;
    v0[0] = 0;
    const g = randomArray(n, 9, -1, 1).map((x, i) => (i % 13 === 5 || i === 0 ? 0 : x * 1e-3));
    const p0 = randomArray(n, 10, -1, 1);
    const [param, grad, m, v] = [p0, g, m0, v0].map((a) => gpu.upload(a));
    const options = { lr: 0.1, beta1: 0.9, beta2: 0.95, weightDecay: 0.5, step: 3 };
    adamAtan2(gpu, { param, grad, m, v }, options);
    const got = await gpu.read(param);
    for (const t of [param, grad, m, v]) t.release();
    const p64 = Float64Array.from(p0);
    adamRef("atan2", p64, g, Float64Array.from(m0), Float64Array.from(v0), options);
    // lr × atan2 with a ~2e-7-relative atan (Cephes-style, vs WGSL's 4096-ulp builtin
    // guarantee): 0.1 × 1.6 × 2e-7 plus the f32 roundings of p: 1e-7 absolute.
    assertClose(got, p64, { atol: 1e-7, rtol: 1e-7, label: "atan2 branches" });
    // Element 0 (m = v = g = 0): only weight decay acts.
    assertClose([got[0]], [Math.fround(p0[0] * (1 - 0.1 * 0.5))], {
      atol: 0,
      rtol: 1e-7,
      label: "atan2(0,0)",
    });
  },
});

Deno.test({
  name: "clipScale: torch clip_grad_norm_ factor, on the GPU",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const gpu = await testGpu();
    for (const [sumSq, maxNorm] of [[0, 1], [0.25, 1], [4, 1], [1e6, 1], [1e6, 2.5e3], [9, 3]]) {
      const s = gpu.upload([sumSq]);
      const out = clipScale(gpu, s, maxNorm);
      const [got] = await gpu.read(out);
      s.release();
      out.release();
      // sqrt and division in f32: a few ulp.
      assertClose([got], [clipScaleRef(sumSq, maxNorm)], {
        atol: 0,
        rtol: 5e-7,
        label: `clip ${sumSq} ${maxNorm}`,
      });
    }
  },
});

Deno.test({
  name: "emaUpdate: several steps vs float64 reference",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const gpu = await testGpu();
    for (const size of SIZES) {
      for (const decay of [0.999, 0.9]) {
        const e0 = randomArray(size, size, -1, 1);
        const ema = gpu.upload(e0);
        const e64 = Float64Array.from(e0);
        for (let t = 0; t < STEPS; t++) {
          const p = randomArray(size, size * 7 + t, -2, 2);
          const param = gpu.upload(p);
          emaUpdate(gpu, ema, param, decay);
          emaRef(e64, p, decay);
          param.release();
        }
        const got = await gpu.read(ema);
        ema.release();
        // Three f32 roundings per step on O(1) values, 5 steps.
        assertClose(got, e64, { atol: 1e-6, rtol: 1e-6, label: `ema n=${size} decay=${decay}` });
        if (maxAbsDiff(got, e0) === 0) throw new Error("ema did not move");
      }
    }
  },
});
