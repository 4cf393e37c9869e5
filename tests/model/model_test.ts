/**
 * Model behaviour beyond PyTorch parity: parameter counts of the official presets,
 * checkpoint round trips, prediction with per-example halting, gradient checkpointing
 * and dropout.
 */
import assert from "node:assert/strict";
import {
  decodeCheckpoint,
  encodeCheckpoint,
  loadModel,
  saveModel,
} from "../../src/model/checkpoint.ts";
import { type ModelConfigInput, parseModelConfig, presets } from "../../src/model/config.ts";
import { TinyRecursiveModel } from "../../src/model/model.ts";
import { countParameters } from "../../src/model/params.ts";
import { crossEntropy, haltLoss } from "../../src/ops/loss.ts";
import { randomInts, testGpu } from "../_helpers.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };

const tiny: ModelConfigInput = {
  vocabSize: 6,
  seqLen: 9,
  dim: 16,
  numHeads: 2,
  numLayers: 2,
  puzzleEmbLen: 2,
  numPuzzleIdentifiers: 3,
  nRecursions: 2,
  tCycles: 2,
};

Deno.test("official presets have the official parameter counts", () => {
  assert.equal(countParameters(parseModelConfig(presets.sudokuMlp)), 5_028_866);
  assert.equal(countParameters(parseModelConfig(presets.sudokuAttention)), 6_828_034);
});

Deno.test("invalid configs are refused with the field named", () => {
  assert.throws(
    () => parseModelConfig({ vocabSize: 11, dim: 100, numHeads: 8 }),
    /numHeads: dim must be divisible/,
  );
  assert.throws(() => parseModelConfig({ vocabSize: 1 }), /vocabSize/);
  assert.throws(
    () => parseModelConfig({ vocabSize: 11, posEncoding: "alibi" as "rope" }),
    /posEncoding/,
  );
});

Deno.test({
  ...opts,
  name: "presets.sudokuMlp: numParameters, save, reload and predict identically",
  fn: async () => {
    const gpu = await testGpu();
    const model = await TinyRecursiveModel.create(presets.sudokuMlp, { gpu, seed: 3 });
    assert.equal(model.numParameters(), 5_028_866);
    const inputs = randomInts(81, 5, 11);
    const before = await model.predict(inputs, { maxRefinementSteps: 1 });
    const bytes = await saveModel(model);
    const reloaded = await loadModel(bytes, { gpu });
    const after = await reloaded.predict(inputs, { maxRefinementSteps: 1 });
    assert.deepEqual(after.predictions, before.predictions);
    assert.deepEqual(after.haltProbs, before.haltProbs);
    // Every tensor survives bit for bit.
    const a = await model.readValues(), b = await reloaded.readValues();
    for (const [name, data] of a) assert.deepEqual(b.get(name), data, name);
    model.dispose();
    reloaded.dispose();
  },
});

Deno.test("checkpoints: truncated, corrupt and mismatched files are refused with the problem named", () => {
  const config = parseModelConfig(tiny);
  const values = new Map<string, Float32Array>();
  for (const spec of TinyRecursiveModel.prototype.specs.call({ config } as TinyRecursiveModel)) {
    values.set(spec.name, new Float32Array(spec.shape.reduce((x, y) => x * y, 1)).fill(0.5));
  }
  const bytes = encodeCheckpoint(config, values);
  assert.equal(decodeCheckpoint(bytes).values.size, values.size);
  assert.throws(
    () => decodeCheckpoint(bytes.slice(0, bytes.length - 10)),
    /not a valid checkpoint/,
  );
  assert.throws(() => decodeCheckpoint(bytes.slice(0, 4)), /not a valid checkpoint/);
  const garbled = bytes.slice();
  garbled[10] = 0x7b; // breaks the JSON header
  assert.throws(() => decodeCheckpoint(garbled), /not a valid checkpoint/);
  assert.throws(
    () => decodeCheckpoint(bytes, { ...tiny, dim: 32 }),
    /has shape \[.*\], the config needs/,
  );
  assert.throws(
    () => decodeCheckpoint(bytes, { ...tiny, useMlpMixer: true }),
    /lacks tensor .*mlp_t/,
  );
  const nan = new Map(values);
  nan.set(
    "inner.lm_head.weight",
    new Float32Array(nan.get("inner.lm_head.weight")!.length).fill(NaN),
  );
  assert.throws(() => decodeCheckpoint(encodeCheckpoint(config, nan)), /non-finite/);
});

