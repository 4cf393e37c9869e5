/**
 * The HTTP app (Hono): `POST /v1/solve`, `GET /v1/models`, `GET /healthz`,
 * `GET /openapi.json` and the page at `GET /`. Requests are validated with zod; puzzles
 * from all concurrent requests are gathered into batched `model.predict` calls.
 *
 * No `Deno.*` here: the model registry (and its file access) is injected.
 *
 * @module
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { GpuUnavailableError } from "../gpu/device.ts";
import { CheckpointError } from "../model/checkpoint.ts";
import { formatSudokuLine, type SudokuGrid } from "../puzzles/sudoku_grid.ts";
import { parseSudoku } from "../puzzles/sudoku_parse.ts";
import {
  describeTask,
  entryTask,
  MissingModelError,
  type ModelEntry,
  type ModelRegistry,
  RegistryError,
} from "../solve/registry.ts";
import { solveSudokus, type SudokuAnswer } from "../solve/sudoku.ts";
import { Batcher, type BatcherStats, QueueFullError } from "./batcher.ts";
import { BodyError, readBodyText } from "./body.ts";
import { openApiDocument } from "./openapi.ts";
import { PAGE_HTML } from "./page.ts";
import {
  apiSchemas,
  DEFAULT_LIMITS,
  formatIssues,
  type HealthResponse,
  type ModelInfo,
  type ServerLimits,
  type SolveResult,
} from "./schemas.ts";

/** Options of {@linkcode createApp}. */
export interface CreateAppOptions {
  /** The models to serve (and the GPU they run on). */
  registry: ModelRegistry;
  /** Overrides of {@linkcode DEFAULT_LIMITS}. */
  limits?: Partial<ServerLimits>;
  /** What the "no model" error suggests besides training (default: TRM_MODEL). */
  missingModelHint?: string;
}

/**
 * The app: a Hono app (what `deno serve` and `Deno.serve` take) with its batcher's counters
 * and limits exposed.
 */
export interface TrmApp {
  /** Answers one request (the `deno serve` / `Deno.serve` handler). */
  fetch: (request: Request) => Response | Promise<Response>;
  /** Answers a request built from a path or URL (for tests: no network). */
  request: (input: string | Request | URL, init?: RequestInit) => Response | Promise<Response>;
  /** The batcher's counters. */
  batcherStats: () => BatcherStats;
  /** The limits in force. */
  limits: Readonly<ServerLimits>;
}

interface Work {
  puzzle: SudokuGrid;
  /** Upper bound of its work in cell-steps: cells × step cap × samples. */
  cost: number;
  trace: boolean;
  model: string;
  maxSteps?: number;
  haltThreshold: number;
  samples?: number;
  noise?: number;
}

interface Done {
  answer: SudokuAnswer;
  ms: number;
  batchSize: number;
  model: string;
}

/** An error a request caused or the server cannot serve, with its HTTP status. */
class HttpError extends Error {
  constructor(readonly status: 400 | 404 | 422 | 500 | 503, message: string) {
    super(message);
  }
}

function digits(grid: SudokuGrid): string {
  return formatSudokuLine(grid, { blank: "0" });
}

/** One puzzle from a request item (already shape-checked by zod), or the problem. */
function readPuzzle(raw: string | (number | null)[][]): SudokuGrid | string {
  let text: string;
  let oneLine: boolean;
  if (typeof raw === "string") {
    text = raw;
    oneLine = !raw.trim().includes("\n");
  } else {
    const n = raw.length;
    if (n !== 4 && n !== 6 && n !== 9) return `a grid has 4, 6 or 9 rows, got ${n}`;
    const bad = raw.findIndex((row) => row.length !== n);
    if (bad >= 0) {
      return `a ${n}-row grid needs ${n} cells a row; row ${bad + 1} has ${raw[bad].length}`;
    }
    text = raw.map((row) => row.map((v) => v ?? 0).join("")).join("");
    oneLine = true;
  }
  const { puzzles, errors } = parseSudoku(text);
  if (errors.length) return oneLine ? errors[0].problem : errors[0].message;
  if (puzzles.length !== 1) {
    return puzzles.length === 0
      ? "holds no puzzle"
      : `holds ${puzzles.length} puzzles; send one per item (use "puzzles" for many)`;
  }
  return puzzles[0].puzzle;
}

/**
 * Creates the app.
 *
 * @example
 * ```ts ignore
 * const app = createApp({ registry: ModelRegistry.fromModels([{ model }]) });
 * const res = await app.request("/v1/solve", { method: "POST", body: JSON.stringify({ puzzle: "1..4..2..1..4..2" }) });
 * ```
 */
