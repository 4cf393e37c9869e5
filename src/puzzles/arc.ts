/**
 * ARC-AGI tasks: parsing the task JSON (`{"train": [{input, output}…], "test": […]}`) with
 * one-line errors, and the official token encoding (build_arc_dataset.py): a 30×30 canvas,
 * 0 = PAD, 1 = end-of-grid marker, colour c → c + 2 (vocabulary 12, 900 tokens). The
 * marker fills the row just below the grid (under its columns) and the column just right
 * of it (beside its rows); the corner cell between them stays PAD, as in the official.
 *
 * @module
 */

/** Largest ARC grid side. */
export const ARC_MAX_SIZE = 30;
/** Tokens per encoded grid (30 × 30). */
export const ARC_SEQ_LEN = ARC_MAX_SIZE * ARC_MAX_SIZE;
/** PAD, end-of-grid and the ten colours. */
export const ARC_VOCAB_SIZE = 12;
/** The end-of-grid marker token. */
export const ARC_EOS_TOKEN = 1;
/** Token of colour 0 (colour c is c + 2). */
export const ARC_COLOUR_OFFSET = 2;

/** A grid of colours 0–9, row-major. */
export interface ArcGrid {
  /** Rows (1–30; 0 only for a decoded prediction with no colour at its corner). */
  rows: number;
  /** Columns (1–30; 0 as for rows). */
  cols: number;
  /** `rows × cols` colours, row-major. */
  cells: Uint8Array;
}

/** One demonstration or test pair; test pairs of a task without answers have no output. */
export interface ArcPair {
  /** The question grid. */
  input: ArcGrid;
  /** The answer grid (absent for an unanswered test input). */
  output?: ArcGrid;
}

/** A parsed task. */
export interface ArcTask {
  /** Task name (the file name without `.json`). */
  name: string;
  /** Demonstration pairs (each with an output). */
  train: ArcPair[];
  /** Test pairs (outputs when the file has them). */
  test: ArcPair[];
}

/** Thrown for a malformed task; the message is one line naming the task and the pair. */
export class ArcTaskError extends Error {
  /**
   * Creates the error.
   *
   * @param message one line: task, pair and problem
   */
  constructor(message: string) {
    super(message);
    this.name = "ArcTaskError";
  }
}

/** The grid of a JSON value, or an error message (without the location prefix). */
function gridOf(value: unknown): ArcGrid | string {
  if (!Array.isArray(value)) return "is not a list of rows";
  if (value.length === 0) return "has no rows";
  if (value.length > ARC_MAX_SIZE) return `has ${value.length} rows (at most ${ARC_MAX_SIZE})`;
  const first = value[0];
  if (!Array.isArray(first)) return "row 1 is not a list";
  const cols = first.length;
  if (cols === 0) return "row 1 is empty";
  if (cols > ARC_MAX_SIZE) return `has ${cols} columns (at most ${ARC_MAX_SIZE})`;
  const cells = new Uint8Array(value.length * cols);
  for (let r = 0; r < value.length; r++) {
    const row = value[r];
    if (!Array.isArray(row)) return `row ${r + 1} is not a list`;
    if (row.length !== cols) return `row ${r + 1} has ${row.length} cells, row 1 has ${cols}`;
    for (let c = 0; c < cols; c++) {
      const v = row[c];
      if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 9) {
        return `row ${r + 1} column ${c + 1} is ${JSON.stringify(v)}, not a colour 0–9`;
      }
      cells[r * cols + c] = v;
    }
  }
  return { rows: value.length, cols, cells };
}

/**
 * Checks a parsed JSON value as an ARC task. Train pairs need an output; test pairs may
 * lack one (a task to solve), but when `requireTestOutputs` is set they must have it.
 *
 * @example
 * ```ts
 * import { parseArcTaskValue } from "./arc.ts";
 * const task = parseArcTaskValue({ train: [{ input: [[1]], output: [[2]] }], test: [{ input: [[1]] }] }, "t");
 * console.log(task.test[0].input.cells); // Uint8Array [1]
 * ```
 */
export function parseArcTaskValue(
  value: unknown,
  name: string,
  options: { requireTestOutputs?: boolean } = {},
): ArcTask {
  const fail = (msg: string): never => {
    throw new ArcTaskError(`${name}: ${msg}`);
  };
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    fail('not an ARC task (expected an object with "train" and "test" lists)');
  }
  const obj = value as Record<string, unknown>;
  const pairs = (kind: "train" | "test"): ArcPair[] => {
    const list = obj[kind];
    if (!Array.isArray(list)) fail(`"${kind}" is missing or not a list of pairs`);
    if ((list as unknown[]).length === 0) fail(`"${kind}" has no pairs`);
    return (list as unknown[]).map((p, i) => {
      const where = `${kind} pair ${i + 1}`;
      if (typeof p !== "object" || p === null || Array.isArray(p)) {
        fail(`${where} is not an object with "input" and "output"`);
      }
      const pair = p as Record<string, unknown>;
      if (!("input" in pair)) fail(`${where} has no "input"`);
      const input = gridOf(pair.input);
      if (typeof input === "string") fail(`${where} input ${input}`);
      const needOutput = kind === "train" || options.requireTestOutputs;
      if (!("output" in pair)) {
        if (needOutput) fail(`${where} has no "output"`);
        return { input: input as ArcGrid };
      }
      const output = gridOf(pair.output);
      if (typeof output === "string") fail(`${where} output ${output}`);
      return { input: input as ArcGrid, output: output as ArcGrid };
    });
  };
  return { name, train: pairs("train"), test: pairs("test") };
}

/**
 * Parses an ARC task file's text; JSON errors and malformed grids are one-line
 * {@linkcode ArcTaskError}s naming `name` (e.g. the file) and the pair.
 */
