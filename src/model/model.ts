/**
 * `TinyRecursiveModel`: the user's API over the GPU recursion — deep supervision,
 * prediction with per-example halting, and explicit one-step calls for training loops
 * and serving.
 *
 * @module
 */
import { Gpu } from "../gpu/gpu.ts";
import type { Tensor } from "../gpu/tensor.ts";
import { gatherRows } from "../ops/gather.ts";
import { addLatentNoise } from "../ops/noise.ts";
import { argmax } from "../ops/reduce.ts";
import { type RopeTable, ropeTable } from "../ops/rope.ts";
import {
  derivedSizes,
  type ModelConfig,
  type ModelConfigInput,
  parseModelConfig,
} from "./config.ts";
import type { GradMap, NetContext, NetShape, TensorMap } from "./net.ts";
import { countParameters, initialValues, type ParamSpec, paramSpecs } from "./params.ts";
import {
  type Carry,
  embedInputs,
  initialCarry,
  stepBackward,
  stepForward,
  type StepOutputs,
  type StepTape,
} from "./recursion.ts";

/** The configuration fields that {@linkcode TinyRecursiveModel.setRecursion} may change. */
export const RECURSION_FIELDS = ["tCycles", "nRecursions", "maxSupervisionSteps"] as const;

/** A change of recursion depth: any of T (tCycles), n (nRecursions) and N_sup. */
export type RecursionChange = Partial<Pick<ModelConfig, (typeof RECURSION_FIELDS)[number]>>;

/** Token ids: rows of grid tokens, or a flat Int32Array of `batch × seqLen`. */
export type TokenInput = Int32Array | readonly (readonly number[])[];

/** Options of {@linkcode TinyRecursiveModel.create}. */
export interface CreateOptions {
  /** Backend to use; default: a new {@linkcode Gpu}. */
  gpu?: Gpu;
  /** Initialisation seed. */
  seed?: number;
  /** Initial tensor values by name (e.g. from a checkpoint); missing ones are initialised. */
  values?: Map<string, Float32Array>;
}

/** Options of {@linkcode TinyRecursiveModel.step}. */
export interface StepOptions {
  /** Record the last cycle for {@linkcode TinyRecursiveModel.backward}. */
  withGrad?: boolean;
  /** Token ids [B, L] (needed with `withGrad` for the embedding gradient). */
  ids?: Tensor;
  /** Dropout seed (training with config.dropout > 0); pass the same one to backward. */
  dropoutSeed?: number;
  /**
   * Gradient checkpointing: keep only each net application's input and recompute its
   * activations in backward (about 1/3 more compute, a fraction of the memory).
   */
  recompute?: boolean;
}

/** Result of {@linkcode TinyRecursiveModel.forwardWithDeepSupervision}. */
export interface DeepSupervisionResult {
  /** Per supervision step, logits [B·L·V] (row-major [B, L, V]). */
  predictions: Float32Array[];
  /** Per supervision step, halting probability sigmoid(q_halt) per example [B]. */
  haltProbs: Float32Array[];
  /** Per supervision step, the RMS norms of y and z per example (what the user's README plots). */
  intermediates: { yNorm: Float32Array; zNorm: Float32Array }[];
}

/** Result of {@linkcode TinyRecursiveModel.predict}. */
export interface PredictResult {
  /** Predicted token ids [B, L], row-major. */
  predictions: Int32Array;
  /** 1-based supervision step at which each example stopped. */
  exitSteps: Int32Array;
  /** Halting probability at the exit step. */
  haltProbs: Float32Array;
  /**
   * Which trajectory gave each answer (0 = the plain one; all 0 without `samples`).
   * {@linkcode TinyRecursiveModel.predict} always fills it; other predictors may leave it out.
   */
  chosenSample?: Int32Array;
  /** With `trace`: each example's predictions after every step it ran (tokens [L] per step). */
  trace?: Int32Array[][];
}

