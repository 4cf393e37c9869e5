/**
 * The proof that gradients, optimizer and loop are right: a tiny TRM trained with the
 * official slot loop (the `cli.ts train --task sudoku4` recipe) on the CPU adapter reaches
 * ≥ 95% exact accuracy on 200 generated 4×4 Sudoku puzzles it never saw, within minutes.
 * The one slow test of the suite (about 3–4 minutes on 2 cores). A tiny version runs under
 * both kernel profiles and checks they learn on the same path (about 1¼ minutes, nearly all
 * of it the gpu profile's workgroup-tiled kernels on llvmpipe).
 */
import type { AdapterProfile } from "../../src/gpu/device.ts";
import type { Gpu } from "../../src/gpu/gpu.ts";
import { TinyRecursiveModel } from "../../src/model/model.ts";
import { presets } from "../../src/model/config.ts";
import { generatePool, poolKeys, poolSource, taskAugment } from "../../src/train/data.ts";
import { evaluate, type EvaluateResult } from "../../src/train/evaluate.ts";
import { taskRecipe } from "../../src/train/recipes.ts";
import { TRMTrainer } from "../../src/train/trainer.ts";
import { testGpu } from "../_helpers.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };
/** Wall-clock cap on training (the issue allows 8 minutes in all). */
const BUDGET_SECONDS = 7 * 60;

/** The sudoku4 recipe's model and trainer, seed 1 (warmup from the recipe unless given). */
async function sudoku4Trainer(gpu: Gpu, warmupSteps?: number) {
  const recipe = taskRecipe("sudoku4");
  const model = await TinyRecursiveModel.create({ ...presets[recipe.preset], ...recipe.config }, {
    gpu,
    seed: 1,
  });
  const trainer = await TRMTrainer.create({
    model,
    lr: recipe.lr,
    warmupSteps: warmupSteps ?? recipe.warmupSteps,
    weightDecay: recipe.weightDecay,
    emaDecay: recipe.emaDecay,
    seed: 1,
  });
  return { recipe, model, trainer };
}

Deno.test({
  ...opts,
  name: "a tiny TRM learns 4×4 Sudoku: ≥ 95% exact accuracy on 200 unseen puzzles",
  fn: async () => {
    const gpu = await testGpu();
    const { recipe, model, trainer } = await sudoku4Trainer(gpu);
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    // Held out: the training stream never emits these questions (augmented or not).
    const heldOut = generatePool("sudoku4", { count: 200, seed: 424242 });
    const pool = generatePool("sudoku4", { count: recipe.poolSize, seed: 1 });
    const source = poolSource(pool, {
      seed: 2,
      vocabSize: model.config.vocabSize,
      augment: taskAugment("sudoku4", 16),
      exclude: poolKeys(heldOut),
    });
    const B = recipe.batch;
    let result: EvaluateResult | undefined;
    let step = 0;
    try {
      while (step < recipe.steps && seconds() < BUDGET_SECONDS) {
        step++;
        trainer.slotStep(source.examples((step - 1) * B, B));
        if (step % 50 === 0) {
          const m = await trainer.readMetrics();
          if (m.nonFiniteStep) throw new Error(`NaN/Inf loss at step ${m.nonFiniteStep}`);
          const line = `step ${step} ${seconds().toFixed(0)}s loss ${
            m.lmLoss.toFixed(3)
          } train-exact ${m.exactAccuracy.toFixed(3)} steps ${m.meanSteps.toFixed(2)}`;
          if (step >= 150) {
            result = await evaluate(trainer.emaModel, heldOut);
            console.log(`${line} held-out exact ${(100 * result.exactAccuracy).toFixed(1)}%`);
            if (result.exactAccuracy >= 0.95) break;
          } else console.log(line);
        }
      }
      result = await evaluate(trainer.emaModel, heldOut);
      console.log(
        `after ${step} steps (${B} slots) and ${seconds().toFixed(0)} s: held-out exact ${
          (100 * result.exactAccuracy).toFixed(1)
        }%, ` +
          `token ${(100 * result.tokenAccuracy).toFixed(1)}%, halting head stops at step ${
            result.meanHaltStep.toFixed(2)
          } ` +
          `with ${(100 * result.haltedExactAccuracy).toFixed(1)}% exact`,
      );
      if (!(result.exactAccuracy >= 0.95)) {
        throw new Error(
          `held-out exact accuracy ${
            (100 * result.exactAccuracy).toFixed(1)
          }% < 95% after ${step} steps, ${seconds().toFixed(0)} s`,
        );
      }
    } finally {
      trainer.dispose();
      model.dispose();
    }
  },
});

