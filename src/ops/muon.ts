/**
 * Muon (momentum orthogonalised by Newton–Schulz) for 2-D weight matrices: the update is
 * the Nesterov momentum with its singular values pushed towards 1 by five quintic
 * Newton–Schulz iterations (Jordan et al., 2024), scaled so its RMS matches a typical
 * AdamW update (0.2·√max(rows, cols), as Moonlight does), so that one learning rate and
 * weight decay serve Muon and the Adam-family optimizer of the other tensors.
 *
 * The iteration runs in f32 on the matmul op; the elementwise parts are
 * kernels/optim_muon.wgsl.
 *
 * @module
 */

import { type Gpu, grid } from "../gpu/gpu.ts";
import type { Tensor } from "../gpu/tensor.ts";
import { copy } from "./elementwise.ts";
import { matmul } from "./matmul.ts";
import { sumOfSquares } from "./reduce.ts";
import muonSrc from "../../kernels/optim_muon.wgsl" with { type: "text" };

/** Coefficients (a, b, c) of the quintic iteration X ← aX + b(XXᵀ)X + c(XXᵀ)²X. */
export const NEWTON_SCHULZ_COEFFICIENTS = [3.4445, -4.775, 2.0315] as const;

/** RMS of the update Muon is scaled to (that of a typical AdamW step). */
export const MUON_UPDATE_RMS = 0.2;

/** One weight matrix and its Muon state. */
export interface MuonState {
  /** Parameters [rows, cols], updated in place. */
  param: Tensor;
  /** Gradient of the loss (read only). */
  grad: Tensor;
  /** Momentum buffer, updated in place (start from zeros). */
  m: Tensor;
}

/** Hyper-parameters of one {@linkcode muon} step. */
export interface MuonOptions {
  /** Learning rate of this step. */
  lr: number;
  /** Momentum (default 0.95). */
  momentum?: number;
  /** Decoupled weight decay: `p *= 1 - lr * weightDecay` before the update. */
  weightDecay: number;
  /** Newton–Schulz iterations (default 5). */
  steps?: number;
  /** f32 [1]: the gradient is multiplied by this first (gradient clipping). */
  gradScale?: Tensor;
}

const WG = 256;

function muonPass(
  gpu: Gpu,
  entryPoint: "momentum" | "momentum_scaled" | "normalize" | "apply",
  buffers: Tensor[],
  n: number,
  f32: [number, number, number, number],
): void {
  const pipeline = gpu.pipeline(muonSrc, { entryPoint, constants: { WG } });
  gpu.dispatch(pipeline, buffers, grid(Math.ceil(n / WG)), { u32: [n], f32 });
}

/**
 * Newton–Schulz orthogonalisation of `x` viewed as [rows, cols] (already scaled to
 * Frobenius norm ≤ 1): `steps` quintic iterations, on the smaller Gram matrix (XXᵀ when
 * rows ≤ cols, XᵀX otherwise, which is the same iteration without transposing). Returns a
 * new tensor; `x` is left as it was.
 *
 * @example
 * ```ts ignore
 * const o = newtonSchulz(gpu, x, 512, 96); // singular values of o near 1
 * ```
 */
export function newtonSchulz(
  gpu: Gpu,
  x: Tensor,
  rows: number,
  cols: number,
  steps = 5,
): Tensor {
  if (x.size !== rows * cols) {
    throw new RangeError(`newtonSchulz: [${x.shape}] is not ${rows} × ${cols}`);
  }
  const [a, b, c] = NEWTON_SCHULZ_COEFFICIENTS;
  const wide = rows <= cols;
  const g = wide ? rows : cols;
  let cur = copy(gpu, x);
  for (let i = 0; i < steps; i++) {
    // A = XXᵀ (wide) or XᵀX (tall); B = bA + cA²; X ← aX + BX (wide) or aX + XB (tall).
    const gram = wide
      ? matmul(gpu, cur, cur, { transB: true, m: g, n: g, k: cols })
      : matmul(gpu, cur, cur, { transA: true, m: g, n: g, k: rows });
    const poly = copy(gpu, gram);
    matmul(gpu, gram, gram, { alpha: c, beta: b, out: poly });
    gram.release();
    const next = copy(gpu, cur);
    if (wide) matmul(gpu, poly, cur, { beta: a, out: next });
    else matmul(gpu, cur, poly, { beta: a, out: next });
    poly.release();
    cur.release();
    cur = next;
  }
  return cur;
}

/**
 * One in-place Muon step of a [rows, cols] weight: `m = lerp(m, g, 1 - μ)`;
 * `u = lerp(g, m, μ)`; `o = NS(u / ‖u‖_F)`; `p = p·(1 - lr·wd) - lr·0.2·√max(rows, cols)·o`.
 *
 * @example
 * ```ts ignore
 * muon(gpu, { param, grad, m }, { lr: 2e-3, weightDecay: 0.1 });
 * ```
 */
export function muon(gpu: Gpu, state: MuonState, options: MuonOptions): void {
  const { param, grad, m } = state;
  if (param.shape.length !== 2) {
    throw new RangeError(`muon: the parameter must be a matrix, got [${param.shape}]`);
  }
  const [rows, cols] = param.shape;
  const n = rows * cols;
  for (const [key, t] of [["grad", grad], ["m", m]] as const) {
    if (t.dtype !== "f32" || t.size !== n) {
      throw new RangeError(`muon: ${key} must be f32 with ${n} elements, got [${t.shape}]`);
    }
  }
  const beta = options.momentum ?? 0.95;
  if (!(beta >= 0 && beta < 1)) {
    throw new RangeError(`muon: momentum must be in [0, 1), got ${beta}`);
  }
  const u = gpu.empty([rows, cols]);
  if (options.gradScale) {
    muonPass(gpu, "momentum_scaled", [m, grad, u, options.gradScale], n, [beta, 1 - beta, 0, 0]);
  } else {
    muonPass(gpu, "momentum", [m, grad, u], n, [beta, 1 - beta, 0, 0]);
  }
  const sq = sumOfSquares(gpu, [u]);
  const x = gpu.empty([rows, cols]);
  muonPass(gpu, "normalize", [u, sq, x], n, [0, 0, 0, 0]);
  u.release();
  sq.release();
  const o = newtonSchulz(gpu, x, rows, cols, options.steps ?? 5);
  x.release();
  const step = options.lr * MUON_UPDATE_RMS * Math.sqrt(Math.max(rows, cols));
  muonPass(gpu, "apply", [param, o], n, [0, 0, 1 - options.lr * options.weightDecay, step]);
  o.release();
}
