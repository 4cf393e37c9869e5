import {
  assertClose,
  dot,
  finiteDifferences,
  randomArray,
  randomInts,
  testGpu,
} from "../_helpers.ts";
import type { Gpu, Tensor } from "../../src/gpu/gpu.ts";
import {
  embeddingBackward,
  embeddingForward,
  puzzleEmbeddingGrad,
  signSgdRows,
} from "../../src/ops/embedding.ts";
import { embeddingRef, gatherRows, signSgdRef } from "../reference/embedding.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };

async function take(gpu: Gpu, t: Tensor): Promise<Float32Array | Int32Array | Uint32Array> {
  const data = await gpu.read(t);
  t.release();
  return data;
}

// Forward: one f32 multiply of O(1) values by scale ≈ 3.6: one rounding, ≤ 6e-8 relative.
const FORWARD_TOL = { atol: 1e-7, rtol: 2e-7 };
// Backward vs FD of the linear float64 forward (FD error ~1e-9): the GPU sums ≤ 305
// tokens per table entry in f32 (≤ ~305·6e-8·Σ|terms| ≈ 1e-4 worst case, ~1e-6 typical).
const BACKWARD_TOL = { atol: 2e-5, rtol: 1e-5 };

// B·L = 305 tokens: three chunks of 128 in the table gradient's first pass.
const B = 5, L = 61, V = 7, D = 13, SCALE = Math.sqrt(D), NUM_PUZZLES = 4;

Deno.test({
  ...opts,
  name: "embeddingForward: no prefix, zero prefix, puzzle prefix, out-of-range ids",
  fn: async () => {
    const gpu = await testGpu();
    const table = randomArray(V * D, 1);
    const ids = randomInts(B * L, 2, V);
    ids[3] = V; // out of range: zero row
    ids[4] = -1;
    const puzzleTable = randomArray(NUM_PUZZLES * D, 3);
    const puzzleIds = Int32Array.from([2, 0, 2, 3, 9]); // 9: out of range, zero row
    const tt = gpu.upload(table, [V, D]);
    const ti = gpu.upload(ids, [B, L], "i32");
    const tpt = gpu.upload(puzzleTable, [NUM_PUZZLES, D]);
    const tpi = gpu.upload(puzzleIds, [B], "i32");
    const base = { batch: B, length: L, vocab: V, width: D, scale: SCALE };
    for (const prefix of [0, 3]) {
      const out = embeddingForward(gpu, tt, ti, { scale: SCALE, prefixLen: prefix });
      if (out.shape.join() !== `${B},${prefix + L},${D}`) throw new Error(`shape ${out.shape}`);
      assertClose(await take(gpu, out), embeddingRef(table, ids, { ...base, prefix }), {
        ...FORWARD_TOL,
        label: `prefix ${prefix}`,
      });
    }
    const withPuzzle = embeddingForward(gpu, tt, ti, {
      scale: SCALE,
      prefixLen: 4,
      puzzleTable: tpt,
      puzzleIds: tpi,
    });
    const puzzleRows = gatherRows(puzzleTable, puzzleIds, NUM_PUZZLES, D);
    assertClose(
      await take(gpu, withPuzzle),
      embeddingRef(table, ids, { ...base, prefix: 4, puzzleRows }),
      {
        ...FORWARD_TOL,
        label: "puzzle prefix",
      },
    );
    for (const t of [tt, ti, tpt, tpi]) t.release();
  },
});

