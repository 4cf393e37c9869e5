/**
 * `train`'s flags and the resume rules: a fresh run's {@linkcode RunInfo} and trainer from
 * the flags and the task's recipe, or the checkpoint's run continued, refusing flags that
 * contradict it.
 *
 * @module
 */
import type { Gpu } from "../gpu/gpu.ts";
import { decodeCheckpoint } from "../model/checkpoint.ts";
import { parseModelConfig, presets } from "../model/config.ts";
import { parseCurriculum } from "../train/curriculum.ts";
import { taskRecipe, TRAINING_TASKS, type TrainingTask } from "../train/recipes.ts";
import { resumeTraining, type RunInfo, startTraining } from "../train/run.ts";
import { parseTierSchedule } from "../train/tiers.ts";
import type { TrainerSettings, TRMTrainer } from "../train/trainer.ts";
import { UsageError } from "./errors.ts";
import {
  choiceOption,
  intOption,
  jsonObjectOption,
  numberOption,
  type OptionValues,
} from "./options.ts";
import { GPU_FLAG } from "./gpu_flag.ts";
import { arcIdentifierCount, isOfficialArcData } from "./train_arc.ts";

/** The flags of `train`. */
export const OPTIONS = {
  task: { type: "string" },
  size: { type: "string" },
  out: { type: "string" },
  preset: { type: "string" },
  recipe: { type: "string" },
  init: { type: "string" },
  config: { type: "string" },
  steps: { type: "string" },
  batch: { type: "string" },
  lr: { type: "string" },
  warmup: { type: "string" },
  "weight-decay": { type: "string" },
  ema: { type: "string" },
  optimizer: { type: "string" },
  "max-grad-norm": { type: "string" },
  schedule: { type: "string" },
  curriculum: { type: "string" },
  tiers: { type: "string" },
  data: { type: "string" },
  pool: { type: "string" },
  augmentations: { type: "string" },
  tasks: { type: "string" },
  "puzzle-emb-lr": { type: "string" },
  "eval-every": { type: "string" },
  "eval-count": { type: "string" },
  checkpoint: { type: "string" },
  "checkpoint-every": { type: "string" },
  "log-every": { type: "string" },
  resume: { type: "boolean" },
  seed: { type: "string" },
  json: { type: "boolean" },
  bench: { type: "boolean" },
  "no-torch": { type: "boolean" },
  ...GPU_FLAG,
  help: { type: "boolean", short: "h" },
} as const;

const CONFIG_EXAMPLE = '{"dim":32}';

/**
 * A JSON schedule option (--curriculum, --tiers), validated by `parse`; undefined when
 * absent, a one-line UsageError when it is not JSON or does not validate.
 */
function scheduleOption<T>(
  values: OptionValues,
  name: "curriculum" | "tiers",
  parse: (value: unknown) => T,
): T | undefined {
  const text = values[name];
  if (text === undefined) return undefined;
  let parsed;
  try {
    parsed = JSON.parse(text as string);
  } catch (e) {
    throw new UsageError(`--${name} must be a JSON array of phases (${(e as Error).message})`);
  }
  try {
    return parse(parsed);
  } catch (e) {
    throw new UsageError(`--${(e as Error).message}`);
  }
}

/**
 * Refuses a maze model whose seqLen is not size² before anything is generated or trained;
 * names the fixes.
 */
export function checkMazeSeqLen(
  run: { task: TrainingTask; mazeSize?: number; preset: string },
  seqLen: number,
): void {
  if (run.task !== "maze") return;
  const size = run.mazeSize ?? 30;
  if (seqLen === size * size) return;
  throw new UsageError(
    `--size ${size} mazes have ${size * size} cells but the model's seqLen is ${seqLen} ` +
      `(preset ${run.preset}); leave --preset out to get the matching default, or pass ` +
      `--config '{"seqLen":${size * size}}'`,
  );
}

/**
 * Points a resumed run's schedule at its (possibly changed) total: a cosine schedule then
 * decays to 0 at the new last step instead of the one the run started with.
 */
export function retargetSchedule(settings: TrainerSettings, steps: number): void {
  if (settings.schedule === "cosine") settings.totalSteps = steps;
}

/**
 * The flags a checkpoint fixes, each with the value the run was started with: on
 * `--resume` a flag that says otherwise is refused (it would be silently ignored).
 */
