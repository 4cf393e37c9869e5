/**
 * A training run as a library loop: the official slot loop with its log, evaluation,
 * checkpoint and depth-curriculum cadence, NaN handling, an `AbortSignal` to pause, and
 * events for the host to print or plot. The host supplies the training pool and a save
 * hook (the CLI writes files atomically; a browser could keep the bytes anywhere), so a run
 * paused here and resumed from its checkpoint bytes continues bit-identically, in the CLI
 * or in your own code. {@linkcode RunInfo} is the resume contract: it travels inside the
 * training checkpoint.
 *
 * @example Train a tiny 4×4 model for a few steps, pause, and resume from memory
 * ```ts
 * import { Gpu } from "../gpu/gpu.ts";
 * import { resumeTraining, runTraining, startTraining } from "./run.ts";
 *
 * const gpu = await Gpu.create();
 * const info = {
 *   task: "sudoku4" as const, preset: "sudoku4", batch: 4, steps: 6, seed: 1,
 *   configOverrides: { dim: 16, numLayers: 1, tCycles: 1, nRecursions: 1 },
 *   poolSize: 32, evalCount: 0, evalEvery: 0, checkpointEvery: 100, logEvery: 2,
 * };
 * const trainer = await startTraining(info, { gpu, settings: { lr: 3e-3 } });
 * const pause = new AbortController();
 * let saved: Uint8Array | undefined;
 * await runTraining({
 *   trainer, info, signal: pause.signal,
 *   save: ({ state }) => { saved = state; },
 *   onEvent: (e) => { if (e.event === "step" && e.step === 3) pause.abort(); },
 * });
 * trainer.dispose();
 * trainer.model.dispose();
 * const again = await resumeTraining(saved!, gpu);
 * const result = await runTraining({ ...again });
 * console.log(result.status, result.step); // "done" 6
 * again.trainer.dispose();
 * again.trainer.model.dispose();
 * ```
 *
 * @module
 */
import type { Gpu } from "../gpu/gpu.ts";
import { type ModelConfigInput, parseModelConfig, presets } from "../model/config.ts";
import { TinyRecursiveModel } from "../model/model.ts";
import { deriveSeed } from "../puzzles/rng.ts";
import { curriculumAt, type CurriculumPhase } from "./curriculum.ts";
import {
  type BatchSource,
  type ExamplePool,
  generatePool,
  type GeneratePoolOptions,
  poolKeys,
  poolSource,
  taskAugment,
} from "./data.ts";
import { evaluate, type EvaluateResult } from "./evaluate.ts";
import { mazePathCounter, type MazePathRates } from "./maze_metrics.ts";
import type { TrainingTask } from "./recipes.ts";
import { encodeEmaModel, encodeTrainingState, restoreTraining } from "./state.ts";
import { tieredRowPicker, type TierPhase } from "./tiers.ts";
import { type SlotMetrics, type TrainerSettings, TRMTrainer } from "./trainer.ts";

/** What a run needs to resume exactly; stored in the training checkpoint. */
export interface RunInfo {
  /** The puzzle task. */
  task: TrainingTask;
  /** Maze side length (maze only; absent in older checkpoints: 30). */
  mazeSize?: number;
  /** Model preset name (or a description of the `init` weights). */
  preset: string;
  /** The task recipe the run's defaults came from ("default" or "official"). */
  recipe?: string;
  /** Model file whose weights (and config) started the run. */
  init?: string;
  /** Config changes on top of the preset. */
  configOverrides: Record<string, unknown>;
  /** Slots of the slot loop. */
  batch: number;
  /** Optimizer steps in total. */
  steps: number;
  /** Seed of the model init, the pool, the evaluation set and the data stream. */
  seed: number;
  /** Generated training puzzles (unless `data`). */
  poolSize: number;
  /** Where the host read the training pool from (a CSV file or an official folder). */
  data?: string;
  /** Held-out generated puzzles to evaluate on (0: none). */
  evalCount: number;
  /** Evaluate every N steps (0: only at the end). */
  evalEvery: number;
  /** Save every N steps (and at the end). */
  checkpointEvery: number;
  /** Read and report metrics every N steps. */
  logEvery: number;
  /** Depth curriculum (absent: the config's counts throughout). */
  curriculum?: CurriculumPhase[];
  /** Difficulty curriculum (absent: uniform over the pool). */
  tiers?: TierPhase[];
  /** ARC: random augmentations per task (each task also trains as it is). */
  arcAugmentations?: number;
  /** ARC: only the first N tasks of each folder of `data` (absent: all). */
  arcTasks?: number;
}

