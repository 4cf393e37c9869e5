/**
 * The Tiny Recursive Model: configuration and presets, parameters with official names,
 * the GPU recursion with deep supervision and its backward, and safetensors checkpoints.
 *
 * @module
 */
export {
  derivedSizes,
  type ModelConfig,
  ModelConfigError,
  type ModelConfigInput,
  parseModelConfig,
  presets,
  swigluHidden,
} from "./config.ts";
export { countParameters, type InitKind, type ParamSpec, paramSpecs } from "./params.ts";
export {
  type CreateOptions,
  type DeepSupervisionResult,
  DEFAULT_SAMPLE_NOISE,
  MAX_SAMPLES,
  type PredictOptions,
  type PredictResult,
  RECURSION_FIELDS,
  type RecursionChange,
  type StepOptions,
  TinyRecursiveModel,
  type TokenInput,
} from "./model.ts";
export type { Carry, StepOutputs, StepTape } from "./recursion.ts";
export type { GradMap, LayerTape, NetContext, NetShape, NetTape, TensorMap } from "./net.ts";
export type { RopeTable } from "../ops/rope.ts";
export {
  CheckpointError,
  decodeCheckpoint,
  type DecodedCheckpoint,
  encodeCheckpoint,
  loadModel,
  saveModel,
} from "./checkpoint.ts";
export {
  fromOfficialConfig,
  isOfficialConfig,
  normalizeConfigInput,
  OFFICIAL_CONFIG_ALIASES,
  type OfficialModelConfig,
} from "./official_config.ts";
export * from "./safetensors.ts";
