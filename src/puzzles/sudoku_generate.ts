/**
 * Seeded generation of unique-solution Sudoku puzzles in difficulty tiers, each tier a range
 * of the pinned rating ({@linkcode rateSudoku}).
 *
 * - easy: clues are removed from a random full grid while naked singles still solve it.
 * - medium, hard, extreme: a random minimal puzzle (no clue removable without losing
 *   uniqueness); if it rates too hard, solution clues are added back; if too easy, a local
 *   search over clue sets (swap one clue for another cell, re-minimise, keep the move when the
 *   rating does not drop and stays in range) climbs until the rating reaches the tier.
 *
 * Every returned puzzle is verified to have exactly one solution.
 *
 * @module
 */
import { Rng } from "./rng.ts";
import { countClues, type SudokuGrid, type SudokuSize } from "./sudoku_grid.ts";
import { rateSudoku } from "./sudoku_rate.ts";
import { countSudokuSolutions, solveSudoku } from "./sudoku_solve.ts";

/** Difficulty tiers, easiest first. */
export type SudokuDifficulty = "easy" | "medium" | "hard" | "extreme";

/** The tiers in order of rating. */
export const SUDOKU_DIFFICULTIES: readonly SudokuDifficulty[] = [
  "easy",
  "medium",
  "hard",
  "extreme",
];

// Upper rating bounds of easy, medium, hard per size (extreme is above the last). Chosen from
// the rating distribution of random minimal puzzles (see tools/puzzle_stats.ts): easy is the
// naked-singles-solvable range, extreme roughly the hardest tenth of random minimal puzzles.
const TIER_BOUNDS: Record<SudokuSize, [number, number, number]> = {
  4: [2, 3, 4],
  6: [7, 14, 40],
  9: [20, 150, 1000],
};

/**
 * The rating range of a tier: `min < rating <= max`.
 *
 * @example
 * ```ts ignore
 * difficultyRange(9, "hard"); // { min: 150, max: 1000 }
 * ```
 */
export function difficultyRange(
  size: SudokuSize,
  difficulty: SudokuDifficulty,
): { min: number; max: number } {
  const b = TIER_BOUNDS[size];
  if (!b) throw new RangeError(`unsupported Sudoku size ${size}`);
  const i = SUDOKU_DIFFICULTIES.indexOf(difficulty);
  if (i < 0) throw new RangeError(`unknown difficulty "${difficulty}"`);
  return { min: i === 0 ? 0 : b[i - 1], max: i === 3 ? Infinity : b[i] };
}

/** The tier a rating falls in. */
export function difficultyOf(size: SudokuSize, rating: number): SudokuDifficulty {
  const b = TIER_BOUNDS[size];
  return rating <= b[0] ? "easy" : rating <= b[1] ? "medium" : rating <= b[2] ? "hard" : "extreme";
}

/** Options of {@linkcode generateSudoku}. */
export interface GenerateSudokuOptions {
  /** Side length: 4, 6 or 9. */
  size: SudokuSize;
  /** Tier (default "medium"); "mixed" draws one of the four uniformly. */
  difficulty?: SudokuDifficulty | "mixed";
  /** Seed (default 0); the same seed and options give the same puzzle. */
  seed?: number;
  /** A generator to draw from instead of `seed`. */
  rng?: Rng;
  /** Overrides the tier's lower bound (exclusive), e.g. to ask for very hard puzzles. */
  minRating?: number;
  /** Overrides the tier's upper bound (inclusive). */
  maxRating?: number;
  /** Local-search moves per attempt before starting over (default 400). */
  maxMoves?: number;
  /** Attempts (fresh grids) before giving up with an error (default 1000). */
  maxAttempts?: number;
}

/** A generated puzzle with its unique solution and rating. */
export interface GeneratedSudoku {
  /** The puzzle (0 = blank). */
  puzzle: SudokuGrid;
  /** Its unique solution. */
  solution: SudokuGrid;
  /** {@linkcode rateSudoku} of the puzzle. */
  rating: number;
  /** The tier it was generated for. */
  difficulty: SudokuDifficulty;
  /** Number of givens. */
  clues: number;
}

/** A random complete grid (random digit order in the solver's search). */
export function randomFullGrid(size: SudokuSize, rng: Rng): SudokuGrid {
  return solveSudoku({ size, cells: new Uint8Array(size * size) }, { rng }).solution!;
}

