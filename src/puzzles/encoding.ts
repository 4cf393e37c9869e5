/**
 * Token encodings matching the official datasets (TRM_SPEC §6), generalised over Sudoku
 * sizes: token 0 = PAD, 1 = blank, digit d = d + 1, vocabulary size + 2 (11 for 9×9,
 * 8 for 6×6, 6 for 4×4). Mazes: `# SGo` → 1..5, 0 = PAD, vocabulary 6.
 *
 * @module
 */
import type { Maze } from "./maze.ts";
import type { SudokuGrid, SudokuSize } from "./sudoku_grid.ts";

/** Padding token of every task. */
export const PAD_TOKEN = 0;

/** Vocabulary of the maze encoding (PAD + 5 characters). */
export const MAZE_VOCAB_SIZE = 6;

/** Vocabulary of a Sudoku size: PAD, blank and the digits (11 for 9×9). */
export function sudokuVocabSize(size: SudokuSize): number {
  return size + 2;
}

/**
 * Sudoku grid → tokens (blank 1, digit d → d + 1).
 *
 * @example
 * ```ts ignore
 * encodeSudoku(puzzle); // Uint8Array(81) of 1..10
 * ```
 */
export function encodeSudoku(grid: SudokuGrid): Uint8Array {
  const out = new Uint8Array(grid.cells.length);
  for (let i = 0; i < out.length; i++) out[i] = grid.cells[i] + 1;
  return out;
}

/**
 * Tokens → Sudoku grid; PAD and blank both decode to a blank, and tokens above the size's
 * vocabulary throw (a model's output never holds them after an argmax over the vocabulary).
 */
export function decodeSudoku(tokens: ArrayLike<number>, size: SudokuSize): SudokuGrid {
  if (tokens.length !== size * size) {
    throw new RangeError(`expected ${size * size} tokens, got ${tokens.length}`);
  }
  const cells = new Uint8Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t < 0 || t > size + 1 || !Number.isInteger(t)) {
      throw new RangeError(`token ${t} at ${i} is outside 0..${size + 1}`);
    }
    cells[i] = t <= 1 ? 0 : t - 1;
  }
  return { size, cells };
}

/** Maze → tokens (a copy: maze cells already are tokens). */
export function encodeMaze(maze: Maze): Uint8Array {
  return maze.cells.slice();
}

/** Tokens → maze; PAD (0) or tokens above 5 throw. */
export function decodeMaze(tokens: ArrayLike<number>, size: number): Maze {
  if (tokens.length !== size * size) {
    throw new RangeError(`expected ${size * size} tokens, got ${tokens.length}`);
  }
  const cells = Uint8Array.from(tokens);
  for (let i = 0; i < cells.length; i++) {
    if (cells[i] < 1 || cells[i] > 5) {
      throw new RangeError(`token ${cells[i]} at ${i} is not a maze token (1..5)`);
    }
  }
  return { size, cells };
}
