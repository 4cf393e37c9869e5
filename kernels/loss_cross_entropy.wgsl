// @kernel loss_cross_entropy
// Per-sequence cross-entropy (stablemax or softmax) with an ignore label, argmax
// predictions, per-sequence metrics and (entry point `main_grad`) dLogits.
//
// One workgroup per sequence: each invocation walks tokens lid, lid + WG, ... in order,
// then a fixed-shape tree reduction combines the partial sums, so results are
// bit-identical from run to run. Accuracy notes:
// - CE is computed as log1p(others / own) (stablemax) or (max - x) + log(S) / log1p(others)
//   (softmax), where `others` sums every class except the label directly: no cancellation
//   when the label's probability is close to 1.
// - d CE / d x_label = -(s'_label) * others / (S * s_label), again without 1 - p.

struct Params {
  batch: u32,
  seq_len: u32,
  vocab: u32,
  ignore_index: u32, // bit pattern of an i32
  grad_scale: f32,
}

// 0 = stablemax, 1 = softmax.
override KIND: u32 = 0u;
// Invocations per workgroup (one workgroup per sequence); must be a power of two.
override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<i32>;
@group(0) @binding(3) var<storage, read_write> seq_stats: array<f32>;
@group(0) @binding(4) var<storage, read_write> predictions: array<i32>;
@group(0) @binding(5) var<storage, read_write> d_logits: array<f32>;

var<workgroup> part_loss: array<f32, WG>;
var<workgroup> part_valid: array<u32, WG>;
var<workgroup> part_correct: array<u32, WG>;

// log(1 + r) for r >= 0, accurate to a few ulp also for tiny r (WGSL's log near 1 only
// promises an absolute error of 2^-21). Series of 2 atanh(r / (2 + r)) up to r = 0.5.
fn log1p_pos(r: f32) -> f32 {
  if (r > 0.5) {
    return log(1.0 + r);
  }
  let w = r / (2.0 + r);
  let w2 = w * w;
  let series = 1.0 + w2 * (1.0 / 3.0 + w2 * (1.0 / 5.0 + w2 * (1.0 / 7.0 + w2 * (1.0 / 9.0 + w2 / 11.0))));
  return 2.0 * w * series;
}

// Stablemax's s(x): x + 1 for x >= 0, 1 / (1 - x) below; positive and monotonic.
fn stable_s(x: f32) -> f32 {
  return select(1.0 / (1.0 - x), x + 1.0, x >= 0.0);
}

// ds/dx: 1 for x >= 0, 1 / (1 - x)^2 = s^2 below.
fn stable_ds(x: f32, s: f32) -> f32 {
  return select(s * s, 1.0, x >= 0.0);
}

// What one token needs, for the loss and again for its gradient.
struct TokenStats {
  argmax: u32,
  max_logit: f32,
  label_valid: bool,
  ce: f32,
  // Sum over classes of s(x) (stablemax) or exp(x - max) (softmax).
  total: f32,
  // Same sum without the label's class.
  others: f32,
  // The label's s(x) or exp(x - max).
  own: f32,
}

fn token_stats(base: u32, label: i32) -> TokenStats {
  let vocab = params.vocab;
  var best = logits[base];
  var arg = 0u;
  for (var j = 1u; j < vocab; j++) {
    let x = logits[base + j];
    if (x > best) {
      best = x;
      arg = j;
    }
  }
  var st: TokenStats;
  st.argmax = arg;
  st.max_logit = best;
  st.label_valid = label != bitcast<i32>(params.ignore_index) && label >= 0 &&
    u32(label) < vocab;
  let lab = select(vocab, u32(label), st.label_valid);
  var others = 0.0;
  var own = 0.0;
  for (var j = 0u; j < vocab; j++) {
    let x = logits[base + j];
    var e: f32;
    if (KIND == 0u) {
      e = stable_s(x);
    } else {
      e = exp(x - best);
    }
    if (j == lab) {
      own = e;
    } else {
      others += e;
    }
  }
  st.others = others;
  st.own = own;
  st.total = others + own;
  st.ce = 0.0;
  if (st.label_valid) {
    if (KIND == 0u) {
      st.ce = log1p_pos(others / own);
    } else {
      let xl = logits[base + lab];
      if (xl == best) {
        st.ce = log1p_pos(others);
      } else {
        st.ce = (best - xl) + log(st.total);
      }
    }
  }
  return st;
}

// Per-token pass and reduction; returns the sequence's valid-token count.
fn forward(b: u32, lid: u32) -> u32 {
  let seq_len = params.seq_len;
  let vocab = params.vocab;
  var loss = 0.0;
  var valid = 0u;
  var correct = 0u;
  for (var t = lid; t < seq_len; t += WG) {
    let tok = b * seq_len + t;
    let label = labels[tok];
    let st = token_stats(tok * vocab, label);
    predictions[tok] = i32(st.argmax);
    if (st.label_valid) {
      loss += st.ce;
      valid += 1u;
      if (i32(st.argmax) == label) {
        correct += 1u;
      }
    }
  }
  part_loss[lid] = loss;
  part_valid[lid] = valid;
  part_correct[lid] = correct;
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    workgroupBarrier();
    if (lid < stride) {
      part_loss[lid] += part_loss[lid + stride];
      part_valid[lid] += part_valid[lid + stride];
      part_correct[lid] += part_correct[lid + stride];
    }
  }
  workgroupBarrier();
  let n_valid = part_valid[0];
  if (lid == 0u) {
    let n_correct = part_correct[0];
    seq_stats[b * 4u] = part_loss[0] / f32(max(n_valid, 1u));
    seq_stats[b * 4u + 1u] = f32(n_valid);
    seq_stats[b * 4u + 2u] = f32(n_correct);
    seq_stats[b * 4u + 3u] = select(0.0, 1.0, n_correct == n_valid);
  }
  return n_valid;
}

fn seq_index(wg: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return wg.x + wg.y * nwg.x;
}

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let b = seq_index(wg, nwg);
  if (b >= params.batch) {
    return;
  }
  _ = forward(b, lid);
}

@compute @workgroup_size(WG)
fn main_grad(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let b = seq_index(wg, nwg);
  if (b >= params.batch) {
    return;
  }
  let n_valid = forward(b, lid);
  let seq_len = params.seq_len;
  let vocab = params.vocab;
  let factor = params.grad_scale / f32(max(n_valid, 1u));
  // Recomputing the few per-token sums is cheaper than storing them.
  for (var t = lid; t < seq_len; t += WG) {
    let tok = b * seq_len + t;
    let base = tok * vocab;
    let label = labels[tok];
    let st = token_stats(base, label);
    if (!st.label_valid) {
      for (var j = 0u; j < vocab; j++) {
        d_logits[base + j] = 0.0;
      }
      continue;
    }
    let lab = u32(label);
    let inv_total = 1.0 / st.total;
    for (var j = 0u; j < vocab; j++) {
      let x = logits[base + j];
      var g: f32;
      if (KIND == 0u) {
        let s = stable_s(x);
        let ds = stable_ds(x, s);
        if (j == lab) {
          g = -(ds / s) * (st.others * inv_total);
        } else {
          g = ds * inv_total;
        }
      } else {
        if (j == lab) {
          g = -st.others * inv_total;
        } else {
          g = exp(x - st.max_logit) * inv_total;
        }
      }
      d_logits[base + j] = factor * g;
    }
  }
}
