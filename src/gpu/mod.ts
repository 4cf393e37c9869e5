/**
 * The WebGPU backend: device acquisition, tensors, the buffer pool, pipelines,
 * recording and readback. Free of `Deno.*`.
 *
 * @module
 */
export {
  type Bindable,
  type DispatchParams,
  Gpu,
  grid,
  kernelName,
  MAX_WORKGROUPS_PER_DIM,
  type PipelineOptions,
  type TensorRange,
} from "./gpu.ts";
export {
  type AdapterProfile,
  type AdapterSummary,
  detectProfile,
  type GpuDeviceOptions,
  GpuUnavailableError,
} from "./device.ts";
export { bucketSize, BufferPool } from "./pool.ts";
export { DispatchProfiler, type DispatchTiming } from "./profiler.ts";
export { type DType, shapeSize, Tensor, type TypedArrayFor } from "./tensor.ts";
