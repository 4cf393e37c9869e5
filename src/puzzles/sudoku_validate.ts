/**
 * Rule checks: repeated givens (naming the row, column or box) and the validator of a
 * proposed solution — the exact notion of "solved" used in evaluation.
 *
 * @module
 */
import { sudokuGeometry, type SudokuGrid } from "./sudoku_grid.ts";

/** A digit that appears twice in one unit. */
export interface SudokuConflict {
  /** The repeated digit. */
  digit: number;
  /** Kind of unit. */
  unit: "row" | "column" | "box";
  /** 1-based index of the row, column or box (boxes numbered row-major). */
  index: number;
  /** The two cells (0-based, row-major) holding the digit. */
  cells: [number, number];
}

/**
 * Every digit repeated in a row, column or box (empty list: no repeats).
 *
 * @example
 * ```ts ignore
 * for (const c of findSudokuConflicts(puzzle)) console.log(describeConflict(c, puzzle.size));
 * ```
 */
export function findSudokuConflicts(grid: SudokuGrid): SudokuConflict[] {
  const g = sudokuGeometry(grid.size);
  const out: SudokuConflict[] = [];
  const kinds = ["row", "column", "box"] as const;
  g.units.forEach((unit, u) => {
    const seen = new Int16Array(grid.size + 1).fill(-1);
    for (const cell of unit) {
      const d = grid.cells[cell];
      if (d === 0) continue;
      if (seen[d] >= 0) {
        out.push({
          digit: d,
          unit: kinds[Math.floor(u / grid.size)],
          index: (u % grid.size) + 1,
          cells: [seen[d], cell],
        });
      } else {
        seen[d] = cell;
      }
    }
  });
  return out;
}

/** "digit 5 repeats in row 2 (r2c1 and r2c7)" — 1-based, human wording. */
export function describeConflict(c: SudokuConflict, size: number): string {
  const at = (i: number) => `r${Math.floor(i / size) + 1}c${(i % size) + 1}`;
  return `digit ${c.digit} repeats in ${c.unit} ${c.index} (${at(c.cells[0])} and ${
    at(c.cells[1])
  })`;
}

/** Why a proposed solution fails, or null when it is valid. */
export function explainInvalidSolution(puzzle: SudokuGrid, solution: SudokuGrid): string | null {
  if (puzzle.size !== solution.size) {
    return `size ${solution.size} does not match the puzzle's ${puzzle.size}`;
  }
  const n = puzzle.size;
  if (solution.cells.length !== n * n || puzzle.cells.length !== n * n) {
    return `expected ${n * n} cells`;
  }
  for (let i = 0; i < n * n; i++) {
    const v = solution.cells[i];
    if (v < 1 || v > n) {
      return `cell r${Math.floor(i / n) + 1}c${(i % n) + 1} is ${v === 0 ? "blank" : v}`;
    }
    const given = puzzle.cells[i];
    if (given !== 0 && given !== v) {
      return `given ${given} at r${Math.floor(i / n) + 1}c${(i % n) + 1} changed to ${v}`;
    }
  }
  const conflicts = findSudokuConflicts(solution);
  return conflicts.length ? describeConflict(conflicts[0], n) : null;
}

/**
 * True when `solution` keeps every given of `puzzle` and every row, column and box holds
 * each digit once. With unique puzzles this equals matching the reference answer.
 *
 * @example
 * ```ts ignore
 * isValidSolution(puzzle, modelAnswer); // the evaluation's notion of "solved"
 * ```
 */
export function isValidSolution(puzzle: SudokuGrid, solution: SudokuGrid): boolean {
  return explainInvalidSolution(puzzle, solution) === null;
}
