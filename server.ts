/**
 * The HTTP server: `deno serve -A server.ts` (add `--port 8000 --host 127.0.0.1` as needed).
 * Deno's server has no header or idle timeouts; `deno run -A cli.ts serve` puts a TCP guard
 * with both in front of the same app (use it where clients are not trusted).
 *
 * Serves the shipped models (`models/index.json`); `TRM_MODEL=a.safetensors,b.safetensors`
 * adds checkpoints (they win for their puzzle size). Limits come from `TRM_MAX_BATCH`,
 * `TRM_BATCH_WINDOW_MS`, `TRM_MAX_BODY_BYTES`, `TRM_MAX_QUEUED_COST`, `TRM_DEADLINE_MS`,
 * `TRM_BODY_TIMEOUT_MS`, … (see src/server/env.ts); a bad value stops the server at start
 * with a one-line error. Routes:
 * `POST /v1/solve`, `GET /v1/models`, `GET /healthz`, `GET /openapi.json`, `GET /`.
 *
 * @module
 */
import { appFromEnv } from "./src/host/app_env.ts";

/** The app from the environment; a bad setting or model is one line and exit 1. */
async function start() {
  try {
    return await appFromEnv(Deno.env.toObject());
  } catch (error) {
    console.error(`error: ${(error as Error)?.message?.split("\n")[0] ?? error}`);
    if (Deno.env.get("TRM_DEBUG")) console.error(error);
    Deno.exit(1);
  }
}

const app = await start();

// `deno serve` stops on SIGTERM or SIGINT, but the solve workers would keep the process
// alive: let running puzzles finish (up to 10 s), stop the workers, and exit.
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  try {
    Deno.addSignalListener(signal, () => {
      // A moment for the last responses to be written.
      app.close().finally(() => setTimeout(() => Deno.exit(0), 100));
    });
  } catch { /* a platform without this signal (SIGTERM on Windows) */ }
}

/** The app `deno serve` runs. */
export default app;