function unique(size: SudokuSize, cells: Uint8Array): boolean {
  return countSudokuSolutions({ size, cells }, 2) === 1;
}

/** Removes clues (random order) while the puzzle stays unique; returns the same array. */
function minimize(size: SudokuSize, cells: Uint8Array, rng: Rng): Uint8Array {
  for (const i of rng.permutation(cells.length)) {
    const v = cells[i];
    if (v === 0) continue;
    cells[i] = 0;
    if (!unique(size, cells)) cells[i] = v;
  }
  return cells;
}

/** Waves of naked singles that solve the puzzle, or -1 when they do not. */
function nakedWaves(size: SudokuSize, cells: Uint8Array): number {
  const r = solveSudoku({ size, cells }, { maxSolutions: 2, hiddenSingles: false, maxNodes: 0 });
  return r.complete && r.solutions === 1 && r.nodes === 0 ? r.rounds : -1;
}

function generateEasy(size: SudokuSize, solution: Uint8Array, min: number, max: number, rng: Rng) {
  const cells = solution.slice();
  const lo = Math.max(1, Math.floor(min) + 1);
  const target = lo + rng.int(Math.max(1, Math.floor(Math.min(max, 1e6)) - lo + 1));
  let rating = 0;
  for (const i of rng.permutation(cells.length)) {
    const v = cells[i];
    cells[i] = 0;
    const w = nakedWaves(size, cells);
    if (w < 0 || w > max) cells[i] = v;
    else rating = w;
    if (rating >= target) break;
  }
  return { cells, rating };
}

function generateBySearch(
  size: SudokuSize,
  solution: Uint8Array,
  min: number,
  max: number,
  rng: Rng,
  maxMoves: number,
) {
  let cells = minimize(size, solution.slice(), rng);
  let rating = rateSudoku({ size, cells });
  if (rating > max) {
    // Too hard: givens from the solution make it easier.
    for (const i of rng.permutation(cells.length)) {
      if (cells[i] !== 0) continue;
      cells[i] = solution[i];
      rating = rateSudoku({ size, cells });
      if (rating <= max) break;
    }
  }
  for (let move = 0; move < maxMoves && rating <= min; move++) {
    const trial = cells.slice();
    const clues: number[] = [], blanks: number[] = [];
    trial.forEach((v, i) => (v ? clues : blanks).push(i));
    const out = clues[rng.int(clues.length)], inn = blanks[rng.int(blanks.length)];
    trial[out] = 0;
    trial[inn] = solution[inn];
    if (!unique(size, trial)) continue;
    minimize(size, trial, rng);
    const r = rateSudoku({ size, cells: trial });
    if (r >= rating && r <= max) {
      cells = trial;
      rating = r;
    }
  }
  return { cells, rating };
}

/**
 * Generates one unique-solution puzzle of a tier, reproducibly from `seed`.
 *
 * @example
 * ```ts ignore
 * const { puzzle, solution, rating } = generateSudoku({ size: 9, difficulty: "hard", seed: 1 });
 * console.log(formatSudokuGrid(puzzle), rating);
 * ```
 */
export function generateSudoku(options: GenerateSudokuOptions): GeneratedSudoku {
  const { size } = options;
  const rng = options.rng ?? new Rng(options.seed ?? 0);
  const difficulty = options.difficulty === "mixed"
    ? SUDOKU_DIFFICULTIES[rng.int(4)]
    : (options.difficulty ?? "medium") as SudokuDifficulty;
  const range = difficultyRange(size, difficulty);
  const min = options.minRating ?? range.min, max = options.maxRating ?? range.max;
  if (!(max > min)) throw new RangeError(`empty rating range (${min}, ${max}]`);
  const maxAttempts = options.maxAttempts ?? 1000;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const solution = randomFullGrid(size, rng).cells;
    const { cells, rating } = difficulty === "easy" && options.minRating === undefined
      ? generateEasy(size, solution, min, max, rng)
      : generateBySearch(size, solution, min, max, rng, options.maxMoves ?? 400);
    if (rating > min && rating <= max && unique(size, cells)) {
      const puzzle = { size, cells };
      return {
        puzzle,
        solution: { size, cells: solution },
        rating,
        difficulty,
        clues: countClues(puzzle),
      };
    }
  }
  throw new Error(
    `no ${size}×${size} puzzle rated in (${min}, ${max}] after ${maxAttempts} attempts`,
  );
}
