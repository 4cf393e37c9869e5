/**
 * The backend boundary: one object that owns the device, the buffer pool, the pipeline
 * and bind-group caches, the command recorder and the readback path. Ops talk to the
 * GPU only through it.
 *
 * Recording model: every {@linkcode Gpu.dispatch} goes into one open compute pass of
 * one command encoder; {@linkcode Gpu.flush} submits it. Reads and uploads flush first,
 * so queue order always equals program order. A whole supervision step is therefore a
 * single submit unless the caller reads something back in the middle.
 *
 * @module
 */

import { type AdapterSummary, type GpuDeviceOptions, requestGpuDevice } from "./device.ts";
import { DispatchProfiler, type DispatchTiming } from "./profiler.ts";
import { BufferPool, STORAGE_USAGE } from "./pool.ts";
import { type DType, shapeSize, Tensor, type TypedArrayFor } from "./tensor.ts";

/** The name a kernel gives itself on its `// @kernel NAME` line ("kernel" without one). */
export function kernelName(source: string): string {
  return /^\/\/ @kernel ([\w.-]+)/m.exec(source)?.[1] ?? "kernel";
}

/**
 * One line for a kernel's compile or validation error: the kernel file (by its
 * `// @kernel NAME` line), the override constants, the line and column the compiler
 * names, and its first message line.
 */
export function describeKernelError(
  name: string,
  constants: Readonly<Record<string, number>>,
  message: string,
): string {
  const lines = message.split("\n").map((l) => l.trim()).filter(Boolean);
  const at = /wgsl:(\d+):(\d+)/.exec(message);
  const what = lines.find((l) => /error/i.test(l))?.replace(/^.*?error:\s*/i, "") ?? lines[0] ??
    "invalid";
  const consts = Object.keys(constants).length
    ? ` with constants ${Object.entries(constants).map(([k, v]) => `${k}=${v}`).join(", ")}`
    : "";
  return `kernel kernels/${name}.wgsl${
    at ? ` line ${at[1]}, column ${at[2]}` : ""
  }${consts}: ${what}`;
}

/** Scalar parameters of one dispatch, laid out as a uniform struct: all u32 fields, then all f32. */
export interface DispatchParams {
  /** u32 fields, in struct order. */
  u32?: readonly number[];
  /** f32 fields, following the u32 ones. */
  f32?: readonly number[];
}

/**
 * A byte range of a tensor's buffer, for bindings above `maxStorageBufferBindingSize`
 * (split the work, bind each part's range). `offset` must be a multiple of 256
 * (`minStorageBufferOffsetAlignment`); `size` a multiple of 4.
 */
export interface TensorRange {
  /** The tensor whose buffer is bound. */
  tensor: Tensor;
  /** First byte bound. */
  offset: number;
  /** Bytes bound. */
  size: number;
}

/** Something a kernel binding can read or write: a buffer, a range of one, or a texture view. */
export type Bindable = Tensor | GPUBuffer | TensorRange | GPUTextureView;

/** Options for {@linkcode Gpu.pipeline}. */
export interface PipelineOptions {
  /** Entry point name; default `main`. */
  entryPoint?: string;
  /** WGSL `override` constants. */
  constants?: Record<string, number>;
}

const UNIFORM_CACHE_LIMIT = 4096;
const BIND_GROUP_CACHE_LIMIT = 16384;
const MAP_READ = 0x1;
const COPY_DST = 0x8;
const UNIFORM = 0x40;

/** Largest workgroup count per grid dimension WebGPU guarantees. */
export const MAX_WORKGROUPS_PER_DIM = 65535;

/**
 * A grid of at least `count` workgroups, folded into y when x would exceed the limit.
 * Kernels recover the linear index as `wg.x + wg.y * num_workgroups.x`.
 */
export function grid(count: number): [number, number, number] {
  if (count <= MAX_WORKGROUPS_PER_DIM) return [Math.max(1, count), 1, 1];
  const y = Math.ceil(count / MAX_WORKGROUPS_PER_DIM);
  return [Math.ceil(count / y), y, 1];
}

