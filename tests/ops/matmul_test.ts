/**
 * matmul / linear against a float64 reference, for both kernel families, every transpose
 * combination, awkward shapes (not multiples of any tile), batching with broadcast,
 * offsets and strides, batch reduction, alpha/beta accumulation; and the backward
 * identities (dA = dC·Bᵀ, dB = Aᵀ·dC computed with matmul) against finite differences.
 *
 * Tolerance: inputs are f32 values in [-1, 1), so the f64 reference on the same values is
 * exact to ~1e-16 and all error is the kernel's f32 accumulation. A length-L dot product
 * summed in f32 errs by at most γ_L·Σ|a·b| ≈ L·6e-8·Σ|a·b|, and Σ|a·b| ≤ L, so
 * atol = 6e-8·L² (+1e-6 for the alpha/beta rounding) is a worst-case bound; a wrong or
 * missing term (|a·b| ~ 0.25 on average) exceeds it by orders of magnitude for every L used.
 */
import { assertClose, dot, finiteDifferences, randomArray, testGpu } from "../_helpers.ts";
import { linear, matmul, type MatmulOptions, type MatmulVariant } from "../../src/ops/matmul.ts";
import { refMatmul, type RefMatmulOptions } from "../reference/matmul.ts";
import type { Gpu } from "../../src/gpu/gpu.ts";

function assertEquals(actual: unknown, expected: unknown): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`expected ${e}, got ${a}`);
}

function assertThrows(f: () => unknown, kind: new (...args: never[]) => Error): void {
  try {
    f();
  } catch (error) {
    if (error instanceof kind) return;
    throw new Error(`expected ${kind.name}, got ${error}`);
  }
  throw new Error(`expected ${kind.name}, nothing was thrown`);
}

const VARIANTS = ["register", "tiled", "texture"] as const;
const TRANS = [[false, false], [false, true], [true, false], [true, true]] as const;

function tol(len: number, scale = 1): { atol: number; rtol: number } {
  return { atol: (6e-8 * len * len + 1e-6) * scale, rtol: 0 };
}

let seed = 1;

/** Runs one case on the GPU and checks it against the reference. */
async function check(
  gpu: Gpu,
  variant: MatmulVariant,
  o: RefMatmulOptions,
  sizes: { a: number; b: number; c: number },
  label: string,
  extra: MatmulOptions = {},
) {
  const a = randomArray(sizes.a, seed++);
  const b = randomArray(sizes.b, seed++);
  const c0 = randomArray(sizes.c, seed++);
  const ta = gpu.upload(a, [sizes.a, 1]);
  const tb = gpu.upload(b, [sizes.b, 1]);
  const tc = gpu.upload(c0, [sizes.c]);
  // The 2-D upload shapes carry no batch, so pass the reference's default strides explicitly.
  const options: MatmulOptions = {
    ...o,
    strideA: o.strideA ?? o.m * o.k,
    strideB: o.strideB ?? o.k * o.n,
    variant,
    out: tc,
    ...extra,
  };
  matmul(gpu, ta, tb, options);
  const got = await gpu.read(tc);
  const want = refMatmul(a, b, c0, o);
  const len = o.k * (o.reduceBatch ? (o.batch ?? 1) : 1);
  const scale = Math.abs(o.alpha ?? 1) + Math.abs(o.beta ?? 0);
  assertClose(got, want, { ...tol(len, scale), label: `${variant} ${label}` });
  ta.release();
  tb.release();
  tc.release();
}

function plain(m: number, n: number, k: number, transA: boolean, transB: boolean) {
  return {
    o: { m, n, k, transA, transB },
    sizes: { a: m * k, b: k * n, c: m * n },
  };
}