export function parseArcTask(
  text: string,
  name: string,
  options: { requireTestOutputs?: boolean } = {},
): ArcTask {
  let value;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ArcTaskError(`${name}: not valid JSON (${(e as Error).message.split("\n")[0]})`);
  }
  return parseArcTaskValue(value, name, options);
}

/**
 * True when a parsed JSON value looks like an ARC task (an object with `train` and `test`
 * lists), whether or not it is well formed: used to tell ARC input apart from others.
 */
export function looksLikeArcTask(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    Array.isArray((value as Record<string, unknown>).train) &&
    Array.isArray((value as Record<string, unknown>).test);
}

/** A grid from a list of rows (checked as a task's grids are; throws an ArcTaskError). */
export function arcGrid(rows: readonly (readonly number[])[]): ArcGrid {
  const g = gridOf(rows);
  if (typeof g === "string") throw new ArcTaskError(`grid ${g}`);
  return g;
}

/** A grid as a list of rows. */
export function arcGridRows(grid: ArcGrid): number[][] {
  return Array.from(
    { length: grid.rows },
    (_, r) => Array.from(grid.cells.subarray(r * grid.cols, (r + 1) * grid.cols)),
  );
}

/** A key equal for equal grids (shape and colours), for voting and comparison. */
export function arcGridKey(grid: ArcGrid): string {
  return `${grid.rows}x${grid.cols}:${grid.cells.join("")}`;
}

/** True when two grids have the same shape and colours. */
export function arcGridsEqual(a: ArcGrid, b: ArcGrid): boolean {
  return a.rows === b.rows && a.cols === b.cols && a.cells.every((v, i) => v === b.cells[i]);
}

/**
 * Encodes a grid on the 30×30 canvas at (`rowOffset`, `colOffset`) (the official
 * translation augmentation; default the top-left corner): colours → c + 2, PAD around,
 * the end-of-grid marker below and right of the grid when there is room.
 *
 * @example
 * ```ts
 * import { arcGrid, encodeArcGrid } from "./arc.ts";
 * const t = encodeArcGrid(arcGrid([[3]]));
 * console.log(t[0], t[1], t[30], t[31]); // 5 1 1 0
 * ```
 */
export function encodeArcGrid(
  grid: ArcGrid,
  offset: { rowOffset?: number; colOffset?: number } = {},
): Uint8Array {
  const r0 = offset.rowOffset ?? 0, c0 = offset.colOffset ?? 0;
  const { rows, cols } = grid;
  if (r0 < 0 || c0 < 0 || r0 + rows > ARC_MAX_SIZE || c0 + cols > ARC_MAX_SIZE) {
    throw new RangeError(
      `a ${rows}×${cols} grid at (${r0}, ${c0}) does not fit the ${ARC_MAX_SIZE}×${ARC_MAX_SIZE} canvas`,
    );
  }
  const out = new Uint8Array(ARC_SEQ_LEN);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      out[(r0 + r) * ARC_MAX_SIZE + c0 + c] = grid.cells[r * cols + c] + ARC_COLOUR_OFFSET;
    }
  }
  const eosRow = r0 + rows, eosCol = c0 + cols;
  if (eosRow < ARC_MAX_SIZE) {
    for (let c = c0; c < eosCol; c++) out[eosRow * ARC_MAX_SIZE + c] = ARC_EOS_TOKEN;
  }
  if (eosCol < ARC_MAX_SIZE) {
    for (let r = r0; r < eosRow; r++) out[r * ARC_MAX_SIZE + eosCol] = ARC_EOS_TOKEN;
  }
  return out;
}

/**
 * Decodes a predicted canvas (900 tokens, grid at the top-left) as the official evaluator
 * does: the largest rectangle at the top-left corner holding only colour tokens. A
 * malformed prediction therefore still decodes: a ragged edge is cut to the largest
 * rectangle, a missing marker leaves the grid as far as the colours go, and a canvas
 * whose corner is PAD or the marker gives an empty 0×0 grid (which matches no answer).
 *
 * @example
 * ```ts
 * import { arcGrid, decodeArcGrid, encodeArcGrid } from "./arc.ts";
 * const g = decodeArcGrid(encodeArcGrid(arcGrid([[1, 2], [3, 4]])));
 * console.log(g.rows, g.cols, g.cells); // 2 2 Uint8Array [1, 2, 3, 4]
 * ```
 */
export function decodeArcGrid(tokens: ArrayLike<number>): ArcGrid {
  if (tokens.length !== ARC_SEQ_LEN) {
    throw new RangeError(`expected ${ARC_SEQ_LEN} tokens, got ${tokens.length}`);
  }
  const isColour = (t: number) => t >= ARC_COLOUR_OFFSET && t < ARC_VOCAB_SIZE;
  let bestArea = 0, bestRows = 0, bestCols = 0;
  // Row by row, the colour run from column 0 can only shrink (a rectangle needs every row).
  let width = ARC_MAX_SIZE;
  for (let r = 0; r < ARC_MAX_SIZE && width > 0; r++) {
    let c = 0;
    while (c < width && isColour(tokens[r * ARC_MAX_SIZE + c])) c++;
    width = c;
    const area = (r + 1) * width;
    if (area > bestArea) [bestArea, bestRows, bestCols] = [area, r + 1, width];
  }
  const cells = new Uint8Array(bestRows * bestCols);
  for (let r = 0; r < bestRows; r++) {
    for (let c = 0; c < bestCols; c++) {
      cells[r * bestCols + c] = tokens[r * ARC_MAX_SIZE + c] - ARC_COLOUR_OFFSET;
    }
  }
  return { rows: bestRows, cols: bestCols, cells };
}
