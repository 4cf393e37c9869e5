/**
 * Non-causal multi-head self-attention over a fused qkv tensor: forward with an
 * online softmax (no S×S matrix is stored) and a deterministic backward that recomputes
 * the probabilities from the saved log-sum-exp (no atomics).
 *
 * @module
 */

import type { Gpu, Tensor } from "../gpu/gpu.ts";
import { grid } from "../gpu/gpu.ts";
import forwardSrc from "../../kernels/attention_forward.wgsl" with { type: "text" };
import backwardDqSrc from "../../kernels/attention_backward_dq.wgsl" with { type: "text" };
import backwardDkvSrc from "../../kernels/attention_backward_dkv.wgsl" with { type: "text" };
import { expandTemplate } from "./template.ts";

// Kept importable from here, where it lived first.
export { expandTemplate };

/** Options shared by {@linkcode attentionForward} and {@linkcode attentionBackward}. */
export interface AttentionOptions {
  /** Number of heads H. */
  numHeads: number;
  /** Per-head width hd; default D / numHeads where 3·D is qkv's last dimension. Must be a multiple of 4, ≤ 128. */
  headDim?: number;
  /** Tuning: queries (forward, dQ) or keys (dK/dV) per invocation; default by adapter profile. */
  queriesPerLane?: number;
}

/** Result of {@linkcode attentionForward}. */
export interface AttentionForwardResult {
  /** [B, S, H·hd]: heads concatenated, as PyTorch's `attn_output.view(B, S, H*hd)`. */
  out: Tensor;
  /** [B, H, S]: log-sum-exp of the scaled scores of each query, saved for the backward. */
  lse: Tensor;
}

const MAX_HEAD_DIM = 128;

interface Dims {
  batch: number;
  seq: number;
  heads: number;
  headDim: number;
}

function dims(qkv: Tensor, options: AttentionOptions): Dims {
  if (qkv.shape.length !== 3) {
    throw new RangeError(`attention: qkv must be [B, S, 3·H·hd], got [${qkv.shape}]`);
  }
  const [batch, seq, width] = qkv.shape;
  const heads = options.numHeads;
  const headDim = options.headDim ?? width / 3 / heads;
  if (!Number.isInteger(headDim) || 3 * heads * headDim !== width) {
    throw new RangeError(
      `attention: last dimension ${width} is not 3·${heads} heads·${options.headDim ?? "?"}`,
    );
  }
  if (headDim % 4 !== 0 || headDim > MAX_HEAD_DIM || headDim <= 0) {
    throw new RangeError(`attention: headDim ${headDim} must be a multiple of 4 and ≤ 128`);
  }
  if (seq < 1) throw new RangeError("attention: empty sequence");
  return { batch, seq, heads, headDim };
}

/**
 * Rows (queries, or keys for dK/dV) per invocation: the `r` template count.
 *
 * On CPU adapters every storage load is a per-lane scalar loop, so reusing each loaded
 * vector for many rows pays despite register spills (forward at hd 64, B=64, S=97:
 * 1 row ≈ 0.3, 4 ≈ 2, 16 ≈ 5 GFLOP/s on llvmpipe). But LLVM's compile time explodes
 * (from under a second to minutes) once an invocation holds more than about 512 live
 * vec4s, so rows × (vec4s per row) is capped: forward keeps q and the output (2·hd/4
 * per row), dQ keeps q, dO, dQ (3·hd/4), dK/dV keeps k, v, dK, dV (4·hd/4).
 * GPUs get one row per invocation (plenty of threads; spills are what hurts there).
 */
function rowsPerLane(gpu: Gpu, vec4sPerRow: number, cap: number, override?: number): number {
  if (override !== undefined) {
    if (!Number.isInteger(override) || override < 1 || override > 16) {
      throw new RangeError(`attention: queriesPerLane ${override} must be an integer in 1..16`);
    }
    return override;
  }
  if (gpu.profile !== "cpu") return 1;
  return Math.max(1, Math.min(16, Math.floor(cap / vec4sPerRow)));
}

const WORKGROUP = 64;

