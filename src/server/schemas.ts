/**
 * The HTTP API's zod schemas: requests are validated with them and `GET /openapi.json` is
 * generated from them, so the documentation cannot drift from the checks. Limits (batch
 * size, steps) are part of the schemas.
 *
 * @module
 */
import { z } from "zod";
import { ModelConfigSchema } from "../model/config.ts";
import { ModelAccuracySchema } from "../solve/registry.ts";

/** Caps and timings of the server. */
export interface ServerLimits {
  /** Largest request body in bytes (413 beyond). */
  maxBodyBytes: number;
  /** Most puzzles in one request. */
  maxPuzzlesPerRequest: number;
  /** Largest `maxSteps` a request may ask for. */
  maxSteps: number;
  /** Most trajectories per puzzle (`samples`) a request may ask for; each multiplies its cost. */
  maxSamples: number;
  /** Most characters of one puzzle string. */
  maxPuzzleChars: number;
  /** Most puzzles per `model.predict` call. */
  maxBatch: number;
  /** How long a batch waits for company (ms). */
  batchWindowMs: number;
  /** Most puzzles waiting for the GPU (503 beyond). */
  maxQueue: number;
  /**
   * Most work queued or running, in cell-steps (cells × step cap × samples, summed over
   * puzzles): a request that would go beyond it gets 503 with Retry-After before any of it
   * is queued; one that alone exceeds it gets 413.
   */
  maxQueuedCost: number;
  /** A request still unanswered after this many ms ends with 503 and its work is dropped. */
  deadlineMs: number;
  /** A request body not received within this many ms gets 408. */
  bodyTimeoutMs: number;
}

/** Defaults: a 9×9 batch of 64 fits any GPU; 64 KiB holds 64 puzzles in any text form. */
export const DEFAULT_LIMITS: Readonly<ServerLimits> = Object.freeze({
  maxBodyBytes: 64 * 1024,
  maxPuzzlesPerRequest: 64,
  maxSteps: 64,
  maxSamples: 16,
  maxPuzzleChars: 1000,
  maxBatch: 64,
  batchWindowMs: 4,
  maxQueue: 4096,
  // About 40 s of 9×9 work on a CPU adapter (25k cell-steps/s measured there).
  maxQueuedCost: 1_000_000,
  deadlineMs: 30_000,
  bodyTimeoutMs: 10_000,
});

function describeBadPuzzle(input: unknown): string {
  const expected = "expected a string of digits or a grid (array of rows of 0..9 or null)";
  if (typeof input === "string") return `${expected}; the string is empty or too long`;
  if (!Array.isArray(input)) return `${expected}, got ${input === null ? "null" : typeof input}`;
  if (input.length === 0) return `${expected}, got an empty array`;
  if (input.length > 9) return `a grid has at most 9 rows, got ${input.length}`;
  for (let r = 0; r < input.length; r++) {
    const row = input[r];
    if (!Array.isArray(row)) return `row ${r + 1} is not an array`;
    if (row.length > 9) return `row ${r + 1} has ${row.length} cells; at most 9`;
    for (let c = 0; c < row.length; c++) {
      const v = row[c];
      if (!(v === null || (Number.isInteger(v) && v >= 0 && v <= 9))) {
        return `row ${r + 1}, column ${c + 1}: ${
          JSON.stringify(v) ?? String(v)
        } is not a digit 0..9 or null`;
      }
    }
  }
  return expected;
}

