/**
 * The training run as a library loop (src/train/run.ts): paused by an AbortSignal and
 * resumed from the checkpoint bytes its save hook received, it reproduces the
 * uninterrupted run bit for bit, with no files touched; events arrive in cadence; a pool
 * that does not fit the model is a RunSetupError before any step.
 */
import assert from "node:assert/strict";
import {
  resumeTraining,
  type RunCheckpoint,
  type RunInfo,
  RunSetupError,
  runTraining,
  startTraining,
  type TrainingEvent,
} from "../../src/train/run.ts";
import { generatePool } from "../../src/train/data.ts";
import { testGpu } from "../_helpers.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };

function tinyRun(): RunInfo {
  return {
    task: "sudoku4",
    preset: "sudoku4",
    configOverrides: { dim: 16, numLayers: 1, tCycles: 1, nRecursions: 1, maxSupervisionSteps: 3 },
    batch: 8,
    steps: 12,
    seed: 5,
    poolSize: 48,
    evalCount: 8,
    evalEvery: 6,
    checkpointEvery: 4,
    logEvery: 2,
    curriculum: [{ from: 7, tCycles: 2 }],
  };
}

const settings = { lr: 3e-3, warmupSteps: 2 };

Deno.test({
  name: "runTraining: abort, resume from the saved bytes, and the run is bit-identical",
  ...opts,
  fn: async () => {
    const gpu = await testGpu();

    // Uninterrupted.
    const infoA = tinyRun();
    const a = await startTraining(infoA, { gpu, settings });
    const eventsA: TrainingEvent[] = [];
    let finalA: RunCheckpoint | undefined;
    const resultA = await runTraining({
      trainer: a,
      info: infoA,
      onEvent: (e) => eventsA.push(e),
      save: (c) => {
        finalA = c;
      },
    });
    a.dispose();
    a.model.dispose();
    assert.equal(resultA.status, "done");
    assert.equal(resultA.step, 12);
    const kinds = (k: string) => eventsA.filter((e) => e.event === k).map((e) => e.step);
    assert.deepEqual(kinds("train"), [2, 4, 6, 8, 10, 12]);
    assert.deepEqual(kinds("eval"), [6, 12]);
    assert.deepEqual(kinds("checkpoint"), [4, 8, 12]);
    assert.deepEqual(kinds("curriculum"), [7]);
    assert.equal(kinds("step").length, 12);
    assert.equal(resultA.eval?.count, 8);

    // Paused after step 5 (between checkpoints), then resumed from memory.
    const infoB = tinyRun();
    const b = await startTraining(infoB, { gpu, settings });
    const pause = new AbortController();
    const saved: RunCheckpoint[] = [];
    const resultB = await runTraining({
      trainer: b,
      info: infoB,
      signal: pause.signal,
      save: (c) => {
        saved.push(c);
      },
      onEvent: (e) => {
        if (e.event === "step" && e.step === 5) pause.abort();
      },
    });
    b.dispose();
    b.model.dispose();
    assert.equal(resultB.status, "aborted");
    assert.equal(resultB.step, 5);
    assert.deepEqual(saved.map((c) => c.step), [4, 5]); // the cadence, then the pause

    const resumed = await resumeTraining(saved[1].state, gpu);
    assert.deepEqual(resumed.info, infoB);
    let finalB: RunCheckpoint | undefined;
    const resultC = await runTraining({
      ...resumed,
      save: (c) => {
        finalB = c;
      },
    });
    resumed.trainer.dispose();
    resumed.trainer.model.dispose();
    assert.equal(resultC.status, "done");
    assert.equal(resultC.eval?.exactAccuracy, resultA.eval?.exactAccuracy);
    assert.equal(resultC.eval?.tokenAccuracy, resultA.eval?.tokenAccuracy);
    assert.deepEqual(finalB!.model, finalA!.model);
    assert.deepEqual(finalB!.state, finalA!.state);
  },
});

Deno.test({
  name: "runTraining: a pool of the wrong puzzle size is a RunSetupError before any step",
  ...opts,
  fn: async () => {
    const gpu = await testGpu();
    const info = tinyRun();
    const trainer = await startTraining(info, { gpu, settings });
    try {
      await assert.rejects(
        runTraining({ trainer, info, pool: generatePool("sudoku6", { count: 4, seed: 1 }) }),
        (e: Error) => e instanceof RunSetupError && /36 tokens per puzzle/.test(e.message),
      );
      assert.equal(trainer.step, 0);
      await assert.rejects(
        startTraining({ ...info, preset: "nope" }, { gpu }),
        /unknown preset "nope"/,
      );
    } finally {
      trainer.dispose();
      trainer.model.dispose();
    }
  },
});
