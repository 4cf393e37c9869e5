/**
 * `TRMTrainer`: deep supervision with one optimizer step per supervision step, the
 * official slot-carry loop with adaptive halting (no readback per step), Adam-atan2 or
 * AdamW with warmup, optional gradient clipping, EMA weights for evaluation and saving,
 * sign-SGD for puzzle embeddings, and resumable training state.
 *
 * @module
 */
import type { Gpu } from "../gpu/gpu.ts";
import type { Tensor } from "../gpu/tensor.ts";
import type { ModelConfig } from "../model/config.ts";
import { type RecursionChange, TinyRecursiveModel, type TokenInput } from "../model/model.ts";
import type { Carry } from "../model/recursion.ts";
import { signSgdRows } from "../ops/embedding.ts";
import {
  accumulateMetrics,
  type HaltingState,
  haltingUpdate,
  METRIC_FIELDS,
  METRICS_SIZE,
  resetRows,
  selectRows,
} from "../ops/halting.ts";
import { crossEntropy, haltLoss } from "../ops/loss.ts";
import { adamAtan2, adamW, clipScale, emaUpdate } from "../ops/optim.ts";
import { muon } from "../ops/muon.ts";
import { sumOfSquares } from "../ops/reduce.ts";
import { deriveSeed, Rng } from "../puzzles/rng.ts";
import type { TrainingBatch } from "./data.ts";
import { deepSupervisionLoss, type LossSummary } from "./loss.ts";
import { learningRate } from "./schedule.ts";

/** The serialisable trainer settings (everything but the model). */
export interface TrainerSettings {
  /** Peak learning rate (default 1e-4). */
  lr: number;
  /** Decoupled weight decay (default 1e-2; the official Sudoku recipe uses 1.0). */
  weightDecay: number;
  /** Linear warmup steps (default 2000). */
  warmupSteps: number;
  /** After warmup: constant (official) or cosine. */
  schedule: "constant" | "cosine";
  /** Total steps (needed by the cosine schedule). */
  totalSteps?: number;
  /** Cosine floor as a fraction of lr (default 0). */
  minLrRatio: number;
  /** EMA decay per optimizer step (default 0.999). */
  emaDecay: number;
  /** Clip the global gradient norm to this (default: no clipping, as the official runs). */
  maxGradNorm?: number;
  /**
   * Dense optimizer (default the official Adam-atan2). "muon": Muon on the 2-D weight
   * matrices of the recursive layers (src/ops/muon.ts, update RMS matched to Adam's, so
   * the same lr and weight decay), Adam-atan2 on everything else (embeddings, heads, inits).
   */
  optimizer: "adamw" | "adam-atan2" | "muon";
  /** Muon's Nesterov momentum (default 0.95; only with optimizer "muon"). */
  muonMomentum: number;
  /** Adam betas (default [0.9, 0.95]). */
  betas: [number, number];
  /** AdamW epsilon (default 1e-8; Adam-atan2 has none). */
  eps: number;
  /** Per-supervision-step loss weights of the whole-batch {@linkcode TRMTrainer.trainStep} (default 1 each). */
  lossWeights?: number[];
  /** Sign-SGD learning rate of the puzzle embeddings (default lr). */
  puzzleEmbLr: number;
  /** Weight decay of the puzzle embeddings (default weightDecay). */
  puzzleEmbWeightDecay: number;
  /** Seed of the exploration draws and dropout masks (default 0). */
  seed: number;
}

/** Options of {@linkcode TRMTrainer.create}: the model plus any {@linkcode TrainerSettings}. */
export type TRMTrainerOptions = { model: TinyRecursiveModel } & Partial<TrainerSettings>;

