/**
 * `evaluateSettings` (what `cli.ts eval` prints in solve mode) against `model.predict`
 * scored by hand: the plain row's accuracy and mean steps are the predictions' own; with
 * symmetries the default view quorum is "every view runs to its own halt", and a quorum of
 * one stops a puzzle's views earlier.
 */
import assert from "node:assert/strict";
import { loadShippedModel } from "../../src/solve/shipped.ts";
import { generatePool } from "../../src/train/data.ts";
import { evaluateSettings } from "../../src/train/evaluate_solve.ts";

Deno.test("evaluateSettings: plain row matches predict; view quorum default is all views", async () => {
  const model = await loadShippedModel("sudoku6");
  const pool = generatePool("sudoku6", { count: 12, seed: 5, difficulty: "hard" });
  const L = pool.seqLen;
  const base = { maxSteps: 8, haltThreshold: 0.9, samples: 1 };
  const [plain, views, allViews, firstView] = await evaluateSettings(model, pool, [
    base,
    { ...base, augmentations: 3 },
    { ...base, augmentations: 3, viewQuorum: 3 },
    { ...base, augmentations: 3, viewQuorum: 1 },
  ], { batchSize: 5 });
  const direct = await model.predict(Int32Array.from(pool.inputs), {
    maxRefinementSteps: 8,
    haltThreshold: 0.9,
  });
  let exact = 0, cells = 0;
  for (let i = 0; i < pool.count; i++) {
    let right = 0;
    for (let j = 0; j < L; j++) {
      if (direct.predictions[i * L + j] === pool.labels[i * L + j]) right++;
    }
    cells += right;
    if (right === L) exact++;
  }
  assert.equal(plain.count, 12);
  assert.equal(plain.exactAccuracy, exact / 12);
  assert.ok(Math.abs(plain.tokenAccuracy - cells / (12 * L)) < 1e-12);
  assert.ok(Math.abs(plain.meanSteps - direct.exitSteps.reduce((a, b) => a + b, 0) / 12) < 1e-12);
  for (const key of ["exactAccuracy", "tokenAccuracy", "meanSteps"] as const) {
    assert.equal(allViews[key], views[key], `${key}: an explicit full quorum is the default`);
  }
  assert.ok(
    firstView.meanSteps < views.meanSteps,
    `a quorum of one stops views earlier (${firstView.meanSteps} vs ${views.meanSteps} steps)`,
  );
});
