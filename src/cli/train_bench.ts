/**
 * `cli.ts train --bench`: the slot loop's training throughput here and, with the same
 * config, in PyTorch (tools/bench_train_torch.py), side by side.
 *
 * @module
 */
import { Gpu } from "../gpu/gpu.ts";
import { type ModelConfigInput, parseModelConfig, presets } from "../model/config.ts";
import { TinyRecursiveModel } from "../model/model.ts";
import { Rng } from "../puzzles/rng.ts";
import { measureTrainThroughput } from "../train/bench.ts";
import { TRMTrainer } from "../train/trainer.ts";
import { UsageError } from "./errors.ts";
import { gpuOptions } from "./gpu_flag.ts";
import { choiceOption, intOption, jsonObjectOption, type OptionValues } from "./options.ts";
import { runTorchScript } from "./torch.ts";

/** `train --bench`: slot-loop throughput here and, with the same config, in PyTorch. */
export async function trainBench(values: OptionValues): Promise<number> {
  const presetName = (values.preset as string | undefined) ?? "sudokuMlp";
  const overrides = jsonObjectOption(values, "config", '{"dim":32}');
  const preset = presets[presetName];
  if (!preset) {
    throw new UsageError(
      `unknown preset "${presetName}" (one of ${Object.keys(presets).join(", ")})`,
    );
  }
  const config = parseModelConfig({ ...preset, ...overrides } as ModelConfigInput);
  const batch = intOption(values, "batch", 1) ?? 64;
  const steps = intOption(values, "steps", 1) ?? 3;
  const warmup = intOption(values, "warmup", 0) ?? 1;
  const json = values.json === true;
  const gpu = await Gpu.create(gpuOptions(values));
  const model = await TinyRecursiveModel.create(config, { gpu, seed: 0 });
  // --optimizer changes ours only: the PyTorch side always runs Adam-atan2 (the baseline).
  const optimizer = choiceOption(values, "optimizer", ["adam-atan2", "adamw", "muon"] as const) ??
    "adam-atan2";
  const trainer = await TRMTrainer.create({ model, lr: 1e-4, warmupSteps: 10, optimizer });
  // Throughput does not depend on the token values: random tokens of the vocabulary.
  const rng = new Rng(1);
  const n = batch * config.seqLen;
  const tokens = () => Int32Array.from({ length: n }, () => 1 + rng.int(config.vocabSize - 1));
  const data = { inputs: tokens(), labels: tokens() };
  const ours = await measureTrainThroughput(trainer, data, { warmup, steps });
  trainer.dispose();
  model.dispose();
  const results: Record<string, unknown>[] = [{
    impl: "webgpu",
    op: "train_step",
    preset: presetName,
    optimizer,
    adapter: gpu.summary.description,
    batch,
    warmup,
    steps,
    ms_per_step: ours.msPerStep,
    examples_steps_per_s: ours.examplesStepsPerSecond,
  }];
  if (!values["no-torch"]) {
    const out = await runTorchScript("bench_train_torch.py", [
      "--config",
      JSON.stringify(config),
      "--batch",
      String(batch),
      "--steps",
      String(steps),
    ]);
    if (!out.ok || out.lines.length === 0) {
      throw new UsageError(
        `the PyTorch bench did not run: ${out.ok ? "no result" : out.why}; use --no-torch`,
      );
    }
    results.push({ preset: presetName, ...out.lines[out.lines.length - 1] });
  }
  for (const r of results) {
    if (json) console.log(JSON.stringify(r));
    else {
      console.log(
        `${String(r.impl).padEnd(7)} ${presetName} batch ${batch}: ${
          (r.ms_per_step as number).toFixed(0)
        } ms/step, ` +
          `${(r.examples_steps_per_s as number).toFixed(2)} examples × supervision steps/s (${
            r.adapter ?? ""
          }${r.threads ? `, ${r.threads} threads` : ""}${r.optimizer ? `, ${r.optimizer}` : ""})`,
      );
    }
  }
  return 0;
}
