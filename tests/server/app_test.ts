/**
 * Every route and error of the HTTP app through `app.request()`: a tiny untrained 4×4
 * model for the real path (answers are invalid, shapes and codes are what is checked), and
 * a scripted stand-in model where batching and failure isolation must be deterministic.
 */
import { presets } from "../../src/model/config.ts";
import { parseModelConfig } from "../../src/model/config.ts";
import type { PredictOptions, PredictResult } from "../../src/model/model.ts";
import { TinyRecursiveModel } from "../../src/model/model.ts";
import { GpuUnavailableError } from "../../src/gpu/device.ts";
import { createApp } from "../../src/server/app.ts";
import { limitsFromEnv } from "../../src/server/env.ts";
import { ModelRegistry, openRegistry } from "../../src/solve/registry.ts";
import { openShippedRegistry } from "../../src/solve/shipped.ts";
import { testGpu } from "../_helpers.ts";

function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

function assertEquals<T>(actual: T, expected: T, label = ""): void {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${label}: got ${a}, expected ${e}`);
}

const opts = { sanitizeResources: false, sanitizeOps: false };
const P4 = "1..4..2..1..4..2";
const P4B = ".24..41.2.3.....";
const P9 = "53..7....6..195....98....6.8...6...34..8.3..17...2...6.6....28....419..5....8..79";

let realApp: ReturnType<typeof createApp> | null = null;
let realModel: TinyRecursiveModel | null = null;

async function real() {
  if (!realApp) {
    const gpu = await testGpu();
    realModel = await TinyRecursiveModel.create({ ...presets.sudoku4, dim: 16, numHeads: 2 }, {
      gpu,
      seed: 5,
    });
    const registry = ModelRegistry.fromModels([{
      model: realModel,
      name: "tiny4",
      accuracy: { exact: 0, puzzles: 10, dataset: "untrained (test)" },
    }]);
    realApp = createApp({
      registry,
      limits: { batchWindowMs: 30, maxBodyBytes: 4096, maxPuzzlesPerRequest: 4 },
    });
  }
  return realApp;
}

function post(
  app: { request: (p: string, i?: RequestInit) => Response | Promise<Response> },
  body: unknown,
  raw = false,
): Promise<Response> {
  return Promise.resolve(app.request("/v1/solve", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: raw ? body as string : JSON.stringify(body),
  }));
}

async function expectError(res: Response, status: number, error: string | RegExp): Promise<void> {
  const body = await res.json();
  assertEquals(res.status, status, `status for ${JSON.stringify(body)}`);
  assert(
    res.headers.get("content-type")?.startsWith("application/problem+json"),
    "RFC 9457 problem details",
  );
  assertEquals(
    [body.status, body.type, body.detail],
    [status, "about:blank", body.error],
    "problem",
  );
  const ok = typeof error === "string" ? body.error === error : error.test(body.error);
  assert(ok, `error message: ${JSON.stringify(body.error)}`);
}

Deno.test({
  name: "POST /v1/solve with the tiny model: one puzzle with trace, a batch, shapes",
  ...opts,
  fn: async () => {
    const app = await real();
    const res = await post(app, { puzzle: P4, maxSteps: 2, trace: true });
    assertEquals(res.status, 200, "status");
    const r = await res.json();
    assertEquals(r.puzzle, P4.replaceAll(".", "0"), "puzzle digits");
    assert(/^[0-4]{16}$/.test(r.solution), `solution ${r.solution}`);
    assert(r.steps >= 1 && r.steps <= 2, `steps ${r.steps}`);
    assertEquals(r.trace.length, r.steps, "trace per step");
    assertEquals(r.trace[r.trace.length - 1], r.solution, "last trace step is the answer");
    assertEquals(typeof r.valid, "boolean", "valid");
    assertEquals(r.valid, r.problem === null, "problem iff invalid");
    assertEquals(r.model, "tiny4", "model");
    assert(r.haltProb >= 0 && r.haltProb <= 1 && r.ms >= 0 && r.batchSize === 1, JSON.stringify(r));

    const grid = [[0, 2, 4, 0], [0, 4, 1, null], [2, 0, 3, 0], [0, 0, 0, 0]];
    const batch = await (await post(app, { puzzles: [P4, grid], maxSteps: 1 })).json();
    assertEquals(batch.results.length, 2, "results");
    assertEquals(batch.results[1].puzzle, P4B.replaceAll(".", "0"), "grid input read row by row");
    assertEquals(
      batch.results.map((x: { batchSize: number }) => x.batchSize),
      [2, 2],
      "one model call",
    );
    assertEquals(batch.results[0].trace, undefined, "no trace unless asked");
  },
});

Deno.test({
  name:
    "POST /v1/solve with augmentations: a Sudoku answer names its symmetry, reproducibly; mazes refuse it",
  ...opts,
  fn: async () => {
    const app = await real();
    const body = { puzzle: P4, maxSteps: 2, augmentations: 4 };
    const res = await post(app, body);
    assertEquals(res.status, 200, "status");
    const a = await res.json();
    const which = a.augmentation ?? 0;
    assert(Number.isInteger(which) && which >= 0 && which < 4, `augmentation ${a.augmentation}`);
    assertEquals(a.puzzle, P4.replaceAll(".", "0"), "the answer is about the puzzle as given");
    assert(/^[0-4]{16}$/.test(a.solution), `solution ${a.solution}`);
    const b = await (await post(app, body)).json();
    assertEquals([b.solution, b.augmentation], [a.solution, a.augmentation], "reproducible");
    const plain = await (await post(app, { puzzle: P4, maxSteps: 2 })).json();
    assertEquals(plain.augmentation, undefined, "no symmetry field without augmentations");
    await expectError(
      await post(app, { maze: "S.\n.G", augmentations: 2 }),
      400,
      '"augmentations" applies to Sudoku puzzles and ARC tasks, not mazes',
    );
  },
});

Deno.test({
  name: "POST /v1/solve with samples: the answer names its trajectory; same request, same answer",
  ...opts,
  fn: async () => {
    const app = await real();
    const body = { puzzle: P4, maxSteps: 2, samples: 3 };
    const a = await (await post(app, body)).json();
    assert(Number.isInteger(a.sample) && a.sample >= 0 && a.sample < 3, `sample ${a.sample}`);
    assert(a.haltProb >= 0 && a.haltProb <= 1, `haltProb ${a.haltProb}`);
    const b = await (await post(app, body)).json();
    assertEquals(b.solution, a.solution, "reproducible");
    assertEquals(b.sample, a.sample, "same trajectory");
    const plain = await (await post(app, { puzzle: P4, maxSteps: 2 })).json();
    assertEquals(plain.sample, 0, "one trajectory without samples");
  },
});

Deno.test({
  name: "concurrent requests are batched into one predict call and get their own answers",
  ...opts,
  fn: async () => {
    const app = await real();
    const puzzles = [P4, P4B, "..2....1.3.41..."];
    const together = await Promise.all(
      puzzles.map((p) => post(app, { puzzle: p, maxSteps: 1 }).then((r) => r.json())),
    );
    assertEquals(together.map((r) => r.batchSize), [3, 3, 3], "batched across requests");
    // Alone, each puzzle must get the same answer (batching must not mix rows up).
    for (let i = 0; i < puzzles.length; i++) {
      const alone = await (await post(app, { puzzle: puzzles[i], maxSteps: 1 })).json();
      assertEquals(alone.batchSize, 1, "alone");
      assertEquals(alone.solution, together[i].solution, `puzzle ${i} answer`);
      assertEquals(alone.puzzle, together[i].puzzle, `puzzle ${i}`);
    }
  },
});

Deno.test({
  name: "POST /v1/solve rejects bad input with 400/404/413/422 and a precise message",
  ...opts,
  fn: async () => {
    const app = await real();
    await expectError(await post(app, "{not json", true), 400, /^body is not valid JSON: /);
    await expectError(await post(app, "", true), 400, "body is not valid JSON: the body is empty");
    await expectError(
      await post(app, {}),
      400,
      'give exactly one of "puzzle", "puzzles", "maze", "mazes" or "task"',
    );
    await expectError(
      await post(app, { puzzle: P4, puzzles: [P4] }),
      400,
      'give exactly one of "puzzle", "puzzles", "maze", "mazes" or "task"',
    );
    await expectError(
      await post(app, { puzzle: 5 }),
      400,
      "puzzle: expected a string of digits or a grid (array of rows of 0..9 or null), got number",
    );
    await expectError(
      await post(app, { puzzles: [P4, [[1, "x", 0, 0]]] }),
      400,
      'puzzles[1]: row 1, column 2: "x" is not a digit 0..9 or null',
    );
    await expectError(
      await post(app, { puzzle: P4, maxSteps: 65 }),
      400,
      "maxSteps: Too big: expected number to be <=64",
    );
    await expectError(
      await post(app, { puzzle: P4, samples: 17 }),
      400,
      "samples: Too big: expected number to be <=16",
    );
    await expectError(
      await post(app, { puzzle: P4, maxSteps: 1.5 }),
      400,
      "maxSteps: Invalid input: expected int, received number",
    );
    await expectError(
      await post(app, { puzzle: P4, haltThreshold: "high" }),
      400,
      /^haltThreshold: Invalid input: expected number/,
    );
    await expectError(
      await post(app, { puzzle: P4, colour: "red" }),
      400,
      'Unrecognized key: "colour"',
    );
    await expectError(
      await post(app, { puzzles: [P4, P4, P4, P4, P4] }),
      400,
      "puzzles: Too big: expected array to have <=4 items",
    );
    await expectError(
      await post(app, { puzzles: [] }),
      400,
      "puzzles: Too small: expected array to have >=1 items",
    );
    await expectError(
      await post(app, { puzzle: "1..4..2..1..4.." }),
      400,
      "puzzle: wrong length: 15 cells; expected 16 (4×4), 36 (6×6) or 81 (9×9)",
    );
    await expectError(
      await post(app, { puzzle: "11...............".slice(0, 16) }),
      400,
      "puzzle: given digit 1 repeats in row 1 (r1c1 and r1c2)",
    );
    await expectError(
      await post(app, { puzzle: `${P4}\n${P4B}` }),
      400,
      'puzzle: holds 2 puzzles; send one per item (use "puzzles" for many)',
    );
    await expectError(
      await post(app, { puzzle: [[1, 2, 3], [0, 0, 0], [0, 0, 0]] }),
      400,
      "puzzle: a grid has 4, 6 or 9 rows, got 3",
    );
    await expectError(
      await post(app, { puzzles: [P4, P9] }),
      422,
      "no model for 9×9 Sudoku yet: train one with `deno run -A cli.ts train --task sudoku9 ...` or start the server with TRM_MODEL=FILE",
    );
    await expectError(
      await post(app, { puzzle: P4, model: "big" }),
      404,
      'unknown model "big"; GET /v1/models lists the models',
    );
    // Over the body limit (4096 here): streamed without a length, and announced by Content-Length.
    const big = JSON.stringify({ puzzle: P4, pad: "x".repeat(5000) });
    await expectError(
      await post(app, big, true),
      413,
      "request body exceeds the limit of 4096 bytes",
    );
    const announced = await app.request("/v1/solve", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Content-Length": String(big.length) },
      body: big,
    });
    await expectError(announced, 413, "request body exceeds the limit of 4096 bytes");
    await expectError(
      await app.request("/v2/solve", { method: "POST" }),
      404,
      "no route POST /v2/solve; see GET /openapi.json",
    );
  },
});

Deno.test({
  name: "GET /healthz names the adapter; /v1/models lists config and accuracy",
  ...opts,
  fn: async () => {
    const app = await real();
    const health = await (await app.request("/healthz")).json();
    assertEquals(health.status, "ok", "status");
    assertEquals(health.adapter.description, (await testGpu()).summary.description, "adapter");
    assertEquals(health.models, 1, "models");
    assert(health.batcher.batches >= 1 || health.batcher.batches === 0, "batcher counters");
    const { models } = await (await app.request("/v1/models")).json();
    assertEquals(models.length, 1, "one model");
    const m = models[0];
    assertEquals([m.name, m.task, m.kind, m.size], ["tiny4", "sudoku4", "sudoku", 4], "identity");
    assertEquals(m.parameters, realModel!.numParameters(), "parameters");
    assertEquals([m.config.seqLen, m.config.vocabSize, m.config.dim], [16, 6, 16], "config");
    assertEquals(m.accuracy, { exact: 0, puzzles: 10, dataset: "untrained (test)" }, "accuracy");
  },
});

Deno.test({
  name: "GET /openapi.json is generated from the zod schemas, with the limits",
  ...opts,
  fn: async () => {
    const app = await real();
    const res = await app.request("/openapi.json");
    assertEquals(res.status, 200, "status");
    const doc = await res.json();
    assertEquals(doc.openapi, "3.1.0", "version");
    assertEquals(Object.keys(doc.paths).sort(), [
      "/",
      "/healthz",
      "/openapi.json",
      "/v1/models",
      "/v1/solve",
    ], "paths");
    const req = doc.components.schemas.SolveRequest;
    assertEquals(req.properties.maxSteps.maximum, 64, "maxSteps cap");
    assertEquals(req.properties.puzzles.maxItems, 4, "batch cap from the app's limits");
    assertEquals(req.additionalProperties, false, "strict");
    assert(req.properties.puzzle.anyOf.length === 2, "string or grid");
    const result = doc.components.schemas.SolveResult;
    assert(
      ["puzzle", "solution", "valid", "steps", "ms"].every((k) => result.required.includes(k)),
      "result fields",
    );
    assertEquals(
      doc.components.schemas.ModelsResponse.properties.models.items.properties.config.properties.dim
        .type,
      "integer",
      "config schema",
    );
    assertEquals(
      doc.paths["/v1/solve"].post.responses["413"].content["application/problem+json"].schema.$ref,
      "#/components/schemas/Error",
      "413",
    );
  },
});

Deno.test({
  name: "GET / serves one self-contained page (no external resources)",
  ...opts,
  fn: async () => {
    const app = await real();
    const res = await app.request("/");
    assertEquals(res.status, 200, "status");
    assert(res.headers.get("content-type")?.startsWith("text/html"), "html");
    assert(
      res.headers.get("content-security-policy")?.includes("default-src 'none'"),
      "CSP forbids external loads",
    );
    const html = await res.text();
    assert(
      html.includes('<textarea id="puzzle"') && html.includes('id="solve"'),
      "input and button",
    );
    assert(!/(src|href)\s*=\s*["']?(https?:)?\/\//i.test(html), "no external src/href");
    assert(!/https?:\/\//.test(html.replace(/<!doctype html>/i, "")), "no absolute URLs at all");
  },
});

/** A stand-in model: fixed answers (the input echoed), a delay, a poison puzzle. */
function scripted(delayMs: number) {
  const calls: number[] = [];
  const model = {
    config: parseModelConfig({ ...presets.sudoku4 }),
    gpu: {
      summary: {
        description: "scripted",
        vendor: "test",
        architecture: "",
        profile: "cpu",
        isFallbackAdapter: true,
      },
    },
    numParameters: () => 0,
    async predict(inputs: Int32Array, options: PredictOptions): Promise<PredictResult> {
      const batch = inputs.length / 16;
      calls.push(batch);
      await new Promise((r) => setTimeout(r, delayMs));
      // Poison: a puzzle whose first cell is 4 (token 5) makes the whole batch fail.
      for (let b = 0; b < batch; b++) if (inputs[b * 16] === 5) throw new Error("poisoned batch");
      const steps = options.maxRefinementSteps ?? 4;
      return {
        predictions: inputs.slice(),
        exitSteps: new Int32Array(batch).fill(steps),
        haltProbs: new Float32Array(batch),
      };
    },
  };
  return { model: model as unknown as TinyRecursiveModel, calls };
}

Deno.test({
  name: "POST /v1/solve: the entry's solveSteps is the default cap; maxSteps overrides it",
  ...opts,
  fn: async () => {
    const app = createApp({
      registry: ModelRegistry.fromModels([{ model: scripted(0).model, solveSteps: 7 }]),
      limits: { batchWindowMs: 1 },
    });
    assertEquals((await (await post(app, { puzzle: P4 })).json()).steps, 7, "default");
    assertEquals((await (await post(app, { puzzle: P4, maxSteps: 2 })).json()).steps, 2, "asked");
  },
});

Deno.test({
  name: "batching under load, a failing request does not block others, full queue is 503",
  ...opts,
  fn: async () => {
    const { model, calls } = scripted(40);
    const app = createApp({
      registry: ModelRegistry.fromModels([{ model }]),
      limits: { batchWindowMs: 10, maxBatch: 4, maxQueue: 6 },
    });
    const ok = Array.from({ length: 5 }, () => post(app, { puzzle: P4, maxSteps: 2 }));
    const poisoned = post(app, { puzzle: "4" + ".".repeat(15) });
    const responses = await Promise.all([...ok, poisoned]);
    const codes = responses.map((r) => r.status);
    assertEquals(codes, [200, 200, 200, 200, 200, 500], "statuses");
    await expectError(responses[5], 500, "internal error: poisoned batch");
    const bodies = await Promise.all(responses.slice(0, 5).map((r) => r.json()));
    assert(
      bodies.every((b) => b.steps === 2 && b.valid === false && b.problem === "cell r1c2 is blank"),
      "echoed answers are invalid, reported as is",
    );
    // Different maxSteps: 5 requests with maxSteps 2 (batches of ≤ 4) and one default-steps request.
    assert(calls.length <= 4 && Math.max(...calls) === 4, `predict batches: ${calls}`);

    // Queue cap: 2 run at once, 3 may wait, the other 3 of 8 are turned away at once.
    const busy = createApp({
      registry: ModelRegistry.fromModels([{ model: scripted(60).model }]),
      limits: { batchWindowMs: 1, maxBatch: 2, maxQueue: 3 },
    });
    const flood = await Promise.all(Array.from({ length: 8 }, () => post(busy, { puzzle: P4 })));
    const statuses = flood.map((r) => r.status).sort();
    assertEquals(statuses, [200, 200, 200, 200, 200, 503, 503, 503], "queue cap 3");
    await expectError(
      flood.find((r) => r.status === 503)!,
      503,
      "the server is busy (3 puzzles queued); retry shortly",
    );
  },
});

Deno.test({
  name: "no GPU adapter: /healthz is 503 with the advice; no models: solve is 422",
  ...opts,
  fn: async () => {
    const registry = await openRegistry({
      readFile: () => Promise.resolve(null),
      indexUrl: new URL("file:///nowhere/index.json"),
      gpu: () =>
        Promise.reject(new GpuUnavailableError("No WebGPU adapter was found. Install Mesa.")),
    });
    const app = createApp({ registry });
    const res = await app.request("/healthz");
    assertEquals(res.status, 503, "status");
    const body = await res.json();
    assertEquals([body.status, body.adapter, body.error], [
      "unavailable",
      null,
      "No WebGPU adapter was found. Install Mesa.",
    ], "body");
    assertEquals((await (await app.request("/v1/models")).json()).models, [], "no models");
    await expectError(await post(app, { puzzle: P4 }), 422, /^no model for 4×4 Sudoku yet/);
  },
});

Deno.test("limitsFromEnv reads TRM_* variables and names a bad or unbounded one", () => {
  const l = limitsFromEnv({ TRM_MAX_BATCH: "128", TRM_BATCH_WINDOW_MS: "0" });
  assertEquals([l.maxBatch, l.batchWindowMs, l.maxSteps], [128, 0, 64], "limits");
  const message = (env: Record<string, string>) => {
    try {
      limitsFromEnv(env);
    } catch (e) {
      return (e as Error).message;
    }
    return "accepted";
  };
  assertEquals(
    message({ TRM_MAX_BODY_BYTES: "lots" }),
    'TRM_MAX_BODY_BYTES must be an integer in 1..1073741824, got "lots"',
    "not a number",
  );
  assertEquals(
    message({ TRM_MAX_BODY_BYTES: "1e99" }),
    'TRM_MAX_BODY_BYTES must be an integer in 1..1073741824, got "1e99"',
    "no unbounded limit",
  );
  assertEquals(message({ TRM_MAX_BATCH: "abc" }).split(" must")[0], "TRM_MAX_BATCH", "names it");
  assertEquals(message({ TRM_DEADLINE_MS: "2.5" }).split(" must")[0], "TRM_DEADLINE_MS", "integer");
});

Deno.test({
  name:
    "cost admission: over the remaining budget is 503 with Retry-After, nothing queued; over the whole budget is 413",
  ...opts,
  fn: async () => {
    const { model, calls } = scripted(80);
    // 4×4 at maxSteps 4: 64 cell-steps a puzzle; the budget holds three.
    const app = createApp({
      registry: ModelRegistry.fromModels([{ model }]),
      limits: { batchWindowMs: 1, maxQueuedCost: 192 },
    });
    const first = post(app, { puzzles: [P4, P4B, P4], maxSteps: 4 });
    await new Promise((r) => setTimeout(r, 20));
    assertEquals(app.batcherStats().queuedCost, 192, "the first request's cost is in");
    const busy = await post(app, { puzzles: [P4], maxSteps: 4 });
    assertEquals(busy.status, 503, "busy");
    assert(Number(busy.headers.get("retry-after")) >= 1, "Retry-After in seconds");
    await expectError(
      busy,
      503,
      /^the server is busy \(192 cell-steps of work queued, limit 192\)/,
    );
    assertEquals(app.batcherStats().items + app.batcherStats().queued, 3, "nothing of it queued");
    // Cheaper steps fit once the first is done.
    assertEquals((await first).status, 200, "first");
    await expectError(
      await post(app, { puzzles: [P4, P4, P4, P4], maxSteps: 4 }),
      413,
      /^the request costs 256 cell-steps .* more than the server's limit of 192; send fewer puzzles/,
    );
    assertEquals((await post(app, { puzzles: [P4, P4, P4, P4], maxSteps: 3 })).status, 200, "fits");
    assertEquals(calls.length, 2, "two batches ran");
  },
});

Deno.test({
  name: "deadline: a request past TRM_DEADLINE_MS gets 503 and its queued puzzles are dropped",
  ...opts,
  fn: async () => {
    const { model, calls } = scripted(100);
    const app = createApp({
      registry: ModelRegistry.fromModels([{ model }]),
      limits: { batchWindowMs: 1, maxBatch: 1, deadlineMs: 50 },
    });
    const t0 = performance.now();
    const res = await post(app, { puzzles: [P4, P4B, P4], maxSteps: 2 });
    const ms = performance.now() - t0;
    await expectError(res, 503, /^the request ran past its deadline of 50 ms \(TRM_DEADLINE_MS\)/);
    assert(ms < 95, `answered at the deadline, not after the batch (${ms.toFixed(0)} ms)`);
    await new Promise((r) => setTimeout(r, 250));
    assertEquals(calls, [1], "only the puzzle already running was computed");
    const stats = app.batcherStats();
    assertEquals(
      [stats.dropped, stats.queued, stats.queuedCost],
      [2, 0, 0],
      "dropped, nothing left",
    );
  },
});

Deno.test({
  name: "a client that hangs up: its queued puzzles are never computed (in-process and over TCP)",
  ...opts,
  fn: async () => {
    const { model, calls } = scripted(60);
    const app = createApp({
      registry: ModelRegistry.fromModels([{ model }]),
      limits: { batchWindowMs: 1, maxBatch: 1 },
    });
    const body = JSON.stringify({ puzzles: [P4, P4B, P4, P4B], maxSteps: 2 });
    const gone = new AbortController();
    const req = new Request("http://x/v1/solve", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body,
      signal: gone.signal,
    });
    const pending = Promise.resolve(app.request(req));
    await new Promise((r) => setTimeout(r, 20));
    gone.abort();
    await pending.catch(() => {});
    await new Promise((r) => setTimeout(r, 150));
    assertEquals(calls.length, 1, "only the running puzzle");
    assertEquals(app.batcherStats().dropped, 3, "three dropped");

    // The same over a real connection: Deno aborts request.signal when the client leaves.
    const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, app.fetch);
    try {
      const url = `http://127.0.0.1:${server.addr.port}/v1/solve`;
      const client = new AbortController();
      const fetching = fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body,
        signal: client.signal,
      }).catch(() => {});
      await new Promise((r) => setTimeout(r, 30));
      client.abort();
      await fetching;
      await new Promise((r) => setTimeout(r, 200));
      assertEquals(calls.length, 2, "again only the running puzzle was computed");
      assertEquals(app.batcherStats().dropped, 6, "three more dropped");
      // An idle server answers a small request at once afterwards.
      const res = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ puzzle: P4 }),
      });
      assertEquals(res.status, 200, "still serving");
      await res.body?.cancel();
    } finally {
      await server.shutdown();
    }
  },
});

