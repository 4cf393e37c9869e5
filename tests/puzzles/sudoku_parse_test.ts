// Every parser form (lines, grids, CSV, JSON) and every error the parser reports.
import assert from "node:assert/strict";
import {
  formatSudokuGrid,
  formatSudokuLine,
  type SudokuGrid,
} from "../../src/puzzles/sudoku_grid.ts";
import { parseSudoku } from "../../src/puzzles/sudoku_parse.ts";

const Q9 = "..3.2.6..9..3.5..1..18.64....81.29..7.......8..67.82....26.95..8..2.3..9..5.1.3..";
const A9 = "483921657967345821251876493548132976729564138136798245372689514814253769695417382";
const Q6 = "6..42...1.3........63......5...2.3..";
const A6 = "635421241635452163163254316542524316";
const Q4 = ".4.2..4.1.....2.";
const A4 = "3412214312344321";

const line = (g: SudokuGrid) => formatSudokuLine(g);

function one(text: string, options = {}) {
  const r = parseSudoku(text, options);
  assert.deepEqual(r.errors.map((e) => e.message), []);
  assert.equal(r.puzzles.length, 1);
  return r.puzzles[0];
}

function error(text: string, pattern: RegExp, options = {}) {
  const r = parseSudoku(text, options);
  assert.equal(r.errors.length, 1, `expected one error, got ${JSON.stringify(r.errors)}`);
  assert.match(r.errors[0].message, pattern);
  return r.errors[0];
}

Deno.test("parse: one puzzle a line, dots or zeros, all three sizes, comments and blank lines", () => {
  const text = `# header comment\n${Q9}\n\n${Q6.replaceAll(".", "0")}\n// another\n${Q4}\n`;
  const r = parseSudoku(text);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.puzzles.map((p) => [p.puzzle.size, p.line, line(p.puzzle)]), [
    [9, 2, Q9],
    [6, 4, Q6],
    [4, 6, Q4],
  ]);
});

Deno.test("parse: a line with spaces, | and commas between cells", () => {
  const spaced = Q4.split("").join(" ").replace(/(\S \S \S \S) /g, "$1 | ");
  assert.equal(line(one(spaced).puzzle), Q4);
  assert.equal(line(one(Q4.split("").map((c) => (c === "." ? 0 : c)).join(",")).puzzle), Q4);
});

Deno.test("parse: grids with separators round-trip through formatSudokuGrid, every size", () => {
  for (const q of [Q4, Q6, Q9]) {
    const p = one(q).puzzle;
    const grid = formatSudokuGrid(p);
    assert.match(grid, /\|/);
    assert.match(grid, /-\+-/);
    assert.equal(line(one(grid).puzzle), q);
    assert.equal(line(one(formatSudokuGrid(p, { blank: "0" })).puzzle), q);
  }
});

Deno.test("parse: several grids, plain rows, +---+ frames, with and without blank lines between", () => {
  const rows9 = Array.from({ length: 9 }, (_, r) => Q9.slice(r * 9, r * 9 + 9));
  const framed = [
    "+-------+-------+-------+",
    ...rows9.map((r) =>
      `| ${r.slice(0, 3).split("").join(" ")} | ${r.slice(3, 6).split("").join(" ")} | ${
        r.slice(6).split("").join(" ")
      } |`
    ),
    "+-------+-------+-------+",
  ];
  const rows4 = Array.from({ length: 4 }, (_, r) => Q4.slice(r * 4, r * 4 + 4));
  const text = [...framed, "", ...rows4, ...rows4].join("\n");
  const r = parseSudoku(text);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.puzzles.map((p) => [line(p.puzzle), p.line]), [[Q9, 2], [Q4, 13], [Q4, 17]]);
});

Deno.test("parse: CSV as Sudoku-Extreme (source,question,answer,rating with header)", () => {
  const text = `source,question,answer,rating\nforum,${Q9},${A9},12\n`;
  const p = one(text);
  assert.equal(p.source, "forum");
  assert.equal(p.rating, 12);
  assert.equal(line(p.solution!), A9);
  assert.equal(p.line, 2);
});

Deno.test("parse: CSV without header: question,answer[,rating], leading source, puzzle,rating", () => {
  assert.equal(line(one(`${Q6},${A6}`).solution!), A6);
  const withRating = one(`${Q4},${A4},3.5`);
  assert.equal(withRating.rating, 3.5);
  const withSource = one(`kaggle-7,${Q9},${A9},0`);
  assert.equal(withSource.source, "kaggle-7");
  assert.equal(line(withSource.solution!), A9);
  const diabolical = one(`${Q9.replaceAll(".", "0")},7.2`);
  assert.equal(diabolical.rating, 7.2);
  assert.equal(diabolical.solution, undefined);
  const kaggle = one(`quizzes,solutions\n${Q9.replaceAll(".", "0")},${A9}`);
  assert.equal(line(kaggle.solution!), A9);
});