/** Options of {@linkcode TinyRecursiveModel.predict}. */
export interface PredictOptions {
  /** Cap on supervision steps (default: config.maxSupervisionSteps). */
  maxRefinementSteps?: number;
  /** Stop an example once sigmoid(q_halt) exceeds this (default 0.9); 1 or more never halts early. */
  haltThreshold?: number;
  /** Puzzle identifiers [B] (default 0). */
  puzzleIds?: Int32Array;
  /** Record the predictions after every step. */
  trace?: boolean;
  /**
   * Trajectories per puzzle (default 1, at most {@linkcode MAX_SAMPLES}): trajectory 0 is
   * the plain one, the others add noise to z after every step; the answer is the
   * trajectory the halting head is most confident in.
   */
  samples?: number;
  /** Standard deviation of the latent noise of sampled trajectories (default {@linkcode DEFAULT_SAMPLE_NOISE}). */
  noise?: number;
  /** Seed of the latent noise (default 0): the same seed gives the same answers. */
  seed?: number;
  /**
   * Stops the loop between supervision steps once aborted (nobody wants the answers any
   * more): predict then releases what it holds and throws the signal's reason.
   */
  signal?: AbortSignal;
  /**
   * Asked between supervision steps for each puzzle still running: true drops it (its
   * client has gone), so the batch goes on without its rows. A dropped puzzle's prediction
   * is all zeros with exit step 0.
   */
  isDropped?: (index: number) => boolean;
  /**
   * Consecutive puzzles that halt as a group (default 1; must divide the batch): once
   * `haltQuorum` of a group's members have halted, the others stop too and record their
   * answer and halting probability at that step. Test-time augmentation passes a puzzle's
   * symmetries as one group.
   */
  haltGroup?: number;
  /**
   * How many members of a `haltGroup` must have halted before the group stops (default 1:
   * at the first confident member; at most the group size, which runs every member to its
   * own halt). A member that halts earlier leaves the batch with its own answer.
   */
  haltQuorum?: number;
}

/** Most trajectories per puzzle that {@linkcode TinyRecursiveModel.predict} runs. */
export const MAX_SAMPLES = 64;

/** Default standard deviation of the latent noise of sampled trajectories (z has RMS ≈ 1). */
export const DEFAULT_SAMPLE_NOISE = 0.1;

/**
 * The Tiny Recursive Model on WebGPU.
 *
 * @example
 * ```ts ignore
 * import { presets, TinyRecursiveModel } from "@trm/tiny-recursive-model";
 * const model = await TinyRecursiveModel.create(presets.sudokuMlp);
 * console.log(model.numParameters()); // 5028866
 * const { predictions, exitSteps } = await model.predict(inputs, { haltThreshold: 0.9 });
 * ```
 */
export class TinyRecursiveModel {
  #config: ModelConfig;
  /** The backend the weights live on. */
  readonly gpu: Gpu;
  /** Every tensor by official name (weights, init vectors, puzzle embeddings). */
  readonly weights: TensorMap;
  /** Gradients of the trainable tensors (allocated on first use). */
  #grads: GradMap | null = null;
  #rope: RopeTable | undefined;

  private constructor(config: ModelConfig, gpu: Gpu, weights: TensorMap) {
    this.#config = config;
    this.gpu = gpu;
    this.weights = weights;
    if (!config.useMlpMixer && config.posEncoding === "rope") {
      const { headDim, totalSeqLen } = derivedSizes(config);
      this.#rope = ropeTable(gpu, { seqLen: totalSeqLen, headDim, base: config.ropeBase });
    }
  }

  /** The validated configuration. */
  get config(): ModelConfig {
    return this.#config;
  }

  /**
   * Changes the recursion depth (T, n) and N_sup in place: they change no weight's shape,
   * so a depth curriculum can grow them during training. Other fields cannot change.
   *
   * @example
   * ```ts ignore
   * model.setRecursion({ tCycles: 3, nRecursions: 3 });
   * ```
   */
  setRecursion(change: RecursionChange): void {
    const unknown = Object.keys(change).filter((k) => !RECURSION_FIELDS.includes(k as never));
    if (unknown.length) {
      throw new RangeError(
        `setRecursion changes only ${RECURSION_FIELDS.join(", ")}; got ${unknown}`,
      );
    }
    this.#config = parseModelConfig({ ...this.#config, ...change });
  }

