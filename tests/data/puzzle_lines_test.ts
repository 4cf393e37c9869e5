/**
 * Third-party Sudoku lists (src/data/puzzle_lines.ts): each form recognised from a few real
 * lines of the shared evaluation sets (inline, so no shared/ folder is needed), reference
 * answers from the exact solver, refusals naming the line, `--limit`, and `cli.ts eval` on them.
 */
import assert from "node:assert/strict";
import { run as evalRun } from "../../src/cli/eval.ts";
import { UsageError } from "../../src/cli/main.ts";
import { formatPuzzleCsv, recordsToDataset } from "../../src/data/csv.ts";
import {
  detectPuzzleFormat,
  parsePuzzleFile,
  PuzzleFileError,
} from "../../src/data/puzzle_lines.ts";
import { saveModel } from "../../src/model/checkpoint.ts";
import { presets } from "../../src/model/config.ts";
import { TinyRecursiveModel } from "../../src/model/model.ts";
import { formatSudokuLine, sudokuGrid } from "../../src/puzzles/sudoku_grid.ts";
import { generateSudoku } from "../../src/puzzles/sudoku_generate.ts";
import { countSudokuSolutions, solveSudoku } from "../../src/puzzles/sudoku_solve.ts";
import { isValidSolution } from "../../src/puzzles/sudoku_validate.ts";
import { testGpu } from "../_helpers.ts";

// norvig_top95.txt line 1, and its solution as printed in Norvig's essay (an outside check).
const NORVIG_1 =
  "4.....8.5.3..........7......2.....6.....8.4......1.......6.3.7.5..2.....1.4......";
const NORVIG_1_SOLUTION =
  "417369825632158947958724316825437169791586432346912758289643571573291684164875293";
// forum_hardest_1106.txt lines 1-2.
const FORUM = [
  "........8..3...4...9..2..6.....79.......612...6.5.2.7...8...5...1.....2.4.5.....3",
  "........2..8.1.9..5....3.4....1.93...6..3..8...37......4......53.1.7.8..2........",
];
// sudoku_exchange_diabolical.csv lines 1-2 (no header in the file).
const DIABOLICAL = [
  "083020090000800100029300008000098700070000060006740000300006980002005000010030540,7.2",
  "200050006010000090600801003007090600000703000900080002100000005060902010003060200,7.1",
];

/** The solver's answer for a question line, formatted as the loader must store it. */
function solverAnswer(question: string): string {
  const cells = [...question].map((c) => (c === "." ? 0 : Number(c)));
  const grid = sudokuGrid(Math.sqrt(cells.length) as 9, cells);
  const r = solveSudoku(grid, { maxSolutions: 2 });
  assert.equal(r.solutions, 1);
  return formatSudokuLine(r.solution!);
}

function assertSolves(question: string, answer: string): void {
  const size = Math.sqrt(question.length) as 4 | 6 | 9;
  const toCells = (s: string) => [...s].map((c) => (c === "." ? 0 : Number(c)));
  assert.ok(
    isValidSolution(sudokuGrid(size, toCells(question)), sudokuGrid(size, toCells(answer))),
    `${answer} does not solve ${question}`,
  );
}

function refusal(text: string, options = {}): PuzzleFileError {
  try {
    parsePuzzleFile(text, options);
  } catch (e) {
    assert.ok(e instanceof PuzzleFileError, `expected a PuzzleFileError, got ${e}`);
    return e;
  }
  throw new assert.AssertionError({ message: "the file was accepted" });
}

Deno.test("puzzle lines: one puzzle a line, with comments and blank lines", () => {
  const text = `# norvig and forum hardest\n${NORVIG_1}\n\n${FORUM[0]}\r\n${FORUM[1]}\n`;
  assert.equal(detectPuzzleFormat(text), "lines");
  const file = parsePuzzleFile(text, { source: "mix.txt" });
  assert.equal(file.format, "lines");
  assert.equal(file.solved, true);
  assert.deepEqual(file.records.map((r) => r.source), ["mix.txt:2", "mix.txt:4", "mix.txt:5"]);
  assert.deepEqual(file.records.map((r) => r.question), [NORVIG_1, ...FORUM]);
  assert.deepEqual(file.records.map((r) => r.rating), [0, 0, 0]);
  assert.equal(file.records[0].answer, NORVIG_1_SOLUTION);
  for (const r of file.records) {
    assert.equal(r.answer, solverAnswer(r.question));
    assertSolves(r.question, r.answer);
  }
  // Tokenizes as a 9×9 dataset (the puzzle itself is the input, never the answer).
  const data = recordsToDataset(file.records);
  assert.equal(data.task, "sudoku9");
  assert.equal(data.count, 3);
  assert.equal(data.inputs[0], 4 + 1); // "4" → token 5
  assert.equal(data.inputs[1], 1); // blank → token 1
});