/** What {@linkcode TRMTrainer.trainStep} returns. */
export interface TrainStepResult {
  /** Mean over the supervision steps of `weight_k · (task_k + 0.5 · halt_k)`. */
  totalLoss: number;
  /** Mean task loss (per-sequence mean cross-entropy, averaged over the batch). */
  taskLoss: number;
  /** Mean halting BCE (averaged over the batch). */
  haltLoss: number;
  /** Token accuracy after the last supervision step. */
  accuracy: number;
  /** Fraction of sequences entirely right after the last supervision step. */
  exactAccuracy: number;
  /** Learning rate of the last optimizer step. */
  lr: number;
  /** Supervision steps run (fewer than asked with `earlyStop`). */
  steps: number;
  /** Per supervision step: task loss, halting loss, exact accuracy. */
  perStep: { taskLoss: number; haltLoss: number; exactAccuracy: number }[];
}

/** Training metrics of the slot loop since the last read (official definitions). */
export interface SlotMetrics {
  /** Optimizer step at the read. */
  step: number;
  /** Supervision (= optimizer) steps in this window. */
  windowSteps: number;
  /** Task loss per slot and step (Σ mean-CE / (B · steps)). */
  lmLoss: number;
  /** Halting BCE per slot and step. */
  haltLoss: number;
  /** lmLoss + 0.5 · haltLoss. */
  totalLoss: number;
  /** Token accuracy of the samples that halted in the window. */
  accuracy: number;
  /** Exact accuracy of the samples that halted in the window. */
  exactAccuracy: number;
  /** How often q_halt ≥ 0 agreed with exact correctness, over halted samples. */
  qHaltAccuracy: number;
  /** Mean supervision steps of the halted samples. */
  meanSteps: number;
  /** Samples that halted in the window. */
  halted: number;
  /** Learning rate of the last step. */
  lr: number;
  /** Absolute optimizer step whose loss first was NaN or Inf, if any. */
  nonFiniteStep?: number;
}

/** Thrown when a loss becomes NaN or Inf; names the optimizer step. */
export class NonFiniteLossError extends Error {
  /** The (1-based) optimizer step whose loss was not finite. */
  readonly step: number;
  /**
   * Creates the error for an optimizer step.
   * @param step the optimizer step
   */
  constructor(step: number) {
    super(`the loss became NaN or Inf at optimizer step ${step}`);
    this.name = "NonFiniteLossError";
    this.step = step;
  }
}

/** Defaults of {@linkcode TrainerSettings}. */
export function trainerSettings(options: Partial<TrainerSettings> = {}): TrainerSettings {
  const lr = options.lr ?? 1e-4;
  const weightDecay = options.weightDecay ?? 1e-2;
  const s: TrainerSettings = {
    lr,
    weightDecay,
    warmupSteps: options.warmupSteps ?? 2000,
    schedule: options.schedule ?? "constant",
    totalSteps: options.totalSteps,
    minLrRatio: options.minLrRatio ?? 0,
    emaDecay: options.emaDecay ?? 0.999,
    maxGradNorm: options.maxGradNorm,
    optimizer: options.optimizer ?? "adam-atan2",
    muonMomentum: options.muonMomentum ?? 0.95,
    betas: options.betas ?? [0.9, 0.95],
    eps: options.eps ?? 1e-8,
    lossWeights: options.lossWeights,
    puzzleEmbLr: options.puzzleEmbLr ?? lr,
    puzzleEmbWeightDecay: options.puzzleEmbWeightDecay ?? weightDecay,
    seed: options.seed ?? 0,
  };
  const positive = (name: string, v: number | undefined, allowZero = true) => {
    if (v === undefined) return;
    if (!Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) {
      throw new RangeError(`${name} must be ${allowZero ? "≥ 0" : "> 0"}, got ${v}`);
    }
  };
  positive("lr", s.lr);
  positive("weightDecay", s.weightDecay);
  positive("warmupSteps", s.warmupSteps);
  positive("maxGradNorm", s.maxGradNorm, false);
  positive("puzzleEmbLr", s.puzzleEmbLr);
  positive("puzzleEmbWeightDecay", s.puzzleEmbWeightDecay);
  if (!(s.emaDecay >= 0 && s.emaDecay < 1)) {
    throw new RangeError(`emaDecay must be in [0, 1), got ${s.emaDecay}`);
  }
  if (!s.betas.every((b) => b >= 0 && b < 1)) {
    throw new RangeError(`betas must be in [0, 1), got ${s.betas}`);
  }
  if (!["adamw", "adam-atan2", "muon"].includes(s.optimizer)) {
    throw new RangeError(`unknown optimizer "${s.optimizer}" (adam-atan2, adamw or muon)`);
  }
  if (!(s.muonMomentum >= 0 && s.muonMomentum < 1)) {
    throw new RangeError(`muonMomentum must be in [0, 1), got ${s.muonMomentum}`);
  }
  if (s.schedule === "cosine" && !(s.totalSteps! > 0)) {
    throw new RangeError("the cosine schedule needs totalSteps");
  }
  if (s.lossWeights?.some((w) => !Number.isFinite(w) || w < 0)) {
    throw new RangeError("lossWeights must be finite and ≥ 0");
  }
  return s;
}

