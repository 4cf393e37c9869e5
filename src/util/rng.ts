/**
 * The one seeded PRNG (sfc32) of the project: model initialisation, generated puzzles,
 * augmentations, the training data stream and exploration all draw from it, so every run
 * reproduces from its seed; `Math.random` is never used for any of them.
 *
 * @module
 */

/** A seeded random source: 32-bit sfc32 state, uniform floats and integers, shuffles. */
export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  /**
   * Seeds from a number (any integer; mixed with splitmix32 so nearby seeds diverge).
   *
   * @example
   * ```ts ignore
   * const rng = new Rng(42);
   * rng.int(9); // 0..8, the same every run
   * ```
   */
  constructor(seed: number) {
    let s = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    // The high part of seeds above 2^32 still matters.
    s = (s ^ Math.trunc(seed / 4294967296)) >>> 0;
    this.#a = next();
    this.#b = next();
    this.#c = next();
    this.#d = next();
    for (let i = 0; i < 12; i++) this.u32();
  }

  /**
   * A generator from a raw sfc32 state, warmed up by 12 draws (the model-init stream:
   * {@linkcode seededUniform} keeps the state layout existing checkpoints were made with).
   */
  static fromState(a: number, b: number, c: number, d: number): Rng {
    const rng = new Rng(0);
    rng.#a = a >>> 0;
    rng.#b = b >>> 0;
    rng.#c = c >>> 0;
    rng.#d = d >>> 0;
    for (let i = 0; i < 12; i++) rng.u32();
    return rng;
  }

  /** The next uniform 32-bit unsigned integer. */
  u32(): number {
    const a = this.#a, b = this.#b, c = this.#c, d = this.#d;
    const t = (((a + b) >>> 0) + d) >>> 0;
    this.#d = (d + 1) >>> 0;
    this.#a = b ^ (b >>> 9);
    this.#b = (c + (c << 3)) >>> 0;
    this.#c = (((c << 21) | (c >>> 11)) + t) >>> 0;
    return t;
  }

  /** A uniform float in [0, 1). */
  next(): number {
    return this.u32() / 4294967296;
  }

  /** A uniform integer in [0, n) (n ≤ 2^32). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Shuffles `array` in place (Fisher–Yates) and returns it. */
  shuffle<T, A extends { length: number; [i: number]: T }>(array: A): A {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = array[i];
      array[i] = array[j];
      array[j] = t;
    }
    return array;
  }

  /** A uniformly random permutation of 0..n-1. */
  permutation(n: number): number[] {
    return this.shuffle(Array.from({ length: n }, (_, i) => i));
  }

  /** An independent generator split off this one (for per-item streams). */
  fork(): Rng {
    return new Rng(this.u32() * 4294967296 + this.u32());
  }
}

function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The seed of item `index` of a run seeded with `seed` (both integers up to 2^53): items are
 * reproducible on their own (item 7 does not depend on how items 0..6 went). Returns an
 * integer below 2^53.
 *
 * @example
 * ```ts ignore
 * const puzzle7 = generateSudoku({ size: 9, seed: deriveSeed(runSeed, 7) });
 * ```
 */
export function deriveSeed(seed: number, index: number): number {
  const words = [
    seed >>> 0,
    Math.floor(seed / 4294967296) >>> 0,
    index >>> 0,
    Math.floor(index / 4294967296) >>> 0,
  ];
  let a = 0x243f6a88, b = 0x85a308d3;
  for (const w of words) {
    a = mix32(a ^ w);
    b = mix32(b + a + w);
  }
  return a * 2097152 + (b >>> 11);
}

/**
 * Uniform floats in [0, 1) for model initialisation: sfc32 started from the fixed state
 * (0x9e3779b9, 0x243f6a88, 0xb7e15162, seed), the stream every init fixture was made with.
 */
export function seededUniform(seed: number): () => number {
  const rng = Rng.fromState(0x9e3779b9, 0x243f6a88, 0xb7e15162, seed >>> 0);
  return () => rng.next();
}
