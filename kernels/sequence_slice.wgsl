// @kernel sequence_slice
// out[b, t, :] = x[b, start + t, :] for t < length: x [B, S, D] -> out [B, length, D].

struct Params {
  n: u32, // B * length * D
  seq: u32, // S
  length: u32,
  start: u32,
  width: u32, // D
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;

override WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let o = (wg.x + wg.y * nwg.x) * WG + lid;
  if (o >= params.n) {
    return;
  }
  let d = o % params.width;
  let bt = o / params.width;
  let t = bt % params.length;
  let b = bt / params.length;
  out[o] = x[(b * params.seq + params.start + t) * params.width + d];
}
