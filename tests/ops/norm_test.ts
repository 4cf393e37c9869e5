import { assertClose, dot, finiteDifferences, randomArray, testGpu } from "../_helpers.ts";
import { rmsNorm, rmsNormBackward } from "../../src/ops/norm.ts";
import { rmsNormRef } from "../reference/norm.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };
const EPS = 1e-5;

// Forward: a sum of n ≤ 300 squares in f32 (relative error ≤ n·2^-24 ≈ 2e-5 worst case,
// ~1e-6 typical) then inverseSqrt (a few ulp): outputs are O(1–3), so atol 2e-5 + rtol 2e-5.
const FORWARD_TOL = { atol: 2e-5, rtol: 2e-5 };
// Backward vs float64 central differences: the GPU's f32 rounding (~1e-6 on O(1) values,
// amplified by rstd up to ~3 for the inputs below) dominates the FD error (~1e-9), so
// atol 5e-5 + rtol 1e-4.
const BACKWARD_TOL = { atol: 5e-5, rtol: 1e-4 };

interface Case {
  name: string;
  outer: number;
  n: number;
  inner: number;
  variant: "rows" | "columns";
}

const CASES: Case[] = [
  { name: "channel rows", outer: 13, n: 37, inner: 1, variant: "rows" },
  // n > 256: the rows variant's invocations each sum several strided elements.
  { name: "channel rows n>WG", outer: 3, n: 300, inner: 1, variant: "rows" },
  { name: "channel columns", outer: 13, n: 37, inner: 1, variant: "columns" },
  // MLP-mixer token step: x [B, S, D] normalized over S.
  { name: "sequence axis", outer: 3, n: 7, inner: 13, variant: "columns" },
  // outer·inner > 256: the gain gradient sums over two chunks of (outer, inner) pairs.
  { name: "sequence axis wide", outer: 3, n: 5, inner: 97, variant: "columns" },
  { name: "channel many rows", outer: 300, n: 5, inner: 1, variant: "rows" },
];

for (const c of CASES) {
  for (const withResidual of [false, true]) {
    for (const withWeight of [false, true]) {
      const label = `${c.name}${withResidual ? " +residual" : ""}${withWeight ? " +weight" : ""}`;
      Deno.test({
        ...opts,
        name: `rmsNorm ${label}: forward vs f64, backward vs FD`,
        fn: async () => {
          const gpu = await testGpu();
          const { outer, n, inner, variant } = c;
          const size = outer * n * inner;
          const seed = outer * 1000 + n * 10 + inner + (withResidual ? 7 : 0) +
            (withWeight ? 3 : 0);
          // An offset keeps mean squares away from 0, so rstd stays ≤ ~3.
          const x = randomArray(size, seed, -1, 2);
          const residual = withResidual ? randomArray(size, seed + 1, -0.5, 0.5) : undefined;
          const weight = withWeight ? randomArray(n, seed + 2, 0.5, 1.5) : undefined;
          const dy = randomArray(size, seed + 3);

          const tx = gpu.upload(x, [outer, n, inner]);
          const tr = residual ? gpu.upload(residual, [outer, n, inner]) : undefined;
          const tw = weight ? gpu.upload(weight) : undefined;
          const layout = { outer, n, inner, variant, weight: tw };
          const out = rmsNorm(gpu, tx, { ...layout, eps: EPS, residual: tr });
          if (!withWeight && out.y !== out.normalized) {
            throw new Error("without weight, y must be the normalized tensor itself");
          }
          if (out.rstd.size !== outer * inner) throw new Error(`rstd shape ${out.rstd.shape}`);
          const ref = rmsNormRef(x, { outer, n, inner, eps: EPS, residual, weight });
          assertClose(await gpu.read(out.y), ref.y, { ...FORWARD_TOL, label: `${label} y` });
          assertClose(await gpu.read(out.normalized), ref.normalized, {
            ...FORWARD_TOL,
            label: `${label} normalized`,
          });
          assertClose(await gpu.read(out.rstd), ref.rstd, {
            ...FORWARD_TOL,
            label: `${label} rstd`,
          });

          const tdy = gpu.upload(dy, [outer, n, inner]);
          const back = rmsNormBackward(gpu, out.normalized, out.rstd, tdy, layout);
          const loss = (xs: ArrayLike<number>, w?: ArrayLike<number>) =>
            dot(dy, rmsNormRef(xs, { outer, n, inner, eps: EPS, residual, weight: w }).y);
          // dx is the gradient w.r.t. x + residual, i.e. w.r.t. x with residual fixed.
          const fdx = finiteDifferences((p) => loss(p, weight), x);
          assertClose(await gpu.read(back.dx), fdx, { ...BACKWARD_TOL, label: `${label} dx` });
          if (withWeight) {
            // dWeight sums outer·inner ≤ 300 O(1) products: f32 error ≤ ~300·6e-8·|terms| ≈ 2e-5.
            const fdw = finiteDifferences((p) => loss(x, p), weight!);
            if (!back.dWeight) throw new Error("dWeight missing");
            assertClose(await gpu.read(back.dWeight), fdw, {
              ...BACKWARD_TOL,
              label: `${label} dW`,
            });
            back.dWeight.release();
          } else if (back.dWeight) {
            throw new Error("dWeight without weight");
          }
          for (const t of [tx, tr, tw, tdy, out.y, out.rstd, out.normalized, back.dx]) t?.release();
        },
      });
    }
  }
}

Deno.test({
  ...opts,
  name: "rmsNorm: rows and columns variants agree closely; each is deterministic",
  fn: async () => {
    const gpu = await testGpu();
    const outer = 5, n = 97;
    const x = randomArray(outer * n, 42, -2, 2);
    const tx = gpu.upload(x, [outer, n]);
    const results = [];
    for (const variant of ["rows", "columns", "rows", "columns"] as const) {
      const { y, rstd } = rmsNorm(gpu, tx, { outer, n, inner: 1, eps: EPS, variant });
      results.push(await gpu.read(y));
      y.release();
      rstd.release();
    }
    // Same variant twice: bit-identical.
    assertClose(results[2], results[0], { atol: 0, rtol: 0, label: "rows determinism" });
    assertClose(results[3], results[1], { atol: 0, rtol: 0, label: "columns determinism" });
    // Different summation orders: within f32 accumulation error (see FORWARD_TOL).
    assertClose(results[0], results[1], { ...FORWARD_TOL, label: "rows vs columns" });
    tx.release();
  },
});
