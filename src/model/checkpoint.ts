/**
 * Model checkpoints in the safetensors format: official state_dict tensor names, the
 * config as JSON in `__metadata__`. Pure bytes in and out (file I/O lives in the CLI).
 *
 * @module
 */
import type { Gpu } from "../gpu/gpu.ts";
import { type ModelConfig, type ModelConfigInput, parseModelConfig } from "./config.ts";
import { TinyRecursiveModel } from "./model.ts";
import { normalizeConfigInput, type OfficialModelConfig } from "./official_config.ts";
import { paramSpecs } from "./params.ts";
import { parseSafetensors, SafetensorsError, serializeSafetensors } from "./safetensors.ts";

/** Thrown when a checkpoint cannot be used; the message names the problem. */
export class CheckpointError extends Error {
  /**
   * Creates the error.
   *
   * @param message what is wrong with the file
   */
  constructor(message: string) {
    super(message);
    this.name = "CheckpointError";
  }
}

/** Prefixes official PyTorch checkpoints carry (torch.compile wrapper, loss head). */
const OFFICIAL_PREFIXES = ["_orig_mod.", "model."];

function canonicalName(name: string): string {
  let n = name;
  for (let changed = true; changed;) {
    changed = false;
    for (const p of OFFICIAL_PREFIXES) {
      if (n.startsWith(p)) {
        n = n.slice(p.length);
        changed = true;
      }
    }
  }
  return n;
}

/** Serialises a model's tensors and config (F32, little-endian). */
export function encodeCheckpoint(
  config: ModelConfig,
  values: Map<string, Float32Array>,
  extraMetadata: Record<string, string> = {},
): Uint8Array {
  const tensors: Record<string, { dtype: "F32"; shape: number[]; data: Float32Array }> = {};
  for (const spec of paramSpecs(config)) {
    const data = values.get(spec.name);
    if (!data) throw new CheckpointError(`missing tensor ${spec.name}`);
    tensors[spec.name] = { dtype: "F32", shape: spec.shape, data };
  }
  return serializeSafetensors(tensors, {
    ...extraMetadata,
    format: "pt",
    config: JSON.stringify(config),
  });
}

/** Parsed checkpoint: config, tensor values and the rest of the metadata. */
export interface DecodedCheckpoint {
  /** Validated configuration. */
  config: ModelConfig;
  /** Values by canonical official name. */
  values: Map<string, Float32Array>;
  /** All `__metadata__` entries. */
  metadata: Record<string, string>;
}

/**
 * Parses and checks a checkpoint: every tensor the config needs must be present with
 * its exact shape. `config` overrides the embedded one (for files without it). The config,
 * embedded or passed, may use our names or the official TRM ones (`fromOfficialConfig` in
 * official_config.ts).
 */
export function decodeCheckpoint(
  bytes: Uint8Array,
  config?: ModelConfigInput | OfficialModelConfig,
): DecodedCheckpoint {
  let file;
  try {
    file = parseSafetensors(bytes);
  } catch (error) {
    if (error instanceof SafetensorsError) {
      throw new CheckpointError(`not a valid checkpoint: ${error.message}`);
    }
    throw error;
  }
  let input = config;
  if (!input) {
    const text = file.metadata.config;
    if (!text) {
      throw new CheckpointError(
        "the checkpoint has no config in its metadata; pass the model config explicitly",
      );
    }
    try {
      input = JSON.parse(text);
    } catch {
      throw new CheckpointError("the checkpoint's config metadata is not valid JSON");
    }
  }
  let parsed: ModelConfig;
  try {
    // Official config names (hidden_size, H_cycles, …) are read as aliases of ours.
    parsed = parseModelConfig(normalizeConfigInput(input));
  } catch (error) {
    throw new CheckpointError(`the checkpoint's config is invalid: ${(error as Error).message}`);
  }
  const byName = new Map<string, { shape: number[]; data: ArrayLike<number> }>();
  for (const [name, t] of file.tensors) byName.set(canonicalName(name), t);
  const values = new Map<string, Float32Array>();
  for (const spec of paramSpecs(parsed)) {
    const t = byName.get(spec.name);
    if (!t) {
      throw new CheckpointError(`the checkpoint lacks tensor ${spec.name} (shape [${spec.shape}])`);
    }
    if (t.shape.length !== spec.shape.length || t.shape.some((d, i) => d !== spec.shape[i])) {
      throw new CheckpointError(
        `tensor ${spec.name} has shape [${t.shape}], the config needs [${spec.shape}]`,
      );
    }
    const data = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) {
        throw new CheckpointError(`tensor ${spec.name} holds a non-finite value at ${i}`);
      }
    }
    values.set(spec.name, data);
  }
  return { config: parsed, values, metadata: file.metadata };
}

/**
 * Saves a model to safetensors bytes.
 *
 * @example
 * ```ts ignore
 * const bytes = await saveModel(model);
 * await Deno.writeFile("model.safetensors", bytes);
 * ```
 */
export async function saveModel(
  model: TinyRecursiveModel,
  extraMetadata: Record<string, string> = {},
): Promise<Uint8Array> {
  return encodeCheckpoint(model.config, await model.readValues(), extraMetadata);
}

/**
 * Loads a model from safetensors bytes onto a GPU.
 *
 * @example
 * ```ts ignore
 * const model = await loadModel(await Deno.readFile("models/sudoku4.safetensors"));
 * ```
 */
export async function loadModel(
  bytes: Uint8Array,
  options: { gpu?: Gpu; config?: ModelConfigInput | OfficialModelConfig } = {},
): Promise<TinyRecursiveModel> {
  const { config, values } = decodeCheckpoint(bytes, options.config);
  return await TinyRecursiveModel.create(config, { gpu: options.gpu, values });
}
