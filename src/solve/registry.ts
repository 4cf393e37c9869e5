/**
 * The model registry: which checkpoint solves which puzzle size, and the accuracy measured
 * for it. Shipped models are listed in `models/index.json` (format:
 * {@linkcode ModelIndexSchema}); `--model FILE` or the server's `TRM_MODEL` add files whose
 * task is read from the checkpoint. Models load lazily, once, onto one shared GPU.
 *
 * File access is injected (`readFile`), so this module stays free of `Deno.*`.
 *
 * @module
 */
import { z } from "zod";
import type { AdapterSummary } from "../gpu/device.ts";
import { Gpu } from "../gpu/gpu.ts";
import { decodeCheckpoint } from "../model/checkpoint.ts";
import type { ModelConfig } from "../model/config.ts";
import { TinyRecursiveModel } from "../model/model.ts";

/** What a model solves: a Sudoku of a side length, an N×N maze, or ARC tasks (30×30 canvas). */
export type ModelTask =
  | { kind: "sudoku"; size: 4 | 6 | 9 }
  | { kind: "maze"; size: number }
  | { kind: "arc"; size: 30 };

/** Measured accuracy of a shipped model (fractions in [0, 1]). */
export interface ModelAccuracy {
  /** Fraction of test puzzles answered entirely correctly (valid by the rules). */
  exact: number;
  /** Fraction of cells right, when measured. */
  cell?: number;
  /** Test puzzles the figure comes from. */
  puzzles: number;
  /** Where the test puzzles came from. */
  dataset: string;
  /** Supervision-step cap used for the measurement. */
  maxSteps?: number;
  /** Halting threshold used for the measurement. */
  haltThreshold?: number;
  /** Trajectories per puzzle used for the measurement (default 1). */
  samples?: number;
  /** Sudoku symmetries per puzzle used for the measurement (default 1). */
  augmentations?: number;
  /**
   * Exact fraction when every puzzle runs all N_sup supervision steps and is scored on the
   * last (the official evaluation), beside `exact` at the halting setting `solve` uses.
   */
  allStepsExact?: number;
}

/** One entry of `models/index.json` (see {@linkcode ModelIndexSchema}). */
export interface ModelEntry {
  /** Short unique name, used by `POST /v1/solve`'s `model` field. */
  name: string;
  /** Checkpoint path relative to the index file. */
  file: string;
  /** Puzzle family. */
  kind: "sudoku" | "maze" | "arc";
  /** Side length: 4, 6 or 9 for Sudoku, N for N×N mazes, 30 (the canvas) for ARC. */
  size: number;
  /** One line on what it is (architecture, training). */
  description?: string;
  /** Model card (relative path or URL), e.g. "README.md#sudoku9". */
  card?: string;
  /** Measured accuracy; absent until measured. */
  accuracy?: ModelAccuracy;
  /**
   * Supervision-step cap that `solve` and the server use when the request names none
   * (default: the model's N_sup). TRM keeps refining past the N_sup it was trained with,
   * so a model trained with few steps can be run longer; the card says what it buys.
   */
  solveSteps?: number;
  /**
   * Trajectories per puzzle that `solve` and the server run when the request names none
   * (default 1): the answer is the one the halting head is most confident in.
   */
  solveSamples?: number;
  /** Latent noise of those trajectories (default: the model's default). */
  solveNoise?: number;
  /**
   * Sudoku: symmetries per puzzle that `solve` and the server run when the request names
   * none (default 1; test-time augmentation, the halting head picks the answer).
   */
  solveAugmentations?: number;
}

/** The parsed `models/index.json`. */
export interface ModelIndex {
  /** Format version (1). */
  version: 1;
  /** The shipped models. */
  models: ModelEntry[];
}

/** Zod schema of {@linkcode ModelAccuracy}. */
export const ModelAccuracySchema: z.ZodType<ModelAccuracy> = z.object({
  /** Fraction of test puzzles answered entirely correctly (valid by the rules). */
  exact: z.number().min(0).max(1),
  /** Fraction of cells right, when measured. */
  cell: z.number().min(0).max(1).optional(),
  /** Test puzzles the figure comes from. */
  puzzles: z.number().int().min(1),
  /** Where the test puzzles came from (e.g. "generate --task sudoku9 --seed 7, held out"). */
  dataset: z.string(),
  /** Supervision-step cap used for the measurement. */
  maxSteps: z.number().int().min(1).optional(),
  /** Halting threshold used for the measurement. */
  haltThreshold: z.number().optional(),
  /** Trajectories per puzzle used for the measurement (default 1). */
  samples: z.number().int().min(1).optional(),
  /** Sudoku symmetries per puzzle used for the measurement (default 1). */
  augmentations: z.number().int().min(1).optional(),
  /** Exact fraction when all N_sup steps run (the official evaluation). */
  allStepsExact: z.number().min(0).max(1).optional(),
});

