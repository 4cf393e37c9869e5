/**
 * `cli.ts generate`: writes generated puzzles as CSV (`source,question,answer,rating`, the
 * Sudoku-Extreme / Maze-Hard layout). Puzzle i is seeded from (seed, task options, i), so a
 * file reproduces exactly and any row can be regenerated alone.
 *
 * @module
 */
import {
  formatPuzzleCsvRow,
  mazeRecord,
  PUZZLE_CSV_HEADER,
  type PuzzleRecord,
  sudokuRecord,
} from "../data/csv.ts";
import { PUZZLE_TASKS, type PuzzleTask } from "../data/dataset.ts";
import { generateMaze } from "../puzzles/maze_generate.ts";
import { deriveSeed } from "../puzzles/rng.ts";
import {
  difficultyOf,
  generateSudoku,
  SUDOKU_DIFFICULTIES,
  type SudokuDifficulty,
} from "../puzzles/sudoku_generate.ts";
import type { SudokuSize } from "../puzzles/sudoku_grid.ts";
import { UsageError } from "./errors.ts";
import { intOption, numberOption, parseOptions } from "./options.ts";

const HELP =
  `Usage: deno run -A cli.ts generate --task sudoku4|sudoku6|sudoku9|maze --count N --out FILE [options]

Options:
  --task T          sudoku4, sudoku6, sudoku9 or maze
  --count N         number of puzzles
  --out FILE        CSV file to write ("-" for standard output)
  --difficulty D    Sudoku tier: easy, medium, hard, extreme or mixed (default mixed)
  --min-rating R    Sudoku: keep ratings above R (overrides the tier's lower bound)
  --max-rating R    Sudoku: keep ratings at most R (overrides the tier's upper bound)
  --size N          maze side length (default 30)
  --min-path L      maze: keep shortest paths longer than L moves (default 110 at 30×30, scaled by area)
  --seed S          seed (default 0); puzzle i uses a seed derived from (S, task options, i)`;

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** What to generate, from the flags. */
interface GenerateSpec {
  task: PuzzleTask;
  count: number;
  out: string;
  seed: number;
  difficulty: SudokuDifficulty | "mixed";
  /** --difficulty as given (part of the seed salt). */
  difficultyFlag?: string;
  minRating?: number;
  maxRating?: number;
  mazeSize: number;
  minPath?: number;
}

function generateFlags(args: string[]): GenerateSpec | "help" {
  const { values } = parseOptions(args, {
    task: { type: "string" },
    count: { type: "string" },
    out: { type: "string" },
    difficulty: { type: "string" },
    size: { type: "string" },
    "min-path": { type: "string" },
    "min-rating": { type: "string" },
    "max-rating": { type: "string" },
    seed: { type: "string" },
    help: { type: "boolean", short: "h" },
  }, "generate");
  if (values.help) return "help";
  const task = values.task as PuzzleTask | undefined;
  if (!task || !PUZZLE_TASKS.includes(task)) {
    throw new UsageError(
      `--task must be one of ${PUZZLE_TASKS.join(", ")}${task ? `, got "${task}"` : ""}`,
    );
  }
  const count = intOption(values, "count", 1);
  if (count === undefined) throw new UsageError("--count N is required");
  if (!values.out) throw new UsageError('--out FILE is required ("-" for standard output)');
  const difficulty = (values.difficulty ?? "mixed") as SudokuDifficulty | "mixed";
  if (difficulty !== "mixed" && !SUDOKU_DIFFICULTIES.includes(difficulty)) {
    throw new UsageError(
      `--difficulty must be one of ${SUDOKU_DIFFICULTIES.join(", ")} or mixed, got "${difficulty}"`,
    );
  }
  const size = intOption(values, "size", 2);
  const minPath = intOption(values, "min-path", 0);
  if (task === "maze" && values.difficulty !== undefined) {
    throw new UsageError("--difficulty applies to Sudoku; use --min-path for mazes");
  }
  if (task !== "maze" && (size !== undefined || minPath !== undefined)) {
    throw new UsageError("--size and --min-path apply to mazes; Sudoku sizes are chosen by --task");
  }
  for (const name of ["min-rating", "max-rating"]) {
    if (task === "maze" && values[name] !== undefined) {
      throw new UsageError(`--${name} applies to Sudoku; use --min-path for mazes`);
    }
  }
  const minRating = numberOption(values, "min-rating", 0);
  const maxRating = numberOption(values, "max-rating", 0);
  if (minRating !== undefined && maxRating !== undefined && maxRating <= minRating) {
    throw new UsageError(`--max-rating ${maxRating} must be above --min-rating ${minRating}`);
  }
  const mazeSize = size ?? 30;
  // A shortest path visits distinct open cells, and random walls leave about two thirds open.
  if (task === "maze" && minPath !== undefined && minPath >= (mazeSize * mazeSize) / 2) {
    throw new UsageError(
      `--min-path ${minPath} is out of reach for ${mazeSize}×${mazeSize} mazes (keep it below ${
        Math.floor(mazeSize * mazeSize / 2)
      })`,
    );
  }
  return {
    task,
    count,
    out: String(values.out),
    seed: intOption(values, "seed", 0) ?? 0,
    difficulty,
    difficultyFlag: values.difficulty as string | undefined,
    minRating,
    maxRating,
    mazeSize,
    minPath,
  };
}

