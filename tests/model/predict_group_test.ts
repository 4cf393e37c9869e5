/**
 * `predict`'s `haltGroup`: consecutive puzzles stop together at the first step where one
 * of them is confident, and each member's answer is then exactly what it has after that
 * many steps alone (so a group costs no accuracy on the member that halted, and stops the
 * others early); with `haltQuorum` equal to the group size every member runs to its own halt.
 */
import assert from "node:assert/strict";
import { encodeSudokuBatch } from "../../src/solve/sudoku.ts";
import { generateSudoku } from "../../src/puzzles/sudoku_generate.ts";
import { loadShippedModel } from "../../src/solve/shipped.ts";

Deno.test("predict with haltGroup: a group stops at its first confident member's step", async () => {
  const model = await loadShippedModel("sudoku6");
  const L = model.config.seqLen;
  // Alone these halt at steps 2, 1 | 3, 2 (the shipped 6×6 model, threshold 0.9).
  const grids = [
    generateSudoku({ size: 6, difficulty: "hard", seed: 2 }).puzzle,
    generateSudoku({ size: 6, difficulty: "easy", seed: 1 }).puzzle,
    generateSudoku({ size: 6, difficulty: "hard", seed: 3 }).puzzle,
    generateSudoku({ size: 6, difficulty: "hard", seed: 2 }).puzzle,
  ];
  const inputs = encodeSudokuBatch(grids);
  const opts = { maxRefinementSteps: 8, haltThreshold: 0.9 };
  const alone = await model.predict(inputs, opts);
  const grouped = await model.predict(inputs, { ...opts, haltGroup: 2 });
  let differing = 0;
  for (const g of [0, 1]) {
    const [a, b] = [2 * g, 2 * g + 1];
    const stop = Math.min(alone.exitSteps[a], alone.exitSteps[b]);
    if (alone.exitSteps[a] !== alone.exitSteps[b]) differing++;
    for (const i of [a, b]) {
      assert.equal(grouped.exitSteps[i], stop, `puzzle ${i} stops with its group`);
      // Its answer after `stop` steps alone, with halting off.
      const fixed = await model.predict(inputs.subarray(i * L, (i + 1) * L), {
        maxRefinementSteps: stop,
        haltThreshold: 1.1,
      });
      assert.deepEqual(
        Array.from(grouped.predictions.subarray(i * L, (i + 1) * L)),
        Array.from(fixed.predictions),
        `puzzle ${i}`,
      );
      assert.ok(Math.abs(grouped.haltProbs[i] - fixed.haltProbs[0]) < 1e-6, `puzzle ${i} prob`);
    }
  }
  assert.ok(differing > 0, "the test needs a group whose members halt at different steps alone");
  // A quorum of the whole group runs every member to its own halt: the same as alone.
  const everyone = await model.predict(inputs, { ...opts, haltGroup: 2, haltQuorum: 2 });
  assert.deepEqual(Array.from(everyone.exitSteps), Array.from(alone.exitSteps));
  assert.deepEqual(Array.from(everyone.predictions), Array.from(alone.predictions));
  await assert.rejects(() => model.predict(inputs, { haltGroup: 2, haltQuorum: 3 }), /haltQuorum/);
  await assert.rejects(() => model.predict(inputs, { haltGroup: 3 }), /haltGroup/);
  await assert.rejects(() => model.predict(inputs, { haltGroup: 0 }), /haltGroup/);
});
