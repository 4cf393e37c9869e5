/**
 * The TRM training loss on the host, in float64, for the user's `computeLoss` API over
 * the outputs of `forwardWithDeepSupervision` (training itself computes the same loss on
 * the GPU): per step, `Σ_b mean-CE_b + 0.5 · Σ_b BCE(haltProb_b, exact_b)`, divided by the
 * batch size, weighted per step.
 *
 * @module
 */

/** Options of {@linkcode deepSupervisionLoss}. */
export interface HostLossOptions {
  /** Vocabulary size V (logits are [B, L, V]). */
  vocabSize: number;
  /** Probability map: the official stablemax, or softmax. */
  lossKind?: "stablemax" | "softmax";
  /** Labels equal to this are ignored (default -100). */
  ignoreIndex?: number;
  /** Weight of each step (default 1 each). */
  lossWeights?: readonly number[];
}

/** Loss and metrics of a deep-supervision run. */
export interface LossSummary {
  /** Mean over steps of `weight_k · (task_k + 0.5 · halt_k)`. */
  totalLoss: number;
  /** Mean over steps of the task loss (mean-CE per sequence, averaged over the batch). */
  taskLoss: number;
  /** Mean over steps of the halting BCE averaged over the batch. */
  haltLoss: number;
  /** Token accuracy of the last step (valid tokens only). */
  accuracy: number;
  /** Fraction of sequences entirely right at the last step. */
  exactAccuracy: number;
  /** Per step: task loss, halting loss and exact accuracy. */
  perStep: { taskLoss: number; haltLoss: number; exactAccuracy: number }[];
}

function logProbs(row: Float32Array | Float64Array, kind: "stablemax" | "softmax"): Float64Array {
  const out = new Float64Array(row.length);
  if (kind === "softmax") {
    let max = -Infinity;
    for (const v of row) max = Math.max(max, v);
    let sum = 0;
    for (const v of row) sum += Math.exp(v - max);
    const lse = max + Math.log(sum);
    for (let i = 0; i < row.length; i++) out[i] = row[i] - lse;
    return out;
  }
  let sum = 0;
  const s = Array.from(row, (x) => (x >= 0 ? x + 1 : 1 / (1 - x)));
  for (const v of s) sum += v;
  for (let i = 0; i < row.length; i++) out[i] = Math.log(s[i] / sum);
  return out;
}

/**
 * The official loss of every supervision step from host logits and halting probabilities.
 *
 * @param predictions per step, logits [B·L·V]
 * @param haltProbs per step, sigmoid(q_halt) [B]
 * @param targets labels [B·L] (flat) or rows
 * @example
 * ```ts ignore
 * const out = await model.forwardWithDeepSupervision(inputs, 4);
 * const loss = deepSupervisionLoss(out.predictions, out.haltProbs, targets, { vocabSize: 6 });
 * ```
 */
export function deepSupervisionLoss(
  predictions: readonly (Float32Array | Float64Array)[],
  haltProbs: readonly (Float32Array | Float64Array)[],
  targets: Int32Array | readonly (readonly number[])[],
  options: HostLossOptions,
): LossSummary {
  const V = options.vocabSize;
  const kind = options.lossKind ?? "stablemax";
  const ignore = options.ignoreIndex ?? -100;
  const labels = targets instanceof Int32Array ? targets : Int32Array.from(targets.flat());
  const steps = predictions.length;
  if (steps < 1 || haltProbs.length !== steps) {
    throw new RangeError(
      `need one halting-probability array per step (${steps} steps, ${haltProbs.length} given)`,
    );
  }
  const B = haltProbs[0].length;
  if (B < 1 || labels.length % B !== 0) {
    throw new RangeError(`${labels.length} labels do not split into ${B} rows`);
  }
  const L = labels.length / B;
  const weights = options.lossWeights ?? [];
  const perStep: LossSummary["perStep"] = [];
  let total = 0, task = 0, halt = 0, accuracy = 0, exact = 0;
  for (let k = 0; k < steps; k++) {
    const logits = predictions[k];
    if (logits.length !== B * L * V) {
      throw new RangeError(`step ${k}: ${logits.length} logits, expected ${B * L * V}`);
    }
    let stepTask = 0, stepHalt = 0, stepExact = 0, correctTokens = 0, validTokens = 0;
    for (let b = 0; b < B; b++) {
      let ce = 0, valid = 0, correct = 0;
      for (let t = 0; t < L; t++) {
        const label = labels[b * L + t];
        if (label === ignore || label < 0 || label >= V) continue;
        const row = logits.subarray((b * L + t) * V, (b * L + t + 1) * V);
        ce -= logProbs(row, kind)[label];
        let arg = 0;
        for (let v = 1; v < V; v++) if (row[v] > row[arg]) arg = v;
        valid++;
        if (arg === label) correct++;
      }
      stepTask += ce / Math.max(valid, 1);
      const target = correct === valid ? 1 : 0;
      const p = Math.min(Math.max(haltProbs[k][b], 1e-12), 1 - 1e-12);
      stepHalt -= target * Math.log(p) + (1 - target) * Math.log(1 - p);
      stepExact += target;
      correctTokens += correct;
      validTokens += valid;
    }
    stepTask /= B;
    stepHalt /= B;
    const w = weights[k] ?? 1;
    total += w * (stepTask + 0.5 * stepHalt);
    task += stepTask;
    halt += stepHalt;
    perStep.push({ taskLoss: stepTask, haltLoss: stepHalt, exactAccuracy: stepExact / B });
    if (k === steps - 1) {
      accuracy = validTokens ? correctTokens / validTokens : 1;
      exact = stepExact / B;
    }
  }
  return {
    totalLoss: total / steps,
    taskLoss: task / steps,
    haltLoss: halt / steps,
    accuracy,
    exactAccuracy: exact,
    perStep,
  };
}
