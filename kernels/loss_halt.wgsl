// @kernel loss_halt
// Halting-head loss: BCE-with-logits of q_halt = q[b, 0] against a strided f32 target
// (so seqStats' allCorrect column can be read in place), and (entry point `main_grad`)
// its gradient into dq[b, 0] with dq[b, 1] = 0. One invocation per example.

struct Params {
  batch: u32,
  target_stride: u32,
  target_offset: u32,
  grad_scale: f32,
}

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> targets: array<f32>;
@group(0) @binding(3) var<storage, read_write> loss: array<f32>;
@group(0) @binding(4) var<storage, read_write> dq: array<f32>;

// log(1 + r) for r >= 0, accurate for tiny r too (see loss_cross_entropy.wgsl).
fn log1p_pos(r: f32) -> f32 {
  if (r > 0.5) {
    return log(1.0 + r);
  }
  let w = r / (2.0 + r);
  let w2 = w * w;
  let series = 1.0 + w2 * (1.0 / 3.0 + w2 * (1.0 / 5.0 + w2 * (1.0 / 7.0 + w2 * (1.0 / 9.0 + w2 / 11.0))));
  return 2.0 * w * series;
}

// Sigmoid without overflow: exp only of -|x|.
fn sigmoid(x: f32) -> f32 {
  let e = exp(-abs(x));
  return select(e / (1.0 + e), 1.0 / (1.0 + e), x >= 0.0);
}

fn example(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

fn bce(b: u32) -> f32 {
  let x = q[2u * b];
  let t = targets[params.target_offset + b * params.target_stride];
  // Stable form: max(x, 0) - x t + log(1 + exp(-|x|)).
  return max(x, 0.0) - x * t + log1p_pos(exp(-abs(x)));
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let b = example(gid, nwg);
  if (b >= params.batch) {
    return;
  }
  loss[b] = bce(b);
}

@compute @workgroup_size(WG)
fn main_grad(
  @builtin(global_invocation_id) gid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let b = example(gid, nwg);
  if (b >= params.batch) {
    return;
  }
  loss[b] = bce(b);
  let x = q[2u * b];
  let t = targets[params.target_offset + b * params.target_stride];
  // sigmoid(x) - t = (1 - t) sigmoid(x) - t sigmoid(-x): exact for t = 1 at large x.
  let g = (1.0 - t) * sigmoid(x) - t * sigmoid(-x);
  dq[2u * b] = params.grad_scale * g;
  dq[2u * b + 1u] = 0.0;
}