Deno.test({
  name:
    "a body that stalls gets 408 after TRM_BODY_TIMEOUT_MS; a client leaving mid-body logs one line",
  ...opts,
  fn: async () => {
    const { model } = scripted(0);
    const app = createApp({
      registry: ModelRegistry.fromModels([{ model }]),
      limits: { batchWindowMs: 1, bodyTimeoutMs: 100 },
    });
    const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, app.fetch);
    const warnings: string[] = [];
    const warn = console.warn, error = console.error;
    console.warn = (...a: unknown[]) => warnings.push(a.join(" "));
    console.error = (...a: unknown[]) => warnings.push(a.join(" "));
    try {
      // Raw TCP: fetch would not read the answer before it has sent the whole body.
      const send = async (head: string, body: string) => {
        const conn = await Deno.connect({ port: server.addr.port, hostname: "127.0.0.1" });
        await conn.write(new TextEncoder().encode(
          `POST /v1/solve HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${head}\r\n\r\n${body}`,
        ));
        return conn;
      };
      for (const head of ["Content-Length: 500", "Transfer-Encoding: chunked"]) {
        const body = head.includes("chunked") ? 'a\r\n{"puzzle":\r\n' : '{"puzzle":';
        const stalled = await send(head, body);
        const t0 = performance.now();
        const buf = new Uint8Array(4096);
        const n = await stalled.read(buf);
        const reply = new TextDecoder().decode(buf.subarray(0, n ?? 0));
        assert(reply.startsWith("HTTP/1.1 408"), `${head}: ${reply.split("\r\n")[0]}`);
        assert(
          reply.includes("the request body did not arrive within 100 ms (TRM_BODY_TIMEOUT_MS)"),
          "message",
        );
        assert(performance.now() - t0 < 2000, "at the timeout");
        stalled.close();
        // A client that sends half a body and closes.
        const leaving = await send(head, body);
        await new Promise((r) => setTimeout(r, 30));
        leaving.close();
        await new Promise((r) => setTimeout(r, 100));
      }
      assert(warnings.length <= 2, `one log line per departure: ${JSON.stringify(warnings)}`);
      assert(warnings.every((w) => !w.includes("\n    at ")), "no stack trace");
    } finally {
      console.warn = warn;
      console.error = error;
      await server.shutdown();
    }
  },
});

