/**
 * `cli.ts train`: trains a TRM with the official slot-carry loop on generated (or CSV)
 * puzzles, evaluates the EMA model on held-out generated puzzles, writes resumable
 * training checkpoints atomically (temporary file, then rename) and the EMA model.
 * `--bench` measures training throughput here and, with the same config, in PyTorch.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { parsePuzzleCsv, recordsToDataset } from "../data/csv.ts";
import { PUZZLE_TASKS, type PuzzleTask } from "../data/dataset.ts";
import { readOfficialSplit } from "../data/official.ts";
import { Gpu } from "../gpu/gpu.ts";
import { decodeCheckpoint } from "../model/checkpoint.ts";
import { type ModelConfigInput, parseModelConfig, presets } from "../model/config.ts";
import { TinyRecursiveModel } from "../model/model.ts";
import { deriveSeed, Rng } from "../puzzles/rng.ts";
import { measureTrainThroughput } from "../train/bench.ts";
import {
  type ExamplePool,
  generatePool,
  poolKeys,
  poolSource,
  taskAugment,
} from "../train/data.ts";
import { curriculumAt, type CurriculumPhase, parseCurriculum } from "../train/curriculum.ts";
import { evaluate, type EvaluateResult } from "../train/evaluate.ts";
import { parseTierSchedule, tieredRowPicker, type TierPhase } from "../train/tiers.ts";
import { SUDOKU_DIFFICULTIES } from "../puzzles/sudoku_generate.ts";
import { mazePathCounter, type MazePathRates } from "../train/maze_metrics.ts";
import { taskRecipe } from "../train/recipes.ts";
import { cachedPool } from "./pool_cache.ts";
import { encodeEmaModel, encodeTrainingState, restoreTraining } from "../train/state.ts";
import { type SlotMetrics, type TrainerSettings, TRMTrainer } from "../train/trainer.ts";
import { UsageError } from "./main.ts";

const HELP =
  `Usage: deno run -A cli.ts train --task sudoku4|sudoku6|sudoku9|maze --out model.safetensors [options]
       deno run -A cli.ts train --bench [--preset sudokuMlp] [--batch 64] [--steps 3] [--warmup 1] [--no-torch]

Trains with the official slot loop (one optimizer step per supervision step; halted slots
take fresh augmented puzzles), evaluates the EMA model on held-out generated puzzles, and
writes the EMA model to --out and a resumable training checkpoint beside it.

Options:
  --task T              sudoku4, sudoku6, sudoku9 or maze
  --out FILE            model file to write (EMA weights, safetensors)
  --size N              maze side length (default 30); N ≤ 15 trains the CPU-sized mazeSmall
                        recipe; the default preset's seqLen is set to N²
  --preset P            model preset (default per task: sudoku4, sudoku6, sudoku9Cpu,
                        maze, or mazeSmall for --size ≤ 15); its seqLen must match the task
  --recipe R            default (CPU-sized where it matters) or official (sudoku9: batch
                        768, lr 1e-4, 65k steps, preset sudoku9Small; a GPU job)
  --config JSON         model config overrides, e.g. '{"dim":32,"numLayers":1}'
  --init FILE           start from a model file's weights and config (fine-tuning); --config
                        may then change recursion counts, N_sup, dropout, not shapes
  --steps N             optimizer steps in total (default per task; may be changed on --resume,
                        and a cosine schedule then ends at the new total)
  --batch B             slots per optimizer step
  --lr X                peak learning rate          --warmup N        warmup steps
  --weight-decay X      weight decay                --ema X           EMA decay
  --optimizer O         adam-atan2 (default) or adamw
  --max-grad-norm X     clip the global gradient norm (default: no clipping)
  --schedule S          constant or cosine (to 0 at --steps); default per task
  --tiers JSON          Sudoku difficulty curriculum: tier weights from a step on, e.g.
                        '[{"from":0,"easy":1,"medium":1},{"from":2000,"easy":1,"medium":1,"hard":1}]'
                        (default: every tier of the mixed pool alike); may be changed on --resume
  --curriculum JSON     depth curriculum: recursion counts from a step on, e.g.
                        '[{"from":0,"tCycles":1},{"from":3000,"tCycles":2,"nRecursions":3}]'
                        (fields: tCycles, nRecursions, maxSupervisionSteps; each phase keeps
                        what it does not name); default per task; may be changed on --resume
  --data PATH           training CSV (source,question,answer,rating) or an official dataset
                        directory (its train split); default: generated puzzles
  --pool N              generated training puzzles, each drawn with a fresh augmentation
  --eval-every N        evaluate the EMA model every N steps (0: only at the end)
  --eval-count N        held-out generated puzzles to evaluate on
  --checkpoint FILE     training checkpoint (default: OUT with .train.safetensors)
  --checkpoint-every N  steps between training checkpoints
  --log-every N         steps between metric reads (log lines)
  --resume              continue from the checkpoint (starts fresh when there is none)
  --seed S              seed of initialisation, data and exploration (default 0)
  --json                JSON lines on standard output instead of text
Bench options:
  --bench               measure examples × supervision steps per second (slot loop): --warmup
                        untimed steps, then --steps timed ones, on random tokens
  --no-torch            skip the PyTorch measurement (tools/bench_train_torch.py, /usr/bin/python3)`;

/** What a run needs to resume exactly; stored in the training checkpoint. */
interface RunInfo {
  task: PuzzleTask;
  /** Maze side length (maze only; absent in older checkpoints: 30). */
  mazeSize?: number;
  preset: string;
  /** Model file whose weights (and config, under --config) started the run. */
  init?: string;
  configOverrides: Record<string, unknown>;
  batch: number;
  steps: number;
  seed: number;
  poolSize: number;
  data?: string;
  evalCount: number;
  evalEvery: number;
  checkpointEvery: number;
  logEvery: number;
  /** Depth curriculum (absent: the config's counts throughout). */
  curriculum?: CurriculumPhase[];
  /** Difficulty curriculum (absent: uniform over the pool). */
  tiers?: TierPhase[];
}