/** Thrown when a run cannot start as described (data, model and schedules disagree). */
export class RunSetupError extends Error {
  /**
   * Creates the error.
   *
   * @param message what disagrees and what to change
   */
  constructor(message: string) {
    super(message);
    this.name = "RunSetupError";
  }
}

const POOL_SALT = 0x504f4f4c;
const EVAL_SALT = 0x4556414c;
const STREAM_SALT = 0x5354524d;

/** How a run's generated training pool is made (the host may cache it under these). */
export function runPoolOptions(info: RunInfo): GeneratePoolOptions {
  return { count: info.poolSize, seed: deriveSeed(info.seed, POOL_SALT), mazeSize: info.mazeSize };
}

/** The run's held-out evaluation puzzles (generated, disjoint from the training stream). */
export function runEvalPool(info: RunInfo): ReturnType<typeof generatePool> | undefined {
  // ARC has no generator: its tasks are scored by cli.ts eval --task arc.
  if (info.evalCount <= 0 || info.task === "arc") return undefined;
  return generatePool(info.task, {
    count: info.evalCount,
    seed: deriveSeed(info.seed, EVAL_SALT),
    mazeSize: info.mazeSize,
  });
}

/** Options of {@linkcode startTraining}. */
export interface StartTrainingOptions {
  /** The GPU to train on. */
  gpu: Gpu;
  /** Trainer settings (lr, optimizer, …); `totalSteps` and `seed` come from the run. */
  settings?: Partial<TrainerSettings>;
  /** Start from these weights and this config instead of the preset (fine-tuning). */
  init?: { config: ModelConfigInput; values: Map<string, Float32Array> };
}

/**
 * A fresh model and trainer for a run: the preset with the run's config changes (or the
 * `init` weights), seeded by the run. Throws a RangeError for an unknown preset.
 */
