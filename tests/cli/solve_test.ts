/**
 * `cli.ts solve` end to end with a tiny untrained model saved to a temp file: output
 * shapes (text, --json, --trace), exit codes (0/2 by validity, 1 on bad input), one-line
 * messages. No shipped model is needed. Untrained answers are invalid, which exercises
 * the exit-code-2 path; the assertions tie exit codes to the reported `valid` flags.
 */
import { presets } from "../../src/model/config.ts";
import { saveModel } from "../../src/model/checkpoint.ts";
import { TinyRecursiveModel } from "../../src/model/model.ts";
import { run, type SolveJsonLine } from "../../src/cli/solve.ts";
import { UsageError } from "../../src/cli/main.ts";
import { MissingModelError } from "../../src/solve/registry.ts";
import { testGpu } from "../_helpers.ts";

function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

function assertEquals<T>(actual: T, expected: T, label = ""): void {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${label}: got ${a}, expected ${e}`);
}

const root = new URL("../../", import.meta.url);
const dir = await Deno.makeTempDir({ prefix: "trm_solve_cli_" });
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
const modelFile = `${dir}/tiny4.safetensors`;
const emptyIndex = new URL(`file://${dir}/no-models/index.json`);
let ready: Promise<void> | null = null;

/** Saves the tiny 4×4 model once (MLP mixer, D = 16: fast on llvmpipe). */
function tinyModel(): Promise<void> {
  return ready ??= (async () => {
    const gpu = await testGpu();
    const model = await TinyRecursiveModel.create({ ...presets.sudoku4, dim: 16, numHeads: 2 }, {
      gpu,
      seed: 3,
    });
    await Deno.writeFile(modelFile, await saveModel(model));
    model.dispose();
  })();
}

async function solve(args: string[], stdin?: string): Promise<{ code: number; out: string }> {
  let out = "";
  const code = await run(args, {
    gpu: await testGpu(),
    indexUrl: emptyIndex,
    write: (t) => Promise.resolve(void (out += t)),
    readStdin: () => Promise.resolve(stdin ?? ""),
  });
  return { code, out };
}

async function usageError(
  args: string[],
  expected: string | RegExp,
  stdin?: string,
): Promise<void> {
  try {
    await solve(args, stdin);
  } catch (error) {
    assert(
      error instanceof UsageError || error instanceof MissingModelError,
      `not a usage error: ${error}`,
    );
    const msg = (error as Error).message;
    assert(!msg.includes("\n"), `message is one line: ${msg}`);
    assert(typeof expected === "string" ? msg === expected : expected.test(msg), `message: ${msg}`);
    return;
  }
  throw new Error(`solve ${args.join(" ")} did not fail`);
}

const opts = { sanitizeResources: false, sanitizeOps: false };

Deno.test({
  name: "solve --json --trace: one JSON object a line, exit code from validity",
  ...opts,
  fn: async () => {
    await tinyModel();
    const { code, out } = await solve([
      `${root.pathname}examples/sudoku4.txt`,
      "--model",
      modelFile,
      "--json",
      "--trace",
      "--max-steps",
      "2",
    ]);
    const lines = out.trimEnd().split("\n").map((l) => JSON.parse(l) as SolveJsonLine);
    assertEquals(lines.length, 2, "puzzles");
    assertEquals(
      lines.map((l) => l.puzzle),
      ["0240041020300000", "0020000103041000"],
      "puzzle digits",
    );
    assertEquals(lines.map((l) => l.line), [5, 11], "source lines");
    for (const l of lines) {
      assert(/^[0-4]{16}$/.test(l.solution), `solution ${l.solution}`);
      assert(typeof l.valid === "boolean" && typeof l.halted === "boolean", "flags");
      assert(l.steps >= 1 && l.steps <= 2, `steps ${l.steps} within --max-steps 2`);
      assert(l.ms >= 0, "ms");
      assertEquals(l.model, "tiny4", "model name from the file");
      assertEquals(l.trace!.length, l.steps, "one trace entry per step");
      assertEquals(l.trace![l.trace!.length - 1], l.solution, "last step is the answer");
      assertEquals(l.problem === undefined, l.valid, "problem only when invalid");
    }
    assertEquals(code, lines.every((l) => l.valid) ? 0 : 2, "exit code");
  },
});

Deno.test({
  name: "solve - (stdin), text form: grid, verdict, steps and a summary line",
  ...opts,
  fn: async () => {
    await tinyModel();
    const { code, out } = await solve(
      ["-", "--model", modelFile, "--max-steps", "1"],
      "1..4..2..1..4..2\n",
    );
    const lines = out.trimEnd().split("\n");
    assert(
      /^puzzle 1 \(line 1\): (valid|INVALID: .+) · 1 step \((halted|step cap)\) · [\d.]+ ms$/.test(
        lines[0],
      ),
      lines[0],
    );
    assertEquals(lines[3], "----+----", "grid rule line");
    assert(/^[1-4.] [1-4.] \| [1-4.] [1-4.]$/.test(lines[1]), `grid row: ${lines[1]}`);
    const summary = lines[lines.length - 1];
    assert(
      /^1 puzzle: [01] valid, [01] invalid · model tiny4 \(.*tiny4\.safetensors\) · \d+ ms$/.test(
        summary,
      ),
      summary,
    );
    assertEquals(code, lines[0].includes("INVALID") ? 2 : 0, "exit code");
  },
});

Deno.test({
  name: "solve: no shipped model for the size → the one-line 'no model yet' message",
  ...opts,
  fn: async () => {
    await usageError(
      [`${root.pathname}examples/sudoku9.txt`],
      "no model for 9×9 Sudoku yet: train one with `deno run -A cli.ts train --task sudoku9 ...` or pass --model FILE",
    );
  },
});

Deno.test({
  name: "solve: bad input is a one-line usage error naming the problem",
  ...opts,
  fn: async () => {
    await tinyModel();
    await usageError(
      ["x.txt", "--samples", "0"],
      '--samples must be an integer in 1..64, got "0"',
    );
    await usageError(["x.txt", "--noise", "x"], '--noise must be a number in [0, 10], got "x"');
    await usageError([], "solve needs a puzzle file (or - for standard input); see solve --help");
    await usageError(["a.txt", "b.txt"], "solve takes one puzzle file, got 2: a.txt b.txt");
    await usageError([`${dir}/nope.txt`], `cannot read ${dir}/nope.txt: no such file`);
    await usageError(["-"], "standard input holds no puzzles", "# only a comment\n");
    await usageError(
      ["-"],
      "standard input: line 2: wrong length: 15 cells; expected 16 (4×4), 36 (6×6) or 81 (9×9)",
      "1..4..2..1..4..2\n1..4..2..1..4..\nxyz\n",
    );
    await usageError(
      ["-", "--max-steps", "0"],
      '--max-steps must be an integer in 1..1024, got "0"',
    );
    await usageError(["-", "--halt-threshold", "abc"], /^--halt-threshold must be a number ≥ 0/);
    await usageError(["-", "--size", "5"], "--size must be 4, 6 or 9, got 5");
    await usageError(
      ["-", "--frobnicate"],
      "unknown option --frobnicate (see solve --help)",
    );
    await usageError(
      ["-", "--model", `${dir}/missing.safetensors`],
      `model file ${dir}/missing.safetensors does not exist`,
      "1..4..2..1..4..2",
    );
    await usageError(
      [`${root.pathname}examples/sudoku9.txt`, "--model", modelFile],
      `${modelFile} solves 4×4 Sudoku; line 3 holds a 9×9 Sudoku`,
    );
  },
});

Deno.test({
  name: "solve in a fresh process: exit 1 with one line on stderr, no stack trace",
  ...opts,
  fn: async () => {
    const entry = `${dir}/entry.ts`;
    // The CLI's error boundary (src/cli/main.ts) around `solve`, as `cli.ts solve` runs it.
    await Deno.writeTextFile(
      entry,
      `import { run } from "${new URL("src/cli/solve.ts", root).href}";
import { describeError } from "${new URL("src/cli/main.ts", root).href}";
try { Deno.exit(await run(Deno.args)); } catch (e) { console.error("error: " + describeError(e)); Deno.exit(1); }`,
    );
    const cli = async (...args: string[]) => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          "--quiet",
          "--config",
          new URL("deno.json", root).pathname,
          entry,
          ...args,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const lines = (b: Uint8Array) =>
        new TextDecoder().decode(b).split("\n").filter((l) => l && !l.includes("XDG_RUNTIME_DIR"));
      return { code: out.code, stdout: lines(out.stdout), stderr: lines(out.stderr) };
    };
    const missing = await cli(`${dir}/nope.txt`);
    assertEquals(missing.code, 1, "exit code");
    assertEquals(missing.stderr, [`error: cannot read ${dir}/nope.txt: no such file`], "stderr");

    await tinyModel();
    const solved = await cli(
      `${root.pathname}examples/sudoku4.txt`,
      "--model",
      modelFile,
      "--json",
      "--max-steps",
      "1",
    );
    assertEquals(solved.stderr, [], "stderr");
    const answers = solved.stdout.map((l) => JSON.parse(l) as SolveJsonLine);
    assertEquals(answers.length, 2, "answers");
    assertEquals(solved.code, answers.every((a) => a.valid) ? 0 : 2, "exit code");
  },
});

