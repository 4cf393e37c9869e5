// @kernel elementwise_fill
// Writes one 32-bit pattern everywhere, so the same kernel fills f32, i32 and u32 tensors.

struct Params {
  n: u32,
  bits: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> x: array<u32>;

override WG: u32 = 256u;

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
  x[i] = params.bits;
}
