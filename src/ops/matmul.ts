/**
 * Matrix products, the hot op of TRM: plain, transposed, batched (with broadcast
 * operands), batch-reduced (for weight gradients) and accumulating (`beta`).
 *
 * Three kernel families: "texture" (both operands K-major in rgba32float textures, copied
 * when their rows allow it and packed otherwise, then a register-blocked product of texel
 * dot products; fastest on CPU adapters such as llvmpipe, where storage-buffer loads are
 * per-lane scalar loops but texture fetches are vector gathers), "register"
 * (register-blocked straight from storage buffers; CPU adapters, small or many-batch
 * products) and "tiled" (workgroup-memory tiles; real GPUs). The adapter's profile and the
 * product's size pick one unless the caller forces it.
 *
 * Products whose operands exceed `maxStorageBufferBindingSize` (or the 8192-texel texture
 * side) are split into row and K chunks, each bound as a byte range and accumulated in a
 * fixed order (deterministic).
 *
 * @module
 */

import type { Bindable, Gpu } from "../gpu/gpu.ts";
import type { Tensor } from "../gpu/tensor.ts";
import { expandTemplate } from "./template.ts";
import registerSource from "../../kernels/matmul_register.wgsl" with { type: "text" };
import tiledSource from "../../kernels/matmul_tiled.wgsl" with { type: "text" };
import textureSource from "../../kernels/matmul_texture.wgsl" with { type: "text" };
import packSource from "../../kernels/matmul_pack.wgsl" with { type: "text" };
import transposePackSource from "../../kernels/matmul_transpose_pack.wgsl" with { type: "text" };

/** Kernel families of {@linkcode matmul}. */
export type MatmulVariant = "register" | "tiled" | "texture";

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
  /** Force a kernel family (tests); default from `gpu.profile` and the product's size. */
  variant?: MatmulVariant;
  /**
   * Lower split limits than the device's, so tests can exercise chunking with small tensors:
   * the largest binding in bytes, and the texture side in texels (a multiple of 4).
   */
  splitLimits?: { bindingBytes?: number; textureSide?: number; textureKChunk?: number };
}

/**
 * Register-kernel shapes (rows × columns per invocation, workgroup x × y). Big blocks
 * amortise llvmpipe's expensive loads: at 512³ on an idle machine 32×16 gave ~4.0 GFLOP/s,
 * 16×16 ~3.1, a loop-indexed 8×8 ~1.0; but LLVM compile time grows with the block (cold,
 * one core: 16×16 ~3.8 s, 4×4 ~0.1 s; Mesa's disk cache keeps it afterwards). Small
 * products use the small block to avoid clamped waste.
 */
const REGISTER_BIG = { TM: 16, TN: 16, WX: 8, WY: 4 } as const;
const REGISTER_SMALL = { TM: 4, TN: 4, WX: 8, WY: 8 } as const;
const TILED_TILE = { BM: 64, BN: 64, BK: 16, TM: 4, TN: 4 } as const;

/**
 * Texture-kernel block for an m × n product (rows × columns per invocation, workgroup
 * x × y): as big as 32 × 16 in an 8×2 workgroup, which measured fastest at 512³ on
 * llvmpipe (2 cores, product only, ±10%: 32×16 17–18 GFLOP/s, 16×16 15.5–16.5, 16×8
 * ~14.5), but sized to the product so that thin sides (TRM's 36- or 64-wide operands)
 * are not mostly clamped duplicates: rows and columns are split evenly over the fewest
 * workgroups that keep the block within 32 × 16. Each distinct block is one LLVM compile
 * (cold, one core: ~19 s for 32×16, ~3.5 s for 16×16, 0.2–0.4 s up to 8×8; Mesa's disk
 * cache keeps them).
 */
