// @kernel optim_adam
// In-place Adam-family update of one parameter tensor: AdamW (PyTorch semantics) or
// Adam-atan2 (the official TRM optimizer, no epsilon). Entry point `main_scaled` first
// multiplies the gradient by scale[0] (gradient clipping computed on the GPU).
//
// Host-side float64 scalars arrive as f32 uniforms: decay = 1 - lr*wd,
// step_size = lr / (1 - beta1^t), inv_sqrt_bc2 = 1 / sqrt(1 - beta2^t).

struct Params {
  n: u32,
  decay: f32,
  one_minus_beta1: f32,
  one_minus_beta2: f32,
  step_size: f32,
  inv_sqrt_bc2: f32,
  eps: f32,
  lr: f32,
  inv_bc1: f32,
}

// 0 = AdamW, 1 = Adam-atan2.
override VARIANT: u32 = 0u;
override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;

const HALF_PI: f32 = 1.5707963267948966;
const QUARTER_PI: f32 = 0.7853981633974483;

// atan2(a, b) for b >= 0 (here b = sqrt(v_hat)), Cephes atanf-style reduction: about
// 2e-7 relative everywhere, where WGSL's builtin only promises 4096 ulp. Division-free
// of a/b when |a| >> b, so no overflow; atan2(0, 0) = 0.
fn atan2_pos(a: f32, b: f32) -> f32 {
  let y = abs(a);
  if (y == 0.0) {
    return 0.0;
  }
  var base = 0.0;
  var t: f32;
  if (y > 2.414213562373095 * b) {
    base = HALF_PI;
    t = -b / y;
  } else if (y > 0.4142135623730950 * b) {
    base = QUARTER_PI;
    t = (y - b) / (y + b);
  } else {
    t = y / b;
  }
  let z = t * t;
  let poly = (((8.05374449538e-2 * z - 1.38776856032e-1) * z + 1.99777106478e-1) * z -
    3.33329491539e-1) * z * t + t;
  return sign(a) * (base + poly);
}

fn update(i: u32, g: f32) {
  // lerp(m, g, 1 - beta1) = m + (1 - beta1) (g - m), as torch.lerp_ computes it.
  let m_new = fma(params.one_minus_beta1, g - m[i], m[i]);
  let v_new = fma(params.one_minus_beta2, g * g - v[i], v[i]);
  m[i] = m_new;
  v[i] = v_new;
  let p = param[i] * params.decay;
  if (VARIANT == 0u) {
    let denom = sqrt(v_new) * params.inv_sqrt_bc2 + params.eps;
    param[i] = p - params.step_size * (m_new / denom);
  } else {
    let dir = atan2_pos(m_new * params.inv_bc1, sqrt(v_new) * params.inv_sqrt_bc2);
    param[i] = p - params.lr * dir;
  }
}

fn element(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = element(gid, nwg);
  if (i >= params.n) {
    return;
  }
  update(i, grad[i]);
}

@group(0) @binding(5) var<storage, read> scale: array<f32>;

@compute @workgroup_size(WG)
fn main_scaled(
  @builtin(global_invocation_id) gid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let i = element(gid, nwg);
  if (i >= params.n) {
    return;
  }
  update(i, grad[i] * scale[0]);
}
