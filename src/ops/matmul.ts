/**
 * Matrix products, the hot op of TRM: plain, transposed, batched (with broadcast
 * operands), batch-reduced (for weight gradients) and accumulating (`beta`).
 *
 * Two kernel families share one parameter layout: "register" (register-blocked, no
 * workgroup memory; best on CPU adapters such as llvmpipe) and "tiled" (workgroup-memory
 * tiles; for real GPUs). The adapter's profile picks one unless the caller forces it.
 *
 * @module
 */

import type { Gpu } from "../gpu/gpu.ts";
import type { Tensor } from "../gpu/tensor.ts";
import { expandTemplate } from "./attention.ts";
import registerSource from "../../kernels/matmul_register.wgsl" with { type: "text" };
import tiledSource from "../../kernels/matmul_tiled.wgsl" with { type: "text" };

/** Options of {@linkcode matmul}. */
export interface MatmulOptions {
  /** op(A) = Aᵀ: A is stored [k, m] instead of [m, k]. */
  transA?: boolean;
  /** op(B) = Bᵀ: B is stored [n, k] instead of [k, n]. */
  transB?: boolean;
  /** Rows of op(A) and C; inferred from A's last two dims when omitted. */
  m?: number;
  /** Columns of op(B) and C; inferred from B's last two dims when omitted. */
  n?: number;
  /** Inner dimension; inferred from A's last two dims when omitted. */
  k?: number;
  /** Number of batched products; default: the leading dims of a rank-3+ operand, else 1. */
  batch?: number;
  /** Batch stride of A in elements; 0 broadcasts one matrix to all batches. */
  strideA?: number;
  /** Batch stride of B in elements; 0 broadcasts one matrix to all batches. */
  strideB?: number;
  /** Batch stride of C in elements (default m·n). */
  strideC?: number;
  /** Element offset of A's batch 0. */
  offsetA?: number;
  /** Element offset of B's batch 0. */
  offsetB?: number;
  /** Element offset of C's batch 0. */
  offsetC?: number;
  /** C = Σ_b op(A_b)·op(B_b) into one [m, n] matrix, summed in a fixed order (deterministic). */
  reduceBatch?: boolean;
  /** Scale of the product; default 1. */
  alpha?: number;
  /** C = alpha·op(A)op(B) + beta·C; beta ≠ 0 requires `out`. */
  beta?: number;
  /** Write into this tensor instead of allocating one. */
  out?: Tensor;
  /** Force a kernel family (tests); default from `gpu.profile`. */
  variant?: "register" | "tiled";
}

/**
 * Register-kernel shapes (rows × columns per invocation, workgroup x × y). Big blocks
 * amortise llvmpipe's expensive loads: at 512³ on an idle machine 32×16 gave ~4.0 GFLOP/s,
 * 16×16 ~3.1, a loop-indexed 8×8 ~1.0; but LLVM compile time grows with the block (32×16
 * took 85 s on a loaded machine, 16×16 about a third of that; Mesa's disk cache keeps it
 * afterwards). Small products use the small block to avoid clamped waste.
 */
const REGISTER_BIG = { TM: 16, TN: 16, WX: 8, WY: 4 } as const;
const REGISTER_SMALL = { TM: 4, TN: 4, WX: 8, WY: 8 } as const;
const TILED_TILE = { BM: 64, BN: 64, BK: 16, TM: 4, TN: 4 } as const;

/**
 * C = alpha·op(A)·op(B) + beta·C, optionally batched. Returns `out` when given, else a new
 * tensor of shape [m, n] (batch 1 or reduceBatch) or [batch, m, n].
 *
 * @example
 * ```ts ignore
 * const c = matmul(gpu, a, b, { transB: true }); // a [m,k], b [n,k] → c [m,n]
 * matmul(gpu, dy, x, { transA: true, beta: 1, out: dw }); // dw += dyᵀ·x
 * ```
 */