/**
 * A tiny model whose halting head splits a batch of 5: a large q_head bias makes some
 * examples halt at once, and a threshold between the examples' first-step probabilities
 * lets the others run on, so the compaction path runs.
 */
async function splitHaltingModel() {
  const gpu = await testGpu();
  const model = await TinyRecursiveModel.create(tiny, { gpu, seed: 11 });
  const values = await model.readValues();
  const qw = values.get("inner.q_head.weight")!;
  for (let i = 0; i < qw.length; i++) qw[i] = ((i * 7919) % 13 - 6) / 4;
  values.get("inner.q_head.bias")!.set([0.2, 0]);
  model.writeValues(values);
  const batch = 5;
  const inputs = randomInts(batch * 9, 8, 5).map((v) => v + 1);
  const probe = await model.forwardWithDeepSupervision(inputs, 1);
  const probs = [...probe.haltProbs[0]].sort();
  return { model, batch, inputs, probe, threshold: (probs[1] + probs[2]) / 2 };
}

Deno.test({
  ...opts,
  name: "predict: halted examples leave the batch and each result equals the example run alone",
  fn: async () => {
    const { model, batch, inputs, threshold } = await splitHaltingModel();
    const together = await model.predict(inputs, {
      maxRefinementSteps: 4,
      haltThreshold: threshold,
      trace: true,
    });
    const exits = new Set(together.exitSteps);
    assert.ok(exits.has(1), `some example halts at step 1 (exits ${together.exitSteps})`);
    assert.ok([...exits].some((s) => s > 1), `some example runs on (exits ${together.exitSteps})`);
    for (let b = 0; b < batch; b++) {
      const alone = await model.predict(inputs.subarray(b * 9, (b + 1) * 9), {
        maxRefinementSteps: 4,
        haltThreshold: threshold,
      });
      assert.equal(alone.exitSteps[0], together.exitSteps[b], `exit step of example ${b}`);
      assert.deepEqual(alone.predictions, together.predictions.subarray(b * 9, (b + 1) * 9));
      assert.equal(alone.haltProbs[0], together.haltProbs[b]);
      assert.equal(together.trace![b].length, together.exitSteps[b]);
    }
    model.dispose();
  },
});

