/**
 * `cli.ts serve`: the HTTP app of `server.ts` behind a TCP guard that closes connections
 * whose request headers are too slow (slowloris) or that sit idle between requests, which
 * `deno serve` alone does not do. The app listens on an ephemeral loopback port; only the
 * guard faces clients.
 *
 * @module
 */
import { appFromEnv } from "../host/app_env.ts";
import { guardTcp, type TcpGuard } from "../host/tcp_guard.ts";
import { KERNEL_PROFILE_VARIABLE } from "../host/kernel_profile.ts";
import { UsageError } from "./errors.ts";
import { GPU_FLAG, gpuOptions } from "./gpu_flag.ts";
import { intOption, parseOptions } from "./options.ts";

const HELP = `Usage: deno run -A cli.ts serve [--port 8000] [--host 0.0.0.0] [options]

Serves POST /v1/solve, GET /v1/models, GET /healthz, GET /openapi.json and the page at /
(the app of server.ts, configured by TRM_* variables), behind connection timeouts.

Options:
  --port N                 port to listen on (default 8000)
  --host H                 address to listen on (default 0.0.0.0: every interface)
  --header-timeout-ms N    close a connection whose request headers take longer
                           (default TRM_HEADER_TIMEOUT_MS or 10000)
  --idle-timeout-ms N      close a keep-alive connection idle this long after a response
                           (default TRM_IDLE_TIMEOUT_MS or 30000)
  --max-connections N      most open client connections (default 1024)
  --kernel-profile P       kernels to use: auto (from the adapter), cpu or gpu
                           (default TRM_KERNEL_PROFILE, else auto)`;

/** Runs `serve` until the process is stopped; returns the exit code. */
export async function run(args: string[]): Promise<number> {
  const { values } = parseOptions(args, {
    port: { type: "string" },
    host: { type: "string" },
    "header-timeout-ms": { type: "string" },
    "idle-timeout-ms": { type: "string" },
    "max-connections": { type: "string" },
    ...GPU_FLAG,
    help: { type: "boolean", short: "h" },
  }, "serve");
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const env = Deno.env.toObject();
  gpuOptions(values, env); // a bad --kernel-profile or TRM_KERNEL_PROFILE stops here
  // The app reads the profile from the environment (as under `deno serve`): the flag wins.
  const flagProfile = values["kernel-profile"];
  if (typeof flagProfile === "string") env[KERNEL_PROFILE_VARIABLE] = flagProfile;
  /** The flag, else its environment variable (as a flag value), else the default. */
  const timeout = (flag: string, variable: string, fallback: number) => {
    const fromEnv = values[flag] === undefined;
    try {
      return intOption({ [flag]: values[flag] ?? env[variable] }, flag, 1, 3_600_000) ??
        fallback;
    } catch (e) {
      if (!fromEnv) throw e;
      throw new UsageError((e as Error).message.replace(`--${flag}`, variable));
    }
  };
  const headerTimeoutMs = timeout("header-timeout-ms", "TRM_HEADER_TIMEOUT_MS", 10_000);
  const idleTimeoutMs = timeout("idle-timeout-ms", "TRM_IDLE_TIMEOUT_MS", 30_000);
  const port = intOption(values, "port", 0, 65535) ?? 8000;
  const hostname = (values.host as string | undefined) ?? "0.0.0.0";
  const maxConnections = intOption(values, "max-connections", 1, 1_000_000) ?? 1024;
  let app;
  try {
    app = await appFromEnv(env);
  } catch (error) {
    throw new UsageError((error as Error).message.split("\n")[0]);
  }
  let guard: TcpGuard | undefined;
  const backend = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    // The guard knows when a client leaves (Deno's request.signal may not): pass it on.
    (request, info) => app.fetch(request, { clientGone: guard?.clientGone(info.remoteAddr.port) }),
  );
  try {
    guard = guardTcp({
      listen: { hostname, port },
      backend: { hostname: "127.0.0.1", port: backend.addr.port },
      headerTimeoutMs,
      idleTimeoutMs,
      maxConnections,
    });
  } catch (error) {
    await backend.shutdown();
    throw new UsageError(`cannot listen on ${hostname}:${port}: ${(error as Error).message}`);
  }
  console.error(
    `serving on http://${hostname}:${guard.addr.port}/ (header timeout ${headerTimeoutMs} ms, idle timeout ${idleTimeoutMs} ms)`,
  );
  const stop = Promise.withResolvers<void>();
  const onSignal = () => stop.resolve();
  for (const s of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(s, onSignal);
  await stop.promise;
  guard.close();
  await backend.shutdown();
  return 0;
}