/** GPU state of the slot-carry loop. */
interface Slots {
  batch: number;
  ids: Tensor; // i32 [B, L]
  labels: Tensor; // i32 [B, L]
  pids?: Tensor; // i32 [B]
  carry: Carry;
  halting: HaltingState;
  fresh: { ids: Tensor; labels: Tensor; pids?: Tensor; minSteps: Tensor };
  metrics: Tensor; // f32 [METRICS_SIZE]
  metricsBase: number; // optimizer step at the last metrics read
}

/** The slot tensors a training checkpoint holds, by name. */
export const SLOT_TENSORS = [
  "ids",
  "labels",
  "pids",
  "y",
  "z",
  "steps",
  "halted",
  "metrics",
] as const;

const EXPLORATION_SALT = 0x6a09e667;
const DROPOUT_SALT = 0x3c6ef372;

/**
 * Trains a {@linkcode TinyRecursiveModel}.
 *
 * @example
 * ```ts ignore
 * const model = await TinyRecursiveModel.create(presets.sudoku4, { gpu });
 * const trainer = await TRMTrainer.create({ model, lr: 1e-3, warmupSteps: 100 });
 * // The user's whole-batch API: K supervision steps on one batch.
 * const r = await trainer.trainStep([inputs, targets], 4);
 * // The official slot loop: one supervision step for every slot, no readback.
 * trainer.slotStep(source.examples(0, 64));
 * console.log(await trainer.readMetrics());
 * const ema = trainer.emaModel; // evaluate / save this one
 * ```
 */
export class TRMTrainer {
  /** The model being trained (live weights). */
  readonly model: TinyRecursiveModel;
  /** The settings in force. */
  readonly settings: TrainerSettings;
  readonly #gpu: Gpu;
  readonly #ema: TinyRecursiveModel;
  readonly #moments = new Map<string, { m: Tensor; v: Tensor }>();
  readonly #trainable: string[];
  #step = 0;
  #slots: Slots | null = null;

  private constructor(
    model: TinyRecursiveModel,
    ema: TinyRecursiveModel,
    settings: TrainerSettings,
  ) {
    this.model = model;
    this.#gpu = model.gpu;
    this.#ema = ema;
    this.settings = settings;
    this.#trainable = model.specs().filter((s) => s.trainable).map((s) => s.name);
    for (const name of this.#trainable) {
      const shape = model.weights.get(name)!.shape;
      this.#moments.set(name, { m: this.#gpu.zeros(shape), v: this.#gpu.zeros(shape) });
    }
  }

  /** Creates a trainer; the EMA model starts as a copy of the model's weights. */
  static async create(options: TRMTrainerOptions): Promise<TRMTrainer> {
    const { model, ...rest } = options;
    if (!(model instanceof TinyRecursiveModel)) {
      throw new TypeError("TRMTrainer needs a TinyRecursiveModel as `model`");
    }
    const settings = trainerSettings(rest);
    const ema = await TinyRecursiveModel.create(model.config, {
      gpu: model.gpu,
      values: await model.readValues(),
    });
    return new TRMTrainer(model, ema, settings);
  }