const POOL_SALT = 0x504f4f4c;
const EVAL_SALT = 0x4556414c;
const STREAM_SALT = 0x5354524d;

type Values = Record<string, string | boolean | undefined>;

function parse(args: string[]): Values {
  try {
    const { values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
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
        help: { type: "boolean", short: "h" },
      },
    });
    return values;
  } catch (e) {
    throw new UsageError(`${(e as Error).message.split("\n")[0]} (see train --help)`);
  }
}

function int(values: Values, name: string, min: number): number | undefined {
  const text = values[name];
  if (text === undefined) return undefined;
  const v = Number(text);
  if (typeof text !== "string" || !Number.isInteger(v) || v < min) {
    throw new UsageError(`--${name} must be an integer ≥ ${min}, got "${text}"`);
  }
  return v;
}

function num(values: Values, name: string, min: number, max = Infinity): number | undefined {
  const text = values[name];
  if (text === undefined) return undefined;
  const v = Number(text);
  if (typeof text !== "string" || text.trim() === "" || !Number.isFinite(v) || v < min || v > max) {
    throw new UsageError(`--${name} must be a number in [${min}, ${max}], got "${text}"`);
  }
  return v;
}

/**
 * A JSON schedule option (--curriculum, --tiers), validated by `parse`; undefined when
 * absent, a one-line UsageError when it is not JSON or does not validate.
 */
