/**
 * Seeded Gaussian noise on the latent for test-time sampling (several noisy trajectories
 * per puzzle, PTRM-style). The draw is a pure function of (seed, step, trajectory key,
 * element), so it does not depend on which rows share a batch.
 *
 * @module
 */

import type { Gpu, Tensor } from "../gpu/gpu.ts";
import { grid } from "../gpu/gpu.ts";
import latentNoiseSrc from "../../kernels/latent_noise.wgsl" with { type: "text" };

/** Options of {@linkcode addLatentNoise}. */
export interface LatentNoiseOptions {
  /** Standard deviation of the noise. */
  sigma: number;
  /** Trajectories per puzzle: rows whose key is a multiple of this stay clean. */
  samples: number;
  /** Non-negative integer below 2^53 selecting the noise stream. */
  seed: number;
  /** Supervision step (a fresh draw each step). */
  step: number;
}

const WG = 256;
const TWO_32 = 4294967296;

/**
 * `z[r] += sigma · N(0, 1)` in place for every row r with `keys[r] % samples ≠ 0`; z is
 * [rows, …] and keys u32 [rows] (key = puzzle · samples + sample).
 *
 * @example
 * ```ts ignore
 * addLatentNoise(gpu, carry.z, keys, { sigma: 0.2, samples: 4, seed: 7, step });
 * ```
 */
export function addLatentNoise(
  gpu: Gpu,
  z: Tensor,
  keys: Tensor,
  options: LatentNoiseOptions,
): void {
  const { sigma, samples, seed, step } = options;
  if (!(sigma >= 0 && Number.isFinite(sigma))) {
    throw new RangeError(`addLatentNoise: sigma must be finite and ≥ 0, got ${sigma}`);
  }
  if (!Number.isInteger(samples) || samples < 1) {
    throw new RangeError(`addLatentNoise: samples must be a positive integer, got ${samples}`);
  }
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`addLatentNoise: seed must be a non-negative safe integer, got ${seed}`);
  }
  if (!Number.isInteger(step) || step < 0 || step >= TWO_32) {
    throw new RangeError(`addLatentNoise: step must be an integer in [0, 2^32), got ${step}`);
  }
  const rows = keys.size;
  if (rows === 0 || z.size === 0 || sigma === 0 || samples === 1) return;
  if (z.size % rows !== 0) {
    throw new RangeError(
      `addLatentNoise: z has ${z.size} elements, not a multiple of ${rows} rows`,
    );
  }
  const n = z.size;
  gpu.dispatch(gpu.pipeline(latentNoiseSrc), [keys, z], grid(Math.ceil(n / WG)), {
    u32: [n, n / rows, seed % TWO_32, Math.floor(seed / TWO_32), step, samples],
    f32: [sigma],
  });
}
