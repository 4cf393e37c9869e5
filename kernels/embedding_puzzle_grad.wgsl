// @kernel embedding_puzzle_grad
// out[b, d] = scale * dout[b, 0, d]: the gradient of the per-puzzle vector in slot 0.

struct Params {
  total: u32, // B * D
  seq: u32, // P + L
  width: u32, // D
  scale: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dout: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

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
  let b = idx / params.width;
  let d = idx % params.width;
  out[idx] = params.scale * dout[b * params.seq * params.width + d];
}
