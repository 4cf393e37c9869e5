// @kernel swiglu_forward_vec4
// swiglu_forward.wgsl four elements at a time, for half = hidden * inner divisible by 4
// (every TRM shape: hidden is a multiple of 256). Indices count vec4s; on CPU adapters a
// vec4 load or store is one gather instead of four bounds-checked scalar ones.

struct Params {
  n4: u32, // outer * hidden * inner / 4
  half4: u32, // hidden * inner / 4
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> gu: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> s: array<vec4<f32>>;

override WG: u32 = 256u;

// Sigmoid without overflow: exp only ever sees a non-positive argument.
fn sigmoid(x: vec4<f32>) -> vec4<f32> {
  let e = exp(-abs(x));
  return select(e / (1.0 + e), 1.0 / (1.0 + e), x >= vec4<f32>(0.0));
}

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let i = (wg.x + wg.y * nwg.x) * WG + lid;
  if (i >= params.n4) {
    return;
  }
  let o = i / params.half4;
  let g_at = i + o * params.half4;
  let g = gu[g_at];
  let u = gu[g_at + params.half4];
  s[i] = g * sigmoid(g) * u;
}
