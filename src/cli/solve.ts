/**
 * `cli.ts solve`: solves Sudoku puzzles with the shipped model for their size (or the one
 * `--model` names), prints each answer with whether it is valid by the rules, the
 * refinement steps and the time. The model's answer is printed as it is; nothing falls
 * back to an exact solver. Exit code 0 when every answer is valid, 2 when some are not,
 * 1 on bad input (a one-line message).
 *
 * @module
 */
import type { GpuDeviceOptions } from "../gpu/device.ts";
import { Gpu } from "../gpu/gpu.ts";
import { formatSudokuGrid, type SudokuGrid, type SudokuSize } from "../puzzles/sudoku_grid.ts";
import type { ParsedSudoku } from "../puzzles/sudoku_parse.ts";
import {
  describeTask,
  entryTask,
  type ModelEntry,
  ModelMismatchError,
  type ModelRegistry,
  openRegistry,
} from "../solve/registry.ts";
import {
  answerDigits,
  solveSudokus,
  type SudokuAnswer,
  sudokuModelMismatch,
} from "../solve/sudoku.ts";
import { readFileOrNull, SHIPPED_INDEX } from "../host/files.ts";
import { UsageError } from "./errors.ts";
import { GPU_FLAG, gpuOptions } from "./gpu_flag.ts";
import { intOption, numberOption, parseOptions } from "./options.ts";
import { arcSniffDecided, looksLikeArcInput, solveArcInput } from "./solve_arc.ts";
import { looksLikeMaze, mazeSniffDecided, parseMazeInput, solveMazeInput } from "./solve_maze.ts";
import { MAX_JSON_CHARS, openInput, peekInput, puzzleBatches, readAllText } from "./solve_input.ts";

const HELP = `Usage: deno run -A cli.ts solve FILE|- [options]

Solves the Sudoku puzzles in FILE ("-": standard input) with the shipped model for their
size (models/index.json), or with --model. Puzzles may be one a line (81/36/16 digits,
0 or . for blanks), grids (one row a line, | and --+-- allowed), CSV or JSON. Text input
streams: answers print batch by batch while the rest is read, and the first bad line stops
the run with its line number (JSON is read whole, up to 16 MB).

Options:
  --model FILE          use this checkpoint (.safetensors) for every puzzle
  --max-steps N         cap on supervision steps (default: the index entry's solveSteps, else
                        the model's N_sup)
  --halt-threshold P    stop a puzzle once the halting probability exceeds P (default 0.9)
  --samples K           run K trajectories per puzzle, K-1 of them with noise on the latent,
                        and keep the one the model's halting head is most confident in
                        (default: the index entry's solveSamples, else 1; at most 64)
  --noise S             standard deviation of that noise (default: the entry's solveNoise,
                        else 0.1)
  --seed N              seed of the noise (default 0)
  --size N              read only N×N puzzles (4, 6 or 9; default: infer each)
  --batch N             puzzles per model call (default 64)
  --json                one JSON object a line: {"puzzle","solution","valid","steps","ms",...}
  --trace               add the answer after every supervision step
  --augmentations K     Sudoku: solve each puzzle under K symmetries (the puzzle as given
                        and K-1 random relabellings/permutations), map each answer back and
                        keep the one the halting head is most confident in (default: the
                        index entry's solveAugmentations, else 1; at most 64).
                        ARC task files (JSON with train/test, needs --model): copies per
                        test input that vote (default 8); prints the top two answers
  --kernel-profile P    kernels to use: auto (from the adapter), cpu or gpu
                        (default TRM_KERNEL_PROFILE, else auto)
  -h, --help            this help

Exit code: 0 every answer valid, 2 some answer invalid, 1 bad input or no model.
"ms" is the puzzle's share of its batch's model time.`;