/** Compiles (once) one templated attention kernel for (hd/4, rows per invocation). */
function kernel(gpu: Gpu, source: string, hd4: number, r: number): GPUComputePipeline {
  return gpu.pipeline(expandTemplate(source, { d: hd4, r }), {
    constants: { WG: WORKGROUP, HD4: hd4, R: r },
  });
}

/**
 * Attention forward: `softmax(q kᵀ / sqrt(hd)) v` per (batch, head), over all S keys
 * (non-causal, no mask, no dropout), with an online softmax.
 *
 * @example
 * ```ts ignore
 * const qkv = gpu.upload(data, [B, S, 3 * H * hd]);
 * const { out, lse } = attentionForward(gpu, qkv, { numHeads: H });
 * // out: [B, S, H*hd], lse: [B, H, S]
 * ```
 */
export function attentionForward(
  gpu: Gpu,
  qkv: Tensor,
  options: AttentionOptions,
): AttentionForwardResult {
  const { batch, seq, heads, headDim } = dims(qkv, options);
  const hd4 = headDim / 4;
  const r = rowsPerLane(gpu, 2 * hd4, 512, options.queriesPerLane);
  const chunks = Math.ceil(seq / r);
  const lanes = batch * heads * chunks;
  const out = gpu.empty([batch, seq, heads * headDim]);
  const lse = gpu.empty([batch, heads, seq]);
  const pipeline = kernel(gpu, forwardSrc, hd4, r);
  gpu.dispatch(pipeline, [qkv, out, lse], grid(Math.ceil(lanes / WORKGROUP)), {
    u32: [seq, heads, chunks, lanes],
    f32: [Math.LOG2E / Math.sqrt(headDim)],
  });
  return { out, lse };
}

/**
 * Attention backward: the gradient w.r.t. the fused qkv given `out` and `lse` from
 * {@linkcode attentionForward} and the output gradient `dOut` ([B, S, H·hd]).
 * Deterministic (two kernels: one over queries for dQ, one over keys for dK and dV).
 *
 * @example
 * ```ts ignore
 * const { out, lse } = attentionForward(gpu, qkv, { numHeads: H });
 * const dQkv = attentionBackward(gpu, qkv, out, lse, dOut, { numHeads: H });
 * // dQkv: [B, S, 3*H*hd]
 * ```
 */
export function attentionBackward(
  gpu: Gpu,
  qkv: Tensor,
  out: Tensor,
  lse: Tensor,
  dOut: Tensor,
  options: AttentionOptions,
): Tensor {
  const { batch, seq, heads, headDim } = dims(qkv, options);
  const width = heads * headDim;
  for (
    const [name, t, size] of [
      ["out", out, batch * seq * width],
      ["dOut", dOut, batch * seq * width],
      ["lse", lse, batch * heads * seq],
    ] as const
  ) {
    if (t.size !== size) {
      throw new RangeError(`attentionBackward: ${name} has ${t.size} elements, expected ${size}`);
    }
  }
  const hd4 = headDim / 4;
  const scale = 1 / Math.sqrt(headDim);
  const f32 = [Math.LOG2E * scale, scale];
  const dQkv = gpu.empty([batch, seq, 3 * width]);
  const dsum = gpu.empty([batch, heads, seq]);

  const rq = rowsPerLane(gpu, 3 * hd4, 384, options.queriesPerLane);
  const chunksQ = Math.ceil(seq / rq);
  const lanesQ = batch * heads * chunksQ;
  const dq = kernel(gpu, backwardDqSrc, hd4, rq);
  gpu.dispatch(dq, [qkv, out, dOut, lse, dQkv, dsum], grid(Math.ceil(lanesQ / WORKGROUP)), {
    u32: [seq, heads, chunksQ, lanesQ],
    f32,
  });

  const rk = rowsPerLane(gpu, 4 * hd4, 512, options.queriesPerLane);
  const chunksK = Math.ceil(seq / rk);
  const lanesK = batch * heads * chunksK;
  const dkv = kernel(gpu, backwardDkvSrc, hd4, rk);
  gpu.dispatch(dkv, [qkv, dOut, lse, dsum, dQkv], grid(Math.ceil(lanesK / WORKGROUP)), {
    u32: [seq, heads, chunksK, lanesK],
    f32,
  });
  dsum.release();
  return dQkv;
}
