/**
 * The solving service and the registry without a GPU: encoding, decoding, rule checks and
 * halting flags against a scripted stand-in model; the index format and its errors.
 */
import type { PredictOptions, PredictResult } from "../../src/model/model.ts";
import { parseSudoku } from "../../src/puzzles/sudoku_parse.ts";
import { solveSudoku } from "../../src/puzzles/sudoku_solve.ts";
import type { SudokuGrid } from "../../src/puzzles/sudoku_grid.ts";
import {
  describeTask,
  inferTask,
  MissingModelError,
  openRegistry,
  parseModelIndex,
  RegistryError,
} from "../../src/solve/registry.ts";
import {
  encodeSudokuBatch,
  type Predictor,
  solveSudokus,
  sudokuModelMismatch,
} from "../../src/solve/sudoku.ts";

function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

function assertEquals<T>(actual: T, expected: T, label = ""): void {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${label}: got ${a}, expected ${e}`);
}

function assertThrows(fn: () => unknown, check: RegExp | string): Error {
  try {
    fn();
  } catch (error) {
    const msg = (error as Error).message;
    if (typeof check === "string" ? msg !== check : !check.test(msg)) {
      throw new Error(`wrong message: ${msg}`);
    }
    return error as Error;
  }
  throw new Error("did not throw");
}

async function assertRejects(fn: () => Promise<unknown>, check: RegExp | string): Promise<Error> {
  try {
    await fn();
  } catch (error) {
    const msg = (error as Error).message;
    if (typeof check === "string" ? msg !== check : !check.test(msg)) {
      throw new Error(`wrong message: ${msg}`);
    }
    return error as Error;
  }
  throw new Error("did not reject");
}

const PUZZLES = parseSudoku(".24..41.2.3.....\n..2....1.3.41...").puzzles.map((p) => p.puzzle);

/** A stand-in model that answers scripted token rows and records its calls. */
class ScriptedModel implements Predictor {
  readonly config = { seqLen: 16, vocabSize: 6, maxSupervisionSteps: 4 };
  calls: { inputs: Int32Array; options: PredictOptions }[] = [];
  constructor(
    readonly answer: (b: number, input: Int32Array) => Int32Array[],
    readonly probs: number[],
  ) {}
  predict(inputs: Int32Array, options: PredictOptions): Promise<PredictResult> {
    this.calls.push({ inputs: inputs.slice(), options });
    const batch = inputs.length / 16;
    const predictions = new Int32Array(inputs.length);
    const exitSteps = new Int32Array(batch);
    const haltProbs = new Float32Array(batch);
    const trace: Int32Array[][] = [];
    for (let b = 0; b < batch; b++) {
      const steps = this.answer(b, inputs.subarray(b * 16, b * 16 + 16));
      predictions.set(steps[steps.length - 1], b * 16);
      exitSteps[b] = steps.length;
      haltProbs[b] = this.probs[b];
      trace.push(steps);
    }
    return Promise.resolve({
      predictions,
      exitSteps,
      haltProbs,
      trace: options.trace ? trace : undefined,
    });
  }
}

function tokens(grid: SudokuGrid): Int32Array {
  return Int32Array.from(grid.cells, (d) => d + 1);
}

Deno.test("encodeSudokuBatch: blank → 1, digit d → d + 1, row-major per puzzle", () => {
  const ids = encodeSudokuBatch(PUZZLES);
  assertEquals(ids.length, 32);
  assertEquals([...ids.subarray(0, 5)], [1, 3, 5, 1, 1]);
  assertEquals([...ids.subarray(16, 21)], [1, 1, 3, 1, 1]);
});

Deno.test("solveSudokus reports the model's answer as it is: right, wrong, incomplete", async () => {
  const right = solveSudoku(PUZZLES[0]).solution!;
  const wrong = right.cells.slice();
  [wrong[0], wrong[3]] = [wrong[3], wrong[0]]; // row 1 stays a permutation; columns 1 and 4 repeat
  const model = new ScriptedModel((b, input) => {
    if (b === 0) return [input.slice(), tokens(right)];
    // Second puzzle: the model keeps the input (blanks stay blank) for 3 steps.
    return [input.slice(), input.slice(), input.slice()];
  }, [0.95, 0.2]);
  const answers = await solveSudokus(model, PUZZLES, { trace: true, haltThreshold: 0.9 });
  assertEquals(answers.length, 2);
  assertEquals(answers[0].valid, true, "right answer");
  assertEquals(answers[0].problem, null);
  assertEquals(answers[0].steps, 2);
  assertEquals(answers[0].halted, true);
  assertEquals([...answers[0].solution.cells], [...right.cells]);
  assertEquals(answers[0].trace!.length, 2);
  assertEquals(
    [...answers[0].trace![0].cells],
    [...PUZZLES[0].cells],
    "step 1 decodes the echoed input",
  );
  // Blanks stay blank: no exact solver fills them in.
  assertEquals(answers[1].valid, false);
  assertEquals(answers[1].problem, "cell r1c1 is blank");
  assertEquals([...answers[1].solution.cells], [...PUZZLES[1].cells]);
  assertEquals(answers[1].halted, false, "0.2 < 0.9: ran to the cap");
  assertEquals(answers[1].steps, 3);
  // Options reach predict: the model's default cap, the threshold, trace.
  assertEquals(model.calls.length, 1);
  assertEquals(model.calls[0].options, { maxRefinementSteps: 4, haltThreshold: 0.9, trace: true });

  const wrongModel = new ScriptedModel(() => [Int32Array.from(wrong, (d) => d + 1)], [0.99]);
  const [bad] = await solveSudokus(wrongModel, [PUZZLES[0]], { maxSteps: 2 });
  assertEquals(bad.valid, false);
  assert(bad.problem && /changed to|repeats/.test(bad.problem), `problem: ${bad.problem}`);
  assertEquals(bad.trace, undefined, "no trace unless asked");
  assertEquals(wrongModel.calls[0].options.maxRefinementSteps, 2);
});

Deno.test("solveSudokus rejects a model of another size with a clear message", async () => {
  const nine = {
    config: { seqLen: 81, vocabSize: 11, maxSupervisionSteps: 16 },
    predict: () => Promise.reject(),
  };
  await assertRejects(
    () => solveSudokus(nine as unknown as Predictor, PUZZLES),
    "the model takes 81 cells with 11 tokens; 4×4 Sudoku needs 16 cells with 6 tokens",
  );
  assertEquals(sudokuModelMismatch({ seqLen: 36, vocabSize: 8 }, 6), null);
});

Deno.test("inferTask and MissingModelError wording", () => {
  assertEquals(inferTask({ seqLen: 81, vocabSize: 11 }), { kind: "sudoku", size: 9 });
  assertEquals(inferTask({ seqLen: 16, vocabSize: 6 }), { kind: "sudoku", size: 4 });
  assertEquals(inferTask({ seqLen: 16, vocabSize: 6 }, "maze"), { kind: "maze", size: 4 });
  assertEquals(inferTask({ seqLen: 900, vocabSize: 6 }), { kind: "maze", size: 30 });
  assertEquals(inferTask({ seqLen: 81, vocabSize: 12 }), null);
  assertEquals(describeTask({ kind: "maze", size: 30 }), "30×30 maze");
  assertEquals(
    new MissingModelError({ kind: "sudoku", size: 9 }).message,
    "no model for 9×9 Sudoku yet: train one with `deno run -A cli.ts train --task sudoku9 ...` or pass --model FILE",
  );
});

Deno.test("parseModelIndex: accepts the format, names each problem", () => {
  const entries = parseModelIndex(JSON.stringify({
    version: 1,
    models: [
      {
        name: "sudoku4",
        file: "sudoku4.safetensors",
        kind: "sudoku",
        size: 4,
        accuracy: { exact: 1, puzzles: 1000, dataset: "generate --task sudoku4 --seed 99" },
      },
      { name: "maze30", file: "maze30.safetensors", kind: "maze", size: 30 },
    ],
  }));
  assertEquals(entries.map((e) => e.name), ["sudoku4", "maze30"]);
  assertThrows(() => parseModelIndex("{"), /^models\/index.json is not valid JSON/);
  assertThrows(
    () =>
      parseModelIndex(
        JSON.stringify({ models: [{ name: "x", file: "x", kind: "sudoku", size: 5 }] }),
      ),
    "models/index.json: models.0.size: Sudoku size must be 4, 6 or 9",
  );
  assertThrows(
    () => parseModelIndex(JSON.stringify({ models: [{ name: "x", file: "x", kind: "sudoku" }] })),
    /^models\/index.json: models\.0\.size: /,
  );
  const twice = { name: "a", file: "a", kind: "sudoku", size: 4 };
  assertThrows(
    () => parseModelIndex(JSON.stringify({ models: [twice, twice] })),
    /"a" is listed twice/,
  );
});

Deno.test("openRegistry: missing index means no models; listed entries resolve by task", async () => {
  const files = new Map<string, Uint8Array>();
  const readFile = (url: URL) => Promise.resolve(files.get(url.href) ?? null);
  const empty = await openRegistry({ readFile, indexUrl: new URL("file:///m/index.json") });
  assertEquals(empty.entries(), []);
  await assertRejects(
    () => empty.modelFor({ kind: "sudoku", size: 9 }),
    /^no model for 9×9 Sudoku yet/,
  );

  files.set(
    "file:///m/index.json",
    new TextEncoder().encode(JSON.stringify({
      models: [{ name: "s6", file: "weights/s6.safetensors", kind: "sudoku", size: 6 }],
    })),
  );
  const reg = await openRegistry({
    readFile,
    indexUrl: new URL("file:///m/index.json"),
    gpu: () => Promise.reject(new Error("no gpu here")),
  });
  assertEquals(reg.find({ kind: "sudoku", size: 6 })?.name, "s6");
  assertEquals(reg.find({ kind: "sudoku", size: 4 }), undefined);
  assertEquals(reg.source("s6"), "/m/weights/s6.safetensors");
  await assertRejects(() => reg.model("nope"), 'unknown model "nope"');

  const missingFile = await openRegistry({
    readFile,
    modelFiles: [new URL("file:///m/x.safetensors")],
  }).catch((e) => e);
  assert(missingFile instanceof RegistryError, "missing --model file is a RegistryError");
  assertEquals(missingFile.message, "model file /m/x.safetensors does not exist");
  files.set("file:///m/junk.safetensors", new Uint8Array([1, 2, 3]));
  const junk = await openRegistry({ readFile, modelFiles: [new URL("file:///m/junk.safetensors")] })
    .catch((e) => e);
  assert(
    junk instanceof RegistryError &&
      /^\/m\/junk.safetensors: not a valid checkpoint/.test(junk.message),
    junk.message,
  );
});
