/**
 * Float64 references for non-causal multi-head attention over a fused qkv laid out as
 * [B, S, 3, H, hd] (q heads, k heads, v heads): the plain softmax(q kᵀ/sqrt(hd)) v
 * with its full S×S matrix, and its analytic gradient.
 */

/** Shape of a fused-qkv attention problem. */
export interface AttentionShape {
  batch: number;
  seq: number;
  heads: number;
  headDim: number;
}

function at(shape: AttentionShape) {
  const { seq: S, heads: H, headDim: hd } = shape;
  const row = 3 * H * hd;
  return {
    q: (b: number, s: number, h: number) => (b * S + s) * row + h * hd,
    k: (b: number, s: number, h: number) => (b * S + s) * row + (H + h) * hd,
    v: (b: number, s: number, h: number) => (b * S + s) * row + (2 * H + h) * hd,
    o: (b: number, s: number, h: number) => (b * S + s) * H * hd + h * hd,
  };
}

/** Softmax probabilities of one (batch, head): p[i*S + j], plus each row's log-sum-exp. */
function probabilities(
  qkv: ArrayLike<number>,
  shape: AttentionShape,
  b: number,
  h: number,
): { p: Float64Array; lse: Float64Array } {
  const { seq: S, headDim: hd } = shape;
  const ix = at(shape);
  const scale = 1 / Math.sqrt(hd);
  const p = new Float64Array(S * S);
  const lse = new Float64Array(S);
  for (let i = 0; i < S; i++) {
    let max = -Infinity;
    for (let j = 0; j < S; j++) {
      let s = 0;
      const qo = ix.q(b, i, h);
      const ko = ix.k(b, j, h);
      for (let d = 0; d < hd; d++) s += qkv[qo + d] * qkv[ko + d];
      s *= scale;
      p[i * S + j] = s;
      if (s > max) max = s;
    }
    let sum = 0;
    for (let j = 0; j < S; j++) sum += Math.exp(p[i * S + j] - max);
    lse[i] = max + Math.log(sum);
    for (let j = 0; j < S; j++) p[i * S + j] = Math.exp(p[i * S + j] - lse[i]);
  }
  return { p, lse };
}

/** Forward: out [B, S, H·hd] (heads concatenated) and lse [B, H, S]. */
export function attentionReference(
  qkv: ArrayLike<number>,
  shape: AttentionShape,
): { out: Float64Array; lse: Float64Array } {
  const { batch: B, seq: S, heads: H, headDim: hd } = shape;
  const ix = at(shape);
  const out = new Float64Array(B * S * H * hd);
  const lse = new Float64Array(B * H * S);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const { p, lse: l } = probabilities(qkv, shape, b, h);
      lse.set(l, (b * H + h) * S);
      for (let i = 0; i < S; i++) {
        const oo = ix.o(b, i, h);
        for (let j = 0; j < S; j++) {
          const w = p[i * S + j];
          const vo = ix.v(b, j, h);
          for (let d = 0; d < hd; d++) out[oo + d] += w * qkv[vo + d];
        }
      }
    }
  }
  return { out, lse };
}

/**
 * Analytic gradient of `<dOut, out(qkv)>` w.r.t. qkv ([B, S, 3·H·hd]), via the
 * textbook softmax backward with the full probability matrix.
 */
export function attentionBackwardReference(
  qkv: ArrayLike<number>,
  dOut: ArrayLike<number>,
  shape: AttentionShape,
): Float64Array {
  const { batch: B, seq: S, heads: H, headDim: hd } = shape;
  const ix = at(shape);
  const scale = 1 / Math.sqrt(hd);
  const grad = new Float64Array(qkv.length);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const { p } = probabilities(qkv, shape, b, h);
      for (let i = 0; i < S; i++) {
        const go = ix.o(b, i, h);
        // dP_ij = dO_i · v_j; dS_ij = p_ij (dP_ij - Σ_k p_ik dP_ik)
        const dp = new Float64Array(S);
        let rowDot = 0;
        for (let j = 0; j < S; j++) {
          const vo = ix.v(b, j, h);
          let s = 0;
          for (let d = 0; d < hd; d++) s += dOut[go + d] * qkv[vo + d];
          dp[j] = s;
          rowDot += p[i * S + j] * s;
        }
        const qo = ix.q(b, i, h);
        for (let j = 0; j < S; j++) {
          const pij = p[i * S + j];
          const ds = pij * (dp[j] - rowDot) * scale;
          const ko = ix.k(b, j, h);
          const vo = ix.v(b, j, h);
          for (let d = 0; d < hd; d++) {
            grad[qo + d] += ds * qkv[ko + d];
            grad[ko + d] += ds * qkv[qo + d];
            grad[vo + d] += pij * dOut[go + d];
          }
        }
      }
    }
  }
  return grad;
}
