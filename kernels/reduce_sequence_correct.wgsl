// @kernel reduce_sequence_correct
// out[b] = 1.0 when predictions[b, t] == labels[b, t] at every t whose label is not the
// ignore id, else 0.0 (a sequence with no valid token counts as correct, as in the
// official `is_correct.sum(-1) == loss_counts`). One invocation per sequence.

struct Params {
  batch: u32,
  length: u32,
  ignore_bits: u32, // the ignore id as i32 bits (e.g. -100)
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> predictions: array<i32>;
@group(0) @binding(2) var<storage, read> labels: array<i32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

override WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let b = (wg.x + wg.y * nwg.x) * WG + lid;
  if (b >= params.batch) {
    return;
  }
  let ignore = bitcast<i32>(params.ignore_bits);
  var ok = true;
  for (var t = 0u; t < params.length; t++) {
    let at = b * params.length + t;
    let label = labels[at];
    ok = ok && (label == ignore || predictions[at] == label);
  }
  out[b] = select(0.0, 1.0, ok);
}
