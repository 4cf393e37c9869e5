/**
 * Our CSV dataset form, the Sudoku-Extreme / Maze-Hard layout `source,question,answer,rating`
 * (one example a row, header first), so the official build scripts read our files too.
 * Sudoku questions use `.` for blanks; mazes are N² characters of `# SGo` (spaces kept, never
 * trimmed).
 *
 * @module
 */
import { MAZE_CHARSET } from "../puzzles/maze.ts";
import type { GeneratedMaze } from "../puzzles/maze_generate.ts";
import { formatMazeLine } from "../puzzles/maze.ts";
import { formatSudokuLine, isSudokuSize } from "../puzzles/sudoku_grid.ts";
import type { GeneratedSudoku } from "../puzzles/sudoku_generate.ts";
import { MAZE_VOCAB_SIZE, sudokuVocabSize } from "../puzzles/encoding.ts";
import { defaultMetadata, type PuzzleTask, type TokenDataset } from "./dataset.ts";

/** Splits one CSV record (double quotes may wrap a field; "" inside is a quote). */
export function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = "", quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') field += '"', i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === "") quoted = true;
    else if (ch === ",") fields.push(field), field = "";
    else field += ch;
  }
  fields.push(field);
  return fields;
}

/** One CSV row. */
export interface PuzzleRecord {
  /** Where the example comes from (e.g. "trm-gen:sudoku9:hard:seed=1:7"). */
  source: string;
  /** The question, one character per cell. */
  question: string;
  /** The answer, one character per cell. */
  answer: string;
  /** Difficulty: Sudoku rating or maze shortest-path length. */
  rating: number;
}

/** The header line of our CSV files. */
export const PUZZLE_CSV_HEADER = "source,question,answer,rating";

