/**
 * Reads Sudoku puzzles from every common text form, in one pass, with errors that name the
 * line (or JSON item) and the problem:
 *
 * - one puzzle a line: 16, 36 or 81 cells, digits with `0` or `.` for blanks (spaces, `|`,
 *   `,` allowed between cells);
 * - grids: one row a line (4, 6 or 9 cells) with optional spaces and `|`, rule lines of
 *   `-`, `+`, `=` between boxes; a grid ends after `size` rows;
 * - CSV: `question,answer[,rating]`, header optional, a leading `source` column allowed (the
 *   Sudoku-Extreme layout `source,question,answer,rating`), or `puzzle,rating`;
 * - JSON: a grid (`number[][]`), a flat `number[]`, a string, objects with
 *   `puzzle`/`question` and optional `solution`/`answer`, or an array of any of those.
 *
 * Blank lines and lines starting with `#` or `//` separate blocks and are otherwise ignored.
 *
 * @module
 */
import { isSudokuSize, type SudokuGrid, type SudokuSize } from "./sudoku_grid.ts";
import { solveSudoku } from "./sudoku_solve.ts";
import {
  describeConflict,
  explainInvalidSolution,
  findSudokuConflicts,
} from "./sudoku_validate.ts";
import { splitCsvLine } from "../data/csv.ts";

// Kept importable from here, where it lived first.
export { splitCsvLine };

/** Options of {@linkcode parseSudoku}. */
export interface ParseSudokuOptions {
  /** Accept only this size (default: infer 4, 6 or 9 from each puzzle). */
  size?: SudokuSize;
  /**
   * What the solver checks (default "solvable"): "unique" also rejects puzzles with more than
   * one solution; "none" skips the solver (repeated givens are still reported).
   */
  check?: "none" | "solvable" | "unique";
}

/** One puzzle read from the text. */
export interface ParsedSudoku {
  /** The puzzle (0 = blank). */
  puzzle: SudokuGrid;
  /** The answer given with it (CSV/JSON), checked against the puzzle. */
  solution?: SudokuGrid;
  /** The rating column, when present. */
  rating?: number;
  /** The source column, when present. */
  source?: string;
  /** 1-based line where it starts (text forms). */
  line?: number;
  /** 0-based position in a JSON array (JSON form). */
  item?: number;
}

/** A problem with one puzzle or line; the other puzzles are still returned. */
export interface SudokuParseError {
  /** 1-based line (text forms). */
  line?: number;
  /** 0-based JSON item (JSON form). */
  item?: number;
  /** What is wrong, e.g. "digit 5 repeats in row 2 (r2c1 and r2c7)". */
  problem: string;
  /** `line 3: <problem>` or `item 2: <problem>`, ready to print. */
  message: string;
}

/** Everything read: the valid puzzles and the errors, in text order. */
export interface SudokuParseResult {
  /** Puzzles that passed every check. */
  puzzles: ParsedSudoku[];
  /** One entry per rejected puzzle or unreadable line. */
  errors: SudokuParseError[];
}

const BLANKS = new Set([".", "0"]);
const CELL_SEPARATORS = /[\s|,]/;
const RULE_LINE = /^[\s\-+=|]*[-+=][\s\-+=|]*$/;
const PUZZLE_LENGTHS: Record<number, SudokuSize> = { 16: 4, 36: 6, 81: 9 };
const QUESTION_NAMES = ["question", "puzzle", "quizzes", "quiz", "problem", "input", "inputs"];
const ANSWER_NAMES = ["answer", "solution", "solutions", "output", "label", "labels"];

type Where = { line?: number; item?: number };

class Collector {
  readonly puzzles: ParsedSudoku[] = [];
  readonly errors: SudokuParseError[] = [];
  constructor(readonly options: ParseSudokuOptions) {}

  error(where: Where, problem: string): void {
    const prefix = where.item !== undefined ? `item ${where.item}` : `line ${where.line}`;
    this.errors.push({ ...where, problem, message: `${prefix}: ${problem}` });
  }

