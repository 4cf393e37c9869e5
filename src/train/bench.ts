/**
 * Training throughput: optimizer steps of the slot loop on a fixed batch, timed after a
 * warm-up (pipeline compilation), reported as examples × supervision steps per second.
 *
 * @module
 */
import type { TrainingBatch } from "./data.ts";
import type { TRMTrainer } from "./trainer.ts";

/** A throughput measurement. */
export interface TrainThroughput {
  /** Slots per step. */
  batch: number;
  /** Timed steps. */
  steps: number;
  /** Milliseconds per optimizer step (one supervision step for every slot). */
  msPerStep: number;
  /** batch × steps / seconds. */
  examplesStepsPerSecond: number;
}

/**
 * Times `steps` slot-loop steps after `warmup` untimed ones (the GPU is drained before
 * and after the timed part).
 *
 * @example
 * ```ts ignore
 * const r = await measureTrainThroughput(trainer, source.examples(0, 64), { steps: 3 });
 * ```
 */
export async function measureTrainThroughput(
  trainer: TRMTrainer,
  batch: TrainingBatch,
  options: { warmup?: number; steps?: number } = {},
): Promise<TrainThroughput> {
  const warmup = options.warmup ?? 1, steps = options.steps ?? 3;
  const B = batch.inputs.length / trainer.config.seqLen;
  for (let i = 0; i < warmup; i++) trainer.slotStep(batch);
  await trainer.model.gpu.sync();
  const start = performance.now();
  for (let i = 0; i < steps; i++) trainer.slotStep(batch);
  await trainer.model.gpu.sync();
  const seconds = (performance.now() - start) / 1000;
  return {
    batch: B,
    steps,
    msPerStep: (seconds * 1000) / steps,
    examplesStepsPerSecond: (B * steps) / seconds,
  };
}
