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
});

/**
 * Limits with overrides from `env` (e.g. `TRM_MAX_BATCH=128`); throws naming the variable
 * when a value is not a non-negative integer.
 *
 * @example
 * ```ts ignore
 * const limits = limitsFromEnv(Deno.env.toObject());
 * ```
 */
export function limitsFromEnv(env: Record<string, string | undefined>): ServerLimits {
  const limits: ServerLimits = { ...DEFAULT_LIMITS };
  for (const [key, name] of Object.entries(LIMIT_VARIABLES) as [keyof ServerLimits, string][]) {
    const text = env[name];
    if (text === undefined || text === "") continue;
    const v = Number(text);
    const min = key === "batchWindowMs" ? 0 : 1;
    if (!Number.isInteger(v) || v < min) {
      throw new Error(`${name} must be an integer ≥ ${min}, got "${text}"`);
    }
    limits[key] = v;
  }
  return limits;
}
