/**
 * Test-time augmentation (src/solve/augment.ts) against stand-in models, no GPU: the
 * answers come back in the puzzle's own frame, the most confident symmetry is chosen (never
 * the valid one for being valid), a puzzle's answer does not depend on its batch, drops and
 * traces map to the right puzzle, and a puzzle's symmetries are one halting group.
 */
import type { PredictOptions, PredictResult } from "../../src/model/model.ts";
import { encodeSudoku } from "../../src/puzzles/encoding.ts";
import {
  applySudokuTransformTokens,
  invertSudokuTransformTokens,
  randomSudokuTransform,
} from "../../src/puzzles/sudoku_augment.ts";
import { generateSudoku } from "../../src/puzzles/sudoku_generate.ts";
import type { SudokuSize } from "../../src/puzzles/sudoku_grid.ts";
import { Rng } from "../../src/puzzles/rng.ts";
import { solveSudoku } from "../../src/puzzles/sudoku_solve.ts";
import {
  augmentationTransforms,
  type AugmentPredictor,
  predictAugmented,
} from "../../src/solve/augment.ts";
import { solveSudokus } from "../../src/solve/sudoku.ts";

function assertEquals<T>(actual: T, expected: T, label = ""): void {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${label}: got ${a}, expected ${e}`);
}

/** Tokens of a grid's exact solution (0 blank → token 1, digit d → d + 1). */
function solvedTokens(input: Int32Array, size: SudokuSize): Int32Array {
  const cells = Uint8Array.from(input, (t) => t - 1);
  const solution = solveSudoku({ size, cells }).solution!;
  return Int32Array.from(solution.cells, (d) => d + 1);
}

/**
 * A stand-in model that answers every input it is given correctly (in the frame it was
 * given), with a confidence read from `confidence(input)`; it records each call.
 */
class SolvingModel implements AugmentPredictor {
  calls: { inputs: Int32Array; options: PredictOptions }[] = [];
  constructor(
    readonly size: SudokuSize,
    readonly confidence: (input: Int32Array, row: number) => number,
    readonly answer: (input: Int32Array) => Int32Array = (x) => solvedTokens(x, size),
  ) {}
  predict(inputs: Int32Array, options: PredictOptions): Promise<PredictResult> {
    this.calls.push({ inputs: inputs.slice(), options });
    const L = this.size * this.size, B = inputs.length / L;
    const predictions = new Int32Array(inputs.length);
    const haltProbs = new Float32Array(B);
    const trace: Int32Array[][] = [];
    for (let b = 0; b < B; b++) {
      const input = inputs.subarray(b * L, (b + 1) * L);
      const out = this.answer(input);
      predictions.set(out, b * L);
      haltProbs[b] = this.confidence(input, b);
      trace.push([input.slice(), out]);
    }
    return Promise.resolve({
      predictions,
      exitSteps: Int32Array.from({ length: B }, (_, b) => 2 + (b % 3)),
      haltProbs,
      chosenSample: new Int32Array(B),
      trace: options.trace ? trace : undefined,
    });
  }
}

const PUZZLES9 = [1, 2, 3].map((seed) => generateSudoku({ size: 9, difficulty: "medium", seed }));

Deno.test("invertSudokuTransformTokens undoes applySudokuTransformTokens (4×4, 6×6, 9×9)", () => {
  for (const size of [4, 6, 9] as const) {
    const rng = new Rng(size);
    for (let k = 0; k < 20; k++) {
      const tokens = Uint8Array.from({ length: size * size }, () => rng.int(size + 2));
      const t = randomSudokuTransform(size, rng);
      const back = invertSudokuTransformTokens(applySudokuTransformTokens(tokens, t), t);
      assertEquals([...back], [...tokens], `${size}×${size} #${k}`);
    }
  }
});

Deno.test("augmentationTransforms: identity first, seeded, distinct, bounded count", () => {
  const a = augmentationTransforms(9, 8, 5), b = augmentationTransforms(9, 8, 5);
  assertEquals(a.map((t) => [...t.rowPerm]), b.map((t) => [...t.rowPerm]), "same seed");
  assertEquals([...a[0].digitMap], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], "identity");
  const keys = new Set(a.map((t) => `${t.digitMap}|${t.rowPerm}|${t.colPerm}|${t.transpose}`));
  assertEquals(keys.size, 8, "distinct symmetries");
  for (const bad of [0, 65, 1.5]) {
    let threw = false;
    try {
      augmentationTransforms(9, bad);
    } catch (e) {
      threw = /augmentations must be an integer in \[1, 64\]/.test((e as Error).message);
    }
    assertEquals(threw, true, `count ${bad}`);
  }
});

