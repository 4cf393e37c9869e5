/**
 * The worker-per-model solver the server runs by default: a worker's answers equal this
 * thread's for the same shipped model, an aborted batch rejects at once, a bad model name
 * comes back as the registry's error, and two models' batches run side by side in the app
 * (a slow 9×9 batch does not hold up a 4×4 request).
 */
import assert from "node:assert/strict";
import { workersFromEnv } from "../../src/host/app_env.ts";
import { SHIPPED_INDEX } from "../../src/host/files.ts";
import { WorkerSolver } from "../../src/host/worker_solver.ts";
import { generateSudoku } from "../../src/puzzles/sudoku_generate.ts";
import { formatSudokuLine } from "../../src/puzzles/sudoku_grid.ts";
import { createApp } from "../../src/server/app.ts";
import { RegistryError } from "../../src/solve/registry.ts";
import { loadShippedModel, openShippedRegistry } from "../../src/solve/shipped.ts";
import { solveSudokus, type SudokuAnswer } from "../../src/solve/sudoku.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };
const PUZZLES = [1, 2, 3].map((seed) =>
  generateSudoku({ size: 4, difficulty: "medium", seed }).puzzle
);
const line4 = (i: number) => formatSudokuLine(PUZZLES[i], { blank: "." });

Deno.test({
  name: "a worker solves like this thread, with the same shipped model",
  ...opts,
  fn: async () => {
    const solver = new WorkerSolver({ indexUrl: SHIPPED_INDEX });
    try {
      const request = {
        kind: "sudoku" as const,
        puzzles: PUZZLES,
        options: { maxSteps: 4, trace: true },
      };
      const fromWorker = await solver.solve("sudoku4", request, new AbortController().signal);
      const here = await solveSudokus(await loadShippedModel("sudoku4"), PUZZLES, request.options);
      const plain = (answers: unknown[]) =>
        (answers as SudokuAnswer[]).map((a) => ({
          solution: Array.from(a.solution.cells),
          trace: a.trace?.map((g) => Array.from(g.cells)),
          steps: a.steps,
          valid: a.valid,
          haltProb: a.haltProb,
        }));
      assert.deepEqual(plain(fromWorker), plain(here));
      assert.equal(solver.workers, 1);
    } finally {
      await solver.close();
    }
  },
});

Deno.test({
  name: "a worker batch: abort rejects at once; an unknown model is the registry's error",
  ...opts,
  fn: async () => {
    const solver = new WorkerSolver({ indexUrl: SHIPPED_INDEX });
    try {
      await assert.rejects(
        solver.solve(
          "nope",
          { kind: "sudoku", puzzles: PUZZLES, options: {} },
          new AbortController().signal,
        ),
        (e) => e instanceof RegistryError && /unknown model "nope"/.test(e.message),
      );
      const stop = new AbortController();
      const running = solver.solve(
        "sudoku4",
        { kind: "sudoku", puzzles: PUZZLES, options: { maxSteps: 64, haltThreshold: 1 } },
        stop.signal,
      );
      const t0 = performance.now();
      stop.abort(new DOMException("the client left", "AbortError"));
      await assert.rejects(running, (e) => (e as Error).name === "AbortError");
      assert.ok(performance.now() - t0 < 100, "rejected at once");
    } finally {
      await solver.close();
    }
  },
});

Deno.test({
  name: "app with workers: a 4×4 request is answered while a long 9×9 batch runs",
  ...opts,
  fn: async () => {
    const solver = new WorkerSolver({ indexUrl: SHIPPED_INDEX });
    const registry = await openShippedRegistry();
    const app = createApp({ registry, solver, limits: { deadlineMs: 300_000 } });
    const post = async (body: unknown): Promise<Response> =>
      await app.request("/v1/solve", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    try {
      // Warm both workers (device, weights, kernels) first.
      assert.equal((await post({ puzzle: line4(0) })).status, 200);
      const nine = Array.from(
        { length: 4 },
        (_, i) =>
          formatSudokuLine(generateSudoku({ size: 9, difficulty: "hard", seed: 70 + i }).puzzle),
      );
      assert.equal((await post({ puzzle: nine[0], maxSteps: 1 })).status, 200);
      let nineDone = 0;
      const long = post({ puzzles: nine, maxSteps: 6, haltThreshold: 1 }).then((r) => {
        nineDone = performance.now();
        return r;
      });
      await new Promise((r) => setTimeout(r, 50)); // the 9×9 batch is running now
      const res = await post({ puzzle: line4(1) });
      const smallDone = performance.now();
      assert.equal(res.status, 200);
      assert.equal((await long).status, 200);
      assert.ok(smallDone < nineDone, "the 4×4 answer came before the 9×9 batch ended");
    } finally {
      await solver.close();
    }
  },
});

Deno.test("TRM_WORKERS: 1/true and 0/false; anything else is a one-line error", () => {
  assert.equal(workersFromEnv(undefined), true);
  assert.equal(workersFromEnv("0"), false);
  assert.equal(workersFromEnv("TRUE"), true);
  assert.throws(
    () => workersFromEnv("yes"),
    /^Error: TRM_WORKERS must be 1 or 0 \(true or false\), got "yes"$/,
  );
});
