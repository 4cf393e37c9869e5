/**
 * GPU hygiene: a kernel that does not compile is reported as one line naming its file,
 * line, column and override constants (not a later multi-line uncaptured error); the
 * buffer pool is balanced across training steps, solving, and a solve that is aborted
 * midway (what a step allocates, it releases, also when it throws).
 */
import assert from "node:assert/strict";
import { presets } from "../../src/model/config.ts";
import { TinyRecursiveModel } from "../../src/model/model.ts";
import { generatePool, poolSource, sudokuAugment } from "../../src/train/data.ts";
import { TRMTrainer } from "../../src/train/trainer.ts";
import { testGpu } from "../_helpers.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };

const BROKEN = `// @kernel broken_on_purpose
override TM: u32 = 4u;
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3u) {
  out[id.x] = not_defined_anywhere + f32(TM);
}
`;

Deno.test({
  name: "a broken kernel's error names its file, line, column and constants in one line",
  ...opts,
  fn: async () => {
    const gpu = await testGpu();
    gpu.pipeline(BROKEN, { constants: { TM: 8 } });
    await assert.rejects(gpu.checkPipelines(), (e: Error) => {
      assert.equal(
        e.message,
        "kernel kernels/broken_on_purpose.wgsl line 6, column 15 with constants TM=8: " +
          "no definition in scope for identifier: `not_defined_anywhere`",
      );
      return true;
    });
    // Reported once: the GPU goes on working.
    const t = gpu.upload(new Float32Array([1, 2, 3]), [3]);
    assert.deepEqual([...(await gpu.read(t))], [1, 2, 3]);
    t.release();
  },
});

Deno.test({
  name: "the buffer pool is balanced across training steps, solving and an aborted solve",
  ...opts,
  fn: async () => {
    const gpu = await testGpu();
    const config = {
      ...presets.sudoku4,
      dim: 16,
      numLayers: 1,
      tCycles: 1,
      nRecursions: 1,
      maxSupervisionSteps: 3,
    };
    const model = await TinyRecursiveModel.create(config, { gpu, seed: 2 });
    const trainer = await TRMTrainer.create({ model, lr: 1e-3, warmupSteps: 0 });
    try {
      const pool = generatePool("sudoku4", { count: 32, seed: 4 });
      const source = poolSource(pool, {
        seed: 1,
        vocabSize: model.config.vocabSize,
        augment: sudokuAugment(4),
        ignoreIndex: model.config.ignoreIndex,
      });
      const inUse = () => {
        const s = gpu.pool.stats();
        return s.allocatedBytes - s.freeBytes;
      };
      const inputs = Int32Array.from(pool.inputs.subarray(0, 8 * 16));
      // Warm-up: the slot state, optimizer moments and gradient buffers are allocated once.
      trainer.slotStep(source.examples(0, 8));
      await trainer.readMetrics();
      await model.predict(inputs, { maxRefinementSteps: 2 });
      const settled = inUse();
      for (let s = 1; s <= 4; s++) trainer.slotStep(source.examples(s * 8, 8));
      await trainer.readMetrics();
      assert.equal(inUse(), settled, "training steps release what they allocate");
      await model.predict(inputs, { maxRefinementSteps: 3, samples: 2 });
      assert.equal(inUse(), settled, "a solve releases what it allocates");
      const stop = new AbortController();
      stop.abort(new Error("nobody waits"));
      await assert.rejects(
        model.predict(inputs, { maxRefinementSteps: 3, signal: stop.signal }),
        /nobody waits/,
      );
      assert.equal(inUse(), settled, "an aborted solve releases what it allocated");
    } finally {
      trainer.dispose();
      model.dispose();
    }
  },
});
