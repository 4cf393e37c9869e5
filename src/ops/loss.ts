/**
 * Loss kernels: per-sequence stablemax/softmax cross-entropy with metrics and logits
 * gradient, and the halting head's binary cross-entropy.
 *
 * @module
 */

import { type Gpu, grid } from "../gpu/gpu.ts";
import type { Tensor } from "../gpu/tensor.ts";
import crossEntropySrc from "../../kernels/loss_cross_entropy.wgsl" with { type: "text" };
import haltSrc from "../../kernels/loss_halt.wgsl" with { type: "text" };

/** Which normalisation turns logits into probabilities: the official stablemax, or softmax. */
export type LossKind = "stablemax" | "softmax";

/** Options for {@linkcode crossEntropy}. */
export interface CrossEntropyOptions {
  /** Probability map applied to the logits. */
  kind: LossKind;
  /** Label value whose tokens are left out of loss, metrics and gradient (e.g. -100). */
  ignoreIndex: number;
  /** When given, also return dLogits of `gradScale * Σ_b meanLoss_b`. */
  gradScale?: number;
}

/** What {@linkcode crossEntropy} returns; the caller releases every tensor. */
export interface CrossEntropyResult {
  /** f32 [B, 4]: meanLoss, validCount, correctCount, allCorrect (0/1) per sequence. */
  seqStats: Tensor;
  /** i32 [B, L]: argmax of the logits (first index on ties), for every token. */
  predictions: Tensor;
  /** f32 [B, L, V]: gradient of `gradScale * Σ_b meanLoss_b`; zero rows for ignored tokens. */
  dLogits?: Tensor;
}

/** Invocations per workgroup of the cross-entropy kernel (one workgroup per sequence). */
const CE_WORKGROUP = 64;
const HALT_WORKGROUP = 64;

/**
 * Per-sequence cross-entropy with an ignore label, argmax predictions and metrics, and
 * optionally the logits gradient, in one dispatch.
 *
 * Stablemax: `s(x) = x + 1` for x >= 0, `1 / (1 - x)` below; `log p_i = log(s_i / Σ s_j)`.
 * Softmax: the usual log-softmax. For sequence b, `meanLoss_b = Σ_valid CE / max(valid_b, 1)`;
 * a token is correct when its argmax equals its label; `allCorrect_b = 1` when every valid
 * token is correct (also when none is valid). Labels outside [0, V) are treated as ignored,
 * so the kernel never reads out of bounds.
 *
 * @param logits f32 [B, L, V]
 * @param labels i32 [B, L]
 * @example
 * ```ts ignore
 * const { seqStats, predictions, dLogits } = crossEntropy(gpu, logits, labels, {
 *   kind: "stablemax",
 *   ignoreIndex: -100,
 *   gradScale: 1 / batch,
 * });
 * ```
 */
export function crossEntropy(
  gpu: Gpu,
  logits: Tensor,
  labels: Tensor,
  options: CrossEntropyOptions,
): CrossEntropyResult {
  if (logits.shape.length !== 3 || logits.dtype !== "f32") {
    throw new RangeError(`crossEntropy: logits must be f32 [B, L, V], got [${logits.shape}]`);
  }
  const [batch, seqLen, vocab] = logits.shape;
  if (labels.dtype !== "i32" || labels.size !== batch * seqLen) {
    throw new RangeError(
      `crossEntropy: labels must be i32 with ${batch * seqLen} elements, got ` +
        `${labels.dtype} [${labels.shape}]`,
    );
  }
  if (vocab < 1) throw new RangeError("crossEntropy: vocabulary size must be at least 1");
  if (!Number.isInteger(options.ignoreIndex)) {
    throw new RangeError(
      `crossEntropy: ignoreIndex must be an integer, got ${options.ignoreIndex}`,
    );
  }
  const withGrad = options.gradScale !== undefined;
  const pipeline = gpu.pipeline(crossEntropySrc, {
    entryPoint: withGrad ? "main_grad" : "main",
    constants: { KIND: options.kind === "softmax" ? 1 : 0, WG: CE_WORKGROUP },
  });
  const seqStats = gpu.empty([batch, 4], "f32");
  const predictions = gpu.empty([batch, seqLen], "i32");
  const params = {
    u32: [batch, seqLen, vocab, options.ignoreIndex | 0],
    f32: [options.gradScale ?? 0],
  };
  if (!withGrad) {
    gpu.dispatch(pipeline, [logits, labels, seqStats, predictions], grid(batch), params);
    return { seqStats, predictions };
  }
  const dLogits = gpu.empty([batch, seqLen, vocab], "f32");
  gpu.dispatch(pipeline, [logits, labels, seqStats, predictions, dLogits], grid(batch), params);
  return { seqStats, predictions, dLogits };
}