Deno.test({
  name: "solve: an index entry's solveSteps is the default step cap; --max-steps overrides it",
  ...opts,
  fn: async () => {
    await tinyModel();
    // The tiny model was built with N_sup = 4; its untrained halting head (bias −5) never
    // reaches the 0.9 threshold, so every puzzle runs to the cap.
    const index = `${dir}/with-steps/index.json`;
    await Deno.mkdir(`${dir}/with-steps`, { recursive: true });
    await Deno.copyFile(modelFile, `${dir}/with-steps/tiny4.safetensors`);
    await Deno.writeTextFile(
      index,
      JSON.stringify({
        version: 1,
        models: [{
          name: "tiny4",
          file: "tiny4.safetensors",
          kind: "sudoku",
          size: 4,
          solveSteps: 6,
        }],
      }),
    );
    const stepsWith = async (extra: string[]) => {
      let out = "";
      await run([`${root.pathname}examples/sudoku4.txt`, "--json", ...extra], {
        gpu: await testGpu(),
        indexUrl: new URL(`file://${index}`),
        write: (t) => Promise.resolve(void (out += t)),
        readStdin: () => Promise.resolve(""),
      });
      return out.trimEnd().split("\n").map((l) => (JSON.parse(l) as SolveJsonLine).steps);
    };
    assertEquals(await stepsWith([]), [6, 6], "solveSteps from the index");
    assertEquals(await stepsWith(["--max-steps", "3"]), [3, 3], "--max-steps wins");
  },
});

