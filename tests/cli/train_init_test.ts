/**
 * `cli.ts train --init FILE`: fine-tuning starts from a model file's weights and config,
 * --config may change the recursion (not a weight's shape), and a bad file or a shape
 * change is a one-line usage error.
 */
import assert from "node:assert/strict";
import { UsageError } from "../../src/cli/main.ts";
import { run as trainRun } from "../../src/cli/train.ts";
import { decodeCheckpoint, saveModel } from "../../src/model/checkpoint.ts";
import { presets } from "../../src/model/config.ts";
import { TinyRecursiveModel } from "../../src/model/model.ts";
import { testGpu } from "../_helpers.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };

Deno.test({
  name: "train --init: weights and config from the file, recursion changed by --config",
  ...opts,
  fn: async () => {
    const gpu = await testGpu();
    const dir = await Deno.makeTempDir({ prefix: "trm_train_init_" });
    try {
      const init = `${dir}/init.safetensors`;
      const base = await TinyRecursiveModel.create({ ...presets.sudoku4, dim: 16 }, {
        gpu,
        seed: 11,
      });
      await Deno.writeFile(init, await saveModel(base));
      const before = decodeCheckpoint(await Deno.readFile(init));
      base.dispose();

      const out = `${dir}/tuned.safetensors`;
      const quiet = console.log;
      console.log = () => {};
      try {
        const code = await trainRun([
          "--task",
          "sudoku4",
          "--init",
          init,
          "--config",
          '{"tCycles":2,"maxSupervisionSteps":3}',
          "--out",
          out,
          "--steps",
          "1",
          "--batch",
          "4",
          "--pool",
          "8",
          "--eval-count",
          "0",
          "--ema",
          "0.5",
          "--lr",
          "1e-2",
          "--warmup",
          "0",
        ], { gpu });
        assert.equal(code, 0);
      } finally {
        console.log = quiet;
      }
      const after = decodeCheckpoint(await Deno.readFile(out));
      assert.equal(after.config.dim, 16, "width from the init file, not the sudoku4 preset");
      assert.equal(after.config.tCycles, 2);
      assert.equal(after.config.maxSupervisionSteps, 3);
      // One step of EMA 0.5 moves every trained tensor halfway from the init weights, so the
      // result is near the init file, not a fresh initialisation.
      const name = [...before.values.keys()].find((k) => k.includes("lm_head"))!;
      const a = before.values.get(name)!, b = after.values.get(name)!;
      let diff = 0, scale = 0;
      for (let i = 0; i < a.length; i++) {
        diff = Math.max(diff, Math.abs(a[i] - b[i]));
        scale = Math.max(scale, Math.abs(a[i]));
      }
      assert.ok(diff > 0, "one optimizer step changed the weights");
      assert.ok(
        diff < 0.2 * scale,
        `started from the init weights (max change ${diff} of ${scale})`,
      );

      await assert.rejects(
        trainRun(["--task", "sudoku4", "--init", init, "--config", '{"dim":32}', "--out", out], {
          gpu,
        }),
        (e) => e instanceof UsageError && /--init .*shape/.test(e.message),
      );
      await assert.rejects(
        trainRun(["--task", "sudoku4", "--init", `${dir}/missing.safetensors`, "--out", out], {
          gpu,
        }),
        (e) => e instanceof UsageError && /cannot read --init/.test(e.message),
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
