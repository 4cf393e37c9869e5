/**
 * The HTTP app as the environment describes it: the shipped models plus `TRM_MODEL`
 * checkpoints, and the `TRM_*` limits. Shared by `server.ts` (`deno serve`) and
 * `cli.ts serve`.
 *
 * @module
 */
import { Gpu } from "../gpu/gpu.ts";
import { createApp, type TrmApp } from "../server/app.ts";
import { limitsFromEnv } from "../server/env.ts";
import { openRegistry } from "../solve/registry.ts";
import { readFileOrNull, SHIPPED_INDEX } from "./files.ts";
import { kernelProfileFromEnv } from "./kernel_profile.ts";
import { shippedWebAssets } from "./web_assets.ts";
import { WorkerSolver } from "./worker_solver.ts";

/**
 * Whether batches run on a worker per model (`TRM_WORKERS`, default on): `1`/`true` or
 * `0`/`false`; anything else is a one-line error.
 */
export function workersFromEnv(value: string | undefined): boolean {
  const v = (value ?? "1").trim().toLowerCase();
  if (v === "1" || v === "true") return true;
  if (v === "0" || v === "false") return false;
  throw new Error(`TRM_WORKERS must be 1 or 0 (true or false), got "${value}"`);
}

/** The app of the doors, with a way to stop its solve workers. */
export type HostApp = TrmApp & {
  /**
   * Waits (at most `graceMs`) for queued and running puzzles to finish, then stops the
   * solve workers, which otherwise keep the process alive after the server has stopped.
   */
  close(graceMs?: number): Promise<void>;
};

/** Builds the app from `env`; throws a one-line Error for a bad setting or model file. */
export async function appFromEnv(env: Record<string, string | undefined>): Promise<HostApp> {
  const limits = limitsFromEnv(env);
  const workers = workersFromEnv(env.TRM_WORKERS);
  const profile = kernelProfileFromEnv(env);
  const extra = (env.TRM_MODEL ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const modelFiles = extra.map((file) => new URL(file, `file://${Deno.cwd()}/`));
  const registry = await openRegistry({
    readFile: readFileOrNull,
    indexUrl: SHIPPED_INDEX,
    modelFiles,
    missingHint: "start the server with TRM_MODEL=FILE",
    gpu: () => Gpu.create({ profile }),
  });
  // Each model on its own worker and GPU queue, so models run side by side (TRM_WORKERS=0:
  // all on this thread).
  const solver = workers
    ? new WorkerSolver({ indexUrl: SHIPPED_INDEX, modelFiles, profile })
    : undefined;
  const app = createApp({ registry, limits, web: shippedWebAssets(), solver });
  return Object.assign(app, {
    async close(graceMs = 10_000) {
      const end = performance.now() + graceMs;
      while (performance.now() < end && app.batcherStats().queuedCost > 0) {
        await new Promise((r) => setTimeout(r, 50));
      }
      await solver?.close();
    },
  });
}