/** The schemas of every request and response, for given limits. */
export function apiSchemas(limits: ServerLimits = DEFAULT_LIMITS) {
  const Cell = z.union([z.number().int().min(0).max(9), z.null()]).meta({
    description: "0 or null for a blank, 1..size for a digit",
  });
  const Puzzle = z.union([
    z.string().min(1).max(limits.maxPuzzleChars).meta({
      description: "one line of 16, 36 or 81 digits (0 or . blank), or a grid with one row a line",
      examples: ["1..4..2..1..4..2", "1 . | . 4\n. . | 2 .\n----+----\n. 1 | . .\n4 . | . 1"],
    }),
    z.array(z.array(Cell).max(9)).min(1).max(9).meta({ description: "rows of cells" }),
  ], { error: (issue) => describeBadPuzzle(issue.input) });

  const Maze = z.string().min(4).max(limits.maxPuzzleChars).meta({
    description:
      "a maze: N lines of N characters, or one line of N² (`#` wall, space open, `S` start, `G` goal)",
    examples: ["#####\n#S  #\n# # #\n#  G#\n#####"],
  });

  // The shape only: parseArcTaskValue checks the grids (rows, colours, sizes) with
  // one-line messages that name the pair.
  const ArcTaskBody = z.object({
    train: z.array(z.unknown()).min(1).max(limits.maxPuzzlesPerRequest),
    test: z.array(z.unknown()).min(1).max(limits.maxPuzzlesPerRequest),
    name: z.string().max(100).optional(),
  }).meta({
    description:
      'an ARC task: {"train": [{"input": rows, "output": rows}…], "test": [{"input": rows}…]}, rows of colours 0–9, at most 30×30',
  });

  const SolveRequest = z.object({
    puzzle: Puzzle.optional(),
    puzzles: z.array(Puzzle).min(1).max(limits.maxPuzzlesPerRequest).optional(),
    maze: Maze.optional(),
    mazes: z.array(Maze).min(1).max(limits.maxPuzzlesPerRequest).optional(),
    task: ArcTaskBody.optional(),
    augmentations: z.number().int().min(1).max(limits.maxSamples).optional().meta({
      description:
        "Sudoku: symmetries per puzzle (the puzzle as given and the rest random relabellings/permutations; the answer the halting head is most confident in is kept; default 1). ARC: augmented copies per test input that vote (default 8). At most TRM_MAX_SAMPLES",
    }),
    model: z.string().min(1).max(100).optional().meta({
      description: "a model name from GET /v1/models (default: the model for the puzzle's size)",
    }),
    maxSteps: z.number().int().min(1).max(limits.maxSteps).optional().meta({
      description: "cap on supervision steps (default: the model's)",
    }),
    haltThreshold: z.number().min(0).max(1).optional().meta({
      description: "halt once sigmoid(q_halt) exceeds this (default 0.9; 1 never halts early)",
    }),
    samples: z.number().int().min(1).max(limits.maxSamples).optional().meta({
      description:
        "trajectories per puzzle, all but one with noise on the latent; the answer is the one the model's halting head is most confident in (default: the model's, usually 1)",
    }),
    trace: z.boolean().optional().meta({
      description: "include the answer after every supervision step",
    }),
  }).strict().refine(
    (r) =>
      [r.puzzle, r.puzzles, r.maze, r.mazes, r.task].filter((v) => v !== undefined).length === 1,
    { message: 'give exactly one of "puzzle", "puzzles", "maze", "mazes" or "task"' },
  ).meta({
    description:
      "One Sudoku (`puzzle`) or a batch (`puzzles`), one maze (`maze`) or a batch (`mazes`), or an ARC task (`task`).",
  });

  const ArcGridRows = z.array(z.array(z.number().int())).meta({ description: "rows of colours" });
  const ArcSolveResult = z.object({
    task: z.string().meta({ description: "the task's name" }),
    model: z.string(),
    copies: z.number().int().meta({ description: "augmented copies run per test input" }),
    trainedIds: z.boolean().meta({
      description:
        "the copies used the task's trained puzzle embeddings (false: an unseen task, blank id)",
    }),
    steps: z.number().int().meta({ description: "supervision steps each copy ran" }),
    ms: z.number(),
    tests: z.array(z.object({
      attempts: z.array(ArcGridRows).meta({ description: "the two top-voted answers" }),
      candidates: z.array(z.object({
        grid: ArcGridRows,
        votes: z.number().int(),
        meanConfidence: z.number(),
      })).meta({ description: "distinct answers, most votes first (at most 5)" }),
      matches: z.boolean().optional().meta({
        description: "when the task gave this test's output: whether an attempt equals it",
      }),
    })),
  });

  const SolveResult = z.object({
    puzzle: z.string().meta({
      description: "the puzzle, one line: Sudoku digits (0 = blank), or the maze's N² characters",
    }),
    solution: z.string().meta({
      description:
        "the model's answer, one line: digits (0 = left blank), or the maze with `o` on its path",
    }),
    valid: z.boolean().meta({
      description:
        "Sudoku: keeps the givens and breaks no rule; maze: marks a shortest S→G path and changes nothing else",
    }),
    problem: z.string().nullable().meta({ description: "why the answer is invalid" }),
    steps: z.number().int().meta({ description: "supervision steps run" }),
    halted: z.boolean().meta({ description: "the halting head stopped it before the step cap" }),
    haltProb: z.number().meta({ description: "halting probability at the exit step" }),
    sample: z.number().int().meta({ description: "which trajectory answered (0 = the plain one)" }),
    augmentation: z.number().int().optional().meta({
      description: "Sudoku with augmentations: which symmetry answered (0 = the puzzle as given)",
    }),
    ms: z.number().meta({ description: "model time of the batch this puzzle ran in" }),
    batchSize: z.number().int().meta({ description: "puzzles in that batch (from all requests)" }),
    model: z.string(),
    trace: z.array(z.string()).optional().meta({ description: "the answer after each step" }),
  });

  const SolveBatchResponse = z.object({ results: z.array(SolveResult) });

  // RFC 9457 problem details, with `error` (= detail) kept for clients of the first API.
  const ErrorResponse = z.object({
    type: z.string().meta({ description: 'always "about:blank": the status says it all' }),
    title: z.string().meta({ description: "the HTTP status text" }),
    status: z.number().int(),
    detail: z.string().meta({ description: "one line naming the problem and what to do" }),
    error: z.string().meta({ description: "the same line as detail" }),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  });

  const ModelInfo = z.object({
    name: z.string(),
    task: z.string().meta({ description: "sudoku4, sudoku6, sudoku9, maze or arc" }),
    kind: z.enum(["sudoku", "maze", "arc"]),
    size: z.number().int(),
    file: z.string(),
    description: z.string().optional(),
    card: z.string().optional(),
    parameters: z.number().int(),
    config: ModelConfigSchema,
    accuracy: ModelAccuracySchema.nullable().meta({
      description: "measured accuracy; null until measured",
    }),
  });

  const ModelsResponse = z.object({ models: z.array(ModelInfo) });

  const HealthResponse = z.object({
    status: z.enum(["ok", "unavailable"]),
    adapter: z.object({
      description: z.string(),
      vendor: z.string(),
      architecture: z.string(),
      profile: z.enum(["cpu", "gpu"]),
      isFallbackAdapter: z.boolean(),
    }).nullable(),
    error: z.string().optional(),
    models: z.number().int(),
    batcher: z.object({
      queued: z.number().int(),
      queuedCost: z.number().int(),
      dropped: z.number().int().meta({
        description: "puzzles dropped before they ran: their client left or their deadline passed",
      }),
      abortedBatches: z.number().int(),
      batches: z.number().int(),
      items: z.number().int(),
      largestBatch: z.number().int(),
    }),
  });

  return {
    Puzzle,
    SolveRequest,
    SolveResult,
    SolveBatchResponse,
    ArcSolveResult,
    ErrorResponse,
    ModelInfo,
    ModelsResponse,
    HealthResponse,
  };
}

/** The schemas' types. */
export type ApiSchemas = ReturnType<typeof apiSchemas>;
/** A validated `POST /v1/solve` body. */
export type SolveRequest = z.infer<ApiSchemas["SolveRequest"]>;
/** One answer of `POST /v1/solve`. */
export type SolveResult = z.infer<ApiSchemas["SolveResult"]>;
/** The answer of `POST /v1/solve` for an ARC task. */
export type ArcSolveResult = z.infer<ApiSchemas["ArcSolveResult"]>;
/** `GET /v1/models` entry. */
export type ModelInfo = z.infer<ApiSchemas["ModelInfo"]>;
/** `GET /healthz`. */
export type HealthResponse = z.infer<ApiSchemas["HealthResponse"]>;

/** Formats zod issues as "field.path: message" lines (the first is the 400's `error`). */
export function formatIssues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((i) => {
    let path = "";
    for (const p of i.path) {
      path += typeof p === "number" ? `[${p}]` : path ? `.${String(p)}` : String(p);
    }
    return { path, message: i.message };
  });
}
