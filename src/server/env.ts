/**
 * Server settings from environment variables (passed in as a plain record, so this module
 * stays free of `Deno.*`).
 *
 * @module
 */
import { DEFAULT_LIMITS, type ServerLimits } from "./schemas.ts";

/** Environment variable of each limit. */
export const LIMIT_VARIABLES: Readonly<Record<keyof ServerLimits, string>> = Object.freeze({
  maxBodyBytes: "TRM_MAX_BODY_BYTES",
  maxPuzzlesPerRequest: "TRM_MAX_PUZZLES",
  maxSteps: "TRM_MAX_STEPS",
  maxSamples: "TRM_MAX_SAMPLES",
  maxPuzzleChars: "TRM_MAX_PUZZLE_CHARS",
  maxBatch: "TRM_MAX_BATCH",
  batchWindowMs: "TRM_BATCH_WINDOW_MS",
  maxQueue: "TRM_MAX_QUEUE",
  maxQueuedCost: "TRM_MAX_QUEUED_COST",
  deadlineMs: "TRM_DEADLINE_MS",
  bodyTimeoutMs: "TRM_BODY_TIMEOUT_MS",
});

/** Bounds of each limit: beyond them a setting is a mistake, not a choice. */
const LIMIT_BOUNDS: Readonly<Record<keyof ServerLimits, [min: number, max: number]>> = {
  maxBodyBytes: [1, 1 << 30],
  maxPuzzlesPerRequest: [1, 100_000],
  maxSteps: [1, 1024],
  maxSamples: [1, 64],
  maxPuzzleChars: [1, 1_000_000],
  maxBatch: [1, 4096],
  batchWindowMs: [0, 10_000],
  maxQueue: [1, 10_000_000],
  maxQueuedCost: [1, 1e12],
  deadlineMs: [1, 3_600_000],
  bodyTimeoutMs: [1, 3_600_000],
};

/**
 * Limits with overrides from `env` (e.g. `TRM_MAX_BATCH=128`); throws a one-line error
 * naming the variable when a value is not an integer within its bounds.
 *
 * @example
 * ```ts
 * import { limitsFromEnv } from "./env.ts";
 * console.log(limitsFromEnv({ TRM_MAX_BATCH: "128" }).maxBatch); // 128
 * ```
 */
export function limitsFromEnv(env: Record<string, string | undefined>): ServerLimits {
  const limits: ServerLimits = { ...DEFAULT_LIMITS };
  for (const [key, name] of Object.entries(LIMIT_VARIABLES) as [keyof ServerLimits, string][]) {
    const text = env[name];
    if (text === undefined || text === "") continue;
    const v = Number(text);
    const [min, max] = LIMIT_BOUNDS[key];
    if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(v) || v < min || v > max) {
      throw new Error(`${name} must be an integer in ${min}..${max}, got "${text}"`);
    }
    limits[key] = v;
  }
  return limits;
}
