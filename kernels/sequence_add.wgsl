// @kernel sequence_add
// target[b, start + t, :] += alpha * src[b, t, :] in place: the backward of a slice along
// the sequence axis. Each dst element has at most one writer: no races.

struct Params {
  n: u32, // B * length * D
  seq: u32, // S of dst
  length: u32,
  start: u32,
  width: u32, // D
  alpha: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<storage, read> src: array<f32>;

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
  let i = (b * params.seq + params.start + t) * params.width + d;
  dst[i] = dst[i] + params.alpha * src[o];
}