Deno.test("puzzle lines: 4×4 and 6×6, 0 blanks, spaces and | between cells", () => {
  for (const size of [4, 6] as const) {
    const gens = [1, 2].map((seed) => generateSudoku({ size, difficulty: "hard", seed }));
    const text = gens.map((g) => {
      const s = formatSudokuLine(g.puzzle, { blank: "0" });
      return s.slice(0, size) + " | " + [...s.slice(size)].join(" ");
    }).join("\n");
    const { records } = parsePuzzleFile(text);
    assert.deepEqual(records.map((r) => r.question), gens.map((g) => formatSudokuLine(g.puzzle)));
    // The generator's own (unique) solution is an independent reference.
    assert.deepEqual(records.map((r) => r.answer), gens.map((g) => formatSudokuLine(g.solution)));
  }
});

Deno.test("puzzle lines: puzzle,rating rows, with and without a header", () => {
  const bare = DIABOLICAL.join("\n") + "\n";
  assert.equal(detectPuzzleFormat(bare), "puzzle-rating");
  const a = parsePuzzleFile(bare, { source: "d.csv" });
  assert.equal(a.format, "puzzle-rating");
  assert.deepEqual(a.records.map((r) => r.rating), [7.2, 7.1]);
  assert.deepEqual(a.records.map((r) => r.source), ["d.csv:1", "d.csv:2"]);
  for (const [i, r] of a.records.entries()) {
    assert.equal(r.question, DIABOLICAL[i].split(",")[0].replaceAll("0", "."));
    assert.equal(r.answer, solverAnswer(r.question));
    assertSolves(r.question, r.answer);
  }
  const b = parsePuzzleFile("puzzle,rating\n" + bare);
  assert.deepEqual(b.records.map((r) => [r.question, r.answer, r.rating]), [
    ...a.records.map((r) => [r.question, r.answer, r.rating]),
  ]);
  assert.deepEqual(b.records.map((r) => r.source), ["puzzles:2", "puzzles:3"]);
  // A header puts the columns anywhere; a missing rating reads as 0.
  const c = parsePuzzleFile(`id,difficulty,puzzle\n7,,${DIABOLICAL[0].split(",")[0]}\n`);
  assert.equal(c.records[0].rating, 0);
  assert.equal(c.records[0].answer, a.records[0].answer);
});

Deno.test("puzzle lines: our CSV is recognised by its header and read as it is", () => {
  const ours = formatPuzzleCsv([
    { source: "s", question: NORVIG_1, answer: NORVIG_1_SOLUTION, rating: 3 },
    { source: "t", question: FORUM[0], answer: solverAnswer(FORUM[0]), rating: 4 },
  ]);
  assert.equal(detectPuzzleFormat(ours), "csv");
  const file = parsePuzzleFile(ours, { limit: 1 });
  assert.equal(file.format, "csv");
  assert.equal(file.solved, false);
  assert.deepEqual(file.records, [
    { source: "s", question: NORVIG_1, answer: NORVIG_1_SOLUTION, rating: 3 },
  ]);
  // Headerless rows whose 2nd and 3rd fields are grids are ours too.
  assert.equal(detectPuzzleFormat(ours.split("\n").slice(1).join("\n")), "csv");
  // A comment before the header keeps the line numbers of errors true.
  const e = refusal(`# ours\n${ours}s,${NORVIG_1}\n`);
  assert.equal(e.line, 5);
});

Deno.test("puzzle lines: a puzzle with several solutions, or none, is refused by line", () => {
  const twoSolutions = NORVIG_1.replace("4", "."); // 16 clues left: not unique
  assert.ok(countSudokuSolutions(sudokuGrid(9, [...twoSolutions].map((c) => +c || 0))) > 1);
  let e = refusal(`${FORUM[0]}\n${FORUM[1]}\n\n${twoSolutions}\n`);
  assert.equal(e.line, 4);
  assert.match(e.message, /^line 4: the puzzle has more than one solution/);
  e = refusal(`${DIABOLICAL[0]}\n${"0".repeat(81)},5.0\n`);
  assert.equal(e.line, 2);
  assert.match(e.message, /more than one solution/);
  // r1c3 sees 1, 2, 4 in its row and 3 in its column, with no given repeated.
  e = refusal("12.4......3.....\n");
  assert.equal(e.line, 1);
  assert.match(e.message, /^line 1: the puzzle has no solution/);
});

