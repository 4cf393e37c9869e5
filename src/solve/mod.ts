/**
 * The solving service shared by `cli.ts solve` and the HTTP server: the model registry
 * (`models/index.json`), batched Sudoku solving with rule checks, and ARC tasks solved over
 * augmented copies that vote.
 *
 * @module
 */
export * from "./registry.ts";
export * from "./sudoku.ts";
export * from "./augment.ts";
export * from "./shipped.ts";
export * from "./maze.ts";
export * from "./batch.ts";
export * from "./arc.ts";
export * from "./arc_vote.ts";