  /** Optimizer steps taken so far. */
  get step(): number {
    return this.#step;
  }

  /** The model configuration. */
  get config(): ModelConfig {
    return this.model.config;
  }

  /**
   * Changes the recursion depth (T, n) and N_sup of the model and its EMA copy (a depth
   * curriculum); slots already running past a lower N_sup halt at the next step.
   */
  setRecursion(change: RecursionChange): void {
    this.model.setRecursion(change);
    this.#ema.setRecursion(change);
  }

  /** Learning rate of 1-based optimizer step `step` (set before that step's update). */
  lrAt(step: number): number {
    const s = this.settings;
    return learningRate(step, {
      lr: s.lr,
      warmupSteps: s.warmupSteps,
      schedule: s.schedule,
      totalSteps: s.totalSteps,
      minLrRatio: s.minLrRatio,
    });
  }

  /**
   * The model with the EMA weights (puzzle embeddings and init states are the live ones,
   * as in the official EMA copy): use it for evaluation and saving. Shares the GPU; do not
   * dispose it while the trainer is in use.
   */
  get emaModel(): TinyRecursiveModel {
    for (const spec of this.model.specs()) {
      if (spec.role === "puzzleEmbedding") {
        this.#gpu.copy(this.model.weights.get(spec.name)!, this.#ema.weights.get(spec.name)!);
      }
    }
    return this.#ema;
  }

  // ---- one supervision step with gradient, loss and update -------------------------------