function quote(field: string): string {
  // One record a line is what the readers (ours and the official builders) expect.
  if (/[\r\n]/.test(field)) {
    throw new RangeError(
      `a CSV field cannot hold a line break (got ${JSON.stringify(field.slice(0, 40))})`,
    );
  }
  return /[",]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}

/** One CSV line (no newline) for a record; a field with a line break is a RangeError. */
export function formatPuzzleCsvRow(r: PuzzleRecord): string {
  const rating = Number.isInteger(r.rating)
    ? String(r.rating)
    : String(Math.round(r.rating * 1000) / 1000);
  return [r.source, r.question, r.answer, rating].map(quote).join(",");
}

/**
 * A whole CSV file (header and rows, newline-terminated).
 *
 * @example
 * ```ts ignore
 * const csv = formatPuzzleCsv([sudokuRecord(generateSudoku({ size: 9, seed: 1 }), "demo")]);
 * ```
 */
export function formatPuzzleCsv(records: Iterable<PuzzleRecord>): string {
  const lines = [PUZZLE_CSV_HEADER];
  for (const r of records) lines.push(formatPuzzleCsvRow(r));
  return lines.join("\n") + "\n";
}

/** The CSV record of a generated Sudoku (rating = its pinned rating). */
export function sudokuRecord(g: GeneratedSudoku, source: string): PuzzleRecord {
  return {
    source,
    question: formatSudokuLine(g.puzzle),
    answer: formatSudokuLine(g.solution),
    rating: g.rating,
  };
}

/** The CSV record of a generated maze (rating = shortest-path length in moves). */
export function mazeRecord(g: GeneratedMaze, source: string): PuzzleRecord {
  return {
    source,
    question: formatMazeLine(g.maze),
    answer: formatMazeLine(g.solution),
    rating: g.pathLength,
  };
}

/**
 * Reads our CSV form (or any CSV with `question` and `answer` columns in its header; without
 * a header, columns are `source,question,answer,rating`). Errors name the line.
 */
export function parsePuzzleCsv(text: string): PuzzleRecord[] {
  const lines = text.replace(/^\uFEFF/, "").split("\n").map((l) => l.replace(/\r$/, ""));
  while (lines.length && lines[lines.length - 1] === "") lines.pop();
  if (!lines.length) return [];
  const head = splitCsvLine(lines[0]).map((f) => f.trim().toLowerCase());
  let cols = { source: 0, question: 1, answer: 2, rating: 3 };
  let first = 0;
  if (head.includes("question") || head.includes("answer")) {
    cols = {
      source: head.indexOf("source"),
      question: head.indexOf("question"),
      answer: head.indexOf("answer"),
      rating: head.indexOf("rating"),
    };
    if (cols.question < 0 || cols.answer < 0) {
      throw new RangeError(`line 1: the header needs question and answer columns`);
    }
    first = 1;
  }
  const out: PuzzleRecord[] = [];
  for (let i = first; i < lines.length; i++) {
    if (lines[i] === "") continue;
    const f = splitCsvLine(lines[i]);
    const question = f[cols.question], answer = f[cols.answer];
    if (question === undefined || answer === undefined) {
      throw new RangeError(
        `line ${i + 1}: ${f.length} columns; expected question and answer in columns ${
          cols.question + 1
        } and ${cols.answer + 1}`,
      );
    }
    const ratingText = cols.rating >= 0 ? f[cols.rating] ?? "" : "";
    const rating = ratingText.trim() === "" ? 0 : Number(ratingText);
    if (!Number.isFinite(rating)) {
      throw new RangeError(`line ${i + 1}: rating ${JSON.stringify(ratingText)} is not a number`);
    }
    out.push({ source: cols.source >= 0 ? f[cols.source] ?? "" : "", question, answer, rating });
  }
  return out;
}

/** The task a question string belongs to (maze characters, or 16/36/81 Sudoku cells). */
export function taskOfQuestion(question: string): PuzzleTask | null {
  if (/^[0-9.]+$/.test(question)) {
    const n = Math.round(Math.sqrt(question.length));
    if (n * n === question.length && isSudokuSize(n)) return `sudoku${n}` as PuzzleTask;
    return null;
  }
  return [...question].every((c) => MAZE_CHARSET.includes(c)) ? "maze" : null;
}

function sudokuTokens(
  text: string,
  size: number,
  out: Uint8Array,
  offset: number,
  where: string,
): void {
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    const d = ch === 46 ? 0 : ch - 48; // "." or a digit
    if (d < 0 || d > size) {
      throw new RangeError(
        `${where}: ${JSON.stringify(text[i])} at column ${i + 1} is not a blank or 1..${size}`,
      );
    }
    out[offset + i] = d + 1;
  }
}

function mazeTokens(text: string, out: Uint8Array, offset: number, where: string): void {
  for (let i = 0; i < text.length; i++) {
    const t = MAZE_CHARSET.indexOf(text[i]);
    if (t < 0) {
      throw new RangeError(
        `${where}: ${JSON.stringify(text[i])} at column ${i + 1} is not one of "# SGo"`,
      );
    }
    out[offset + i] = t + 1;
  }
}

/**
 * Tokenizes CSV records into a dataset with the official encoding (Sudoku digit + 1 with
 * blank 1; maze `# SGo` → 1..5). The task is inferred from the first question unless given.
 *
 * @example
 * ```ts ignore
 * const data = recordsToDataset(parsePuzzleCsv(await Deno.readTextFile("train.csv")));
 * data.seqLen; data.metadata.vocab_size; // 81, 11
 * ```
 */
export function recordsToDataset(
  records: PuzzleRecord[],
  options: { task?: PuzzleTask } = {},
): TokenDataset {
  if (!records.length && !options.task) throw new RangeError("no records, and no task given");
  const task = options.task ?? taskOfQuestion(records[0].question);
  if (!task) {
    throw new RangeError(
      `row 1: cannot tell the task from question ${
        JSON.stringify(records[0].question.slice(0, 20))
      }…`,
    );
  }
  const size = task === "maze"
    ? Math.round(Math.sqrt(records[0]?.question.length ?? 0))
    : Number(task.slice(6));
  const seqLen = size * size;
  const count = records.length;
  const inputs = new Uint8Array(count * seqLen), labels = new Uint8Array(count * seqLen);
  const ratings = new Float64Array(count);
  records.forEach((r, i) => {
    const where = `row ${i + 1}`;
    if (r.question.length !== seqLen || r.answer.length !== seqLen) {
      throw new RangeError(
        `${where}: question/answer have ${r.question.length}/${r.answer.length} cells; ${task} needs ${seqLen}`,
      );
    }
    if (task === "maze") {
      mazeTokens(r.question, inputs, i * seqLen, `${where} question`);
      mazeTokens(r.answer, labels, i * seqLen, `${where} answer`);
    } else {
      sudokuTokens(r.question, size, inputs, i * seqLen, `${where} question`);
      sudokuTokens(r.answer, size, labels, i * seqLen, `${where} answer`);
    }
    ratings[i] = r.rating;
  });
  const vocab = task === "maze" ? MAZE_VOCAB_SIZE : sudokuVocabSize(size as 4 | 6 | 9);
  return {
    count,
    seqLen,
    inputs,
    labels,
    ratings,
    task,
    metadata: defaultMetadata(seqLen, vocab, count),
  };
}
