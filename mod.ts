/**
 * TRM, the Tiny Recursive Model, on WebGPU: WGSL kernels (forward and backward), the
 * model, its training and puzzle tooling.
 *
 * @example
 * ```ts ignore
 * import { Gpu } from "@trm/tiny-recursive-model";
 * const gpu = await Gpu.create();
 * console.log(gpu.summary.description);
 * ```
 *
 * @module
 */
export * from "./src/gpu/mod.ts";
