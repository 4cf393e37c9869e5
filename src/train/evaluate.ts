/**
 * Evaluation as the official evaluator does it: every example runs all N_sup supervision
 * steps and is scored on the last one; also reported is where the halting head would have
 * stopped (first step with q_halt > 0) and the exact accuracy at that step. One readback
 * per batch.
 *
 * @module
 */
import type { Tensor } from "../gpu/tensor.ts";
import type { TinyRecursiveModel } from "../model/model.ts";
import { crossEntropy } from "../ops/loss.ts";
import { type ExamplePool, puzzleIdLookup } from "./data.ts";

/** Options of {@linkcode evaluate}. */
export interface EvaluateOptions {
  /** Examples per GPU batch (default 256). */
  batchSize?: number;
  /** Supervision steps (default config.maxSupervisionSteps). */
  maxSteps?: number;
  /** Examples to score (default all). */
  limit?: number;
  /** Label value counted as "ignore" in the pool (official datasets: 0 = PAD); default 0. */
  ignoreLabel?: number;
  /** Called after each batch with the examples done so far. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Called after each batch with the argmax tokens of the last step, i32 [count·L] for
   * examples `start … start+count-1` (e.g. to check maze paths); only read back when given.
   */
  onPredictions?: (start: number, count: number, tokens: Int32Array) => void;
  /** A group per pool row (e.g. the Sudoku tier); the result then scores each group apart. */
  groups?: Uint8Array;
}

/** Scores of an evaluation. */
export interface EvaluateResult {
  /** Examples scored. */
  count: number;
  /** Fraction of examples entirely right after the last step (the official metric). */
  exactAccuracy: number;
  /** Fraction of valid tokens right after the last step. */
  tokenAccuracy: number;
  /** Exact accuracy at the step where the halting head first says stop (q_halt > 0), or the last. */
  haltedExactAccuracy: number;
  /** Mean 1-based step at which the halting head first says stop (N_sup when it never does). */
  meanHaltStep: number;
  /** Exact accuracy after each step (index 0 = step 1). */
  exactByStep: number[];
  /** With `groups`: per group index, examples scored and exact accuracy after the last step. */
  exactByGroup?: { count: number; exactAccuracy: number }[];
  /** Wall-clock seconds. */
  seconds: number;
  /** Examples per second. */
  puzzlesPerSecond: number;
}

/**
 * Evaluates a model on a pool of examples.
 *
 * @example
 * ```ts ignore
 * const r = await evaluate(trainer.emaModel, generatePool("sudoku4", { count: 200, seed: 7 }));
 * console.log(r.exactAccuracy);
 * ```
 */
export async function evaluate(
  model: TinyRecursiveModel,
  pool: ExamplePool,
  options: EvaluateOptions = {},
): Promise<EvaluateResult> {
  const config = model.config;
  const L = config.seqLen;
  if (pool.seqLen !== L) {
    throw new RangeError(`the data has ${pool.seqLen} tokens per example; the model expects ${L}`);
  }
  const total = Math.min(pool.count, options.limit ?? pool.count);
  const steps = options.maxSteps ?? config.maxSupervisionSteps;
  const batchSize = Math.max(1, options.batchSize ?? 256);
  const ignoreLabel = options.ignoreLabel ?? 0;
  const gpu = model.gpu;
  const puzzleIdOf = puzzleIdLookup(pool);
  const started = performance.now();
  let exactLast = 0, correctTokens = 0, validTokens = 0, haltedExact = 0, haltSteps = 0;
  const exactByStep = new Array<number>(steps).fill(0);
  const groupCount: number[] = [], groupExact: number[] = [];
  for (let start = 0; start < total; start += batchSize) {
    const B = Math.min(batchSize, total - start);
    const inputs = Int32Array.from(pool.inputs.subarray(start * L, (start + B) * L));
    const labelData = Int32Array.from(
      pool.labels.subarray(start * L, (start + B) * L),
      (t) => (t === ignoreLabel ? config.ignoreIndex : t),
    );
    const ids = model.uploadTokens(inputs);
    const labels = gpu.upload(labelData, [B, L], "i32");
    const pids = model.uploadPuzzleIds(
      B,
      Int32Array.from({ length: B }, (_, i) => puzzleIdOf(start + i)),
    );
    const x = model.embed(ids, pids);
    let carry = model.initialCarry(B);
    const kept: Tensor[] = [];
    let predictions: Tensor | undefined;
    for (let s = 0; s < steps; s++) {
      const out = model.step(x, carry);
      carry.y.release();
      carry.z.release();
      carry = out.carry;
      const ce = crossEntropy(gpu, out.logits, labels, {
        kind: config.lossKind,
        ignoreIndex: config.ignoreIndex,
      });
      out.logits.release();
      if (options.onPredictions && s === steps - 1) predictions = ce.predictions;
      else ce.predictions.release();
      kept.push(ce.seqStats, out.q);
    }
    if (predictions) kept.push(predictions);
    const data = await gpu.readMany(kept);
    for (const t of [...kept, ids, labels, pids, x, carry.y, carry.z]) t?.release();
    const halt = new Int32Array(B).fill(-1);
    for (let s = 0; s < steps; s++) {
      const stats = data[2 * s] as Float32Array, q = data[2 * s + 1] as Float32Array;
      for (let b = 0; b < B; b++) {
        exactByStep[s] += stats[4 * b + 3];
        if (halt[b] < 0 && (q[2 * b] > 0 || s === steps - 1)) {
          halt[b] = s;
          haltedExact += stats[4 * b + 3];
          haltSteps += s + 1;
        }
        if (s === steps - 1) {
          exactLast += stats[4 * b + 3];
          if (options.groups) {
            const g = options.groups[start + b];
            groupCount[g] = (groupCount[g] ?? 0) + 1;
            groupExact[g] = (groupExact[g] ?? 0) + stats[4 * b + 3];
          }
          correctTokens += stats[4 * b + 2];
          validTokens += stats[4 * b + 1];
        }
      }
    }
    if (predictions) options.onPredictions!(start, B, data[2 * steps] as Int32Array);
    options.onProgress?.(start + B, total);
  }
  const seconds = (performance.now() - started) / 1000;
  const n = Math.max(1, total);
  return {
    count: total,
    exactAccuracy: exactLast / n,
    tokenAccuracy: validTokens ? correctTokens / validTokens : 0,
    haltedExactAccuracy: haltedExact / n,
    meanHaltStep: haltSteps / n,
    exactByStep: exactByStep.map((e) => e / n),
    ...(options.groups
      ? {
        exactByGroup: Array.from(groupCount, (c, g) => ({
          count: c ?? 0,
          exactAccuracy: c ? groupExact[g] / c : 0,
        })),
      }
      : {}),
    seconds,
    puzzlesPerSecond: total / Math.max(seconds, 1e-9),
  };
}