  /** Checks one puzzle (and its answer) and keeps it or reports why not. */
  add(
    where: Where,
    cells: number[],
    extra: { answer?: number[]; rating?: number; source?: string },
  ): void {
    const size = this.sizeOf(cells.length, where);
    if (!size) return;
    for (let i = 0; i < cells.length; i++) {
      if (cells[i] > size) {
        return this.error(
          where,
          `digit ${cells[i]} at r${Math.floor(i / size) + 1}c${
            (i % size) + 1
          } is out of range for ${size}×${size} (1..${size})`,
        );
      }
    }
    const puzzle: SudokuGrid = { size, cells: Uint8Array.from(cells) };
    const conflicts = findSudokuConflicts(puzzle);
    if (conflicts.length) return this.error(where, `given ${describeConflict(conflicts[0], size)}`);
    const entry: ParsedSudoku = { puzzle, ...where };
    if (extra.answer) {
      if (extra.answer.length !== cells.length) {
        return this.error(
          where,
          `answer has ${extra.answer.length} cells; the puzzle has ${cells.length}`,
        );
      }
      const solution: SudokuGrid = { size, cells: Uint8Array.from(extra.answer) };
      const why = explainInvalidSolution(puzzle, solution);
      if (why) return this.error(where, `answer is not a solution: ${why}`);
      entry.solution = solution;
    }
    if (extra.rating !== undefined) entry.rating = extra.rating;
    if (extra.source !== undefined) entry.source = extra.source;
    const check = this.options.check ?? "solvable";
    if (check !== "none") {
      const r = solveSudoku(puzzle, { maxSolutions: check === "unique" ? 2 : 1 });
      if (r.solutions === 0) {
        return this.error(where, "unsolvable (no grid completes these givens)");
      }
      if (r.solutions > 1) return this.error(where, "has more than one solution");
    }
    this.puzzles.push(entry);
  }

  sizeOf(cellCount: number, where: Where): SudokuSize | undefined {
    const want = this.options.size;
    const size = PUZZLE_LENGTHS[cellCount];
    if (want ? size === want : size) return size;
    const expected = want ? `${want * want} (${want}×${want})` : "16 (4×4), 36 (6×6) or 81 (9×9)";
    this.error(where, `wrong length: ${cellCount} cells; expected ${expected}`);
  }
}

/** Cells of a run of characters, or a bad-character problem (1-based column). */
function readCells(text: string, columnOffset = 0): number[] | string {
  const cells: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch >= "1" && ch <= "9") cells.push(ch.charCodeAt(0) - 48);
    else if (BLANKS.has(ch)) cells.push(0);
    else if (!CELL_SEPARATORS.test(ch)) {
      return `bad character ${JSON.stringify(ch)} at column ${columnOffset + i + 1}`;
    }
  }
  return cells;
}

function looksLikePuzzle(field: string): boolean {
  const f = field.trim();
  return f.length in PUZZLE_LENGTHS && /^[0-9.]+$/.test(f);
}

interface Columns {
  source?: number;
  question: number;
  answer?: number;
  rating?: number;
}

function headerColumns(fields: string[]): Columns | null {
  const names = fields.map((f) => f.trim().toLowerCase());
  const question = names.findIndex((n) => QUESTION_NAMES.includes(n));
  if (question < 0) return null;
  const find = (list: string[]) => {
    const i = names.findIndex((n) => list.includes(n));
    return i < 0 ? undefined : i;
  };
  return {
    question,
    answer: find(ANSWER_NAMES),
    rating: find(["rating", "difficulty", "score"]),
    source: find(["source", "id"]),
  };
}

function guessColumns(fields: string[]): Columns | string {
  const q = fields.findIndex(looksLikePuzzle);
  if (q < 0) return "no puzzle column (16, 36 or 81 digits/dots) in this CSV row";
  if (q > 1) return `puzzle found in column ${q + 1}; only one leading (source) column is allowed`;
  const cols: Columns = { question: q, source: q === 1 ? 0 : undefined };
  let next = q + 1;
  if (next < fields.length && looksLikePuzzle(fields[next])) cols.answer = next++;
  if (next < fields.length) cols.rating = next;
  return cols;
}