/** Zod schema of {@linkcode ModelEntry}. */
export const ModelEntrySchema: z.ZodType<ModelEntry> = z.object({
  /** Short unique name, used by `POST /v1/solve`'s `model` field. */
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "use letters, digits, _ . -"),
  /** Checkpoint path relative to the index file. */
  file: z.string().min(1),
  /** Puzzle family. */
  kind: z.enum(["sudoku", "maze", "arc"]),
  /** Side length: 4, 6 or 9 for Sudoku, N for N×N mazes. */
  size: z.number().int().min(2).max(64),
  /** One line on what it is (architecture, training). */
  description: z.string().optional(),
  /** Model card (relative path or URL), e.g. "README.md#sudoku9". */
  card: z.string().optional(),
  /** Measured accuracy; absent until measured. */
  accuracy: ModelAccuracySchema.optional(),
  /** Supervision-step cap used when a request names none (default: the model's N_sup). */
  solveSteps: z.number().int().min(1).max(1024).optional(),
  /** Trajectories per puzzle used when a request names none (default 1). */
  solveSamples: z.number().int().min(1).max(64).optional(),
  /** Latent noise of those trajectories. */
  solveNoise: z.number().min(0).max(10).optional(),
  /** Sudoku symmetries per puzzle used when a request names none (default 1). */
  solveAugmentations: z.number().int().min(1).max(64).optional(),
}).refine((e) => e.kind !== "sudoku" || [4, 6, 9].includes(e.size), {
  message: "Sudoku size must be 4, 6 or 9",
  path: ["size"],
}).refine((e) => e.kind !== "arc" || e.size === 30, {
  message: "an ARC model's size is 30 (the canvas)",
  path: ["size"],
});

/**
 * `models/index.json`.
 *
 * @example
 * ```ts ignore
 * // models/index.json
 * { "version": 1, "models": [
 *   { "name": "sudoku4", "file": "sudoku4.safetensors", "kind": "sudoku", "size": 4,
 *     "card": "README.md#sudoku4",
 *     "accuracy": { "exact": 1, "puzzles": 1000, "dataset": "generate --task sudoku4 --seed 99" } } ] }
 * ```
 */
export const ModelIndexSchema: z.ZodType<ModelIndex> = z.object({
  version: z.literal(1).default(1),
  models: z.array(ModelEntrySchema),
});

/** The puzzle task name used by the CLI (`sudoku4`, `sudoku6`, `sudoku9`, `maze`). */
export function taskName(task: ModelTask): string {
  return task.kind === "sudoku" ? `sudoku${task.size}` : task.kind;
}

/** The task an entry serves. */
export function entryTask(entry: Pick<ModelEntry, "kind" | "size">): ModelTask {
  if (entry.kind === "arc") return { kind: "arc", size: 30 };
  return entry.kind === "sudoku"
    ? { kind: "sudoku", size: entry.size as 4 | 6 | 9 }
    : { kind: "maze", size: entry.size };
}

/** "9×9 Sudoku" / "30×30 maze". */
export function describeTask(task: ModelTask): string {
  if (task.kind === "arc") return "ARC task";
  return task.kind === "sudoku"
    ? `${task.size}×${task.size} Sudoku`
    : `${task.size}×${task.size} maze`;
}

/** Thrown when no model solves a task; the message says how to get one. */
export class MissingModelError extends Error {
  /** The task without a model. */
  readonly task: ModelTask;
  /**
   * Builds the message for `task`.
   *
   * @param task the task asked for
   * @param alternative how else to supply one (default: the CLI's `--model FILE`)
   */
  constructor(task: ModelTask, alternative = "pass --model FILE") {
    super(
      `no model for ${describeTask(task)} yet: train one with \`deno run -A cli.ts train --task ${
        taskName(task)
      } ...\` or ${alternative}`,
    );
    this.name = "MissingModelError";
    this.task = task;
  }
}

/** Thrown by {@linkcode ModelRegistry.resolve} when the named model solves another task. */
export class ModelMismatchError extends Error {
  /**
   * Builds the message.
   *
   * @param entry the named model
   * @param task the task it was asked to solve
   */
  constructor(readonly entry: ModelEntry, readonly task: ModelTask) {
    super(
      `model "${entry.name}" solves ${describeTask(entryTask(entry))}, this is a ${
        describeTask(task)
      }`,
    );
    this.name = "ModelMismatchError";
  }
}