function fixedByCheckpoint(
  info: RunInfo,
  settings: TrainerSettings,
): [flag: string, stored: unknown, read: (v: OptionValues) => unknown][] {
  return [
    ["task", info.task, (v) => v.task],
    ["preset", info.preset, (v) => v.preset],
    ["recipe", info.recipe, (v) => v.recipe],
    ["init", info.init, (v) => v.init],
    ["data", info.data, (v) => v.data],
    ["batch", info.batch, (v) => intOption(v, "batch", 1)],
    ["seed", info.seed, (v) => intOption(v, "seed", 0)],
    ["pool", info.poolSize, (v) => intOption(v, "pool", 1)],
    ["augmentations", info.arcAugmentations, (v) => intOption(v, "augmentations", 0)],
    ["tasks", info.arcTasks, (v) => intOption(v, "tasks", 1)],
    ["puzzle-emb-lr", settings.puzzleEmbLr, (v) => numberOption(v, "puzzle-emb-lr", 0)],
    ["eval-count", info.evalCount, (v) => intOption(v, "eval-count", 0)],
    ["warmup", settings.warmupSteps, (v) => intOption(v, "warmup", 0)],
    ["weight-decay", settings.weightDecay, (v) => numberOption(v, "weight-decay", 0)],
    ["ema", settings.emaDecay, (v) => numberOption(v, "ema", 0, 0.999999)],
    ["optimizer", settings.optimizer, (v) => v.optimizer],
    ["max-grad-norm", settings.maxGradNorm, (v) => numberOption(v, "max-grad-norm", 1e-12)],
    ["schedule", settings.schedule, (v) => v.schedule],
  ];
}

/** Continues the run in `checkpointPath`, refusing flags that contradict it. */
export async function resumeRun(
  values: OptionValues,
  checkpointPath: string,
  gpu: Gpu,
): Promise<{ trainer: TRMTrainer; info: RunInfo }> {
  const { trainer, info } = await resumeTraining(await Deno.readFile(checkpointPath), gpu);
  try {
    const contradict = (flag: string, given: unknown, stored: unknown) => {
      throw new UsageError(
        `--${flag} ${given} differs from the run in ${checkpointPath} (${
          stored === undefined ? "not set" : stored
        }); leave it out when resuming, or choose another --out to start a new run`,
      );
    };
    for (const [flag, stored, read] of fixedByCheckpoint(info, trainer.settings)) {
      const given = read(values);
      // Runs saved before a field was recorded (recipe) cannot be checked for it.
      if (given === undefined || (flag === "recipe" && stored === undefined)) continue;
      if (given !== stored) {
        contradict(flag, values[flag], stored);
      }
    }
    const size = intOption(values, "size", 2);
    const stored = info.task === "maze" ? info.mazeSize ?? 30 : undefined;
    if (size !== undefined && size !== stored) {
      throw new UsageError(
        `--size ${size} differs from the checkpoint's ${
          stored === undefined ? `${info.task} run` : `${stored}×${stored} mazes`
        } (leave --size out when resuming)`,
      );
    }
    const overrides = jsonObjectOption(values, "config", CONFIG_EXAMPLE);
    for (const [key, value] of Object.entries(overrides)) {
      if (JSON.stringify(info.configOverrides[key]) !== JSON.stringify(value)) {
        contradict("config", JSON.stringify({ [key]: value }), info.configOverrides[key]);
      }
    }
    const steps = intOption(values, "steps", 1);
    if (steps !== undefined && steps < trainer.step) {
      throw new UsageError(
        `--steps ${steps} is below the step the run in ${checkpointPath} has reached (${trainer.step}); give --steps ≥ ${trainer.step}`,
      );
    }
    // A new peak learning rate from here on (a step decay for the rest of a run).
    const lr = numberOption(values, "lr", 0);
    if (lr !== undefined && lr !== trainer.settings.lr) {
      console.log(
        values.json
          ? JSON.stringify({ event: "lr", step: trainer.step, from: trainer.settings.lr, to: lr })
          : `learning rate ${trainer.settings.lr} → ${lr} from step ${trainer.step + 1}`,
      );
      trainer.settings.lr = lr;
    }
    info.steps = steps ?? info.steps;
    retargetSchedule(trainer.settings, info.steps);
    info.evalEvery = intOption(values, "eval-every", 0) ?? info.evalEvery;
    info.logEvery = intOption(values, "log-every", 1) ?? info.logEvery;
    info.checkpointEvery = intOption(values, "checkpoint-every", 1) ?? info.checkpointEvery;
    info.curriculum = scheduleOption(values, "curriculum", parseCurriculum) ?? info.curriculum;
    info.tiers = scheduleOption(values, "tiers", parseTierSchedule) ?? info.tiers;
  } catch (e) {
    trainer.dispose();
    trainer.model.dispose();
    throw e;
  }
  return { trainer, info };
}

