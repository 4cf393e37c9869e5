// @kernel optim_muon
// The elementwise parts of one Muon step (src/ops/muon.ts runs the Newton–Schulz products
// between them with the matmul op):
//   momentum: m = lerp(m, g, 1 - beta); u = lerp(g, m, beta)      (Nesterov form)
//   normalize: x = u / (sqrt(sumsq[0]) + 1e-7)                    (Frobenius norm 1)
//   apply:     p = p * decay - step * x                           (decay = 1 - lr*wd)
// Entry point `momentum_scaled` first multiplies the gradient by scale[0] (gradient clipping
// computed on the GPU), as optim_adam.wgsl's `main_scaled`.
//
// Why separate entry points: the norm needs every element of u (a reduction in between), and
// the update needs the orthogonalised x (three matmuls per Newton–Schulz iteration between).

struct Params {
  n: u32,
  beta: f32,
  one_minus_beta: f32,
  decay: f32,
  step: f32,
}

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> a: array<f32>;
@group(0) @binding(2) var<storage, read_write> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;

fn element(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

// a = m (in place), b = g (read), c = u (written).
fn momentum_at(i: u32, g: f32) {
  // torch.lerp_: start + weight * (end - start).
  let m_new = fma(params.one_minus_beta, g - a[i], a[i]);
  a[i] = m_new;
  c[i] = fma(params.beta, m_new - g, g);
}

@compute @workgroup_size(WG)
fn momentum(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = element(gid, nwg);
  if (i >= params.n) {
    return;
  }
  momentum_at(i, b[i]);
}

@group(0) @binding(4) var<storage, read> scale: array<f32>;

@compute @workgroup_size(WG)
fn momentum_scaled(
  @builtin(global_invocation_id) gid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let i = element(gid, nwg);
  if (i >= params.n) {
    return;
  }
  momentum_at(i, b[i] * scale[0]);
}

// a = u (read), b = sumsq [1] (read), c = x (written).
@compute @workgroup_size(WG)
fn normalize(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = element(gid, nwg);
  if (i >= params.n) {
    return;
  }
  c[i] = a[i] / (sqrt(b[0]) + 1e-7);
}

// a = param (in place), b = x (read).
@compute @workgroup_size(WG)
fn apply(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = element(gid, nwg);
  if (i >= params.n) {
    return;
  }
  a[i] = fma(-params.step, b[i], a[i] * params.decay);
}
