import { assertClose, dot, finiteDifferences, randomArray, testGpu } from "../_helpers.ts";
import { swiglu, swigluBackward } from "../../src/ops/swiglu.ts";
import { swigluRef } from "../reference/swiglu.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };

// A handful of f32 roundings (exp, divide, two multiplies) on O(1–10) values: ~1e-6
// relative; atol covers results near zero.
const FORWARD_TOL = { atol: 1e-6, rtol: 1e-5 };
// Backward vs float64 central differences (FD error ~1e-9): the f32 rounding of the
// derivative formula dominates, ~1e-6 relative on O(1–10) values.
const BACKWARD_TOL = { atol: 1e-5, rtol: 1e-5 };

const LAYOUTS = [
  // Channel SwiGLU: [rows, 2I], gate and up are the two halves of each row.
  { name: "channel", outer: 13, hidden: 11, inner: 1, shape: [13, 22] },
  // Token SwiGLU on [B, 2I, D] (the MLP-mixer's transposed sequence MLP).
  { name: "token", outer: 3, hidden: 7, inner: 5, shape: [3, 14, 5] },
  // Halves of whole vec4s take the vec4 kernels (every TRM shape does).
  { name: "channel vec4", outer: 13, hidden: 12, inner: 1, shape: [13, 24] },
  { name: "token vec4", outer: 3, hidden: 6, inner: 6, shape: [3, 12, 6] },
];

for (const { name, outer, hidden, inner, shape } of LAYOUTS) {
  Deno.test({
    ...opts,
    name: `swiglu ${name}: forward vs f64, backward vs FD`,
    fn: async () => {
      const gpu = await testGpu();
      const size = 2 * outer * hidden * inner;
      const gu = randomArray(size, size, -4, 4);
      const ds = randomArray(size / 2, size + 1);
      const tgu = gpu.upload(gu, shape);
      const layout = { outer, hidden, inner };
      const s = swiglu(gpu, tgu, layout);
      const expectedShape = inner === 1 ? [outer, hidden] : [outer, hidden, inner];
      if (s.shape.join() !== expectedShape.join()) throw new Error(`shape [${s.shape}]`);
      assertClose(await gpu.read(s), swigluRef(gu, outer, hidden, inner), {
        ...FORWARD_TOL,
        label: `${name} forward`,
      });
      const tds = gpu.upload(ds, s.shape);
      const dgu = swigluBackward(gpu, tgu, tds, layout);
      if (dgu.shape.join() !== shape.join()) throw new Error(`dgu shape [${dgu.shape}]`);
      const fd = finiteDifferences((p) => dot(ds, swigluRef(p, outer, hidden, inner)), gu);
      assertClose(await gpu.read(dgu), fd, { ...BACKWARD_TOL, label: `${name} backward` });
      for (const t of [tgu, s, tds, dgu]) t.release();
    },
  });
}

Deno.test({
  ...opts,
  name: "swiglu: large-magnitude gates stay finite and exact in the limits",
  fn: async () => {
    const gpu = await testGpu();
    const gates = [-200, -90, -30, 0, 30, 90, 200];
    const gu = new Float32Array([...gates, ...gates.map(() => 1.5)]);
    const tgu = gpu.upload(gu, [1, 14]);
    const s = await gpu.read(swiglu(gpu, tgu, { outer: 1, hidden: 7, inner: 1 }));
    // silu(g)·1.5 → 0 for g ≪ 0 and → 1.5·g for g ≫ 0 (f32-exact at these magnitudes).
    assertClose(s, swigluRef(gu, 1, 7, 1), { atol: 1e-6, rtol: 1e-6, label: "limits" });
    const ds = gpu.upload(new Float32Array(7).fill(1), [1, 7]);
    const dgu = await gpu.read(swigluBackward(gpu, tgu, ds, { outer: 1, hidden: 7, inner: 1 }));
    for (const v of dgu) if (!Number.isFinite(v)) throw new Error(`non-finite gradient ${dgu}`);
    // d/dgate at g = ±200: 0 and 1.5; d/dup: silu(g).
    assertClose([dgu[0], dgu[6], dgu[7], dgu[13]], [0, 1.5, 0, 200], {
      atol: 1e-6,
      rtol: 1e-6,
      label: "limit gradients",
    });
    tgu.release();
    ds.release();
  },
});