/** A new run from the flags and the task's recipe. */
export async function freshRun(
  values: OptionValues,
  gpu: Gpu,
): Promise<{ trainer: TRMTrainer; info: RunInfo }> {
  const task = values.task as TrainingTask | undefined;
  if (!task || !TRAINING_TASKS.includes(task)) {
    throw new UsageError(
      `--task must be one of ${TRAINING_TASKS.join(", ")}${task ? `, got "${task}"` : ""}`,
    );
  }
  if (task !== "arc") {
    for (const flag of ["augmentations", "tasks"]) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} applies to --task arc`);
    }
  }
  const size = intOption(values, "size", 2);
  if (task !== "maze" && size !== undefined) {
    throw new UsageError("--size applies to mazes; Sudoku sizes are chosen by --task");
  }
  const mazeSize = task === "maze" ? size ?? 30 : undefined;
  const kind = choiceOption(values, "recipe", ["default", "official"] as const) ?? "default";
  const recipe = taskRecipe(task, { mazeSize, kind });
  const steps = intOption(values, "steps", 1) ?? recipe.steps;
  const overrides = jsonObjectOption(values, "config", CONFIG_EXAMPLE);
  const info: RunInfo = {
    task,
    mazeSize,
    preset: values.init
      ? `weights of ${values.init}`
      : (values.preset as string | undefined) ?? recipe.preset,
    recipe: kind,
    init: values.init as string | undefined,
    // The recipe's changes apply to its own preset only; --config goes on top.
    configOverrides: {
      ...(values.preset === undefined || values.preset === recipe.preset ? recipe.config : {}),
      ...overrides,
    },
    batch: intOption(values, "batch", 1) ?? recipe.batch,
    steps,
    seed: intOption(values, "seed", 0) ?? 0,
    poolSize: intOption(values, "pool", 1) ?? recipe.poolSize,
    data: values.data as string | undefined,
    evalCount: intOption(values, "eval-count", 0) ?? recipe.evalCount,
    evalEvery: intOption(values, "eval-every", 0) ?? recipe.evalEvery,
    checkpointEvery: intOption(values, "checkpoint-every", 1) ?? recipe.checkpointEvery,
    logEvery: intOption(values, "log-every", 1) ?? recipe.logEvery,
    curriculum: scheduleOption(values, "curriculum", parseCurriculum) ?? recipe.curriculum,
    tiers: scheduleOption(values, "tiers", parseTierSchedule) ?? recipe.tiers,
  };
  if (task === "arc") {
    if (await isOfficialArcData(info)) {
      // An official build carries its augmentations (and translations) already.
      for (const flag of ["augmentations", "tasks"]) {
        if (values[flag] !== undefined) {
          throw new UsageError(`--${flag} does not apply to an official dataset (${info.data})`);
        }
      }
    } else {
      info.arcAugmentations = intOption(values, "augmentations", 0, 1000) ??
        recipe.augmentations;
      info.arcTasks = intOption(values, "tasks", 1);
    }
    // The embedding table holds one row per (task, augmentation), plus the blank id 0.
    info.configOverrides.numPuzzleIdentifiers = await arcIdentifierCount(info);
  }
  const settings: Partial<TrainerSettings> = {
    lr: numberOption(values, "lr", 0) ?? recipe.lr,
    warmupSteps: intOption(values, "warmup", 0) ?? recipe.warmupSteps,
    weightDecay: numberOption(values, "weight-decay", 0) ?? recipe.weightDecay,
    emaDecay: numberOption(values, "ema", 0, 0.999999) ?? recipe.emaDecay,
    optimizer: choiceOption(values, "optimizer", ["adam-atan2", "adamw", "muon"] as const) ??
      "adam-atan2",
    maxGradNorm: numberOption(values, "max-grad-norm", 1e-12),
    schedule: choiceOption(values, "schedule", ["constant", "cosine"] as const) ??
      recipe.schedule ?? "constant",
    puzzleEmbLr: numberOption(values, "puzzle-emb-lr", 0) ?? recipe.puzzleEmbLr,
    puzzleEmbWeightDecay: recipe.puzzleEmbWeightDecay,
  };
  let init;
  let seqLen;
  try {
    if (info.init) {
      // Fine-tuning: the file's weights and config; --config may change what does not
      // change a weight's shape (recursion counts, N_sup, dropout, exploration).
      const decoded = decodeCheckpoint(await readInit(info.init));
      const config = parseModelConfig({ ...decoded.config, ...overrides });
      init = { config, values: decoded.values };
      seqLen = config.seqLen;
    } else {
      if (!presets[info.preset]) {
        throw new UsageError(
          `unknown preset "${info.preset}" (one of ${Object.keys(presets).join(", ")})`,
        );
      }
      seqLen = parseModelConfig({ ...presets[info.preset], ...info.configOverrides }).seqLen;
    }
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError((e as Error).message);
  }
  checkMazeSeqLen(info, seqLen);
  if (task === "arc" && seqLen !== 900) {
    throw new UsageError(
      `ARC grids are encoded as 900 tokens (30×30) but the model's seqLen is ${seqLen} (preset ${info.preset})`,
    );
  }
  try {
    return { trainer: await startTraining(info, { gpu, settings, init }), info };
  } catch (e) {
    if (!init) throw e;
    throw new UsageError(
      `--init ${info.init}: ${(e as Error).message} (--config may not change a weight's shape)`,
    );
  }
}

/** Reads the --init model file, or says why it cannot. */
async function readInit(path: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (e) {
    throw new UsageError(`cannot read --init ${path}: ${(e as Error).message}`);
  }
}
