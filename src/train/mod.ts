/**
 * Training: `TRMTrainer` (deep supervision, the official slot-carry loop with adaptive
 * halting, Adam-atan2/AdamW, EMA, sign-SGD puzzle embeddings), data streams, evaluation,
 * resumable training checkpoints, the training run as a library loop (`runTraining`:
 * pause with an AbortSignal, resume from the checkpoint bytes) and the default recipes.
 *
 * @module
 */
export * from "./trainer.ts";
export * from "./schedule.ts";
export * from "./curriculum.ts";
export * from "./tiers.ts";
export * from "./loss.ts";
export * from "./data.ts";
export * from "./arc_data.ts";
export * from "./evaluate.ts";
export * from "./evaluate_solve.ts";
export * from "./profile.ts";
export * from "./maze_metrics.ts";
export * from "./state.ts";
export * from "./run.ts";
export * from "./recipes.ts";
export * from "./bench.ts";
