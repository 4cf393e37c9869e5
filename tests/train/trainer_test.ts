/**
 * TRMTrainer on a tiny model: the optimizer update and EMA against float64 references,
 * the loss scaling (reported loss and gradients against the host loss and its finite
 * differences), the slot loop's sample/carry bookkeeping, checkpoint round trips that
 * continue bit-identically, NaN detection, and the learning-rate schedule.
 */
import { TinyRecursiveModel } from "../../src/model/model.ts";
import { learningRate } from "../../src/train/schedule.ts";
import { deepSupervisionLoss } from "../../src/train/loss.ts";
import { generatePool, poolSource, sudokuAugment } from "../../src/train/data.ts";
import {
  decodeTrainingState,
  encodeTrainingState,
  restoreTraining,
} from "../../src/train/state.ts";
import { NonFiniteLossError, type TrainerSettings, TRMTrainer } from "../../src/train/trainer.ts";
import { retargetSchedule } from "../../src/cli/train_flags.ts";
import { assertClose, randomInts, testGpu } from "../_helpers.ts";
import { adamRef } from "../reference/train.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };

/** 4×4-Sudoku-shaped, as small as the model allows (mixer: no head constraints). */
const TINY = {
  vocabSize: 6,
  seqLen: 16,
  puzzleEmbLen: 0,
  dim: 16,
  numLayers: 1,
  numHeads: 2,
  useMlpMixer: true,
  posEncoding: "none",
  nRecursions: 2,
  tCycles: 2,
  maxSupervisionSteps: 2,
} as const;

function sameArray(a: ArrayLike<number>, b: ArrayLike<number>, label: string) {
  if (a.length !== b.length) throw new Error(`${label}: lengths ${a.length} vs ${b.length}`);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) throw new Error(`${label}: element ${i} is ${a[i]} vs ${b[i]}`);
  }
}

function batchOf(B: number, seed: number) {
  const inputs = randomInts(B * 16, seed, 6);
  const targets = Int32Array.from(randomInts(B * 16, seed + 1, 4), (t) => t + 2);
  return { inputs, targets };
}

Deno.test({
  ...opts,
  name: "learningRate: linear warmup from step 1, then constant or cosine",
  fn: () => {
    assertClose([learningRate(1, { lr: 1e-3, warmupSteps: 10 })], [1e-4], {
      rtol: 1e-12,
      label: "step 1",
    });
    assertClose([learningRate(10, { lr: 1e-3, warmupSteps: 10 })], [1e-3], {
      rtol: 1e-12,
      label: "end of warmup",
    });
    assertClose([learningRate(500, { lr: 1e-3, warmupSteps: 10 })], [1e-3], {
      rtol: 1e-12,
      label: "constant",
    });
    const cos = (s: number) =>
      learningRate(s, {
        lr: 1,
        warmupSteps: 10,
        schedule: "cosine",
        totalSteps: 110,
        minLrRatio: 0.1,
      });
    assertClose([cos(10), cos(60), cos(110)], [1, 0.55, 0.1], { atol: 1e-12, label: "cosine" });
  },
});

Deno.test({
  ...opts,
  name:
    "retargetSchedule: a resumed cosine run decays to 0 at its new total; constant is untouched",
  fn: () => {
    const cosine = { lr: 1, warmupSteps: 10, schedule: "cosine" as const, totalSteps: 4000 };
    retargetSchedule(cosine as TrainerSettings, 3000);
    assertClose([learningRate(3000, cosine), learningRate(1505, cosine)], [0, 0.5], {
      atol: 1e-12,
      label: "cosine ends at the new total",
    });
    const constant = { lr: 1, warmupSteps: 10, schedule: "constant" as const, totalSteps: 4000 };
    retargetSchedule(constant as TrainerSettings, 3000);
    if (constant.totalSteps !== 4000) throw new Error("constant schedule changed");
  },
});

