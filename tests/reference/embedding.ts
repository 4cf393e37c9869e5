/** Float64 references of the TRM input embedding and the puzzle-embedding sign-SGD. */

/**
 * out [B, P+L, D]: scale * puzzleRows[b] at position 0 (when given), zeros in the rest of
 * the prefix, scale * table[ids[b, t]] at P + t (zero rows for out-of-range ids).
 * `puzzleRows` is the batch-local [B, D] gather of the puzzle table.
 */
export function embeddingRef(
  table: ArrayLike<number>,
  ids: ArrayLike<number>,
  { batch, length, vocab, width, scale, prefix, puzzleRows }: {
    batch: number;
    length: number;
    vocab: number;
    width: number;
    scale: number;
    prefix: number;
    puzzleRows?: ArrayLike<number>;
  },
): Float64Array {
  const seq = prefix + length;
  const out = new Float64Array(batch * seq * width);
  for (let b = 0; b < batch; b++) {
    if (puzzleRows && prefix > 0) {
      for (let d = 0; d < width; d++) out[b * seq * width + d] = scale * puzzleRows[b * width + d];
    }
    for (let t = 0; t < length; t++) {
      const id = ids[b * length + t];
      if (id < 0 || id >= vocab) continue;
      for (let d = 0; d < width; d++) {
        out[(b * seq + prefix + t) * width + d] = scale * table[id * width + d];
      }
    }
  }
  return out;
}

/** Rows of `puzzleTable` [N, D] gathered for `puzzleIds` (zero rows out of range). */
export function gatherRows(
  puzzleTable: ArrayLike<number>,
  puzzleIds: ArrayLike<number>,
  numIds: number,
  width: number,
): Float64Array {
  const out = new Float64Array(puzzleIds.length * width);
  for (let b = 0; b < puzzleIds.length; b++) {
    const id = puzzleIds[b];
    if (id < 0 || id >= numIds) continue;
    for (let d = 0; d < width; d++) out[b * width + d] = puzzleTable[id * width + d];
  }
  return out;
}

/** Official sparse sign-SGD: per id present, g = Σ rows; w = w(1 - lr·wd) - lr·sign(g). */
export function signSgdRef(
  table: ArrayLike<number>,
  ids: ArrayLike<number>,
  rowGrads: ArrayLike<number>,
  numIds: number,
  width: number,
  lr: number,
  weightDecay: number,
): Float64Array {
  const out = Float64Array.from(table);
  const grads = new Map<number, Float64Array>();
  for (let b = 0; b < ids.length; b++) {
    const id = ids[b];
    if (id < 0 || id >= numIds) continue;
    let g = grads.get(id);
    if (!g) grads.set(id, g = new Float64Array(width));
    for (let d = 0; d < width; d++) g[d] += rowGrads[b * width + d];
  }
  for (const [id, g] of grads) {
    for (let d = 0; d < width; d++) {
      out[id * width + d] = out[id * width + d] * (1 - lr * weightDecay) - lr * Math.sign(g[d]);
    }
  }
  return out;
}