/** Thrown by {@linkcode ModelRegistry.resolve} for a model name the registry lacks. */
export class UnknownModelError extends Error {
  /** @param name the name asked for */
  constructor(readonly modelName: string) {
    super(`unknown model "${modelName}"`);
    this.name = "UnknownModelError";
  }
}

/** Thrown for an unreadable index or checkpoint; the message names the file. */
export class RegistryError extends Error {
  /**
   * Wraps a message.
   *
   * @param message what is wrong, naming the file
   */
  constructor(message: string) {
    super(message);
    this.name = "RegistryError";
  }
}

/**
 * The task a config fits, from its shape: seqLen n² with vocabulary n+2 is an n×n Sudoku
 * (n = 4, 6, 9); vocabulary 6 with a square seqLen otherwise is a maze. `hint` (the
 * checkpoint's `task` metadata, e.g. "maze") wins when it fits.
 */
export function inferTask(
  config: Pick<ModelConfig, "seqLen" | "vocabSize">,
  hint?: string,
): ModelTask | null {
  const side = Math.round(Math.sqrt(config.seqLen));
  if (side * side !== config.seqLen) return null;
  // ARC: the official 30×30 canvas and 12 tokens (PAD, end of grid, 10 colours).
  if (side === 30 && config.vocabSize === 12) return { kind: "arc", size: 30 };
  const sudoku = (side === 4 || side === 6 || side === 9) && config.vocabSize === side + 2;
  const maze = config.vocabSize === 6;
  if (hint?.startsWith("maze") && maze) return { kind: "maze", size: side };
  if (sudoku) return { kind: "sudoku", size: side as 4 | 6 | 9 };
  if (maze) return { kind: "maze", size: side };
  return null;
}

/** Reads a file; resolves null when it does not exist (other failures reject). */
export type ReadFile = (url: URL) => Promise<Uint8Array | null>;

/** How a registry gets its models. */
interface Slot {
  entry: ModelEntry;
  /** Where it comes from, for messages. */
  source: string;
  load: (gpu: Gpu) => Promise<TinyRecursiveModel>;
  model?: Promise<TinyRecursiveModel>;
  /** The file's metadata, once read (extra files: at open; index entries: at load). */
  metadata?: Record<string, string>;
}

/** What `GET /v1/models` and `cli.ts solve` say about a model. */
export interface ModelDescription extends ModelEntry {
  /** `sudoku4` … / `maze`. */
  task: string;
  /** Trainable parameters. */
  parameters: number;
  /** The model's full configuration. */
  config: ModelConfig;
}

/**
 * Models by name and task, loaded on first use onto one shared {@linkcode Gpu}.
 *
 * @example
 * ```ts ignore
 * const registry = await openRegistry({ indexUrl: new URL("../models/index.json", import.meta.url), readFile });
 * const model = await registry.modelFor({ kind: "sudoku", size: 9 });
 * ```
 */
export class ModelRegistry {
  readonly #slots: Slot[];
  readonly #gpu: () => Promise<Gpu>;
  #gpuPromise: Promise<Gpu> | undefined;
  readonly #missingHint: string | undefined;

  /**
   * @param slots the models (later entries for the same task take precedence)
   * @param options `gpu`: the backend (default: one {@linkcode Gpu.create} on first use);
   *   `missingHint`: the alternative {@linkcode MissingModelError} suggests
   */
  private constructor(
    slots: Slot[],
    options: { gpu?: Gpu | (() => Promise<Gpu>); missingHint?: string },
  ) {
    this.#slots = slots;
    const g = options.gpu;
    this.#gpu = g instanceof Gpu ? () => Promise.resolve(g) : g ?? (() => Gpu.create());
    this.#missingHint = options.missingHint;
  }

  /**
   * A registry over already-created models (tests, embedding). Each gets an entry named
   * `name` (default: its task name) with the task inferred from its config.
   */
  static fromModels(
    models: {
      model: TinyRecursiveModel;
      name?: string;
      accuracy?: ModelEntry["accuracy"];
      description?: string;
      solveSteps?: number;
    }[],
    options: { missingHint?: string } = {},
  ): ModelRegistry {
    const slots = models.map(({ model, name, accuracy, description, solveSteps }) => {
      const task = inferTask(model.config);
      if (!task) throw new RegistryError(`model ${name ?? "?"}: its config fits no puzzle task`);
      const entry: ModelEntry = {
        name: name ?? taskName(task),
        file: "(in memory)",
        kind: task.kind,
        size: task.size,
        accuracy,
        description,
        solveSteps,
      };
      return {
        entry,
        source: entry.name,
        load: () => Promise.resolve(model),
        model: Promise.resolve(model),
      };
    });
    const gpu = models[0]?.model.gpu;
    return new ModelRegistry(slots, { gpu, missingHint: options.missingHint });
  }

