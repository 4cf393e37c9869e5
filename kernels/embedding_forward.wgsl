// @kernel embedding_forward
// TRM input embedding, out [B, P + L, D]:
//   out[b, 0, :]     = scale * puzzle_table[puzzle_ids[b]]   (HAS_PUZZLE; else zeros)
//   out[b, p, :]     = 0                                      for 0 < p < P
//   out[b, P + t, :] = scale * table[ids[b, t]]
// Out-of-range ids read as zero rows instead of out of bounds.

struct Params {
  total: u32, // B * (P + L) * D
  length: u32, // L
  prefix: u32, // P
  width: u32, // D
  vocab: u32,
  num_puzzles: u32,
  scale: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> table: array<f32>;
@group(0) @binding(2) var<storage, read> ids: array<i32>;
@group(0) @binding(3) var<storage, read> puzzle_table: array<f32>; // table when absent
@group(0) @binding(4) var<storage, read> puzzle_ids: array<i32>; // ids when absent
@group(0) @binding(5) var<storage, read_write> out: array<f32>;

override WG: u32 = 256u;
override HAS_PUZZLE: bool = false;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let idx = (wg.x + wg.y * nwg.x) * WG + lid;
  if (idx >= params.total) {
    return;
  }
  let d = idx % params.width;
  let bs = idx / params.width;
  let seq = params.prefix + params.length;
  let s = bs % seq;
  let b = bs / seq;
  var v = 0.0;
  if (s >= params.prefix) {
    let id = ids[b * params.length + s - params.prefix];
    if (id >= 0 && u32(id) < params.vocab) {
      v = table[u32(id) * params.width + d];
    }
  } else if (HAS_PUZZLE && s == 0u) {
    let pid = puzzle_ids[b];
    if (pid >= 0 && u32(pid) < params.num_puzzles) {
      v = puzzle_table[u32(pid) * params.width + d];
    }
  }
  out[idx] = params.scale * v;
}
