// @kernel transpose_tiled
// [batch, rows, cols] -> [batch, cols, rows] through a 32x32 tile in workgroup memory,
// so both the reads and the writes are contiguous across a warp (the GPU variant). The
// tile row is padded to 33 words against bank conflicts. 32x8 invocations, 4 rows each.

struct Params {
  rows: u32,
  cols: u32,
  tiles_r: u32, // ceil(rows / 32)
  tiles_c: u32, // ceil(cols / 32)
  total: u32, // batch * tiles_r * tiles_c
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;

const T: u32 = 32u;
var<workgroup> tile: array<array<u32, 33>, 32>;

@compute @workgroup_size(32, 8)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let t = wg.x + wg.y * nwg.x;
  if (t >= params.total) {
    return; // workgroup-uniform, so the barrier below stays in uniform control flow
  }
  let per_batch = params.tiles_r * params.tiles_c;
  let b = t / per_batch;
  let rem = t % per_batch;
  let r0 = (rem / params.tiles_c) * T;
  let c0 = (rem % params.tiles_c) * T;
  for (var j = 0u; j < T; j += 8u) {
    let r = r0 + lid.y + j;
    let c = c0 + lid.x;
    if (r < params.rows && c < params.cols) {
      tile[lid.y + j][lid.x] = x[(b * params.rows + r) * params.cols + c];
    }
  }
  workgroupBarrier();
  for (var j = 0u; j < T; j += 8u) {
    let c = c0 + lid.y + j;
    let r = r0 + lid.x;
    if (r < params.rows && c < params.cols) {
      out[(b * params.cols + c) * params.rows + r] = tile[lid.x][lid.y + j];
    }
  }
}
