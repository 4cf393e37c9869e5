// @kernel attention_backward_dkv
// Attention backward, key side: dK and dV, recomputing the softmax probabilities from
// the saved log-sum-exp (no S×S matrix, no atomics):
//   p_ij = exp(s_ij - lse_i), dV_j = Σ_i p_ij dO_i,
//   dS_ij = p_ij (dO_i · v_j - D_i), dK_j = scale Σ_i dS_ij q_i,
// with D_i = dO_i · O_i from attention_backward_dq.wgsl (which runs first).
//
// qkv, dqkv: [B, S, 3, H, hd]; dout: [B, S, H, hd]; lse, dsum: [B, H, S].
// One invocation owns R consecutive keys of one (batch, head) and walks the queries four
// at a time (see attention_forward.wgsl for why, and for the `//#for` template syntax:
// `d` runs over hd/4 vec4 slices, `r` over the R keys). Only the k and v slots of
// dqkv are written here.

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
@group(0) @binding(2) var<storage, read> dout: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> lse: array<f32>;
@group(0) @binding(4) var<storage, read> dsum: array<f32>;
@group(0) @binding(5) var<storage, read_write> dqkv: array<vec4<f32>>;

override WG: u32 = 64u;
override HD4: u32 = 16u; // head_dim / 4, equal to the `d` template count
override R: u32 = 1u; // keys per lane, equal to the `r` template count
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
  let j0 = chunk * R;
  let row = 3u * H * HD4;
  let orow = H * HD4;
  let seqbase = b * S * row;
  let qbase = seqbase + h * HD4;
  let obase = b * S * orow + h * HD4;

  //#for r
  // Keys past the end repeat the last one; their results are not stored.
  let ko$r = seqbase + min(j0 + $ru, S - 1u) * row + (H + h) * HD4;
  //#for d
  let k$r_$d = qkv[ko$r + $du] * params.scale_log2e;
  let v$r_$d = qkv[ko$r + H * HD4 + $du];
  var dk$r_$d = vec4<f32>(0.0);
  var dv$r_$d = vec4<f32>(0.0);
  //#end
  //#end

  let offs = vec4<u32>(0u, 1u, 2u, 3u);
  for (var i = 0u; i < S; i += 4u) {
    let iv = vec4<u32>(i) + offs;
    let live = iv < vec4<u32>(S);
    let ic = min(iv, vec4<u32>(S - 1u));
    let qc = ic * row;
    let oc = ic * orow;
    let sb = bh * S;
    let lse4 = vec4<f32>(lse[sb + ic.x], lse[sb + ic.y], lse[sb + ic.z], lse[sb + ic.w]) * LOG2E;
    let dsum4 = vec4<f32>(dsum[sb + ic.x], dsum[sb + ic.y], dsum[sb + ic.z], dsum[sb + ic.w]);
    //#for r
    var s$r = vec4<f32>(0.0);
    var dp$r = vec4<f32>(0.0);
    //#end
    //#for d
    let qx$d = qkv[qbase + qc.x + $du];
    let qy$d = qkv[qbase + qc.y + $du];
    let qz$d = qkv[qbase + qc.z + $du];
    let qw$d = qkv[qbase + qc.w + $du];
    let gx$d = dout[obase + oc.x + $du];
    let gy$d = dout[obase + oc.y + $du];
    let gz$d = dout[obase + oc.z + $du];
    let gw$d = dout[obase + oc.w + $du];
    //#for r
    s$r += vec4<f32>(dot(k$r_$d, qx$d), dot(k$r_$d, qy$d), dot(k$r_$d, qz$d), dot(k$r_$d, qw$d));
    dp$r += vec4<f32>(dot(v$r_$d, gx$d), dot(v$r_$d, gy$d), dot(v$r_$d, gz$d), dot(v$r_$d, gw$d));
    //#end
    //#end
    //#for r
    let p$r = select(vec4<f32>(0.0), exp2(s$r - lse4), live);
    let ds$r = p$r * (dp$r - dsum4);
    //#end
    // q and dO are loaded again rather than kept live from the first pass: keeping them
    // made LLVM's compile time explode (seconds to minutes) on llvmpipe.
    //#for d
    let qx2_$d = qkv[qbase + qc.x + $du];
    let qy2_$d = qkv[qbase + qc.y + $du];
    let qz2_$d = qkv[qbase + qc.z + $du];
    let qw2_$d = qkv[qbase + qc.w + $du];
    let gx2_$d = dout[obase + oc.x + $du];
    let gy2_$d = dout[obase + oc.y + $du];
    let gz2_$d = dout[obase + oc.z + $du];
    let gw2_$d = dout[obase + oc.w + $du];
    //#for r
    dv$r_$d += (p$r.x * gx2_$d + p$r.y * gy2_$d) + (p$r.z * gz2_$d + p$r.w * gw2_$d);
    dk$r_$d += (ds$r.x * qx2_$d + ds$r.y * qy2_$d) + (ds$r.z * qz2_$d + ds$r.w * qw2_$d);
    //#end
    //#end
  }

  //#for r
  if (j0 + $ru < S) {
    //#for d
    dqkv[ko$r + $du] = dk$r_$d * params.scale;
    dqkv[ko$r + H * HD4 + $du] = dv$r_$d;
    //#end
  }
  //#end
}
