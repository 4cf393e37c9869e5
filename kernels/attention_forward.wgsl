// Non-causal multi-head attention forward with an online softmax (flash-attention
// style): no S×S score matrix is ever stored.
//
// qkv: [B, S, 3, H, hd] (q heads, k heads, v heads), read as vec4 (hd % 4 == 0).
// out: [B, S, H, hd]; lse: [B, H, S], natural-log log-sum-exp of the scaled scores.
//
// One invocation ("lane") owns R consecutive queries of one (batch, head) and walks all
// keys KB at a time: every k/v vec4 it loads is used for R queries. On llvmpipe each
// storage-buffer load is a per-lane scalar loop, so loads, not FMAs, set the speed, and
// the R×hd q and accumulator values per lane are worth their register spills.
//
// TEMPLATE: src/ops/attention.ts expands `//#for X` … `//#end` blocks, repeating the
// body with `$X` replaced by 0, 1, …: `d` runs over hd/4 vec4 slices, `r` over the R
// queries, `t` over the KB keys of a step. Everything per-lane is then a named value (loop-indexed private arrays end
// up in memory on llvmpipe).
//
// Scores live in the log2 domain (q pre-multiplied by scale·log2(e)) so the softmax
// uses exp2. The key tail (S % KB) is handled by clamping the key index and giving the
// extra keys a score of NEG_BIG, whose exp2 is exactly 0.

struct Params {
  seq: u32,
  heads: u32,
  chunks: u32, // ceil(S / R): lanes per (batch, head)
  lanes: u32, // B * H * chunks
  scale_log2e: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> qkv: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> out: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> lse: array<f32>;

override WG: u32 = 64u;
override HD4: u32 = 16u; // head_dim / 4, equal to the `d` template count
override R: u32 = 1u; // queries per lane, equal to the `r` template count
override KB: u32 = 4u; // keys per step, equal to the `t` template count
const LN2: f32 = 0.6931471805599453;
const NEG_BIG: f32 = -3.0e38;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let lane = (wg.x + wg.y * nwg.x) * WG + lid;
  if (lane >= params.lanes) {
    return;
  }
  let S = params.seq;
  let H = params.heads;
  let chunk = lane % params.chunks;
  let bh = lane / params.chunks;
  let h = bh % H;
  let b = bh / H;
  let i0 = chunk * R;
  let row = 3u * H * HD4; // vec4s per sequence position in qkv
  let seqbase = b * S * row;
  let kbase = seqbase + (H + h) * HD4;
  let vbase = kbase + H * HD4;

  //#for r
  // Queries past the end repeat the last one; their results are not stored.
  let qo$r = seqbase + min(i0 + $ru, S - 1u) * row + h * HD4;
  //#for d
  let q$r_$d = qkv[qo$r + $du] * params.scale_log2e;
  var a$r_$d = vec4<f32>(0.0);
  //#end
  var m$r = NEG_BIG;
  var l$r = 0.0;
  //#end

  for (var j = 0u; j < S; j += KB) {
    //#for t
    let live$t = j + $tu < S;
    let jc$t = min(j + $tu, S - 1u) * row;
    //#end
    //#for r
    //#for t
    var s$r_$t = 0.0;
    //#end
    //#end
    //#for d
    //#for t
    let k$t_$d = qkv[kbase + jc$t + $du];
    //#end
    //#for r
    //#for t
    s$r_$t += dot(q$r_$d, k$t_$d);
    //#end
    //#end
    //#end
    //#for r
    var mx$r = m$r;
    //#for t
    s$r_$t = select(NEG_BIG, s$r_$t, live$t);
    mx$r = max(mx$r, s$r_$t);
    //#end
    let c$r = exp2(m$r - mx$r);
    l$r *= c$r;
    //#for t
    let p$r_$t = exp2(s$r_$t - mx$r);
    l$r += p$r_$t;
    //#end
    m$r = mx$r;
    //#end
    //#for d
    //#for t
    let v$t_$d = qkv[vbase + jc$t + $du];
    //#end
    //#for r
    a$r_$d *= c$r;
    //#for t
    a$r_$d += p$r_$t * v$t_$d;
    //#end
    //#end
    //#end
  }

  //#for r
  if (i0 + $ru < S) {
    let inv = 1.0 / l$r;
    let oo = (b * S + i0 + $ru) * H * HD4 + h * HD4;
    //#for d
    out[oo + $du] = a$r_$d * inv;
    //#end
    lse[bh * S + i0 + $ru] = (m$r + log2(l$r)) * LN2;
  }
  //#end
}