Deno.test({
  ...opts,
  name: "trainStep: Adam-atan2 / AdamW (with clipping) updates and EMA match float64 references",
  fn: async () => {
    const gpu = await testGpu();
    for (const variant of ["adam-atan2", "adamw"] as const) {
      const model = await TinyRecursiveModel.create(TINY, { gpu, seed: 3 });
      const maxGradNorm = variant === "adamw" ? 0.05 : undefined; // small enough to clip
      const trainer = await TRMTrainer.create({
        model,
        lr: 1e-2,
        warmupSteps: 4,
        weightDecay: 0.5,
        emaDecay: 0.9,
        optimizer: variant,
        maxGradNorm,
      });
      const { inputs, targets } = batchOf(5, 20);
      const before = await model.readValues();
      await trainer.trainStep([inputs, targets], 1);
      const names = [...model.grads.keys()];
      const grads = await gpu.readMany(names.map((n) => model.grads.get(n)!));
      const after = await model.readValues();
      const ema = await trainer.emaModel.readValues();
      let norm2 = 0;
      for (const g of grads) for (const v of g) norm2 += v * v;
      const scale = maxGradNorm ? Math.min(1, maxGradNorm / (Math.sqrt(norm2) + 1e-6)) : 1;
      if (maxGradNorm && !(scale < 0.9)) {
        throw new Error(`the clipping test should clip (scale ${scale})`);
      }
      names.forEach((name, i) => {
        const zero = new Float64Array(before.get(name)!.length);
        const ref = adamRef(before.get(name)!, grads[i], zero, zero, {
          lr: 1e-2 / 4, // warmup: step 1 of 4
          beta1: 0.9,
          beta2: 0.95,
          weightDecay: 0.5,
          step: 1,
          eps: 1e-8,
          atan2: variant === "adam-atan2",
          gradScale: scale,
        });
        // One f32 update of size ≤ lr: errors of a few ulps of the weights.
        assertClose(after.get(name)!, ref.param, {
          atol: 2e-6,
          rtol: 1e-5,
          label: `${variant} ${name}`,
        });
        const emaRef = ref.param.map((p, j) => 0.9 * before.get(name)![j] + 0.1 * p);
        assertClose(ema.get(name)!, emaRef, {
          atol: 2e-6,
          rtol: 1e-5,
          label: `${variant} EMA ${name}`,
        });
      });
      // Untrained tensors stay put in both models.
      sameArray(after.get("inner.H_init")!, before.get("inner.H_init")!, "H_init");
      sameArray(ema.get("inner.L_init")!, before.get("inner.L_init")!, "EMA L_init");
      trainer.dispose();
      model.dispose();
    }
  },
});

Deno.test({
  ...opts,
  name: "trainStep: reported losses and gradients are those of (Σ meanCE + 0.5 Σ BCE) / B",
  fn: async () => {
    const gpu = await testGpu();
    const model = await TinyRecursiveModel.create(TINY, { gpu, seed: 4 });
    const trainer = await TRMTrainer.create({ model, lr: 0, warmupSteps: 0, weightDecay: 0 });
    const B = 6;
    const { inputs, targets } = batchOf(B, 30);
    const hostLoss = async () => {
      const out = await model.forwardWithDeepSupervision(inputs, 1);
      return deepSupervisionLoss(out.predictions, out.haltProbs, targets, { vocabSize: 6 });
    };
    const expected = await hostLoss();
    const r = await trainer.trainStep([inputs, targets], 1); // lr 0: weights unchanged
    // GPU f32 stablemax vs host float64 on the same f32 logits: ~1e-6 relative.
    assertClose([r.taskLoss, r.haltLoss, r.totalLoss], [
      expected.taskLoss,
      expected.haltLoss,
      expected.totalLoss,
    ], { rtol: 1e-5, atol: 1e-6, label: "losses" });
    assertClose([r.accuracy, r.exactAccuracy], [expected.accuracy, expected.exactAccuracy], {
      atol: 0,
      rtol: 0,
      label: "accuracy",
    });
    // Halting head: q = bias = -5 for every example (weight 0), targets 0 at random init:
    // d/d bias_0 of 0.5·Σ BCE / B = 0.5·sigmoid(-5).
    const biasGrad = await gpu.read(model.grads.get("inner.q_head.bias")!);
    assertClose([biasGrad[0], biasGrad[1]], [0.5 / (1 + Math.exp(5)), 0], {
      rtol: 1e-5,
      atol: 1e-9,
      label: "q bias grad",
    });
    // lm_head: central differences of the host loss (f32 forward; eps 1e-2, loss ~1.8: 2% agreement).
    const name = "inner.lm_head.weight";
    const grad = await gpu.read(model.grads.get(name)!);
    const w = (await model.readValues()).get(name)!;
    for (const i of [3, 17, 40]) {
      const eps = 1e-2;
      const probe = async (delta: number) => {
        const changed = w.slice();
        changed[i] += delta;
        model.writeValues(new Map([[name, changed]]));
        return (await hostLoss()).totalLoss;
      };
      const fd = ((await probe(eps)) - (await probe(-eps))) / (2 * eps);
      assertClose([grad[i]], [fd], { rtol: 0.02, atol: 2e-4, label: `lm_head[${i}]` });
    }
    model.writeValues(new Map([[name, w]]));
    trainer.dispose();
    model.dispose();
  },
});

