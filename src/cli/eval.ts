/**
 * `cli.ts eval`: scores a model file on a dataset the official way (every puzzle runs all
 * N_sup supervision steps; exact accuracy on the last) and reports where the halting head
 * would have stopped, token accuracy and throughput; on mazes also the valid-path and
 * shortest-path rates.
 *
 * @module
 */
import { recordsToDataset } from "../data/csv.ts";
import type { TokenDataset } from "../data/dataset.ts";
import { readOfficialSplit } from "../data/official.ts";
import { parsePuzzleFile } from "../data/puzzle_lines.ts";
import type { GpuDeviceOptions } from "../gpu/device.ts";
import { Gpu } from "../gpu/gpu.ts";
import { loadModel } from "../model/checkpoint.ts";
import type { TinyRecursiveModel } from "../model/model.ts";
import { evaluate } from "../train/evaluate.ts";
import { evaluateSettings, type SolveSetting } from "../train/evaluate_solve.ts";
import { mazePathCounter } from "../train/maze_metrics.ts";
import { UsageError } from "./errors.ts";
import { GPU_FLAG, gpuOptions } from "./gpu_flag.ts";
import { intOption, numberOption, parseOptions } from "./options.ts";

const HELP =
  `Usage: deno run -A cli.ts eval --model MODEL.safetensors --data FILE [--limit N] [--json]

Scores a model on a dataset: every puzzle runs all N_sup supervision steps and is scored on
the last (the official evaluation); also reports the step where the halting head would stop.
On mazes it also reports validPath (the predicted o cells form one S→G path through open
cells) and shortestPath (valid and as short as a shortest path; exact match counts only the
labelled one).

Options:
  --model FILE     model checkpoint (safetensors with its config, e.g. from cli.ts train)
  --data FILE      puzzles, the form recognised by content:
                   - our CSV (header source,question,answer,rating);
                   - puzzle,rating rows (header optional; 81 digits, 0 = blank), e.g.
                     sudoku_exchange_diabolical.csv;
                   - one Sudoku a line (16, 36 or 81 cells, . or 0 = blank; blank lines
                     and # comments skipped), e.g. magictour_top1465.txt, norvig_top95.txt;
                   - an official dataset directory (its test split; --split for another).
                   The 2nd and 3rd forms have no answers: the exact solver computes each
                   reference answer (for scoring only) and refuses a puzzle without
                   exactly one solution
  --split NAME     split of an official dataset directory (default test)
  --limit N        score only the first N puzzles (later lines are not read or solved)
  --batch N        puzzles per GPU batch (default 256)
  --steps N[,N…]   supervision steps (default the model's N_sup); several caps give one
                   row each (official mode: from one run to the largest cap)
  --json           one JSON object instead of text
  --kernel-profile P
                   kernels to use: auto (from the adapter), cpu or gpu (default
                   TRM_KERNEL_PROFILE, else auto)
  --task arc       ARC tasks (task files; augmented copies and votes): see
                   eval --task arc --help

Solve mode (as cli.ts solve runs; chosen by any of these options):
  --samples K[,K…]      trajectories per puzzle (K-1 with noise on the latent; the halting
                        head's confidence picks the answer); one row per steps × samples
  --augmentations A[,A…]
                        Sudoku: solve each puzzle under A symmetries (the puzzle as given and
                        A-1 random relabellings/permutations), map each answer back and keep
                        the one the halting head is most confident in; one row per setting
  --view-quorum Q       with --augmentations: stop a puzzle's views once Q of them have halted
                        (default: every view runs to its own halt; 1 is fastest)
  --halt-threshold P    stop a puzzle once its halting probability exceeds P (default 0.9)
  --noise S             latent noise of the sampled trajectories (default 0.1)
  --seed N              noise and symmetry seed (default 0)
  Each row reports exact and cell accuracy, mean steps, puzzles/s and seconds a puzzle.`;

/**
 * Mazes: a CSV of mazes, or an official dataset with the maze vocabulary (6) on a square
 * grid larger than 4×4 Sudoku's 16 cells (which shares the vocabulary size).
 */
