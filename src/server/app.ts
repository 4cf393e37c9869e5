/**
 * The HTTP app (Hono): `POST /v1/solve`, `GET /v1/models`, `GET /healthz`,
 * `GET /openapi.json`, the page at `GET /`, and — with {@linkcode WebAssets} — the page's
 * browser bundle (`GET /trm.js`) and the shipped models (`GET /models/index.json`,
 * `GET /models/NAME.safetensors`) it solves with in the visitor's browser. Requests are
 * validated with zod; puzzles from all concurrent requests are gathered into batched
 * `model.predict` calls.
 *
 * No `Deno.*` here: the model registry (and its file access) is injected.
 *
 * @module
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { GpuUnavailableError } from "../gpu/device.ts";
import { CheckpointError } from "../model/checkpoint.ts";
import { type ModelRegistry, RegistryError } from "../solve/registry.ts";
import type { BatchSolver } from "../solve/batch.ts";
import { type BatcherStats, QueueFullError } from "./batcher.ts";
import { openApiDocument } from "./openapi.ts";
import { PAGE_HTML } from "./page.ts";
import { type WebAssets, webRoutes } from "./web_routes.ts";
import {
  apiSchemas,
  DEFAULT_LIMITS,
  type HealthResponse,
  type ModelInfo,
  type ServerLimits,
} from "./schemas.ts";
import { HttpError, type ServeEnv, SolveRoute } from "./solve_route.ts";

export type { ServeEnv };

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** An RFC 9457 problem-details response (with `error` = `detail` for older clients). */
function problem(c: Context, status: number, detail: string, issues?: unknown): Response {
  const body = {
    type: "about:blank",
    title: STATUS_TEXT[status] ?? "Error",
    status,
    detail,
    error: detail,
    ...(issues ? { issues } : {}),
  };
  return c.body(JSON.stringify(body), status as 400, {
    "Content-Type": "application/problem+json",
  });
}

/** Options of {@linkcode createApp}. */
export interface CreateAppOptions {
  /** The models to serve (and the GPU they run on). */
  registry: ModelRegistry;
  /** Overrides of {@linkcode DEFAULT_LIMITS}. */
  limits?: Partial<ServerLimits>;
  /** What the "no model" error suggests besides training (default: TRM_MODEL). */
  missingModelHint?: string;
  /** The bundle and model files the page needs to solve in the browser (none: server only). */
  web?: WebAssets;
  /**
   * Runs the batches (default: on this thread with the registry's models). The doors pass
   * a worker-per-model solver (`src/host/worker_solver.ts`), so that models run side by side.
   */
  solver?: BatchSolver;
}

/**
 * The app: a Hono app (what `deno serve` and `Deno.serve` take) with its batcher's counters
 * and limits exposed.
 */
export interface TrmApp {
  /**
   * Answers one request (the `deno serve` / `Deno.serve` handler). A host may pass a
   * {@linkcode ServeEnv} second (`Deno.serve`'s handler info is accepted and ignored).
   */
  fetch: (request: Request, env?: ServeEnv | object) => Response | Promise<Response>;
  /** Answers a request built from a path or URL (for tests: no network). */
  request: (input: string | Request | URL, init?: RequestInit) => Response | Promise<Response>;
  /** The batcher's counters. */
  batcherStats: () => BatcherStats;
  /** The limits in force. */
  limits: Readonly<ServerLimits>;
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

  const solve = new SolveRoute({ registry, limits, schemas, missingHint, solver: options.solver });
  const batcher = solve.batcher;

  const app = new Hono();

  const fail = (
    c: Context,
    status: HttpError["status"] | 405 | 415,
    error: string,
    issues?: unknown,
  ) => problem(c, status, error, issues);

  app.onError((error, c) => {
    if (error instanceof HttpError) {
      for (const [name, value] of Object.entries(error.extra.headers ?? {})) c.header(name, value);
      return fail(c, error.status, error.message, error.extra.issues);
    }
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

  // A known path with the wrong method: 405 and the methods it takes.
  const ROUTES: Record<string, string> = {
    "/": "GET, HEAD",
    "/openapi.json": "GET, HEAD",
    "/healthz": "GET, HEAD",
    "/v1/models": "GET, HEAD",
    "/v1/solve": "POST",
    "/trm.js": "GET, HEAD",
  };
  app.use(async (c, next) => {
    const allow = ROUTES[new URL(c.req.url).pathname];
    const method = c.req.method === "HEAD" ? "GET" : c.req.method;
    if (allow && !allow.split(", ").includes(method)) {
      c.header("Allow", allow);
      return fail(c, 405, `${c.req.method} is not allowed here; use ${allow.split(", ")[0]}`);
    }
    if (c.req.method === "POST") {
      const type = (c.req.header("content-type") ?? "").split(";")[0].trim().toLowerCase();
      if (type !== "" && type !== "application/json" && !type.endsWith("+json")) {
        return fail(
          c,
          415,
          `the body must be JSON (Content-Type: application/json), got ${type}; with curl add -H 'Content-Type: application/json'`,
        );
      }
    }
    await next();
  });

  app.notFound((c) =>
    fail(c, 404, `no route ${c.req.method} ${new URL(c.req.url).pathname}; see GET /openapi.json`)
  );

  app.get("/", (c) => {
    // 'self' scripts: the page imports /trm.js to solve on the visitor's WebGPU.
    c.header(
      "Content-Security-Policy",
      "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:",
    );
    // Start building the bundle now: the page asks for it right after it loads.
    options.web?.bundle().catch(() => {});
    return c.html(PAGE_HTML);
  });

  if (options.web) webRoutes(app, options.web, (c, detail) => fail(c, 404, detail));

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

  app.post("/v1/solve", (c) => solve.handle(c));

  return Object.assign(app, {
    batcherStats: () => batcher.stats(),
    limits: Object.freeze({ ...limits }),
  });
}
