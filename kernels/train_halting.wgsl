// @kernel train_halting
// Halting state of the slot-carry loop after one supervision step (the official ACT
// wrapper's rule), one invocation per slot:
//   steps  = (halted_prev ? 0 : steps) + 1
//   halted = steps >= max_steps
//   training: halted = (halted || q_halt > 0) && steps >= min_steps[b]
// min_steps holds this step's exploration draws (0, or uniform in [2, max_steps] with the
// exploration probability), drawn on the host from a seeded generator.

struct Params {
  batch: u32,
  max_steps: u32,
  training: u32,
}

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> min_steps: array<u32>;
@group(0) @binding(3) var<storage, read_write> steps: array<u32>;
@group(0) @binding(4) var<storage, read_write> halted: array<u32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let b = gid.x + gid.y * nwg.x * WG;
  if (b >= params.batch) {
    return;
  }
  let s = select(steps[b], 0u, halted[b] != 0u) + 1u;
  var h = s >= params.max_steps;
  if (params.training != 0u && params.max_steps > 1u) {
    h = (h || q[2u * b] > 0.0) && s >= min_steps[b];
  }
  steps[b] = s;
  halted[b] = select(0u, 1u, h);
}
