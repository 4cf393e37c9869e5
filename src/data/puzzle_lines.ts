/**
 * Third-party Sudoku collections as {@linkcode PuzzleRecord}s for evaluation. The format is
 * recognised by content, on the first line that is not blank or a `#` comment:
 *
 * - our CSV (`source,question,answer,rating`, or any header naming `question`/`answer`, or
 *   headerless rows whose 2nd and 3rd fields are puzzles): read by {@linkcode parsePuzzleCsv};
 * - `puzzle,rating` rows (header optional), e.g. the Sudoku Exchange bank: 81 digits, `0` blank;
 * - one puzzle a line (16, 36 or 81 cells; `.` or `0` blank; spaces and `|` ignored), e.g.
 *   magictour top1465 or Norvig's top95.
 *
 * The last two carry no answers: each reference answer is the exact solver's unique solution,
 * used only to score a model, never shown as its answer. A puzzle without exactly one solution
 * is refused (its answer would not be a fair reference). No `Deno.*` here: the caller reads
 * the file.
 *
 * @module
 */
import { formatSudokuLine, type SudokuGrid, type SudokuSize } from "../puzzles/sudoku_grid.ts";
import { splitCsvLine } from "../puzzles/sudoku_parse.ts";
import { solveSudoku } from "../puzzles/sudoku_solve.ts";
import { describeConflict, findSudokuConflicts } from "../puzzles/sudoku_validate.ts";
import { parsePuzzleCsv, type PuzzleRecord } from "./csv.ts";

/** The file forms {@linkcode parsePuzzleFile} recognises. */
export type PuzzleFileFormat = "csv" | "puzzle-rating" | "lines";

/** Options of {@linkcode parsePuzzleFile}. */
export interface ParsePuzzleFileOptions {
  /** Stop after this many puzzles (later lines are neither read nor solved). */
  limit?: number;
  /** Prefix of each record's `source` (`<source>:<line>`; default "puzzles"). */
  source?: string;
}

/** What {@linkcode parsePuzzleFile} read. */
export interface PuzzleFile {
  /** The recognised form. */
  format: PuzzleFileFormat;
  /** The puzzles, in file order, at most `limit`. */
  records: PuzzleRecord[];
  /** True when the answers came from the exact solver (every form but our CSV). */
  solved: boolean;
}

/** A line the loader refuses; `message` is `line N: <problem>`. */
export class PuzzleFileError extends RangeError {
  /** 1-based line number in the file. */
  readonly line: number;
  /** What is wrong with the line. */
  readonly problem: string;

  /** Builds the error for `problem` on line `line` (1-based). */
  constructor(line: number, problem: string) {
    super(`line ${line}: ${problem}`);
    this.name = "PuzzleFileError";
    this.line = line;
    this.problem = problem;
  }
}

const SIZES: Record<number, SudokuSize> = { 16: 4, 36: 6, 81: 9 };
const PUZZLE_NAMES = ["puzzle", "puzzles", "quiz", "quizzes", "problem", "grid"];
const RATING_NAMES = ["rating", "difficulty", "score"];

/** Lines of `text` with 1-based numbers, lazily (a limit stops the scan early). */
function* lines(text: string): Generator<[number, string]> {
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (let n = 1; start <= text.length; n++) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    yield [n, line.endsWith("\r") ? line.slice(0, -1) : line];
    start = end + 1;
  }
}

function isContent(line: string): boolean {
  const t = line.trim();
  return t !== "" && !t.startsWith("#");
}

function looksLikePuzzle(field: string): boolean {
  const f = field.trim();
  return f.length in SIZES && /^[0-9.]+$/.test(f);
}

/**
 * The form of a puzzle file, from its first content line (see the module note).
 *
 * @example
 * ```ts ignore
 * detectPuzzleFormat("4.....8.5.3.....\n"); // "lines"
 * ```
 */
export function detectPuzzleFormat(text: string): PuzzleFileFormat {
  for (const [, line] of lines(text)) {
    if (!isContent(line)) continue;
    if (!line.includes(",")) return "lines";
    const fields = splitCsvLine(line);
    const names = fields.map((f) => f.trim().toLowerCase());
    if (names.includes("question") || names.includes("answer")) return "csv";
    if (fields.length >= 3 && looksLikePuzzle(fields[1]) && looksLikePuzzle(fields[2])) {
      return "csv";
    }
    return "puzzle-rating";
  }
  return "lines";
}