function textureBlock(
  m: number,
  n: number,
  k: number,
): { TM: number; TN: number; WX: number; WY: number } {
  if (m < 16 || n < 16) return { TM: 4, TN: 4, WX: 8, WY: 4 };
  const WX = 8, WY = 2;
  // Small products (inference on a few puzzles) take at most 8 × 8: a cold compile of the
  // big block costs more than it saves there.
  const small = m * n * k < TEXTURE_BIG_WORK;
  const maxM = small ? 8 : 32, maxN = small ? 8 : 16;
  const TN = Math.ceil(n / (WX * Math.ceil(n / (WX * maxN))));
  const TM = Math.ceil(m / (WY * Math.ceil(m / (WY * maxM))));
  return { TM, TN, WX, WY };
}
/** m·n·k from which the big texture blocks pay for their compile (2²⁴ multiply-adds). */
const TEXTURE_BIG_WORK = 1 << 24;
/** Below this m·n·k (or with a thin side) packing overhead outweighs the texture kernel's gain. */
const TEXTURE_MIN_WORK = 1 << 18;
const TEXTURE_MIN_SIDE = 8;
/** WebGPU's guaranteed maxTextureDimension2D: bounds rows of op(A) and K per chunk. */
const TEXTURE_MAX_SIDE = 8192;
/**
 * K per texture dispatch: a workgroup streams TN·WX rows of op(B)ᵀ over K, which at
 * K = 512 stays in a Zen 4 core's 1 MiB L2; longer K is split and accumulated through C.
 */
const TEXTURE_K_CHUNK = 512;
/** Minimum storage-buffer binding offset alignment WebGPU guarantees (bytes). */
const BINDING_ALIGN = 256;

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
  checkExtent("A", a, offsetA, strideA, batch, m * k);
  checkExtent("B", b, offsetB, strideB, batch, k * n);
  const out = options.out ?? gpu.empty(cBatches === 1 ? [m, n] : [cBatches, m, n]);
  checkExtent("C", out, offsetC, strideC, cBatches, m * n);

  // Element (i, p) of op(A) sits at i·rs + p·ks; likewise (p, j) of op(B) at p·ks + j·cs.
  const g: Geometry = {
    m,
    n,
    k,
    aRs: transA ? 1 : k,
    aKs: transA ? m : 1,
    bKs: transB ? 1 : n,
    bCs: transB ? k : 1,
  };
  const variant = options.variant ?? defaultVariant(gpu, m, n, k, batch);
  const maxBinding = Math.min(
    gpu.device.limits.maxStorageBufferBindingSize,
    options.splitLimits?.bindingBytes ?? Infinity,
  );
  const side = Math.min(TEXTURE_MAX_SIDE, options.splitLimits?.textureSide ?? Infinity);
  const fits = [a, b, out].every((t) => t.buffer.size <= maxBinding);
  if (variant !== "texture" && fits) {
    // One dispatch for all batches, whole-buffer bindings.
    storageDispatch(gpu, variant, [a, b, out], g, {
      batch,
      offsetA,
      strideA,
      offsetB,
      strideB,
      offsetC,
      strideC,
      reduce,
      alpha,
      beta,
    }, cBatches);
    return out;
  }
  // Otherwise one sub-product per (batch, row chunk, K chunk), accumulated into C in a fixed
  // order: the first contribution to a C block applies beta, later ones add (beta = 1).
  const tex = variant === "texture";
  if (tex && n > TEXTURE_MAX_SIDE) {
    throw new RangeError(`matmul: the texture kernel takes n <= ${TEXTURE_MAX_SIDE}, got ${n}`);
  }
  const { mc, kc } = planChunks(
    g,
    { a, b, out },
    maxBinding,
    tex ? side : Infinity,
    tex ? options.splitLimits?.textureKChunk ?? TEXTURE_K_CHUNK : Infinity,
  );
  for (let bi = 0; bi < batch; bi++) {
    for (let i0 = 0; i0 < m; i0 += mc) {
      for (let p0 = 0; p0 < k; p0 += kc) {
        const first = (reduce ? bi === 0 : true) && p0 === 0;
        const sub: SubProduct = {
          m: Math.min(mc, m - i0),
          k: Math.min(kc, k - p0),
          aFirst: offsetA + bi * strideA + i0 * g.aRs + p0 * g.aKs,
          bFirst: offsetB + bi * strideB + p0 * g.bKs,
          cFirst: offsetC + (reduce ? 0 : bi * strideC) + i0 * n,
          alpha,
          beta: first ? beta : 1,
        };
        if (tex) textureProduct(gpu, a, b, out, g, sub, maxBinding);
        else storageProduct(gpu, variant, a, b, out, g, sub, maxBinding);
      }
    }
  }
  return out;
}

/** Element strides of op(A) and op(B) and the product's sizes. */
interface Geometry {
  m: number;
  n: number;
  k: number;
  aRs: number;
  aKs: number;
  bKs: number;
  bCs: number;
}

