/**
 * Datasets: our CSV form, third-party Sudoku lists (answers from the exact solver), the
 * official `.npy` layout, and the token dataset they all produce.
 *
 * @module
 */
export * from "./dataset.ts";
export * from "./csv.ts";
export * from "./puzzle_lines.ts";
export * from "./npy.ts";
export * from "./official.ts";
