// @kernel reduce_argmax
// out[r] = index of the largest x[r, :] (the first one on ties), as i32. One invocation
// per row: rows are short (the vocabulary), and a strict > keeps the first maximum.

struct Params {
  rows: u32,
  cols: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<i32>;

override WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let r = (wg.x + wg.y * nwg.x) * WG + lid;
  if (r >= params.rows) {
    return;
  }
  let base = r * params.cols;
  var best = x[base];
  var arg = 0u;
  for (var c = 1u; c < params.cols; c++) {
    let v = x[base + c];
    if (v > best) {
      best = v;
      arg = c;
    }
  }
  out[r] = i32(arg);
}