function isMazeData(data: TokenDataset): boolean {
  if (data.task !== undefined) return data.task === "maze";
  const side = Math.round(Math.sqrt(data.seqLen));
  return data.metadata.vocab_size === 6 && side * side === data.seqLen && data.seqLen > 16;
}

/**
 * A puzzle file as a dataset (form recognised by content, see {@linkcode parsePuzzleFile});
 * any problem in it is a UsageError naming the file and line.
 */
async function readPuzzleData(
  file: string,
  limit: number | undefined,
  verbose: boolean,
): Promise<TokenDataset> {
  let text;
  try {
    text = await Deno.readTextFile(file);
  } catch (e) {
    throw new UsageError(`cannot read --data ${file}: ${(e as Error).message}`);
  }
  const started = performance.now();
  try {
    const { records, format, solved } = parsePuzzleFile(text, {
      limit,
      source: file.split(/[\\/]/).pop(),
    });
    if (!records.length) throw new UsageError(`${file}: no puzzles in it`);
    if (verbose && solved) {
      const seconds = (performance.now() - started) / 1000;
      console.log(
        `${file}: ${records.length} puzzles (${
          format === "lines" ? "one a line" : "puzzle,rating rows"
        }); reference answers from the exact solver in ${seconds.toFixed(2)} s`,
      );
    }
    return recordsToDataset(records);
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(`${file}: ${e.message}`);
    throw e;
  }
}

/** A comma-separated list of positive integers (each ≤ max), or undefined when absent. */
function intList(text: string | undefined, name: string, max: number): number[] | undefined {
  if (text === undefined) return undefined;
  const items = text.split(",").map((t) => t.trim());
  const values = items.map(Number);
  if (
    !items.length ||
    values.some((v, i) => items[i] === "" || !Number.isInteger(v) || v < 1 || v > max)
  ) {
    throw new UsageError(
      `--${name} must be a positive integer (at most ${max}) or a comma-separated list of them, got "${text}"`,
    );
  }
  return [...new Set(values)].sort((a, b) => a - b);
}

/** Options of `run` (tests share one GPU). */
export interface EvalRunOptions {
  /** The GPU to use (default: a new one). */
  gpu?: Gpu;
}

/** The flags of `eval`, checked. */
interface EvalFlags {
  model: string;
  data: string;
  split?: string;
  json: boolean;
  limit?: number;
  batchSize?: number;
  stepList?: number[];
  sampleList?: number[];
  augmentList?: number[];
  /** --view-quorum: views that must halt before a puzzle's others stop (default all). */
  viewQuorum?: number;
  haltThreshold?: number;
  noise?: number;
  seed: number;
  /** Any of --samples, --halt-threshold, --noise, --seed: the solve-setting table. */
  solveMode: boolean;
  /** How to open the GPU (--kernel-profile, TRM_KERNEL_PROFILE). */
  gpu: GpuDeviceOptions;
}

function evalFlags(args: string[]): EvalFlags | "help" {
  const { values } = parseOptions(args, {
    model: { type: "string" },
    data: { type: "string" },
    split: { type: "string" },
    limit: { type: "string" },
    batch: { type: "string" },
    steps: { type: "string" },
    samples: { type: "string" },
    augmentations: { type: "string" },
    "view-quorum": { type: "string" },
    "halt-threshold": { type: "string" },
    noise: { type: "string" },
    seed: { type: "string" },
    json: { type: "boolean" },
    ...GPU_FLAG,
    help: { type: "boolean", short: "h" },
  }, "eval");
  if (values.help) return "help";
  if (!values.model) throw new UsageError("--model FILE is required");
  if (!values.data) {
    throw new UsageError(
      "--data FILE is required (a puzzle CSV or list, or an official dataset directory)",
    );
  }
  const haltThreshold = numberOption(values, "halt-threshold", 0, 1e9);
  const noise = numberOption(values, "noise", 0, 10);
  const sampleList = intList(values.samples as string | undefined, "samples", 64);
  const augmentList = intList(values.augmentations as string | undefined, "augmentations", 64);
  return {
    model: String(values.model),
    data: String(values.data),
    split: values.split as string | undefined,
    json: values.json === true,
    limit: intOption(values, "limit", 1),
    batchSize: intOption(values, "batch", 1),
    stepList: intList(values.steps as string | undefined, "steps", 1024),
    sampleList,
    augmentList,
    viewQuorum: intOption(values, "view-quorum", 1, 64),
    haltThreshold,
    noise,
    seed: intOption(values, "seed", 0, Number.MAX_SAFE_INTEGER) ?? 0,
    solveMode: sampleList !== undefined || augmentList !== undefined ||
      haltThreshold !== undefined || values["view-quorum"] !== undefined ||
      noise !== undefined || values.seed !== undefined,
    gpu: gpuOptions(values),
  };
}

