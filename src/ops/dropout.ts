/**
 * Inverted dropout with a seeded, counter-based in-kernel RNG: the keep mask is a pure
 * function of (seed, element index), so the backward regenerates it instead of storing it.
 *
 * @module
 */

import type { Gpu, Tensor } from "../gpu/gpu.ts";
import { grid } from "../gpu/gpu.ts";
import dropoutSrc from "../../kernels/dropout.wgsl" with { type: "text" };

/** Options for {@linkcode dropout} and {@linkcode dropoutBackward}. */
export interface DropoutOptions {
  /** Drop probability in [0, 1). */
  p: number;
  /** Non-negative integer below 2^53 selecting the mask; reuse it for the backward. */
  seed: number;
}

const WG = 256;
const TWO_32 = 4294967296;

function masked(gpu: Gpu, x: Tensor, { p, seed }: DropoutOptions, op: string): Tensor {
  if (!(p >= 0 && p < 1)) throw new RangeError(`${op}: p must be in [0, 1), got ${p}`);
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`${op}: seed must be a non-negative safe integer, got ${seed}`);
  }
  const y = gpu.empty(x.shape);
  const n = x.size;
  if (n === 0) return y;
  if (p === 0) {
    gpu.copy(x, y);
    return y;
  }
  const threshold = Math.min(TWO_32 - 1, Math.round(p * TWO_32));
  const seedLo = seed % TWO_32;
  const seedHi = Math.floor(seed / TWO_32);
  gpu.dispatch(gpu.pipeline(dropoutSrc), [x, y], grid(Math.ceil(n / WG)), {
    u32: [n, seedLo, seedHi, threshold],
    f32: [1 / (1 - p)],
  });
  return y;
}

/**
 * `y = x * mask / (1 - p)` with a mask drawn from `seed` (each element kept with
 * probability 1 - p). p = 0 is a plain copy.
 *
 * @example
 * ```ts ignore
 * const y = dropout(gpu, h, { p: 0.1, seed: step * 1000 + layer });
 * const dh = dropoutBackward(gpu, dy, { p: 0.1, seed: step * 1000 + layer });
 * ```
 */
export function dropout(gpu: Gpu, x: Tensor, options: DropoutOptions): Tensor {
  return masked(gpu, x, options, "dropout");
}

/** Gradient of {@linkcode dropout}: the same mask and scale applied to `dy` (same p and seed). */
export function dropoutBackward(gpu: Gpu, dy: Tensor, options: DropoutOptions): Tensor {
  return masked(gpu, dy, options, "dropoutBackward");
}
