/**
 * Every TRM tensor op as a function over GPU tensors, forward and backward, each backed
 * by WGSL kernels in `kernels/`. Outputs are pooled tensors the caller releases.
 *
 * @module
 */
export * from "./attention.ts";
export * from "./dropout.ts";
export * from "./elementwise.ts";
export * from "./embedding.ts";
export * from "./gather.ts";
export * from "./halting.ts";
export * from "./loss.ts";
export * from "./matmul.ts";
export * from "./muon.ts";
export * from "./noise.ts";
export * from "./norm.ts";
export * from "./optim.ts";
export * from "./reduce.ts";
export * from "./rope.ts";
export * from "./swiglu.ts";