  /** Creates a model with the official initialisation (or the given values). */
  static async create(
    config: ModelConfigInput,
    options: CreateOptions = {},
  ): Promise<TinyRecursiveModel> {
    const parsed = parseModelConfig(config);
    const gpu = options.gpu ?? await Gpu.create();
    const init = initialValues(parsed, options.seed ?? 0);
    const weights: TensorMap = new Map();
    for (const spec of paramSpecs(parsed)) {
      const given = options.values?.get(spec.name);
      const data = given ?? init.get(spec.name)!;
      const size = spec.shape.reduce((a, b) => a * b, 1);
      if (data.length !== size) {
        throw new Error(
          `tensor ${spec.name}: ${data.length} values, expected shape [${spec.shape}]`,
        );
      }
      const t = gpu.empty(spec.shape);
      gpu.write(t, data);
      weights.set(spec.name, t);
    }
    return new TinyRecursiveModel(parsed, gpu, weights);
  }

  /** Trainable parameter count, as PyTorch's `model.parameters()` counts it. */
  numParameters(): number {
    return countParameters(this.config);
  }

  /** Every tensor's spec (name, shape, role). */
  specs(): ParamSpec[] {
    return paramSpecs(this.config);
  }

  /** Gradient tensors of the trainable parameters, zero on first allocation. */
  get grads(): GradMap {
    if (!this.#grads) {
      this.#grads = new Map();
      for (const spec of paramSpecs(this.config)) {
        if (spec.trainable) this.#grads.set(spec.name, this.gpu.zeros(spec.shape));
      }
    }
    return this.#grads;
  }

  /** Sets every gradient to zero (recorded on the GPU). */
  zeroGrads(): void {
    for (const g of this.grads.values()) this.gpu.clear(g);
  }

  /** The context the recursion functions take. */
  context(dropoutSeed?: number): NetContext {
    return {
      gpu: this.gpu,
      config: this.config,
      weights: this.weights,
      rope: this.#rope,
      dropoutSeed,
    };
  }

  /** Uploads token ids (validated) as an i32 tensor [B, L]. */
  uploadTokens(inputs: TokenInput): Tensor {
    const L = this.config.seqLen;
    let flat: Int32Array;
    if (inputs instanceof Int32Array) flat = inputs;
    else {
      flat = new Int32Array(inputs.length * L);
      inputs.forEach((row, b) => {
        if (row.length !== L) {
          throw new RangeError(`input row ${b} has ${row.length} tokens, expected ${L}`);
        }
        flat.set(row, b * L);
      });
    }
    if (flat.length === 0 || flat.length % L !== 0) {
      throw new RangeError(`inputs hold ${flat.length} tokens, not a multiple of seqLen ${L}`);
    }
    for (let i = 0; i < flat.length; i++) {
      if (!(flat[i] >= 0 && flat[i] < this.config.vocabSize)) {
        throw new RangeError(
          `token ${flat[i]} at index ${i} is outside the vocabulary [0, ${this.config.vocabSize})`,
        );
      }
    }
    return this.gpu.upload(flat, [flat.length / L, L], "i32");
  }

  /** Uploads puzzle identifiers [B] (default zeros), validated against the table size. */
  uploadPuzzleIds(batch: number, puzzleIds?: Int32Array): Tensor | undefined {
    if (this.config.puzzleEmbLen === 0) return undefined;
    const ids = puzzleIds ?? new Int32Array(batch);
    if (ids.length !== batch) {
      throw new RangeError(`${ids.length} puzzle ids for a batch of ${batch}`);
    }
    for (const id of ids) {
      if (!(id >= 0 && id < this.config.numPuzzleIdentifiers)) {
        throw new RangeError(`puzzle id ${id} outside [0, ${this.config.numPuzzleIdentifiers})`);
      }
    }
    return this.gpu.upload(ids, [batch], "i32");
  }

  /** Shapes for a batch of `batch` examples. */
  shape(batch: number): NetShape {
    return { batch, seq: derivedSizes(this.config).totalSeqLen };
  }

  /** Embeds uploaded ids: x [B, S, D]. */
  embed(ids: Tensor, puzzleIds?: Tensor): Tensor {
    return embedInputs(this.context(), ids, puzzleIds);
  }

  /** A fresh carry (y, z = the fixed init vectors) for `batch` examples. */
  initialCarry(batch: number): Carry {
    return initialCarry(this.context(), this.shape(batch));
  }