function scheduleOption<T>(
  values: Values,
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

function presetConfig(name: string, overrides: Record<string, unknown>): ModelConfigInput {
  const preset = presets[name];
  if (!preset) {
    throw new UsageError(`unknown preset "${name}" (one of ${Object.keys(presets).join(", ")})`);
  }
  return { ...preset, ...overrides } as ModelConfigInput;
}

function parseOverrides(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  try {
    const v = JSON.parse(text);
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("not an object");
    return v;
  } catch (e) {
    throw new UsageError(
      `--config must be a JSON object, e.g. '{"dim":32}' (${(e as Error).message})`,
    );
  }
}

/**
 * Refuses a maze model whose seqLen is not size² before anything is generated or trained;
 * names the fixes.
 */
export function checkMazeSeqLen(
  run: { task: PuzzleTask; mazeSize?: number; preset: string },
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

/** Reads the --init model file, or says why it cannot. */
async function readInit(path: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (e) {
    throw new UsageError(`cannot read --init ${path}: ${(e as Error).message}`);
  }
}

/** Writes `bytes` to `path` atomically: a temporary file, flushed to disk, then renamed over. */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.tmp`;
  const file = await Deno.open(tmp, { write: true, create: true, truncate: true });
  try {
    let off = 0;
    while (off < bytes.length) off += await file.write(bytes.subarray(off));
    await file.syncData();
  } finally {
    file.close();
  }
  await Deno.rename(tmp, path);
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return h
    ? `${h}h${String(m).padStart(2, "0")}m`
    : m
    ? `${m}m${String(r).padStart(2, "0")}s`
    : `${r}s`;
}

/** Options of `run` (tests share one GPU). */
export interface TrainRunOptions {
  /** The GPU to use (default: a new one). */
  gpu?: Gpu;
}

/** Runs `train` with its arguments; returns the exit code. */
export async function run(args: string[], options: TrainRunOptions = {}): Promise<number> {
  const values = parse(args);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (values.bench) return await bench(values);
  if (!values.out || typeof values.out !== "string") {
    throw new UsageError("--out FILE is required (the model file to write)");
  }
  const out = values.out;
  const checkpointPath = (values.checkpoint as string | undefined) ??
    `${out.replace(/\.safetensors$/, "")}.train.safetensors`;
  const json = values.json === true;
  const say = (obj: Record<string, unknown>, text: string) => {
    if (json) console.log(JSON.stringify(obj));
    else console.log(text);
  };

  const gpu = options.gpu ?? await Gpu.create();
  let trainer: TRMTrainer;
  let info: RunInfo;
  const resuming = values.resume === true && (await exists(checkpointPath));
  if (resuming) {
    const restored = await restoreTraining(await Deno.readFile(checkpointPath), gpu);
    trainer = restored.trainer;
    info = restored.meta.run as unknown as RunInfo;
    const size = int(values, "size", 2);
    const stored = info.task === "maze" ? info.mazeSize ?? 30 : undefined;
    if (size !== undefined && size !== stored) {
      throw new UsageError(
        `--size ${size} differs from the checkpoint's ${
          stored === undefined ? `${info.task} run` : `${stored}×${stored} mazes`
        } (leave --size out when resuming)`,
      );
    }
    info.steps = int(values, "steps", 1) ?? info.steps;
    retargetSchedule(trainer.settings, info.steps);
    info.evalEvery = int(values, "eval-every", 0) ?? info.evalEvery;
    info.logEvery = int(values, "log-every", 1) ?? info.logEvery;
    info.checkpointEvery = int(values, "checkpoint-every", 1) ?? info.checkpointEvery;
    info.curriculum = scheduleOption(values, "curriculum", parseCurriculum) ?? info.curriculum;
    info.tiers = scheduleOption(values, "tiers", parseTierSchedule) ?? info.tiers;
    say(
      { event: "resume", step: trainer.step, checkpoint: checkpointPath },
      `resuming from ${checkpointPath} at step ${trainer.step}`,
    );
  } else {
    const task = values.task as PuzzleTask | undefined;
    if (!task || !PUZZLE_TASKS.includes(task)) {
      throw new UsageError(
        `--task must be one of ${PUZZLE_TASKS.join(", ")}${task ? `, got "${task}"` : ""}`,
      );
    }
    if (values.resume) {
      say(
        { event: "fresh", checkpoint: checkpointPath },
        `no checkpoint at ${checkpointPath}: starting from scratch`,
      );
    }
    const size = int(values, "size", 2);
    if (task !== "maze" && size !== undefined) {
      throw new UsageError("--size applies to mazes; Sudoku sizes are chosen by --task");
    }
    const mazeSize = task === "maze" ? size ?? 30 : undefined;
    const kind = (values.recipe as string | undefined) ?? "default";
    if (kind !== "default" && kind !== "official") {
      throw new UsageError(`--recipe must be default or official, got "${kind}"`);
    }
    const recipe = taskRecipe(task, { mazeSize, kind });
    const steps = int(values, "steps", 1) ?? recipe.steps;
    info = {
      task,
      mazeSize,
      preset: values.init
        ? `weights of ${values.init}`
        : (values.preset as string | undefined) ?? recipe.preset,
      init: values.init as string | undefined,
      // The recipe's changes apply to its own preset only; --config goes on top.
      configOverrides: {
        ...(values.preset === undefined || values.preset === recipe.preset ? recipe.config : {}),
        ...parseOverrides(values.config as string | undefined),
      },
      batch: int(values, "batch", 1) ?? recipe.batch,
      steps,
      seed: int(values, "seed", 0) ?? 0,
      poolSize: int(values, "pool", 1) ?? recipe.poolSize,
      data: values.data as string | undefined,
      evalCount: int(values, "eval-count", 0) ?? recipe.evalCount,
      evalEvery: int(values, "eval-every", 0) ?? recipe.evalEvery,
      checkpointEvery: int(values, "checkpoint-every", 1) ?? recipe.checkpointEvery,
      logEvery: int(values, "log-every", 1) ?? recipe.logEvery,
      curriculum: scheduleOption(values, "curriculum", parseCurriculum) ?? recipe.curriculum,
      tiers: scheduleOption(values, "tiers", parseTierSchedule) ?? recipe.tiers,
    };
    const optimizer = (values.optimizer as string | undefined) ?? "adam-atan2";
    if (optimizer !== "adam-atan2" && optimizer !== "adamw") {
      throw new UsageError(`--optimizer must be adam-atan2 or adamw, got "${optimizer}"`);
    }
    const schedule = (values.schedule as string | undefined) ?? recipe.schedule ?? "constant";
    if (schedule !== "constant" && schedule !== "cosine") {
      throw new UsageError(`--schedule must be constant or cosine, got "${schedule}"`);
    }
    const settings: Partial<TrainerSettings> = {
      lr: num(values, "lr", 0) ?? recipe.lr,
      warmupSteps: int(values, "warmup", 0) ?? recipe.warmupSteps,
      weightDecay: num(values, "weight-decay", 0) ?? recipe.weightDecay,
      emaDecay: num(values, "ema", 0, 0.999999) ?? recipe.emaDecay,
      optimizer,
      maxGradNorm: num(values, "max-grad-norm", 1e-12),
      schedule,
      totalSteps: steps,
      seed: info.seed,
    };
    let config;
    let initValues: Map<string, Float32Array> | undefined;
    try {
      if (info.init) {
        // Fine-tuning: the file's weights and config; --config may change what does not
        // change a weight's shape (recursion counts, N_sup, dropout, exploration).
        const decoded = decodeCheckpoint(await readInit(info.init));
        config = parseModelConfig({
          ...decoded.config,
          ...parseOverrides(values.config as string | undefined),
        });
        initValues = decoded.values;
      } else {
        config = parseModelConfig(presetConfig(info.preset, info.configOverrides));
      }
    } catch (e) {
      if (e instanceof UsageError) throw e;
      throw new UsageError((e as Error).message);
    }
    checkMazeSeqLen(info, config.seqLen);
    let model;
    try {
      model = await TinyRecursiveModel.create(config, { gpu, seed: info.seed, values: initValues });
    } catch (e) {
      if (!initValues) throw e;
      throw new UsageError(
        `--init ${info.init}: ${(e as Error).message} (--config may not change a weight's shape)`,
      );
    }
    trainer = await TRMTrainer.create({ model, ...settings });
  }

  const config = trainer.config;
  if (info.tiers && info.task === "maze") {
    throw new UsageError("--tiers applies to Sudoku (mazes have no difficulty tiers)");
  }
  if (info.tiers && info.data) {
    throw new UsageError(
      "--tiers needs the generated training pool (its puzzles carry their tier), not --data",
    );
  }
  const evalPool = info.evalCount > 0
    ? generatePool(info.task, {
      count: info.evalCount,
      seed: deriveSeed(info.seed, EVAL_SALT),
      mazeSize: info.mazeSize,
    })
    : undefined;
  let pool: ExamplePool;
  if (info.data) {
    let stat;
    try {
      stat = await Deno.stat(info.data);
    } catch (e) {
      throw new UsageError(`cannot read --data ${info.data}: ${(e as Error).message}`);
    }
    pool = stat.isDirectory
      ? await readOfficialSplit((p) => Deno.readFile(p), info.data, "train")
      : recordsToDataset(parsePuzzleCsv(await Deno.readTextFile(info.data)), { task: info.task });
  } else {
    pool = await cachedPool(info.task, {
      count: info.poolSize,
      seed: deriveSeed(info.seed, POOL_SALT),
      mazeSize: info.mazeSize,
    });
  }
  if (pool.seqLen !== config.seqLen) {
    throw new UsageError(
      `the ${info.task} data has ${pool.seqLen} tokens per puzzle but the model's seqLen is ${config.seqLen} (${
        info.task === "maze"
          ? `pass --size ${Math.round(Math.sqrt(pool.seqLen))}`
          : "choose a matching --preset"
      })`,
    );
  }
  const poolTiers = (pool as { tiers?: Uint8Array }).tiers;
  if (info.tiers && !poolTiers) {
    throw new UsageError(
      "--tiers needs the generated training pool (its puzzles carry their tier), not --data",
    );
  }
  let pickRow;
  try {
    pickRow = info.tiers ? tieredRowPicker(poolTiers!, info.tiers, info.batch) : undefined;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const source = poolSource(pool, {
    pickRow,
    seed: deriveSeed(info.seed, STREAM_SALT),
    vocabSize: config.vocabSize,
    augment: taskAugment(info.task, pool.seqLen),
    exclude: evalPool ? poolKeys(evalPool) : undefined,
    ignoreIndex: config.ignoreIndex,
  });

  const B = info.batch;
  const progress = !json && Deno.stderr.isTerminal();
  const encoder = new TextEncoder();
  const bar = (text: string) => Deno.stderr.writeSync(encoder.encode(`\r\x1b[2K${text}`));
  const clearBar = () => progress && bar("");
  const startStep = trainer.step;
  const started = performance.now();
  let lastMetrics: SlotMetrics | undefined;
  let lastEval: EvaluateResult | undefined;
  let lastPaths: MazePathRates | undefined;
  let lastCheckpoint = startStep;

  const rate = () => {
    const seconds = (performance.now() - started) / 1000;
    const done = trainer.step - startStep;
    return {
      seconds,
      stepsPerSecond: done / Math.max(seconds, 1e-9),
      examplesStepsPerSecond: (done * B) / Math.max(seconds, 1e-9),
    };
  };
  const readMetrics = async (): Promise<boolean> => {
    const m = await trainer.readMetrics();
    if (m.nonFiniteStep !== undefined) {
      clearBar();
      const msg =
        `the loss became NaN or Inf at step ${m.nonFiniteStep}; stopping. The last good checkpoint (step ${lastCheckpoint}) is kept` +
        (lastCheckpoint > 0 ? ` at ${checkpointPath}` : "") +
        "; try a lower --lr or --max-grad-norm";
      say(
        { event: "error", reason: "non-finite loss", step: m.nonFiniteStep, lastCheckpoint },
        `error: ${msg}`,
      );
      return false;
    }
    if (m.windowSteps === 0) return true;
    lastMetrics = m;
    const r = rate();
    clearBar();
    say(
      { event: "train", ...m, ...r },
      `step ${m.step}/${info.steps} loss ${m.lmLoss.toFixed(4)} halt ${m.haltLoss.toFixed(4)} ` +
        // Per-sample metrics count the samples that halted in the window (none: "-").
        (m.halted > 0
          ? `acc ${m.accuracy.toFixed(3)} exact ${m.exactAccuracy.toFixed(3)} ` +
            `q-acc ${m.qHaltAccuracy.toFixed(3)} steps ${m.meanSteps.toFixed(2)} `
          : "acc - exact - q-acc - steps - ") +
        `lr ${m.lr.toExponential(2)} ${r.examplesStepsPerSecond.toFixed(1)} ex·steps/s`,
    );
    return true;
  };
  const runEval = async () => {
    if (!evalPool) return;
    clearBar();
    const maze = info.task === "maze" ? mazePathCounter(evalPool) : undefined;
    lastEval = await evaluate(trainer.emaModel, evalPool, {
      onPredictions: maze?.onPredictions,
      groups: evalPool.tiers,
    });
    const e = lastEval;
    const tiers = e.exactByGroup?.map((g, t) =>
      `${SUDOKU_DIFFICULTIES[t]} ${(100 * g.exactAccuracy).toFixed(1)}%`
    ).join(", ");
    const paths = lastPaths = maze?.rates();
    say(
      { event: "eval", step: trainer.step, ...e, ...paths },
      `eval step ${trainer.step}: exact ${(100 * e.exactAccuracy).toFixed(1)}% token ${
        (100 * e.tokenAccuracy).toFixed(1)
      }% ` +
        (paths
          ? `valid-path ${(100 * paths.validPath).toFixed(1)}% shortest-path ${
            (100 * paths.shortestPath).toFixed(1)
          }% `
          : "") +
        `halted-exact ${(100 * e.haltedExactAccuracy).toFixed(1)}% mean halt step ${
          e.meanHaltStep.toFixed(2)
        } (${e.count} held-out puzzles${tiers ? `: ${tiers}` : ""})`,
    );
  };
  const save = async () => {
    await writeFileAtomic(
      checkpointPath,
      await encodeTrainingState(trainer, info as unknown as Record<string, unknown>),
    );
    await writeFileAtomic(
      out,
      await encodeEmaModel(trainer, { task: info.task, step: String(trainer.step) }),
    );
    lastCheckpoint = trainer.step;
    if (json) {
      console.log(
        JSON.stringify({
          event: "checkpoint",
          step: trainer.step,
          path: checkpointPath,
          model: out,
        }),
      );
    }
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
    clearBar();
    say(
      {
        event: "curriculum",
        step: trainer.step,
        tCycles: n.tCycles,
        nRecursions: n.nRecursions,
        maxSupervisionSteps: n.maxSupervisionSteps,
      },
      `step ${trainer.step}: recursion now T = ${n.tCycles}, n = ${n.nRecursions}, N_sup = ${n.maxSupervisionSteps}`,
    );
  };

  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
  };
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, onSignal);
  try {
    if (!resuming && !json) {
      console.log(
        `training ${info.task}${
          info.task === "maze" ? ` ${info.mazeSize ?? 30}×${info.mazeSize ?? 30}` : ""
        } with ${info.preset} (${trainer.model.numParameters()} parameters), ${B} slots, ` +
          `${info.steps} steps, lr ${trainer.settings.lr}, ${trainer.settings.optimizer} on ${gpu.summary.description}`,
      );
    }
    let inFlight: Promise<void> = Promise.resolve();
    while (trainer.step < info.steps && !interrupted) {
      applyCurriculum();
      const t = trainer.step + 1;
      trainer.slotStep(source.examples((t - 1) * B, B));
      const s = trainer.step;
      const last = s === info.steps;
      const checkpointNow = s % info.checkpointEvery === 0 && !last;
      const evalNow = info.evalEvery > 0 && s % info.evalEvery === 0 && !last;
      if (s % info.logEvery === 0 || checkpointNow || evalNow || last) {
        if (!(await readMetrics())) return 1;
      }
      if (evalNow) await runEval();
      if (checkpointNow) await save();
      if (progress) {
        const r = rate();
        const frac = s / info.steps;
        const width = 24;
        const filled = Math.round(frac * width);
        const eta = (info.steps - s) / Math.max(r.stepsPerSecond, 1e-9);
        const m = lastMetrics;
        bar(
          `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${s}/${info.steps} ${
            r.stepsPerSecond.toFixed(2)
          } steps/s ETA ${formatDuration(eta)}` +
            (m ? ` loss ${m.lmLoss.toFixed(3)} exact ${m.exactAccuracy.toFixed(3)}` : ""),
        );
      }
      // At most two steps in flight (the host prepares step t+1 while the GPU runs step t),
      // which also keeps the rate honest and lets a signal handler run between steps.
      await inFlight;
      inFlight = gpu.device.queue.onSubmittedWorkDone();
    }
    if (interrupted) {
      if (!(await readMetrics())) return 1;
      await save();
      clearBar();
      say(
        { event: "interrupted", step: trainer.step, checkpoint: checkpointPath },
        `interrupted at step ${trainer.step}; saved ${checkpointPath} (continue with --resume)`,
      );
      return 130;
    }
    if (!(await readMetrics())) return 1;
    await runEval();
    await save();
    const r = rate();
    clearBar();
    say(
      {
        event: "done",
        step: trainer.step,
        seconds: r.seconds,
        stepsPerSecond: r.stepsPerSecond,
        examplesStepsPerSecond: r.examplesStepsPerSecond,
        exactAccuracy: lastEval?.exactAccuracy,
        tokenAccuracy: lastEval?.tokenAccuracy,
        ...lastPaths,
        model: out,
        checkpoint: checkpointPath,
      },
      `done: ${trainer.step} steps in ${formatDuration(r.seconds)} (${
        r.examplesStepsPerSecond.toFixed(1)
      } examples × supervision steps/s)` +
        (lastEval
          ? `; held-out exact accuracy ${(100 * lastEval.exactAccuracy).toFixed(1)}%`
          : "") +
        (lastPaths
          ? `, valid path ${(100 * lastPaths.validPath).toFixed(1)}%, shortest path ${
            (100 * lastPaths.shortestPath).toFixed(1)
          }%`
          : "") +
        `; EMA model written to ${out}`,
    );
    return 0;
  } finally {
    for (const s of signals) Deno.removeSignalListener(s, onSignal);
    trainer.dispose();
    trainer.model.dispose();
  }
}

