/**
 * Evaluation as a user's `solve` runs: `model.predict` with a halting threshold, a step cap
 * and test-time samples (several noisy trajectories, the halting head picks one), scored
 * against the labels. One row per setting, so the accuracy/time trade-off of inference
 * compute reads side by side.
 *
 * @module
 */
import type { PredictOptions, TinyRecursiveModel } from "../model/model.ts";
import type { SudokuSize } from "../puzzles/sudoku_grid.ts";
import { type AugmentedResult, predictAugmented } from "../solve/augment.ts";
import { type ExamplePool, puzzleIdLookup } from "./data.ts";

/** One inference setting. */
export interface SolveSetting {
  /** Step cap. */
  maxSteps: number;
  /** Halt a puzzle once sigmoid(q_halt) exceeds this (1 or more: always run to the cap). */
  haltThreshold: number;
  /** Trajectories per puzzle (1: plain prediction). */
  samples: number;
  /** Latent noise of the sampled trajectories (default: the model's default). */
  noise?: number;
  /** Noise seed (default 0). */
  seed?: number;
  /** Sudoku symmetries per puzzle (test-time augmentation; default 1: the puzzle as given). */
  augmentations?: number;
  /**
   * With symmetries: how many of a puzzle's views must have halted before the others stop
   * (default: all of them, each view runs to its own halt; capped at `augmentations`).
   */
  viewQuorum?: number;
}

/** Scores of one setting. */
export interface SolveSettingResult extends SolveSetting {
  /** Puzzles scored. */
  count: number;
  /** Fraction of puzzles whose every labelled cell is right. */
  exactAccuracy: number;
  /** Fraction of labelled cells right. */
  tokenAccuracy: number;
  /** Mean exit step. */
  meanSteps: number;
  /** Fraction of answers that came from a noisy trajectory (sample ≠ 0). */
  sampledShare: number;
  /** Fraction of answers that came from a symmetry other than the puzzle as given. */
  augmentedShare: number;
  /** Wall-clock seconds. */
  seconds: number;
  /** Puzzles per second. */
  puzzlesPerSecond: number;
}

/** Options of {@linkcode evaluateSettings}. */
export interface EvaluateSettingsOptions {
  /** Puzzles per `predict` call (default 64; a call runs batch × samples trajectories). */
  batchSize?: number;
  /** Puzzles to score (default all). */
  limit?: number;
  /** Pool label meaning "no label" (default 0). */
  ignoreLabel?: number;
  /** Called after each batch. */
  onProgress?: (setting: number, done: number, total: number) => void;
}

/**
 * Scores `model` on `pool` under each setting.
 *
 * @example
 * ```ts ignore
 * const rows = await evaluateSettings(model, pool, [
 *   { maxSteps: 16, haltThreshold: 0.9, samples: 1 },
 *   { maxSteps: 64, haltThreshold: 0.9, samples: 8 },
 * ]);
 * ```
 */
export async function evaluateSettings(
  model: TinyRecursiveModel,
  pool: ExamplePool,
  settings: readonly SolveSetting[],
  options: EvaluateSettingsOptions = {},
): Promise<SolveSettingResult[]> {
  const L = model.config.seqLen;
  if (pool.seqLen !== L) {
    throw new RangeError(`the data has ${pool.seqLen} tokens per example; the model expects ${L}`);
  }
  const total = Math.min(pool.count, options.limit ?? pool.count);
  const batchSize = Math.max(1, options.batchSize ?? 64);
  const ignoreLabel = options.ignoreLabel ?? 0;
  const puzzleIdOf = puzzleIdLookup(pool);
  const sudokuSize = ([4, 6, 9] as const).find((n) =>
    n * n === L && model.config.vocabSize === n + 2
  ) as SudokuSize | undefined;
  const results: SolveSettingResult[] = [];
  for (const [index, setting] of settings.entries()) {
    const A = setting.augmentations ?? 1;
    if (A > 1 && !sudokuSize) {
      throw new RangeError("augmentations apply to Sudoku models only (4×4, 6×6, 9×9)");
    }
    // One path for the warm-up and the timed calls, so both run the same batch shapes
    // (with symmetries, B × A puzzles a call).
    const run = (inputs: Int32Array, predict: PredictOptions): Promise<AugmentedResult> =>
      A > 1
        ? predictAugmented(model, inputs, predict, {
          size: sudokuSize!,
          count: A,
          quorum: setting.viewQuorum && Math.min(setting.viewQuorum, A),
        })
        : model.predict(inputs, predict).then((r) => ({
          ...r,
          chosenAugmentation: new Int32Array(r.exitSteps.length),
        }));
    // Untimed warm-up: the first call of a shape compiles its kernels (seconds on a CPU).
    await run(Int32Array.from(pool.inputs.subarray(0, Math.min(total, batchSize) * L)), {
      maxRefinementSteps: 1,
      samples: setting.samples,
      noise: setting.noise,
    });
    const started = performance.now();
    let exact = 0, correct = 0, valid = 0, steps = 0, sampled = 0, augmented = 0;
    for (let start = 0; start < total; start += batchSize) {
      const B = Math.min(batchSize, total - start);
      const inputs = Int32Array.from(pool.inputs.subarray(start * L, (start + B) * L));
      const predict = {
        maxRefinementSteps: setting.maxSteps,
        haltThreshold: setting.haltThreshold,
        samples: setting.samples,
        noise: setting.noise,
        seed: setting.seed,
        puzzleIds: Int32Array.from({ length: B }, (_, i) => puzzleIdOf(start + i)),
      };
      const r = await run(inputs, predict);
      for (let b = 0; b < B; b++) {
        let all = true;
        for (let t = 0; t < L; t++) {
          const label = pool.labels[(start + b) * L + t];
          if (label === ignoreLabel) continue;
          valid++;
          if (r.predictions[b * L + t] === label) correct++;
          else all = false;
        }
        if (all) exact++;
        steps += r.exitSteps[b];
        if ((r.chosenSample?.[b] ?? 0) !== 0) sampled++;
        if (r.chosenAugmentation[b] !== 0) augmented++;
      }
      options.onProgress?.(index, start + B, total);
    }
    const seconds = (performance.now() - started) / 1000;
    const n = Math.max(1, total);
    results.push({
      ...setting,
      count: total,
      exactAccuracy: exact / n,
      tokenAccuracy: valid ? correct / valid : 0,
      meanSteps: steps / n,
      sampledShare: sampled / n,
      augmentedShare: augmented / n,
      seconds,
      puzzlesPerSecond: total / Math.max(seconds, 1e-9),
    });
  }
  return results;
}