Deno.test({
  ...opts,
  name: "embeddingBackward and puzzleEmbeddingGrad vs FD; deterministic",
  fn: async () => {
    const gpu = await testGpu();
    const prefix = 3;
    const table = randomArray(V * D, 4);
    const ids = randomInts(B * L, 5, V);
    ids[0] = V + 3; // out of range: contributes to no row
    const puzzleRows = randomArray(B * D, 6);
    const dOut = randomArray(B * (prefix + L) * D, 7);
    const cfg = { batch: B, length: L, vocab: V, width: D, scale: SCALE, prefix };
    const ti = gpu.upload(ids, [B, L], "i32");
    const tdo = gpu.upload(dOut, [B, prefix + L, D]);

    const fdTable = finiteDifferences(
      (p) => dot(dOut, embeddingRef(p, ids, { ...cfg, puzzleRows })),
      table,
    );
    for (const variant of ["small", "scan"] as const) {
      const backOpts = { vocabSize: V, scale: SCALE, prefixLen: prefix, variant };
      const dTable = embeddingBackward(gpu, ti, tdo, backOpts);
      if (dTable.shape.join() !== `${V},${D}`) throw new Error(`shape ${dTable.shape}`);
      const got = await take(gpu, dTable);
      assertClose(got, fdTable, { ...BACKWARD_TOL, label: `dTable ${variant}` });
      const again = await take(gpu, embeddingBackward(gpu, ti, tdo, backOpts));
      assertClose(again, got, { atol: 0, rtol: 0, label: `dTable ${variant} determinism` });
    }

    const dRows = await take(gpu, puzzleEmbeddingGrad(gpu, tdo, { scale: SCALE }));
    const fdRows = finiteDifferences(
      (p) => dot(dOut, embeddingRef(table, ids, { ...cfg, puzzleRows: p })),
      puzzleRows,
    );
    assertClose(dRows, fdRows, { ...BACKWARD_TOL, label: "puzzle rows" });

    // Without a prefix the gradient covers every position.
    const dOut0 = randomArray(B * L * D, 8);
    const tdo0 = gpu.upload(dOut0, [B, L, D]);
    const fd0 = finiteDifferences(
      (p) => dot(dOut0, embeddingRef(p, ids, { ...cfg, prefix: 0 })),
      table,
    );
    assertClose(
      await take(gpu, embeddingBackward(gpu, ti, tdo0, { vocabSize: V, scale: SCALE })),
      fd0,
      {
        ...BACKWARD_TOL,
        label: "dTable no prefix",
      },
    );
    for (const t of [ti, tdo, tdo0]) t.release();
  },
});

Deno.test({
  ...opts,
  name: "embeddingBackward: vocabulary above 32 (scan kernel by default) vs FD",
  fn: async () => {
    const gpu = await testGpu();
    const [b, l, v, d, prefix] = [3, 17, 40, 5, 2];
    const table = randomArray(v * d, 12);
    const ids = randomInts(b * l, 13, v);
    const dOut = randomArray(b * (prefix + l) * d, 14);
    const cfg = { batch: b, length: l, vocab: v, width: d, scale: 0.7, prefix };
    const ti = gpu.upload(ids, [b, l], "i32");
    const tdo = gpu.upload(dOut, [b, prefix + l, d]);
    const fd = finiteDifferences((p) => dot(dOut, embeddingRef(p, ids, cfg)), table);
    const got = embeddingBackward(gpu, ti, tdo, { vocabSize: v, scale: 0.7, prefixLen: prefix });
    assertClose(await take(gpu, got), fd, { ...BACKWARD_TOL, label: "dTable V=40" });
    ti.release();
    tdo.release();
  },
});

Deno.test({
  ...opts,
  name: "signSgdRows: duplicate ids summed, absent rows untouched, zero gradient only decays",
  fn: async () => {
    const gpu = await testGpu();
    const numIds = 9, width = 13, batch = 11;
    const table = randomArray(numIds * width, 10);
    const ids = Int32Array.from([4, 1, 4, 7, 1, 4, 0, 12, 7, 3, -2]); // 12, -2: ignored
    const rows = randomArray(batch * width, 11);
    rows.fill(0, 9 * width, 10 * width); // id 3's only row: zero gradient, sign 0
    const tt = gpu.upload(table, [numIds, width]);
    const ti = gpu.upload(ids, [batch], "i32");
    const tr = gpu.upload(rows, [batch, width]);
    const lr = 0.01, weightDecay = 0.1;
    signSgdRows(gpu, tt, ti, tr, { lr, weightDecay });
    const got = await gpu.read(tt);
    const expected = signSgdRef(table, ids, rows, numIds, width, lr, weightDecay);
    // Two f32 roundings (w·decay, then - lr·sign) on O(1) values.
    assertClose(got, expected, { atol: 2e-7, rtol: 2e-7, label: "signSgdRows" });
    for (const id of [2, 5, 6, 8]) {
      assertClose(
        got.slice(id * width, (id + 1) * width),
        table.slice(id * width, (id + 1) * width),
        {
          atol: 0,
          rtol: 0,
          label: `row ${id} untouched`,
        },
      );
    }
    // The update must be the sign of the SUM: a row whose duplicate gradients cancel in
    // sign but not in sum gets the sign of the sum.
    const t2 = gpu.upload(new Float32Array(2).fill(1), [1, 2]);
    const i2 = gpu.upload([0, 0, 0], [3], "i32");
    const r2 = gpu.upload([1, -1, 1, -1, -3, 3], [3, 2]); // sums: -1, 1
    signSgdRows(gpu, t2, i2, r2, { lr: 0.5, weightDecay: 0 });
    assertClose(await gpu.read(t2), [1.5, 0.5], { atol: 0, rtol: 0, label: "sign of sum" });
    for (const t of [tt, ti, tr, t2, i2, r2]) t.release();
  },
});