/** One chunk of a product: rows i0.., K p0.. of one batch, as first elements and sizes. */
interface SubProduct {
  m: number;
  k: number;
  aFirst: number;
  bFirst: number;
  cFirst: number;
  alpha: number;
  beta: number;
}

function defaultVariant(gpu: Gpu, m: number, n: number, k: number, batch: number): MatmulVariant {
  if (gpu.profile !== "cpu") return "tiled";
  const big = m * n * k >= TEXTURE_MIN_WORK &&
    Math.min(m, n, k) >= TEXTURE_MIN_SIDE && n <= TEXTURE_MAX_SIDE;
  // Many small batched products: one register dispatch beats per-batch packing.
  return big && (batch === 1 || m * n * k >= 8 * TEXTURE_MIN_WORK) ? "texture" : "register";
}

/** Spans in elements touched by a chunk of mc rows and kc K-steps. */
function spans(g: Geometry, mc: number, kc: number) {
  return {
    a: (mc - 1) * g.aRs + (kc - 1) * g.aKs + 1,
    b: (kc - 1) * g.bKs + (g.n - 1) * g.bCs + 1,
    c: mc * g.n,
  };
}

/**
 * Largest row and K chunks whose bindings fit `maxBinding` (for buffers above it) and, for
 * the texture kernel, whose textures fit `side`. N is not split: op(B) (weights, or
 * activations with K = rows) must fit one binding for some K chunk, which TRM's shapes do.
 */
function planChunks(
  g: Geometry,
  t: { a: Tensor; b: Tensor; out: Tensor },
  maxBinding: number,
  side: number,
  kChunk = Infinity,
): { mc: number; kc: number } {
  // Slack for rounding a range's start down to the binding alignment.
  const room = Math.floor(maxBinding / 4) - BINDING_ALIGN / 4;
  const limit = (x: Tensor) => x.buffer.size <= maxBinding ? Infinity : room;
  const [la, lb, lc] = [limit(t.a), limit(t.b), limit(t.out)];
  let kc = Math.min(g.k, side, kChunk);
  while (kc > 4 && (spans(g, 1, kc).b > lb || spans(g, 1, kc).a > la)) {
    kc = Math.ceil(kc / 8) * 4; // halve, keeping whole texels for every chunk but the last
  }
  let mc = Math.min(g.m, side);
  while (mc > 1 && (spans(g, mc, kc).a > la || spans(g, mc, kc).c > lc)) mc = Math.ceil(mc / 2);
  const s = spans(g, mc, kc);
  if (s.a > la || s.b > lb || s.c > lc) {
    throw new RangeError(
      `matmul: cannot split [${g.m}, ${g.k}]·[${g.k}, ${g.n}] into bindings of at most ` +
        `${maxBinding} bytes`,
    );
  }
  return { mc, kc };
}

/** Binds `span` elements of `t` from element `first`: the whole buffer when allowed, else a range. */
function bindSpan(
  t: Tensor,
  first: number,
  span: number,
  maxBinding: number,
): { bind: Bindable; offset: number } {
  if (t.buffer.size <= maxBinding) return { bind: t, offset: first };
  const start = Math.floor((first * 4) / BINDING_ALIGN) * BINDING_ALIGN;
  const end = Math.min(t.buffer.size, (first + span) * 4);
  return { bind: { tensor: t, offset: start, size: end - start }, offset: first - start / 4 };
}

interface BatchLayout {
  batch: number;
  offsetA: number;
  strideA: number;
  offsetB: number;
  strideB: number;
  offsetC: number;
  strideC: number;
  reduce: boolean;
  alpha: number;
  beta: number;
}

