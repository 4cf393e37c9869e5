/** Float64 references for the element-wise and data-movement ops. */

/** [batch, rows, cols] -> [batch, cols, rows]. */
export function transposeRef(
  x: ArrayLike<number>,
  batch: number,
  rows: number,
  cols: number,
): Float64Array {
  const out = new Float64Array(batch * rows * cols);
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) out[(b * cols + c) * rows + r] = x[(b * rows + r) * cols + c];
    }
  }
  return out;
}

/** x[:, start:start+length, :] of x [B, S, D]. */
export function sliceSequenceRef(
  x: ArrayLike<number>,
  [batch, seq, width]: readonly number[],
  start: number,
  length: number,
): Float64Array {
  const out = new Float64Array(batch * length * width);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < length; t++) {
      for (let d = 0; d < width; d++) {
        out[(b * length + t) * width + d] = x[(b * seq + start + t) * width + d];
      }
    }
  }
  return out;
}

/** target with target[:, start:start+len] += alpha * src. */
export function addToSequenceRef(
  target: ArrayLike<number>,
  [batch, seq, width]: readonly number[],
  src: ArrayLike<number>,
  length: number,
  start: number,
  alpha: number,
): Float64Array {
  const out = Float64Array.from(target);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < length; t++) {
      for (let d = 0; d < width; d++) {
        out[(b * seq + start + t) * width + d] += alpha * src[(b * length + t) * width + d];
      }
    }
  }
  return out;
}
