/** Float64 references of the reductions. */

/** Σ x (float64). */
export function sumRef(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s;
}

/** Σ over arrays of Σ x² (float64). */
export function sumOfSquaresRef(xs: readonly ArrayLike<number>[]): number {
  let s = 0;
  for (const x of xs) for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return s;
}

/** scale * Σ_r x[r, :] of [rows, cols]. */
export function sumRowsRef(
  x: ArrayLike<number>,
  rows: number,
  cols: number,
  scale = 1,
): Float64Array {
  const out = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c] += x[r * cols + c];
  return out.map((v) => v * scale);
}

/** First index of the maximum of each row. */
export function argmaxRef(x: ArrayLike<number>, rows: number, cols: number): Int32Array {
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < cols; c++) if (x[r * cols + c] > x[r * cols + best]) best = c;
    out[r] = best;
  }
  return out;
}

/** 1 when every non-ignored label of the row is predicted, else 0 (no valid label: 1). */
export function sequenceCorrectRef(
  predictions: ArrayLike<number>,
  labels: ArrayLike<number>,
  batch: number,
  length: number,
  ignoreIndex: number,
): Float64Array {
  const out = new Float64Array(batch);
  for (let b = 0; b < batch; b++) {
    let ok = true;
    for (let t = 0; t < length; t++) {
      const l = labels[b * length + t];
      if (l !== ignoreIndex && predictions[b * length + t] !== l) ok = false;
    }
    out[b] = ok ? 1 : 0;
  }
  return out;
}