/** A puzzle from its text (`.`/`0` blanks, spaces and `|` ignored), or why not. */
function readPuzzle(text: string): SudokuGrid | string {
  const digits: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch >= "0" && ch <= "9") digits.push(ch.charCodeAt(0) - 48);
    else if (ch === ".") digits.push(0);
    else if (ch !== "|" && ch.trim() !== "") {
      return `bad character ${JSON.stringify(ch)} at column ${i + 1}`;
    }
  }
  const size = SIZES[digits.length];
  if (!size) {
    return `wrong length: ${digits.length} cells; expected 16 (4×4), 36 (6×6) or 81 (9×9)`;
  }
  for (let i = 0; i < digits.length; i++) {
    if (digits[i] > size) {
      return `digit ${digits[i]} at r${Math.floor(i / size) + 1}c${
        (i % size) + 1
      } is out of range for ${size}×${size}`;
    }
  }
  const grid: SudokuGrid = { size, cells: Uint8Array.from(digits) };
  const conflicts = findSudokuConflicts(grid);
  return conflicts.length ? `given ${describeConflict(conflicts[0], size)}` : grid;
}

/** Our CSV, with comment/blank lines before the header allowed and line numbers kept. */
function parseOurCsv(text: string, limit: number): PuzzleRecord[] {
  let skipped = 0, offset = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (const [, line] of lines(text)) {
    if (isContent(line)) break;
    skipped++;
    offset = text.indexOf("\n", offset) + 1;
  }
  try {
    return parsePuzzleCsv(text.slice(offset)).slice(0, limit);
  } catch (e) {
    const m = /^line (\d+): (.*)$/s.exec((e as Error).message);
    if (m) throw new PuzzleFileError(Number(m[1]) + skipped, m[2]);
    throw e;
  }
}

/**
 * Reads a puzzle file (form recognised by content, see the module note) into records; the
 * answers of answerless forms come from the exact solver. Throws {@linkcode PuzzleFileError}
 * naming the line of the first malformed, unsolvable or ambiguous puzzle.
 *
 * @example
 * ```ts ignore
 * const { records } = parsePuzzleFile(await Deno.readTextFile("norvig_top95.txt"), { limit: 10 });
 * const data = recordsToDataset(records);
 * ```
 */
export function parsePuzzleFile(text: string, options: ParsePuzzleFileOptions = {}): PuzzleFile {
  const limit = options.limit ?? Infinity;
  const source = options.source ?? "puzzles";
  const format = detectPuzzleFormat(text);
  if (format === "csv") return { format, records: parseOurCsv(text, limit), solved: false };
  const records: PuzzleRecord[] = [];
  let cols: { puzzle: number; rating: number } | null = null;
  let firstSize: SudokuSize | undefined;
  for (const [n, line] of lines(text)) {
    if (records.length >= limit) break;
    if (!isContent(line)) continue;
    let puzzleText = line, rating = 0;
    if (format === "puzzle-rating") {
      const fields = splitCsvLine(line);
      if (!cols) {
        const names = fields.map((f) => f.trim().toLowerCase());
        const puzzle = names.findIndex((f) => PUZZLE_NAMES.includes(f));
        if (puzzle >= 0) {
          cols = { puzzle, rating: names.findIndex((f) => RATING_NAMES.includes(f)) };
          continue;
        }
        cols = { puzzle: 0, rating: 1 };
      }
      if (cols.puzzle === 0 && cols.rating === 1 && fields.length > 2) {
        throw new PuzzleFileError(n, `${fields.length} fields; expected puzzle,rating`);
      }
      const p = fields[cols.puzzle];
      if (p === undefined) throw new PuzzleFileError(n, `no puzzle in column ${cols.puzzle + 1}`);
      puzzleText = p;
      const r = cols.rating >= 0 ? (fields[cols.rating] ?? "").trim() : "";
      rating = r === "" ? 0 : Number(r);
      if (!Number.isFinite(rating)) {
        throw new PuzzleFileError(n, `rating ${JSON.stringify(r)} is not a number`);
      }
    }
    const puzzle = readPuzzle(puzzleText);
    if (typeof puzzle === "string") throw new PuzzleFileError(n, puzzle);
    firstSize ??= puzzle.size;
    if (puzzle.size !== firstSize) {
      throw new PuzzleFileError(
        n,
        `a ${puzzle.size}×${puzzle.size} puzzle after ${firstSize}×${firstSize} ones; one size a file`,
      );
    }
    const solved = solveSudoku(puzzle, { maxSolutions: 2 });
    if (solved.solutions === 0) throw new PuzzleFileError(n, "the puzzle has no solution");
    if (solved.solutions > 1) {
      throw new PuzzleFileError(
        n,
        "the puzzle has more than one solution, so there is no single answer to score against",
      );
    }
    records.push({
      source: `${source}:${n}`,
      question: formatSudokuLine(puzzle),
      answer: formatSudokuLine(solved.solution!),
      rating,
    });
  }
  return { format, records, solved: true };
}
