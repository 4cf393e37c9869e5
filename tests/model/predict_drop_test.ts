/**
 * `predict`'s `isDropped`: a puzzle nobody wants leaves the batch at the next supervision
 * step (exit step 0, no prediction), and the other puzzles' answers are exactly what they
 * would have been without it.
 */
import assert from "node:assert/strict";
import { encodeSudokuBatch } from "../../src/solve/sudoku.ts";
import { generateSudoku } from "../../src/puzzles/sudoku_generate.ts";
import { loadShippedModel } from "../../src/solve/shipped.ts";

Deno.test("predict: dropped puzzles leave the batch; the others' answers are unchanged", async () => {
  const model = await loadShippedModel("sudoku4");
  const grids = [1, 2, 3].map((seed) =>
    generateSudoku({ size: 4, difficulty: "hard", seed }).puzzle
  );
  const inputs = encodeSudokuBatch(grids);
  const opts = { maxRefinementSteps: 4, haltThreshold: 1.1, signal: new AbortController().signal };
  const all = await model.predict(inputs, opts);
  let asked = 0;
  const some = await model.predict(inputs, {
    ...opts,
    isDropped: (i) => (asked++, i === 1 && asked > 3), // dropped from step 2 on
  });
  const L = model.config.seqLen;
  assert.deepEqual(Array.from(some.exitSteps), [4, 0, 4]);
  assert.deepEqual(Array.from(some.predictions.subarray(L, 2 * L)), new Array(L).fill(0));
  for (const i of [0, 2]) {
    assert.deepEqual(
      Array.from(some.predictions.subarray(i * L, (i + 1) * L)),
      Array.from(all.predictions.subarray(i * L, (i + 1) * L)),
      `puzzle ${i}`,
    );
  }
  const none = await model.predict(inputs, { ...opts, isDropped: () => true });
  assert.deepEqual(Array.from(none.exitSteps), [0, 0, 0]);
});
