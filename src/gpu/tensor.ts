/**
 * A tensor is a shape, a dtype and a GPU buffer. It holds no data on the CPU.
 *
 * @module
 */

/** Element types the kernels use (4 bytes each). */
export type DType = "f32" | "i32" | "u32";

/** Typed arrays matching {@linkcode DType}. */
export type TypedArrayFor<D extends DType> = D extends "f32" ? Float32Array
  : D extends "i32" ? Int32Array
  : Uint32Array;

/** Something that can take a buffer back when a tensor is released. */
export interface BufferOwner {
  /** Takes a buffer back for reuse. */
  releaseBuffer(buffer: GPUBuffer): void;
}

/** Number of elements in a shape. */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * A GPU tensor: a row-major view of `shape` over a storage buffer.
 *
 * @example
 * ```ts ignore
 * const gpu = await Gpu.create();
 * const t = gpu.upload(new Float32Array([1, 2, 3, 4]), [2, 2]);
 * console.log(t.shape, await gpu.read(t));
 * t.release();
 * ```
 */
export class Tensor {
  /** The storage buffer (may be larger than the tensor: pool buckets round up). */
  readonly buffer: GPUBuffer;
  /** Row-major shape. */
  readonly shape: readonly number[];
  /** Element type. */
  readonly dtype: DType;
  readonly #owner: BufferOwner | null;
  #released = false;

  /**
   * Wraps a buffer as a tensor.
   *
   * @param buffer storage buffer holding at least `shapeSize(shape)` elements
   * @param shape row-major shape
   * @param dtype element type
   * @param owner who takes the buffer back on release; null for views and borrowed buffers
   */
  constructor(
    buffer: GPUBuffer,
    shape: readonly number[],
    dtype: DType = "f32",
    owner: BufferOwner | null = null,
  ) {
    this.buffer = buffer;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.#owner = owner;
    if (shapeSize(shape) * 4 > buffer.size) {
      throw new RangeError(
        `shape [${shape}] needs ${shapeSize(shape) * 4} bytes, buffer has ${buffer.size}`,
      );
    }
  }

  /** Number of elements. */
  get size(): number {
    return shapeSize(this.shape);
  }

  /** Bytes of data (not of the buffer). */
  get byteLength(): number {
    return this.size * 4;
  }

  /** True once {@linkcode Tensor.release} was called. */
  get released(): boolean {
    return this.#released;
  }

  /** A tensor with another shape of the same size over the same buffer; releasing it does nothing. */
  reshape(shape: readonly number[]): Tensor {
    if (shapeSize(shape) !== this.size) {
      throw new RangeError(`cannot reshape [${this.shape}] to [${shape}]`);
    }
    return new Tensor(this.buffer, shape, this.dtype, null);
  }

  /**
   * Moves ownership of the buffer into a tensor of another shape (same size): releasing
   * the result returns the buffer; this tensor must not be used afterwards.
   */
  reshapeOwned(shape: readonly number[]): Tensor {
    if (this.#released) throw new Error("reshapeOwned: tensor already released");
    if (shapeSize(shape) !== this.size) {
      throw new RangeError(`cannot reshape [${this.shape}] to [${shape}]`);
    }
    const moved = new Tensor(this.buffer, shape, this.dtype, this.#owner);
    this.#released = true;
    return moved;
  }

  /** Gives the buffer back to the pool. Later GPU work already recorded still sees the data. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#owner?.releaseBuffer(this.buffer);
  }
}