Deno.test({
  ...opts,
  name:
    "predict with samples: noise 0 is plain prediction; answers follow the puzzle, not the batch",
  fn: async () => {
    const { model, batch, inputs, probe, threshold } = await splitHaltingModel();
    const plain = await model.predict(inputs, { maxRefinementSteps: 4, haltThreshold: threshold });
    assert.deepEqual([...plain.chosenSample!], [0, 0, 0, 0, 0]);
    // Noise 0: every trajectory is the plain one, and ties go to trajectory 0.
    const still = await model.predict(inputs, {
      maxRefinementSteps: 4,
      haltThreshold: threshold,
      samples: 3,
      noise: 0,
    });
    assert.deepEqual(still.predictions, plain.predictions);
    assert.deepEqual(still.exitSteps, plain.exitSteps);
    assert.deepEqual(still.haltProbs, plain.haltProbs);
    assert.deepEqual([...still.chosenSample!], [0, 0, 0, 0, 0]);
    // Large noise: some answer comes from a noisy trajectory, the halting probability of
    // the answer is never below the plain one's at the first step, and each puzzle gets
    // the same answer alone as in the batch; the same seed gives the same answers.
    const options = {
      maxRefinementSteps: 4,
      haltThreshold: threshold,
      samples: 4,
      noise: 1,
      seed: 3,
    };
    const noisy = await model.predict(inputs, { ...options, trace: true });
    assert.ok(noisy.chosenSample!.some((k) => k !== 0), `chosen ${noisy.chosenSample}`);
    assert.ok(noisy.chosenSample!.every((k) => k >= 0 && k < 4));
    for (let b = 0; b < batch; b++) {
      if (noisy.exitSteps[b] === 1) assert.ok(noisy.haltProbs[b] >= probe.haltProbs[0][b]);
      const alone = await model.predict(inputs.subarray(b * 9, (b + 1) * 9), options);
      assert.equal(alone.exitSteps[0], noisy.exitSteps[b], `exit step of example ${b}`);
      assert.deepEqual(alone.predictions, noisy.predictions.subarray(b * 9, (b + 1) * 9));
      assert.equal(alone.haltProbs[0], noisy.haltProbs[b]);
      assert.equal(alone.chosenSample![0], noisy.chosenSample![b]);
      assert.equal(noisy.trace![b].length, noisy.exitSteps[b]);
      assert.deepEqual(noisy.trace![b].at(-1), noisy.predictions.subarray(b * 9, (b + 1) * 9));
    }
    const again = await model.predict(inputs, options);
    assert.deepEqual(again.predictions, noisy.predictions);
    assert.deepEqual(again.haltProbs, noisy.haltProbs);
    await assert.rejects(() => model.predict(inputs, { samples: 0 }), /samples/);
    await assert.rejects(() => model.predict(inputs, { samples: 65 }), /samples/);
    model.dispose();
  },
});

/** Loss and gradients of one training step (official loss), read back. */
async function lossAndGrads(
  model: TinyRecursiveModel,
  inputs: Int32Array,
  labels: Int32Array,
  options: { recompute?: boolean; dropoutSeed?: number } = {},
): Promise<{ loss: number; grads: Map<string, Float32Array> }> {
  const gpu = model.gpu;
  const batch = inputs.length / model.config.seqLen;
  const ids = model.uploadTokens(inputs);
  const pids = model.uploadPuzzleIds(batch, Int32Array.from({ length: batch }, (_, i) => i % 3));
  const labelTensor = gpu.upload(labels, [batch, model.config.seqLen], "i32");
  const x = model.embed(ids, pids);
  const carry = model.initialCarry(batch);
  model.zeroGrads();
  const out = model.step(x, carry, { withGrad: true, ids, ...options });
  const ce = crossEntropy(gpu, out.logits, labelTensor, {
    kind: model.config.lossKind,
    ignoreIndex: -100,
    gradScale: 1 / batch,
  });
  const halt = haltLoss(gpu, out.q, ce.seqStats, {
    batch,
    targetStride: 4,
    targetOffset: 3,
    gradScale: 0.5 / batch,
  });
  const [stats, hl] = await gpu.readMany([ce.seqStats, halt.loss]);
  let loss = 0;
  for (let b = 0; b < batch; b++) loss += (stats[4 * b] + 0.5 * hl[b]) / batch;
  model.backward(out.tape!, ce.dLogits!, halt.dq!, options.dropoutSeed)?.release();
  const names = [...model.grads.keys()];
  const data = await gpu.readMany(names.map((n) => model.grads.get(n)!));
  for (
    const t of [
      ids,
      pids,
      labelTensor,
      x,
      carry.y,
      carry.z,
      out.carry.y,
      out.carry.z,
      out.logits,
      out.q,
    ]
  ) t?.release();
  for (const t of [ce.seqStats, ce.predictions, ce.dLogits, halt.loss, halt.dq]) t?.release();
  return { loss, grads: new Map(names.map((n, i) => [n, data[i] as Float32Array])) };
}