  /** The registry's GPU (created on first call). */
  gpu(): Promise<Gpu> {
    return this.#gpuPromise ??= this.#gpu();
  }

  /** The adapter models run on (creates the GPU if needed). */
  async adapter(): Promise<AdapterSummary> {
    return (await this.gpu()).summary;
  }

  /** Every entry, in precedence order (the one used for a task comes last). */
  entries(): ModelEntry[] {
    return this.#slots.map((s) => s.entry);
  }

  /** The entry that serves `task` (or is named `name`), or undefined. */
  find(task: ModelTask | null, name?: string): ModelEntry | undefined {
    for (let i = this.#slots.length - 1; i >= 0; i--) {
      const e = this.#slots[i].entry;
      if (
        name !== undefined ? e.name === name : task && e.kind === task.kind && e.size === task.size
      ) return e;
    }
    return undefined;
  }

  /**
   * The metadata of an entry's file (e.g. an ARC model's identifier names); read when the
   * model is loaded, so call after {@linkcode ModelRegistry.model}. Undefined for models
   * created in memory.
   */
  metadata(name: string): Record<string, string> | undefined {
    return this.#slot(name)?.metadata;
  }

  /** Where an entry's weights come from (file path or URL), for messages. */
  source(name: string): string | undefined {
    return this.#slot(name)?.source;
  }

  /** The loaded model of an entry (loaded once; a failed load is retried next time). */
  model(name: string): Promise<TinyRecursiveModel> {
    const slot = this.#slot(name);
    if (!slot) return Promise.reject(new RegistryError(`unknown model "${name}"`));
    if (!slot.model) {
      slot.model = this.gpu().then((gpu) => slot.load(gpu));
      slot.model.catch(() => slot.model = undefined);
    }
    return slot.model;
  }

  /**
   * The entry that solves `task`: the one named `name` (checked against the task), or
   * the registry's model for it. Throws {@linkcode UnknownModelError},
   * {@linkcode ModelMismatchError} or {@linkcode MissingModelError}; the CLI and the
   * server put their own context in front of the message.
   */
  resolve(task: ModelTask, name?: string): ModelEntry {
    if (name !== undefined) {
      const named = this.find(null, name);
      if (!named) throw new UnknownModelError(name);
      if (named.kind !== task.kind || named.size !== task.size) {
        throw new ModelMismatchError(named, task);
      }
      return named;
    }
    const entry = this.find(task);
    if (!entry) throw new MissingModelError(task, this.#missingHint);
    return entry;
  }

  /** The model for `task`; throws {@linkcode MissingModelError} when none is registered. */
  async modelFor(task: ModelTask): Promise<{ entry: ModelEntry; model: TinyRecursiveModel }> {
    const entry = this.find(task);
    if (!entry) throw new MissingModelError(task, this.#missingHint);
    return { entry, model: await this.model(entry.name) };
  }

  /** An entry with its loaded config and parameter count. */
  async describe(name: string): Promise<ModelDescription> {
    const model = await this.model(name);
    const entry = this.#slot(name)!.entry;
    return {
      ...entry,
      task: taskName(entryTask(entry)),
      parameters: model.numParameters(),
      config: model.config,
    };
  }

  #slot(name: string): Slot | undefined {
    for (let i = this.#slots.length - 1; i >= 0; i--) {
      if (this.#slots[i].entry.name === name) return this.#slots[i];
    }
    return undefined;
  }

  /** @internal builds a registry from prepared slots (used by {@linkcode openRegistry}). */
  static fromSlots(
    slots: Slot[],
    options: { gpu?: Gpu | (() => Promise<Gpu>); missingHint?: string },
  ): ModelRegistry {
    return new ModelRegistry(slots, options);
  }
}

/** Options of {@linkcode openRegistry}. */
export interface OpenRegistryOptions {
  /** Reads a file (null when missing). */
  readFile: ReadFile;
  /** `models/index.json`; a missing file means no shipped models. */
  indexUrl?: URL;
  /** Extra checkpoints (`--model`, `TRM_MODEL`); they take precedence for their task. */
  modelFiles?: URL[];
  /** Backend; default: created on first use. */
  gpu?: Gpu | (() => Promise<Gpu>);
  /** What {@linkcode MissingModelError} suggests besides training. */
  missingHint?: string;
}

/** Parses the text of `models/index.json`; throws {@linkcode RegistryError} naming the problem. */
export function parseModelIndex(text: string, where = "models/index.json"): ModelEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new RegistryError(`${where} is not valid JSON: ${(error as Error).message}`);
  }
  const result = ModelIndexSchema.safeParse(json);
  if (!result.success) {
    const i = result.error.issues[0];
    throw new RegistryError(`${where}: ${i.path.join(".") || "(root)"}: ${i.message}`);
  }
  const names = new Set<string>();
  for (const e of result.data.models) {
    if (names.has(e.name)) {
      throw new RegistryError(`${where}: model name "${e.name}" is listed twice`);
    }
    names.add(e.name);
  }
  return result.data.models;
}