/** One dispatch of the register or tiled kernel (they share the parameter layout). */
function storageDispatch(
  gpu: Gpu,
  variant: "register" | "tiled",
  bindings: [Bindable, Bindable, Bindable],
  g: Geometry,
  l: BatchLayout,
  cBatches: number,
): void {
  const { m, n, k } = g;
  const params = {
    u32: [
      m,
      n,
      k,
      l.batch,
      l.offsetA,
      l.strideA,
      g.aRs,
      g.aKs,
      l.offsetB,
      l.strideB,
      g.bKs,
      g.bCs,
      l.offsetC,
      l.strideC,
      l.reduce ? 1 : 0,
      l.beta !== 0 ? 1 : 0,
    ],
    f32: [l.alpha, l.beta],
  };
  if (variant === "register") {
    const big = m * n >= 4 * REGISTER_BIG.TM * REGISTER_BIG.WY * REGISTER_BIG.TN * REGISTER_BIG.WX;
    const t = big ? REGISTER_BIG : REGISTER_SMALL;
    const source = expandTemplate(registerSource, { r: t.TM, j: t.TN });
    const pipeline = gpu.pipeline(source, { constants: { ...t } });
    gpu.dispatch(
      pipeline,
      bindings,
      [
        Math.ceil(n / (t.WX * t.TN)),
        Math.ceil(m / (t.WY * t.TM)),
        cBatches,
      ],
      params,
      `${m}x${n}x${k}`,
    );
  } else {
    const t = TILED_TILE;
    const pipeline = gpu.pipeline(tiledSource, { constants: { ...t } });
    gpu.dispatch(
      pipeline,
      bindings,
      [Math.ceil(n / t.BN), Math.ceil(m / t.BM), cBatches],
      params,
    );
  }
}

/** A chunk through the register or tiled kernel with ranged bindings. */
function storageProduct(
  gpu: Gpu,
  variant: "register" | "tiled",
  a: Tensor,
  b: Tensor,
  out: Tensor,
  g: Geometry,
  s: SubProduct,
  maxBinding: number,
): void {
  const sizes = spans(g, s.m, s.k);
  const ba = bindSpan(a, s.aFirst, sizes.a, maxBinding);
  const bb = bindSpan(b, s.bFirst, sizes.b, maxBinding);
  const bc = bindSpan(out, s.cFirst, sizes.c, maxBinding);
  storageDispatch(gpu, variant, [ba.bind, bb.bind, bc.bind], { ...g, m: s.m, k: s.k }, {
    batch: 1,
    offsetA: ba.offset,
    strideA: 0,
    offsetB: bb.offset,
    strideB: 0,
    offsetC: bc.offset,
    strideC: 0,
    reduce: false,
    alpha: s.alpha,
    beta: s.beta,
  }, 1);
}

/** A chunk through the texture kernel: pack op(A) and op(B), then the product. */
function textureProduct(
  gpu: Gpu,
  a: Tensor,
  b: Tensor,
  out: Tensor,
  g: Geometry,
  s: SubProduct,
  maxBinding: number,
): void {
  const { n } = g;
  const k4 = Math.ceil(s.k / 4);
  const sizes = spans(g, s.m, s.k);
  const ta = scratchTexture(gpu, "A", k4, s.m);
  const tb = scratchTexture(gpu, "B", k4, n);
  // op(A) chunk: rows i (stride aRs), columns p (stride aKs).
  packOperand(
    gpu,
    "A",
    a,
    ta,
    { rows: s.m, k: s.k, first: s.aFirst, rs: g.aRs, ks: g.aKs },
    sizes.a,
    maxBinding,
  );
  // op(B)ᵀ chunk: rows j (stride bCs), columns p (stride bKs), K-major like op(A).
  packOperand(
    gpu,
    "B",
    b,
    tb,
    { rows: n, k: s.k, first: s.bFirst, rs: g.bCs, ks: g.bKs },
    sizes.b,
    maxBinding,
  );
  const bc = bindSpan(out, s.cFirst, sizes.c, maxBinding);
  const t = textureBlock(s.m, n, s.k);
  const source = expandTemplate(textureSource, { r: t.TM, j: t.TN });
  const pipeline = gpu.pipeline(source, { constants: { ...t } });
  gpu.dispatch(pipeline, [ta.view, tb.view, bc.bind], [
    Math.ceil(n / (t.WX * t.TN)),
    Math.ceil(s.m / (t.WY * t.TM)),
  ], {
    u32: [s.m, n, k4, bc.offset, s.beta !== 0 ? 1 : 0, 0, 0, 0],
    f32: [s.alpha, s.beta],
  }, `${s.m}x${n}x${s.k}`);
}