export async function startTraining(
  info: RunInfo,
  options: StartTrainingOptions,
): Promise<TRMTrainer> {
  let input: ModelConfigInput;
  if (options.init) input = options.init.config;
  else {
    const preset = presets[info.preset];
    if (!preset) {
      throw new RangeError(
        `unknown preset "${info.preset}" (one of ${Object.keys(presets).join(", ")})`,
      );
    }
    input = { ...preset, ...info.configOverrides } as ModelConfigInput;
  }
  const model = await TinyRecursiveModel.create(parseModelConfig(input), {
    gpu: options.gpu,
    seed: info.seed,
    values: options.init?.values,
  });
  try {
    return await TRMTrainer.create({
      model,
      ...options.settings,
      totalSteps: info.steps,
      seed: info.seed,
    });
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/**
 * Rebuilds a run from its training checkpoint bytes: the trainer where it stopped and the
 * {@linkcode RunInfo} it was started with.
 */
export async function resumeTraining(
  bytes: Uint8Array,
  gpu: Gpu,
): Promise<{ trainer: TRMTrainer; info: RunInfo }> {
  const { trainer, meta } = await restoreTraining(bytes, gpu);
  return { trainer, info: meta.run as unknown as RunInfo };
}

/** Throughput so far in a run. */
export interface RunRate {
  /** Wall seconds since this call of runTraining began. */
  seconds: number;
  /** Optimizer steps per second. */
  stepsPerSecond: number;
  /** Slots × optimizer steps per second. */
  examplesStepsPerSecond: number;
}

/** What a run reports as it goes; `event` tells them apart. */
export type TrainingEvent =
  | { event: "step"; step: number; steps: number; rate: RunRate; metrics?: SlotMetrics }
  | { event: "train"; step: number; metrics: SlotMetrics; rate: RunRate }
  | { event: "eval"; step: number; result: EvaluateResult; paths?: MazePathRates }
  | {
    event: "curriculum";
    step: number;
    tCycles: number;
    nRecursions: number;
    maxSupervisionSteps: number;
  }
  | { event: "checkpoint"; step: number };

/** What the save hook receives: the resumable state and the EMA model, as bytes. */
export interface RunCheckpoint {
  /** Optimizer steps done. */
  step: number;
  /** The training checkpoint (resume with {@linkcode resumeTraining}). */
  state: Uint8Array;
  /** The EMA model file (load with `TinyRecursiveModel.load`-style readers). */
  model: Uint8Array;
}

/** The stream over a pool (given, or generated from the run): tiers, augmentation, exclusions. */
function poolStream(
  info: RunInfo,
  given: (ExamplePool & { tiers?: Uint8Array }) | undefined,
  config: TRMTrainer["config"],
  evalPool: ExamplePool | undefined,
): BatchSource {
  const task = info.task;
  if (task === "arc") throw new RunSetupError("an ARC run needs its stream (source: arcSource)");
  const pool = given ?? generatePool(task, runPoolOptions(info));
  if (pool.seqLen !== config.seqLen) {
    throw new RunSetupError(
      `the ${task} data has ${pool.seqLen} tokens per puzzle but the model's seqLen is ${config.seqLen}`,
    );
  }
  if (info.tiers && !pool.tiers) {
    throw new RunSetupError("a tier schedule needs a pool whose puzzles carry their tier");
  }
  let pickRow;
  try {
    pickRow = info.tiers ? tieredRowPicker(pool.tiers!, info.tiers, info.batch) : undefined;
  } catch (e) {
    throw new RunSetupError((e as Error).message);
  }
  return poolSource(pool, {
    pickRow,
    seed: deriveSeed(info.seed, STREAM_SALT),
    vocabSize: config.vocabSize,
    augment: taskAugment(task, pool.seqLen),
    exclude: evalPool ? poolKeys(evalPool) : undefined,
    ignoreIndex: config.ignoreIndex,
  });
}

/** The seed of a run's training stream (hosts that build their own `source` use it). */
export function runStreamSeed(info: RunInfo): number {
  return deriveSeed(info.seed, STREAM_SALT);
}

/** Options of {@linkcode runTraining}. */
export interface TrainingRunOptions {
  /** From {@linkcode startTraining} or {@linkcode resumeTraining}. */
  trainer: TRMTrainer;
  /** The run (its steps and cadences may be changed between pauses). */
  info: RunInfo;
  /** The training pool (default: generated from {@linkcode runPoolOptions}). */
  pool?: ExamplePool & { tiers?: Uint8Array };
  /**
   * The training stream itself, instead of a pool (ARC: `arcSource`); it must be a pure
   * function of the sample index for a resumed run to continue exactly.
   */
  source?: BatchSource;
  /** Extra metadata of the saved model file (ARC: the puzzle identifier names). */
  modelMetadata?: Record<string, string>;
  /** Pauses the run: it saves a checkpoint and returns status "aborted". */
  signal?: AbortSignal;
  /** Stores a checkpoint (every `checkpointEvery` steps, at the end and on abort). */
  save?: (checkpoint: RunCheckpoint) => void | Promise<void>;
  /** Receives progress, metrics, evaluations, curriculum changes and checkpoints. */
  onEvent?: (event: TrainingEvent) => void;
}

/** How a run ended. */
export interface TrainingRunResult {
  /** done: all steps; aborted: paused by the signal; non-finite: the loss became NaN/Inf. */
  status: "done" | "aborted" | "non-finite";
  /** Optimizer steps done. */
  step: number;
  /** Step of the last checkpoint saved (the start step when none was). */
  lastCheckpoint: number;
  /** The step at which the loss became NaN or Inf (status non-finite). */
  nonFiniteStep?: number;
  /** The last evaluation (status done: at the last step). */
  eval?: EvaluateResult;
  /** Maze path rates of the last evaluation. */
  paths?: MazePathRates;
  /** The last metrics window read. */
  metrics?: SlotMetrics;
  /** Throughput of this call. */
  rate: RunRate;
}

/**
 * Runs (or continues) a training run to `info.steps`. Throws a {@linkcode RunSetupError}
 * that says what to change when the pool does not fit the model or the tier schedule.
 */
export async function runTraining(options: TrainingRunOptions): Promise<TrainingRunResult> {
  const { trainer, info, signal, save, onEvent } = options;
  const emit = onEvent ?? (() => {});
  const config = trainer.config;
  const evalPool = runEvalPool(info);
  const source = options.source ?? poolStream(info, options.pool, config, evalPool);
  if (source.seqLen !== config.seqLen) {
    throw new RunSetupError(
      `the ${info.task} data has ${source.seqLen} tokens per puzzle but the model's seqLen is ${config.seqLen}`,
    );
  }
  const gpu = trainer.model.gpu;
  const B = info.batch;
  const startStep = trainer.step;
  const started = performance.now();
  let lastMetrics: SlotMetrics | undefined;
  let lastEval: EvaluateResult | undefined;
  let lastPaths: MazePathRates | undefined;
  let lastCheckpoint = startStep;
  let nonFiniteStep: number | undefined;

  const rate = (): RunRate => {
    const seconds = (performance.now() - started) / 1000;
    const done = trainer.step - startStep;
    return {
      seconds,
      stepsPerSecond: done / Math.max(seconds, 1e-9),
      examplesStepsPerSecond: (done * B) / Math.max(seconds, 1e-9),
    };
  };
  const result = (status: TrainingRunResult["status"]): TrainingRunResult => ({
    status,
    step: trainer.step,
    lastCheckpoint,
    nonFiniteStep,
    eval: lastEval,
    paths: lastPaths,
    metrics: lastMetrics,
    rate: rate(),
  });
  /** Reads the metrics window; false when the loss went non-finite. */
  const readMetrics = async (): Promise<boolean> => {
    const m = await trainer.readMetrics();
    if (m.nonFiniteStep !== undefined) {
      nonFiniteStep = m.nonFiniteStep;
      return false;
    }
    if (m.windowSteps === 0) return true;
    lastMetrics = m;
    emit({ event: "train", step: m.step, metrics: m, rate: rate() });
    return true;
  };
  const runEval = async () => {
    if (!evalPool) return;
    const maze = info.task === "maze" ? mazePathCounter(evalPool) : undefined;
    lastEval = await evaluate(trainer.emaModel, evalPool, {
      onPredictions: maze?.onPredictions,
      groups: evalPool.tiers,
    });
    lastPaths = maze?.rates();
    emit({ event: "eval", step: trainer.step, result: lastEval, paths: lastPaths });
  };
  const checkpoint = async () => {
    if (!save) return;
    await save({
      step: trainer.step,
      state: await encodeTrainingState(trainer, info as unknown as Record<string, unknown>),
      model: await encodeEmaModel(trainer, {
        ...options.modelMetadata,
        task: info.task,
        step: String(trainer.step),
      }),
    });
    lastCheckpoint = trainer.step;
    emit({ event: "checkpoint", step: trainer.step });
  };
  // The depth curriculum: set the recursion counts in force at the current step (on a
  // fresh start, on resume, and whenever a phase begins).
  const applyCurriculum = () => {
    if (!info.curriculum) return;
    const want = curriculumAt(info.curriculum, trainer.step);
    const c = trainer.config;
    const changed = (Object.keys(want) as (keyof typeof want)[]).some((k) => c[k] !== want[k]);
    if (!changed) return;
    trainer.setRecursion(want);
    const n = trainer.config;
    emit({
      event: "curriculum",
      step: trainer.step,
      tCycles: n.tCycles,
      nRecursions: n.nRecursions,
      maxSupervisionSteps: n.maxSupervisionSteps,
    });
  };

  let inFlight: Promise<void> = Promise.resolve();
  while (trainer.step < info.steps && !signal?.aborted) {
    applyCurriculum();
    const t = trainer.step + 1;
    trainer.slotStep(source.examples((t - 1) * B, B));
    const s = trainer.step;
    const last = s === info.steps;
    const checkpointNow = s % info.checkpointEvery === 0 && !last;
    const evalNow = info.evalEvery > 0 && s % info.evalEvery === 0 && !last;
    if (s % info.logEvery === 0 || checkpointNow || evalNow || last) {
      if (!(await readMetrics())) return result("non-finite");
    }
    if (evalNow) await runEval();
    if (checkpointNow) await checkpoint();
    emit({ event: "step", step: s, steps: info.steps, rate: rate(), metrics: lastMetrics });
    // At most two steps in flight (the host prepares step t+1 while the GPU runs step t),
    // which also keeps the rate honest and lets an abort land between steps.
    await inFlight;
    inFlight = gpu.device.queue.onSubmittedWorkDone();
  }
  if (signal?.aborted) {
    if (!(await readMetrics())) return result("non-finite");
    await checkpoint();
    return result("aborted");
  }
  if (!(await readMetrics())) return result("non-finite");
  await runEval();
  await checkpoint();
  return result("done");
}
