/**
 * TRM, the Tiny Recursive Model ("Less is More: Recursive Reasoning with Tiny
 * Networks"), on WebGPU: WGSL kernels for every op (forward and backward), the model
 * with the official numerics and the user's API, puzzle tooling and datasets.
 *
 * The package is free of `Deno.*`: it runs wherever WebGPU does (Deno, browsers).
 *
 * @example
 * ```ts ignore
 * import { encodeSudoku, parseSudoku, presets, TinyRecursiveModel } from "@trm/tiny-recursive-model";
 *
 * const model = await TinyRecursiveModel.create(presets.sudokuMlp);
 * console.log(model.numParameters()); // 5028866
 * const puzzle = parseSudoku("530070000600195000098000060800060003400803001700020006060000280000419005000080079");
 * const tokens = encodeSudoku(puzzle.puzzles[0].puzzle);
 * const { predictions, exitSteps } = await model.predict(Int32Array.from(tokens));
 * ```
 *
 * @module
 */
export * from "./src/gpu/mod.ts";
export * from "./src/model/mod.ts";
export * as ops from "./src/ops/mod.ts";
export * from "./src/puzzles/mod.ts";
export * from "./src/data/mod.ts";
export * from "./src/train/mod.ts";
