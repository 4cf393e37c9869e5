/**
 * Training checkpoints: live weights, EMA weights, optimizer moments, the slot loop's
 * state (samples, carries, halting, metrics), the step and the run's settings, in one
 * safetensors file with a JSON `trm_training` metadata entry. Pure bytes in and out: the
 * CLI writes them atomically (temporary file, then rename).
 *
 * @module
 */
import type { Gpu } from "../gpu/gpu.ts";
import { encodeCheckpoint } from "../model/checkpoint.ts";
import { type ModelConfig, parseModelConfig } from "../model/config.ts";
import { TinyRecursiveModel } from "../model/model.ts";
import {
  parseSafetensors,
  type SafetensorsInput,
  serializeSafetensors,
} from "../model/safetensors.ts";
import { type TrainerSettings, TRMTrainer } from "./trainer.ts";

/** Version of the training-checkpoint layout. */
export const TRAINING_CHECKPOINT_VERSION = 1;

/** The JSON metadata of a training checkpoint. */
export interface TrainingMetadata {
  /** Layout version. */
  version: number;
  /** Optimizer steps done. */
  step: number;
  /** Model configuration. */
  config: ModelConfig;
  /** Trainer settings. */
  settings: TrainerSettings;
  /** Slots of the slot loop, when it ran. */
  slotBatch?: number;
  /** The caller's run description (task, data seed, schedule, …). */
  run: Record<string, unknown>;
}

/** Thrown for a training checkpoint that cannot be used. */
export class TrainingCheckpointError extends Error {
  /**
   * Creates the error.
   * @param message what is wrong
   */
  constructor(message: string) {
    super(message);
    this.name = "TrainingCheckpointError";
  }
}

/**
 * Serialises the whole training state (one readback of every state tensor).
 *
 * @example
 * ```ts ignore
 * const bytes = await encodeTrainingState(trainer, { task: "sudoku4", seed: 1 });
 * await Deno.writeFile("run.train.safetensors.tmp", bytes);
 * await Deno.rename("run.train.safetensors.tmp", "run.train.safetensors");
 * ```
 */
export async function encodeTrainingState(
  trainer: TRMTrainer,
  run: Record<string, unknown> = {},
): Promise<Uint8Array> {
  const tensors = trainer.stateTensors();
  const names = [...tensors.keys()];
  const data = await trainer.model.gpu.readMany(names.map((n) => tensors.get(n)!));
  const entries: Record<string, SafetensorsInput> = {};
  names.forEach((name, i) => {
    const t = tensors.get(name)!;
    entries[name] = {
      dtype: t.dtype === "f32" ? "F32" : t.dtype === "i32" ? "I32" : "U32",
      shape: t.shape,
      data: data[i],
    };
  });
  const meta: TrainingMetadata = {
    version: TRAINING_CHECKPOINT_VERSION,
    step: trainer.step,
    config: trainer.config,
    settings: trainer.settings,
    slotBatch: trainer.slotBatch,
    run,
  };
  return serializeSafetensors(entries, { trm_training: JSON.stringify(meta) });
}

/** A parsed training checkpoint. */
export interface DecodedTrainingState {
  /** Metadata. */
  meta: TrainingMetadata;
  /** Every tensor by checkpoint name. */
  values: Map<string, Float32Array | Int32Array | Uint32Array>;
}

/** Parses a training checkpoint (no GPU needed). */
export function decodeTrainingState(bytes: Uint8Array): DecodedTrainingState {
  let file;
  try {
    file = parseSafetensors(bytes);
  } catch (error) {
    throw new TrainingCheckpointError(
      `not a valid training checkpoint: ${(error as Error).message}`,
    );
  }
  const text = file.metadata.trm_training;
  if (!text) {
    throw new TrainingCheckpointError(
      "the file has no trm_training metadata (is it a model file rather than a training checkpoint?)",
    );
  }
  let meta: TrainingMetadata;
  try {
    meta = JSON.parse(text);
  } catch {
    throw new TrainingCheckpointError("the trm_training metadata is not valid JSON");
  }
  if (meta.version !== TRAINING_CHECKPOINT_VERSION) {
    throw new TrainingCheckpointError(
      `training checkpoint version ${meta.version} is not supported (expected ${TRAINING_CHECKPOINT_VERSION})`,
    );
  }
  meta.config = parseModelConfig(meta.config);
  const values = new Map<string, Float32Array | Int32Array | Uint32Array>();
  for (const [name, t] of file.tensors) {
    if (
      !(t.data instanceof Float32Array || t.data instanceof Int32Array ||
        t.data instanceof Uint32Array)
    ) {
      throw new TrainingCheckpointError(
        `tensor ${name} has dtype ${t.dtype}; expected F32, I32 or U32`,
      );
    }
    values.set(name, t.data);
  }
  return { meta, values };
}

/**
 * Rebuilds the model and trainer of a training checkpoint on `gpu`, ready to continue.
 *
 * @example
 * ```ts ignore
 * const { trainer, meta } = await restoreTraining(await Deno.readFile(path), gpu);
 * ```
 */
export async function restoreTraining(
  bytes: Uint8Array,
  gpu: Gpu,
): Promise<{ trainer: TRMTrainer; meta: TrainingMetadata }> {
  const { meta, values } = decodeTrainingState(bytes);
  const modelValues = new Map<string, Float32Array>();
  for (const [name, v] of values) {
    if (name.startsWith("model/")) modelValues.set(name.slice(6), v as Float32Array);
  }
  const model = await TinyRecursiveModel.create(meta.config, { gpu, values: modelValues });
  for (const spec of model.specs()) {
    if (!modelValues.has(spec.name)) {
      throw new TrainingCheckpointError(`the training checkpoint lacks model/${spec.name}`);
    }
  }
  const trainer = await TRMTrainer.create({ model, ...meta.settings });
  trainer.restoreState(values, meta.step, meta.slotBatch);
  return { trainer, meta };
}

/**
 * The model file of a run: the EMA weights (what evaluation uses) in the ordinary model
 * checkpoint format, with `extra` metadata.
 */
export async function encodeEmaModel(
  trainer: TRMTrainer,
  extra: Record<string, string> = {},
): Promise<Uint8Array> {
  const ema = trainer.emaModel;
  return encodeCheckpoint(ema.config, await ema.readValues(), extra);
}