  /**
   * One supervision step with an explicit carry (the official slot loop and serving use
   * this). The carry is read, not consumed; the result holds a new one.
   */
  step(x: Tensor, carry: Carry, options: StepOptions = {}): StepOutputs {
    const batch = x.shape[0];
    return stepForward(
      this.context(options.dropoutSeed),
      this.shape(batch),
      x,
      carry,
      options.withGrad ?? false,
      options.ids,
      options.recompute ?? false,
    );
  }

  /**
   * Backward of a step run with gradient: adds into {@linkcode TinyRecursiveModel.grads};
   * returns puzzle-embedding row gradients [B, D] when the model has a puzzle prefix.
   */
  backward(tape: StepTape, dLogits: Tensor, dq: Tensor, dropoutSeed?: number): Tensor | undefined {
    return stepBackward(this.context(dropoutSeed), tape, dLogits, dq, this.grads);
  }

  /**
   * Runs `numSupervisionSteps` supervision steps from the initial carry and returns every
   * step's logits, halting probabilities and carry norms (read back once at the end).
   */
  async forwardWithDeepSupervision(
    inputs: TokenInput,
    numSupervisionSteps = 16,
    options: { puzzleIds?: Int32Array } = {},
  ): Promise<DeepSupervisionResult> {
    const ids = this.uploadTokens(inputs);
    const batch = ids.shape[0];
    const pids = this.uploadPuzzleIds(batch, options.puzzleIds);
    const x = this.embed(ids, pids);
    let carry = this.initialCarry(batch);
    const pending: { logits: Tensor; q: Tensor; y: Tensor; z: Tensor }[] = [];
    for (let s = 0; s < numSupervisionSteps; s++) {
      const out = this.step(x, carry);
      const kept = { logits: out.logits, q: out.q, y: out.carry.y, z: out.carry.z };
      pending.push(kept);
      carry = out.carry;
    }
    const result: DeepSupervisionResult = { predictions: [], haltProbs: [], intermediates: [] };
    for (const p of pending) {
      const [logits, q, y, z] = await this.gpu.readMany([p.logits, p.q, p.y, p.z]);
      result.predictions.push(logits as Float32Array);
      result.haltProbs.push(Float32Array.from({ length: batch }, (_, b) => sigmoid(q[2 * b])));
      result.intermediates.push({
        yNorm: rowRms(y as Float32Array, batch),
        zNorm: rowRms(z as Float32Array, batch),
      });
      for (const t of [p.logits, p.q, p.y, p.z]) t.release();
    }
    for (const t of [ids, pids, x]) t?.release();
    return result;
  }

