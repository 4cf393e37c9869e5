/**
 * Optimizer parity with PyTorch over 10 steps of the slot loop, llm.c style: the committed
 * fixtures (tools/make_optim_fixtures.py, float64) hold the initial weights, each step's
 * fresh batch, and after every optimizer step the losses, metrics, exploration draws, slot
 * state (samples, steps, halted flags, carry) and puzzle-embedding table, plus every
 * trainable tensor's weights, EMA and Adam moments m, v at the fixture's `fullSteps`. We run
 * `TRMTrainer.slotStep` free-running from the same weights on the same batches and compare
 * everything after each step.
 *
 * Tolerance (as tests/model_parity_test.ts): max |ours − ref| ≤ 1e-4 × max |ref| per tensor;
 * integer state (samples, steps, halted, exploration draws, halted count) must be equal.
 * The generator guarantees that no discontinuity is near its threshold (|q_halt|, top-2 logit
 * gaps, sign-SGD gradients; margins in the fixture metadata) and that its own float32 rerun
 * stays within a tenth of this tolerance.
 */
import assert from "node:assert/strict";
import { parseSafetensors } from "../../src/model/safetensors.ts";
import { TinyRecursiveModel } from "../../src/model/model.ts";
import { learningRate } from "../../src/train/schedule.ts";
import { TRMTrainer } from "../../src/train/trainer.ts";
import { assertParity, testGpu } from "../_helpers.ts";

const RELATIVE_TOLERANCE = 1e-4;

/** Worst relative error (max abs error / scale) per tensor family, for the report. */
type Worst = Map<string, { rel: number; label: string }>;

function compare(
  family: string,
  label: string,
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  worstByFamily: Worst,
) {
  const { worst, scale } = assertParity(label, actual, expected, RELATIVE_TOLERANCE);
  const rel = worst / scale;
  const prev = worstByFamily.get(family);
  if (!prev || !(rel <= prev.rel)) worstByFamily.set(family, { rel, label });
}

function equal(label: string, actual: ArrayLike<number>, expected: ArrayLike<number>) {
  assert.deepEqual(Array.from(actual), Array.from(expected), label);
}