/**
 * The tiny version, under both kernel profiles: 8 slots, 80 steps (the recipe's lr after a
 * 5-step warmup), scored on 50 unseen puzzles. Both must learn (the mean loss of steps 61–80
 * at most 0.6 of that of steps 1–20, seen 0.53; held-out cell accuracy from ~25% at the
 * start to ≥ 60%, seen 73%; the full test above shows where that path leads), and the forced "gpu" profile — workgroup-memory tiles, ~10–60× slower
 * on llvmpipe, hence the tiny shapes — must follow the "cpu" profile's path: the same
 * seeds and data, so the two differ only by f32 rounding in differently ordered sums.
 */
const TINY = { batch: 8, steps: 80, readEvery: 20, warmupSteps: 5, heldOut: 50 } as const;

async function tinyRun(profile: AdapterProfile) {
  const gpu = await testGpu(profile);
  if (gpu.profile !== profile) {
    throw new Error(`asked for the ${profile} profile, got ${gpu.profile}`);
  }
  const { model, trainer } = await sudoku4Trainer(gpu, TINY.warmupSteps);
  try {
    const heldOut = generatePool("sudoku4", { count: TINY.heldOut, seed: 424242 });
    const source = poolSource(generatePool("sudoku4", { count: 2000, seed: 1 }), {
      seed: 2,
      vocabSize: model.config.vocabSize,
      augment: taskAugment("sudoku4", 16),
      exclude: poolKeys(heldOut),
    });
    const started = performance.now();
    const losses: number[] = [];
    for (let step = 1; step <= TINY.steps; step++) {
      trainer.slotStep(source.examples((step - 1) * TINY.batch, TINY.batch));
      if (step % TINY.readEvery === 0) {
        const m = await trainer.readMetrics();
        if (m.nonFiniteStep) throw new Error(`${profile}: NaN/Inf loss at step ${m.nonFiniteStep}`);
        losses.push(m.lmLoss);
      }
    }
    // The trained weights, not the EMA: after 80 steps at decay 0.99 the EMA still lags.
    const result = await evaluate(trainer.model, heldOut);
    console.log(
      `${profile} profile: ${TINY.steps} steps in ${
        ((performance.now() - started) / 1000).toFixed(0)
      } s, loss ${losses.map((l) => l.toFixed(4)).join(" → ")}, held-out cells ${
        (100 * result.tokenAccuracy).toFixed(1)
      }%, exact ${(100 * result.exactAccuracy).toFixed(1)}%`,
    );
    return { losses, result };
  } finally {
    trainer.dispose();
    model.dispose();
  }
}

Deno.test({
  ...opts,
  name: "a tiny TRM learns 4×4 Sudoku on the same path under the cpu and gpu kernel profiles",
  fn: async () => {
    const cpu = await tinyRun("cpu");
    const gpu = await tinyRun("gpu");
    for (const [profile, run] of [["cpu", cpu], ["gpu", gpu]] as const) {
      const first = run.losses[0], last = run.losses[run.losses.length - 1];
      if (!(last <= 0.6 * first) || !(run.result.tokenAccuracy >= 0.6)) {
        throw new Error(
          `${profile} profile did not learn: loss ${first} → ${last}, held-out cells ${run.result.tokenAccuracy}`,
        );
      }
    }
    // f32 rounding differs between the profiles' kernels and grows over training (seen
    // ≤ 1e-6 relative over 80 steps); a wrong kernel (a dropped tile, a bad index) is off by
    // far more than 0.1% at the first read.
    let worst = 0;
    gpu.losses.forEach((loss, i) => {
      const ref = cpu.losses[i];
      worst = Math.max(worst, Math.abs(loss - ref) / ref);
      if (!(Math.abs(loss - ref) <= 1e-3 * ref)) {
        throw new Error(
          `gpu-profile loss ${loss} vs cpu-profile ${ref} at step ${(i + 1) * TINY.readEvery}`,
        );
      }
    });
    console.log(`largest relative loss difference between the profiles: ${worst.toExponential(2)}`);
    if (!(Math.abs(gpu.result.tokenAccuracy - cpu.result.tokenAccuracy) <= 0.05)) {
      throw new Error(
        `held-out cells: gpu profile ${gpu.result.tokenAccuracy}, cpu ${cpu.result.tokenAccuracy}`,
      );
    }
  },
});
