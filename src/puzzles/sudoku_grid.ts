/**
 * Sudoku grids of size 4, 6 and 9 (boxes 2×2, 2×3, 3×3): the grid type, the geometry
 * tables the solver and validator share, and formatting back to text.
 *
 * @module
 */

/** Supported Sudoku sizes (side length). */
export type SudokuSize = 4 | 6 | 9;

/** The supported sizes, smallest first. */
export const SUDOKU_SIZES: readonly SudokuSize[] = [4, 6, 9];

/**
 * A Sudoku grid: `cells[r * size + c]` is 0 for a blank or the digit 1..size.
 * Puzzles and solutions share this type.
 */
export interface SudokuGrid {
  /** Side length. */
  size: SudokuSize;
  /** Row-major cells, length size², 0 = blank. */
  cells: Uint8Array;
}

/** Precomputed unit and peer tables for one size. */
export interface SudokuGeometry {
  /** Side length. */
  size: SudokuSize;
  /** Rows per box. */
  boxRows: number;
  /** Columns per box. */
  boxCols: number;
  /** Cells in the grid (size²). */
  cellCount: number;
  /** Bitmask with one bit per digit (bit d-1 for digit d). */
  fullMask: number;
  /** The 3·size units: rows, then columns, then boxes; each lists its cells. */
  units: Int16Array[];
  /** Peers of every cell, `peerCount` per cell, flattened. */
  peers: Int16Array;
  /** Peers per cell (20 for 9×9, 12 for 6×6, 7 for 4×4). */
  peerCount: number;
  /** Box index of every cell. */
  boxOf: Int8Array;
}

/** Box shape (rows × cols) of a size: 4 → 2×2, 6 → 2×3, 9 → 3×3. */
export function boxShape(size: SudokuSize): { rows: number; cols: number } {
  if (size === 4) return { rows: 2, cols: 2 };
  if (size === 6) return { rows: 2, cols: 3 };
  if (size === 9) return { rows: 3, cols: 3 };
  throw new RangeError(`unsupported Sudoku size ${size}; use 4, 6 or 9`);
}

/** True when `n` is a supported side length. */
export function isSudokuSize(n: number): n is SudokuSize {
  return n === 4 || n === 6 || n === 9;
}

const geometries = new Map<number, SudokuGeometry>();

/** The (cached) geometry tables of a size. */
export function sudokuGeometry(size: SudokuSize): SudokuGeometry {
  let g = geometries.get(size);
  if (g) return g;
  const { rows: boxRows, cols: boxCols } = boxShape(size);
  const cellCount = size * size;
  const boxOf = new Int8Array(cellCount);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      boxOf[r * size + c] = Math.floor(r / boxRows) * (size / boxCols) + Math.floor(c / boxCols);
    }
  }
  const units: Int16Array[] = [];
  for (let r = 0; r < size; r++) {
    units.push(Int16Array.from({ length: size }, (_, c) => r * size + c));
  }
  for (let c = 0; c < size; c++) {
    units.push(Int16Array.from({ length: size }, (_, r) => r * size + c));
  }
  for (let b = 0; b < size; b++) {
    const cells: number[] = [];
    for (let i = 0; i < cellCount; i++) if (boxOf[i] === b) cells.push(i);
    units.push(Int16Array.from(cells));
  }
  const peerLists: number[][] = [];
  for (let i = 0; i < cellCount; i++) {
    const set = new Set<number>();
    for (const u of units) if (u.includes(i)) { for (const j of u) if (j !== i) set.add(j); }
    peerLists.push([...set].sort((a, b) => a - b));
  }
  const peerCount = peerLists[0].length;
  const peers = new Int16Array(cellCount * peerCount);
  peerLists.forEach((list, i) => peers.set(list, i * peerCount));
  g = {
    size,
    boxRows,
    boxCols,
    cellCount,
    fullMask: (1 << size) - 1,
    units,
    peers,
    peerCount,
    boxOf,
  };
  geometries.set(size, g);
  return g;
}

/**
 * Makes a grid from digits (0 = blank); checks length and range.
 *
 * @example
 * ```ts ignore
 * const g = sudokuGrid(4, [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4]);
 * ```
 */
export function sudokuGrid(size: SudokuSize, cells: ArrayLike<number>): SudokuGrid {
  boxShape(size);
  if (cells.length !== size * size) {
    throw new RangeError(`a ${size}×${size} grid has ${size * size} cells, got ${cells.length}`);
  }
  const out = new Uint8Array(cells.length);
  for (let i = 0; i < cells.length; i++) {
    const v = cells[i];
    if (!Number.isInteger(v) || v < 0 || v > size) {
      throw new RangeError(`cell ${i} holds ${v}; expected 0 (blank) or 1..${size}`);
    }
    out[i] = v;
  }
  return { size, cells: out };
}

/** Number of givens (non-blank cells). */
export function countClues(grid: SudokuGrid): number {
  let n = 0;
  for (const v of grid.cells) if (v !== 0) n++;
  return n;
}

/**
 * One line of digits, blanks as `blank` (default "."), as in the Sudoku-Extreme CSV.
 *
 * @example
 * ```ts ignore
 * formatSudokuLine(puzzle); // "1..4..2.3......."
 * ```
 */
export function formatSudokuLine(grid: SudokuGrid, options: { blank?: string } = {}): string {
  const blank = options.blank ?? ".";
  let s = "";
  for (const v of grid.cells) s += v === 0 ? blank : String(v);
  return s;
}

/**
 * A human-readable grid with `|` between box columns and `-+-` lines between box rows;
 * the parser reads it back.
 *
 * @example
 * ```ts ignore
 * console.log(formatSudokuGrid(puzzle));
 * // 1 . | . 4
 * // . . | 2 .
 * // ----+----
 * // ...
 * ```
 */
export function formatSudokuGrid(grid: SudokuGrid, options: { blank?: string } = {}): string {
  const { size } = grid;
  const { rows: br, cols: bc } = boxShape(size);
  const blank = options.blank ?? ".";
  const lines: string[] = [];
  const stackWidth = bc * 2 - 1;
  const rule = Array.from({ length: size / bc }, () => "-".repeat(stackWidth)).join("-+-");
  for (let r = 0; r < size; r++) {
    if (r > 0 && r % br === 0) lines.push(rule);
    const parts: string[] = [];
    for (let s = 0; s < size / bc; s++) {
      const cells: string[] = [];
      for (let c = s * bc; c < (s + 1) * bc; c++) {
        const v = grid.cells[r * size + c];
        cells.push(v === 0 ? blank : String(v));
      }
      parts.push(cells.join(" "));
    }
    lines.push(parts.join(" | "));
  }
  return lines.join("\n");
}

/** A copy of a grid. */
export function cloneSudoku(grid: SudokuGrid): SudokuGrid {
  return { size: grid.size, cells: grid.cells.slice() };
}
