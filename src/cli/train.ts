/**
 * `cli.ts train`: the door to the library training run (src/train/run.ts). Here: flags,
 * the resume rules, file I/O (the training pool from --data or the pool cache, exclusive
 * locks on --out and --checkpoint, atomic writes) and printing (text, a progress bar or
 * JSON lines). `--bench` lives in train_bench.ts.
 *
 * @module
 */
import { parsePuzzleCsv, recordsToDataset } from "../data/csv.ts";
import { readOfficialSplit } from "../data/official.ts";
import { Gpu } from "../gpu/gpu.ts";
import {
  checkOutputPath,
  exists,
  type FileLock,
  lockPath,
  writeFileAtomic,
} from "../host/files.ts";
import type { ExamplePool } from "../train/data.ts";
import {
  type RunInfo,
  runPoolOptions,
  RunSetupError,
  runTraining,
  type TrainingRunResult,
} from "../train/run.ts";
import { UsageError } from "./errors.ts";
import { gpuOptions } from "./gpu_flag.ts";
import { type OptionValues, parseOptions } from "./options.ts";
import { cachedPool } from "./pool_cache.ts";
import { arcRunData } from "./train_arc.ts";
import { trainBench } from "./train_bench.ts";
import { freshRun, OPTIONS, resumeRun } from "./train_flags.ts";
import { eventPrinter, reportEnd } from "./train_print.ts";

const HELP =
  `Usage: deno run -A cli.ts train --task sudoku4|sudoku6|sudoku9|maze|arc --out model.safetensors [options]
       deno run -A cli.ts train --bench [--preset sudokuMlp] [--batch 64] [--steps 3] [--warmup 1] [--optimizer O] [--no-torch]

Trains with the official slot loop (one optimizer step per supervision step; halted slots
take fresh augmented puzzles), evaluates the EMA model on held-out generated puzzles, and
writes the EMA model to --out and a resumable training checkpoint beside it.

Options:
  --task T              sudoku4, sudoku6, sudoku9, maze or arc (ARC task files from --data)
  --out FILE            model file to write (EMA weights, safetensors); it and the checkpoint
                        are locked (FILE.lock) while the run lasts, so a second run on them
                        fails at once
  --size N              maze side length (default 30); N ≤ 15 trains the CPU-sized mazeSmall
                        recipe; the default preset's seqLen is set to N²
  --preset P            model preset (default per task: sudoku4, sudoku6, sudoku9Cpu,
                        maze, or mazeSmall for --size ≤ 15); its seqLen must match the task
  --recipe R            default (CPU-sized where it matters) or official (sudoku9: batch
                        768, lr 1e-4, 65k steps, preset sudoku9Small; arc: preset arc, batch
                        768, lr 1e-4, puzzle-embedding lr 1e-2, weight decay 0.1, 1000
                        augmentations; GPU jobs)
  --config JSON         model config overrides, e.g. '{"dim":32,"numLayers":1}'
  --init FILE           start from a model file's weights and config (fine-tuning); --config
                        may then change recursion counts, N_sup, dropout, not shapes
  --steps N             optimizer steps in total (default per task; may be changed on --resume,
                        and a cosine schedule then ends at the new total)
  --batch B             slots per optimizer step
  --lr X                peak learning rate (may be changed on --resume: a step decay)
  --warmup N            warmup steps
  --weight-decay X      weight decay                --ema X           EMA decay
  --optimizer O         adam-atan2 (default), adamw, or muon (Muon on the layers' weight
                        matrices, update RMS matched to Adam's so --lr means the same;
                        Adam-atan2 on embeddings and heads)
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
                        directory (its train split); default: generated puzzles. arc: a
                        folder of task files (every pair trains), the ARC-AGI-1 folder
                        (training/ every pair, evaluation/ demonstrations only), or a
                        dataset built by the official build_arc_dataset.py (as built)
  --pool N              generated training puzzles, each drawn with a fresh augmentation
  --augmentations K     arc: random augmentations (dihedral × colour permutation) per task
                        besides the identity, each its own puzzle id (default 8; official 1000)
  --tasks N             arc: only the first N task files of each folder
  --puzzle-emb-lr X     sign-SGD learning rate of the puzzle embeddings (default: arc 1e-2,
                        others --lr)
  --eval-every N        evaluate the EMA model every N steps (0: only at the end)
  --eval-count N        held-out generated puzzles to evaluate on
  --checkpoint FILE     training checkpoint (default: OUT with .train.safetensors)
  --checkpoint-every N  steps between training checkpoints
  --log-every N         steps between metric reads (log lines)
  --resume              continue from the checkpoint (starts fresh when there is none); flags
                        the checkpoint fixes (task, preset, config, batch, seed, …) may
                        be repeated but not changed
  --seed S              seed of initialisation, data and exploration (default 0)
  --json                JSON lines on standard output instead of text
  --kernel-profile P    kernels to use: auto (from the adapter), cpu or gpu (default
                        TRM_KERNEL_PROFILE, else auto); also with --bench
Bench options:
  --bench               measure examples × supervision steps per second (slot loop): --warmup
                        untimed steps, then --steps timed ones, on random tokens
  --no-torch            skip the PyTorch measurement (tools/bench_train_torch.py, /usr/bin/python3)`;