/**
 * The WebGPU backend.
 *
 * @example
 * ```ts ignore
 * const gpu = await Gpu.create();
 * const x = gpu.upload(new Float32Array([1, 2, 3]), [3]);
 * console.log(await gpu.read(x)); // Float32Array [1, 2, 3]
 * ```
 */
export class Gpu {
  /** The WebGPU device. */
  readonly device: GPUDevice;
  /** Plain-data description of the adapter. */
  readonly summary: AdapterSummary;
  /** Pool for activations and other transient tensors. */
  readonly pool: BufferPool;

  readonly #pipelines = new Map<string, GPUComputePipeline>();
  readonly #kernelNames = new WeakMap<GPUComputePipeline, string>();
  #profiler: DispatchProfiler | null = null;
  readonly #sourceIds = new Map<string, number>();
  readonly #objectIds = new WeakMap<object, number>();
  #nextObjectId = 1;
  readonly #uniforms = new Map<string, { buffer: GPUBuffer; generation: number }>();
  readonly #bindGroups = new Map<string, GPUBindGroup>();
  #encoder: GPUCommandEncoder | null = null;
  #pass: GPUComputePassEncoder | null = null;
  #pending = 0;
  #generation = 0;
  readonly #errors: string[] = [];
  #pipelineChecks: Promise<void>[] = [];
  readonly #kernelErrors: string[] = [];
  #lost: string | null = null;
  /** Dispatches recorded since creation (for tests and benchmarks). */
  dispatchCount = 0;
  /** Queue submits since creation (for benchmarks). */
  submitCount = 0;

  private constructor(device: GPUDevice, summary: AdapterSummary) {
    this.device = device;
    this.summary = summary;
    this.pool = new BufferPool(device);
    device.addEventListener("uncapturederror", (event) => {
      this.#errors.push(String((event as GPUUncapturedErrorEvent).error?.message ?? event));
    });
    device.lost.then((info) => {
      this.#lost = `GPU device lost (${info.reason}): ${info.message}`;
    });
  }

  /** Acquires an adapter and device. Throws {@linkcode GpuUnavailableError} with advice when there is none. */
  static async create(options: GpuDeviceOptions = {}): Promise<Gpu> {
    const { device, summary } = await requestGpuDevice(options);
    return new Gpu(device, summary);
  }

  /** Tuning family of the adapter. */
  get profile(): "cpu" | "gpu" {
    return this.summary.profile;
  }

  // ---- tensors ---------------------------------------------------------------------

  /** A pooled tensor with undefined contents. */
  empty(shape: readonly number[], dtype: DType = "f32"): Tensor {
    return new Tensor(this.pool.acquire(shapeSize(shape) * 4), shape, dtype, this);
  }

  /** A pooled tensor of zeros (cleared on the GPU, in recording order). */
  zeros(shape: readonly number[], dtype: DType = "f32"): Tensor {
    const t = this.empty(shape, dtype);
    this.clear(t);
    return t;
  }

  /** A pooled tensor holding `data`. */
  upload<D extends DType = "f32">(
    data: ArrayLike<number>,
    shape: readonly number[] = [data.length],
    dtype?: D,
  ): Tensor {
    const kind = dtype ?? "f32";
    if (shapeSize(shape) !== data.length) {
      throw new RangeError(`upload: ${data.length} values for shape [${shape}]`);
    }
    const t = this.empty(shape, kind);
    this.write(t, data);
    return t;
  }

  /** Overwrites a tensor's contents from the CPU, after all work recorded so far. */
  write(tensor: Tensor, data: ArrayLike<number>): void {
    const typed = toTyped(data, tensor.dtype);
    if (typed.length !== tensor.size) {
      throw new RangeError(`write: ${typed.length} values into a tensor of ${tensor.size}`);
    }
    this.flush();
    this.device.queue.writeBuffer(tensor.buffer, 0, typed as Float32Array<ArrayBuffer>);
  }

  /** BufferOwner: takes a released tensor's buffer back. */
  releaseBuffer(buffer: GPUBuffer): void {
    this.pool.release(buffer);
  }

  // ---- pipelines and dispatch ------------------------------------------------------