/** `train --bench`: slot-loop throughput here and, with the same config, in PyTorch. */
async function bench(values: Values): Promise<number> {
  const presetName = (values.preset as string | undefined) ?? "sudokuMlp";
  const overrides = parseOverrides(values.config as string | undefined);
  const config = parseModelConfig(presetConfig(presetName, overrides));
  const batch = int(values, "batch", 1) ?? 64;
  const steps = int(values, "steps", 1) ?? 3;
  const warmup = int(values, "warmup", 0) ?? 1;
  const json = values.json === true;
  const gpu = await Gpu.create();
  const model = await TinyRecursiveModel.create(config, { gpu, seed: 0 });
  const trainer = await TRMTrainer.create({ model, lr: 1e-4, warmupSteps: 10 });
  // Throughput does not depend on the token values: random tokens of the vocabulary.
  const rng = new Rng(1);
  const n = batch * config.seqLen;
  const tokens = () => Int32Array.from({ length: n }, () => 1 + rng.int(config.vocabSize - 1));
  const data = { inputs: tokens(), labels: tokens() };
  const ours = await measureTrainThroughput(trainer, data, { warmup, steps });
  trainer.dispose();
  model.dispose();
  const results: Record<string, unknown>[] = [{
    impl: "webgpu",
    op: "train_step",
    preset: presetName,
    adapter: gpu.summary.description,
    batch,
    warmup,
    steps,
    ms_per_step: ours.msPerStep,
    examples_steps_per_s: ours.examplesStepsPerSecond,
  }];
  if (!values["no-torch"]) {
    const script = new URL("../../tools/bench_train_torch.py", import.meta.url).pathname;
    const cmd = new Deno.Command("/usr/bin/python3", {
      args: [
        script,
        "--config",
        JSON.stringify(config),
        "--batch",
        String(batch),
        "--steps",
        String(steps),
      ],
      stdout: "piped",
      stderr: "piped",
    });
    let output;
    try {
      output = await cmd.output();
    } catch (e) {
      throw new UsageError(
        `cannot run /usr/bin/python3 for the PyTorch bench (${
          (e as Error).message
        }); use --no-torch`,
      );
    }
    const text = new TextDecoder().decode(output.stdout).trim().split("\n").pop() ?? "";
    if (!output.success || !text.startsWith("{")) {
      const err = new TextDecoder().decode(output.stderr).trim().split("\n").pop();
      throw new Error(`the PyTorch bench failed: ${err}`);
    }
    results.push({ preset: presetName, ...JSON.parse(text) });
  }
  for (const r of results) {
    if (json) console.log(JSON.stringify(r));
    else {
      console.log(
        `${String(r.impl).padEnd(7)} ${presetName} batch ${batch}: ${
          (r.ms_per_step as number).toFixed(0)
        } ms/step, ` +
          `${(r.examples_steps_per_s as number).toFixed(2)} examples × supervision steps/s (${
            r.adapter ?? ""
          }${r.threads ? `, ${r.threads} threads` : ""})`,
      );
    }
  }
  return 0;
}