export function matmul(gpu: Gpu, a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const transA = options.transA ?? false;
  const transB = options.transB ?? false;
  const [aRows, aCols] = lastTwo(a, "A");
  const [bRows, bCols] = lastTwo(b, "B");
  const m = options.m ?? (transA ? aCols : aRows);
  const k = options.k ?? (transA ? aRows : aCols);
  const n = options.n ?? (transB ? bRows : bCols);
  const batch = options.batch ?? inferBatch(a, b);
  const reduce = options.reduceBatch ?? false;
  const alpha = options.alpha ?? 1;
  const beta = options.beta ?? 0;
  for (const [name, v] of [["m", m], ["n", n], ["k", k], ["batch", batch]] as const) {
    if (!Number.isInteger(v) || v < 1) {
      throw new RangeError(`matmul: ${name} must be a positive integer, got ${v}`);
    }
  }
  const strideA = options.strideA ?? (a.shape.length > 2 ? m * k : 0);
  const strideB = options.strideB ?? (b.shape.length > 2 ? k * n : 0);
  const strideC = options.strideC ?? (reduce ? 0 : m * n);
  const offsetA = options.offsetA ?? 0;
  const offsetB = options.offsetB ?? 0;
  const offsetC = options.offsetC ?? 0;
  if (beta !== 0 && !options.out) throw new RangeError("matmul: beta != 0 requires `out`");
  const cBatches = reduce ? 1 : batch;
  const out = options.out ?? gpu.empty(cBatches === 1 ? [m, n] : [cBatches, m, n]);
  const maxBinding = gpu.device.limits.maxStorageBufferBindingSize;
  for (const [name, t] of [["A", a], ["B", b], ["C", out]] as const) {
    // Bindings cover whole buffers; splitting needs ranged bindings in Gpu.dispatch.
    if (t.buffer.size > maxBinding) {
      throw new RangeError(
        `matmul: ${name} [${t.shape}] needs a ${t.buffer.size}-byte binding, above this device's ` +
          `maxStorageBufferBindingSize ${maxBinding}; split the product into smaller row blocks`,
      );
    }
  }
  checkExtent("A", a, offsetA, strideA, batch, m * k);
  checkExtent("B", b, offsetB, strideB, batch, k * n);
  checkExtent("C", out, offsetC, strideC, cBatches, m * n);

  // Element (i, p) of op(A) sits at i·rs + p·ks; likewise (p, j) of op(B) at p·ks + j·cs.
  const aRs = transA ? 1 : k;
  const aKs = transA ? m : 1;
  const bKs = transB ? 1 : n;
  const bCs = transB ? k : 1;
  const params = {
    u32: [
      m,
      n,
      k,
      batch,
      offsetA,
      strideA,
      aRs,
      aKs,
      offsetB,
      strideB,
      bKs,
      bCs,
      offsetC,
      strideC,
      reduce ? 1 : 0,
      beta !== 0 ? 1 : 0,
    ],
    f32: [alpha, beta],
  };
  const variant = options.variant ?? (gpu.profile === "cpu" ? "register" : "tiled");
  if (variant === "register") {
    const big = m * n >= 4 * REGISTER_BIG.TM * REGISTER_BIG.WY * REGISTER_BIG.TN * REGISTER_BIG.WX;
    const t = big ? REGISTER_BIG : REGISTER_SMALL;
    const source = expandTemplate(registerSource, { r: t.TM, j: t.TN });
    const pipeline = gpu.pipeline(source, { constants: { ...t } });
    gpu.dispatch(pipeline, [a, b, out], [
      Math.ceil(n / (t.WX * t.TN)),
      Math.ceil(m / (t.WY * t.TM)),
      cBatches,
    ], params);
  } else {
    const t = TILED_TILE;
    const pipeline = gpu.pipeline(tiledSource, { constants: { ...t } });
    gpu.dispatch(
      pipeline,
      [a, b, out],
      [Math.ceil(n / t.BN), Math.ceil(m / t.BM), cBatches],
      params,
    );
  }
  return out;
}

/**
 * PyTorch's linear without bias: y[..., N] = x[..., K] · wᵀ with w stored [N, K].
 *
 * @example
 * ```ts ignore
 * const y = linear(gpu, x, w); // x [B, S, 512], w [1536, 512] → y [B, S, 1536]
 * ```
 */
export function linear(
  gpu: Gpu,
  x: Tensor,
  w: Tensor,
  options: { out?: Tensor; beta?: number } = {},
): Tensor {
  if (w.shape.length !== 2) throw new RangeError(`linear: weight must be [N, K], got [${w.shape}]`);
  const [nOut, kIn] = w.shape;
  const lead = x.shape.slice(0, -1);
  if (x.shape[x.shape.length - 1] !== kIn) {
    throw new RangeError(`linear: x [${x.shape}] does not end in K = ${kIn} of w [${w.shape}]`);
  }
  const rows = lead.reduce((s, d) => s * d, 1);
  const out = options.out ?? gpu.empty([...lead, nOut]);
  matmul(gpu, x, w, {
    transB: true,
    m: rows,
    n: nOut,
    k: kIn,
    batch: 1,
    out,
    beta: options.beta,
  });
  return out;
}

function lastTwo(t: Tensor, name: string): [number, number] {
  const s = t.shape;
  if (s.length < 2) throw new RangeError(`matmul: ${name} must have rank >= 2, got [${s}]`);
  return [s[s.length - 2], s[s.length - 1]];
}

function inferBatch(a: Tensor, b: Tensor): number {
  const lead = (t: Tensor) => t.shape.slice(0, -2).reduce((s, d) => s * d, 1);
  const la = a.shape.length > 2 ? lead(a) : 0;
  const lb = b.shape.length > 2 ? lead(b) : 0;
  if (la && lb && la !== lb) throw new RangeError(`matmul: batch ${la} of A != batch ${lb} of B`);
  return la || lb || 1;
}

function checkExtent(
  name: string,
  t: Tensor,
  offset: number,
  stride: number,
  batch: number,
  size: number,
) {
  if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(stride) || stride < 0) {
    throw new RangeError(`matmul: ${name} offset/stride must be non-negative integers`);
  }
  const end = offset + (batch - 1) * stride + size;
  if (end > t.size) {
    throw new RangeError(
      `matmul: ${name} needs ${end} elements, tensor [${t.shape}] has ${t.size}`,
    );
  }
}
