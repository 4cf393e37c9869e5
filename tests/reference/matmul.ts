/**
 * Float64 reference for {@linkcode matmul}: the same options, computed plainly on the CPU.
 *
 * @module
 */

/** Options mirroring src/ops/matmul.ts (all sizes explicit). */
export interface RefMatmulOptions {
  /** Rows of op(A). */
  m: number;
  /** Columns of op(B). */
  n: number;
  /** Inner dimension. */
  k: number;
  /** op(A) = Aᵀ (A stored [k, m]). */
  transA?: boolean;
  /** op(B) = Bᵀ (B stored [n, k]). */
  transB?: boolean;
  /** Number of products. */
  batch?: number;
  /** Batch stride of A (0 = broadcast). */
  strideA?: number;
  /** Batch stride of B (0 = broadcast). */
  strideB?: number;
  /** Batch stride of C. */
  strideC?: number;
  /** Offset of A's batch 0. */
  offsetA?: number;
  /** Offset of B's batch 0. */
  offsetB?: number;
  /** Offset of C's batch 0. */
  offsetC?: number;
  /** Sum all batches into one matrix. */
  reduceBatch?: boolean;
  /** Product scale. */
  alpha?: number;
  /** Scale of the previous C. */
  beta?: number;
}

/**
 * C = alpha·op(A)·op(B) + beta·C in float64. `c` holds the previous C (needed when beta ≠ 0)
 * and is returned updated as a new Float64Array; elements the product does not touch keep
 * their value.
 */
export function refMatmul(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  c: ArrayLike<number>,
  o: RefMatmulOptions,
): Float64Array {
  const { m, n, k } = o;
  const batch = o.batch ?? 1;
  const sA = o.strideA ?? m * k;
  const sB = o.strideB ?? k * n;
  const reduce = o.reduceBatch ?? false;
  const sC = o.strideC ?? (reduce ? 0 : m * n);
  const oA = o.offsetA ?? 0;
  const oB = o.offsetB ?? 0;
  const oC = o.offsetC ?? 0;
  const alpha = o.alpha ?? 1;
  const beta = o.beta ?? 0;
  const out = Float64Array.from(c);
  const getA = (bi: number, i: number, p: number) =>
    a[oA + bi * sA + (o.transA ? p * m + i : i * k + p)];
  const getB = (bi: number, p: number, j: number) =>
    b[oB + bi * sB + (o.transB ? j * k + p : p * n + j)];
  const cBatches = reduce ? 1 : batch;
  for (let cb = 0; cb < cBatches; cb++) {
    const batches = reduce ? [...Array(batch).keys()] : [cb];
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (const bi of batches) for (let p = 0; p < k; p++) s += getA(bi, i, p) * getB(bi, p, j);
        const idx = oC + cb * sC + i * n + j;
        out[idx] = alpha * s + (beta !== 0 ? beta * c[idx] : 0);
      }
    }
  }
  return out;
}
