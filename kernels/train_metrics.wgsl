// @kernel train_metrics
// Accumulates one supervision step's training metrics into a small f32 buffer that the
// host reads every few steps (never inside the recursion). One workgroup; each invocation
// sums a strided subset of the slots, then a fixed-order tree reduction (deterministic,
// no atomics). Fields (see src/ops/halting.ts, METRIC_FIELDS):
//   0 count: halted slots with at least one valid label (the official "valid_metrics")
//   1 accuracy: Σ correct/valid over those      2 exact: Σ allCorrect over those
//   3 q_halt accuracy: Σ [(q_halt >= 0) == allCorrect] over those
//   4 steps: Σ steps over those                  5 lm loss: Σ meanLoss over ALL slots
//   6 halt loss: Σ BCE over ALL slots            7 supervision steps accumulated
//   8 first step (1-based, within the window) whose loss was NaN or Inf; 0 if none

struct Params {
  batch: u32,
}

const WG: u32 = 64u;
const FIELDS: u32 = 7u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> seq_stats: array<f32>; // [B, 4]
@group(0) @binding(2) var<storage, read> q: array<f32>;         // [B, 2]
@group(0) @binding(3) var<storage, read> halt_loss: array<f32>; // [B]
@group(0) @binding(4) var<storage, read> halted: array<u32>;    // [B]
@group(0) @binding(5) var<storage, read> steps: array<u32>;     // [B]
@group(0) @binding(6) var<storage, read_write> metrics: array<f32>;

var<workgroup> partial: array<array<f32, 7>, 64>;

fn non_finite(x: f32) -> bool {
  // Exponent all ones: Inf or NaN (WGSL may assume NaN away in comparisons).
  return (bitcast<u32>(x) & 0x7f800000u) == 0x7f800000u;
}

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_index) tid: u32) {
  var acc: array<f32, 7>;
  for (var k = 0u; k < FIELDS; k++) {
    acc[k] = 0.0;
  }
  for (var b = tid; b < params.batch; b += WG) {
    let valid = seq_stats[4u * b + 1u];
    let correct = seq_stats[4u * b + 2u];
    let all_correct = seq_stats[4u * b + 3u];
    acc[5] += seq_stats[4u * b];
    acc[6] += halt_loss[b];
    if (halted[b] != 0u && valid > 0.0) {
      acc[0] += 1.0;
      acc[1] += correct / valid;
      acc[2] += all_correct;
      let predicted = select(0.0, 1.0, q[2u * b] >= 0.0);
      acc[3] += select(0.0, 1.0, predicted == all_correct);
      acc[4] += f32(steps[b]);
    }
  }
  partial[tid] = acc;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (tid < stride) {
      for (var k = 0u; k < FIELDS; k++) {
        partial[tid][k] += partial[tid + stride][k];
      }
    }
    workgroupBarrier();
  }
  if (tid == 0u) {
    for (var k = 0u; k < FIELDS; k++) {
      metrics[k] += partial[0][k];
    }
    let count = metrics[7] + 1.0;
    metrics[7] = count;
    if (metrics[8] == 0.0 && (non_finite(partial[0][5]) || non_finite(partial[0][6]))) {
      metrics[8] = count;
    }
  }
}
