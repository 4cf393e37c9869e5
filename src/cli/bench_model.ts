/**
 * `cli.ts bench model` and `cli.ts bench halting`: whole-model timings.
 *
 * - model: forward time per supervision step (T·(n+1) net applications plus heads, no
 *   gradient) for the official Sudoku presets; with --vs-torch also PyTorch's (float32,
 *   CPU, tools/bench_model_torch.py) on the same machine in the same run.
 * - halting: `predict` time with a halting threshold that stops every example at step 1,
 *   one that stops about half of them, and one that never stops early, to show that
 *   halted examples stop costing compute.
 *
 * @module
 */
import type { GpuDeviceOptions } from "../gpu/device.ts";
import { Gpu } from "../gpu/gpu.ts";
import { presets } from "../model/config.ts";
import { TinyRecursiveModel } from "../model/model.ts";
import { UsageError } from "./errors.ts";
import { runTorchScript } from "./torch.ts";

/** Options both model benchmarks take. */
export interface ModelBenchOptions {
  /** Preset names (default: sudokuMlp and sudokuAttention). */
  presets: string[];
  /** Batch size. */
  batch: number;
  /** Timed supervision steps after one warm-up step. */
  steps: number;
  /** Print JSON lines. */
  json: boolean;
  /** Also run PyTorch. */
  vsTorch: boolean;
  /** How to open the GPU (--kernel-profile). */
  gpu?: GpuDeviceOptions;
}

function randomTokens(n: number, vocab: number, seed: number): Int32Array {
  const out = new Int32Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = 1 + (x % (vocab - 1));
  }
  return out;
}

function print(json: boolean, record: Record<string, unknown>, text: string): void {
  console.log(json ? JSON.stringify(record) : text);
}

async function createModel(gpu: Gpu, name: string): Promise<TinyRecursiveModel> {
  const preset = presets[name];
  if (!preset) {
    throw new UsageError(`unknown preset "${name}" (known: ${Object.keys(presets).join(", ")})`);
  }
  return await TinyRecursiveModel.create(preset, { gpu, seed: 1 });
}

/** Forward time per supervision step. */
export async function benchModelForward(options: ModelBenchOptions): Promise<void> {
  const gpu = await Gpu.create(options.gpu);
  const adapter = gpu.summary.description;
  for (const name of options.presets) {
    const model = await createModel(gpu, name);
    const { batch } = options;
    const ids = model.uploadTokens(
      randomTokens(batch * model.config.seqLen, model.config.vocabSize, 7),
    );
    const pids = model.uploadPuzzleIds(batch);
    const x = model.embed(ids, pids);
    let carry = model.initialCarry(batch);
    const advance = () => {
      const out = model.step(x, carry);
      carry.y.release();
      carry.z.release();
      out.logits.release();
      out.q.release();
      carry = out.carry;
    };
    advance(); // warm-up: pipeline compiles and first touches
    await gpu.sync();
    const start = performance.now();
    for (let s = 0; s < options.steps; s++) advance();
    await gpu.sync();
    const ms = (performance.now() - start) / options.steps;
    const netApps = model.config.tCycles * (model.config.nRecursions + 1);
    print(
      options.json,
      {
        impl: "webgpu",
        op: "model_forward",
        preset: name,
        batch,
        ms_per_step: +ms.toFixed(2),
        net_applications: netApps,
        adapter,
      },
      `${name.padEnd(16)} batch ${batch}: ${
        ms.toFixed(1)
      } ms per supervision step (${netApps} net applications) on ${adapter}`,
    );
    for (const t of [ids, pids, x, carry.y, carry.z]) t?.release();
    model.dispose();
  }
  if (options.vsTorch) await runTorch(options);
}

async function runTorch(options: ModelBenchOptions): Promise<void> {
  const out = await runTorchScript("bench_model_torch.py", [
    String(options.batch),
    String(options.steps),
  ]);
  if (!out.ok) {
    console.error(`bench: PyTorch comparison skipped: ${out.why}`);
    return;
  }
  for (const r of out.lines) {
    if (!options.presets.includes(String(r.preset))) continue;
    print(
      options.json,
      r,
      `${
        String(r.preset).padEnd(16)
      } batch ${r.batch}: ${r.ms_per_step} ms per supervision step (PyTorch ${r.threads} threads, CPU, ${r.blas})`,
    );
  }
}

/** predict time with early halting versus none. */
export async function benchHalting(options: ModelBenchOptions): Promise<void> {
  const gpu = await Gpu.create(options.gpu);
  const adapter = gpu.summary.description;
  for (const name of options.presets) {
    const model = await createModel(gpu, name);
    // An untrained q-head (weight 0, bias −5) never halts; give it random weights so
    // that halting probabilities differ between examples.
    const values = await model.readValues();
    const qw = values.get("inner.q_head.weight")!;
    for (let i = 0; i < qw.length; i++) qw[i] = (((i * 2654435761) >>> 0) / 4294967296 - 0.5) * 0.5;
    values.get("inner.q_head.bias")!.set([0, 0]);
    model.writeValues(
      new Map([["inner.q_head.weight", qw], [
        "inner.q_head.bias",
        values.get("inner.q_head.bias")!,
      ]]),
    );
    const inputs = randomTokens(options.batch * model.config.seqLen, model.config.vocabSize, 11);
    const maxSteps = Math.max(2, options.steps);
    const probe = await model.forwardWithDeepSupervision(inputs, 1);
    const sorted = [...probe.haltProbs[0]].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] - 1e-7;
    await model.predict(inputs, { maxRefinementSteps: 1 }); // warm-up
    for (
      const [label, threshold] of [
        ["all halt at step 1", 0],
        ["about half halt at step 1", median],
        ["none halt early", 1],
      ] as const
    ) {
      const start = performance.now();
      const result = await model.predict(inputs, {
        maxRefinementSteps: maxSteps,
        haltThreshold: threshold,
      });
      const ms = performance.now() - start;
      const meanSteps = result.exitSteps.reduce((a, b) => a + b, 0) / result.exitSteps.length;
      print(
        options.json,
        {
          impl: "webgpu",
          op: "predict_halting",
          preset: name,
          batch: options.batch,
          max_steps: maxSteps,
          threshold,
          mean_exit_step: meanSteps,
          ms: +ms.toFixed(1),
          adapter,
        },
        `${name.padEnd(16)} batch ${options.batch}, ${label.padEnd(26)} mean exit step ${
          meanSteps.toFixed(2)
        }: ${ms.toFixed(0)} ms`,
      );
    }
    model.dispose();
  }
}