  /**
   * Runs one supervision step with gradient from `carry`, the loss (weight/B on the task
   * loss, 0.5·weight/B on the halting loss), backward and the optimizer update. Returns the
   * new carry and the per-slot outputs the caller reads or accumulates (caller releases).
   */
  #trainOnCarry(
    ids: Tensor,
    pids: Tensor | undefined,
    labels: Tensor,
    carry: Carry,
    weight: number,
  ) {
    const gpu = this.#gpu, model = this.model, config = model.config;
    const batch = ids.shape[0];
    const nextStep = this.#step + 1;
    const dropoutSeed = config.dropout > 0
      ? deriveSeed(this.settings.seed ^ DROPOUT_SALT, nextStep) % 4294967296
      : undefined;
    const x = model.embed(ids, pids);
    const out = model.step(x, carry, { withGrad: true, ids, dropoutSeed });
    x.release();
    const ce = crossEntropy(gpu, out.logits, labels, {
      kind: config.lossKind,
      ignoreIndex: config.ignoreIndex,
      gradScale: weight / batch,
    });
    out.logits.release();
    ce.predictions.release();
    const hl = haltLoss(gpu, out.q, ce.seqStats, {
      batch,
      targetStride: 4,
      targetOffset: 3,
      gradScale: (0.5 * weight) / batch,
    });
    model.zeroGrads();
    const rows = model.backward(out.tape!, ce.dLogits!, hl.dq!, dropoutSeed);
    ce.dLogits!.release();
    hl.dq!.release();
    this.#update(rows, pids);
    rows?.release();
    return { carry: out.carry, q: out.q, seqStats: ce.seqStats, haltLoss: hl.loss };
  }

  /** Optimizer step t = step + 1 with the gradients in model.grads, then the EMA. */
  #update(puzzleRows: Tensor | undefined, pids: Tensor | undefined): void {
    const gpu = this.#gpu, s = this.settings, model = this.model;
    const t = ++this.#step;
    const lr = this.lrAt(t);
    const grads = model.grads;
    let scale: Tensor | undefined;
    if (s.maxGradNorm !== undefined) {
      const sq = sumOfSquares(gpu, this.#trainable.map((n) => grads.get(n)!));
      scale = clipScale(gpu, sq, s.maxGradNorm);
      sq.release();
    }
    const step = s.optimizer === "adamw" ? adamW : adamAtan2;
    for (const name of this.#trainable) {
      const { m, v } = this.#moments.get(name)!;
      const param = model.weights.get(name)!;
      if (s.optimizer === "muon" && isMuonMatrix(name, param.shape)) {
        // v stays zero: Muon keeps one moment, and the checkpoint layout stays the same.
        muon(gpu, { param, grad: grads.get(name)!, m }, {
          lr,
          momentum: s.muonMomentum,
          weightDecay: s.weightDecay,
          gradScale: scale,
        });
        continue;
      }
      step(gpu, { param, grad: grads.get(name)!, m, v }, {
        lr,
        beta1: s.betas[0],
        beta2: s.betas[1],
        weightDecay: s.weightDecay,
        step: t,
        eps: s.eps,
        gradScale: scale,
      });
    }
    scale?.release();
    const table = model.weights.get("inner.puzzle_emb.weights");
    if (puzzleRows && pids && table) {
      const puzzleLr = learningRate(t, { ...this.#schedule(), lr: s.puzzleEmbLr });
      signSgdRows(gpu, table, pids, puzzleRows, {
        lr: puzzleLr,
        weightDecay: s.puzzleEmbWeightDecay,
      });
    }
    for (const name of this.#trainable) {
      emaUpdate(gpu, this.#ema.weights.get(name)!, model.weights.get(name)!, s.emaDecay);
    }
  }

  #schedule() {
    const s = this.settings;
    return {
      lr: s.lr,
      warmupSteps: s.warmupSteps,
      schedule: s.schedule,
      totalSteps: s.totalSteps,
      minLrRatio: s.minLrRatio,
    };
  }

  #uploadLabels(targets: TokenInput, batch: number): Tensor {
    const L = this.model.config.seqLen;
    const flat = targets instanceof Int32Array
      ? targets
      : Int32Array.from((targets as readonly (readonly number[])[]).flat());
    if (flat.length !== batch * L) {
      throw new RangeError(`targets hold ${flat.length} labels, expected ${batch} × ${L}`);
    }
    return this.#gpu.upload(flat, [batch, L], "i32");
  }

  // ---- the user's whole-batch API ----------------------------------------------------

  /**
   * The user's API: `numSupervisionSteps` supervision steps on one batch from the initial
   * carry, each with its own loss (weighted by `lossWeights[k]`) and optimizer step. Reads
   * back once at the end (and after each step with `earlyStop`, which stops once every
   * sequence is right). Throws {@linkcode NonFiniteLossError} on a NaN/Inf loss.
   */
  async trainStep(
    batch: [TokenInput, TokenInput],
    numSupervisionSteps = 16,
    options: { puzzleIds?: Int32Array; lossWeights?: readonly number[]; earlyStop?: boolean } = {},
  ): Promise<TrainStepResult> {
    if (!Number.isInteger(numSupervisionSteps) || numSupervisionSteps < 1) {
      throw new RangeError(
        `numSupervisionSteps must be a positive integer, got ${numSupervisionSteps}`,
      );
    }
    const [inputs, targets] = batch;
    const model = this.model, gpu = this.#gpu;
    const ids = model.uploadTokens(inputs);
    const B = ids.shape[0];
    const labels = this.#uploadLabels(targets, B);
    const pids = model.uploadPuzzleIds(B, options.puzzleIds);
    const weights = options.lossWeights ?? this.settings.lossWeights ?? [];
    let carry = model.initialCarry(B);
    const kept: { seqStats: Tensor; haltLoss: Tensor; step: number }[] = [];
    try {
      for (let k = 0; k < numSupervisionSteps; k++) {
        const r = this.#trainOnCarry(ids, pids, labels, carry, weights[k] ?? 1);
        carry.y.release();
        carry.z.release();
        carry = r.carry;
        r.q.release();
        kept.push({ seqStats: r.seqStats, haltLoss: r.haltLoss, step: this.#step });
        if (options.earlyStop && k < numSupervisionSteps - 1) {
          const stats = (await gpu.read(r.seqStats)) as Float32Array;
          let all = true;
          for (let b = 0; b < B && all; b++) all = stats[4 * b + 3] === 1;
          if (all) break;
        }
      }
      const data = await gpu.readMany(kept.flatMap((k) => [k.seqStats, k.haltLoss]));
      const perStep: TrainStepResult["perStep"] = [];
      let total = 0, task = 0, halt = 0, accuracy = 0, exact = 0;
      kept.forEach((k, i) => {
        const stats = data[2 * i] as Float32Array, bce = data[2 * i + 1] as Float32Array;
        let t = 0, h = 0, e = 0, correct = 0, valid = 0;
        for (let b = 0; b < B; b++) {
          t += stats[4 * b];
          h += bce[b];
          e += stats[4 * b + 3];
          valid += stats[4 * b + 1];
          correct += stats[4 * b + 2];
        }
        if (!Number.isFinite(t) || !Number.isFinite(h)) throw new NonFiniteLossError(k.step);
        t /= B;
        h /= B;
        total += (weights[i] ?? 1) * (t + 0.5 * h);
        task += t;
        halt += h;
        perStep.push({ taskLoss: t, haltLoss: h, exactAccuracy: e / B });
        accuracy = valid > 0 ? correct / valid : 1;
        exact = e / B;
      });
      const n = kept.length;
      return {
        totalLoss: total / n,
        taskLoss: task / n,
        haltLoss: halt / n,
        accuracy,
        exactAccuracy: exact,
        lr: this.lrAt(this.#step),
        steps: n,
        perStep,
      };
    } finally {
      for (const k of kept) {
        k.seqStats.release();
        k.haltLoss.release();
      }
      for (const t of [ids, labels, pids, carry.y, carry.z]) t?.release();
    }
  }

  /**
   * The user's `computeLoss` over the outputs of `forwardWithDeepSupervision` (host,
   * float64): per step `Σ_b mean-CE_b + 0.5 · Σ_b BCE(haltProb_b, exact_b)` over B, weighted.
   */
  computeLoss(
    predictions: readonly Float32Array[],
    haltProbs: readonly Float32Array[],
    targets: TokenInput,
    lossWeights?: readonly number[],
  ): LossSummary {
    const c = this.model.config;
    return deepSupervisionLoss(predictions, haltProbs, targets, {
      vocabSize: c.vocabSize,
      lossKind: c.lossKind,
      ignoreIndex: c.ignoreIndex,
      lossWeights: lossWeights ?? this.settings.lossWeights,
    });
  }

  // ---- the official slot-carry loop ----------------------------------------------------

  #slotsFor(batch: number): Slots {
    if (this.#slots) {
      if (this.#slots.batch !== batch) {
        throw new RangeError(
          `the slot loop runs ${this.#slots.batch} slots; got a batch of ${batch}`,
        );
      }
      return this.#slots;
    }
    const gpu = this.#gpu, model = this.model;
    const L = model.config.seqLen;
    const hasPids = model.config.puzzleEmbLen > 0;
    const halted = gpu.upload(new Uint32Array(batch).fill(1), [batch], "u32"); // all start by taking a sample
    this.#slots = {
      batch,
      ids: gpu.zeros([batch, L], "i32"),
      labels: gpu.zeros([batch, L], "i32"),
      pids: hasPids ? gpu.zeros([batch], "i32") : undefined,
      carry: model.initialCarry(batch),
      halting: { steps: gpu.zeros([batch], "u32"), halted },
      fresh: {
        ids: gpu.zeros([batch, L], "i32"),
        labels: gpu.zeros([batch, L], "i32"),
        pids: hasPids ? gpu.zeros([batch], "i32") : undefined,
        minSteps: gpu.zeros([batch], "u32"),
      },
      metrics: gpu.zeros([METRICS_SIZE]),
      metricsBase: this.#step,
    };
    return this.#slots;
  }

  /** This step's exploration minimum per slot: with probability p, uniform in [2, N_sup]; else 0. */
  explorationDraws(step: number, batch: number): Uint32Array {
    const c = this.model.config;
    const rng = new Rng(deriveSeed(this.settings.seed ^ EXPLORATION_SALT, step));
    const out = new Uint32Array(batch);
    for (let b = 0; b < batch; b++) {
      const explore = rng.next() < c.haltExplorationProb;
      const min = 2 + rng.int(Math.max(1, c.maxSupervisionSteps - 1));
      out[b] = explore ? min : 0;
    }
    return out;
  }

  /**
   * One optimizer step of the official loop: every slot runs one supervision step. Slots
   * that halted at the previous step first take their sample from `batch` (a fresh batch
   * of B examples every call, as the official loader) and restart from the init vectors.
   * Records GPU work only: read metrics with {@linkcode TRMTrainer.readMetrics}.
   */
  slotStep(batch: TrainingBatch): void {
    const model = this.model, gpu = this.#gpu, config = model.config;
    const L = config.seqLen;
    const B = batch.inputs.length / L;
    if (!Number.isInteger(B) || B < 1 || batch.labels.length !== batch.inputs.length) {
      throw new RangeError(
        `a slot batch needs inputs and labels of B × ${L} tokens (got ${batch.inputs.length} and ${batch.labels.length})`,
      );
    }
    for (let i = 0; i < batch.inputs.length; i++) {
      const t = batch.inputs[i];
      if (!(t >= 0 && t < config.vocabSize)) {
        throw new RangeError(
          `token ${t} at index ${i} is outside the vocabulary [0, ${config.vocabSize})`,
        );
      }
    }
    const s = this.#slotsFor(B);
    gpu.write(s.fresh.ids, batch.inputs);
    gpu.write(s.fresh.labels, batch.labels);
    if (s.fresh.pids) gpu.write(s.fresh.pids, batch.puzzleIds ?? new Int32Array(B));
    gpu.write(s.fresh.minSteps, this.explorationDraws(this.#step + 1, B));
    const halted = s.halting.halted;
    selectRows(gpu, s.ids, s.fresh.ids, halted);
    selectRows(gpu, s.labels, s.fresh.labels, halted);
    if (s.pids) selectRows(gpu, s.pids, s.fresh.pids!, halted);
    resetRows(gpu, s.carry.y, model.weights.get("inner.H_init")!, halted);
    resetRows(gpu, s.carry.z, model.weights.get("inner.L_init")!, halted);
    const r = this.#trainOnCarry(s.ids, s.pids, s.labels, s.carry, 1);
    haltingUpdate(gpu, s.halting, r.q, s.fresh.minSteps, {
      maxSteps: config.maxSupervisionSteps,
      training: true,
    });
    accumulateMetrics(gpu, s.metrics, r.seqStats, r.q, r.haltLoss, s.halting);
    s.carry.y.release();
    s.carry.z.release();
    s.carry = r.carry;
    for (const t of [r.q, r.seqStats, r.haltLoss]) t.release();
    gpu.flush();
  }

  /** Reads and clears the slot loop's metrics (one small readback). */
  async readMetrics(): Promise<SlotMetrics> {
    const s = this.#slots;
    if (!s) throw new Error("readMetrics: the slot loop has not run yet");
    const m = (await this.#gpu.read(s.metrics)) as Float32Array;
    this.#gpu.clear(s.metrics);
    const F = METRIC_FIELDS;
    const windowSteps = m[F.stepCount];
    const count = m[F.count];
    const per = Math.max(1, windowSteps * s.batch);
    const lmLoss = m[F.lmLoss] / per, haltLossValue = m[F.haltLoss] / per;
    const result: SlotMetrics = {
      step: this.#step,
      windowSteps,
      lmLoss,
      haltLoss: haltLossValue,
      totalLoss: lmLoss + 0.5 * haltLossValue,
      accuracy: count ? m[F.accuracy] / count : 0,
      exactAccuracy: count ? m[F.exact] / count : 0,
      qHaltAccuracy: count ? m[F.qHaltAccuracy] / count : 0,
      meanSteps: count ? m[F.steps] / count : 0,
      halted: count,
      lr: this.lrAt(this.#step),
    };
    if (m[F.firstNonFinite] > 0) result.nonFiniteStep = s.metricsBase + m[F.firstNonFinite];
    s.metricsBase = this.#step;
    return result;
  }

  // ---- state for checkpoints ---------------------------------------------------------

  /**
   * Every tensor of the training state, by checkpoint name: `model/…` (live), `ema/…` and
   * `adam_m/…`, `adam_v/…` (trainable tensors), `slots/…` (the slot loop, when it ran).
   */
  stateTensors(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    for (const [name, t] of this.model.weights) out.set(`model/${name}`, t);
    for (const name of this.#trainable) {
      out.set(`ema/${name}`, this.#ema.weights.get(name)!);
      out.set(`adam_m/${name}`, this.#moments.get(name)!.m);
      out.set(`adam_v/${name}`, this.#moments.get(name)!.v);
    }
    const s = this.#slots;
    if (s) {
      const slot: Record<(typeof SLOT_TENSORS)[number], Tensor | undefined> = {
        ids: s.ids,
        labels: s.labels,
        pids: s.pids,
        y: s.carry.y,
        z: s.carry.z,
        steps: s.halting.steps,
        halted: s.halting.halted,
        metrics: s.metrics,
      };
      for (const [k, t] of Object.entries(slot)) if (t) out.set(`slots/${k}`, t);
    }
    return out;
  }

  /**
   * Restores the state {@linkcode TRMTrainer.stateTensors} described (values by the same
   * names) and the step counter. The model's own tensors must already hold `model/…`.
   */
  restoreState(
    values: Map<string, Float32Array | Int32Array | Uint32Array>,
    step: number,
    slotBatch?: number,
  ): void {
    const gpu = this.#gpu;
    const need = (name: string) => {
      const v = values.get(name);
      if (!v) throw new Error(`the training checkpoint lacks ${name}`);
      return v;
    };
    for (const name of this.#trainable) {
      gpu.write(this.#ema.weights.get(name)!, need(`ema/${name}`));
      gpu.write(this.#moments.get(name)!.m, need(`adam_m/${name}`));
      gpu.write(this.#moments.get(name)!.v, need(`adam_v/${name}`));
    }
    this.#step = step;
    if (slotBatch !== undefined) {
      this.#releaseSlots();
      const s = this.#slotsFor(slotBatch);
      gpu.write(s.ids, need("slots/ids"));
      gpu.write(s.labels, need("slots/labels"));
      if (s.pids) gpu.write(s.pids, need("slots/pids"));
      gpu.write(s.carry.y, need("slots/y"));
      gpu.write(s.carry.z, need("slots/z"));
      gpu.write(s.halting.steps, need("slots/steps"));
      gpu.write(s.halting.halted, need("slots/halted"));
      gpu.write(s.metrics, need("slots/metrics"));
      s.metricsBase = step - (values.get("slots/metrics")?.[METRIC_FIELDS.stepCount] ?? 0);
    }
  }

  /** Slots of the slot loop (undefined before its first step). */
  get slotBatch(): number | undefined {
    return this.#slots?.batch;
  }

  #releaseSlots(): void {
    const s = this.#slots;
    if (s) {
      for (
        const t of [
          s.ids,
          s.labels,
          s.pids,
          s.carry.y,
          s.carry.z,
          s.halting.steps,
          s.halting.halted,
          s.metrics,
          ...Object.values(s.fresh),
        ]
      ) t?.release();
    }
    this.#slots = null;
  }

  /** Releases the trainer's GPU tensors (optimizer state, EMA model, slots), not the model's. */
  dispose(): void {
    for (const { m, v } of this.#moments.values()) {
      m.release();
      v.release();
    }
    this.#ema.dispose();
    this.#releaseSlots();
  }
}

/**
 * Whether Muon updates this tensor (with optimizer "muon"): the 2-D weights of the
 * recursive layers. Embeddings, the output and halting heads and the initial states are
 * not hidden linear maps, so Adam-atan2 keeps them, as Muon's authors advise.
 */
export function isMuonMatrix(name: string, shape: readonly number[]): boolean {
  return shape.length === 2 && name.startsWith("inner.L_level.layers.");
}
