/**
 * Load test of the HTTP server: starts `deno serve server.ts` on 127.0.0.1 (only), drives
 * `POST /v1/solve` from 1, 8 and 32 concurrent clients, and reports solves/s, p50/p99
 * latency, errors and the mean batch size the server formed. Each level is bounded in
 * requests and in time. Without `--model` it saves a tiny untrained 4×4 model to a temp
 * file (answers are invalid; throughput is what is measured).
 *
 *   deno run -A tools/load_test.ts [--model FILE] [--levels 1,8,32] [--seconds 20]
 *     [--max-requests 400] [--max-steps N] [--size 4|6|9] [--json]
 *
 * @module
 */
import { parseArgs } from "node:util";
import { presets } from "../src/model/config.ts";
import { saveModel } from "../src/model/checkpoint.ts";
import { TinyRecursiveModel } from "../src/model/model.ts";
import { generateSudoku } from "../src/puzzles/sudoku_generate.ts";
import { formatSudokuLine, type SudokuSize } from "../src/puzzles/sudoku_grid.ts";

const HELP = `Usage: deno run -A tools/load_test.ts [options]

Options:
  --model FILE        checkpoint to serve (default: a tiny untrained 4×4 model, D=16)
  --arch A            the tiny model's mixer: mlp (the sudoku4 preset's) or attention (default mlp)
  --levels LIST       concurrent clients per level (default 1,8,32)
  --seconds S         time bound per level (default 20)
  --max-requests N    request bound per level (default 400)
  --warmup N          untimed rounds (one burst per level) before measuring (default 1)
  --max-steps N       supervision-step cap sent with each request (default: the model's)
  --size N            Sudoku size of the puzzles (default: 4, or the model's)
  --batch-window MS   server batch window (TRM_BATCH_WINDOW_MS, default the server's)
  --max-batch N       server batch cap (TRM_MAX_BATCH, default the server's)
  --json              print one JSON object at the end`;

