/**
 * `cli.ts bench matmul|attention|all`: times the hot kernels at TRM's shapes, optionally
 * next to PyTorch on the CPU (tools/bench_torch.py) for a ratio.
 *
 * Timing: a warm-up call (pipeline compile and first touch) and a sync, one more timed call
 * to size the run (default ~1 s, 3–50 calls), then `repeat` calls recorded back to back and
 * one sync; time / repeat per call.
 *
 * @module
 */
import type { GpuDeviceOptions } from "../gpu/device.ts";
import { Gpu } from "../gpu/gpu.ts";
import type { Tensor } from "../gpu/tensor.ts";
import { matmul } from "../ops/matmul.ts";
import { attentionBackward, attentionForward } from "../ops/attention.ts";
import { UsageError } from "./errors.ts";
import { GPU_FLAG, gpuOptions } from "./gpu_flag.ts";
import { intOption, parseOptions } from "./options.ts";
import { runTorchScript } from "./torch.ts";
import { benchHalting, benchModelForward } from "./bench_model.ts";
import { benchStep } from "./bench_step.ts";

const HELP = `Usage: deno run -A cli.ts bench matmul|attention|all|model|halting|step [options]

  matmul    GFLOP/s of the matmul kernels at 512³ and TRM's shapes
  attention GFLOP/s of attention forward and backward
  all       matmul and attention
  model     forward time per supervision step of the Sudoku presets (batch 64)
  halting   predict time when examples halt at step 1, half of them do, or none
  step      one training step (slot loop) broken down by kernel family with timestamp
            queries: GPU ms per family and kernel shape, dispatches and submits per step
            (presets default sudoku6, sudoku9Tiny, sudoku9Small; batch 64)

Options:
  --preset P    model/halting: a preset name (repeatable; default sudokuMlp and sudokuAttention)
  --batch B     model/halting: batch size (default 64 / 16)
  --steps N     model: timed supervision steps (default 1); halting: max refinement steps
                (default 4); step: profiled optimizer steps (default 3)
  --top N       step: kernels to list per preset (default 12)
  --json        one JSON object per line
  --vs-torch    also run tools/bench_torch.py (PyTorch, CPU, fp32) and print the ratio
  --repeat N    timed calls per shape (default: enough for ~1 s, at least 1)
  --kernel-profile P
                kernels to use: auto (from the adapter), cpu or gpu (default
                TRM_KERNEL_PROFILE, else auto)`;

/** One measurement, printed as one line. */
export interface BenchResult {
  /** "matmul", "attention_forward" or "attention_backward". */
  op: string;
  /** Shape fields (m, n, k, trans or b, s, h, hd). */
  [field: string]: string | number;
}

interface Case {
  op: string;
  shape: Record<string, string | number>;
  flops: number;
  /** Allocates inputs; returns the call to time and a cleanup. */
  setup(gpu: Gpu): { call: () => void; done: () => void };
}

/** The matmul shapes: 512³ and TRM's forward projections at M = 64·97. */
export const MATMUL_SHAPES: readonly { m: number; n: number; k: number; trans: "NN" | "NT" }[] = [
  { m: 512, n: 512, k: 512, trans: "NN" },
  ...[512, 1536].flatMap((k) =>
    [512, 1536].map((n) => ({ m: 64 * 97, n, k, trans: "NT" as const }))
  ),
];

/** The attention shapes: Sudoku batch and one maze-length sequence. */
export const ATTENTION_SHAPES: readonly { b: number; s: number; h: number; hd: number }[] = [
  { b: 64, s: 97, h: 8, hd: 64 },
  { b: 1, s: 916, h: 8, hd: 64 },
];

function fill(gpu: Gpu, shape: number[], seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    data[i] = x / 4294967296 - 0.5;
  }
  return gpu.upload(data, shape);
}

