/**
 * The official Sudoku augmentations (TRM_SPEC §6): permute the digits, transpose with
 * p = 0.5, permute the bands and the rows inside each band, permute the stacks and the
 * columns inside each stack. Puzzle and solution get the same transform.
 *
 * Generalised to 6×6 (boxes 2 rows × 3 columns: 3 bands of 2 rows, 2 stacks of 3 columns);
 * transposing would turn its boxes into 3×2, so 6×6 is never transposed.
 *
 * @module
 */
import type { Rng } from "./rng.ts";
import { boxShape, type SudokuGrid, type SudokuSize } from "./sudoku_grid.ts";

/**
 * One validity-preserving symmetry: cell (i, j) of the result takes the value of cell
 * (rowPerm[i], colPerm[j]) of the (optionally transposed) source, mapped through digitMap.
 */
export interface SudokuTransform {
  /** Side length. */
  size: SudokuSize;
  /** digitMap[d] = new digit for d (digitMap[0] = 0 keeps blanks). */
  digitMap: Uint8Array;
  /** Transpose first (only for square boxes: 4×4, 9×9). */
  transpose: boolean;
  /** Source row of each result row. */
  rowPerm: Uint8Array;
  /** Source column of each result column. */
  colPerm: Uint8Array;
}

/** The identity transform of a size. */
export function identityTransform(size: SudokuSize): SudokuTransform {
  const ids = Uint8Array.from({ length: size }, (_, i) => i);
  return {
    size,
    digitMap: Uint8Array.from({ length: size + 1 }, (_, i) => i),
    transpose: false,
    rowPerm: ids,
    colPerm: ids.slice(),
  };
}

/** True when transposing keeps boxes boxes (square boxes). */
export function canTranspose(size: SudokuSize): boolean {
  const { rows, cols } = boxShape(size);
  return rows === cols;
}

/**
 * A uniformly random transform of the official family.
 *
 * @example
 * ```ts ignore
 * const t = randomSudokuTransform(9, new Rng(1));
 * const p2 = applySudokuTransform(puzzle, t), s2 = applySudokuTransform(solution, t);
 * ```
 */
export function randomSudokuTransform(size: SudokuSize, rng: Rng): SudokuTransform {
  const { rows: br, cols: bc } = boxShape(size);
  const digits = rng.permutation(size).map((d) => d + 1);
  const digitMap = Uint8Array.from([0, ...digits]);
  const transpose = canTranspose(size) && rng.next() < 0.5;
  const rowPerm: number[] = [];
  for (const band of rng.permutation(size / br)) {
    for (const r of rng.permutation(br)) rowPerm.push(band * br + r);
  }
  const colPerm: number[] = [];
  for (const stack of rng.permutation(size / bc)) {
    for (const c of rng.permutation(bc)) colPerm.push(stack * bc + c);
  }
  return {
    size,
    digitMap,
    transpose,
    rowPerm: Uint8Array.from(rowPerm),
    colPerm: Uint8Array.from(colPerm),
  };
}

function sourceIndex(t: SudokuTransform, i: number, j: number): number {
  const r = t.rowPerm[i], c = t.colPerm[j];
  return t.transpose ? c * t.size + r : r * t.size + c;
}

/** Applies a transform to a grid (puzzle or solution). */
export function applySudokuTransform(grid: SudokuGrid, t: SudokuTransform): SudokuGrid {
  checkSize(grid.size, t);
  const n = t.size;
  const out = new Uint8Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) out[i * n + j] = t.digitMap[grid.cells[sourceIndex(t, i, j)]];
  }
  return { size: grid.size, cells: out };
}

/** Undoes a transform: `invertSudokuTransform(applySudokuTransform(g, t), t)` equals g. */
export function invertSudokuTransform(grid: SudokuGrid, t: SudokuTransform): SudokuGrid {
  checkSize(grid.size, t);
  const n = t.size;
  const inverseDigit = new Uint8Array(n + 1);
  for (let d = 0; d <= n; d++) inverseDigit[t.digitMap[d]] = d;
  const out = new Uint8Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) out[sourceIndex(t, i, j)] = inverseDigit[grid.cells[i * n + j]];
  }
  return { size: grid.size, cells: out };
}

/**
 * Applies a transform to a token sequence (0 = PAD, 1 = blank, digit d = d + 1) in place
 * of decoding and re-encoding; `out` may be given to avoid allocating (not `tokens` itself).
 */
export function applySudokuTransformTokens(
  tokens: Uint8Array,
  t: SudokuTransform,
  out: Uint8Array = new Uint8Array(tokens.length),
): Uint8Array {
  const n = t.size;
  if (tokens.length !== n * n) {
    throw new RangeError(`expected ${n * n} tokens, got ${tokens.length}`);
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const tok = tokens[sourceIndex(t, i, j)];
      out[i * n + j] = tok >= 2 ? t.digitMap[tok - 1] + 1 : tok;
    }
  }
  return out;
}

/**
 * Undoes {@linkcode applySudokuTransformTokens}: a token sequence of the transformed puzzle
 * (an answer the model gave for it) back in the original puzzle's frame.
 */
export function invertSudokuTransformTokens(
  tokens: ArrayLike<number>,
  t: SudokuTransform,
): Int32Array {
  const n = t.size;
  if (tokens.length !== n * n) {
    throw new RangeError(`expected ${n * n} tokens, got ${tokens.length}`);
  }
  const inverseDigit = new Uint8Array(n + 1);
  for (let d = 0; d <= n; d++) inverseDigit[t.digitMap[d]] = d;
  const out = new Int32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const tok = tokens[i * n + j];
      // Digit tokens (2..n+1) map back; PAD, blank and out-of-range tokens stay as they are.
      out[sourceIndex(t, i, j)] = tok >= 2 && tok <= n + 1 ? inverseDigit[tok - 1] + 1 : tok;
    }
  }
  return out;
}

/**
 * A random augmentation of a puzzle and its solution (the same transform for both).
 *
 * @example
 * ```ts ignore
 * const rng = new Rng(7);
 * const { puzzle: p, solution: s } = augmentSudoku(puzzle, solution, rng);
 * ```
 */
export function augmentSudoku(
  puzzle: SudokuGrid,
  solution: SudokuGrid,
  rng: Rng,
): { puzzle: SudokuGrid; solution: SudokuGrid; transform: SudokuTransform } {
  const transform = randomSudokuTransform(puzzle.size, rng);
  return {
    puzzle: applySudokuTransform(puzzle, transform),
    solution: applySudokuTransform(solution, transform),
    transform,
  };
}

function checkSize(size: number, t: SudokuTransform): void {
  if (size !== t.size) {
    throw new RangeError(`grid is ${size}×${size}, transform is for ${t.size}×${t.size}`);
  }
}
