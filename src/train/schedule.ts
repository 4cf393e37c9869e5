/**
 * The learning-rate schedule of the official trainer: linear warmup, then constant or a
 * cosine decay to `minLrRatio · lr`. The rate of optimizer step t (1-based) is the one
 * that step applies: it is set before the update, unlike the user's PyTorch repo.
 *
 * @module
 */

/** Options of {@linkcode learningRate}. */
export interface ScheduleOptions {
  /** Base (peak) learning rate. */
  lr: number;
  /** Steps of linear warmup from 0 (official: 2000). */
  warmupSteps: number;
  /** After warmup: constant (official Sudoku) or cosine. */
  schedule?: "constant" | "cosine";
  /** Total steps, needed by the cosine schedule. */
  totalSteps?: number;
  /** Cosine floor as a fraction of lr (default 0). */
  minLrRatio?: number;
}

/**
 * The learning rate of 1-based optimizer step `step`: `lr · step / warmupSteps` during
 * warmup (as the official `cosine_schedule_with_warmup_lr_lambda`), then constant, or
 * `lr · (r + (1 - r) · (1 + cos(π · progress)) / 2)` for the cosine schedule.
 *
 * @example
 * ```ts
 * import { learningRate } from "./schedule.ts";
 * learningRate(1, { lr: 1e-4, warmupSteps: 2000 }); // 5e-8
 * learningRate(5000, { lr: 1e-4, warmupSteps: 2000 }); // 1e-4
 * ```
 */
export function learningRate(step: number, options: ScheduleOptions): number {
  const { lr, warmupSteps, schedule = "constant", minLrRatio = 0 } = options;
  if (step < warmupSteps) return (lr * step) / Math.max(1, warmupSteps);
  if (schedule === "constant") return lr;
  const total = options.totalSteps;
  if (total === undefined || !(total > 0)) {
    throw new RangeError("the cosine schedule needs totalSteps");
  }
  const progress = Math.min(1, (step - warmupSteps) / Math.max(1, total - warmupSteps));
  return lr * (minLrRatio + (1 - minLrRatio) * 0.5 * (1 + Math.cos(Math.PI * progress)));
}