Deno.test({
  name: "HTTP conventions: 405 with Allow, 415 for a non-JSON body, OpenAPI version from deno.json",
  ...opts,
  fn: async () => {
    const app = await real();
    const get = await app.request("/v1/solve");
    assertEquals(get.headers.get("allow"), "POST", "Allow");
    await expectError(get, 405, "GET is not allowed here; use POST");
    const post405 = await app.request("/healthz", { method: "POST", body: "{}" });
    assertEquals(post405.headers.get("allow"), "GET, HEAD", "Allow on a GET route");
    await expectError(post405, 405, "POST is not allowed here; use GET");
    await expectError(
      await app.request("/v1/solve", {
        method: "POST",
        headers: { "Content-Type": "text/plain" },
        body: JSON.stringify({ puzzle: P4 }),
      }),
      415,
      /^the body must be JSON \(Content-Type: application\/json\), got text\/plain/,
    );
    const config = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
    const doc = await (await app.request("/openapi.json")).json();
    assertEquals(doc.info.version, config.version, "version");
  },
});

Deno.test({
  name: "the shipped registry: /v1/models lists every shipped model; POST a maze gets maze7's path",
  ...opts,
  fn: async () => {
    const registry = await openShippedRegistry({ gpu: await testGpu() });
    const app = createApp({ registry, limits: { batchWindowMs: 1 } });
    const index = JSON.parse(
      await Deno.readTextFile(new URL("../../models/index.json", import.meta.url)),
    );
    const models = (await (await app.request("/v1/models")).json()).models;
    assertEquals(
      models.map((m: { name: string }) => m.name).sort(),
      index.models.map((m: { name: string }) => m.name).sort(),
      "every shipped model",
    );
    const rows = (await Deno.readTextFile(new URL("../../examples/maze7.txt", import.meta.url)))
      .split("\n").slice(2, 9);
    const res = await post(app, { maze: rows.join("\n") });
    assertEquals(res.status, 200, "status");
    const r = await res.json();
    assertEquals([r.model, r.puzzle, r.solution.length], ["maze7", rows.join(""), 49], "answer");
    assert(typeof r.valid === "boolean" && (r.valid || typeof r.problem === "string"), "verdict");
    const batch = await (await post(app, { mazes: [rows.join(""), rows.join("\n")] })).json();
    assertEquals(batch.results.length, 2, "a batch of mazes");
    assertEquals(batch.results[0].solution, batch.results[1].solution, "either form, same answer");
    await expectError(
      await post(app, { maze: "#S  #\n# G#\n" }),
      400,
      /^maze: /,
    );
    await expectError(
      await post(app, { maze: rows.join("\n"), puzzle: P4 }),
      400,
      /exactly one of "puzzle", "puzzles", "maze", "mazes" or "task"/,
    );
  },
});