  /**
   * Predicts answers, halting each example once sigmoid(q_halt) > haltThreshold. Halted
   * examples leave the batch (the rest is compacted), so they stop costing compute; each
   * example's result equals what it would get alone (with `haltGroup`, what its group gets
   * alone).
   *
   * With `samples: K > 1` (PTRM-style test-time sampling), each puzzle runs K trajectories
   * at once: trajectory 0 is the plain one, the others add Gaussian noise (`noise`) to the
   * latent z after every step. A puzzle stops at the first step where one of its
   * trajectories is confident (max halting probability > haltThreshold) or at the cap,
   * and its answer is the trajectory with the highest halting probability then: the
   * model's own confidence chooses, nothing checks the rules.
   */
  async predict(inputs: TokenInput, options: PredictOptions = {}): Promise<PredictResult> {
    const maxSteps = options.maxRefinementSteps ?? this.config.maxSupervisionSteps;
    const threshold = options.haltThreshold ?? 0.9;
    const K = options.samples ?? 1;
    const sigma = options.noise ?? DEFAULT_SAMPLE_NOISE;
    if (!(maxSteps >= 1)) throw new RangeError("maxRefinementSteps must be at least 1");
    if (!Number.isInteger(K) || K < 1 || K > MAX_SAMPLES) {
      throw new RangeError(`samples must be an integer in [1, ${MAX_SAMPLES}], got ${K}`);
    }
    if (!(sigma >= 0 && Number.isFinite(sigma))) {
      throw new RangeError(`noise must be finite and ≥ 0, got ${sigma}`);
    }
    const seed = options.seed ?? 0;
    const L = this.config.seqLen;
    const V = this.config.vocabSize;
    const G = options.haltGroup ?? 1;
    const ids = this.uploadTokens(inputs);
    const total = ids.shape[0];
    const quorum = options.haltQuorum ?? 1;
    if (!Number.isInteger(G) || G < 1 || total % G !== 0) {
      ids.release();
      throw new RangeError(`haltGroup must be a positive integer dividing ${total}, got ${G}`);
    }
    if (!Number.isInteger(quorum) || quorum < 1 || quorum > G) {
      ids.release();
      throw new RangeError(`haltQuorum must be an integer in [1, haltGroup = ${G}], got ${quorum}`);
    }
    // Per group, how many of its members have halted so far.
    const groupHalted = new Int32Array(total / G);
    const allPuzzleIds = options.puzzleIds ?? new Int32Array(total);
    const predictions = new Int32Array(total * L);
    const exitSteps = new Int32Array(total);
    const haltProbs = new Float32Array(total);
    const chosenSample = new Int32Array(total);
    const trace: Int32Array[][] | undefined = options.trace
      ? Array.from({ length: total }, () => [])
      : undefined;
    // Per trajectory row, its puzzle's trace so far (only the chosen one is kept).
    const rowTrace: Int32Array[][] | undefined = options.trace && K > 1
      ? Array.from({ length: total * K }, () => [])
      : undefined;
    let active = Array.from({ length: total }, (_, i) => i); // original puzzle of each K rows
    const pids = this.uploadPuzzleIds(total, allPuzzleIds);
    let x = this.embed(ids, pids);
    ids.release();
    pids?.release();
    // A trajectory's noise follows from its puzzle's tokens and its sample index, not from
    // its place in the batch: the same puzzle gets the same answer alone or batched.
    const puzzleKeys = K > 1 ? tokenHashes(inputs, total, L, K) : new Uint32Array(0);
    if (K > 1) {
      // Every puzzle's row repeated K times: rows p·K … p·K+K-1 are its trajectories.
      x = this.#gather(x, Int32Array.from({ length: total * K }, (_, r) => Math.floor(r / K)));
    }
    let carry = this.initialCarry(total * K);
    for (let step = 1; step <= maxSteps && active.length > 0; step++) {
      if (options.signal) {
        // A readback blocks the JS thread until the GPU is idle (and resolves without a
        // turn of the event loop), so give the host one turn per step: a server then
        // notices clients that left, and takes in new requests, while a batch runs.
        await new Promise((resolve) => setTimeout(resolve, 0));
        if (options.signal.aborted) {
          for (const t of [x, carry.y, carry.z]) t.release();
          throw options.signal.reason;
        }
      }
      if (options.isDropped && active.some((orig) => options.isDropped!(orig))) {
        // Puzzles nobody waits for leave the batch, as halted ones do.
        const keep = active.flatMap((orig, a) => options.isDropped!(orig) ? [] : [a]);
        if (keep.length === 0) break;
        [x, carry] = this.#compactRows(x, carry, keep, K);
        active = keep.map((a) => active[a]);
      }
      const out = this.step(x, carry);
      carry.y.release();
      carry.z.release();
      carry = out.carry;
      const rows = active.length * K;
      const pred = argmax(this.gpu, out.logits, { rows: rows * L, cols: V });
      const [predData, qData] = await this.gpu.readMany([pred, out.q]);
      pred.release();
      out.logits.release();
      out.q.release();
      const keep: number[] = [];
      const bestOf = active.map((orig, a) => {
        let best = a * K, bestProb = sigmoid(qData[2 * best]);
        for (let r = a * K + 1; r < (a + 1) * K; r++) {
          const prob = sigmoid(qData[2 * r]);
          if (prob > bestProb) [best, bestProb] = [r, prob];
        }
        if (bestProb > threshold) groupHalted[Math.floor(orig / G)]++;
        return { best, bestProb };
      });
      active.forEach((orig, a) => {
        const { best, bestProb } = bestOf[a];
        const groupDone = groupHalted[Math.floor(orig / G)] >= quorum;
        if (rowTrace) {
          for (let k = 0; k < K; k++) {
            const r = a * K + k;
            rowTrace[orig * K + k].push(Int32Array.from(predData.subarray(r * L, (r + 1) * L)));
          }
        } else if (trace) {
          trace[orig].push(Int32Array.from(predData.subarray(best * L, (best + 1) * L)));
        }
        if (bestProb > threshold || groupDone || step === maxSteps) {
          predictions.set((predData as Int32Array).subarray(best * L, (best + 1) * L), orig * L);
          exitSteps[orig] = step;
          haltProbs[orig] = bestProb;
          chosenSample[orig] = best - a * K;
          if (rowTrace) trace![orig] = rowTrace[orig * K + best - a * K];
        } else keep.push(a);
      });
      if (keep.length === 0 || step === maxSteps) break;
      if (keep.length < active.length) {
        [x, carry] = this.#compactRows(x, carry, keep, K);
        active = keep.map((a) => active[a]);
      }
      if (K > 1 && sigma > 0) {
        // Fresh noise on the latent of every sampled trajectory before the next step.
        const keys = this.gpu.upload(
          Uint32Array.from(
            { length: active.length * K },
            (_, r) => puzzleKeys[active[Math.floor(r / K)]] * K + (r % K),
          ),
          [active.length * K],
          "u32",
        );
        addLatentNoise(this.gpu, carry.z, keys, { sigma, samples: K, seed, step });
        keys.release();
      }
    }
    for (const t of [x, carry.y, carry.z]) t.release();
    return { predictions, exitSteps, haltProbs, chosenSample, trace };
  }