function parseCsvRecord(c: Collector, lineNo: number, fields: string[], cols: Columns): void {
  const where = { line: lineNo };
  const q = fields[cols.question];
  if (q === undefined) return c.error(where, `missing question column ${cols.question + 1}`);
  const question = readCells(q.trim());
  if (typeof question === "string") return c.error(where, `question: ${question}`);
  let answer: number[] | undefined;
  const a = cols.answer !== undefined ? fields[cols.answer]?.trim() : undefined;
  if (a) {
    const cells = readCells(a);
    if (typeof cells === "string") return c.error(where, `answer: ${cells}`);
    answer = cells;
  }
  let rating: number | undefined;
  const r = cols.rating !== undefined ? fields[cols.rating]?.trim() : undefined;
  if (r) {
    rating = Number(r);
    if (!Number.isFinite(rating)) {
      return c.error(where, `rating ${JSON.stringify(r)} is not a number`);
    }
  }
  const source = cols.source !== undefined ? fields[cols.source] : undefined;
  c.add(where, question, { answer, rating, source });
}

/**
 * The text forms read line by line, so that a caller can stream a large input: push lines
 * in order, take the puzzles and errors found so far whenever it likes, end at the end.
 *
 * @example
 * ```ts
 * import { SudokuLineReader } from "./sudoku_parse.ts";
 * const reader = new SudokuLineReader();
 * reader.push("1..4..2..1..4..2");
 * reader.end();
 * console.log(reader.take().puzzles.length); // 1
 * ```
 */
export class SudokuLineReader {
  readonly #c: Collector;
  #lineNo = 0;
  #block: { start: number; width: number; rows: number[][] } | null = null;
  #columns: Columns | null = null;
  #csvSeen = false;

  /**
   * Creates a reader at line 1.
   *
   * @param options size and solver checks, as for {@linkcode parseSudoku}
   */
  constructor(options: ParseSudokuOptions = {}) {
    this.#c = new Collector(options);
  }

  /** The puzzles and errors found since the last call (a grid still open stays pending). */
  take(): SudokuParseResult {
    const out = { puzzles: this.#c.puzzles.splice(0), errors: this.#c.errors.splice(0) };
    return out;
  }

  /** Ends the input: an unfinished grid becomes an error. */
  end(): void {
    this.#endBlock();
  }

  #endBlock(): void {
    const block = this.#block;
    if (block && block.rows.length < block.width) {
      this.#c.error(
        { line: block.start },
        `grid starting here has ${block.rows.length} rows; a ${block.width}×${block.width} grid needs ${block.width}`,
      );
    }
    this.#block = null;
  }

  /** Reads the next line (without its line break). */
  push(raw: string): void {
    const c = this.#c;
    const lineNo = ++this.#lineNo;
    const unix = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    const line = lineNo === 1 ? unix.replace(/^\uFEFF/, "") : unix;
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#") || trimmed.startsWith("//")) {
      this.#endBlock();
      return;
    }
    if (RULE_LINE.test(trimmed)) return;
    if (trimmed.includes(",")) {
      const fields = splitCsvLine(trimmed);
      if (fields.some((f) => f.trim().length > 1)) {
        this.#endBlock();
        if (!this.#csvSeen) {
          this.#csvSeen = true;
          const header = headerColumns(fields);
          if (header) {
            this.#columns = header;
            return;
          }
        }
        const cols = this.#columns ?? guessColumns(fields);
        if (typeof cols === "string") c.error({ line: lineNo }, cols);
        else parseCsvRecord(c, lineNo, fields, cols);
        return;
      }
    }
    const cells = readCells(line);
    if (typeof cells === "string") {
      this.#endBlock();
      c.error({ line: lineNo }, cells);
      return;
    }
    const n = cells.length;
    const want = c.options.size;
    if (isSudokuSize(n) && (!want || want === n)) {
      if (this.#block && this.#block.width !== n) this.#endBlock();
      if (!this.#block) this.#block = { start: lineNo, width: n, rows: [] };
      const block = this.#block;
      block.rows.push(cells);
      if (block.rows.length === n) {
        c.add({ line: block.start }, block.rows.flat(), {});
        this.#block = null;
      }
      return;
    }
    this.#endBlock();
    c.add({ line: lineNo }, cells, {});
  }
}

