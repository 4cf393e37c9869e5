/**
 * Float64 reference of Muon (src/ops/muon.ts), written the way Jordan et al.'s code reads:
 * transpose a tall matrix, iterate X ← aX + (bA + cA²)X with A = XXᵀ, transpose back — not
 * the Gram-side form the GPU code uses, so the two check each other.
 */

import { transposeRef } from "./elementwise.ts";
import { refMatmul } from "./matmul.ts";

const [A, B, C] = [3.4445, -4.775, 2.0315];

/** [r, c] row-major times [c, k] row-major. */
function mul(x: Float64Array, y: Float64Array, r: number, c: number, k: number): Float64Array {
  return refMatmul(x, y, new Float64Array(r * k), { m: r, n: k, k: c });
}

function transpose(x: Float64Array, r: number, c: number): Float64Array {
  return transposeRef(x, 1, r, c);
}

/** Newton–Schulz orthogonalisation of x [rows, cols] (Frobenius norm ≤ 1 already). */
export function newtonSchulzRef(
  x: ArrayLike<number>,
  rows: number,
  cols: number,
  steps = 5,
): Float64Array {
  const tall = rows > cols;
  let X = tall ? transpose(Float64Array.from(x), rows, cols) : Float64Array.from(x);
  const [r, c] = tall ? [cols, rows] : [rows, cols];
  for (let s = 0; s < steps; s++) {
    const gram = mul(X, transpose(X, r, c), r, c, r);
    const gram2 = mul(gram, gram, r, r, r);
    const poly = gram.map((v, i) => B * v + C * gram2[i]);
    const px = mul(poly, X, r, r, c);
    X = X.map((v, i) => A * v + px[i]);
  }
  return tall ? transpose(X, r, c) : X;
}

/** One float64 Muon step in place on p and m (see src/ops/muon.ts for the formula). */
export function muonRef(
  p: Float64Array,
  g: ArrayLike<number>,
  m: Float64Array,
  rows: number,
  cols: number,
  o: { lr: number; momentum: number; weightDecay: number; gradScale?: number; steps?: number },
): void {
  const scale = o.gradScale ?? 1;
  const u = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) {
    const gi = g[i] * scale;
    m[i] = o.momentum * m[i] + (1 - o.momentum) * gi;
    u[i] = (1 - o.momentum) * gi + o.momentum * m[i];
  }
  const norm = Math.sqrt(u.reduce((s, v) => s + v * v, 0));
  const orth = newtonSchulzRef(u.map((v) => v / (norm + 1e-7)), rows, cols, o.steps ?? 5);
  const step = o.lr * 0.2 * Math.sqrt(Math.max(rows, cols));
  for (let i = 0; i < p.length; i++) p[i] = p[i] * (1 - o.lr * o.weightDecay) - step * orth[i];
}
