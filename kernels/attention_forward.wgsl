// @kernel attention_forward
// Non-causal multi-head attention forward with an online softmax (flash-attention
// style): no S×S score matrix is ever stored.
//
// qkv: [B, S, 3, H, hd] (q heads, k heads, v heads), read as vec4 (hd % 4 == 0).
// out: [B, S, H, hd]; lse: [B, H, S], natural-log log-sum-exp of the scaled scores.
//
// One invocation ("lane") owns R consecutive queries of one (batch, head) and walks all
// keys four at a time: every k/v vec4 it loads is used for R queries. On llvmpipe each
// storage-buffer load is a per-lane scalar loop, so loads, not FMAs, set the speed, and
// the R×hd q and accumulator values per lane are worth their register spills.
//
// TEMPLATE: src/ops/attention.ts expands `//#for X` … `//#end` blocks, repeating the
// body with `$X` replaced by 0, 1, …: `d` runs over hd/4 vec4 slices, `r` over the R
// queries. Everything per-lane is then a named value (loop-indexed private arrays end
// up in memory on llvmpipe).
//
// Scores live in the log2 domain (q pre-multiplied by scale·log2(e)) so the softmax
// uses exp2. The key tail (S % 4) is handled by clamping the key index and giving the
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

  let offs = vec4<u32>(0u, 1u, 2u, 3u);
  for (var j = 0u; j < S; j += 4u) {
    let jv = vec4<u32>(j) + offs;
    let live = jv < vec4<u32>(S);
    let jc = min(jv, vec4<u32>(S - 1u)) * row;
    //#for r
    var s$r = vec4<f32>(0.0);
    //#end
    //#for d
    let kx$d = qkv[kbase + jc.x + $du];
    let ky$d = qkv[kbase + jc.y + $du];
    let kz$d = qkv[kbase + jc.z + $du];
    let kw$d = qkv[kbase + jc.w + $du];
    //#for r
    s$r += vec4<f32>(dot(q$r_$d, kx$d), dot(q$r_$d, ky$d), dot(q$r_$d, kz$d), dot(q$r_$d, kw$d));
    //#end
    //#end
    //#for r
    s$r = select(vec4<f32>(NEG_BIG), s$r, live);
    let mn$r = max(m$r, max(max(s$r.x, s$r.y), max(s$r.z, s$r.w)));
    let c$r = exp2(m$r - mn$r);
    let p$r = exp2(s$r - vec4<f32>(mn$r));
    l$r = l$r * c$r + ((p$r.x + p$r.y) + (p$r.z + p$r.w));
    m$r = mn$r;
    //#end
    //#for d
    let vx$d = qkv[vbase + jc.x + $du];
    let vy$d = qkv[vbase + jc.y + $du];
    let vz$d = qkv[vbase + jc.z + $du];
    let vw$d = qkv[vbase + jc.w + $du];
    //#for r
    a$r_$d = a$r_$d * c$r + (p$r.x * vx$d + p$r.y * vy$d) + (p$r.z * vz$d + p$r.w * vw$d);
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
