// @kernel reduce_columns
// Column sums of x [rows, width] by chunks of rows:
//   out[c, k] = scale * Σ_{r in chunk c} x[r, k],  chunk c = rows [c*chunk, (c+1)*chunk).
// With one chunk this is the full column sum; with many it is the first pass of a
// two-pass sum (the second pass is this kernel again on out). Fixed order: deterministic.

struct Params {
  rows: u32,
  width: u32,
  chunk: u32,
  total: u32, // chunks * width
  scale: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

override WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let id = (wg.x + wg.y * nwg.x) * WG + lid;
  if (id >= params.total) {
    return;
  }
  let c = id / params.width;
  let k = id % params.width;
  let start = c * params.chunk;
  let end = min(start + params.chunk, params.rows);
  var acc = 0.0;
  for (var r = start; r < end; r++) {
    acc += x[r * params.width + k];
  }
  out[id] = params.scale * acc;
}
