/**
 * `cli.ts bench step`: where a training step's time goes. For each preset, slot-loop steps
 * on random tokens are profiled dispatch by dispatch with timestamp queries and grouped by
 * kernel family and shape; the unprofiled wall time, dispatches and submits per step are
 * printed beside them. Copies (buffer → texture operand packing, clears) run outside
 * compute passes and cannot be timestamped: they are in the wall time only.
 *
 * @module
 */
import type { GpuDeviceOptions } from "../gpu/device.ts";
import { Gpu } from "../gpu/gpu.ts";
import { parseModelConfig, presets } from "../model/config.ts";
import { TinyRecursiveModel } from "../model/model.ts";
import { Rng } from "../puzzles/rng.ts";
import { profileTrainStep } from "../train/profile.ts";
import { TRMTrainer } from "../train/trainer.ts";
import { UsageError } from "./errors.ts";

/** Options of {@linkcode benchStep}. */
export interface BenchStepOptions {
  /** Preset names. */
  presets: string[];
  /** Slots per step. */
  batch: number;
  /** Profiled steps (and as many timed ones). */
  steps: number;
  /** Kernels listed per preset. */
  top: number;
  /** JSON lines instead of tables. */
  json: boolean;
  /** How to open the GPU (--kernel-profile). */
  gpu?: GpuDeviceOptions;
}

/** Profiles one training step per preset and prints the breakdown. */
export async function benchStep(options: BenchStepOptions): Promise<void> {
  for (const name of options.presets) {
    if (!presets[name]) {
      throw new UsageError(`unknown preset "${name}" (one of ${Object.keys(presets).join(", ")})`);
    }
  }
  const gpu = await Gpu.create({ ...options.gpu, timestamps: true });
  if (!gpu.summary.timestamps) {
    throw new UsageError(
      `the adapter (${gpu.summary.description}) has no timestamp-query; try DENO_WEBGPU_BACKEND=vulkan`,
    );
  }
  try {
    for (const name of options.presets) {
      const config = parseModelConfig(presets[name]);
      const model = await TinyRecursiveModel.create(config, { gpu, seed: 0 });
      const trainer = await TRMTrainer.create({ model, lr: 1e-4, warmupSteps: 10 });
      const rng = new Rng(1);
      const n = options.batch * config.seqLen;
      const tokens = () => Int32Array.from({ length: n }, () => 1 + rng.int(config.vocabSize - 1));
      const p = await profileTrainStep(trainer, { inputs: tokens(), labels: tokens() }, {
        steps: options.steps,
      });
      trainer.dispose();
      model.dispose();
      if (options.json) {
        console.log(JSON.stringify({
          op: "train_step_profile",
          preset: name,
          batch: options.batch,
          adapter: gpu.summary.description,
          ...p,
          kernels: p.kernels.slice(0, options.top),
        }));
        continue;
      }
      const pct = (ms: number) => `${(100 * ms / p.wallMs).toFixed(1)}%`;
      console.log(
        `${name} batch ${options.batch} on ${gpu.summary.description}: ${
          p.wallMs.toFixed(1)
        } ms/step wall, ${p.kernelMs.toFixed(1)} ms in kernels (${pct(p.kernelMs)}), ${
          p.dispatches.toFixed(0)
        } dispatches and ${p.submits.toFixed(0)} submits per step`,
      );
      console.log("  family            ms/step   share  dispatches");
      for (const f of p.families) {
        console.log(
          `  ${f.family.padEnd(16)} ${f.ms.toFixed(2).padStart(8)} ${pct(f.ms).padStart(7)} ${
            f.dispatches.toFixed(0).padStart(11)
          }`,
        );
      }
      const rest = p.wallMs - p.kernelMs;
      console.log(
        `  ${"(outside kernels)".padEnd(16)} ${rest.toFixed(2).padStart(8)} ${
          pct(rest).padStart(7)
        }   copies, clears, launch and host time`,
      );
      console.log(`  top kernels:`);
      for (const k of p.kernels.slice(0, options.top)) {
        console.log(
          `    ${k.kernel.padEnd(40)} ${k.ms.toFixed(2).padStart(8)} ms ${
            k.dispatches.toFixed(0).padStart(5)
          }×`,
        );
      }
    }
  } finally {
    gpu.destroy();
  }
}
