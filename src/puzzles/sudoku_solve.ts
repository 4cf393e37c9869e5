/**
 * Exact Sudoku solver: candidate bitmasks, naked- and hidden-single propagation, and
 * branching on the cell with the fewest candidates. Used for generation, uniqueness checks
 * and rating — never as a fallback for a model's answers.
 *
 * @module
 */
import type { Rng } from "./rng.ts";
import {
  type SudokuGeometry,
  sudokuGeometry,
  type SudokuGrid,
  type SudokuSize,
} from "./sudoku_grid.ts";

/** Options of {@linkcode solveSudoku}. */
export interface SolveOptions {
  /** Stop after this many solutions (default 1; use 2 to test uniqueness). */
  maxSolutions?: number;
  /** Use hidden singles in propagation (default true; the rating turns it off). */
  hiddenSingles?: boolean;
  /** Try digits in a random order at each branch (for generating random full grids). */
  rng?: Rng;
  /** Give up after this many branch nodes (default: no limit); `complete` is then false. */
  maxNodes?: number;
}

/** What {@linkcode solveSudoku} found and how much search it took. */
export interface SolveResult {
  /** The first solution found, or null when there is none. */
  solution: SudokuGrid | null;
  /** Solutions found, capped at `maxSolutions`. */
  solutions: number;
  /** Branch nodes tried (each a guess of one digit in one cell). */
  nodes: number;
  /** Guesses that led straight to a contradiction. */
  backtracks: number;
  /** Waves of naked singles propagated over the whole search (all cells single after wave k are placed in wave k + 1). */
  rounds: number;
  /** False when `maxNodes` stopped the search early. */
  complete: boolean;
}

const PLACED = 0x8000;

/** One engine per size: reusable buffers so solving allocates almost nothing. */
class Engine {
  readonly g: SudokuGeometry;
  readonly stack: Uint16Array[] = [];
  readonly queue: Int16Array;
  readonly popcount: Uint8Array;
  qh = 0;
  qt = 0;
  hidden = true;
  rng: Rng | undefined;
  limit = 1;
  maxNodes = Infinity;
  nodes = 0;
  backtracks = 0;
  rounds = 0;
  solutions = 0;
  aborted = false;
  first: Uint8Array | null = null;

  constructor(size: SudokuSize) {
    this.g = sudokuGeometry(size);
    const n = this.g.cellCount;
    const buffer = new Uint16Array((n + 2) * n);
    for (let d = 0; d < n + 2; d++) this.stack.push(buffer.subarray(d * n, (d + 1) * n));
    this.queue = new Int16Array(n * 2);
    this.popcount = new Uint8Array(1 << size);
    for (let m = 1; m < this.popcount.length; m++) {
      this.popcount[m] = (m & 1) + this.popcount[m >> 1];
    }
  }

  /** Places `bit` in `cell`, removing it from the peers; false on a contradiction. */
  place(s: Uint16Array, cell: number, bit: number): boolean {
    const m = s[cell];
    if ((m & bit) === 0) return false;
    s[cell] = bit | PLACED;
    const { peers, peerCount } = this.g;
    const base = cell * peerCount;
    for (let k = 0; k < peerCount; k++) {
      const p = peers[base + k];
      const pm = s[p];
      if ((pm & bit) === 0) continue;
      if (pm & PLACED) return false;
      const c = pm & ~bit;
      if (c === 0) return false;
      s[p] = c;
      if ((c & (c - 1)) === 0) this.queue[this.qt++] = p;
    }
    return true;
  }

  drain(s: Uint16Array): boolean {
    // Cells queued while placing round k's singles form round k + 1 (synchronous waves).
    let end = this.qt;
    if (this.qh < end) this.rounds++;
    while (this.qh < this.qt) {
      if (this.qh === end) {
        end = this.qt;
        this.rounds++;
      }
      const p = this.queue[this.qh++];
      const m = s[p];
      if (m & PLACED) continue;
      if (!this.place(s, p, m)) return false;
    }
    this.qh = this.qt = 0;
    return true;
  }

  propagate(s: Uint16Array): boolean {
    if (!this.drain(s)) return false;
    if (!this.hidden) return true;
    const { units, fullMask } = this.g;
    let changed = true;
    while (changed) {
      changed = false;
      for (let u = 0; u < units.length; u++) {
        const unit = units[u];
        let once = 0, twice = 0, placed = 0;
        for (let k = 0; k < unit.length; k++) {
          const m = s[unit[k]];
          if (m & PLACED) placed |= m;
          twice |= once & m;
          once |= m;
        }
        if ((once & fullMask) !== fullMask) return false;
        let h = once & ~twice & ~placed & fullMask;
        while (h !== 0) {
          const bit = h & -h;
          h ^= bit;
          let cell = -1;
          for (let k = 0; k < unit.length; k++) {
            if (s[unit[k]] & bit) {
              cell = unit[k];
              break;
            }
          }
          if (cell < 0) return false;
          if (s[cell] & PLACED) continue;
          if (!this.place(s, cell, bit) || !this.drain(s)) return false;
          changed = true;
        }
      }
    }
    return true;
  }

