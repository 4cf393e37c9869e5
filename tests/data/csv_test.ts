// Our CSV form (source,question,answer,rating), its tokenization, and `cli.ts generate`.
import assert from "node:assert/strict";
import { run } from "../../src/cli/generate.ts";
import { UsageError } from "../../src/cli/main.ts";
import {
  formatPuzzleCsv,
  formatPuzzleCsvRow,
  mazeRecord,
  parsePuzzleCsv,
  PUZZLE_CSV_HEADER,
  recordsToDataset,
  sudokuRecord,
  taskOfQuestion,
} from "../../src/data/csv.ts";
import { datasetExample } from "../../src/data/dataset.ts";
import { decodeMaze, decodeSudoku } from "../../src/puzzles/encoding.ts";
import { isValidMazePath } from "../../src/puzzles/maze.ts";
import { generateMaze } from "../../src/puzzles/maze_generate.ts";
import { generateSudoku } from "../../src/puzzles/sudoku_generate.ts";
import { parseSudoku } from "../../src/puzzles/sudoku_parse.ts";
import { isValidSolution } from "../../src/puzzles/sudoku_validate.ts";

Deno.test("csv: Sudoku records round-trip, read by the Sudoku parser too, tokenized officially", () => {
  const gens = [1, 2, 3].map((seed) => generateSudoku({ size: 9, difficulty: "medium", seed }));
  const text = formatPuzzleCsv(gens.map((g, i) => sudokuRecord(g, i === 0 ? 'a,"b"' : `s${i}`)));
  assert.match(text, /^source,question,answer,rating\n"a,""b""",/);
  const records = parsePuzzleCsv(text);
  assert.equal(records[0].source, 'a,"b"');
  assert.equal(records[1].rating, gens[1].rating);
  const parsed = parseSudoku(text, { check: "unique" });
  assert.deepEqual(parsed.errors, []);
  assert.deepEqual(parsed.puzzles.map((p) => p.solution!.cells), gens.map((g) => g.solution.cells));
  const data = recordsToDataset(records);
  assert.equal(data.task, "sudoku9");
  assert.equal(data.seqLen, 81);
  assert.equal(data.metadata.vocab_size, 11);
  const { input, label } = datasetExample(data, 2);
  assert.deepEqual(decodeSudoku(input, 9).cells, gens[2].puzzle.cells);
  assert.ok(isValidSolution(decodeSudoku(input, 9), decodeSudoku(label, 9)));
  assert.ok(Math.min(...input) === 1 && Math.max(...label) === 10);
});

Deno.test("csv: maze rows keep their spaces; 4×4 Sudoku vocab is 6", () => {
  const g = generateMaze({ size: 8, minPathLength: 8, seed: 1 });
  const text = formatPuzzleCsv([mazeRecord(g, "m")]);
  const [r] = parsePuzzleCsv(text.replace(/\n/g, "\r\n"));
  assert.equal(r.question.length, 64);
  assert.equal(r.rating, g.pathLength);
  const data = recordsToDataset([r]);
  assert.equal(data.task, "maze");
  assert.equal(data.metadata.vocab_size, 6);
  const { input, label } = datasetExample(data, 0);
  assert.ok(isValidMazePath(decodeMaze(input, 8), decodeMaze(label, 8)));
  const s4 = generateSudoku({ size: 4, difficulty: "easy", seed: 1 });
  assert.equal(
    recordsToDataset(parsePuzzleCsv(formatPuzzleCsv([sudokuRecord(s4, "x")]))).metadata.vocab_size,
    6,
  );
  assert.equal(taskOfQuestion(".".repeat(36)), "sudoku6");
  assert.equal(taskOfQuestion("1234"), null);
});

Deno.test("csv: errors name the row and the problem", () => {
  assert.throws(
    () => parsePuzzleCsv("source,question\nx,1"),
    /line 1: the header needs question and answer/,
  );
  assert.throws(() => parsePuzzleCsv("source,question,answer,rating\nx,..."), /line 2: 2 columns/);
  assert.throws(
    () => parsePuzzleCsv("source,question,answer,rating\nx,1,2,easy"),
    /line 2: rating "easy"/,
  );
  const rec = (question: string, answer: string) => ({ source: "", question, answer, rating: 0 });
  assert.throws(
    () => recordsToDataset([rec(".".repeat(16), "1234".repeat(4)), rec(".".repeat(16), "12")]),
    /row 2: question\/answer have 16\/2 cells/,
  );
  assert.throws(
    () => recordsToDataset([rec(".".repeat(15) + "5", "1234".repeat(4))]),
    /row 1 question: "5" at column 16 is not a blank or 1\.\.4/,
  );
  assert.throws(
    () => recordsToDataset([rec("#S G", "#SxG")], { task: "maze" }),
    /row 1 answer: "x" at column 3/,
  );
  assert.throws(() => recordsToDataset([rec("abc", "abc")]), /cannot tell the task/);
});

