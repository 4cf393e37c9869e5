// @kernel transpose
// [batch, rows, cols] -> [batch, cols, rows], one invocation per output element (writes
// contiguous, reads strided). The variant for CPU adapters, where workgroup memory and
// barriers cost more than the strided reads. Raw 32-bit words: any 4-byte dtype.

struct Params {
  n: u32, // batch * rows * cols
  rows: u32,
  cols: u32,
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
  let r = o % params.rows;
  let bc = o / params.rows; // b * cols + c
  let c = bc % params.cols;
  let b = bc / params.cols;
  out[o] = x[(b * params.rows + r) * params.cols + c];
}
