/**
 * Float64 references for the loss kernels (src/ops/loss.ts), written the plain way the
 * official PyTorch code computes them (stablemax in float64).
 */

/** Stablemax's s(x). */
export function stableS(x: number): number {
  return x >= 0 ? x + 1 : 1 / (1 - x);
}

/** log p over one row of logits, for either kind. */
export function logProbs(row: ArrayLike<number>, kind: "stablemax" | "softmax"): Float64Array {
  const out = new Float64Array(row.length);
  if (kind === "stablemax") {
    let total = 0;
    for (let j = 0; j < row.length; j++) total += stableS(row[j]);
    for (let j = 0; j < row.length; j++) out[j] = Math.log(stableS(row[j]) / total);
  } else {
    let max = -Infinity;
    for (let j = 0; j < row.length; j++) max = Math.max(max, row[j]);
    let total = 0;
    for (let j = 0; j < row.length; j++) total += Math.exp(row[j] - max);
    const lse = max + Math.log(total);
    for (let j = 0; j < row.length; j++) out[j] = row[j] - lse;
  }
  return out;
}

/** Per-sequence results of the reference cross-entropy. */
export interface CrossEntropyRef {
  /** [B, 4]: meanLoss, validCount, correctCount, allCorrect. */
  seqStats: Float64Array;
  /** [B, L] argmax, first index on ties. */
  predictions: Int32Array;
}

/** Reference per-sequence cross-entropy with ignore label and metrics. */
export function crossEntropyRef(
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  [batch, seqLen, vocab]: readonly number[],
  kind: "stablemax" | "softmax",
  ignoreIndex: number,
): CrossEntropyRef {
  const seqStats = new Float64Array(batch * 4);
  const predictions = new Int32Array(batch * seqLen);
  for (let b = 0; b < batch; b++) {
    let loss = 0;
    let valid = 0;
    let correct = 0;
    for (let t = 0; t < seqLen; t++) {
      const tok = b * seqLen + t;
      const row = Array.from({ length: vocab }, (_, j) => logits[tok * vocab + j]);
      let arg = 0;
      for (let j = 1; j < vocab; j++) if (row[j] > row[arg]) arg = j;
      predictions[tok] = arg;
      const label = labels[tok];
      if (label === ignoreIndex || label < 0 || label >= vocab) continue;
      valid++;
      loss -= logProbs(row, kind)[label];
      if (arg === label) correct++;
    }
    seqStats[b * 4] = loss / Math.max(valid, 1);
    seqStats[b * 4 + 1] = valid;
    seqStats[b * 4 + 2] = correct;
    seqStats[b * 4 + 3] = correct === valid ? 1 : 0;
  }
  return { seqStats, predictions };
}

/** The scalar the dLogits kernel differentiates: gradScale * Σ_b meanLoss_b. */
export function totalMeanLossRef(
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  shape: readonly number[],
  kind: "stablemax" | "softmax",
  ignoreIndex: number,
  gradScale: number,
): number {
  const { seqStats } = crossEntropyRef(logits, labels, shape, kind, ignoreIndex);
  let sum = 0;
  for (let b = 0; b < shape[0]; b++) sum += seqStats[b * 4];
  return gradScale * sum;
}

/** Analytic float64 gradient of {@linkcode totalMeanLossRef} (checked against FD in the tests). */
export function crossEntropyGradRef(
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  [batch, seqLen, vocab]: readonly number[],
  kind: "stablemax" | "softmax",
  ignoreIndex: number,
  gradScale: number,
): Float64Array {
  const grad = new Float64Array(batch * seqLen * vocab);
  for (let b = 0; b < batch; b++) {
    let valid = 0;
    for (let t = 0; t < seqLen; t++) {
      const label = labels[b * seqLen + t];
      if (label !== ignoreIndex && label >= 0 && label < vocab) valid++;
    }
    const factor = gradScale / Math.max(valid, 1);
    for (let t = 0; t < seqLen; t++) {
      const tok = b * seqLen + t;
      const label = labels[tok];
      if (label === ignoreIndex || label < 0 || label >= vocab) continue;
      const row = Array.from({ length: vocab }, (_, j) => logits[tok * vocab + j]);
      const p = logProbs(row, kind).map(Math.exp);
      for (let j = 0; j < vocab; j++) {
        let g: number;
        if (kind === "softmax") {
          g = p[j] - (j === label ? 1 : 0);
        } else {
          // d(-log s_i + log S)/dx_j = s'_j / S - [j = i] s'_i / s_i.
          const x = row[j];
          const s = stableS(x);
          const ds = x >= 0 ? 1 : s * s;
          let total = 0;
          for (const y of row) total += stableS(y);
          g = ds / total - (j === label ? ds / s : 0);
        }
        grad[tok * vocab + j] = factor * g;
      }
    }
  }
  return grad;
}

/** Reference stable BCE-with-logits per example, and its gradient w.r.t. q_halt. */
export function haltLossRef(
  q: ArrayLike<number>,
  targets: ArrayLike<number>,
  batch: number,
  stride = 1,
  offset = 0,
): { loss: Float64Array; dx: Float64Array } {
  const loss = new Float64Array(batch);
  const dx = new Float64Array(batch);
  for (let b = 0; b < batch; b++) {
    const x = q[2 * b];
    const t = targets[offset + b * stride];
    loss[b] = Math.max(x, 0) - x * t + Math.log1p(Math.exp(-Math.abs(x)));
    const sig = x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    const sigNeg = x >= 0 ? Math.exp(-x) / (1 + Math.exp(-x)) : 1 / (1 + Math.exp(x));
    dx[b] = (1 - t) * sig - t * sigNeg;
  }
  return { loss, dx };
}
