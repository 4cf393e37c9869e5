// @kernel swiglu_backward
// SwiGLU backward: with σ = sigmoid(g), silu(g) = g σ and silu'(g) = σ (1 + g (1 - σ)):
//   dgate = ds * up * silu'(g),  dup = ds * silu(g).
// Layout as in swiglu_forward.wgsl; one invocation writes both halves of one element.

struct Params {
  n: u32, // outer * hidden * inner
  half: u32, // hidden * inner
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> gu: array<f32>;
@group(0) @binding(2) var<storage, read> ds: array<f32>;
@group(0) @binding(3) var<storage, read_write> dgu: array<f32>;

override WG: u32 = 256u;

fn sigmoid(x: f32) -> f32 {
  let e = exp(-abs(x));
  return select(e / (1.0 + e), 1.0 / (1.0 + e), x >= 0.0);
}

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let i = (wg.x + wg.y * nwg.x) * WG + lid;
  if (i >= params.n) {
    return;
  }
  let o = i / params.half;
  let g_at = i + o * params.half;
  let g = gu[g_at];
  let u = gu[g_at + params.half];
  let sg = sigmoid(g);
  let d = ds[i];
  dgu[g_at] = d * u * sg * (1.0 + g * (1.0 - sg));
  dgu[g_at + params.half] = d * g * sg;
}