Deno.test("predictAugmented: every symmetry's answer maps back to the puzzle's own solution", async () => {
  const inputs = Int32Array.from(PUZZLES9.flatMap((p) => [...encodeSudoku(p.puzzle)]));
  // Confidence from the transformed input's first cells: a different symmetry wins per puzzle.
  const model = new SolvingModel(9, (x) => (x[0] * 31 + x[1] * 7 + x[2]) % 97 / 100);
  const r = await predictAugmented(model, inputs, { trace: true }, { size: 9, count: 6, seed: 3 });
  assertEquals(model.calls.length, 1, "one predict call");
  assertEquals(model.calls[0].inputs.length, 3 * 6 * 81, "B × A puzzles");
  assertEquals(model.calls[0].options.haltGroup, 6, "a puzzle's symmetries form one group");
  assertEquals(model.calls[0].options.haltQuorum, 6, "by default every view runs to its own halt");
  PUZZLES9.forEach((p, b) => {
    const want = Int32Array.from(p.solution.cells, (d) => d + 1);
    assertEquals([...r.predictions.subarray(b * 81, (b + 1) * 81)], [...want], `puzzle ${b}`);
    // The chosen symmetry is the most confident one of the puzzle's six rows.
    const rows = Array.from(
      { length: 6 },
      (_, a) => model.calls[0].inputs.subarray((b * 6 + a) * 81),
    );
    const probs = rows.map((x) => (x[0] * 31 + x[1] * 7 + x[2]) % 97 / 100);
    const best = probs.indexOf(Math.max(...probs));
    assertEquals(r.chosenAugmentation[b], best, `chosen symmetry of ${b}`);
    assertEquals(r.haltProbs[b], Math.fround(probs[best]), `confidence of ${b}`);
    assertEquals(r.exitSteps[b], 2 + ((b * 6 + best) % 3), `exit step of ${b}`);
    // The trace is in the puzzle's frame too: step 0 is the puzzle itself.
    assertEquals([...r.trace![b][0]], [...encodeSudoku(p.puzzle)], `trace of ${b}`);
  });
});

Deno.test("predictAugmented picks by confidence, not by validity", async () => {
  const input = encodeSudoku(PUZZLES9[0].puzzle);
  // The identity row (the given puzzle) gets a wrong answer with the highest confidence.
  const given = Int32Array.from(input);
  const model = new SolvingModel(
    9,
    (x) => x.every((t, i) => t === given[i]) ? 0.99 : 0.5,
    (x) => x.every((t, i) => t === given[i]) ? Int32Array.from(x, () => 2) : solvedTokens(x, 9),
  );
  const [answer] = await solveSudokus(
    {
      config: { seqLen: 81, vocabSize: 11, maxSupervisionSteps: 4 },
      predict: (i, o) => model.predict(i, o),
    },
    [PUZZLES9[0].puzzle],
    { augment: 4 },
  );
  assertEquals(answer.augmentation, 0, "the confident (wrong) answer is kept");
  assertEquals(answer.valid, false, "and reported as invalid");
});

Deno.test("predictAugmented: a puzzle's answer is the same alone or batched; drops map to puzzles", async () => {
  const conf = (x: Int32Array) => (x[4] * 13 + x[40]) % 89 / 100;
  const all = Int32Array.from(PUZZLES9.flatMap((p) => [...encodeSudoku(p.puzzle)]));
  const batched = await predictAugmented(new SolvingModel(9, conf), all, {}, { size: 9, count: 5 });
  const alone = await predictAugmented(
    new SolvingModel(9, conf),
    all.slice(81, 162),
    {},
    { size: 9, count: 5 },
  );
  assertEquals(alone.chosenAugmentation[0], batched.chosenAugmentation[1], "same symmetry");
  const asked: number[] = [];
  const model = new SolvingModel(9, conf);
  await predictAugmented(model, all, {
    isDropped: (i) => {
      asked.push(i);
      return i === 2;
    },
  }, { size: 9, count: 5 });
  // The stand-in never asks; call the mapped callback the way predict would.
  const mapped = model.calls[0].options.isDropped!;
  assertEquals([0, 4, 5, 9, 10, 14].map((row) => mapped(row)), [
    false,
    false,
    false,
    false,
    true,
    true,
  ]);
  assertEquals(asked, [0, 0, 1, 1, 2, 2], "rows asked as their puzzles");
});