/** One line of `--json` output. */
export interface SolveJsonLine {
  /** The puzzle, one line of digits (0 = blank). */
  puzzle: string;
  /** The model's answer, one line of digits (0 where it left a blank). */
  solution: string;
  /** The answer keeps the givens and breaks no rule. */
  valid: boolean;
  /** Supervision steps run. */
  steps: number;
  /** Milliseconds of model time (the puzzle's share of its batch). */
  ms: number;
  /** The halting head stopped it before the cap. */
  halted: boolean;
  /** sigmoid(q_halt) at the exit step: the model's confidence in its answer. */
  confidence: number;
  /** Which trajectory answered (0 = the plain one; with --samples). */
  sample?: number;
  /** Which symmetry answered (0 = the puzzle as given; with --augmentations). */
  augmentation?: number;
  /** Why the answer is invalid (only when it is). */
  problem?: string;
  /** Where the puzzle starts in the input. */
  line?: number;
  /** JSON item index in the input. */
  item?: number;
  /** The model that answered. */
  model: string;
  /** With --trace: the answer after each step. */
  trace?: string[];
}

function where(p: ParsedSudoku): string {
  return p.line !== undefined ? `line ${p.line}` : `item ${p.item}`;
}

function countChanged(a: SudokuGrid, b: SudokuGrid): number {
  let n = 0;
  for (let i = 0; i < a.cells.length; i++) if (a.cells[i] !== b.cells[i]) n++;
  return n;
}

/** What `solve` reads and writes through; tests replace parts of it. */
export interface SolveIo {
  /** GPU to load models onto (default: one created on first use). */
  gpu?: Gpu;
  /** The shipped models' index (default {@linkcode SHIPPED_INDEX}). */
  indexUrl?: URL;
  /** Writes to standard output. */
  write?: (text: string) => Promise<void>;
  /** Reads all of standard input (for "-"; default: stream Deno.stdin). */
  readStdin?: () => Promise<string>;
  /** Standard input as a stream (for "-"; wins over readStdin). */
  stdin?: ReadableStream<Uint8Array>;
}

/** The flags of `solve`, checked. */
interface SolveFlags {
  file: string;
  model?: string;
  maxSteps?: number;
  batch: number;
  samples?: number;
  seed: number;
  noise?: number;
  size?: SudokuSize;
  haltThreshold: number;
  json: boolean;
  trace: boolean;
  /** ARC: copies per test input. */
  augmentations?: number;
  /** How to open the GPU (--kernel-profile, TRM_KERNEL_PROFILE). */
  gpu: GpuDeviceOptions;
}

function solveFlags(args: string[]): SolveFlags | "help" {
  const { values, positionals } = parseOptions(
    args,
    {
      model: { type: "string" },
      "max-steps": { type: "string" },
      "halt-threshold": { type: "string" },
      samples: { type: "string" },
      noise: { type: "string" },
      seed: { type: "string" },
      size: { type: "string" },
      batch: { type: "string" },
      json: { type: "boolean" },
      trace: { type: "boolean" },
      augmentations: { type: "string" },
      ...GPU_FLAG,
      help: { type: "boolean", short: "h" },
    },
    "solve",
    true,
  );
  if (values.help) return "help";
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0
        ? "solve needs a puzzle file (or - for standard input); see solve --help"
        : `solve takes one puzzle file, got ${positionals.length}: ${positionals.join(" ")}`,
    );
  }
  const size = intOption(values, "size", 4, 9);
  if (size !== undefined && size !== 4 && size !== 6 && size !== 9) {
    throw new UsageError(`--size must be 4, 6 or 9, got ${size}`);
  }
  const threshold = values["halt-threshold"];
  const haltThreshold = threshold === undefined ? 0.9 : Number(threshold);
  if (!Number.isFinite(haltThreshold) || haltThreshold < 0 || String(threshold).trim() === "") {
    throw new UsageError(
      `--halt-threshold must be a number ≥ 0 (1 never halts early), got "${threshold}"`,
    );
  }
  return {
    file: positionals[0],
    model: values.model as string | undefined,
    maxSteps: intOption(values, "max-steps", 1, 1024),
    batch: intOption(values, "batch", 1, 4096) ?? 64,
    samples: intOption(values, "samples", 1, 64),
    seed: intOption(values, "seed", 0, Number.MAX_SAFE_INTEGER) ?? 0,
    noise: numberOption(values, "noise", 0, 10),
    size: size as SudokuSize | undefined,
    haltThreshold,
    json: values.json === true,
    trace: values.trace === true,
    augmentations: intOption(values, "augmentations", 1, 1000),
    gpu: gpuOptions(values),
  };
}

