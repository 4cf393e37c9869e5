// @kernel optim_ema
// In-place exponential moving average of a parameter tensor, in the official form
// ema = (1 - decay) * param + decay * ema (1 - decay computed on the host in float64).

struct Params {
  n: u32,
  decay: f32,
  one_minus_decay: f32,
}

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> ema: array<f32>;
@group(0) @binding(2) var<storage, read> param: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.n) {
    return;
  }
  ema[i] = params.one_minus_decay * param[i] + params.decay * ema[i];
}