function matmulCases(): Case[] {
  return MATMUL_SHAPES.map(({ m, n, k, trans }) => ({
    op: "matmul",
    shape: { m, n, k, trans },
    flops: 2 * m * n * k,
    setup(gpu) {
      const a = fill(gpu, [m, k], 1);
      const b = fill(gpu, trans === "NT" ? [n, k] : [k, n], 2);
      const c = gpu.empty([m, n]);
      return {
        call: () => matmul(gpu, a, b, { transB: trans === "NT", out: c }),
        done: () => [a, b, c].forEach((t) => t.release()),
      };
    },
  }));
}

function attentionCases(): Case[] {
  const cases: Case[] = [];
  for (const { b, s, h, hd } of ATTENTION_SHAPES) {
    const forwardFlops = 4 * b * h * s * s * hd;
    const shape = { b, s, h, hd };
    cases.push({
      op: "attention_forward",
      shape,
      flops: forwardFlops,
      setup(gpu) {
        const qkv = fill(gpu, [b, s, 3 * h * hd], 3);
        return {
          call: () => {
            const r = attentionForward(gpu, qkv, { numHeads: h });
            r.out.release();
            r.lse.release();
          },
          done: () => qkv.release(),
        };
      },
    });
    cases.push({
      op: "attention_backward",
      shape,
      // Five S×S×hd products (scores, dP, dS·K, dSᵀ·Q, Pᵀ·dO) against the forward's two.
      flops: 2.5 * forwardFlops,
      setup(gpu) {
        const qkv = fill(gpu, [b, s, 3 * h * hd], 3);
        const dOut = fill(gpu, [b, s, h * hd], 4);
        const { out, lse } = attentionForward(gpu, qkv, { numHeads: h });
        return {
          call: () => attentionBackward(gpu, qkv, out, lse, dOut, { numHeads: h }).release(),
          done: () => [qkv, dOut, out, lse].forEach((t) => t.release()),
        };
      },
    });
  }
  return cases;
}

async function measure(
  gpu: Gpu,
  c: Case,
  repeat: number | undefined,
): Promise<{ ms: number; gflops: number }> {
  const { call, done } = c.setup(gpu);
  try {
    call(); // compiles the pipeline and touches the buffers
    await gpu.sync();
    // Size the timed run from a warm call: the first one can take a cold LLVM compile.
    const w0 = performance.now();
    call();
    await gpu.sync();
    const warm = performance.now() - w0;
    const reps = repeat ?? Math.max(3, Math.min(50, Math.round(1000 / Math.max(warm, 1e-3))));
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) call();
    await gpu.sync();
    const ms = (performance.now() - t0) / reps;
    return { ms, gflops: c.flops / (ms * 1e6) };
  } finally {
    done();
  }
}

function shapeKey(op: string, shape: Record<string, string | number>): string {
  return `${op}|${Object.entries(shape).map(([k, v]) => `${k}=${v}`).join(",")}`;
}

function shapeText(shape: Record<string, string | number>): string {
  if ("m" in shape) return `${shape.m}x${shape.n}x${shape.k} ${shape.trans}`;
  return `B=${shape.b} S=${shape.s} H=${shape.h} hd=${shape.hd}`;
}

async function runTorch(
  ops: string[],
  repeat: number | undefined,
): Promise<Map<string, BenchResult> | string> {
  const args = ["--ops", ops.join(",")];
  if (repeat !== undefined) args.push("--repeat", String(repeat));
  const r = await runTorchScript("bench_torch.py", args);
  if (!r.ok) return `torch comparison skipped: ${r.why}`;
  const results = new Map<string, BenchResult>();
  for (const line of r.lines) {
    const obj = line as BenchResult;
    const { op, gflops: _g, ms: _m, impl: _i, adapter: _a, threads: _t, ...shape } = obj;
    results.set(shapeKey(String(op), shape as Record<string, string | number>), obj);
  }
  return results;
}

