// @kernel rope
// Rotary position embedding on the q and k heads of a fused qkv [B, S, 3, H, hd],
// "rotate half" layout (official TRM / HF Llama):
//   out[d]        = x[d] cos[s, d] - x[d + hd/2] sin[s, d]
//   out[d + hd/2] = x[d + hd/2] cos[s, d] + x[d] sin[s, d]        (d < hd/2)
// The table repeats its frequencies (emb = cat(freqs, freqs)), so cos[s, d + hd/2] ==
// cos[s, d] and only the first half of each row is read. `sign` = -1 rotates by -θ:
// the transpose of the rotation, i.e. its exact backward. The v heads are copied by the
// caller (a buffer copy) before this runs; here one invocation rotates one (d, d + hd/2)
// pair of one q or k head.

struct Params {
  seq: u32,
  heads: u32,
  rows: u32, // B * S
  sign: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> qkv: array<f32>;
@group(0) @binding(2) var<storage, read> cos_table: array<f32>;
@group(0) @binding(3) var<storage, read> sin_table: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

override WG: u32 = 64u;
// Per-head half width in elements of the arrays above; a pipeline constant so the
// index arithmetic divides by a constant (vector u32 division is scalarised on CPUs).
override HALF: u32 = 8u;

// Grid: (x, y) fold the B·S rows (grid()), z runs over blocks of WG lanes in a row.
@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let row = wg.x + wg.y * nwg.x; // b * S + s
  let j = wg.z * WG + lid;
  if (row >= params.rows || j >= 2u * params.heads * HALF) {
    return;
  }
  let hd = 2u * HALF;
  let slot = j / HALF; // q heads 0..H-1, then k heads H..2H-1
  let d = j % HALF;
  let s = row % params.seq;
  let base = row * 3u * params.heads * hd + slot * hd + d;
  let x1 = qkv[base];
  let x2 = qkv[base + HALF];
  let c = cos_table[s * hd + d];
  let sn = sin_table[s * hd + d] * params.sign;
  out[base] = x1 * c - x2 * sn;
  out[base + HALF] = x2 * c + x1 * sn;
}