Deno.test({
  name: "solve --samples: several trajectories, reproducible, confidence reported",
  ...opts,
  fn: async () => {
    await tinyModel();
    const args = [
      `${root.pathname}examples/sudoku4.txt`,
      "--model",
      modelFile,
      "--json",
      "--max-steps",
      "3",
      "--samples",
      "4",
      "--noise",
      "0.5",
    ];
    const first = await solve(args);
    const lines = first.out.trimEnd().split("\n").map((l) => JSON.parse(l) as SolveJsonLine);
    assertEquals(lines.length, 2, "puzzles");
    for (const l of lines) {
      assert(l.confidence >= 0 && l.confidence <= 1, `confidence ${l.confidence}`);
      assert(l.sample === undefined || (l.sample >= 1 && l.sample < 4), `sample ${l.sample}`);
    }
    const again = (await solve(args)).out.trimEnd().split("\n").map((l) => JSON.parse(l));
    assertEquals(
      again.map((l) => [l.solution, l.sample, l.confidence]),
      lines.map((l) => [l.solution, l.sample, l.confidence]),
      "the same seed gives the same answers",
    );
  },
});

Deno.test({
  name:
    "solve streams: the first answers print before the end of a slow input; a huge line is one error",
  ...opts,
  fn: async () => {
    await tinyModel();
    const puzzles = "1..4..2..1..4..2\n.24..41.2.3.....\n";
    let out = "";
    let release!: () => void;
    const rest = new Promise<void>((r) => release = r);
    let firstSeenBeforeEnd = false;
    let inputEnded = false;
    const stdin = new ReadableStream<Uint8Array>({
      async start(c) {
        const enc = new TextEncoder();
        c.enqueue(enc.encode(puzzles.repeat(2))); // one batch of 4
        await rest; // held back until the first batch's answers are out
        c.enqueue(enc.encode(puzzles));
        inputEnded = true;
        c.close();
      },
    });
    const code = await run([
      "-",
      "--model",
      modelFile,
      "--json",
      "--batch",
      "4",
      "--max-steps",
      "1",
    ], {
      gpu: await testGpu(),
      stdin,
      write: (t) => {
        out += t;
        if (!inputEnded && out.split("\n").filter(Boolean).length >= 4) {
          firstSeenBeforeEnd = true;
          release();
        }
        return Promise.resolve();
      },
    });
    assert(firstSeenBeforeEnd, "the first batch printed while the input was still open");
    const lines = out.trim().split("\n").map((l) => JSON.parse(l) as SolveJsonLine);
    assertEquals(lines.map((l) => l.line), [1, 2, 3, 4, 5, 6], "all, in input order");
    assertEquals(code, lines.every((l) => l.valid) ? 0 : 2, "exit code");

    // A 1 MB line without a newline: one line of error, read no further than the limit.
    let pulled = 0;
    const huge = new ReadableStream<Uint8Array>({
      pull(c) {
        pulled += 65536;
        if (pulled > 64 * 1024 * 1024) return c.close();
        c.enqueue(new Uint8Array(65536).fill(0x31));
      },
    });
    let message = "";
    try {
      await run(["-", "--model", modelFile], {
        gpu: await testGpu(),
        stdin: huge,
        write: () => Promise.resolve(),
      });
    } catch (e) {
      message = (e as Error).message;
    }
    assert(
      /^standard input: line 1 is longer than \d+ characters; a puzzle line is at most/.test(
        message,
      ),
      message,
    );
    assert(pulled <= 17 * 1024 * 1024, `read ${pulled} bytes before giving up`);
  },
});

