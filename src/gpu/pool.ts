/**
 * A size-bucketed pool of storage buffers, so that the many short-lived activations of
 * a training step reuse GPU memory instead of allocating it each time.
 *
 * Reuse is safe without fences because every use of a buffer is recorded on the one
 * queue in order: a buffer released after a dispatch that reads it can be handed to a
 * later dispatch, which WebGPU orders after the first.
 *
 * @module
 */

/** Storage buffers that can be copied to and from (uploads, readbacks, clears). */
export const STORAGE_USAGE = 0x80 /* STORAGE */ | 0x4 /* COPY_SRC */ | 0x8; /* COPY_DST */

/** Rounds a byte size up to its bucket: a multiple of 256 below 64 KiB, else 1/8 steps of a power of two. */
export function bucketSize(bytes: number): number {
  const size = Math.max(16, bytes);
  if (size <= 65536) return Math.ceil(size / 256) * 256;
  const pow = 2 ** Math.floor(Math.log2(size));
  const step = pow / 8;
  return Math.ceil(size / step) * step;
}

/** Size-bucketed free lists of GPU storage buffers. */
export class BufferPool {
  readonly #device: GPUDevice;
  readonly #free = new Map<number, GPUBuffer[]>();
  #liveBytes = 0;
  #freeBytes = 0;

  /**
   * Creates an empty pool.
   *
   * @param device the device that owns the buffers
   */
  constructor(device: GPUDevice) {
    this.#device = device;
  }

  /** A buffer of at least `bytes` bytes; its contents are undefined. */
  acquire(bytes: number): GPUBuffer {
    const size = bucketSize(bytes);
    const list = this.#free.get(size);
    const reused = list?.pop();
    if (reused) {
      this.#freeBytes -= size;
      return reused;
    }
    this.#liveBytes += size;
    return this.#device.createBuffer({ size, usage: STORAGE_USAGE });
  }

  /** Returns a buffer obtained from {@linkcode BufferPool.acquire} for reuse. */
  release(buffer: GPUBuffer): void {
    const size = buffer.size;
    let list = this.#free.get(size);
    if (!list) this.#free.set(size, list = []);
    list.push(buffer);
    this.#freeBytes += size;
  }

  /** Destroys every free buffer (live ones stay valid). */
  trim(): void {
    for (const list of this.#free.values()) for (const b of list) b.destroy();
    this.#liveBytes -= this.#freeBytes;
    this.#freeBytes = 0;
    this.#free.clear();
  }

  /** Bytes allocated through the pool and not trimmed, and the part of it that is free. */
  stats(): { allocatedBytes: number; freeBytes: number } {
    return { allocatedBytes: this.#liveBytes, freeBytes: this.#freeBytes };
  }
}
