// @kernel elementwise_broadcast_rows
// out[r, d] = vector[d] for r < rows: the fixed y/z initial states broadcast to every
// position. Copied as raw 32-bit words, so any 4-byte dtype works.

struct Params {
  n: u32, // rows * width
  width: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> vector: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;

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
  out[i] = vector[i % params.width];
}