  /** A compute pipeline for WGSL `source`, compiled once per (source, entry point, constants). */
  pipeline(source: string, options: PipelineOptions = {}): GPUComputePipeline {
    let sourceId = this.#sourceIds.get(source);
    if (sourceId === undefined) this.#sourceIds.set(source, sourceId = this.#sourceIds.size + 1);
    const entryPoint = options.entryPoint ?? "main";
    const constants = options.constants ?? {};
    const constKey = Object.keys(constants).sort().map((k) => `${k}=${constants[k]}`).join(",");
    const key = `${sourceId}|${entryPoint}|${constKey}`;
    let pipeline = this.#pipelines.get(key);
    if (!pipeline) {
      const label = kernelName(source);
      // Compile and validation errors are caught here, attributed to this kernel and its
      // constants, and thrown at the next readback or checkPipelines().
      this.device.pushErrorScope("validation");
      const module = this.device.createShaderModule({ code: source, label });
      pipeline = this.device.createComputePipeline({
        label,
        layout: "auto",
        compute: { module, entryPoint, constants },
      });
      this.#pipelineChecks.push(
        this.device.popErrorScope().then((error) => {
          if (error) this.#kernelErrors.push(describeKernelError(label, constants, error.message));
        }),
      );
      this.#pipelines.set(key, pipeline);
      this.#kernelNames.set(pipeline, label);
    }
    return pipeline;
  }

  /**
   * Records one dispatch. Binding 0 is the uniform `params` struct when given; the
   * storage buffers (or texture views) follow as bindings 1, 2, … (or 0, 1, … without params).
   */
  dispatch(
    pipeline: GPUComputePipeline,
    buffers: readonly Bindable[],
    workgroups: readonly [number, number?, number?],
    params?: DispatchParams,
    detail = "",
  ): void {
    this.#checkUsable();
    const entries: (GPUBufferBinding | GPUTextureView)[] = [];
    if (params) entries.push({ buffer: this.#uniform(params) });
    for (const b of buffers) {
      const tensor = b instanceof Tensor ? b : "tensor" in b ? b.tensor : null;
      if (tensor?.released) throw new Error("dispatch: a tensor was used after release()");
      if (b instanceof Tensor) entries.push({ buffer: b.buffer });
      else if ("tensor" in b) {
        entries.push({ buffer: b.tensor.buffer, offset: b.offset, size: b.size });
      } else if (b instanceof GPUBuffer) entries.push({ buffer: b });
      else entries.push(b);
    }
    const bindGroup = this.#bindGroup(pipeline, entries);
    const [x, y = 1, z = 1] = workgroups;
    if (this.#profiler) {
      // Profiling: a pass of its own per dispatch, timed at its start and end.
      this.#endPass();
      const kernel = this.#kernelNames.get(pipeline) ?? "?";
      const pass = this.#encoderNow().beginComputePass(this.#profiler.nextPass(kernel, detail));
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      if (x > 0 && y > 0 && z > 0) pass.dispatchWorkgroups(x, y, z);
      pass.end();
    } else {
      const pass = this.#computePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      if (x > 0 && y > 0 && z > 0) pass.dispatchWorkgroups(x, y, z);
    }
    this.#pending++;
    this.dispatchCount++;
  }

  /** Records a zero-fill of a tensor. */
  clear(tensor: Tensor): void {
    this.#endPass();
    this.#encoderNow().clearBuffer(tensor.buffer, 0, Math.ceil(tensor.byteLength / 4) * 4);
    this.#pending++;
  }

  /** Records a buffer-to-buffer copy of `bytes` bytes (default: all of `src`'s data). */
  copy(src: Tensor, dst: Tensor, bytes = src.byteLength, srcOffset = 0, dstOffset = 0): void {
    this.#endPass();
    this.#encoderNow().copyBufferToBuffer(src.buffer, srcOffset, dst.buffer, dstOffset, bytes);
    this.#pending++;
  }

  /**
   * Records a copy of rows of `src` into a texture: `height` rows of `width` texels, row i
   * read from byte `byteOffset + i · bytesPerRow`. WebGPU requires `bytesPerRow` to be a
   * multiple of 256 and `byteOffset` a multiple of the texel size.
   */
  copyToTexture(
    src: Tensor,
    byteOffset: number,
    bytesPerRow: number,
    texture: GPUTexture,
    width: number,
    height: number,
  ): void {
    this.#endPass();
    this.#encoderNow().copyBufferToTexture(
      { buffer: src.buffer, offset: byteOffset, bytesPerRow },
      { texture },
      [width, height],
    );
    this.#pending++;
  }

  /** Submits everything recorded so far (nothing when nothing was recorded). */
  flush(): void {
    if (!this.#encoder) return;
    this.#endPass();
    const encoder = this.#encoder;
    this.#encoder = null;
    if (this.#pending === 0) return;
    this.#pending = 0;
    this.device.queue.submit([encoder.finish()]);
    this.submitCount++;
    this.#generation++;
  }

  /**
   * Starts timing every dispatch (each in a pass of its own, so the work is recorded a
   * little differently: profile, then measure wall time without it). Needs a device
   * created with `timestamps: true` on an adapter with `timestamp-query`.
   */
  startProfile(): void {
    if (!this.summary.timestamps) {
      throw new Error(
        "profiling needs the timestamp-query feature: create the Gpu with { timestamps: true } on an adapter that has it",
      );
    }
    this.#endPass();
    this.#profiler = new DispatchProfiler(this.device);
  }

  /** Stops profiling; resolves to the time of every dispatch since {@linkcode Gpu.startProfile}. */
  async stopProfile(): Promise<DispatchTiming[]> {
    const profiler = this.#profiler;
    if (!profiler) throw new Error("stopProfile: no profile was started");
    this.#profiler = null;
    await this.sync();
    return await profiler.read();
  }

  /** Submits and waits until the GPU is idle; throws if any GPU error was reported. */
  async sync(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    this.#throwErrors();
  }

  /** Reads a tensor back to the CPU (one submit, one map; keep these rare). */
  async read<D extends DType>(tensor: Tensor & { dtype: D }): Promise<TypedArrayFor<D>>;
  /** Reads a tensor back to the CPU (one submit, one map; keep these rare). */
  async read(tensor: Tensor): Promise<Float32Array | Int32Array | Uint32Array>;
  async read(tensor: Tensor): Promise<Float32Array | Int32Array | Uint32Array> {
    return (await this.readMany([tensor]))[0];
  }

  /** Reads several tensors with one submit and one wait. */
  async readMany(tensors: readonly Tensor[]): Promise<(Float32Array | Int32Array | Uint32Array)[]> {
    this.#endPass();
    const encoder = this.#encoderNow();
    const staging = tensors.map((tensor) => {
      const bytes = Math.max(4, tensor.byteLength);
      const buffer = this.device.createBuffer({ size: bytes, usage: MAP_READ | COPY_DST });
      encoder.copyBufferToBuffer(tensor.buffer, 0, buffer, 0, bytes);
      this.#pending++;
      return buffer;
    });
    this.flush();
    try {
      if (this.#pipelineChecks.length) await Promise.all(this.#pipelineChecks.splice(0));
      await Promise.all(staging.map((b) => b.mapAsync(1 /* GPUMapMode.READ */)));
      const results = tensors.map((tensor, i) => {
        const copy = staging[i].getMappedRange().slice(0, tensor.byteLength);
        staging[i].unmap();
        if (tensor.dtype === "i32") return new Int32Array(copy);
        if (tensor.dtype === "u32") return new Uint32Array(copy);
        return new Float32Array(copy);
      });
      this.#throwErrors();
      return results;
    } finally {
      for (const b of staging) b.destroy();
    }
  }

  /** Frees cached pipelines' uniforms and pooled buffers, then destroys the device. */
  destroy(): void {
    this.flush();
    this.pool.trim();
    for (const { buffer } of this.#uniforms.values()) buffer.destroy();
    this.#uniforms.clear();
    this.#bindGroups.clear();
    this.device.destroy();
  }

  // ---- internals ---------------------------------------------------------------------

  #checkUsable(): void {
    if (this.#lost) throw new Error(this.#lost);
  }

  /**
   * Waits for the compile and validation results of the pipelines created so far and
   * throws the first error, naming the kernel file, its constants and the line.
   */
  async checkPipelines(): Promise<void> {
    const checks = this.#pipelineChecks.splice(0);
    await Promise.all(checks);
    this.#throwErrors();
  }

  #throwErrors(): void {
    if (this.#lost) throw new Error(this.#lost);
    if (this.#kernelErrors.length > 0) {
      // The kernel's own error first; what followed from it (invalid pipeline) is noise.
      const first = this.#kernelErrors.splice(0)[0];
      this.#errors.length = 0;
      throw new Error(first);
    }
    if (this.#errors.length > 0) {
      const message = this.#errors.splice(0).join("\n");
      throw new Error(`WebGPU reported an error: ${message}`);
    }
  }

  #encoderNow(): GPUCommandEncoder {
    return this.#encoder ??= this.device.createCommandEncoder();
  }

  #computePass(): GPUComputePassEncoder {
    return this.#pass ??= this.#encoderNow().beginComputePass();
  }

  #endPass(): void {
    if (this.#pass) {
      this.#pass.end();
      this.#pass = null;
    }
  }

  #id(object: object): number {
    let id = this.#objectIds.get(object);
    if (id === undefined) this.#objectIds.set(object, id = this.#nextObjectId++);
    return id;
  }

  #uniform(params: DispatchParams): GPUBuffer {
    const u = params.u32 ?? [];
    const f = Float32Array.from(params.f32 ?? []);
    const key = `${u.join(",")}|${Array.from(new Uint32Array(f.buffer)).join(",")}`;
    const hit = this.#uniforms.get(key);
    if (hit) {
      hit.generation = this.#generation;
      // Refresh LRU position.
      this.#uniforms.delete(key);
      this.#uniforms.set(key, hit);
      return hit.buffer;
    }
    const words = Math.max(4, Math.ceil((u.length + f.length) / 4) * 4);
    const buffer = this.device.createBuffer({
      size: words * 4,
      usage: UNIFORM,
      mappedAtCreation: true,
    });
    const range = buffer.getMappedRange();
    new Uint32Array(range).set(u.map((v) => v >>> 0));
    new Float32Array(range, u.length * 4, f.length).set(f);
    buffer.unmap();
    this.#uniforms.set(key, { buffer, generation: this.#generation });
    this.#evictUniforms();
    return buffer;
  }

  /** Drops the least recently used uniforms that no unsubmitted command can still reference. */
  #evictUniforms(): void {
    if (this.#uniforms.size <= UNIFORM_CACHE_LIMIT) return;
    for (const [key, entry] of this.#uniforms) {
      if (this.#uniforms.size <= UNIFORM_CACHE_LIMIT / 2) break;
      if (entry.generation >= this.#generation) continue; // used by the open recording
      // Destroy is deferred by the implementation until submitted work using it completes.
      entry.buffer.destroy();
      this.#uniforms.delete(key);
    }
    this.#bindGroups.clear();
  }

  #bindGroup(
    pipeline: GPUComputePipeline,
    entries: (GPUBufferBinding | GPUTextureView)[],
  ): GPUBindGroup {
    let key = String(this.#id(pipeline));
    for (const e of entries) {
      if (!("buffer" in e)) key += `,t${this.#id(e)}`;
      else if (e.offset === undefined) key += `,${this.#id(e.buffer)}`;
      else key += `,${this.#id(e.buffer)}@${e.offset}+${e.size}`;
    }
    let group = this.#bindGroups.get(key);
    if (!group) {
      if (this.#bindGroups.size >= BIND_GROUP_CACHE_LIMIT) this.#bindGroups.clear();
      group = this.device.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries: entries.map((resource, binding) => ({ binding, resource })),
      });
      this.#bindGroups.set(key, group);
    }
    return group;
  }
}

function toTyped(data: ArrayLike<number>, dtype: DType): Float32Array | Int32Array | Uint32Array {
  if (dtype === "f32") return data instanceof Float32Array ? data : Float32Array.from(data);
  if (dtype === "i32") return data instanceof Int32Array ? data : Int32Array.from(data);
  return data instanceof Uint32Array ? data : Uint32Array.from(data);
}

export { GpuUnavailableError } from "./device.ts";
export type { AdapterSummary, GpuDeviceOptions } from "./device.ts";
export { STORAGE_USAGE, Tensor };
