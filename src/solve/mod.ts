/**
 * The solving service shared by `cli.ts solve` and the HTTP server: the model registry
 * (`models/index.json`) and batched Sudoku solving with rule checks.
 *
 * @module
 */
export * from "./registry.ts";
export * from "./sudoku.ts";
export * from "./shipped.ts";
export * from "./maze.ts";
export * from "./batch.ts";
