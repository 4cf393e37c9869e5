/**
 * Datasets: our CSV form, the official `.npy` layout, and the token dataset they both produce.
 *
 * @module
 */
export * from "./dataset.ts";
export * from "./csv.ts";
export * from "./npy.ts";
export * from "./official.ts";
