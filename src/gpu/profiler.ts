/**
 * Per-dispatch GPU timing with timestamp queries: while profiling, every dispatch runs in
 * its own compute pass whose start and end are written to a query set; the times are read
 * back once at the end. Used by `cli.ts bench step` to break a training step down by kernel.
 *
 * @module
 */

/** The time of one profiled dispatch. */
export interface DispatchTiming {
  /** Kernel name (the `// @kernel NAME` line of its WGSL). */
  kernel: string;
  /** What the caller added (e.g. a matmul's shape), or "". */
  detail: string;
  /** GPU time in milliseconds. */
  ms: number;
}

/** Queries per query set (the WebGPU limit is 4096). */
const SET_SIZE = 4096;

/** Collects timestamp pairs for dispatches; one instance per profiling window. */
export class DispatchProfiler {
  readonly #device: GPUDevice;
  readonly #sets: GPUQuerySet[] = [];
  readonly #records: { kernel: string; detail: string }[] = [];

  /** Creates a profiler on a device with `timestamp-query`. */
  constructor(device: GPUDevice) {
    this.#device = device;
  }

  /** The pass descriptor that times the next dispatch. */
  nextPass(kernel: string, detail: string): GPUComputePassDescriptor {
    const index = this.#records.length;
    const set = Math.floor((2 * index) / SET_SIZE);
    if (set === this.#sets.length) {
      this.#sets.push(this.#device.createQuerySet({ type: "timestamp", count: SET_SIZE }));
    }
    this.#records.push({ kernel, detail });
    const at = (2 * index) % SET_SIZE;
    return {
      timestampWrites: {
        querySet: this.#sets[set],
        beginningOfPassWriteIndex: at,
        endOfPassWriteIndex: at + 1,
      },
    };
  }

  /** Resolves every query (after all profiled work is submitted) into timings. */
  async read(): Promise<DispatchTiming[]> {
    const n = this.#records.length;
    if (n === 0) return [];
    const encoder = this.#device.createCommandEncoder();
    const bytes = this.#sets.length * SET_SIZE * 8;
    const resolved = this.#device.createBuffer({
      size: bytes,
      usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
    });
    const staging = this.#device.createBuffer({
      size: bytes,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    this.#sets.forEach((set, i) => {
      const used = Math.min(SET_SIZE, 2 * n - i * SET_SIZE);
      encoder.resolveQuerySet(set, 0, used, resolved, i * SET_SIZE * 8);
    });
    encoder.copyBufferToBuffer(resolved, 0, staging, 0, bytes);
    this.#device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const stamps = new BigUint64Array(staging.getMappedRange().slice(0));
    staging.unmap();
    for (const b of [resolved, staging]) b.destroy();
    for (const s of this.#sets) s.destroy();
    return this.#records.map((r, i) => ({
      ...r,
      ms: Number(stamps[2 * i + 1] - stamps[2 * i]) / 1e6,
    }));
  }
}