Deno.test({
  ...opts,
  name: "slot loop: halted slots take fresh samples and restart; the rest keep theirs",
  fn: async () => {
    const gpu = await testGpu();
    const model = await TinyRecursiveModel.create({ ...TINY, haltExplorationProb: 0 }, {
      gpu,
      seed: 5,
    });
    const trainer = await TRMTrainer.create({ model, lr: 0, warmupSteps: 0 });
    const B = 7;
    const batches = [1, 2, 3].map((k) => {
      const { inputs, targets } = batchOf(B, 40 + 2 * k);
      return { inputs, labels: targets };
    });
    const state = async () => {
      const t = trainer.stateTensors();
      const [ids, steps, halted] = await gpu.readMany([
        t.get("slots/ids")!,
        t.get("slots/steps")!,
        t.get("slots/halted")!,
      ]);
      return { ids, steps, halted };
    };
    // q_halt = -5 (< 0) at init and lr 0: slots halt only at N_sup = 2.
    trainer.slotStep(batches[0]);
    let s = await state();
    sameArray(s.ids, batches[0].inputs, "step 1 takes batch 1");
    sameArray(s.steps, new Array(B).fill(1), "steps after 1");
    sameArray(s.halted, new Array(B).fill(0), "halted after 1");
    trainer.slotStep(batches[1]);
    s = await state();
    sameArray(s.ids, batches[0].inputs, "step 2 keeps batch 1");
    sameArray(s.halted, new Array(B).fill(1), "all halt at N_sup");
    const m = await trainer.readMetrics();
    if (m.windowSteps !== 2 || m.halted !== B || m.meanSteps !== 2) {
      throw new Error(`metrics ${JSON.stringify(m)}`);
    }
    trainer.slotStep(batches[2]);
    s = await state();
    sameArray(s.ids, batches[2].inputs, "step 3 takes batch 3");
    sameArray(s.steps, new Array(B).fill(1), "restarted");
    trainer.dispose();
    model.dispose();
  },
});