for (const variant of VARIANTS) {
  Deno.test({
    name: `matmul ${variant}: every transpose, awkward shapes`,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      const gpu = await testGpu();
      const shapes = [
        [37, 13, 29],
        [1, 2, 3],
        [1, 70, 5],
        [9, 1, 17],
        [5, 6, 1],
        [67, 71, 45], // m·n large enough for the register kernel's big 64×128 workgroup tile; not a multiple.
        [131, 259, 7],
        [97, 130, 21], // the texture kernel's middle block (16×8 in an 8×2 workgroup)
        [67, 70, 64], // K-contiguous rows of 256 bytes: the texture kernel copies instead of packing
        [64, 128, 44], // K-strided rows of 256 or 512 bytes: copied, then transposed in textures
        [257, 263, 254], // m·n·k ≥ 2²⁴: the texture kernel's big blocks (up to 32×16), with tails
      ];
      for (const [m, n, k] of shapes) {
        for (const [transA, transB] of TRANS) {
          const { o, sizes } = plain(m, n, k, transA, transB);
          await check(gpu, variant, o, sizes, `${m}x${n}x${k} tA=${transA} tB=${transB}`);
        }
      }
    },
  });

  Deno.test({
    name: `matmul ${variant}: batched, broadcast, offsets, strides, alpha/beta`,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      const gpu = await testGpu();
      const m = 7, n = 13, k = 11, batch = 3;
      for (const [transA, transB] of TRANS) {
        // A broadcast (stride 0, like a weight), B batched with a gap between batches,
        // C with an offset and a gap; previous C contents accumulate with beta.
        const o: RefMatmulOptions = {
          m,
          n,
          k,
          transA,
          transB,
          batch,
          strideA: 0,
          offsetA: 5,
          strideB: k * n + 3,
          offsetB: 2,
          strideC: m * n + 4,
          offsetC: 1,
          alpha: 0.75,
          beta: -0.5,
        };
        await check(gpu, variant, o, {
          a: 5 + m * k,
          b: 2 + batch * (k * n + 3),
          c: 1 + batch * (m * n + 4),
        }, `bcastA tA=${transA} tB=${transB}`);
        // Big enough for the register kernel's big tile: A broadcast, offset C, beta.
        const big: RefMatmulOptions = {
          m: 130,
          n: 260,
          k: 3,
          transA,
          transB,
          batch: 2,
          strideA: 0,
          offsetC: 3,
          beta: 0.5,
        };
        await check(
          gpu,
          variant,
          big,
          { a: 130 * 3, b: 2 * 3 * 260, c: 3 + 2 * 130 * 260 },
          `big tA=${transA} tB=${transB}`,
        );
        // B broadcast, A batched contiguous, beta = 1 (gradient accumulation).
        const o2: RefMatmulOptions = { m, n, k, transA, transB, batch, strideB: 0, beta: 1 };
        await check(
          gpu,
          variant,
          o2,
          { a: batch * m * k, b: k * n, c: batch * m * n },
          `bcastB tA=${transA} tB=${transB}`,
        );
      }
    },
  });

  Deno.test({
    name: `matmul ${variant}: reduceBatch (weight gradients of batched products)`,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      const gpu = await testGpu();
      const m = 6, n = 9, k = 13, batch = 5;
      for (const [transA, transB] of TRANS) {
        const o: RefMatmulOptions = { m, n, k, transA, transB, batch, reduceBatch: true, beta: 1 };
        await check(
          gpu,
          variant,
          o,
          { a: batch * m * k, b: batch * k * n, c: m * n },
          `reduce tA=${transA} tB=${transB}`,
        );
      }
      // Larger than one tile in m and n, with offsets and alpha.
      const o: RefMatmulOptions = {
        m: 67,
        n: 66,
        k: 5,
        batch: 3,
        transA: true,
        reduceBatch: true,
        offsetA: 3,
        offsetB: 1,
        alpha: 2,
      };
      await check(
        gpu,
        variant,
        o,
        { a: 3 + 3 * 67 * 5, b: 1 + 3 * 5 * 66, c: 67 * 66 },
        "reduce 67x66",
      );
    },
  });
}

Deno.test({
  name: "matmul: chunked products with ranged bindings and small texture sides",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const gpu = await testGpu();
    // Bindings of at most 4 KiB (1024 elements; pool buckets make the buffers larger than
    // that) and textures of 16 texels force row and K chunks, unaligned range starts and
    // beta-then-accumulate over K chunks. N is never split, so B is bound whole where
    // transB makes its span n·k.
    const splitLimits = { bindingBytes: 4096, textureSide: 16 };
    for (const variant of VARIANTS) {
      for (const [transA, transB] of TRANS) {
        const { o, sizes } = plain(97, 13, 45, transA, transB);
        await check(
          gpu,
          variant,
          { ...o, offsetC: 3, alpha: 0.5, beta: -1 },
          {
            ...sizes,
            c: 3 + sizes.c,
          },
          `split tA=${transA} tB=${transB}`,
          { splitLimits },
        );
      }
      for (const [transA, transB] of TRANS) {
        // K = 128 in chunks of 16: the texture kernel copies K-contiguous chunks (and, with
        // transA, copies and transposes the 64-row A).
        for (const m of [37, 64]) {
          const { o, sizes } = plain(m, 7, 128, transA, transB);
          await check(gpu, variant, o, sizes, `split copy m=${m} tA=${transA} tB=${transB}`, {
            splitLimits,
          });
        }
      }
      for (const transA of [false, true]) {
        const { o, sizes } = plain(37, 29, 101, transA, false); // B [101, 29] ranged too
        await check(gpu, variant, o, sizes, `split B tA=${transA}`, { splitLimits });
      }
      // Batch reduction through chunks (first chunk applies beta, the rest accumulate).
      const o: RefMatmulOptions = { m: 9, n: 11, k: 21, batch: 3, reduceBatch: true, beta: 1 };
      await check(gpu, variant, o, { a: 3 * 9 * 21, b: 3 * 21 * 11, c: 9 * 11 }, "split reduce", {
        splitLimits,
      });
    }
  },
});

