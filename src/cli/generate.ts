/**
 * `cli.ts generate`: writes generated puzzles as CSV (`source,question,answer,rating`, the
 * Sudoku-Extreme / Maze-Hard layout). Puzzle i is seeded from (seed, task options, i), so a
 * file reproduces exactly and any row can be regenerated alone.
 *
 * @module
 */
import { parseArgs } from "node:util";
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

function int(name: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (!Number.isInteger(v) || v < min) {
    throw new UsageError(`--${name} must be an integer ≥ ${min}, got "${text}"`);
  }
  return v;
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** Runs `generate` with its arguments; returns the exit code. */
export async function run(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
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
      },
    }));
  } catch (e) {
    throw new UsageError(`${(e as Error).message.split("\n")[0]} (see generate --help)`);
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const task = values.task as PuzzleTask | undefined;
  if (!task || !PUZZLE_TASKS.includes(task)) {
    throw new UsageError(
      `--task must be one of ${PUZZLE_TASKS.join(", ")}${task ? `, got "${task}"` : ""}`,
    );
  }
  const count = int("count", values.count, 1);
  if (count === undefined) throw new UsageError("--count N is required");
  if (!values.out) throw new UsageError('--out FILE is required ("-" for standard output)');
  const seed = int("seed", values.seed, 0) ?? 0;
  const difficulty = (values.difficulty ?? "mixed") as SudokuDifficulty | "mixed";
  if (difficulty !== "mixed" && !SUDOKU_DIFFICULTIES.includes(difficulty)) {
    throw new UsageError(
      `--difficulty must be one of ${SUDOKU_DIFFICULTIES.join(", ")} or mixed, got "${difficulty}"`,
    );
  }
  const size = int("size", values.size, 2);
  const minPath = int("min-path", values["min-path"], 0);
  if (task === "maze" && values.difficulty !== undefined) {
    throw new UsageError("--difficulty applies to Sudoku; use --min-path for mazes");
  }
  if (task !== "maze" && (size !== undefined || minPath !== undefined)) {
    throw new UsageError("--size and --min-path apply to mazes; Sudoku sizes are chosen by --task");
  }
  const rating = (name: string) => {
    const text = values[name as "min-rating"];
    if (text === undefined) return undefined;
    if (task === "maze") {
      throw new UsageError(`--${name} applies to Sudoku; use --min-path for mazes`);
    }
    const v = Number(text);
    if (!Number.isFinite(v) || v < 0) {
      throw new UsageError(`--${name} must be a number ≥ 0, got "${text}"`);
    }
    return v;
  };
  const minRating = rating("min-rating"), maxRating = rating("max-rating");
  if (minRating !== undefined && maxRating !== undefined && maxRating <= minRating) {
    throw new UsageError(`--max-rating ${maxRating} must be above --min-rating ${minRating}`);
  }
  const mazeSize = size ?? 30;
  const sudokuSize = Number(task.slice(6)) as SudokuSize;
  // Rating bounds alone (no --difficulty) ask for exactly that range, whatever the tiers.
  const alone = values.difficulty === undefined &&
    (minRating !== undefined || maxRating !== undefined);
  const bounds = alone
    ? { minRating: minRating ?? 0, maxRating: maxRating ?? Infinity }
    : { minRating, maxRating };
  const tier = alone ? "hard" : difficulty;
  // A shortest path visits distinct open cells, and random walls leave about two thirds open.
  if (task === "maze" && minPath !== undefined && minPath >= (mazeSize * mazeSize) / 2) {
    throw new UsageError(
      `--min-path ${minPath} is out of reach for ${mazeSize}×${mazeSize} mazes (keep it below ${
        Math.floor(mazeSize * mazeSize / 2)
      })`,
    );
  }

  // Salting with the task and tier keeps files of different tiers (same --seed) from sharing
  // solution grids, which would leak between a train and a test file.
  const salt = fnv1a(
    `${task}:${values.difficulty ?? ""}:${minRating}:${maxRating}:${mazeSize}:${minPath}`,
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

  const encoder = new TextEncoder();
  const file = values.out === "-"
    ? null
    : await Deno.open(values.out, { write: true, create: true, truncate: true });
  const write = async (text: string) => {
    const bytes = encoder.encode(text);
    if (file) {
      let off = 0;
      while (off < bytes.length) off += await file.write(bytes.subarray(off));
    } else {
      await Deno.stdout.write(bytes);
    }
  };
  const started = performance.now();
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
  const seconds = (performance.now() - started) / 1000;
  const what = task === "maze"
    ? `${mazeSize}×${mazeSize} mazes, mean path ${(ratingSum / count).toFixed(1)}`
    : `${task} puzzles (${
      alone ? `rating in (${bounds.minRating}, ${bounds.maxRating}]` : difficulty
    }), mean rating ${(ratingSum / count).toFixed(1)}`;
  console.error(
    `wrote ${count} ${what} to ${values.out} in ${seconds.toFixed(2)} s (${
      (count / seconds).toFixed(1)
    }/s)`,
  );
  return 0;
}
