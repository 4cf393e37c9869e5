/**
 * `POST /v1/solve`: reads the body under its size and time limits, validates it, resolves
 * each puzzle's model, admits the request by cost (all of it or none), and submits its
 * puzzles to the batcher with one signal that its client leaving, its deadline or a
 * failed puzzle aborts. Errors are {@linkcode HttpError}s that the app turns into JSON.
 *
 * @module
 */
import type { Context } from "hono";
import type { SudokuGrid } from "../puzzles/sudoku_grid.ts";
import { parseSudoku } from "../puzzles/sudoku_parse.ts";
import {
  MissingModelError,
  type ModelEntry,
  ModelMismatchError,
  type ModelRegistry,
  type ModelTask,
  UnknownModelError,
} from "../solve/registry.ts";
import { answerDigits, type SudokuAnswer, type SudokuAnswerDigits } from "../solve/sudoku.ts";
import type { MazeAnswer } from "../solve/maze.ts";
import type { ArcTaskAnswer } from "../solve/arc.ts";
import { type ArcTask, ArcTaskError, parseArcTaskValue } from "../puzzles/arc.ts";
import { arcResult } from "./arc_result.ts";
import { type BatchRequest, type BatchSolver, inThreadSolver } from "../solve/batch.ts";
import { formatMazeLine, type Maze, parseMaze } from "../puzzles/maze.ts";
import { type BatchDrops, Batcher, QueueFullError } from "./batcher.ts";
import { BodyError, readBodyText } from "./body.ts";
import {
  type ApiSchemas,
  formatIssues,
  type ServerLimits,
  type SolveRequest,
  type SolveResult,
} from "./schemas.ts";