/** Puzzle i of the spec, from its own seed; and how the file describes the set. */
function puzzleMaker(spec: GenerateSpec): { make: (i: number) => PuzzleRecord; what: string } {
  const { task, seed, mazeSize, minPath, minRating, maxRating } = spec;
  const sudokuSize = Number(task.slice(6)) as SudokuSize;
  // Rating bounds alone (no --difficulty) ask for exactly that range, whatever the tiers.
  const alone = spec.difficultyFlag === undefined &&
    (minRating !== undefined || maxRating !== undefined);
  const bounds = alone
    ? { minRating: minRating ?? 0, maxRating: maxRating ?? Infinity }
    : { minRating, maxRating };
  const tier = alone ? "hard" : spec.difficulty;
  // Salting with the task and tier keeps files of different tiers (same --seed) from sharing
  // solution grids, which would leak between a train and a test file.
  const salt = fnv1a(
    `${task}:${spec.difficultyFlag ?? ""}:${minRating}:${maxRating}:${mazeSize}:${minPath}`,
  );
  const base = deriveSeed(seed, salt);
  const make = (i: number): PuzzleRecord => {
    const s = deriveSeed(base, i);
    if (task === "maze") {
      const g = generateMaze({ size: mazeSize, minPathLength: minPath, seed: s });
      return mazeRecord(g, `gen-maze${mazeSize}-s${seed}-${i}`);
    }
    const g = generateSudoku({ size: sudokuSize, difficulty: tier, seed: s, ...bounds });
    return sudokuRecord(g, `gen-${task}-${difficultyOf(sudokuSize, g.rating)}-s${seed}-${i}`);
  };
  const what = task === "maze"
    ? `${mazeSize}×${mazeSize} mazes`
    : `${task} puzzles (${
      alone ? `rating in (${bounds.minRating}, ${bounds.maxRating}]` : spec.difficulty
    })`;
  return { make, what };
}

/** Writes the CSV in 1 MB chunks; returns the sum of the ratings. */
async function writeCsv(
  out: string,
  count: number,
  make: (i: number) => PuzzleRecord,
): Promise<number> {
  const encoder = new TextEncoder();
  const file = out === "-"
    ? null
    : await Deno.open(out, { write: true, create: true, truncate: true });
  const write = async (text: string) => {
    const bytes = encoder.encode(text);
    if (file) {
      let off = 0;
      while (off < bytes.length) off += await file.write(bytes.subarray(off));
    } else {
      await Deno.stdout.write(bytes);
    }
  };
  let ratingSum = 0;
  try {
    let chunk = PUZZLE_CSV_HEADER + "\n";
    for (let i = 0; i < count; i++) {
      const r = make(i);
      ratingSum += r.rating;
      chunk += formatPuzzleCsvRow(r) + "\n";
      if (chunk.length > 1 << 20) {
        await write(chunk);
        chunk = "";
      }
    }
    await write(chunk);
  } finally {
    file?.close();
  }
  return ratingSum;
}

/** Runs `generate` with its arguments; returns the exit code. */
export async function run(args: string[]): Promise<number> {
  const spec = generateFlags(args);
  if (spec === "help") {
    console.log(HELP);
    return 0;
  }
  const { make, what } = puzzleMaker(spec);
  const started = performance.now();
  const ratingSum = await writeCsv(spec.out, spec.count, make);
  const seconds = (performance.now() - started) / 1000;
  const mean = (ratingSum / spec.count).toFixed(1);
  console.error(
    `wrote ${spec.count} ${what}, mean ${
      spec.task === "maze" ? "path" : "rating"
    } ${mean} to ${spec.out} in ${seconds.toFixed(2)} s (${(spec.count / seconds).toFixed(1)}/s)`,
  );
  return 0;
}
