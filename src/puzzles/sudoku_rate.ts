/**
 * The one pinned difficulty measure, "solver steps": the work of an exact solver that
 * proves uniqueness (searches for a second solution) using naked singles only — every guess
 * counts 1 and every wave of naked singles counts 1 (a wave places, at once, all cells left
 * with one candidate) — averaged over 8 fixed symmetry transforms of the puzzle.
 *
 * Sudoku-Extreme was rated by an exact solver's backtracks; this counts the same search but
 * keeps resolution at the easy end: a puzzle that naked singles solve rates its number of
 * waves, the length of its longest chain of deductions (transform-invariant), so more clues
 * rate lower. Averaging over symmetries removes most of the dependence on the solver's cell
 * order, which relabelling the same puzzle would change.
 *
 * @module
 */
import { Rng } from "./rng.ts";
import {
  applySudokuTransform,
  identityTransform,
  randomSudokuTransform,
  type SudokuTransform,
} from "./sudoku_augment.ts";
import type { SudokuGrid, SudokuSize } from "./sudoku_grid.ts";
import { solveSudoku } from "./sudoku_solve.ts";

/** Transforms averaged over by {@linkcode rateSudoku} (pinned: changing it changes every rating). */
export const RATING_TRANSFORMS = 8;

const RATING_SEED = 0x5d0c;
const pinned = new Map<number, SudokuTransform[]>();

function ratingTransforms(size: SudokuSize): SudokuTransform[] {
  let list = pinned.get(size);
  if (!list) {
    const rng = new Rng(RATING_SEED + size);
    list = [identityTransform(size)];
    while (list.length < RATING_TRANSFORMS) list.push(randomSudokuTransform(size, rng));
    pinned.set(size, list);
  }
  return list;
}

/**
 * The difficulty rating of a puzzle with a unique solution (see the module note): larger is
 * harder. Deterministic; transform-invariant when no guess is needed.
 *
 * @example
 * ```ts ignore
 * rateSudoku(parseSudoku(line).puzzles[0].puzzle); // e.g. 4 (easy), 180.5 (hard)
 * ```
 */
export function rateSudoku(puzzle: SudokuGrid): number {
  const options = { maxSolutions: 2, hiddenSingles: false };
  const first = solveSudoku(puzzle, options);
  if (first.nodes === 0) return first.rounds;
  let sum = first.nodes + first.rounds;
  const transforms = ratingTransforms(puzzle.size);
  for (let k = 1; k < transforms.length; k++) {
    const r = solveSudoku(applySudokuTransform(puzzle, transforms[k]), options);
    sum += r.nodes + r.rounds;
  }
  return sum / transforms.length;
}