/** Runs `bench`; returns the exit code. */
export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseOptions(
    args,
    {
      json: { type: "boolean" },
      "vs-torch": { type: "boolean" },
      repeat: { type: "string" },
      preset: { type: "string", multiple: true },
      batch: { type: "string" },
      steps: { type: "string" },
      top: { type: "string" },
      ...GPU_FLAG,
      help: { type: "boolean", short: "h" },
    },
    "bench",
    true,
  );
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const what = positionals[0] ?? "all";
  if (
    positionals.length > 1 ||
    !["matmul", "attention", "all", "model", "halting", "step"].includes(what)
  ) {
    throw new UsageError(
      `bench: expected matmul, attention, all, model, halting or step, got "${
        positionals.join(" ")
      }"`,
    );
  }
  const presetList = values.preset as string[] | undefined;
  const json = values.json === true;
  const gpu = gpuOptions(values);
  if (what === "step") {
    await benchStep({
      presets: presetList ?? ["sudoku6", "sudoku9Tiny", "sudoku9Small"],
      batch: intOption(values, "batch", 1) ?? 64,
      steps: intOption(values, "steps", 1) ?? 3,
      top: intOption(values, "top", 1) ?? 12,
      json,
      gpu,
    });
    return 0;
  }
  if (what === "model" || what === "halting") {
    const options = {
      presets: presetList ?? ["sudokuMlp", "sudokuAttention"],
      batch: intOption(values, "batch", 1) ?? (what === "model" ? 64 : 16),
      steps: intOption(values, "steps", 1) ?? (what === "model" ? 1 : 4),
      json,
      gpu,
      vsTorch: values["vs-torch"] === true,
    };
    if (what === "model") await benchModelForward(options);
    else await benchHalting(options);
    return 0;
  }
  await benchOps(what === "all" ? ["matmul", "attention"] : [what], {
    repeat: intOption(values, "repeat", 1),
    json,
    vsTorch: values["vs-torch"] === true,
    gpu,
  });
  return 0;
}

/** The kernel benchmarks (matmul, attention), beside PyTorch with --vs-torch. */
async function benchOps(
  ops: string[],
  o: { repeat?: number; json: boolean; vsTorch: boolean; gpu?: GpuDeviceOptions },
): Promise<void> {
  const { repeat } = o;
  const cases = [
    ...(ops.includes("matmul") ? matmulCases() : []),
    ...(ops.includes("attention") ? attentionCases() : []),
  ];
  // Torch first, so both sides do not compete for the CPU.
  let torch: Map<string, BenchResult> | null = null;
  if (o.vsTorch) {
    const t = await runTorch(ops, repeat);
    if (typeof t === "string") console.error(t);
    else torch = t;
  }
  const gpu = await Gpu.create(o.gpu);
  try {
    const adapter = gpu.summary.description || gpu.summary.vendor;
    if (!o.json) {
      const head = ["op", "shape", "ms", "GFLOP/s"];
      if (torch) head.push("torch GFLOP/s", "ratio");
      console.log(`adapter: ${adapter} (profile ${gpu.profile})`);
      console.log(head.join("\t"));
    }
    for (const c of cases) {
      const { ms, gflops } = await measure(gpu, c, repeat);
      const ref = torch?.get(shapeKey(c.op, c.shape));
      const result: BenchResult = {
        op: c.op,
        ...c.shape,
        gflops: round(gflops),
        ms: round(ms),
        adapter,
        impl: "webgpu",
      };
      if (ref) {
        if (o.json) console.log(JSON.stringify(ref));
        result.torch_gflops = Number(ref.gflops);
        result.ratio = round(gflops / Number(ref.gflops), 4);
      }
      if (o.json) {
        console.log(JSON.stringify(result));
      } else {
        const row = [c.op, shapeText(c.shape), round(ms).toString(), round(gflops).toString()];
        if (torch) {
          row.push(
            ref ? String(ref.gflops) : "-",
            ref ? `${round(gflops / Number(ref.gflops), 4)}` : "-",
          );
        }
        console.log(row.join("\t"));
      }
    }
  } finally {
    gpu.destroy();
  }
}

function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
