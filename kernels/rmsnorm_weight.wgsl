// @kernel rmsnorm_weight
// y[o, k, i] = x̂[o, k, i] * weight[k]: the optional learnable RMSNorm gain, applied after
// the normalization kernel so that x̂ stays available for the backward.

struct Params {
  total: u32, // outer * n * inner
  n: u32,
  inner: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> xhat: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

override WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let idx = (wg.x + wg.y * nwg.x) * WG + lid;
  if (idx >= params.total) {
    return;
  }
  y[idx] = xhat[idx] * weight[(idx / params.inner) % params.n];
}
