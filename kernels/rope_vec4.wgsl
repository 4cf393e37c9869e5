// @kernel rope_vec4
// RoPE, vec4 variant of rope.wgsl for hd % 8 == 0 (the official hd = 64): one
// invocation rotates four consecutive (d, d + hd/2) pairs of one q or k head. On
// llvmpipe every storage load is a per-lane loop, so vec4 loads are ~4× cheaper per
// element. Same formula and table convention as rope.wgsl.

struct Params {
  seq: u32,
  heads: u32,
  rows: u32, // B * S
  sign: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> qkv: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> cos_table: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> sin_table: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> out: array<vec4<f32>>;

override WG: u32 = 64u;
// Per-head half width in elements of the arrays above; a pipeline constant so the
// index arithmetic divides by a constant (vector u32 division is scalarised on CPUs).
override HALF4: u32 = 8u;

// Grid: (x, y) fold the B·S rows (grid()), z runs over blocks of WG lanes in a row.
@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let row = wg.x + wg.y * nwg.x; // b * S + s
  let j = wg.z * WG + lid;
  if (row >= params.rows || j >= 2u * params.heads * HALF4) {
    return;
  }
  let hd4 = 2u * HALF4;
  let slot = j / HALF4; // q heads 0..H-1, then k heads H..2H-1
  let d = j % HALF4;
  let s = row % params.seq;
  let base = row * 3u * params.heads * hd4 + slot * hd4 + d;
  let x1 = qkv[base];
  let x2 = qkv[base + HALF4];
  let c = cos_table[s * hd4 + d];
  let sn = sin_table[s * hd4 + d] * params.sign;
  out[base] = x1 * c - x2 * sn;
  out[base + HALF4] = x2 * c + x1 * sn;
}
