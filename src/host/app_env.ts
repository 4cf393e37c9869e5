/**
 * The HTTP app as the environment describes it: the shipped models plus `TRM_MODEL`
 * checkpoints, and the `TRM_*` limits. Shared by `server.ts` (`deno serve`) and
 * `cli.ts serve`.
 *
 * @module
 */
import { createApp, type TrmApp } from "../server/app.ts";
import { limitsFromEnv } from "../server/env.ts";
import { openRegistry } from "../solve/registry.ts";
import { readFileOrNull, SHIPPED_INDEX } from "./files.ts";

/** Builds the app from `env`; throws a one-line Error for a bad setting or model file. */
export async function appFromEnv(env: Record<string, string | undefined>): Promise<TrmApp> {
  const limits = limitsFromEnv(env);
  const extra = (env.TRM_MODEL ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const registry = await openRegistry({
    readFile: readFileOrNull,
    indexUrl: SHIPPED_INDEX,
    modelFiles: extra.map((file) => new URL(file, `file://${Deno.cwd()}/`)),
    missingHint: "start the server with TRM_MODEL=FILE",
  });
  return createApp({ registry, limits });
}