interface LevelResult {
  clients: number;
  requests: number;
  errors: number;
  seconds: number;
  solvesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  meanBatch: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function waitHealthy(
  base: string,
  child: Deno.ChildProcess,
  timeoutMs: number,
): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child.status.then(() => exited = true);
  while (Date.now() < deadline) {
    if (exited) throw new Error("the server exited before it became healthy");
    try {
      const res = await fetch(`${base}/healthz`);
      const body = await res.json();
      if (res.ok) return body;
      throw new Error(`healthz: ${JSON.stringify(body)}`);
    } catch (error) {
      if (error instanceof Error && error.message.startsWith("healthz:")) throw error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`the server did not answer /healthz within ${timeoutMs / 1000} s`);
}

async function runLevel(
  base: string,
  clients: number,
  puzzles: string[],
  bounds: { seconds: number; maxRequests: number; maxSteps?: number },
): Promise<LevelResult> {
  const latencies: number[] = [];
  let errors = 0, issued = 0, batchSum = 0;
  const started = performance.now();
  const deadline = started + bounds.seconds * 1000;
  const worker = async (w: number) => {
    while (issued < bounds.maxRequests && performance.now() < deadline) {
      const puzzle = puzzles[(issued++ + w) % puzzles.length];
      const t0 = performance.now();
      try {
        const res = await fetch(`${base}/v1/solve`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({
            puzzle,
            ...(bounds.maxSteps ? { maxSteps: bounds.maxSteps } : {}),
          }),
        });
        const body = await res.json();
        if (res.status !== 200) {
          errors++;
          if (errors <= 3) console.error(`  HTTP ${res.status}: ${body.error}`);
          continue;
        }
        latencies.push(performance.now() - t0);
        batchSum += body.batchSize;
      } catch (error) {
        errors++;
        if (errors <= 3) console.error(`  request failed: ${(error as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, w) => worker(w)));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    clients,
    requests: latencies.length + errors,
    errors,
    seconds: Math.round(seconds * 100) / 100,
    solvesPerSecond: Math.round((latencies.length / seconds) * 100) / 100,
    p50Ms: Math.round(percentile(latencies, 50)),
    p99Ms: Math.round(percentile(latencies, 99)),
    meanBatch: latencies.length ? Math.round((batchSum / latencies.length) * 10) / 10 : 0,
  };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    strict: true,
    options: {
      model: { type: "string" },
      arch: { type: "string", default: "mlp" },
      levels: { type: "string", default: "1,8,32" },
      seconds: { type: "string", default: "20" },
      "max-requests": { type: "string", default: "400" },
      warmup: { type: "string", default: "1" },
      "max-steps": { type: "string" },
      size: { type: "string" },
      "batch-window": { type: "string" },
      "max-batch": { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const num = (name: string, text: string | undefined, min: number) => {
    if (text === undefined) return undefined;
    const v = Number(text);
    if (!Number.isFinite(v) || v < min) {
      throw new Error(`--${name} must be a number ≥ ${min}, got "${text}"`);
    }
    return v;
  };
  const levels = values.levels!.split(",").map((s) => num("levels", s.trim(), 1)!);
  const seconds = num("seconds", values.seconds, 1)!;
  const maxRequests = num("max-requests", values["max-requests"], 1)!;
  const warmup = num("warmup", values.warmup, 0)!;
  const maxSteps = num("max-steps", values["max-steps"], 1);

  const tmp = await Deno.makeTempDir({ prefix: "trm_load_" });
  let modelFile = values.model;
  let modelNote = modelFile ?? "";
  if (values.arch !== "mlp" && values.arch !== "attention") {
    throw new Error(`--arch must be mlp or attention, got "${values.arch}"`);
  }
  if (!modelFile) {
    const arch = values.arch === "mlp"
      ? { useMlpMixer: true, posEncoding: "none" as const }
      : { useMlpMixer: false, posEncoding: "rope" as const };
    const model = await TinyRecursiveModel.create({
      ...presets.sudoku4,
      dim: 16,
      numHeads: 2,
      ...arch,
    }, { seed: 1 });
    modelFile = `${tmp}/tiny4.safetensors`;
    await Deno.writeFile(modelFile, await saveModel(model));
    modelNote = `tiny untrained sudoku4 model (${
      values.arch === "mlp" ? "MLP mixer" : "attention"
    }, D=16, ${model.numParameters()} parameters)`;
    model.dispose();
  }
  const size = (num("size", values.size, 4) ?? 4) as SudokuSize;
  const puzzles = Array.from(
    { length: 64 },
    (_, i) => formatSudokuLine(generateSudoku({ size, seed: 1000 + i }).puzzle),
  );

  const port = freePort();
  const base = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = { TRM_MODEL: modelFile };
  if (values["batch-window"]) env.TRM_BATCH_WINDOW_MS = values["batch-window"];
  if (values["max-batch"]) env.TRM_MAX_BATCH = values["max-batch"];
  const serverTs = new URL("../server.ts", import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["serve", "-A", "--quiet", "--host", "127.0.0.1", "--port", String(port), serverTs],
    env,
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  const results: LevelResult[] = [];
  let health: unknown;
  try {
    health = await waitHealthy(base, child, 120_000);
    const adapter = (health as { adapter: { description: string } }).adapter.description;
    console.error(`server ${base} (pid ${child.pid}) on ${adapter}; model: ${modelNote}`);
    // Warm-up rounds: one burst per level, so pipeline compiles and buffer-pool growth for
    // the batch sizes the levels form are not timed.
    for (let i = 0; i < warmup; i++) {
      for (const clients of levels) {
        await runLevel(base, clients, puzzles, { seconds: 300, maxRequests: clients, maxSteps });
      }
    }
    for (const clients of levels) {
      const r = await runLevel(base, clients, puzzles, { seconds, maxRequests, maxSteps });
      results.push(r);
      console.error(
        `${String(clients).padStart(3)} clients: ${
          r.solvesPerSecond.toFixed(2).padStart(7)
        } solves/s  p50 ${String(r.p50Ms).padStart(6)} ms  p99 ${
          String(r.p99Ms).padStart(6)
        } ms  mean batch ${
          String(r.meanBatch).padStart(5)
        }  ${r.requests} requests, ${r.errors} errors, ${r.seconds} s`,
      );
    }
  } finally {
    child.kill("SIGTERM");
    await child.status;
    await Deno.remove(tmp, { recursive: true });
  }
  const summary = {
    adapter: (health as { adapter?: unknown })?.adapter,
    model: modelNote,
    levels: results,
  };
  if (values.json) console.log(JSON.stringify(summary));
  const errors = results.reduce((s, r) => s + r.errors, 0);
  return errors ? 1 : 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main());
  } catch (error) {
    console.error(`error: ${(error as Error).message.split("\n")[0]}`);
    Deno.exit(1);
  }
}
