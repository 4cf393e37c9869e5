/**
 * `POST /v1/solve` with an ARC task: the augmented copies vote and the two attempts come
 * back as rows (with `matches` when the task gave the output); a malformed task is a 400
 * naming the pair; a server without an ARC model answers 422; the cost counts every copy.
 */
import assert from "node:assert/strict";
import { presets } from "../../src/model/config.ts";
import { TinyRecursiveModel } from "../../src/model/model.ts";
import { createApp } from "../../src/server/app.ts";
import { ModelRegistry, openRegistry } from "../../src/solve/registry.ts";
import { saveModel } from "../../src/model/checkpoint.ts";
import { readFileOrNull } from "../../src/host/files.ts";
import { WorkerSolver } from "../../src/host/worker_solver.ts";
import { loadShippedModel } from "../../src/solve/shipped.ts";
import { testGpu } from "../_helpers.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };
const TASK = JSON.parse(
  await Deno.readTextFile(new URL("../../examples/arc_task.json", import.meta.url)),
);

async function post(app: ReturnType<typeof createApp>, body: unknown) {
  const res = await app.request("/v1/solve", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

Deno.test({
  name: "POST /v1/solve: an ARC task is voted over its copies; bad tasks are 400",
  ...opts,
  fn: async () => {
    const gpu = await testGpu();
    const model = await TinyRecursiveModel.create(
      { ...presets.arcTiny, dim: 16, numHeads: 2, maxSupervisionSteps: 2 },
      { gpu, seed: 3 },
    );
    const app = createApp({ registry: ModelRegistry.fromModels([{ model, name: "arc-test" }]) });
    const ok = await post(app, { task: TASK, augmentations: 3, maxSteps: 1 });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.model, "arc-test");
    assert.equal(ok.body.copies, 3);
    assert.equal(ok.body.trainedIds, false);
    assert.equal(ok.body.steps, 1);
    assert.equal(ok.body.tests.length, 1);
    const [t] = ok.body.tests;
    assert.equal(t.attempts.length, 2);
    assert.equal(t.candidates.reduce((n: number, c: { votes: number }) => n + c.votes, 0), 3);
    assert.equal(typeof t.matches, "boolean");

    const ragged = structuredClone(TASK);
    ragged.train[1].input = [[1, 2], [3]];
    const bad = await post(app, { task: ragged });
    assert.equal(bad.status, 400);
    assert.match(bad.body.detail, /train\[1\]|pair 2|ragged|row/i);
    assert.ok(!bad.body.detail.includes("\n"), "one line");

    const colour = structuredClone(TASK);
    colour.test[0].input = [[10]];
    assert.equal((await post(app, { task: colour })).status, 400);
    const both = await post(app, { task: TASK, puzzle: "1..4..2..1..4..2" });
    assert.equal(both.status, 400);
    assert.match(both.body.detail, /exactly one of/);
  },
});

Deno.test({
  name: "POST /v1/solve: an ARC task on a server without an ARC model is a 422",
  ...opts,
  fn: async () => {
    const app = createApp({
      registry: ModelRegistry.fromModels([{ model: await loadShippedModel("sudoku4") }]),
    });
    const res = await post(app, { task: TASK });
    assert.equal(res.status, 422);
    assert.match(res.body.detail, /no model for ARC task/);
  },
});

Deno.test({
  name: "ARC on the server's workers: a TRM_MODEL-style file with its identifiers metadata",
  ...opts,
  fn: async () => {
    const gpu = await testGpu();
    const model = await TinyRecursiveModel.create(
      { ...presets.arcTiny, dim: 16, numHeads: 2, maxSupervisionSteps: 1 },
      { gpu, seed: 4 },
    );
    const dir = await Deno.makeTempDir();
    const file = `${dir}/arc_tiny.safetensors`;
    await Deno.writeFile(file, await saveModel(model, { arc_identifiers: '["<blank>"]' }));
    const url = new URL(`file://${file}`);
    const registry = await openRegistry({ readFile: readFileOrNull, modelFiles: [url] });
    const solver = new WorkerSolver({ modelFiles: [url] });
    try {
      const app = createApp({ registry, solver });
      const res = await post(app, { task: TASK, augmentations: 2 });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.model, "arc_tiny");
      assert.equal(res.body.copies, 2);
      assert.equal(res.body.tests[0].attempts.length, 2);
    } finally {
      await solver.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
