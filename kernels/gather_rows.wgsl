// @kernel gather_rows
// Gathers whole rows: out[r, j] = x[index[r], j] for j < rowLen (4-byte elements of any
// type, copied as raw bits). Used to compact a batch when some examples halt.
struct Params { rows: u32, rowLen: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read> index: array<i32>;
@group(0) @binding(3) var<storage, read_write> out: array<u32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let i = (wg.x + wg.y * nwg.x) * 256u + li;
  if (i >= p.rows * p.rowLen) { return; }
  let r = i / p.rowLen;
  let j = i - r * p.rowLen;
  out[i] = x[u32(index[r]) * p.rowLen + j];
}
