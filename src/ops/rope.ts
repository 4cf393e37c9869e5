/**
 * Rotary position embedding (RoPE) in the official TRM "rotate half" layout, applied to
 * the q and k heads of a fused qkv tensor; its inverse is its exact backward.
 *
 * @module
 */

import type { Gpu, Tensor } from "../gpu/gpu.ts";
import { grid } from "../gpu/gpu.ts";
import ropeSrc from "../../kernels/rope.wgsl" with { type: "text" };
import ropeVec4Src from "../../kernels/rope_vec4.wgsl" with { type: "text" };

/** cos/sin tables, [seqLen, headDim] each, for positions 0..seqLen-1. */
export interface RopeTable {
  /** cos(emb), emb = cat(freqs, freqs), [seqLen, headDim]. */
  cos: Tensor;
  /** sin(emb), [seqLen, headDim]. */
  sin: Tensor;
  /** Number of positions. */
  seqLen: number;
  /** Per-head width (even). */
  headDim: number;
}

/** Options for {@linkcode ropeTable}. */
export interface RopeTableOptions {
  /** Number of positions (the whole sequence, puzzle-embedding prefix included). */
  seqLen: number;
  /** Per-head width; must be even. */
  headDim: number;
  /** Frequency base; default 10000. */
  base?: number;
}

/**
 * The cos/sin values as PyTorch computes them in float32 (official RotaryEmbedding):
 * inv_freq = 1 / base^(arange(0, hd, 2) / hd), freqs = outer(t, inv_freq), emb =
 * cat(freqs, freqs), each step rounded to f32 before cos/sin. Plain arrays, [S·hd].
 */
export function ropeTableValues(
  options: RopeTableOptions,
): { cos: Float32Array; sin: Float32Array } {
  const { seqLen, headDim } = options;
  const base = options.base ?? 10000;
  if (!Number.isInteger(headDim) || headDim <= 0 || headDim % 2 !== 0) {
    throw new RangeError(`ropeTable: headDim ${headDim} must be a positive even integer`);
  }
  if (!Number.isInteger(seqLen) || seqLen < 1) {
    throw new RangeError(`ropeTable: seqLen ${seqLen} must be a positive integer`);
  }
  const f = Math.fround;
  const half = headDim / 2;
  const invFreq = new Float32Array(half);
  for (let i = 0; i < half; i++) {
    invFreq[i] = f(1 / f(Math.pow(base, f((2 * i) / headDim))));
  }
  const cos = new Float32Array(seqLen * headDim);
  const sin = new Float32Array(seqLen * headDim);
  for (let s = 0; s < seqLen; s++) {
    for (let i = 0; i < half; i++) {
      const angle = f(s * invFreq[i]);
      const c = Math.cos(angle);
      const sn = Math.sin(angle);
      cos[s * headDim + i] = cos[s * headDim + half + i] = c;
      sin[s * headDim + i] = sin[s * headDim + half + i] = sn;
    }
  }
  return { cos, sin };
}

/**
 * Builds and uploads the RoPE cos/sin tables once (computed on the CPU with PyTorch's
 * float32 rounding). Release `cos` and `sin` when done.
 *
 * @example
 * ```ts ignore
 * const table = ropeTable(gpu, { seqLen: 97, headDim: 64 });
 * const rotated = rope(gpu, qkv, table, { numHeads: 8 });
 * ```
 */
export function ropeTable(gpu: Gpu, options: RopeTableOptions): RopeTable {
  const { cos, sin } = ropeTableValues(options);
  const shape = [options.seqLen, options.headDim];
  return {
    cos: gpu.upload(cos, shape),
    sin: gpu.upload(sin, shape),
    seqLen: options.seqLen,
    headDim: options.headDim,
  };
}

/** Options for {@linkcode rope}. */
export interface RopeOptions {
  /** Number of heads H (hd comes from the table). */
  numHeads: number;
  /** Rotate by -θ: the exact backward of the forward rotation (apply it to dQkv). */
  inverse?: boolean;
}

/**
 * Applies RoPE to the q and k heads of a fused qkv [B, S, 3·H·hd] ([B, S, 3, H, hd]);
 * v is copied unchanged. Returns a new tensor; position s uses table row s.
 *
 * @example
 * ```ts ignore
 * const rotated = rope(gpu, qkv, table, { numHeads: 8 });
 * // backward: dQkv w.r.t. the un-rotated qkv
 * const dQkvIn = rope(gpu, dQkvRotated, table, { numHeads: 8, inverse: true });
 * ```
 */
export function rope(gpu: Gpu, qkv: Tensor, table: RopeTable, options: RopeOptions): Tensor {
  if (qkv.shape.length !== 3) {
    throw new RangeError(`rope: qkv must be [B, S, 3·H·hd], got [${qkv.shape}]`);
  }
  const [batch, seq, width] = qkv.shape;
  const heads = options.numHeads;
  const hd = table.headDim;
  if (3 * heads * hd !== width) {
    throw new RangeError(`rope: last dimension ${width} is not 3·${heads} heads·${hd}`);
  }
  if (seq > table.seqLen) {
    throw new RangeError(`rope: sequence ${seq} is longer than the table's ${table.seqLen}`);
  }
  const out = gpu.empty(qkv.shape);
  gpu.copy(qkv, out); // v (and q, k, overwritten next)
  // Four pairs per invocation when each half head is whole vec4s (hd % 8 == 0).
  const width4 = hd % 8 === 0;
  const lanesPerHalf = width4 ? hd / 8 : hd / 2;
  const pipeline = width4
    ? gpu.pipeline(ropeVec4Src, { constants: { WG: WORKGROUP, HALF4: lanesPerHalf } })
    : gpu.pipeline(ropeSrc, { constants: { WG: WORKGROUP, HALF: lanesPerHalf } });
  const [gx, gy] = grid(batch * seq);
  const blocksPerRow = Math.ceil((2 * heads * lanesPerHalf) / WORKGROUP);
  gpu.dispatch(pipeline, [qkv, table.cos, table.sin, out], [gx, gy, blocksPerRow], {
    u32: [seq, heads, batch * seq],
    f32: [options.inverse ? -1 : 1],
  });
  return out;
}

const WORKGROUP = 64;