export function createApp(options: CreateAppOptions): TrmApp {
  const limits: ServerLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const { registry } = options;
  const missingHint = options.missingModelHint ?? "start the server with TRM_MODEL=FILE";
  const schemas = apiSchemas(limits);
  const openApi = JSON.stringify(openApiDocument(limits));

  // Cell-steps per ms of the batches so far (what Retry-After is estimated from).
  let costPerMs = 0;
  const batcher = new Batcher<Work, Done>(async (_key, items, signal) => {
    const { model: name, maxSteps, haltThreshold, samples, noise } = items[0];
    const model = await registry.model(name);
    const t0 = performance.now();
    const answers = await solveSudokus(model, items.map((w) => w.puzzle), {
      maxSteps,
      haltThreshold,
      trace: items.some((w) => w.trace),
      samples,
      noise,
      signal,
    });
    const ms = performance.now() - t0;
    const rate = items.reduce((sum, w) => sum + w.cost, 0) / Math.max(ms, 1);
    costPerMs = costPerMs === 0 ? rate : 0.8 * costPerMs + 0.2 * rate;
    return answers.map((answer) => ({ answer, ms, batchSize: items.length, model: name }));
  }, { windowMs: limits.batchWindowMs, maxBatch: limits.maxBatch, maxQueue: limits.maxQueue });
  /** Seconds until `excess` cell-steps of queued work will have run (1..60). */
  const retryAfter = (excess: number) =>
    String(Math.min(60, Math.max(1, Math.ceil(excess / Math.max(costPerMs, 1) / 1000))));

  const app = new Hono();

  const fail = (
    c: Context,
    status: HttpError["status"] | 408 | 413,
    error: string,
    issues?: unknown,
  ) => c.json(issues ? { error, issues } : { error }, status);

  app.onError((error, c) => {
    if (error instanceof HttpError) return fail(c, error.status, error.message);
    if (error instanceof QueueFullError) {
      c.header("Retry-After", "1");
      return fail(c, 503, error.message);
    }
    if (error instanceof GpuUnavailableError) return fail(c, 503, error.message.split("\n")[0]);
    if (error instanceof RegistryError || error instanceof CheckpointError) {
      return fail(c, 500, error.message.split("\n")[0]);
    }
    console.error(error);
    return fail(
      c,
      500,
      `internal error: ${(error as Error)?.message?.split("\n")[0] ?? String(error)}`,
    );
  });

  app.notFound((c) =>
    fail(c, 404, `no route ${c.req.method} ${new URL(c.req.url).pathname}; see GET /openapi.json`)
  );

  app.get("/", (c) => {
    c.header(
      "Content-Security-Policy",
      "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:",
    );
    return c.html(PAGE_HTML);
  });

  app.get("/openapi.json", (c) => c.body(openApi, 200, { "Content-Type": "application/json" }));

  app.get("/healthz", async (c) => {
    const base = { models: registry.entries().length, batcher: batcher.stats() };
    try {
      const a = await registry.adapter();
      const adapter = {
        description: a.description,
        vendor: a.vendor,
        architecture: a.architecture,
        profile: a.profile,
        isFallbackAdapter: a.isFallbackAdapter,
      };
      return c.json({ status: "ok", adapter, ...base } satisfies HealthResponse);
    } catch (error) {
      const body: HealthResponse = {
        status: "unavailable",
        adapter: null,
        error: (error as Error).message.split("\n")[0],
        ...base,
      };
      return c.json(body, 503);
    }
  });

  app.get("/v1/models", async (c) => {
    const models: ModelInfo[] = [];
    for (const entry of registry.entries()) {
      const d = await registry.describe(entry.name);
      models.push({
        name: d.name,
        task: d.task,
        kind: d.kind,
        size: d.size,
        file: d.file,
        ...(d.description ? { description: d.description } : {}),
        ...(d.card ? { card: d.card } : {}),
        parameters: d.parameters,
        config: d.config,
        accuracy: d.accuracy ?? null,
      });
    }
    return c.json({ models });
  });

  app.post("/v1/solve", async (c) => {
    let text: string;
    try {
      text = await readBodyText(c.req.raw, {
        maxBytes: limits.maxBodyBytes,
        timeoutMs: limits.bodyTimeoutMs,
      });
    } catch (error) {
      if (!(error instanceof BodyError)) throw error;
      if (error.reason === "too-large") return fail(c, 413, error.message);
      if (error.reason === "timeout") return fail(c, 408, error.message);
      console.warn(error.message); // one line per client that left mid-body
      return fail(c, 400, error.message);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      const why = text.trim() === ""
        ? "the body is empty"
        : (error as Error).message.split("\n")[0];
      return fail(c, 400, `body is not valid JSON: ${why}`);
    }
    const parsed = schemas.SolveRequest.safeParse(body);
    if (!parsed.success) {
      const issues = formatIssues(parsed.error);
      const first = issues[0];
      return fail(c, 400, first.path ? `${first.path}: ${first.message}` : first.message, issues);
    }
    const request = parsed.data;
    const single = request.puzzle !== undefined;
    const raw = single ? [request.puzzle!] : request.puzzles!;
    const label = (i: number) => single ? "puzzle" : `puzzles[${i}]`;

    const grids: SudokuGrid[] = [];
    for (let i = 0; i < raw.length; i++) {
      const grid = readPuzzle(raw[i]);
      if (typeof grid === "string") return fail(c, 400, `${label(i)}: ${grid}`);
      grids.push(grid);
    }

    let named: ModelEntry | undefined;
    if (request.model !== undefined) {
      named = registry.find(null, request.model);
      if (!named) {
        return fail(c, 404, `unknown model "${request.model}"; GET /v1/models lists the models`);
      }
    }
    const entries: ModelEntry[] = [];
    for (let i = 0; i < grids.length; i++) {
      const task = { kind: "sudoku" as const, size: grids[i].size };
      if (named) {
        if (named.kind !== "sudoku" || named.size !== task.size) {
          return fail(
            c,
            400,
            `${label(i)}: model "${named.name}" solves ${
              describeTask(entryTask(named))
            }, this is a ${describeTask(task)}`,
          );
        }
        entries.push(named);
      } else {
        const entry = registry.find(task);
        if (!entry) return fail(c, 422, new MissingModelError(task, missingHint).message);
        entries.push(entry);
      }
    }

    const haltThreshold = request.haltThreshold ?? 0.9;
    const trace = request.trace ?? false;
    const works = grids.map((puzzle, i): Work => {
      const maxSteps = request.maxSteps ?? entries[i].solveSteps;
      const samples = request.samples ?? entries[i].solveSamples;
      return {
        puzzle,
        // A model without a step default runs its N_sup, 16 in every preset.
        cost: puzzle.size * puzzle.size * (maxSteps ?? 16) * (samples ?? 1),
        trace,
        model: entries[i].name,
        maxSteps,
        haltThreshold,
        samples,
        noise: entries[i].solveNoise,
      };
    });
    // Admission by cost, before anything is queued: all of the request or none of it.
    const cost = works.reduce((sum, w) => sum + w.cost, 0);
    if (cost > limits.maxQueuedCost) {
      return fail(
        c,
        413,
        `the request costs ${cost} cell-steps (cells × maxSteps × samples), more than the server's limit of ${limits.maxQueuedCost}; send fewer puzzles, or lower maxSteps or samples`,
      );
    }
    const load = batcher.stats();
    if (load.queued + works.length > limits.maxQueue) throw new QueueFullError(limits.maxQueue);
    if (load.queuedCost + cost > limits.maxQueuedCost) {
      c.header("Retry-After", retryAfter(load.queuedCost + cost - limits.maxQueuedCost));
      return fail(
        c,
        503,
        `the server is busy (${load.queuedCost} cell-steps of work queued, limit ${limits.maxQueuedCost}); retry after the time in Retry-After`,
      );
    }
    // The request's work is dropped when its client leaves, its deadline passes, or one
    // of its puzzles fails.
    const deadline = AbortSignal.timeout(limits.deadlineMs);
    const failed = new AbortController();
    const signal = AbortSignal.any([c.req.raw.signal, deadline, failed.signal]);
    let done: Done[];
    try {
      done = await Promise.all(works.map((work) =>
        batcher.submit(
          `${work.model}\u0000${work.maxSteps ?? ""}\u0000${haltThreshold}\u0000${
            work.samples ?? 1
          }`,
          work,
          { signal, cost: work.cost },
        )
      ));
    } catch (error) {
      failed.abort(error);
      if (deadline.aborted) {
        return fail(
          c,
          503,
          `the request ran past its deadline of ${limits.deadlineMs} ms (TRM_DEADLINE_MS); its unfinished puzzles were dropped; send fewer puzzles or a lower maxSteps`,
        );
      }
      if (c.req.raw.signal.aborted) {
        return fail(c, 400, "the client closed the connection; the request's work was dropped");
      }
      throw error;
    }
    const results = done.map(({ answer, ms, batchSize, model }): SolveResult => ({
      puzzle: digits(answer.puzzle),
      solution: digits(answer.solution),
      valid: answer.valid,
      problem: answer.problem,
      steps: answer.steps,
      halted: answer.halted,
      haltProb: answer.haltProb,
      sample: answer.sample,
      ms: Math.round(ms * 100) / 100,
      batchSize,
      model,
      ...(trace && answer.trace ? { trace: answer.trace.map(digits) } : {}),
    }));
    return c.json(single ? results[0] : { results });
  });

  return Object.assign(app, {
    batcherStats: () => batcher.stats(),
    limits: Object.freeze({ ...limits }),
  });
}