function basename(url: URL): string {
  return decodeURIComponent(url.pathname.split("/").pop() ?? url.href);
}

function displayPath(url: URL): string {
  return url.protocol === "file:" ? decodeURIComponent(url.pathname) : url.href;
}

async function readRequired(readFile: ReadFile, url: URL): Promise<Uint8Array> {
  const bytes = await readFile(url);
  if (!bytes) throw new RegistryError(`model file ${displayPath(url)} does not exist`);
  return bytes;
}

/**
 * Opens the registry: reads the index (not the weights) and the headers of extra files, so
 * a bad `--model` is reported before any puzzle is solved.
 */
export async function openRegistry(options: OpenRegistryOptions): Promise<ModelRegistry> {
  const slots: Slot[] = [];
  if (options.indexUrl) {
    const bytes = await options.readFile(options.indexUrl);
    if (bytes) {
      const where = displayPath(options.indexUrl);
      for (const entry of parseModelIndex(new TextDecoder().decode(bytes), where)) {
        const url = new URL(entry.file, options.indexUrl);
        const slot: Slot = {
          entry,
          source: displayPath(url),
          load: async (gpu) => {
            const bytes = await readFile(options.readFile, url, entry.name);
            const { config, values, metadata } = decodeOrThrow(bytes, displayPath(url));
            slot.metadata = metadata;
            const task = inferTask(config);
            if (!task || task.kind !== entry.kind || task.size !== entry.size) {
              throw new RegistryError(
                `${
                  displayPath(url)
                } does not fit its index entry (${entry.kind} ${entry.size}): its config has seqLen ${config.seqLen}, vocabSize ${config.vocabSize}`,
              );
            }
            return await TinyRecursiveModel.create(config, { gpu, values });
          },
        };
        slots.push(slot);
      }
    }
  }
  const usedNames = new Set(slots.map((s) => s.entry.name));
  for (const url of options.modelFiles ?? []) {
    const bytes = await readRequired(options.readFile, url);
    const { config, values, metadata } = decodeOrThrow(bytes, displayPath(url));
    const task = inferTask(config, metadata.task);
    if (!task) {
      throw new RegistryError(
        `${
          displayPath(url)
        }: a model with seqLen ${config.seqLen} and vocabSize ${config.vocabSize} fits no puzzle task`,
      );
    }
    let name = basename(url).replace(/\.safetensors$/, "");
    if (!/^[A-Za-z0-9]/.test(name)) name = taskName(task);
    while (usedNames.has(name)) name += "+";
    usedNames.add(name);
    let accuracy: ModelEntry["accuracy"];
    if (metadata.accuracy) {
      try {
        accuracy = ModelAccuracySchema.parse(JSON.parse(metadata.accuracy));
      } catch { /* accuracy metadata is informational; ignore a malformed one */ }
    }
    const entry: ModelEntry = {
      name,
      file: displayPath(url),
      kind: task.kind,
      size: task.size,
      description: metadata.description,
      accuracy,
    };
    slots.push({
      entry,
      source: displayPath(url),
      metadata,
      load: (gpu) => TinyRecursiveModel.create(config, { gpu, values }),
    });
  }
  return ModelRegistry.fromSlots(slots, { gpu: options.gpu, missingHint: options.missingHint });
}

async function readFile(read: ReadFile, url: URL, name: string): Promise<Uint8Array> {
  const bytes = await read(url);
  if (!bytes) {
    throw new RegistryError(`model "${name}": file ${displayPath(url)} is listed but missing`);
  }
  return bytes;
}

function decodeOrThrow(bytes: Uint8Array, where: string) {
  try {
    return decodeCheckpoint(bytes);
  } catch (error) {
    throw new RegistryError(`${where}: ${(error as Error).message}`);
  }
}