/** The model bytes and the evaluation data the flags name. */
async function readInputs(f: EvalFlags): Promise<{ modelBytes: Uint8Array; data: TokenDataset }> {
  let modelBytes;
  try {
    modelBytes = await Deno.readFile(f.model);
  } catch (e) {
    throw new UsageError(`cannot read --model ${f.model}: ${(e as Error).message}`);
  }
  let stat;
  try {
    stat = await Deno.stat(f.data);
  } catch (e) {
    throw new UsageError(`cannot read --data ${f.data}: ${(e as Error).message}`);
  }
  const data = stat.isDirectory
    ? await readOfficialSplit((p) => Deno.readFile(p), f.data, f.split ?? "test")
    : await readPuzzleData(f.data, f.limit, !f.json);
  return { modelBytes, data };
}

/** Progress on a terminal's standard error (nothing with --json or when piped). */
function progressLine(json: boolean): { show?: (text: string) => void; clear: () => void } {
  if (json || !Deno.stderr.isTerminal()) return { clear: () => {} };
  const encoder = new TextEncoder();
  const show = (text: string) => Deno.stderr.writeSync(encoder.encode(`\r\x1b[2K${text}`));
  return { show, clear: () => show("") };
}

/** Runs `eval` with its arguments; returns the exit code. */
export async function run(args: string[], options: EvalRunOptions = {}): Promise<number> {
  // ARC has its own flags and scoring (augmented copies and votes): eval_arc.ts.
  const task = args.indexOf("--task");
  if (args.includes("--task=arc") || (task >= 0 && args[task + 1] === "arc")) {
    return await (await import("./eval_arc.ts")).run(args, options);
  }
  const f = evalFlags(args);
  if (f === "help") {
    console.log(HELP);
    return 0;
  }
  const { modelBytes, data } = await readInputs(f);
  const gpu = options.gpu ?? await Gpu.create(f.gpu);
  const model = await loadModel(modelBytes, { gpu });
  try {
    if (data.seqLen !== model.config.seqLen) {
      throw new UsageError(
        `the data has ${data.seqLen} tokens per puzzle; the model expects ${model.config.seqLen}`,
      );
    }
    if (data.metadata.vocab_size > model.config.vocabSize) {
      throw new UsageError(
        `the data's vocabulary (${data.metadata.vocab_size}) is larger than the model's (${model.config.vocabSize})`,
      );
    }
    if (f.solveMode) await solveTable(f, model, data, gpu.summary.description);
    else await officialEval(f, model, data, gpu.summary.description);
    return 0;
  } finally {
    model.dispose();
  }
}