for (
  const variant of [{ useMlpMixer: false }, { useMlpMixer: true, posEncoding: "none" as const }]
) {
  Deno.test({
    ...opts,
    name: `gradient checkpointing gives bit-identical gradients (${
      variant.useMlpMixer ? "MLP" : "attention"
    })`,
    fn: async () => {
      const gpu = await testGpu();
      const model = await TinyRecursiveModel.create({ ...tiny, ...variant }, { gpu, seed: 2 });
      const inputs = randomInts(3 * 9, 4, 5).map((v) => v + 1);
      const labels = randomInts(3 * 9, 6, 5).map((v) => v + 1);
      const stored = await lossAndGrads(model, inputs, labels);
      const recomputed = await lossAndGrads(model, inputs, labels, { recompute: true });
      assert.equal(recomputed.loss, stored.loss);
      for (const [name, g] of stored.grads) assert.deepEqual(recomputed.grads.get(name), g, name);
      model.dispose();
    },
  });
}

Deno.test({
  ...opts,
  name: "dropout: the backward matches finite differences of the same dropout masks",
  fn: async () => {
    // With dropout the loss is a different smooth function per seed; for a fixed seed the
    // analytic gradient must match a directional central difference. f32 forward values
    // limit the difference quotient's accuracy (~1e-7·|L|/ε ≈ 1e-4 relative at ε = 1e-3;
    // ε = 1e-2 already shows 5% curvature error here), so ε = 1e-3 along a unit direction
    // and a 2% tolerance: a missing mask or scale changes the slope by ≥ 10%.
    const gpu = await testGpu();
    // tCycles 1: TRM's gradient skips the T-1 gradient-free cycles by design, so only a
    // step without them has an exact gradient to compare with.
    const model = await TinyRecursiveModel.create(
      { ...tiny, useMlpMixer: true, posEncoding: "none", dropout: 0.3, tCycles: 1 },
      { gpu, seed: 9 },
    );
    const inputs = randomInts(3 * 9, 4, 5).map((v) => v + 1);
    const labels = randomInts(3 * 9, 6, 5).map((v) => v + 1);
    const seed = 1234;
    const base = await lossAndGrads(model, inputs, labels, { dropoutSeed: seed });
    const names = [
      "inner.L_level.layers.0.mlp.down_proj.weight",
      "inner.L_level.layers.1.mlp_t.gate_up_proj.weight",
    ];
    const values = await model.readValues();
    let analytic = 0;
    const direction = new Map<string, Float32Array>();
    let norm = 0;
    for (const name of names) {
      const g = base.grads.get(name)!;
      const dir = g.map((v) => v);
      direction.set(name, dir);
      for (const v of dir) norm += v * v;
    }
    norm = Math.sqrt(norm);
    for (const name of names) {
      const dir = direction.get(name)!;
      for (let i = 0; i < dir.length; i++) dir[i] /= norm;
      const g = base.grads.get(name)!;
      for (let i = 0; i < dir.length; i++) analytic += g[i] * dir[i];
    }
    const eps = 1e-3;
    const shifted = async (sign: number) => {
      const moved = new Map<string, Float32Array>();
      for (const name of names) {
        const v = values.get(name)!, dir = direction.get(name)!;
        moved.set(name, v.map((x, i) => x + sign * eps * dir[i]));
      }
      model.writeValues(moved);
      return (await lossAndGrads(model, inputs, labels, { dropoutSeed: seed })).loss;
    };
    const numeric = (await shifted(1) - await shifted(-1)) / (2 * eps);
    assert.ok(
      Math.abs(numeric - analytic) <= 0.02 * Math.abs(analytic),
      `numeric ${numeric} vs analytic ${analytic}`,
    );
    // A different seed drops different units, so the loss changes.
    model.writeValues(values);
    const other = await lossAndGrads(model, inputs, labels, { dropoutSeed: seed + 1 });
    assert.notEqual(other.loss, base.loss);
    model.dispose();
  },
});
