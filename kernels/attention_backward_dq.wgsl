// @kernel attention_backward_dq
// Attention backward, query side: dQ and D_i = dO_i · O_i, recomputing the softmax
// probabilities from the saved log-sum-exp (no S×S matrix, no atomics):
//   p_ij = exp(s_ij - lse_i), dP_ij = dO_i · v_j, dS_ij = p_ij (dP_ij - D_i),
//   dQ_i = scale Σ_j dS_ij k_j.
// D is written for the key-side kernel (attention_backward_dkv.wgsl), which runs next.
//
// qkv, dqkv: [B, S, 3, H, hd]; out, dout: [B, S, H, hd]; lse, dsum: [B, H, S].
// One invocation owns R consecutive queries of one (batch, head) and walks the keys four
// at a time (see attention_forward.wgsl for why, and for the `//#for` template syntax:
// `d` runs over hd/4 vec4 slices, `r` over the R queries). Only the q slots of dqkv
// are written here.

struct Params {
  seq: u32,
  heads: u32,
  chunks: u32, // ceil(S / R)
  lanes: u32, // B * H * chunks
  scale_log2e: f32,
  scale: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> qkv: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> out: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> dout: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> lse: array<f32>;
@group(0) @binding(5) var<storage, read_write> dqkv: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> dsum: array<f32>;

override WG: u32 = 64u;
override HD4: u32 = 16u; // head_dim / 4, equal to the `d` template count
override R: u32 = 1u; // queries per lane, equal to the `r` template count
const LOG2E: f32 = 1.4426950408889634;

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
  let row = 3u * H * HD4;
  let orow = H * HD4;
  let seqbase = b * S * row;
  let kbase = seqbase + (H + h) * HD4;
  let vbase = kbase + H * HD4;

  //#for r
  // Queries past the end repeat the last one; their results are not stored.
  let qi$r = min(i0 + $ru, S - 1u);
  let qo$r = seqbase + qi$r * row + h * HD4;
  let oo$r = (b * S + qi$r) * orow + h * HD4;
  var dsum$r = 0.0;
  //#for d
  let q$r_$d = qkv[qo$r + $du] * params.scale_log2e;
  let g$r_$d = dout[oo$r + $du];
  dsum$r += dot(g$r_$d, out[oo$r + $du]);
  var a$r_$d = vec4<f32>(0.0);
  //#end
  let lse$r = lse[bh * S + qi$r] * LOG2E;
  //#end

  let offs = vec4<u32>(0u, 1u, 2u, 3u);
  for (var j = 0u; j < S; j += 4u) {
    let jv = vec4<u32>(j) + offs;
    let live = jv < vec4<u32>(S);
    let jc = min(jv, vec4<u32>(S - 1u)) * row;
    //#for r
    var s$r = vec4<f32>(0.0);
    var dp$r = vec4<f32>(0.0);
    //#end
    //#for d
    let kx$d = qkv[kbase + jc.x + $du];
    let ky$d = qkv[kbase + jc.y + $du];
    let kz$d = qkv[kbase + jc.z + $du];
    let kw$d = qkv[kbase + jc.w + $du];
    let vx$d = qkv[vbase + jc.x + $du];
    let vy$d = qkv[vbase + jc.y + $du];
    let vz$d = qkv[vbase + jc.z + $du];
    let vw$d = qkv[vbase + jc.w + $du];
    //#for r
    s$r += vec4<f32>(dot(q$r_$d, kx$d), dot(q$r_$d, ky$d), dot(q$r_$d, kz$d), dot(q$r_$d, kw$d));
    dp$r += vec4<f32>(dot(g$r_$d, vx$d), dot(g$r_$d, vy$d), dot(g$r_$d, vz$d), dot(g$r_$d, vw$d));
    //#end
    //#end
    //#for r
    let p$r = select(vec4<f32>(0.0), exp2(s$r - vec4<f32>(lse$r)), live);
    let ds$r = p$r * (dp$r - vec4<f32>(dsum$r));
    //#end
    // k is loaded again rather than kept live from the first pass: keeping it made
    // LLVM's compile time explode (seconds to minutes) on llvmpipe.
    //#for d
    let kx2_$d = qkv[kbase + jc.x + $du];
    let ky2_$d = qkv[kbase + jc.y + $du];
    let kz2_$d = qkv[kbase + jc.z + $du];
    let kw2_$d = qkv[kbase + jc.w + $du];
    //#for r
    a$r_$d += (ds$r.x * kx2_$d + ds$r.y * ky2_$d) + (ds$r.z * kz2_$d + ds$r.w * kw2_$d);
    //#end
    //#end
  }

  //#for r
  if (i0 + $ru < S) {
    //#for d
    dqkv[qo$r + $du] = a$r_$d * params.scale;
    //#end
    dsum[bh * S + qi$r] = dsum$r;
  }
  //#end
}