/** Options for {@linkcode haltLoss}. */
export interface HaltLossOptions {
  /** Number of examples B. */
  batch: number;
  /** Element stride between consecutive targets (4 to read a column of seqStats); default 1. */
  targetStride?: number;
  /** Index of the first target (3 for seqStats' allCorrect column); default 0. */
  targetOffset?: number;
  /** When given, also return dq = gradScale * d BCE_b / d q. */
  gradScale?: number;
}

/** What {@linkcode haltLoss} returns; the caller releases every tensor. */
export interface HaltLossResult {
  /** f32 [B]: per-example BCE-with-logits. */
  loss: Tensor;
  /** f32 [B, 2]: column 0 = gradScale * (sigmoid(q_halt) - t), column 1 = 0. */
  dq?: Tensor;
}

/**
 * Binary cross-entropy with logits of the halting logit `q[:, 0]` against targets read
 * at `targets[targetOffset + b * targetStride]`, in the stable form
 * `max(x, 0) - x t + log1p(exp(-|x|))`.
 *
 * @param q f32 [B, 2]: q_halt, q_continue
 * @param targets f32, at least `targetOffset + (B - 1) * targetStride + 1` elements
 * @example
 * ```ts ignore
 * // Target: the allCorrect column of crossEntropy's seqStats, without a copy.
 * const { loss, dq } = haltLoss(gpu, q, seqStats, {
 *   batch,
 *   targetStride: 4,
 *   targetOffset: 3,
 *   gradScale: 0.5 / batch,
 * });
 * ```
 */
export function haltLoss(
  gpu: Gpu,
  q: Tensor,
  targets: Tensor,
  options: HaltLossOptions,
): HaltLossResult {
  const { batch, targetStride = 1, targetOffset = 0 } = options;
  if (!Number.isInteger(batch) || batch < 1) {
    throw new RangeError(`haltLoss: batch must be a positive integer, got ${batch}`);
  }
  if (q.dtype !== "f32" || q.size !== 2 * batch) {
    throw new RangeError(`haltLoss: q must be f32 [${batch}, 2], got ${q.dtype} [${q.shape}]`);
  }
  const lastTarget = targetOffset + (batch - 1) * targetStride;
  if (
    targets.dtype !== "f32" || targetStride < 0 || targetOffset < 0 ||
    lastTarget >= targets.size
  ) {
    throw new RangeError(
      `haltLoss: targets (${targets.dtype} [${targets.shape}]) do not hold index ${lastTarget}`,
    );
  }
  const withGrad = options.gradScale !== undefined;
  const pipeline = gpu.pipeline(haltSrc, {
    entryPoint: withGrad ? "main_grad" : "main",
    constants: { WG: HALT_WORKGROUP },
  });
  const params = { u32: [batch, targetStride, targetOffset], f32: [options.gradScale ?? 0] };
  const workgroups = grid(Math.ceil(batch / HALT_WORKGROUP));
  const loss = gpu.empty([batch], "f32");
  if (!withGrad) {
    gpu.dispatch(pipeline, [q, targets, loss], workgroups, params);
    return { loss };
  }
  const dq = gpu.empty([batch, 2], "f32");
  gpu.dispatch(pipeline, [q, targets, loss, dq], workgroups, params);
  return { loss, dq };
}