async function runOptimParity(file: string) {
  const gpu = await testGpu();
  const bytes = await Deno.readFile(new URL(`../fixtures/${file}`, import.meta.url));
  const { metadata, tensors } = parseSafetensors(bytes);
  const config = JSON.parse(metadata.config);
  const settings = JSON.parse(metadata.trainer);
  const meta = JSON.parse(metadata.fixture);
  const get = (name: string) => {
    const t = tensors.get(name);
    if (!t) throw new Error(`fixture lacks ${name}`);
    return t.data as Float32Array | Float64Array | Int32Array;
  };
  const scalar = (name: string) => get(name)[0];
  const values = new Map<string, Float32Array>();
  for (const [name, t] of tensors) {
    if (name.startsWith("inner.")) values.set(name, t.data as Float32Array);
  }
  const model = await TinyRecursiveModel.create(config, { gpu, values });
  const trainer = await TRMTrainer.create({ model, ...settings });
  const B = meta.batch as number;
  const hasPrefix = config.puzzleEmbLen > 0;
  const table = "inner.puzzle_emb.weights";
  const trainable = model.specs().filter((s) => s.trainable).map((s) => s.name).sort();
  const refTrainable = [...tensors.keys()]
    .filter((n) => n.startsWith(`ref.step${meta.fullSteps[0]}.weights.`))
    .map((n) => n.slice(`ref.step${meta.fullSteps[0]}.weights.`.length))
    .sort();
  assert.deepEqual(trainable, refTrainable, "trainable tensors (PyTorch's named_parameters)");

  const worst: Worst = new Map();
  try {
    for (let t = 1; t <= meta.steps; t++) {
      const p = `ref.step${t}.`;
      // The host-side inputs of the step: exploration draws and learning rates.
      equal(`step ${t} exploration draws`, trainer.explorationDraws(t, B), get(p + "min_steps"));
      compare("lr", `step ${t} lr`, [trainer.lrAt(t)], [scalar(p + "lr")], worst);
      const puzzleLr = learningRate(t, {
        lr: trainer.settings.puzzleEmbLr,
        warmupSteps: trainer.settings.warmupSteps,
        schedule: trainer.settings.schedule,
        totalSteps: trainer.settings.totalSteps,
        minLrRatio: trainer.settings.minLrRatio,
      });
      compare("lr", `step ${t} puzzle lr`, [puzzleLr], [scalar(p + "puzzle_lr")], worst);

      trainer.slotStep({
        inputs: get(`batch.step${t}.inputs`) as Int32Array,
        labels: get(`batch.step${t}.labels`) as Int32Array,
        puzzleIds: hasPrefix ? get(`batch.step${t}.puzzle_identifiers`) as Int32Array : undefined,
      });

      const m = await trainer.readMetrics();
      assert.equal(m.step, t);
      assert.equal(m.windowSteps, 1);
      assert.equal(m.halted, scalar(p + "count"), `step ${t} halted slots counted`);
      compare("losses", `step ${t} lm loss`, [m.lmLoss], [scalar(p + "lm_loss")], worst);
      compare("losses", `step ${t} halt loss`, [m.haltLoss], [scalar(p + "halt_loss")], worst);
      const metricPairs: [number, string][] = [
        [m.accuracy, "accuracy"],
        [m.exactAccuracy, "exact_accuracy"],
        [m.qHaltAccuracy, "q_halt_accuracy"],
        [m.meanSteps, "mean_steps"],
      ];
      for (const [ours, key] of metricPairs) {
        compare("metrics", `step ${t} ${key}`, [ours], [scalar(p + key)], worst);
      }

      const state = trainer.stateTensors();
      const names = ["slots/ids", "slots/labels", "slots/steps", "slots/halted", "slots/y"];
      names.push("slots/z");
      if (hasPrefix) names.push("slots/pids", `model/${table}`);
      const full = (meta.fullSteps as number[]).includes(t);
      if (full) {
        for (const n of trainable) {
          names.push(`model/${n}`, `ema/${n}`, `adam_m/${n}`, `adam_v/${n}`);
        }
      }
      const data = await gpu.readMany(names.map((n) => state.get(n)!));
      const ours = new Map(names.map((n, i) => [n, data[i]]));
      equal(`step ${t} slot ids`, ours.get("slots/ids")!, get(p + "slot_ids"));
      equal(`step ${t} slot labels`, ours.get("slots/labels")!, get(p + "slot_labels"));
      equal(`step ${t} slot steps`, ours.get("slots/steps")!, get(p + "slot_steps"));
      equal(`step ${t} slot halted`, ours.get("slots/halted")!, get(p + "slot_halted"));
      compare("carry", `step ${t} y`, ours.get("slots/y")!, get(p + "y"), worst);
      compare("carry", `step ${t} z`, ours.get("slots/z")!, get(p + "z"), worst);
      if (hasPrefix) {
        equal(`step ${t} slot puzzle ids`, ours.get("slots/pids")!, get(p + "slot_pids"));
        compare(
          "puzzle table",
          `step ${t} ${table}`,
          ours.get(`model/${table}`)!,
          get(p + table),
          worst,
        );
      }
      if (full) {
        for (const n of trainable) {
          compare(
            "weights",
            `step ${t} ${n}`,
            ours.get(`model/${n}`)!,
            get(`${p}weights.${n}`),
            worst,
          );
          compare("ema", `step ${t} ema ${n}`, ours.get(`ema/${n}`)!, get(`${p}ema.${n}`), worst);
          compare(
            "adam m",
            `step ${t} m ${n}`,
            ours.get(`adam_m/${n}`)!,
            get(`${p}adam_m.${n}`),
            worst,
          );
          compare(
            "adam v",
            `step ${t} v ${n}`,
            ours.get(`adam_v/${n}`)!,
            get(`${p}adam_v.${n}`),
            worst,
          );
        }
      }
    }
  } finally {
    if (Deno.env.get("TRM_PARITY_REPORT")) {
      const lines = [...worst].map(([family, w]) =>
        `  ${family}: worst max err / scale ${w.rel.toExponential(2)} (${w.label})`
      );
      console.log(`${file}:\n${lines.join("\n")}`);
    }
    trainer.dispose();
    model.dispose();
  }
}

Deno.test({
  name:
    "optimizer parity with PyTorch: Adam-atan2, warmup + cosine, EMA, puzzle sign-SGD, exploration (attention, 10 slot steps)",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () => runOptimParity("optim_atan2_attention.safetensors"),
});

Deno.test({
  name:
    "optimizer parity with PyTorch: torch.optim.AdamW, warmup + constant, EMA (MLP-mixer, 10 slot steps)",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () => runOptimParity("optim_adamw_mlp.safetensors"),
});

Deno.test({
  name:
    "optimizer parity with PyTorch: Muon on the layer matrices + Adam-atan2, clipping, cosine, EMA (MLP-mixer, 10 slot steps)",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () => runOptimParity("optim_muon_mlp.safetensors"),
});