function parseText(text: string, options: ParseSudokuOptions): SudokuParseResult {
  const reader = new SudokuLineReader(options);
  for (const line of text.split("\n")) reader.push(line);
  reader.end();
  return reader.take();
}

function jsonCells(value: unknown): number[] | string {
  if (typeof value === "string") return readCells(value.replace(/[-+=]/g, " "));
  if (!Array.isArray(value)) {
    return `expected a string or an array, got ${value === null ? "null" : typeof value}`;
  }
  const flat = value.every((v) => Array.isArray(v)) ? (value as unknown[][]).flat() : value;
  const out: number[] = [];
  for (const v of flat) {
    if (v === null) out.push(0);
    else if (typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 9) out.push(v);
    else if (typeof v === "string" && v.length === 1 && typeof readCells(v) !== "string") {
      out.push(...(readCells(v) as number[]));
    } else return `bad cell ${JSON.stringify(v)}`;
  }
  return out;
}

function isGrid(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0 && isSudokuSize(value.length) &&
    value.every((row) =>
      Array.isArray(row) && row.length === value.length && row.every((v) => !Array.isArray(v))
    );
}

function isFlatPuzzle(value: unknown): boolean {
  return Array.isArray(value) && value.length in PUZZLE_LENGTHS &&
    value.every((v) => !Array.isArray(v) && typeof v !== "object" || v === null);
}

function parseJsonItem(c: Collector, item: number | undefined, value: unknown): void {
  const where: Where = item === undefined ? { line: 1 } : { item };
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    const qKey = QUESTION_NAMES.find((k) => k in obj);
    if (!qKey) return c.error(where, `object has no ${QUESTION_NAMES.slice(0, 2).join("/")} field`);
    const q = jsonCells(obj[qKey]);
    if (typeof q === "string") return c.error(where, `${qKey}: ${q}`);
    const aKey = ANSWER_NAMES.find((k) => k in obj);
    let answer: number[] | undefined;
    if (aKey) {
      const a = jsonCells(obj[aKey]);
      if (typeof a === "string") return c.error(where, `${aKey}: ${a}`);
      answer = a;
    }
    const rating = typeof obj.rating === "number" ? obj.rating : undefined;
    const source = typeof obj.source === "string" ? obj.source : undefined;
    return c.add(where, q, { answer, rating, source });
  }
  const cells = jsonCells(value);
  if (typeof cells === "string") return c.error(where, cells);
  c.add(where, cells, {});
}

function parseJson(c: Collector, text: string): void {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return c.error({ line: 1 }, `invalid JSON: ${(e as Error).message}`);
  }
  const single = typeof value === "string" || isGrid(value) || isFlatPuzzle(value) ||
    (value !== null && typeof value === "object" && !Array.isArray(value));
  if (single) return parseJsonItem(c, undefined, value);
  if (!Array.isArray(value)) {
    return c.error({ line: 1 }, "JSON must be a puzzle or an array of puzzles");
  }
  value.forEach((v, i) => parseJsonItem(c, i, v));
}

/** Whether text (without leading space) is in the JSON form rather than a text form. */
export function startsAsJson(trimmed: string): boolean {
  return trimmed.startsWith("[") || trimmed.startsWith("{") || trimmed.startsWith('"');
}

/**
 * Parses every puzzle in `text` (form detected automatically, see the module note).
 *
 * @example
 * ```ts ignore
 * const { puzzles, errors } = parseSudoku(Deno.readTextFileSync("puzzles.txt"), { check: "unique" });
 * for (const e of errors) console.error(e.message); // "line 4: given digit 5 repeats in row 2 (r2c1 and r2c7)"
 * ```
 */
export function parseSudoku(text: string, options: ParseSudokuOptions = {}): SudokuParseResult {
  const trimmed = text.replace(/^\uFEFF/, "").trimStart();
  if (!startsAsJson(trimmed)) return parseText(text, options);
  const c = new Collector(options);
  parseJson(c, trimmed);
  return { puzzles: c.puzzles, errors: c.errors };
}
