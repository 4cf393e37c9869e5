/**
 * References for rotary position embedding ("rotate half" layout) on a fused qkv
 * [B, S, 3, H, hd]: exact float64 tables, a step-by-step imitation of PyTorch's float32
 * table, and the rotation itself in float64, written literally as
 * q·cos + rotate_half(q)·sin with rotate_half(x) = cat(-x2, x1).
 */

/** Exact (float64) cos/sin tables, [S·hd], emb = cat(freqs, freqs). */
export function ropeTable64(
  seqLen: number,
  headDim: number,
  base = 10000,
): { cos: Float64Array; sin: Float64Array } {
  const cos = new Float64Array(seqLen * headDim);
  const sin = new Float64Array(seqLen * headDim);
  for (let s = 0; s < seqLen; s++) {
    for (let d = 0; d < headDim; d++) {
      const i = d % (headDim / 2);
      const angle = s / Math.pow(base, (2 * i) / headDim);
      cos[s * headDim + d] = Math.cos(angle);
      sin[s * headDim + d] = Math.sin(angle);
    }
  }
  return { cos, sin };
}

/**
 * PyTorch's float32 construction, one tensor op at a time:
 * `arange(0, hd, 2, f32) / hd` → `base ** ·` → `1.0 / ·` → `outer(arange(S, f32), ·)`
 * → `cat((f, f), -1)` → `.cos()` / `.sin()`, each result rounded to float32.
 */
export function ropeTableTorchF32(
  seqLen: number,
  headDim: number,
  base = 10000,
): { cos: Float32Array; sin: Float32Array } {
  const exponents = new Float32Array(headDim / 2);
  for (let i = 0; i < exponents.length; i++) exponents[i] = (2 * i) / headDim;
  const powers = exponents.map((e) => Math.pow(base, e));
  const invFreq = powers.map((p) => 1 / p);
  const freqs = new Float32Array(seqLen * headDim);
  for (let s = 0; s < seqLen; s++) {
    for (let i = 0; i < invFreq.length; i++) {
      freqs[s * headDim + i] = s * invFreq[i];
      freqs[s * headDim + invFreq.length + i] = s * invFreq[i];
    }
  }
  return { cos: freqs.map(Math.cos), sin: freqs.map(Math.sin) };
}

/** Shape of a fused-qkv RoPE problem. */
export interface RopeShape {
  batch: number;
  seq: number;
  heads: number;
  headDim: number;
}

/**
 * RoPE on q and k heads in float64 with the given tables ([≥S, hd]); v passes through.
 * `inverse` uses -sin (rotation by -θ).
 */
export function ropeReference(
  qkv: ArrayLike<number>,
  shape: RopeShape,
  cos: ArrayLike<number>,
  sin: ArrayLike<number>,
  inverse = false,
): Float64Array {
  const { batch: B, seq: S, heads: H, headDim: hd } = shape;
  const half = hd / 2;
  const out = Float64Array.from(qkv);
  const sign = inverse ? -1 : 1;
  for (let b = 0; b < B; b++) {
    for (let s = 0; s < S; s++) {
      for (let slot = 0; slot < 2 * H; slot++) {
        const o = (b * S + s) * 3 * H * hd + slot * hd;
        const x = Array.from({ length: hd }, (_, d) => qkv[o + d]);
        const rotated = [...x.slice(half).map((v) => -v), ...x.slice(0, half)];
        for (let d = 0; d < hd; d++) {
          out[o + d] = x[d] * cos[s * hd + d] + sign * rotated[d] * sin[s * hd + d];
        }
      }
    }
  }
  return out;
}
