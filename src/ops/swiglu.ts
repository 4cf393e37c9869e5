/**
 * SwiGLU activation `silu(gate) * up` over a fused gate/up tensor, for both the channel
 * MLP (gate and up are the halves of each row) and the MLP-mixer's token MLP (halves of
 * the transposed sequence axis), with its backward.
 *
 * @module
 */

import type { Gpu, Tensor } from "../gpu/gpu.ts";
import { grid } from "../gpu/gpu.ts";
import forwardSrc from "../../kernels/swiglu_forward.wgsl" with { type: "text" };
import backwardSrc from "../../kernels/swiglu_backward.wgsl" with { type: "text" };
import forwardVec4Src from "../../kernels/swiglu_forward_vec4.wgsl" with { type: "text" };
import backwardVec4Src from "../../kernels/swiglu_backward_vec4.wgsl" with { type: "text" };

/** Layout of the fused tensor: `gu` is viewed as `[outer, 2, hidden, inner]`. */
export interface SwigluOptions {
  /** Leading count: rows for the channel MLP, B for the token MLP. */
  outer: number;
  /** Hidden width I (the gate and up halves each hold `hidden * inner` values per outer index). */
  hidden: number;
  /** Trailing count: 1 for the channel MLP, D for the token MLP on `[B, 2I, D]`. */
  inner: number;
}

const WG = 256;

function check(op: string, gu: Tensor, { outer, hidden, inner }: SwigluOptions): number {
  const n = outer * hidden * inner;
  if (gu.size !== 2 * n) {
    throw new RangeError(`${op}: [${gu.shape}] is not [${outer}, 2, ${hidden}, ${inner}]`);
  }
  return n;
}

/** Output shape: gu's shape with the fused axis halved (the last axis when inner = 1). */
function outputShape(gu: Tensor, { outer, hidden, inner }: SwigluOptions): number[] {
  const s = gu.shape;
  if (inner === 1 && s.length >= 1 && s[s.length - 1] === 2 * hidden) {
    return [...s.slice(0, -1), hidden];
  }
  if (s.length === 3 && s[0] === outer && s[1] === 2 * hidden && s[2] === inner) {
    return [outer, hidden, inner];
  }
  return inner === 1 ? [outer, hidden] : [outer, hidden, inner];
}

/**
 * `s = silu(gate) * up` with `gate = gu[:, 0]`, `up = gu[:, 1]` (PyTorch:
 * `gate, up = gate_up.chunk(2, -1)` for the channel layout). Result `[outer, hidden, inner]`.
 *
 * @example
 * ```ts ignore
 * const s = swiglu(gpu, gateUp, { outer: B * S, hidden: I, inner: 1 }); // [B*S, I]
 * ```
 */
export function swiglu(gpu: Gpu, gu: Tensor, options: SwigluOptions): Tensor {
  const n = check("swiglu", gu, options);
  const s = gpu.empty(outputShape(gu, options));
  if (n > 0) {
    const half = options.hidden * options.inner;
    // Halves of whole vec4s (every TRM shape): four elements an invocation.
    const w = half % 4 === 0 ? 4 : 1;
    gpu.dispatch(
      gpu.pipeline(w === 4 ? forwardVec4Src : forwardSrc),
      [gu, s],
      grid(Math.ceil(n / w / WG)),
      { u32: [n / w, half / w] },
    );
  }
  return s;
}

/** Gradient of {@linkcode swiglu} w.r.t. `gu` (same shape as `gu`), given `ds`. */
export function swigluBackward(gpu: Gpu, gu: Tensor, ds: Tensor, options: SwigluOptions): Tensor {
  const n = check("swigluBackward", gu, options);
  if (ds.size !== n) throw new RangeError(`swigluBackward: ds has ${ds.size} values, want ${n}`);
  const dgu = gpu.empty(gu.shape);
  if (n > 0) {
    const half = options.hidden * options.inner;
    const w = half % 4 === 0 ? 4 : 1;
    gpu.dispatch(
      gpu.pipeline(w === 4 ? backwardVec4Src : backwardSrc),
      [gu, ds, dgu],
      grid(Math.ceil(n / w / WG)),
      { u32: [n / w, half / w] },
    );
  }
  return dgu;
}