/** The training pool: --data (a CSV file or an official folder) or the generated pool. */
async function loadPool(info: RunInfo, seqLen: number): Promise<ExamplePool> {
  const task = info.task;
  if (task === "arc") throw new UsageError("ARC trains from its task files, not a pool");
  if (info.tiers && info.task === "maze") {
    throw new UsageError("--tiers applies to Sudoku (mazes have no difficulty tiers)");
  }
  if (info.tiers && info.data) {
    throw new UsageError(
      "--tiers needs the generated training pool (its puzzles carry their tier), not --data",
    );
  }
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
      : recordsToDataset(parsePuzzleCsv(await Deno.readTextFile(info.data)), { task });
  } else {
    pool = await cachedPool(task, runPoolOptions(info));
  }
  if (pool.seqLen !== seqLen) {
    throw new UsageError(
      `the ${info.task} data has ${pool.seqLen} tokens per puzzle but the model's seqLen is ${seqLen} (${
        info.task === "maze"
          ? `pass --size ${Math.round(Math.sqrt(pool.seqLen))}`
          : "choose a matching --preset"
      })`,
    );
  }
  return pool;
}

/** Options of `run` (tests share one GPU). */
export interface TrainRunOptions {
  /** The GPU to use (default: a new one). */
  gpu?: Gpu;
}

/** Runs `train` with its arguments; returns the exit code. */
export async function run(args: string[], options: TrainRunOptions = {}): Promise<number> {
  const { values } = parseOptions(args, OPTIONS, "train");
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  // Checked before any work (a typo fails at once); --bench reads it itself.
  const device = gpuOptions(values);
  if (values.bench) return await trainBench(values);
  if (!values.out || typeof values.out !== "string") {
    throw new UsageError("--out FILE is required (the model file to write)");
  }
  const out = values.out;
  const checkpointPath = (values.checkpoint as string | undefined) ??
    `${out.replace(/\.safetensors$/, "")}.train.safetensors`;
  const json = values.json === true;
  // Before any work: both outputs writable, and ours alone until the run ends.
  const locks: FileLock[] = [];
  try {
    for (const [path, flag] of [[out, "--out"], [checkpointPath, "--checkpoint"]]) {
      await checkOutputPath(path, flag).catch((e) => {
        throw new UsageError(e.message);
      });
      locks.push(
        await lockPath(path, flag).catch((e) => {
          throw new UsageError(e.message);
        }),
      );
    }
    const gpu = options.gpu ?? await Gpu.create(device);
    return await train(values, { out, checkpointPath, json, gpu });
  } finally {
    for (const lock of locks) lock.release();
  }
}

/** The run itself, once the outputs are locked. */
async function train(
  values: OptionValues,
  o: { out: string; checkpointPath: string; json: boolean; gpu: Gpu },
): Promise<number> {
  const { out, checkpointPath, json, gpu } = o;
  const resuming = values.resume === true && (await exists(checkpointPath));
  const say0 = (obj: Record<string, unknown>, text: string) =>
    console.log(json ? JSON.stringify(obj) : text);
  if (values.resume && !resuming) {
    say0(
      { event: "fresh", checkpoint: checkpointPath },
      `no checkpoint at ${checkpointPath}: starting from scratch`,
    );
  }
  const { trainer, info } = resuming
    ? await resumeRun(values, checkpointPath, gpu)
    : await freshRun(values, gpu);
  const { onEvent, say, clearBar } = eventPrinter(json, info, { out, checkpoint: checkpointPath });
  const pause = new AbortController();
  const onSignal = () => pause.abort();
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  try {
    if (resuming) {
      say(
        { event: "resume", step: trainer.step, checkpoint: checkpointPath },
        `resuming from ${checkpointPath} at step ${trainer.step}`,
      );
    }
    const arc = info.task === "arc" ? await arcRunData(info, trainer.config) : undefined;
    const pool = arc ? undefined : await loadPool(info, trainer.config.seqLen);
    for (const s of signals) Deno.addSignalListener(s, onSignal);
    if (!resuming && !json) {
      console.log(
        `training ${info.task}${
          info.task === "maze" ? ` ${info.mazeSize ?? 30}×${info.mazeSize ?? 30}` : ""
        }${
          arc ? ` (${arc.puzzles} puzzles: tasks × augmentations)` : ""
        } with ${info.preset} (${trainer.model.numParameters()} parameters), ${info.batch} slots, ` +
          `${info.steps} steps, lr ${trainer.settings.lr}, ${trainer.settings.optimizer} on ${gpu.summary.description}`,
      );
    }
    let result: TrainingRunResult;
    try {
      result = await runTraining({
        trainer,
        info,
        pool,
        source: arc?.source,
        modelMetadata: arc?.metadata,
        signal: pause.signal,
        onEvent,
        save: async ({ state, model }) => {
          await writeFileAtomic(checkpointPath, state);
          await writeFileAtomic(out, model);
        },
      });
    } catch (e) {
      if (e instanceof RunSetupError) {
        throw new UsageError((e as Error).message);
      }
      throw e;
    }
    clearBar();
    return reportEnd(result, { out, checkpointPath, say });
  } finally {
    for (const s of signals) Deno.removeSignalListener(s, onSignal);
    trainer.dispose();
    trainer.model.dispose();
  }
}