/**
 * Packs rows × k elements of `t` (element (i, p) at first + i·rs + p·ks) K-major into
 * `dst`, the cheapest way the layout allows. Rows that are already K-contiguous with a
 * pitch WebGPU can copy (a multiple of 256 bytes) are copied as they are: a memcpy on CPU
 * adapters, 0.66 ms for 512×512 on llvmpipe. Operands whose K axis is the slow one with
 * such a pitch (the transposed side of NN and TN products) are copied and then turned
 * around 4×4 texels at a time: ~1.8 ms. Anything else goes through the pack kernel's
 * per-lane storage loads: ~3.5 ms.
 */
function packOperand(
  gpu: Gpu,
  role: "A" | "B",
  t: Tensor,
  dst: ScratchTexture,
  v: { rows: number; k: number; first: number; rs: number; ks: number },
  span: number,
  maxBinding: number,
): void {
  const k4 = Math.ceil(v.k / 4);
  const copyable = (pitch: number) => (pitch * 4) % 256 === 0 && v.first % 4 === 0 && v.k % 4 === 0;
  if (v.ks === 1 && copyable(v.rs)) {
    gpu.copyToTexture(t, v.first * 4, v.rs * 4, dst.texture, k4, v.rows);
    return;
  }
  if (v.rs === 1 && v.rows % 4 === 0 && copyable(v.ks)) {
    // K is the slow axis: copy the rows of K as they are, then turn 4×4 blocks around.
    const raw = scratchTexture(gpu, `raw${role}`, v.rows / 4, v.k);
    gpu.copyToTexture(t, v.first * 4, v.ks * 4, raw.texture, v.rows / 4, v.k);
    gpu.dispatch(
      gpu.pipeline(transposePackSource),
      [raw.view, dst.view],
      [
        Math.ceil(v.rows / 32),
        Math.ceil(k4 / 8),
      ],
      { u32: [v.rows / 4, k4] },
      `${v.rows}x${v.k}`,
    );
    return;
  }
  const bound = bindSpan(t, v.first, span, maxBinding);
  // Lanes along the source's contiguous axis (see matmul_pack.wgsl).
  const rowsFirst = v.rs < v.ks;
  const texels = Math.ceil(k4 / 8), rows = Math.ceil(v.rows / 8);
  gpu.dispatch(
    gpu.pipeline(packSource),
    [bound.bind, dst.view],
    rowsFirst ? [rows, texels] : [texels, rows],
    {
      u32: [v.rows, v.k, bound.offset, v.rs, v.ks, k4, v.rows, rowsFirst ? 1 : 0],
    },
    `${v.rows}x${v.k}`,
  );
}

const TEXTURE_USAGE = 0x02 /* COPY_DST */ | 0x04 /* TEXTURE_BINDING */ | 0x08; /* STORAGE_BINDING */
const scratch = new WeakMap<Gpu, Map<string, ScratchTexture>>();

/** A scratch texture and the view the kernels bind. */
interface ScratchTexture {
  texture: GPUTexture;
  view: GPUTextureView;
}

/**
 * A reusable rgba32float texture of at least `width` texels by `height` rows, per role (A
 * or B); the kernels take the used extent from their parameters. Both sides are powers of
 * two: llvmpipe compiles a separate variant of a pipeline per power-of-two-ness of each
 * bound texture's sides, so mixed shapes would compile every product kernel twice (7–19 s
 * each cold for the big blocks). Reuse is safe: dispatches run in recording order, so a
 * later pack cannot overwrite a texture before the earlier product has read it.
 */
function scratchTexture(
  gpu: Gpu,
  role: "A" | "B" | `raw${"A" | "B"}`,
  width: number,
  height: number,
): ScratchTexture {
  let cache = scratch.get(gpu);
  if (!cache) scratch.set(gpu, cache = new Map());
  // At least 256 rows, so that chunks of similar size share a texture.
  const rows = Math.min(TEXTURE_MAX_SIDE, powerOfTwo(Math.max(256, height)));
  const cols = Math.min(TEXTURE_MAX_SIDE, powerOfTwo(width));
  const key = `${role}:${cols}x${rows}`;
  let hit = cache.get(key);
  if (!hit) {
    const texture = gpu.device.createTexture({
      size: [cols, rows],
      format: "rgba32float",
      usage: TEXTURE_USAGE,
    });
    hit = { texture, view: texture.createView() };
    cache.set(key, hit);
  }
  return hit;
}

/** The smallest power of two >= x (x >= 1). */
function powerOfTwo(x: number): number {
  return 2 ** Math.ceil(Math.log2(x));
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