  /** Keeps the rows (all K trajectories of each puzzle) of the puzzles at `keep`. */
  #compactRows(x: Tensor, carry: Carry, keep: number[], K: number): [Tensor, Carry] {
    const index = Int32Array.from(
      { length: keep.length * K },
      (_, r) => keep[Math.floor(r / K)] * K + (r % K),
    );
    return [
      this.#gather(x, index),
      { y: this.#gather(carry.y, index), z: this.#gather(carry.z, index) },
    ];
  }

  /** Gathers rows of `t` by index (releasing `t`). */
  #gather(t: Tensor, index: Int32Array): Tensor {
    const rows = this.gpu.upload(index, [index.length], "i32");
    const g = gatherRows(this.gpu, t, rows);
    t.release();
    rows.release();
    return g;
  }

  /** Reads every tensor back to the CPU (for checkpoints). */
  async readValues(): Promise<Map<string, Float32Array>> {
    const names = [...this.weights.keys()];
    const data = await this.gpu.readMany(names.map((n) => this.weights.get(n)!));
    return new Map(names.map((n, i) => [n, data[i] as Float32Array]));
  }

  /** Overwrites tensors from host values (names must exist; shapes must match). */
  writeValues(values: Map<string, Float32Array>): void {
    for (const [name, data] of values) {
      const t = this.weights.get(name);
      if (!t) throw new Error(`unknown tensor ${name}`);
      if (t.size !== data.length) {
        throw new Error(`tensor ${name}: ${data.length} values for shape [${t.shape}]`);
      }
      this.gpu.write(t, data);
    }
  }

  /** Releases every GPU tensor of the model. */
  dispose(): void {
    for (const t of this.weights.values()) t.release();
    if (this.#grads) { for (const t of this.#grads.values()) t.release(); }
    this.#rope?.cos.release();
    this.#rope?.sin.release();
  }
}

/**
 * Per puzzle, an FNV-1a hash of its tokens reduced below 2^32 / K, so that hash · K + k
 * (k < K) is a u32 trajectory key whose remainder mod K is the sample index.
 */
function tokenHashes(inputs: TokenInput, total: number, L: number, K: number): Uint32Array {
  const flat = inputs instanceof Int32Array
    ? inputs
    : Int32Array.from((inputs as readonly (readonly number[])[]).flat());
  const range = Math.floor(4294967296 / K);
  return Uint32Array.from({ length: total }, (_, p) => {
    let h = 0x811c9dc5;
    for (let t = p * L; t < (p + 1) * L; t++) h = Math.imul(h ^ flat[t], 0x01000193) >>> 0;
    return h % range;
  });
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

function rowRms(data: Float32Array, batch: number): Float32Array {
  const per = data.length / batch;
  const out = new Float32Array(batch);
  for (let b = 0; b < batch; b++) {
    let s = 0;
    for (let i = b * per; i < (b + 1) * per; i++) s += data[i] * data[i];
    out[b] = Math.sqrt(s / per);
  }
  return out;
}