Deno.test({
  ...opts,
  name: "training checkpoint: restore continues bit-identically; NaN is detected with its step",
  fn: async () => {
    const gpu = await testGpu();
    const model = await TinyRecursiveModel.create({ ...TINY, maxSupervisionSteps: 3 }, {
      gpu,
      seed: 6,
    });
    const trainer = await TRMTrainer.create({
      model,
      lr: 3e-3,
      warmupSteps: 2,
      weightDecay: 0.1,
      emaDecay: 0.9,
      seed: 9,
    });
    const pool = generatePool("sudoku4", { count: 20, seed: 1 });
    const source = poolSource(pool, { seed: 2, vocabSize: 6, augment: sudokuAugment(4) });
    // Exploration draws: probability 0.1 of a minimum uniform in [2, N_sup = 3].
    const draws = trainer.explorationDraws(1, 4000);
    const explored = draws.filter((d) => d > 0);
    if (!(explored.length > 320 && explored.length < 480)) {
      throw new Error(`${explored.length} of 4000 explored`);
    }
    if (explored.some((d) => d < 2 || d > 3) || !explored.includes(3)) {
      throw new Error("draws outside [2, N_sup = 3]");
    }
    const B = 9;
    for (let t = 1; t <= 3; t++) trainer.slotStep(source.examples((t - 1) * B, B));
    await trainer.readMetrics();
    trainer.slotStep(source.examples(3 * B, B)); // an unread metrics window travels too
    const bytes = await encodeTrainingState(trainer, { note: "test" });
    const decoded = decodeTrainingState(bytes);
    if (
      decoded.meta.step !== 4 || decoded.meta.run.note !== "test" || decoded.meta.slotBatch !== B
    ) throw new Error("metadata");
    const { trainer: copy } = await restoreTraining(bytes, gpu);
    for (let t = 5; t <= 7; t++) {
      trainer.slotStep(source.examples((t - 1) * B, B));
      copy.slotStep(source.examples((t - 1) * B, B));
    }
    const [a, b] = [await trainer.readMetrics(), await copy.readMetrics()];
    if (a.windowSteps !== 4 || b.windowSteps !== 4) {
      throw new Error(`windows ${a.windowSteps} ${b.windowSteps}`);
    }
    sameArray([a.lmLoss, a.haltLoss, a.exactAccuracy, a.step], [
      b.lmLoss,
      b.haltLoss,
      b.exactAccuracy,
      b.step,
    ], "metrics after restore");
    const ta = trainer.stateTensors(), tb = copy.stateTensors();
    for (
      const name of [
        "model/inner.lm_head.weight",
        "ema/inner.lm_head.weight",
        "adam_v/inner.embed_tokens.embedding_weight",
        "slots/z",
      ]
    ) {
      sameArray(await gpu.read(ta.get(name)!), await gpu.read(tb.get(name)!), name);
    }
    // A NaN weight makes the next step's loss NaN: reported with that step's number.
    const w = (await copy.model.readValues()).get("inner.lm_head.weight")!;
    w[0] = NaN;
    copy.model.writeValues(new Map([["inner.lm_head.weight", w]]));
    copy.slotStep(source.examples(7 * B, B));
    const bad = await copy.readMetrics();
    if (bad.nonFiniteStep !== 8) throw new Error(`nonFiniteStep ${bad.nonFiniteStep}, expected 8`);
    let threw = false;
    try {
      await copy.trainStep(
        [pool.inputs.subarray(0, 32), pool.labels.subarray(0, 32)].map((a) =>
          Int32Array.from(a)
        ) as [Int32Array, Int32Array],
        1,
      );
    } catch (e) {
      threw = e instanceof NonFiniteLossError && e.step === 9;
    }
    if (!threw) throw new Error("trainStep should throw NonFiniteLossError naming step 9");
    for (const t of [trainer, copy]) {
      t.dispose();
      t.model.dispose();
    }
  },
});

Deno.test({
  ...opts,
  name: "puzzle embeddings: sign-SGD on the rows in the batch only, outside the EMA",
  fn: async () => {
    const gpu = await testGpu();
    const model = await TinyRecursiveModel.create({
      ...TINY,
      puzzleEmbLen: 2,
      numPuzzleIdentifiers: 4,
    }, { gpu, seed: 8 });
    const name = "inner.puzzle_emb.weights";
    // Non-zero rows, so that the update's direction is visible in every row.
    const start = Float32Array.from({ length: 4 * 16 }, (_, i) => Math.sin(i));
    model.writeValues(new Map([[name, start]]));
    const trainer = await TRMTrainer.create({
      model,
      lr: 1e-2,
      warmupSteps: 0,
      weightDecay: 0.5,
      puzzleEmbLr: 0.1,
      puzzleEmbWeightDecay: 0.2,
    });
    const { inputs, targets } = batchOf(3, 50);
    const puzzleIds = Int32Array.of(1, 3, 1);
    const r = await trainer.trainStep([inputs, targets], 1, { puzzleIds });
    if (!Number.isFinite(r.totalLoss)) throw new Error("loss");
    const after = (await model.readValues()).get(name)!;
    for (let row = 0; row < 4; row++) {
      for (let j = 0; j < 16; j++) {
        const before = start[row * 16 + j], now = after[row * 16 + j];
        if (row === 0 || row === 2) {
          if (now !== before) throw new Error(`row ${row} (not in the batch) changed`);
        } else {
          // w·(1 - lr·wd) - lr·sign(g): a step of exactly ±0.1 (or 0 where g = 0) after the decay.
          const step = Math.abs(now - before * (1 - 0.1 * 0.2));
          if (!(Math.abs(step - 0.1) < 1e-6 || step < 1e-7)) {
            throw new Error(`row ${row}[${j}]: step ${step}`);
          }
        }
      }
    }
    // The EMA model carries the live puzzle embeddings.
    const ema = (await trainer.emaModel.readValues()).get(name)!;
    sameArray(ema, after, "EMA puzzle embeddings");
    trainer.dispose();
    model.dispose();
  },
});
