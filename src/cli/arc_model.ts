/**
 * Loading a model file for ARC (`eval --task arc`, `solve task.json`): the weights, and the
 * ARC identifier names a `train --task arc` run stores in the file's metadata, so that
 * test inputs of tasks it trained on use their own puzzle embeddings.
 *
 * @module
 */
import type { Gpu } from "../gpu/gpu.ts";
import { decodeCheckpoint } from "../model/checkpoint.ts";
import { TinyRecursiveModel } from "../model/model.ts";
import { arcIdentifiersOf, arcModelMismatch } from "../solve/arc.ts";
import { UsageError } from "./errors.ts";

/** A loaded ARC model and its identifier names (undefined: none stored). */
export interface ArcModel {
  /** The model. */
  model: TinyRecursiveModel;
  /** Identifier names by id (`<blank>` first), from the file. */
  identifiers?: string[];
}

/** Reads and loads `path`; any problem is a one-line UsageError naming the file. */
export async function loadArcModel(path: string, gpu: Gpu): Promise<ArcModel> {
  let bytes;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    throw new UsageError(`cannot read --model ${path}: ${(e as Error).message}`);
  }
  let decoded, identifiers;
  try {
    decoded = decodeCheckpoint(bytes);
    identifiers = arcIdentifiersOf(decoded.metadata);
  } catch (e) {
    throw new UsageError(`${path}: ${(e as Error).message}`);
  }
  const model = await TinyRecursiveModel.create(decoded.config, { gpu, values: decoded.values });
  const mismatch = arcModelMismatch(model);
  if (mismatch) {
    model.dispose();
    throw new UsageError(`${path} cannot solve ARC tasks: ${mismatch}`);
  }
  return { model, identifiers };
}
