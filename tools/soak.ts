/**
 * Soak test of the HTTP service (loopback only, bounded in time): starts `server.ts` on
 * 127.0.0.1, measures 4×4 request latency on the idle server, then again while a flood of
 * 9×9 requests whose clients hang up after a moment arrives together with malformed and
 * oversized bodies, and samples the server's RSS throughout. Prints a JSON summary:
 * errors (5xx and network failures), p50/p99 per phase, what the server dropped, RSS.
 *
 *   deno run -A tools/soak.ts [--seconds 120] [--flood-rate 8] [--abandon-ms 300]
 *     [--door serve|deno-serve] [--workers 1|0]
 *
 * `--door serve` (default) runs `cli.ts serve` (TCP guard: sees clients leave);
 * `--door deno-serve` runs `deno serve server.ts`. `--workers` sets TRM_WORKERS.
 *
 * Not a test: its figures depend on the machine; the closing notes quote them.
 */
import { parseArgs } from "node:util";
import { formatSudokuLine } from "../src/puzzles/sudoku_grid.ts";
import { generateSudoku } from "../src/puzzles/sudoku_generate.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    seconds: { type: "string", default: "120" },
    "flood-rate": { type: "string", default: "8" },
    "abandon-ms": { type: "string", default: "300" },
    port: { type: "string", default: "18777" },
    door: { type: "string", default: "serve" },
    workers: { type: "string", default: "1" },
  },
});
const seconds = Math.min(600, Math.max(10, Number(values.seconds)));
const floodRate = Number(values["flood-rate"]);
const abandonMs = Number(values["abandon-ms"]);
const port = Number(values.port);
const base = `http://127.0.0.1:${port}`;
const root = new URL("..", import.meta.url).pathname;

const line = (size: 4 | 9, seed: number) =>
  formatSudokuLine(generateSudoku({ size, difficulty: "medium", seed }).puzzle, { blank: "." });
const small = Array.from({ length: 32 }, (_, i) => line(4, 1000 + i));
// Single 9×9 puzzles: they share the flood's model (and worker), so they show fairness
// within one model's queue; the 4×4 requests show isolation between models.
const single9 = Array.from({ length: 16 }, (_, i) => line(9, 9000 + i));
const large = Array.from({ length: 64 }, (_, i) => line(9, 5000 + i));

const door = values.door === "deno-serve"
  ? ["serve", "-A", "--port", String(port), "--host", "127.0.0.1", "server.ts"]
  : ["run", "-A", "cli.ts", "serve", "--port", String(port), "--host", "127.0.0.1"];
const server = new Deno.Command(Deno.execPath(), {
  args: door,
  env: { TRM_WORKERS: values.workers },
  cwd: root,
  stdout: "null",
  stderr: "piped",
}).spawn();
let serverLog = "";
(async () => {
  for await (const chunk of server.stderr.pipeThrough(new TextDecoderStream())) serverLog += chunk;
})();