/** An error a request caused or the server cannot serve, with its HTTP status. */
export class HttpError extends Error {
  /**
   * @param status the HTTP status
   * @param message one line for the client
   * @param extra issues (validation details) and headers (Retry-After) to send along
   */
  constructor(
    readonly status: 400 | 404 | 408 | 413 | 422 | 500 | 503,
    message: string,
    readonly extra: { issues?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = "HttpError";
  }
}

/**
 * What a host may pass as the second argument of the app's `fetch`: `clientGone` aborts
 * when the client's connection closes. Deno's own `request.signal` does not abort while a
 * request with a body of more than about 1 KB is being worked on (Deno 2.9.6: only
 * requests that arrive in one small read are watched), so `cli.ts serve`, whose TCP guard
 * sees every connection close, passes this one.
 */
export interface ServeEnv {
  /** Aborted once the client has gone. */
  clientGone?: AbortSignal;
}

/** One puzzle of a request, as the batcher runs it. */
export interface Work {
  /** A Sudoku grid, a maze (`kind: "maze"`) or an ARC task (`kind: "arc"`). */
  puzzle: SudokuGrid | (Maze & { kind: "maze" }) | (ArcTask & { kind: "arc" });
  /** Upper bound of its work in cell-steps: cells × step cap × samples × augmentations. */
  cost: number;
  trace: boolean;
  model: string;
  maxSteps?: number;
  haltThreshold: number;
  samples?: number;
  noise?: number;
  /** Sudoku: symmetries per puzzle (test-time augmentation). */
  augmentations?: number;
}

/** One puzzle answered. */
export interface Done {
  answer: SudokuAnswer | MazeAnswer | ArcTaskAnswer;
  ms: number;
  batchSize: number;
  model: string;
}

/** A maze answer's lines, as answerDigits gives a Sudoku's. */
function mazeLines(a: MazeAnswer, trace: boolean): SudokuAnswerDigits {
  return {
    puzzle: formatMazeLine(a.maze),
    solution: formatMazeLine(a.solution),
    ...(trace && a.trace ? { trace: a.trace.map(formatMazeLine) } : {}),
  };
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

/** What the route needs. */
export interface SolveRouteOptions {
  /** The models. */
  registry: ModelRegistry;
  /** Limits in force. */
  limits: ServerLimits;
  /** The request schemas for those limits. */
  schemas: ApiSchemas;
  /** What the "no model" error suggests besides training. */
  missingHint: string;
  /** Runs the batches (default: on this thread, with the registry's models). */
  solver?: BatchSolver;
}

/** The solve route: its batcher (shared by all requests) and its handler. */
export class SolveRoute {
  readonly #o: SolveRouteOptions;
  readonly #solver: BatchSolver;
  /** The batcher all requests' puzzles go through. */
  readonly batcher: Batcher<Work, Done>;
  /** Cell-steps per ms of the batches so far (what Retry-After is estimated from). */
  #costPerMs = 0;

  /** @param options registry, limits, schemas and the missing-model hint */
  constructor(options: SolveRouteOptions) {
    this.#o = options;
    const { limits } = options;
    const solver = this.#solver = options.solver ?? inThreadSolver(options.registry);
    this.batcher = new Batcher<Work, Done>(
      (_key, items, signal, drops) => this.#runBatch(items, signal, drops),
      {
        windowMs: limits.batchWindowMs,
        maxBatch: limits.maxBatch,
        maxQueue: limits.maxQueue,
        // A key starts with its model's name: with a queue per model, one lane per model.
        laneOf: solver.concurrentModels ? (key) => key.slice(0, key.indexOf("\u0000")) : undefined,
      },
    );
  }

  /** Answers one `POST /v1/solve`. */
  async handle(c: Context): Promise<Response> {
    const request = this.#parse(await this.#body(c));
    if (request.task !== undefined) {
      const work = this.#arcWork(request);
      this.#admit([work]);
      const [done] = await this.#solve(c, [work], 1);
      return c.json(arcResult(done.answer as ArcTaskAnswer, work.puzzle as ArcTask, done));
    }
    const single = request.puzzle !== undefined || request.maze !== undefined;
    const works = this.#works(request, single);
    this.#admit(works);
    const done = await this.#solve(c, works, request.haltThreshold ?? 0.9);
    const trace = request.trace ?? false;
    const results = done.map(({ answer: a, ms, batchSize, model }): SolveResult => {
      const answer = a as SudokuAnswer | MazeAnswer;
      return {
        ...("maze" in answer ? mazeLines(answer, trace) : answerDigits(answer, trace)),
        valid: answer.valid,
        problem: answer.problem,
        steps: answer.steps,
        halted: answer.halted,
        haltProb: answer.haltProb,
        sample: answer.sample,
        ...("augmentation" in answer && answer.augmentation
          ? { augmentation: answer.augmentation }
          : {}),
        ms: Math.round(ms * 100) / 100,
        batchSize,
        model,
      };
    });
    return c.json(single ? results[0] : { results });
  }

  /** The ARC task of a request as one work item: every test input × its copies. */
  #arcWork(request: SolveRequest): Work {
    let task: ArcTask;
    try {
      task = parseArcTaskValue(request.task, request.task!.name ?? "task");
    } catch (e) {
      if (e instanceof ArcTaskError) throw new HttpError(400, e.message);
      throw e;
    }
    const entry = this.#resolve({ ...task, kind: "arc" }, request.model, "task");
    const maxSteps = request.maxSteps ?? entry.solveSteps;
    const copies = request.augmentations ?? entry.solveSamples ?? 8;
    return {
      puzzle: { ...task, kind: "arc" },
      // Every copy runs all its steps (no early halting in the official ARC evaluation).
      cost: 900 * (maxSteps ?? 16) * copies * task.test.length,
      trace: false,
      model: entry.name,
      maxSteps,
      haltThreshold: 1,
      samples: copies,
    };
  }

  async #runBatch(items: Work[], signal: AbortSignal, drops: BatchDrops): Promise<Done[]> {
    const { model: name, maxSteps, haltThreshold, samples, noise, augmentations } = items[0];
    const t0 = performance.now();
    const options = { maxSteps, haltThreshold, trace: items.some((w) => w.trace), samples, noise };
    // One key, one model: a batch is all Sudoku or all mazes.
    const first = items[0].puzzle;
    const kind = "kind" in first ? first.kind : "sudoku";
    const request: BatchRequest = kind === "arc"
      ? {
        kind,
        puzzles: items.map((w) => w.puzzle as ArcTask),
        options: { augmentations: samples, maxSteps },
      }
      : kind === "maze"
      ? { kind, puzzles: items.map((w) => w.puzzle as Maze), options }
      : {
        kind: "sudoku",
        puzzles: items.map((w) => w.puzzle as SudokuGrid),
        options: { ...options, augment: augmentations },
      };
    const answers = await this.#solver.solve(name, request, signal, drops);
    const ms = performance.now() - t0;
    const rate = items.reduce((sum, w) => sum + w.cost, 0) / Math.max(ms, 1);
    this.#costPerMs = this.#costPerMs === 0 ? rate : 0.8 * this.#costPerMs + 0.2 * rate;
    return answers.map((answer) => ({ answer, ms, batchSize: items.length, model: name }));
  }