/** Runs `solve` with its arguments; returns the exit code. */
export async function run(args: string[], io: SolveIo = {}): Promise<number> {
  const write = io.write ?? writeStdout;
  const flags = solveFlags(args);
  if (flags === "help") {
    await write(HELP + "\n");
    return 0;
  }
  const { file, maxSteps, batch, samples, seed, noise, size, haltThreshold } = flags;
  const values = { model: flags.model, json: flags.json, trace: flags.trace };
  const label = file === "-" ? "standard input" : file;
  const peeked = await peekInput(
    file === "-"
      ? io.stdin ??
        (io.readStdin ? new Blob([await io.readStdin()]).stream() : Deno.stdin.readable)
      : await openInput(file),
    arcSniffDecided(mazeSniffDecided),
  );
  const input = peeked.input;
  // An ARC task file: its own model loading (the file's identifiers) and output.
  if (looksLikeArcInput(peeked.head)) {
    const text = await readAllText(input, MAX_JSON_CHARS, label);
    return await solveArcInput(
      text,
      label,
      {
        ...flags,
        maxSteps,
      },
      io.gpu ? () => Promise.resolve(io.gpu!) : () => Gpu.create(flags.gpu),
      write,
    );
  }
  const modelUrl = values.model ? new URL(values.model, `file://${Deno.cwd()}/`) : undefined;
  const registry: ModelRegistry = await openRegistry({
    readFile: readFileOrNull,
    indexUrl: modelUrl ? undefined : io.indexUrl ?? SHIPPED_INDEX,
    modelFiles: modelUrl ? [modelUrl] : undefined,
    gpu: io.gpu ?? (() => Gpu.create(flags.gpu)),
  }).catch((error) => {
    throw new UsageError((error as Error).message);
  });

  if (looksLikeMaze(peeked.head)) {
    const mazes = parseMazeInput(await readAllText(input, MAX_JSON_CHARS, label), label);
    if (mazes.length === 0) throw new UsageError(`${label} holds no mazes`);
    return await solveMazeInput(mazes, registry, {
      ...flags,
      modelName: modelUrl ? registry.entries()[0].name : undefined,
      modelLabel: flags.model,
    }, write);
  }

  // Each size's model, resolved when its first puzzle arrives.
  const models = new Map<SudokuSize, ModelEntry>();
  const modelFor = (p: ParsedSudoku): ModelEntry => {
    const s = p.puzzle.size;
    const known = models.get(s);
    if (known) return known;
    let entry;
    try {
      // --model: the file's entry, which must fit the puzzle; else the registry's choice.
      entry = registry.resolve(
        { kind: "sudoku", size: s },
        modelUrl ? registry.entries()[0].name : undefined,
      );
    } catch (error) {
      if (!(error instanceof ModelMismatchError)) throw error;
      throw new UsageError(
        `${values.model} solves ${describeTask(entryTask(error.entry))}; ${where(p)} holds a ${
          describeTask(error.task)
        }`,
      );
    }
    models.set(s, entry);
    return entry;
  };

  const started = performance.now();
  let solvedCount = 0, invalid = 0;
  for await (const chunk of puzzleBatches(input, { batch, size, label })) {
    const answers: Answer[] = new Array(chunk.length);
    const sizes = [...new Set(chunk.map((p) => p.puzzle.size))];
    // Every size's model before solving any of the batch, so a missing one fails fast.
    const entries = sizes.map((s) => modelFor(chunk.find((p) => p.puzzle.size === s)!));
    for (const [k, s] of sizes.entries()) {
      const entry = entries[k];
      const model = await registry.model(entry.name);
      const mismatch = sudokuModelMismatch(model.config, s);
      if (mismatch) throw new UsageError(`model ${entry.name}: ${mismatch}`);
      const indices = chunk.flatMap((p, i) => p.puzzle.size === s ? [i] : []);
      const t0 = performance.now();
      const solved = await solveSudokus(model, indices.map((i) => chunk[i].puzzle), {
        maxSteps: maxSteps ?? entry.solveSteps,
        haltThreshold,
        trace: values.trace ?? false,
        samples: samples ?? entry.solveSamples,
        noise: noise ?? entry.solveNoise,
        seed,
        augment: flags.augmentations ?? entry.solveAugmentations,
      });
      const ms = (performance.now() - t0) / indices.length;
      indices.forEach((i, k) =>
        answers[i] = { parsed: chunk[i], answer: solved[k], ms, model: entry.name }
      );
    }
    const out: string[] = [];
    for (const a of answers) {
      solvedCount++;
      if (!a.answer.valid) invalid++;
      out.push(...(values.json ? [JSON.stringify(jsonLine(a))] : textLines(a, solvedCount)));
    }
    await write(out.join("\n") + "\n");
  }
  const totalMs = performance.now() - started;
  if (!values.json) {
    const names = [...new Set([...models.values()].map((e) => e.name))].map((n) =>
      `${n} (${registry.source(n)})`
    ).join(", ");
    await write(
      `${solvedCount} puzzle${solvedCount === 1 ? "" : "s"}: ${
        solvedCount - invalid
      } valid, ${invalid} invalid · model ${names} · ${totalMs.toFixed(0)} ms\n`,
    );
  }
  return invalid ? 2 : 0;
}