Deno.test({
  name: "matmul: shapes inferred, allocation, linear, determinism, errors",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const gpu = await testGpu();
    const [bt, s, kIn, nOut] = [2, 5, 7, 3];
    const x = randomArray(bt * s * kIn, 91);
    const w = randomArray(nOut * kIn, 92);
    const tx = gpu.upload(x, [bt, s, kIn]);
    const tw = gpu.upload(w, [nOut, kIn]);
    const y = linear(gpu, tx, tw);
    assertEquals(y.shape, [bt, s, nOut]);
    const want = refMatmul(x, w, new Float64Array(bt * s * nOut), {
      m: bt * s,
      n: nOut,
      k: kIn,
      transB: true,
    });
    assertClose(await gpu.read(y), want, { ...tol(kIn), label: "linear" });

    // Batched inference from a rank-3 operand with a broadcast 2-D weight: Y[b] = W · X[b].
    const wt = gpu.upload(randomArray(4 * s, 93), [4, s]);
    const yb = matmul(gpu, wt, tx);
    assertEquals(yb.shape, [bt, 4, kIn]);

    // Same inputs twice → bit-identical outputs.
    for (const variant of VARIANTS) {
      const r1 = matmul(gpu, tx, tw, {
        transB: true,
        m: bt * s,
        n: nOut,
        k: kIn,
        batch: 1,
        variant,
      });
      const r2 = matmul(gpu, tx, tw, {
        transB: true,
        m: bt * s,
        n: nOut,
        k: kIn,
        batch: 1,
        variant,
      });
      assertEquals(Array.from(await gpu.read(r1)), Array.from(await gpu.read(r2)));
      r1.release();
      r2.release();
    }

    assertThrows(() => matmul(gpu, tx, tw, { beta: 1 }), RangeError);
    assertThrows(() => matmul(gpu, tw, tw), RangeError); // [3,7]·[3,7] needs 7*7 elements of B
    assertThrows(() => linear(gpu, tw, tx), RangeError);
    for (const t of [tx, tw, y, wt, yb]) t.release();
  },
});

Deno.test({
  name: "matmul backward identities match finite differences of the f64 reference",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const gpu = await testGpu();
    const m = 5, n = 4, k = 3;
    const a = randomArray(m * k, 201);
    const b = randomArray(k * n, 202);
    const dc = randomArray(m * n, 203);
    const zeros = (len: number) => new Float64Array(len);
    // loss(A, B) = <dC, A·B>
    const lossA = (av: Float64Array) => dot(dc, refMatmul(av, b, zeros(m * n), { m, n, k }));
    const lossB = (bv: Float64Array) => dot(dc, refMatmul(a, bv, zeros(m * n), { m, n, k }));
    // Central differences of a bilinear function are exact up to rounding (~1e-10 here).
    const fdA = finiteDifferences(lossA, a);
    const fdB = finiteDifferences(lossB, b);
    const refA = refMatmul(dc, b, zeros(m * k), { m, n: k, k: n, transB: true });
    const refB = refMatmul(a, dc, zeros(k * n), { m: k, n, k: m, transA: true });
    assertClose(refA, fdA, { atol: 1e-8, rtol: 0, label: "ref dA vs FD" });
    assertClose(refB, fdB, { atol: 1e-8, rtol: 0, label: "ref dB vs FD" });
    const ta = gpu.upload(a, [m, k]);
    const tb = gpu.upload(b, [k, n]);
    const tdc = gpu.upload(dc, [m, n]);
    for (const variant of VARIANTS) {
      const da = matmul(gpu, tdc, tb, { transB: true, variant }); // [m,n]·[k,n]ᵀ
      const db = matmul(gpu, ta, tdc, { transA: true, variant }); // [m,k]ᵀ·[m,n]
      assertEquals(da.shape, [m, k]);
      assertEquals(db.shape, [k, n]);
      // f32 dot products of length n (dA) or m (dB) against the FD values (1e-8 accurate).
      assertClose(await gpu.read(da), fdA, { ...tol(n), label: `${variant} dA vs FD` });
      assertClose(await gpu.read(db), fdB, { ...tol(m), label: `${variant} dB vs FD` });
      da.release();
      db.release();
    }
    for (const t of [ta, tb, tdc]) t.release();
  },
});