  /** The body text, under the size and time limits. */
  async #body(c: Context): Promise<string> {
    const { limits } = this.#o;
    try {
      return await readBodyText(c.req.raw, {
        maxBytes: limits.maxBodyBytes,
        timeoutMs: limits.bodyTimeoutMs,
      });
    } catch (error) {
      if (!(error instanceof BodyError)) throw error;
      if (error.reason === "too-large") throw new HttpError(413, error.message);
      if (error.reason === "timeout") throw new HttpError(408, error.message);
      console.warn(error.message); // one line per client that left mid-body
      throw new HttpError(400, error.message);
    }
  }

  #parse(text: string): SolveRequest {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      const why = text.trim() === ""
        ? "the body is empty"
        : (error as Error).message.split("\n")[0];
      throw new HttpError(400, `body is not valid JSON: ${why}`);
    }
    const parsed = this.#o.schemas.SolveRequest.safeParse(body);
    if (!parsed.success) {
      const issues = formatIssues(parsed.error);
      const first = issues[0];
      throw new HttpError(400, first.path ? `${first.path}: ${first.message}` : first.message, {
        issues,
      });
    }
    return parsed.data;
  }

  /** Each puzzle with its model, step cap, samples and cost. */
  #works(request: SolveRequest, single: boolean): Work[] {
    const isMaze = request.maze !== undefined || request.mazes !== undefined;
    if (isMaze && request.augmentations !== undefined) {
      throw new HttpError(
        400,
        '"augmentations" applies to Sudoku puzzles and ARC tasks, not mazes',
      );
    }
    const field = isMaze ? (single ? "maze" : "mazes") : (single ? "puzzle" : "puzzles");
    const label = (i: number) => single ? field : `${field}[${i}]`;
    const grids: (SudokuGrid | (Maze & { kind: "maze" }))[] = isMaze
      ? (single ? [request.maze!] : request.mazes!).map((text, i) => {
        try {
          return { ...parseMaze(text), kind: "maze" as const };
        } catch (e) {
          throw new HttpError(400, `${label(i)}: ${(e as Error).message}`);
        }
      })
      : (single ? [request.puzzle!] : request.puzzles!).map((item, i) => {
        const grid = readPuzzle(item);
        if (typeof grid === "string") throw new HttpError(400, `${label(i)}: ${grid}`);
        return grid;
      });
    const entries = grids.map((g, i) => this.#resolve(g, request.model, label(i)));
    const haltThreshold = request.haltThreshold ?? 0.9;
    const trace = request.trace ?? false;
    return grids.map((puzzle, i): Work => {
      const maxSteps = request.maxSteps ?? entries[i].solveSteps;
      const samples = request.samples ?? entries[i].solveSamples;
      const augmentations = isMaze
        ? undefined
        : request.augmentations ?? entries[i].solveAugmentations;
      return {
        puzzle,
        // A model without a step default runs its N_sup, 16 in every preset.
        cost: puzzle.size * puzzle.size * (maxSteps ?? 16) * (samples ?? 1) * (augmentations ?? 1),
        augmentations,
        trace,
        model: entries[i].name,
        maxSteps,
        haltThreshold,
        samples,
        noise: entries[i].solveNoise,
      };
    });
  }

  #resolve(grid: Work["puzzle"], name: string | undefined, label: string): ModelEntry {
    try {
      const task: ModelTask = !("kind" in grid)
        ? { kind: "sudoku", size: grid.size }
        : grid.kind === "arc"
        ? { kind: "arc", size: 30 }
        : { kind: "maze", size: grid.size };
      return this.#o.registry.resolve(task, name);
    } catch (error) {
      if (error instanceof UnknownModelError) {
        throw new HttpError(404, `${error.message}; GET /v1/models lists the models`);
      }
      if (error instanceof ModelMismatchError) {
        throw new HttpError(400, `${label}: ${error.message}`);
      }
      if (error instanceof MissingModelError) {
        throw new HttpError(422, new MissingModelError(error.task, this.#o.missingHint).message);
      }
      throw error;
    }
  }

  /** Admission by cost, before anything is queued: all of the request or none of it. */
  #admit(works: Work[]): void {
    const { limits } = this.#o;
    const cost = works.reduce((sum, w) => sum + w.cost, 0);
    if (cost > limits.maxQueuedCost) {
      throw new HttpError(
        413,
        `the request costs ${cost} cell-steps (cells × maxSteps × samples × augmentations), more than the server's limit of ${limits.maxQueuedCost}; send fewer puzzles, or lower maxSteps, samples or augmentations`,
      );
    }
    const load = this.batcher.stats();
    if (load.queued + works.length > limits.maxQueue) throw new QueueFullError(limits.maxQueue);
    if (load.queuedCost + cost > limits.maxQueuedCost) {
      const excess = load.queuedCost + cost - limits.maxQueuedCost;
      // Seconds until the excess will have run, at the rate measured so far (1..60).
      const seconds = Math.ceil(excess / Math.max(this.#costPerMs, 1) / 1000);
      throw new HttpError(
        503,
        `the server is busy (${load.queuedCost} cell-steps of work queued, limit ${limits.maxQueuedCost}); retry after the time in Retry-After`,
        { headers: { "Retry-After": String(Math.min(60, Math.max(1, seconds))) } },
      );
    }
  }

  /**
   * Submits the puzzles; the request's work is dropped when its client leaves, its
   * deadline passes, or one of its puzzles fails.
   */
  async #solve(c: Context, works: Work[], haltThreshold: number): Promise<Done[]> {
    const { limits } = this.#o;
    const deadline = AbortSignal.timeout(limits.deadlineMs);
    const failed = new AbortController();
    const env = c.env as ServeEnv | undefined;
    const gone = env?.clientGone instanceof AbortSignal ? env.clientGone : undefined;
    const clientLeft = gone ? AbortSignal.any([c.req.raw.signal, gone]) : c.req.raw.signal;
    const signal = AbortSignal.any([clientLeft, deadline, failed.signal]);
    try {
      return await Promise.all(works.map((work) =>
        this.batcher.submit(
          `${work.model}\u0000${work.maxSteps ?? ""}\u0000${haltThreshold}\u0000${
            work.samples ?? 1
          }\u0000${work.augmentations ?? 1}`,
          work,
          // One group per request: batches take requests' puzzles in turn.
          { signal, cost: work.cost, group: signal },
        )
      ));
    } catch (error) {
      failed.abort(error);
      if (deadline.aborted) {
        throw new HttpError(
          503,
          `the request ran past its deadline of ${limits.deadlineMs} ms (TRM_DEADLINE_MS); its unfinished puzzles were dropped; send fewer puzzles or a lower maxSteps`,
        );
      }
      if (clientLeft.aborted) {
        throw new HttpError(
          400,
          "the client closed the connection; the request's work was dropped",
        );
      }
      throw error;
    }
  }
}