/** One answered puzzle. */
interface Answer {
  parsed: ParsedSudoku;
  answer: SudokuAnswer;
  ms: number;
  model: string;
}

function jsonLine({ parsed, answer, ms, model }: Answer): SolveJsonLine {
  return {
    ...answerDigits(answer, false),
    valid: answer.valid,
    steps: answer.steps,
    ms: Math.round(ms * 100) / 100,
    halted: answer.halted,
    confidence: Math.round(answer.haltProb * 1e4) / 1e4,
    ...(answer.sample ? { sample: answer.sample } : {}),
    ...(answer.augmentation ? { augmentation: answer.augmentation } : {}),
    ...(answer.problem ? { problem: answer.problem } : {}),
    ...(parsed.line !== undefined ? { line: parsed.line } : { item: parsed.item }),
    model,
    ...(answer.trace ? { trace: answerDigits(answer).trace } : {}),
  };
}

function textLines({ parsed, answer, ms }: Answer, n: number): string[] {
  const out: string[] = [];
  const verdict = answer.valid ? "valid" : `INVALID: ${answer.problem}`;
  const stop = answer.halted ? "halted" : "step cap";
  out.push(
    `puzzle ${n} (${where(parsed)}): ${verdict} · ${answer.steps} step${
      answer.steps === 1 ? "" : "s"
    } (${stop}) · ${ms.toFixed(1)} ms`,
  );
  if (answer.trace) {
    answer.trace.forEach((g, k) => {
      const changed = k === 0 ? "" : `, ${countChanged(answer.trace![k - 1], g)} cells changed`;
      const halt = k === answer.trace!.length - 1
        ? (answer.halted ? ", halted here" : ", step cap")
        : "";
      out.push(`step ${k + 1}${changed}${halt}:`, formatSudokuGrid(g), "");
    });
  } else {
    out.push(formatSudokuGrid(answer.solution), "");
  }
  return out;
}

async function writeStdout(text: string): Promise<void> {
  const bytes = new TextEncoder().encode(text);
  let off = 0;
  while (off < bytes.length) off += await Deno.stdout.write(bytes.subarray(off));
}
