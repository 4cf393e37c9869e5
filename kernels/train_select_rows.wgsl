// @kernel train_select_rows
// Per-slot row replacement for the slot-carry training loop, in place and without a
// readback: where mask[r] != 0, row r of `dst` takes row r of `src` (SELECT) or the vector
// `src` broadcast along the row (BROADCAST: src[i % width], used to reset y and z to the
// init vectors). Rows where mask[r] == 0 are left untouched. Words are copied as raw 32-bit
// values, so this serves f32, i32 and u32 tensors alike.

struct Params {
  n: u32,       // dst elements (rows * row_len)
  row_len: u32, // elements per row (one slot)
  width: u32,   // BROADCAST: length of the vector in src
}

override BROADCAST: u32 = 0u;
override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> dst: array<u32>;
@group(0) @binding(2) var<storage, read> src: array<u32>;
@group(0) @binding(3) var<storage, read> mask: array<u32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.n) {
    return;
  }
  let row = i / params.row_len;
  if (mask[row] == 0u) {
    return;
  }
  if (BROADCAST != 0u) {
    dst[i] = src[(i % params.row_len) % params.width];
  } else {
    dst[i] = src[i];
  }
}