  /** Depth-first search; true means "stop" (limit reached or aborted). */
  search(depth: number): boolean {
    const s = this.stack[depth];
    const n = this.g.cellCount;
    let best = -1, bestCount = 99;
    for (let c = 0; c < n; c++) {
      const m = s[c];
      if (m & PLACED) continue;
      const pc = this.popcount[m];
      if (pc < bestCount) {
        best = c;
        bestCount = pc;
        if (pc === 2) break;
      }
    }
    if (best < 0) {
      this.solutions++;
      if (!this.first) this.first = this.extract(s);
      return this.solutions >= this.limit;
    }
    const m = s[best];
    let bits: number[];
    if (this.rng) {
      bits = [];
      for (let r = m; r !== 0; r &= r - 1) bits.push(r & -r);
      this.rng.shuffle(bits);
    } else {
      bits = [];
      for (let r = m; r !== 0; r &= r - 1) bits.push(r & -r);
    }
    const t = this.stack[depth + 1];
    for (let i = 0; i < bits.length; i++) {
      if (this.nodes >= this.maxNodes) {
        this.aborted = true;
        return true;
      }
      this.nodes++;
      t.set(s);
      this.qh = this.qt = 0;
      if (this.place(t, best, bits[i]) && this.propagate(t)) {
        if (this.search(depth + 1)) return true;
      } else {
        this.backtracks++;
      }
    }
    return false;
  }

  extract(s: Uint16Array): Uint8Array {
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = 32 - Math.clz32(s[i] & ~PLACED);
    return out;
  }

  /** Loads the givens into stack[0]; false when they already contradict. */
  load(cells: Uint8Array): boolean {
    const s = this.stack[0];
    s.fill(this.g.fullMask);
    this.qh = this.qt = 0;
    for (let i = 0; i < cells.length; i++) {
      const v = cells[i];
      if (v !== 0 && !this.place(s, i, 1 << (v - 1))) return false;
    }
    // Requeue in cell order so the first wave does not depend on the order givens were placed.
    this.qh = this.qt = 0;
    for (let i = 0; i < s.length; i++) {
      const m = s[i];
      if ((m & PLACED) === 0 && (m & (m - 1)) === 0) this.queue[this.qt++] = i;
    }
    return this.propagate(s);
  }

  run(puzzle: SudokuGrid, options: SolveOptions): SolveResult {
    this.limit = options.maxSolutions ?? 1;
    this.hidden = options.hiddenSingles ?? true;
    this.rng = options.rng;
    this.maxNodes = options.maxNodes ?? Infinity;
    this.nodes =
      this.backtracks =
      this.solutions =
      this.rounds =
        0;
    this.aborted = false;
    this.first = null;
    if (this.load(puzzle.cells)) this.search(0);
    const first = this.first as Uint8Array | null;
    return {
      solution: first ? { size: puzzle.size, cells: first } : null,
      solutions: this.solutions,
      nodes: this.nodes,
      backtracks: this.backtracks,
      rounds: this.rounds,
      complete: !this.aborted,
    };
  }
}

const engines = new Map<number, Engine>();

function engine(size: SudokuSize): Engine {
  let e = engines.get(size);
  if (!e) engines.set(size, e = new Engine(size));
  return e;
}

/**
 * Solves a puzzle exactly. With `maxSolutions: 2`, `solutions === 1` proves uniqueness.
 *
 * @example
 * ```ts ignore
 * const { solution, solutions, nodes } = solveSudoku(puzzle, { maxSolutions: 2 });
 * if (solutions === 1) console.log(formatSudokuGrid(solution!));
 * ```
 */
export function solveSudoku(puzzle: SudokuGrid, options: SolveOptions = {}): SolveResult {
  if (puzzle.cells.length !== puzzle.size * puzzle.size) {
    throw new RangeError(`a ${puzzle.size}×${puzzle.size} grid has ${puzzle.size ** 2} cells`);
  }
  return engine(puzzle.size).run(puzzle, options);
}

/** Number of solutions, counted up to `limit` (default 2: 0, 1 or "2 or more"). */
export function countSudokuSolutions(puzzle: SudokuGrid, limit = 2): number {
  return solveSudoku(puzzle, { maxSolutions: limit }).solutions;
}

/** True when the puzzle has exactly one solution. */
export function hasUniqueSolution(puzzle: SudokuGrid): boolean {
  return countSudokuSolutions(puzzle, 2) === 1;
}

/**
 * True when propagation alone solves the puzzle, without any guess: naked singles only
 * (`hiddenSingles: false`, the easiest tier's test) or naked and hidden singles.
 * A puzzle solved this way has exactly one solution.
 */
export function solvedBySingles(
  puzzle: SudokuGrid,
  options: { hiddenSingles?: boolean } = {},
): boolean {
  const e = engine(puzzle.size);
  e.hidden = options.hiddenSingles ?? true;
  e.rounds = 0;
  if (!e.load(puzzle.cells)) return false;
  const s = e.stack[0];
  for (let i = 0; i < s.length; i++) if ((s[i] & PLACED) === 0) return false;
  return true;
}
