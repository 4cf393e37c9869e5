/**
 * The models shipped with the package (`models/index.json` and its safetensors files,
 * published with the code), found relative to this module: from a checkout, a JSR import
 * or a browser bundle alike. Reads with `fetch`, which takes `file:` URLs in Deno and
 * `https:` everywhere, so nothing here needs `Deno.*`.
 *
 * @example Solve a 4×4 Sudoku with the shipped model
 * ```ts
 * import { loadShippedModel } from "./shipped.ts";
 * import { solveSudokus } from "./sudoku.ts";
 * import { parseSudoku } from "../puzzles/sudoku_parse.ts";
 *
 * const model = await loadShippedModel("sudoku4");
 * const [puzzle] = parseSudoku("1..4..2..1..4..2").puzzles;
 * const [answer] = await solveSudokus(model, [puzzle.puzzle]);
 * console.log(answer.valid, answer.steps);
 * model.dispose();
 * ```
 *
 * @module
 */
import type { Gpu } from "../gpu/gpu.ts";
import type { TinyRecursiveModel } from "../model/model.ts";
import { type ModelRegistry, openRegistry, type ReadFile } from "./registry.ts";

/** Where the shipped models' index is. */
export const SHIPPED_MODELS_INDEX: URL = new URL("../../models/index.json", import.meta.url);

/** Reads a URL with fetch (null on 404, or a missing local file). */
export const fetchFileOrNull: ReadFile = async (url: URL): Promise<Uint8Array | null> => {
  let response;
  try {
    response = await fetch(url);
  } catch (error) {
    if (url.protocol === "file:" && /not found|No such file/i.test(String(error))) return null;
    throw error;
  }
  if (response.status === 404) {
    await response.body?.cancel();
    return null;
  }
  if (!response.ok) throw new Error(`cannot fetch ${url.href}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
};

/** A registry of the shipped models (sudoku4, sudoku6, sudoku9, maze7, maze11). */
export function openShippedRegistry(options: { gpu?: Gpu } = {}): Promise<ModelRegistry> {
  return openRegistry({
    readFile: fetchFileOrNull,
    indexUrl: SHIPPED_MODELS_INDEX,
    gpu: options.gpu,
  });
}

/**
 * Loads a shipped model by name (see `models/index.json`: sudoku4, sudoku6, sudoku9,
 * maze7, maze11). The caller owns it: `dispose()` it when done.
 */
export async function loadShippedModel(
  name: string,
  options: { gpu?: Gpu } = {},
): Promise<TinyRecursiveModel> {
  const registry = await openShippedRegistry(options);
  if (!registry.find(null, name)) {
    const names = registry.entries().map((e) => e.name).join(", ");
    throw new RangeError(`no shipped model "${name}" (shipped: ${names})`);
  }
  return await registry.model(name);
}