/** Solve mode: exact accuracy and speed for every (step cap, samples, symmetries) setting. */
async function solveTable(
  f: EvalFlags,
  model: TinyRecursiveModel,
  data: TokenDataset,
  adapter: string,
): Promise<void> {
  const settings: SolveSetting[] = [];
  for (const maxSteps of f.stepList ?? [model.config.maxSupervisionSteps]) {
    for (const samples of f.sampleList ?? [1]) {
      for (const augmentations of f.augmentList ?? [1]) {
        settings.push({
          maxSteps,
          samples,
          augmentations,
          viewQuorum: f.viewQuorum,
          haltThreshold: f.haltThreshold ?? 0.9,
          noise: f.noise,
          seed: f.seed,
        });
      }
    }
  }
  const progress = progressLine(f.json);
  const rows = await evaluateSettings(model, data, settings, {
    limit: f.limit,
    batchSize: f.batchSize ?? 64,
    ignoreLabel: data.metadata.ignore_label_id ?? 0,
    onProgress: progress.show &&
      ((i, done, total) => progress.show!(`setting ${i + 1}/${settings.length}: ${done}/${total}`)),
  });
  progress.clear();
  if (f.json) {
    for (const r of rows) {
      console.log(JSON.stringify({ model: f.model, data: f.data, adapter, ...r }));
    }
    return;
  }
  console.log(
    `${rows[0].count} puzzles, halt threshold ${rows[0].haltThreshold}` +
      (f.noise !== undefined ? `, noise ${f.noise}` : "") +
      (f.viewQuorum !== undefined ? `, views stop once ${f.viewQuorum} halted` : "") +
      ` (${adapter})`,
  );
  console.log("steps  samples  augment.   exact    cells  mean steps  puzzles/s  s/puzzle");
  for (const r of rows) {
    console.log(
      `${String(r.maxSteps).padStart(5)}  ${String(r.samples).padStart(7)}  ${
        String(r.augmentations ?? 1).padStart(7)
      }  ${(100 * r.exactAccuracy).toFixed(2).padStart(6)}%  ${
        (100 * r.tokenAccuracy).toFixed(2).padStart(6)
      }%  ${r.meanSteps.toFixed(2).padStart(10)}  ${r.puzzlesPerSecond.toFixed(2).padStart(9)}  ${
        (1 / Math.max(r.puzzlesPerSecond, 1e-9)).toFixed(3).padStart(8)
      }`,
    );
  }
}

/** Official mode: every supervision step (halting head reported, not obeyed). */
async function officialEval(
  f: EvalFlags,
  model: TinyRecursiveModel,
  data: TokenDataset,
  adapter: string,
): Promise<void> {
  const maze = isMazeData(data) ? mazePathCounter(data) : undefined;
  const progress = progressLine(f.json);
  const r = await evaluate(model, data, {
    onPredictions: maze?.onPredictions,
    limit: f.limit,
    batchSize: f.batchSize,
    maxSteps: f.stepList ? Math.max(...f.stepList) : undefined,
    ignoreLabel: data.metadata.ignore_label_id ?? 0,
    onProgress: progress.show && ((done, total) => progress.show!(`${done}/${total} puzzles`)),
  });
  progress.clear();
  const paths = maze?.rates();
  if (f.json) {
    console.log(JSON.stringify({ model: f.model, data: f.data, adapter, ...r, ...paths }));
    return;
  }
  const stepList = f.stepList;
  console.log(
    `${r.count} puzzles: exact accuracy ${(100 * r.exactAccuracy).toFixed(2)}%, token accuracy ${
      (100 * r.tokenAccuracy).toFixed(2)
    }%\n` +
      (paths
        ? `maze paths: valid path ${(100 * paths.validPath).toFixed(2)}%, shortest path ${
          (100 * paths.shortestPath).toFixed(2)
        }%\n`
        : "") +
      `halting head: mean halting step ${
        r.meanHaltStep.toFixed(2)
      }, exact accuracy where it halts ${(100 * r.haltedExactAccuracy).toFixed(2)}%\n` +
      (stepList && stepList.length > 1
        ? `exact accuracy by step cap: ${
          stepList.map((k) => `${k}: ${(100 * r.exactByStep[k - 1]).toFixed(2)}%`).join(", ")
        }\n`
        : "") +
      `${r.puzzlesPerSecond.toFixed(1)} puzzles/s (${r.seconds.toFixed(1)} s on ${adapter})`,
  );
}
