/**
 * Shared test utilities: one GPU for the whole test process, a seeded RNG, float64
 * closeness checks and central finite differences.
 */
import type { AdapterProfile } from "../src/gpu/device.ts";
import { Gpu } from "../src/gpu/gpu.ts";

let shared: Promise<Gpu> | null = null;
const forced = new Map<AdapterProfile, Promise<Gpu>>();

/**
 * The one GPU the tests share (creating pipelines is expensive on CPU adapters), with the
 * adapter's own kernel profile; with `profile`, a GPU that runs that profile's kernels
 * whatever the adapter is (the shared one when the adapter already has that profile).
 */
export function testGpu(profile?: AdapterProfile): Promise<Gpu> {
  const own = shared ??= Gpu.create();
  if (profile === undefined) return own;
  let gpu = forced.get(profile);
  if (!gpu) {
    gpu = own.then((g) => g.profile === profile ? g : Gpu.create({ profile }));
    forced.set(profile, gpu);
  }
  return gpu;
}

/** Deterministic PRNG (mulberry32) so failures reproduce. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` values uniform in [lo, hi) from a seeded RNG, as Float32Array (the GPU's precision). */
export function randomArray(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

/** `n` integers uniform in [0, max). */
export function randomInts(n: number, seed: number, max: number): Int32Array {
  const r = rng(seed);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(r() * max);
  return out;
}

/**
 * Fails unless |actual - expected| <= atol + rtol * |expected| everywhere, naming the
 * worst element.
 */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  { atol = 1e-5, rtol = 1e-4, label = "" }: { atol?: number; rtol?: number; label?: string } = {},
): void {
  if (actual.length !== expected.length) {
    throw new Error(`${label}: length ${actual.length} != expected ${expected.length}`);
  }
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const excess = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (!(excess <= 0) && (worst < 0 || !(excess <= worstExcess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    throw new Error(
      `${label}: element ${worst} is ${actual[worst]}, expected ${expected[worst]} ` +
        `(atol ${atol}, rtol ${rtol}, ${actual.length} elements)`,
    );
  }
}

/** Largest absolute difference between two arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * Central finite differences of a scalar float64 function: d f / d x[i] for every i,
 * with step `eps` (float64, so eps = 1e-6 gives ~1e-9 truncation+rounding error for
 * smooth functions of order-1 inputs).
 */
export function finiteDifferences(
  f: (x: Float64Array) => number,
  x: ArrayLike<number>,
  eps = 1e-6,
): Float64Array {
  const point = Float64Array.from(x);
  const grad = new Float64Array(point.length);
  for (let i = 0; i < point.length; i++) {
    const saved = point[i];
    point[i] = saved + eps;
    const up = f(point);
    point[i] = saved - eps;
    const down = f(point);
    point[i] = saved;
    grad[i] = (up - down) / (2 * eps);
  }
  return grad;
}

/** Σ a[i] * b[i] in float64: the scalar loss `<dy, f(x)>` whose gradient a backward computes. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * The PyTorch parity rule: max |actual − expected| ≤ `tolerance` × max |expected| (the scale
 * is floored at 1e-6 for all-zero tensors). Returns the worst error and the scale; throws
 * naming the worst element when it is outside.
 */
export function assertParity(
  label: string,
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance: number,
): { worst: number; scale: number } {
  if (actual.length !== expected.length) {
    throw new Error(`${label}: ${actual.length} values, expected ${expected.length}`);
  }
  let scale = 1e-6, worst = 0, at = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  for (let i = 0; i < expected.length; i++) {
    const e = Math.abs(actual[i] - expected[i]);
    if (!(e <= worst)) {
      worst = e;
      at = i;
    }
  }
  if (!(worst <= tolerance * scale)) {
    throw new Error(
      `${label}: max abs error ${worst} at ${at} (ours ${actual[at]}, reference ${
        expected[at]
      }) exceeds ${tolerance} × ${scale}`,
    );
  }
  return { worst, scale };
}