Deno.test("puzzle lines: malformed lines are refused with their line number", () => {
  const cases: [string, number, RegExp][] = [
    [`${NORVIG_1}\n${FORUM[0].replace("8", "x")}\n`, 2, /bad character "x" at column 9/],
    [`${NORVIG_1}\n#\n${FORUM[0].slice(1)}\n`, 3, /wrong length: 80 cells/],
    [`${NORVIG_1}\n44${NORVIG_1.slice(2)}\n`, 2, /given digit 4 repeats in row 1/],
    [`${NORVIG_1}\n1${".".repeat(15)}\n`, 2, /4×4 puzzle after 9×9/],
    ["1234567.........\n", 1, /digit 5 at r2c1 is out of range for 4×4/],
    [`${DIABOLICAL[0]}\n${DIABOLICAL[1].replace("7.1", "hard")}\n`, 2, /rating "hard"/],
    [`${DIABOLICAL[0]}\n${DIABOLICAL[1]},x\n`, 2, /3 fields; expected puzzle,rating/],
  ];
  for (const [text, line, pattern] of cases) {
    const e = refusal(text);
    assert.equal(e.line, line, text);
    assert.match(e.message, new RegExp(`^line ${line}: `));
    assert.match(e.message, pattern);
  }
});

Deno.test("puzzle lines: a limit stops reading and solving", () => {
  // Line 4 is malformed and line 3 has two solutions: a limit of 2 never gets to them.
  const text = `${NORVIG_1}\n${FORUM[0]}\n${".".repeat(81)}\nnot a puzzle\n`;
  const { records } = parsePuzzleFile(text, { limit: 2 });
  assert.deepEqual(records.map((r) => r.question), [NORVIG_1, FORUM[0]]);
  assert.equal(refusal(text, { limit: 3 }).line, 3);
  assert.equal(refusal(text).line, 3);
  const rows = parsePuzzleFile(`${DIABOLICAL.join("\n")}\nbad\n`, { limit: 1 }).records;
  assert.equal(rows.length, 1);
});

Deno.test({
  name: "cli eval: puzzle lists are scored; malformed files are UsageErrors naming file and line",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "trm_puzzle_lines_" });
    try {
      const gpu = await testGpu();
      const modelFile = `${dir}/tiny4.safetensors`;
      const model = await TinyRecursiveModel.create({ ...presets.sudoku4, dim: 16 }, {
        gpu,
        seed: 3,
      });
      await Deno.writeFile(modelFile, await saveModel(model));
      model.dispose();
      const gens = [1, 2, 3].map((seed) => generateSudoku({ size: 4, seed }));
      const good = `${dir}/four.txt`;
      await Deno.writeTextFile(
        good,
        `# 4×4\n${gens.map((g) => formatSudokuLine(g.puzzle)).join("\n")}\nbroken\n`,
      );
      const lines: string[] = [];
      const log = console.log;
      console.log = (...a: unknown[]) => void lines.push(a.join(" "));
      try {
        // --limit 2 stops before the broken line 5.
        assert.equal(
          await evalRun(["--model", modelFile, "--data", good, "--limit", "2", "--json"], {
            gpu,
          }),
          0,
        );
      } finally {
        console.log = log;
      }
      assert.equal(JSON.parse(lines[0]).count, 2);
      // Solve mode: one row per steps × samples; run to the cap (threshold 2) it scores the
      // same cells as the official mode.
      lines.length = 0;
      console.log = (...a: unknown[]) => void lines.push(a.join(" "));
      try {
        const common = ["--model", modelFile, "--data", good, "--limit", "2", "--json"];
        assert.equal(await evalRun([...common, "--steps", "2"], { gpu }), 0);
        assert.equal(
          await evalRun(
            [...common, "--steps", "2,1", "--samples", "1,3", "--halt-threshold", "2"],
            { gpu },
          ),
          0,
        );
      } finally {
        console.log = log;
      }
      const [official, ...rows] = lines.map((l) => JSON.parse(l));
      assert.deepEqual(rows.map((r) => [r.maxSteps, r.samples]), [[1, 1], [1, 3], [2, 1], [2, 3]]);
      assert.ok(rows.every((r) => r.count === 2 && r.puzzlesPerSecond > 0));
      assert.equal(rows[2].tokenAccuracy, official.tokenAccuracy, "same cells as official");
      assert.equal(rows[2].meanSteps, 2);
      await assert.rejects(
        evalRun(["--model", modelFile, "--data", good, "--samples", "0"], { gpu }),
        UsageError,
        "--samples must be a positive integer",
      );
      await assert.rejects(
        evalRun(["--model", modelFile, "--data", good], { gpu }),
        (e: unknown) => {
          assert.ok(e instanceof UsageError);
          assert.equal(e.message, `${good}: line 5: bad character "b" at column 1`);
          return true;
        },
      );
      const empty = `${dir}/empty.txt`;
      await Deno.writeTextFile(empty, "# nothing\n\n");
      await assert.rejects(
        evalRun(["--model", modelFile, "--data", empty], { gpu }),
        UsageError,
        "no puzzles",
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
