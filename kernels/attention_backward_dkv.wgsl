// Attention backward, key side: dK and dV, recomputing the softmax probabilities from
// the saved log-sum-exp (no S×S matrix, no atomics):
//   p_ij = exp(s_ij - lse_i), dV_j = Σ_i p_ij dO_i,
//   dS_ij = p_ij (dO_i · v_j - D_i), dK_j = scale Σ_i dS_ij q_i,
// with D_i = dO_i · O_i from attention_backward_dq.wgsl (which runs first).
//
// qkv, dqkv: [B, S, 3, H, hd]; dout: [B, S, H, hd]; lse, dsum: [B, H, S].
// One invocation owns R consecutive keys of one (batch, head) and walks the queries KB
// at a time (see attention_forward.wgsl for why, and for the `//#for` template syntax:
// `d` runs over hd/4 vec4 slices, `r` over the R keys, `t` over the KB queries). Only the k and v slots of
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
override KB: u32 = 4u; // queries per step, equal to the `t` template count
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

  let sb = bh * S;
  for (var i = 0u; i < S; i += KB) {
    //#for t
    let live$t = i + $tu < S;
    let ic$t = min(i + $tu, S - 1u);
    let qc$t = qbase + ic$t * row;
    let oc$t = obase + ic$t * orow;
    let lse$t = lse[sb + ic$t] * LOG2E;
    let dsum$t = dsum[sb + ic$t];
    //#end
    //#for r
    //#for t
    var s$r_$t = 0.0;
    var dp$r_$t = 0.0;
    //#end
    //#end
    //#for d
    //#for t
    let q$t_$d = qkv[qc$t + $du];
    let g$t_$d = dout[oc$t + $du];
    //#end
    //#for r
    //#for t
    s$r_$t += dot(k$r_$d, q$t_$d);
    dp$r_$t += dot(v$r_$d, g$t_$d);
    //#end
    //#end
    //#end
    //#for r
    //#for t
    let p$r_$t = select(0.0, exp2(s$r_$t - lse$t), live$t);
    let ds$r_$t = p$r_$t * (dp$r_$t - dsum$t);
    //#end
    //#end
    // q and dO are loaded again rather than kept live from the first pass: keeping them
    // made LLVM's compile time explode (seconds to minutes) for no run-time gain.
    //#for d
    //#for t
    let qr$t_$d = qkv[qc$t + $du];
    let gr$t_$d = dout[oc$t + $du];
    //#end
    //#for r
    //#for t
    dv$r_$d += p$r_$t * gr$t_$d;
    dk$r_$d += ds$r_$t * qr$t_$d;
    //#end
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