Deno.test({
  name:
    "solve mazes: text grids and generate's CSV, the shipped maze7 model's path drawn in the grid",
  ...opts,
  fn: async () => {
    const shipped = new URL("models/index.json", root);
    const solveWith = async (args: string[]) => {
      let out = "";
      const code = await run(args, {
        gpu: await testGpu(),
        indexUrl: shipped,
        write: (t) => Promise.resolve(void (out += t)),
      });
      return { code, out };
    };
    const grid = await solveWith([`${root.pathname}examples/maze7.txt`, "--json"]);
    const lines = grid.out.trim().split("\n").map((l) => JSON.parse(l));
    assertEquals(lines.map((l) => l.line), [3, 11], "two mazes, by their first line");
    for (const l of lines) {
      assertEquals(l.model, "maze7", "the shipped 7×7 model");
      assertEquals(l.solution.length, 49, "a 7×7 answer");
      // Walls, S and G stay where they are in a valid answer; an invalid one says why.
      if (l.valid) {
        for (let i = 0; i < 49; i++) {
          if (l.maze[i] !== " ") assertEquals(l.solution[i], l.maze[i], `cell ${i}`);
        }
      } else assert(typeof l.problem === "string" && l.problem.length > 0, "the reason");
    }
    assertEquals(grid.code, lines.every((l) => l.valid) ? 0 : 2, "exit code");
    const text = await solveWith([`${root.pathname}examples/maze7.txt`]);
    assert(/^maze 1 \(line 3\): (shortest path|INVALID: .+) · 4 steps/m.test(text.out), text.out);
    assert(/^2 mazes: \d valid, \d invalid/m.test(text.out), "summary");

    const csv = `${dir}/m.csv`;
    const rows = (await Deno.readTextFile(new URL("examples/maze7.txt", root))).split("\n");
    const question = rows.slice(2, 9).join("");
    await Deno.writeTextFile(csv, `source,question,answer,rating\nx,${question},${question},1\n`);
    const fromCsv = await solveWith([csv, "--json"]);
    assertEquals(JSON.parse(fromCsv.out.trim()).line, 2, "CSV row 2");
    await Deno.writeTextFile(`${dir}/bad_maze.txt`, "#S    #\n#     #\n#    G\n");
    await usageError(
      [`${dir}/bad_maze.txt`],
      /bad_maze.txt: line 1: maze starting here: expected 7 lines, got 3$/,
    );
  },
});