function rssMb(): number {
  try {
    const status = Deno.readTextFileSync(`/proc/${server.pid}/status`);
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

async function waitReady(): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      const res = await fetch(`${base}/healthz`);
      await res.body?.cancel();
      if (res.ok) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the server did not start: ${serverLog}`);
}

const counts = { ok: 0, client4xx: 0, server5xx: 0, network: 0, abandoned: 0, refused503: 0 };

async function post(body: string, signal?: AbortSignal): Promise<number> {
  const res = await fetch(`${base}/v1/solve`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body,
    signal,
  });
  await res.body?.cancel();
  return res.status;
}

function tally(status: number): void {
  if (status === 200) counts.ok++;
  else if (status === 503) counts.refused503++;
  else if (status >= 500) counts.server5xx++;
  else counts.client4xx++;
}

/** Sequential single-puzzle requests (4×4, or 9×9 at 16 steps) for `ms`; their latencies. */
async function smallRequests(ms: number, size: 4 | 9 = 4): Promise<number[]> {
  const times: number[] = [];
  const end = performance.now() + ms;
  for (let i = 0; performance.now() < end; i++) {
    const t0 = performance.now();
    try {
      const body = size === 4
        ? { puzzle: small[i % small.length] }
        : { puzzle: single9[i % single9.length], maxSteps: 16 };
      tally(await post(JSON.stringify(body)));
    } catch {
      counts.network++;
    }
    times.push(performance.now() - t0);
  }
  return times;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))] * 10) / 10;
}

const BAD_BODIES = [
  "{",
  "",
  JSON.stringify({ puzzle: "123" }),
  JSON.stringify({ puzzles: [] }),
  JSON.stringify({ puzzle: large[0], maxSteps: 10_000 }),
  JSON.stringify({ puzzles: Array(200).fill(large[0]) }),
  "x".repeat(200_000),
];

/** While `until` has not passed: abandoned 9×9 batches at `floodRate`/s, and bad bodies. */
async function flood(until: number): Promise<void> {
  const inflight: Promise<void>[] = [];
  for (let i = 0; performance.now() < until; i++) {
    const gone = new AbortController();
    setTimeout(() => gone.abort(), abandonMs);
    inflight.push(
      post(JSON.stringify({ puzzles: large, maxSteps: 32 }), gone.signal).then(tally, (e) => {
        if (gone.signal.aborted) counts.abandoned++;
        else {
          counts.network++;
          console.error(e);
        }
      }),
    );
    const bad = BAD_BODIES[i % BAD_BODIES.length];
    inflight.push(post(bad).then(tally, () => void counts.network++));
    await new Promise((r) => setTimeout(r, 1000 / floodRate));
  }
  await Promise.all(inflight);
}

const rss: [number, number][] = [];
const t0 = performance.now();
const sampler = setInterval(
  () => rss.push([Math.round((performance.now() - t0) / 1000), rssMb()]),
  1000,
);
try {
  await waitReady();
  // Warm-up: both models loaded, kernels compiled.
  await post(JSON.stringify({ puzzle: small[0] }));
  await post(JSON.stringify({ puzzle: large[0], maxSteps: 2 }));
  const phase = (seconds * 1000) / 3;
  const [idle, idle9] = await Promise.all([smallRequests(phase), smallRequests(phase, 9)]);
  const floodDone = flood(performance.now() + phase);
  const [underFlood, flood9] = await Promise.all([smallRequests(phase), smallRequests(phase, 9)]);
  await floodDone;
  const [after, after9] = await Promise.all([smallRequests(phase), smallRequests(phase, 9)]);
  const health = await (await fetch(`${base}/healthz`)).json();
  const logLines = serverLog.split("\n").filter((l) => l && !l.includes("XDG_RUNTIME_DIR"));
  console.log(JSON.stringify(
    {
      seconds,
      door: values.door,
      workers: values.workers,
      floodRatePerSecond: floodRate,
      abandonMs,
      counts,
      small4x4: {
        idle: { n: idle.length, p50: quantile(idle, 0.5), p99: quantile(idle, 0.99) },
        flood: {
          n: underFlood.length,
          p50: quantile(underFlood, 0.5),
          p99: quantile(underFlood, 0.99),
        },
        after: { n: after.length, p50: quantile(after, 0.5), p99: quantile(after, 0.99) },
      },
      single9x9: {
        idle: { n: idle9.length, p50: quantile(idle9, 0.5), p99: quantile(idle9, 0.99) },
        flood: { n: flood9.length, p50: quantile(flood9, 0.5), p99: quantile(flood9, 0.99) },
        after: { n: after9.length, p50: quantile(after9, 0.5), p99: quantile(after9, 0.99) },
      },
      batcher: health.batcher,
      serverLogLines: logLines.length,
      serverLogSample: logLines.slice(0, 3),
      rssMb: {
        first: rss[0]?.[1],
        max: Math.max(...rss.map((r) => r[1])),
        last: rss[rss.length - 1]?.[1],
        everyTenSeconds: rss.filter((_, i) => i % 10 === 0).map((r) => Math.round(r[1])),
      },
    },
    null,
    1,
  ));
} finally {
  clearInterval(sampler);
  server.kill("SIGTERM");
  await server.status;
}