async function generateTo(args: string[]): Promise<string> {
  const out = await Deno.makeTempFile({ suffix: ".csv" });
  try {
    assert.equal(await run([...args, "--out", out]), 0);
    return await Deno.readTextFile(out);
  } finally {
    await Deno.remove(out);
  }
}

Deno.test("cli generate: reproducible CSV of unique puzzles, mazes too", async () => {
  const a = await generateTo([
    "--task",
    "sudoku6",
    "--count",
    "6",
    "--difficulty",
    "hard",
    "--seed",
    "4",
  ]);
  assert.equal(
    a,
    await generateTo(["--task", "sudoku6", "--count", "6", "--difficulty", "hard", "--seed", "4"]),
  );
  const parsed = parseSudoku(a, { check: "unique", size: 6 });
  assert.deepEqual(parsed.errors, []);
  assert.equal(parsed.puzzles.length, 6);
  assert.ok(parsed.puzzles.every((p) => p.source!.startsWith("gen-sudoku6-hard-s4-")));
  // Rows differ, and another tier with the same seed does not reuse the solution grids.
  const answers = new Set(parsePuzzleCsv(a).map((r) => r.answer));
  assert.equal(answers.size, 6);
  const medium = parsePuzzleCsv(
    await generateTo([
      "--task",
      "sudoku6",
      "--count",
      "6",
      "--difficulty",
      "medium",
      "--seed",
      "4",
    ]),
  );
  assert.ok(medium.every((r) => !answers.has(r.answer)));
  const mixed = parseSudoku(await generateTo(["--task", "sudoku4", "--count", "12"]));
  assert.equal(mixed.puzzles.length, 12);
  const custom = parseSudoku(
    await generateTo([
      "--task",
      "sudoku6",
      "--count",
      "3",
      "--min-rating",
      "20",
      "--max-rating",
      "30",
    ]),
  );
  assert.ok(custom.puzzles.every((p) => p.rating! > 20 && p.rating! <= 30));
  const mazes = recordsToDataset(
    parsePuzzleCsv(
      await generateTo(["--task", "maze", "--size", "10", "--count", "3", "--min-path", "14"]),
    ),
  );
  assert.equal(mazes.count, 3);
  assert.ok([...mazes.ratings!].every((r) => r > 14));
});

Deno.test("cli generate: bad input is a one-line UsageError", async () => {
  const cases: [string[], RegExp][] = [
    [["--count", "3", "--out", "x"], /--task must be one of sudoku4, sudoku6, sudoku9, maze$/],
    [["--task", "sudoku5", "--count", "3", "--out", "x"], /got "sudoku5"/],
    [["--task", "sudoku9", "--out", "x"], /--count N is required/],
    [
      ["--task", "sudoku9", "--count", "0", "--out", "x"],
      /--count must be an integer ≥ 1, got "0"/,
    ],
    [["--task", "sudoku9", "--count", "2"], /--out FILE is required/],
    [
      ["--task", "sudoku9", "--count", "2", "--out", "x", "--difficulty", "insane"],
      /--difficulty must be one of/,
    ],
    [["--task", "sudoku9", "--count", "2", "--out", "x", "--size", "9"], /apply to mazes/],
    [["--task", "maze", "--count", "2", "--out", "x", "--difficulty", "hard"], /use --min-path/],
    [
      ["--task", "maze", "--count", "2", "--out", "x", "--size", "6", "--min-path", "40"],
      /out of reach/,
    ],
    [
      ["--task", "maze", "--count", "2", "--out", "x", "--seed=-1"],
      /--seed must be an integer ≥ 0/,
    ],
    [["--task", "maze", "--bogus"], /^unknown option --bogus \(see generate --help\)$/],
    [["--task", "maze", "--count", "2", "--out", "x", "--min-rating", "5"], /applies to Sudoku/],
    [
      ["--task", "sudoku9", "--count", "2", "--out", "x", "--min-rating", "many"],
      /--min-rating must be a number/,
    ],
    [[
      "--task",
      "sudoku9",
      "--count",
      "2",
      "--out",
      "x",
      "--min-rating",
      "50",
      "--max-rating",
      "40",
    ], /must be above --min-rating 50/],
  ];
  for (const [args, pattern] of cases) {
    await assert.rejects(() => run(args), (e: unknown) => {
      assert.ok(e instanceof UsageError, String(e));
      assert.match(e.message, pattern);
      assert.ok(!e.message.includes("\n"));
      return true;
    });
  }
});

Deno.test("csv: quotes and commas round-trip; a line break in a field is refused, not written", () => {
  const record = {
    source: 'my "hard", set',
    question: "1..4..2..1..4..2",
    answer: "1234341221434321",
    rating: 3,
  };
  const text = `${PUZZLE_CSV_HEADER}\n${formatPuzzleCsvRow(record)}\n`;
  assert.equal(parsePuzzleCsv(text)[0].source, 'my "hard", set');
  assert.throws(
    () => formatPuzzleCsvRow({ ...record, source: "two\nlines" }),
    /a CSV field cannot hold a line break/,
  );
});
