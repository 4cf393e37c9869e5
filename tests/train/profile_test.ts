/**
 * Kernel names and the step profiler: every kernel names itself, and a profiled training
 * step accounts for each of its dispatches under a known kernel (where the adapter has
 * timestamp queries; the GL backend has none, so the profile part is skipped there).
 */
import assert from "node:assert/strict";
import { Gpu, kernelName } from "../../src/gpu/gpu.ts";
import { presets } from "../../src/model/config.ts";
import { TinyRecursiveModel } from "../../src/model/model.ts";
import { kernelFamily, profileTrainStep } from "../../src/train/profile.ts";
import { TRMTrainer } from "../../src/train/trainer.ts";
import { randomInts } from "../_helpers.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };
const KERNELS = new URL("../../kernels/", import.meta.url);

Deno.test("every kernel names itself on its first line, after its file", async () => {
  for await (const entry of Deno.readDir(KERNELS)) {
    if (!entry.name.endsWith(".wgsl")) continue;
    const source = await Deno.readTextFile(new URL(entry.name, KERNELS));
    assert.equal(kernelName(source), entry.name.replace(/\.wgsl$/, ""), entry.name);
    assert.notEqual(kernelFamily(kernelName(source)), "other", `${entry.name} has a family`);
  }
  assert.equal(kernelName("@compute fn main() {}"), "kernel");
});

Deno.test({
  ...opts,
  name: "profileTrainStep: every dispatch of a step is timed under its kernel",
  fn: async () => {
    const gpu = await Gpu.create({ timestamps: true });
    try {
      if (!gpu.summary.timestamps) {
        console.log(`  (skipped: ${gpu.summary.description} has no timestamp-query)`);
        return;
      }
      const config = { ...presets.sudoku4, dim: 16 };
      const model = await TinyRecursiveModel.create(config, { gpu, seed: 1 });
      const trainer = await TRMTrainer.create({ model, lr: 1e-3, warmupSteps: 1 });
      const tokens = () => Int32Array.from(randomInts(8 * 16, 3, 5), (v) => v + 1);
      const p = await profileTrainStep(trainer, { inputs: tokens(), labels: tokens() }, {
        warmup: 1,
        steps: 2,
      });
      assert.ok(p.dispatches > 10, `${p.dispatches} dispatches`);
      const counted = p.kernels.reduce((a, k) => a + k.dispatches, 0);
      assert.ok(Math.abs(counted - p.dispatches) < 1e-9, `${counted} of ${p.dispatches} timed`);
      assert.ok(p.kernels.every((k) => !k.kernel.startsWith("kernel") && k.ms >= 0));
      assert.ok(p.families.some((f) => f.family === "optimizer"));
      assert.ok(p.kernelMs > 0 && p.wallMs > 0 && p.submits >= 1);
      trainer.dispose();
      model.dispose();
    } finally {
      gpu.destroy();
    }
  },
});