Deno.test("parse: JSON grid, flat array, string, objects, arrays of them", () => {
  const rows = (q: string, n: number) =>
    Array.from(
      { length: n },
      (_, r) => [...q.slice(r * n, r * n + n)].map((c) => (c === "." ? 0 : +c)),
    );
  assert.equal(line(one(JSON.stringify(rows(Q9, 9))).puzzle), Q9);
  assert.equal(line(one(JSON.stringify(rows(Q4, 4).flat())).puzzle), Q4);
  assert.equal(line(one(JSON.stringify(Q6)).puzzle), Q6);
  const withNulls = rows(Q4, 4).map((r) => r.map((v) => v || null));
  assert.equal(line(one(JSON.stringify(withNulls)).puzzle), Q4);
  const obj = one(JSON.stringify({ puzzle: rows(Q4, 4), solution: A4, rating: 2, source: "x" }));
  assert.equal(line(obj.solution!), A4);
  assert.equal(obj.rating, 2);
  const list = parseSudoku(
    JSON.stringify([Q9, rows(Q6, 6), { question: Q4, answer: A4 }, rows(Q4, 4).flat()]),
  );
  assert.deepEqual(list.errors, []);
  assert.deepEqual(list.puzzles.map((p) => [p.item, line(p.puzzle)]), [[0, Q9], [1, Q6], [2, Q4], [
    3,
    Q4,
  ]]);
});

Deno.test("parse errors: wrong length and bad character name the line", () => {
  error(
    `${Q9}\n${Q9.slice(1)}`,
    /^line 2: wrong length: 80 cells; expected 16 \(4×4\), 36 \(6×6\) or 81 \(9×9\)$/,
  );
  error(`${Q9.slice(0, 10)}x${Q9.slice(11)}`, /^line 1: bad character "x" at column 11$/);
  error(Q9, /^line 1: wrong length: 81 cells; expected 36 \(6×6\)$/, { size: 6 });
  const e = error(JSON.stringify([Q9, Q9 + "1"]), /^item 1: wrong length: 82 cells/);
  assert.equal(e.item, 1);
});

Deno.test("parse errors: a digit beyond the size", () => {
  error("7" + Q6.slice(1), /^line 1: digit 7 at r1c1 is out of range for 6×6 \(1\.\.6\)$/);
});

Deno.test("parse errors: a repeated given names its row, column or box", () => {
  const set = (q: string, i: number, d: string) => q.slice(0, i) + d + q.slice(i + 1);
  error(set(Q4, 3, "4"), /^line 1: given digit 4 repeats in row 1 \(r1c2 and r1c4\)$/);
  error(set(Q4, 12, "1"), /^line 1: given digit 1 repeats in column 1 \(r3c1 and r4c1\)$/);
  error(set(set(Q4, 0, "3"), 5, "3"), /^line 1: given digit 3 repeats in box 1 \(r1c1 and r2c2\)$/);
});

Deno.test("parse errors: unsolvable, and multiple solutions only when uniqueness is required", () => {
  error("..2......2.....3", /^line 1: unsolvable/);
  assert.equal(parseSudoku("..2......2.....3", { check: "none" }).puzzles.length, 1);
  const empty = "................";
  assert.equal(one(empty).puzzle.size, 4);
  error(empty, /^line 1: has more than one solution$/, { check: "unique" });
});

Deno.test("parse errors: an answer that is not a solution, or of the wrong length", () => {
  const bad = A9.slice(0, 80) + (A9[80] === "1" ? "2" : "1");
  error(`${Q9},${bad}`, /^line 1: answer is not a solution: digit \d repeats in row 9/);
  error(`${Q9},${A9.replace("4", "5")}`, /^line 1: answer is not a solution/);
  error(`${Q4},${A9}`, /^line 1: answer has 81 cells; the puzzle has 16$/);
  error(
    `question,answer\n${Q4},${A4.replace("3", "x")}`,
    /^line 2: answer: bad character "x" at column 1$/,
  );
});

Deno.test("parse errors: incomplete grid, CSV and JSON problems", () => {
  const rows4 = Array.from({ length: 4 }, (_, r) => Q4.slice(r * 4, r * 4 + 4));
  error(
    [...rows4.slice(0, 3), "", Q9].join("\n"),
    /^line 1: grid starting here has 3 rows; a 4×4 grid needs 4$/,
  );
  error(`${Q4},${A4},hard`, /^line 1: rating "hard" is not a number$/);
  error(`ab,cd,ef`, /^line 1: no puzzle column/);
  error(
    `a,b,${Q4}`,
    /^line 1: puzzle found in column 3; only one leading \(source\) column is allowed$/,
  );
  error("[1, 2", /^line 1: invalid JSON/);
  error(JSON.stringify([[1, 2, 3, 4], Q4]), /^item 0: wrong length: 4 cells/);
  error(JSON.stringify([5]), /^item 0: expected a string or an array, got number$/);
  error(JSON.stringify([{ nothing: 1 }]), /^item 0: object has no question\/puzzle field$/);
  error(JSON.stringify([[1, 2, "x", 4]]), /^item 0: bad cell "x"$/);
});

Deno.test("parse: errors do not stop the other puzzles", () => {
  const r = parseSudoku([Q4, "1234", Q6, Q9 + "9"].join("\n"));
  assert.deepEqual(r.puzzles.map((p) => p.line), [1, 3]);
  assert.deepEqual(r.errors.map((e) => e.line), [2, 4]);
});
