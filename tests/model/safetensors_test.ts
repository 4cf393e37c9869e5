/**
 * Tests of the safetensors reader/writer: round trips, half-precision decoding against
 * known bit patterns, every corruption the reader must refuse, and the committed PyTorch
 * fixtures (written by tools/make_fixtures.py, an independent Python writer).
 */
import {
  bf16ToF32,
  f16ToF32,
  f32ToBf16,
  f32ToF16,
  parseSafetensors,
  SafetensorsError,
  serializeSafetensors,
} from "../../src/model/safetensors.ts";

// Local assertions: the project has no std dependency (and CI may run offline).
function assert(cond: unknown, msg = "assertion failed"): asserts cond {
  if (!cond) throw new Error(msg);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (a instanceof Set && b instanceof Set) {
    return a.size === b.size && [...a].every((v) => b.has(v));
  }
  if (ArrayBuffer.isView(a) || Array.isArray(a)) {
    const x = a as unknown as ArrayLike<unknown>, y = b as unknown as ArrayLike<unknown>;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!deepEqual(x[i], y[i])) return false;
    return true;
  }
  const ka = Object.keys(a), kb = Object.keys(b);
  return ka.length === kb.length &&
    ka.every((k) =>
      deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])
    );
}

function assertEquals(actual: unknown, expected: unknown, msg = ""): void {
  if (!deepEqual(actual, expected)) {
    const show = (v: unknown) =>
      ArrayBuffer.isView(v)
        ? `${v.constructor.name}[${Array.from(v as unknown as ArrayLike<number>)}]`
        : v instanceof Set
        ? `Set[${[...v]}]`
        : JSON.stringify(v);
    throw new Error(`${msg}: expected ${show(expected)}, got ${show(actual)}`);
  }
}

function assertThrows(
  fn: () => unknown,
  // deno-lint-ignore no-explicit-any
  cls: new (...args: any[]) => Error,
  includes: string,
): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof cls)) throw new Error(`expected ${cls.name}, got ${e}`);
    if (!e.message.includes(includes)) {
      throw new Error(
        `expected message containing ${JSON.stringify(includes)}, got ${JSON.stringify(e.message)}`,
      );
    }
    return;
  }
  throw new Error(`expected ${cls.name} containing ${JSON.stringify(includes)}, nothing thrown`);
}

const enc = new TextEncoder();

/** Builds a file by hand from a header object and a data section (no validation). */
function rawFile(header: unknown, data: Uint8Array, pad = true): Uint8Array {
  let json = enc.encode(typeof header === "string" ? header : JSON.stringify(header));
  if (pad && json.length % 8) {
    const p = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function refuses(bytes: Uint8Array, message: string): void {
  assertThrows(() => parseSafetensors(bytes), SafetensorsError, message);
}

Deno.test("round trip keeps names, dtypes, shapes, values and metadata", () => {
  const f32 = new Float32Array([1.5, -2.25, 3e-8, 1e30, -0, 7]);
  const input = {
    "b.f32": { dtype: "F32" as const, shape: [2, 3], data: f32 },
    "a.i32": { dtype: "I32" as const, shape: [3], data: new Int32Array([-100, 0, 2147483647]) },
    "c.i64": { dtype: "I64" as const, shape: [2], data: [-2147483648, 5] },
    "d.u8": { dtype: "U8" as const, shape: [3], data: new Uint8Array([0, 7, 255]) },
    "e.f64": { dtype: "F64" as const, shape: [], data: [Math.PI] },
    "f.f16": { dtype: "F16" as const, shape: [3], data: [1, -0.5, 65504] },
    "g.bf16": { dtype: "BF16" as const, shape: [1, 2], data: [1, -3] },
    "h.empty": { dtype: "F32" as const, shape: [0, 4], data: new Float32Array(0) },
    "i.odd": { dtype: "I8" as const, shape: [3], data: [-1, 2, -3] }, // leaves later data unaligned
    "j.after": { dtype: "F32" as const, shape: [2], data: [0.1, 0.2] },
  };
  const bytes = serializeSafetensors(input, { config: '{"dim":4}', format: "pt" });
  const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assertEquals((8 + headerLen) % 8, 0, "data section starts 8-byte aligned");
  const { metadata, tensors } = parseSafetensors(bytes);
  assertEquals(metadata, { config: '{"dim":4}', format: "pt" });
  assertEquals([...tensors.keys()], Object.keys(input).sort(), "data laid out in name order");
  assertEquals(tensors.get("b.f32")!.data, f32);
  assertEquals(tensors.get("b.f32")!.shape, [2, 3]);
  assertEquals(tensors.get("a.i32")!.data, new Int32Array([-100, 0, 2147483647]));
  assertEquals(tensors.get("c.i64")!.data, new Int32Array([-2147483648, 5]));
  assertEquals(tensors.get("c.i64")!.dtype, "I64");
  assertEquals(tensors.get("d.u8")!.data, new Uint8Array([0, 7, 255]));
  assertEquals(tensors.get("e.f64")!.data, new Float64Array([Math.PI]));
  assertEquals(tensors.get("e.f64")!.shape, []);
  assertEquals(tensors.get("f.f16")!.data, new Float32Array([1, -0.5, 65504]));
  assertEquals(tensors.get("g.bf16")!.data, new Float32Array([1, -3]));
  assertEquals(tensors.get("h.empty")!.data.length, 0);
  assertEquals(tensors.get("i.odd")!.data, new Int8Array([-1, 2, -3]));
  assertEquals(tensors.get("j.after")!.data, new Float32Array([0.1, 0.2]));
  // Writing what was read gives the same bytes.
  const again = serializeSafetensors(Object.fromEntries(tensors), metadata);
  assertEquals(again, bytes);
});

Deno.test("F16 and BF16 decode known bit patterns exactly", () => {
  const f16: [number, number][] = [
    [0x3c00, 1],
    [0xc000, -2],
    [0x7bff, 65504],
    [0x0400, 2 ** -14], // smallest normal
    [0x0001, 2 ** -24], // smallest subnormal
    [0x03ff, 1023 * 2 ** -24], // largest subnormal
    [0x3555, 0.333251953125],
    [0x7c00, Infinity],
    [0xfc00, -Infinity],
    [0x0000, 0],
  ];
  for (const [bits, value] of f16) {
    assertEquals(f16ToF32(bits), value, `f16 0x${bits.toString(16)}`);
  }
  assert(Object.is(f16ToF32(0x8000), -0));
  assert(Number.isNaN(f16ToF32(0x7e00)));
  const bf16: [number, number][] = [
    [0x3f80, 1],
    [0xc040, -3],
    [0x3eab, 0.333984375],
    [0x7f7f, 3.3895313892515355e38], // largest finite
    [0x0001, 2 ** -133], // smallest subnormal
    [0x7f80, Infinity],
  ];
  for (const [bits, value] of bf16) {
    assertEquals(bf16ToF32(bits), value, `bf16 0x${bits.toString(16)}`);
  }
  assert(Number.isNaN(bf16ToF32(0x7fc0)));

  // Decoding through a file: little-endian half words.
  const data = new Uint8Array([0x00, 0x3c, 0x55, 0x35, 0x80, 0x3f, 0x40, 0xc0]);
  const file = rawFile({
    h: { dtype: "F16", shape: [2], data_offsets: [0, 4] },
    b: { dtype: "BF16", shape: [2], data_offsets: [4, 8] },
  }, data);
  const { tensors } = parseSafetensors(file);
  assertEquals(tensors.get("h")!.data, new Float32Array([1, 0.333251953125]));
  assertEquals(tensors.get("b")!.data, new Float32Array([1, -3]));
});

Deno.test("F16 and BF16 encoding rounds to nearest even", () => {
  assertEquals(f32ToF16(1 + 2 ** -11), 0x3c00, "halfway between 1 and next: even is 1");
  assertEquals(f32ToF16(1 + 3 * 2 ** -11), 0x3c02, "halfway, odd below: rounds up");
  assertEquals(f32ToF16(65504), 0x7bff);
  assertEquals(f32ToF16(65520), 0x7c00, "halfway to 2^16 overflows to Infinity");
  assertEquals(f32ToF16(65519), 0x7bff);
  assertEquals(f32ToF16(2 ** -25), 0x0000, "half the smallest subnormal: ties to even (0)");
  assertEquals(f32ToF16(1.5 * 2 ** -25), 0x0001);
  assertEquals(f32ToF16(3 * 2 ** -25), 0x0002, "1.5 subnormal units: ties to even (2)");
  assertEquals(f32ToF16(2 ** -14 - 2 ** -26), 0x0400, "rounds up from subnormal into normal");
  assertEquals(f32ToF16(-0), 0x8000);
  assertEquals(f32ToF16(-Infinity), 0xfc00);
  assertEquals(f32ToF16(NaN) & 0x7c00, 0x7c00);
  assert((f32ToF16(NaN) & 0x3ff) !== 0);
  assertEquals(f32ToBf16(1 + 2 ** -8), 0x3f80, "halfway: even");
  assertEquals(f32ToBf16(1 + 3 * 2 ** -8), 0x3f82, "halfway, odd below: up");
  assertEquals(f32ToBf16(-3), 0xc040);
  assert(Number.isNaN(bf16ToF32(f32ToBf16(NaN))));
  // Against the engine's own binary16 rounding, where it exists (V8 13+), on random f32 values
  // spread over the whole f16 range, subnormals and overflow included.
  const f16round = (Math as unknown as { f16round?: (x: number) => number }).f16round;
  if (f16round) {
    const scratch = new Float32Array(1);
    let seed = 12345;
    for (let i = 0; i < 20000; i++) {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      scratch[0] = (seed / 2 ** 32 - 0.5) * 2 ** ((i % 48) - 28);
      const x = scratch[0];
      assertEquals(f16ToF32(f32ToF16(x)), f16round(x), `f16 rounding of ${x}`);
    }
  }
  // Every finite f16 value survives decode -> encode.
  for (let h = 0; h < 0x10000; h++) {
    if ((h & 0x7c00) === 0x7c00 && (h & 0x3ff)) continue; // NaNs
    assertEquals(f32ToF16(f16ToF32(h)), h, `f16 0x${h.toString(16)}`);
  }
});

Deno.test("I64 decodes to Int32Array and refuses values beyond 32 bits", () => {
  const ok = serializeSafetensors({ x: { dtype: "I64", shape: [2], data: [-100, 2147483647] } });
  assertEquals(parseSafetensors(ok).tensors.get("x")!.data, new Int32Array([-100, 2147483647]));
  for (const big of [2147483648n, -2147483649n, 1n << 40n]) {
    const bad = serializeSafetensors({
      x: { dtype: "I64", shape: [2], data: new BigInt64Array([0n, big]) },
    });
    refuses(bad, `I64 value ${big} at index 1 does not fit in 32 bits`);
  }
});

Deno.test("corrupt, truncated and inconsistent files are refused with a precise message", () => {
  const good = serializeSafetensors({
    a: { dtype: "F32", shape: [2], data: [1, 2] },
    b: { dtype: "F32", shape: [1], data: [3] },
  }, { k: "v" });
  parseSafetensors(good);
  const dataA = new Uint8Array(12);

  refuses(new Uint8Array(0), "file is 0 bytes, shorter than the 8-byte header-length prefix");
  refuses(good.subarray(0, 7), "file is 7 bytes");
  // Header length pointing beyond the file, and a huge (> 2^53) one.
  const longHeader = good.slice();
  new DataView(longHeader.buffer).setBigUint64(0, BigInt(good.length), true);
  refuses(longHeader, `header length ${good.length} exceeds the ${good.length - 8} bytes`);
  const hugeHeader = good.slice();
  new DataView(hugeHeader.buffer).setBigUint64(0, 0xffffffffffffffffn, true);
  refuses(hugeHeader, "header length 18446744073709551615 exceeds");
  // Truncated data: the last tensor runs past the end.
  refuses(good.subarray(0, good.length - 1), 'tensor "b": data_offsets [8, 12] go past the end');
  // Trailing garbage: the format requires the data to be fully indexed.
  const trailing = new Uint8Array(good.length + 3);
  trailing.set(good);
  refuses(trailing, "3 trailing bytes after the last tensor");

  refuses(rawFile("{not json", dataA), "header is not valid UTF-8 JSON");
  refuses(rawFile("[1, 2]", dataA), "header is not a JSON object");
  const badUtf8 = rawFile("{}      ", new Uint8Array(0));
  badUtf8[9] = 0xff;
  refuses(badUtf8, "header is not valid UTF-8 JSON");
  refuses(rawFile({ __metadata__: { n: 1 } }, new Uint8Array(0)), '__metadata__["n"] is a number');
  refuses(rawFile({ __metadata__: [] }, new Uint8Array(0)), "__metadata__ is not an object");
  refuses(rawFile({ a: 5 }, new Uint8Array(0)), 'tensor "a": header entry is not an object');

  const entry = (over: Record<string, unknown>) => ({
    a: { dtype: "F32", shape: [3], data_offsets: [0, 12], ...over },
  });
  refuses(rawFile(entry({ dtype: "F33" }), dataA), 'tensor "a": unknown dtype "F33"');
  refuses(rawFile(entry({ dtype: undefined }), dataA), 'tensor "a": unknown dtype undefined');
  refuses(
    rawFile(entry({ dtype: "F8_E4M3", shape: [12] }), dataA),
    "dtype F8_E4M3 is not supported",
  );
  refuses(
    rawFile(entry({ dtype: "F4", shape: [24] }), dataA),
    "dtype F4 (sub-byte) is not supported",
  );
  refuses(
    rawFile(entry({ shape: [3, -1] }), dataA),
    "shape [3,-1] is not an array of non-negative",
  );
  refuses(rawFile(entry({ shape: [1.5] }), dataA), "is not an array of non-negative integers");
  refuses(rawFile(entry({ shape: "3" }), dataA), "is not an array of non-negative integers");
  refuses(rawFile(entry({ data_offsets: [0] }), dataA), "data_offsets [0] is not [begin, end]");
  refuses(
    rawFile(entry({ data_offsets: [12, 0] }), dataA),
    "data_offsets [12,0] is not [begin, end]",
  );
  refuses(rawFile(entry({ data_offsets: [-4, 12] }), dataA), "is not [begin, end]");
  refuses(
    rawFile(entry({ shape: [4] }), dataA),
    'tensor "a": holds 12 bytes but shape [4] of F32 needs 16',
  );
  refuses(rawFile(entry({ dtype: "F16" }), dataA), "holds 12 bytes but shape [3] of F16 needs 6");
  refuses(
    rawFile(entry({ data_offsets: [0, 16], shape: [4] }), dataA),
    "go past the end of the 12-byte",
  );

  // Overlap, gap, and a hole at the start.
  const two = (a: number[], b: number[]) => ({
    a: { dtype: "F32", shape: [(a[1] - a[0]) / 4], data_offsets: a },
    b: { dtype: "F32", shape: [(b[1] - b[0]) / 4], data_offsets: b },
  });
  refuses(rawFile(two([0, 8], [4, 12]), dataA), 'tensors "a" and "b" overlap (byte 4 < 8)');
  refuses(
    rawFile(two([0, 4], [8, 12]), dataA),
    'bytes [4, 8) of the data section belong to no tensor (before "b")',
  );
  refuses(
    rawFile(two([4, 8], [8, 12]), dataA),
    "bytes [0, 4) of the data section belong to no tensor",
  );
});

Deno.test("writer refuses inconsistent input", () => {
  const w = (t: Parameters<typeof serializeSafetensors>[0], m?: Record<string, string>) => () =>
    serializeSafetensors(t, m);
  assertThrows(
    w({ a: { dtype: "F32", shape: [2, 2], data: [1, 2, 3] } }),
    SafetensorsError,
    "3 values for shape [2, 2] (4)",
  );
  assertThrows(
    w({ a: { dtype: "I32", shape: [1], data: [1.5] } }),
    SafetensorsError,
    "value 1.5 at index 0 is not a valid I32",
  );
  assertThrows(
    w({ a: { dtype: "U8", shape: [1], data: [256] } }),
    SafetensorsError,
    "not a valid U8",
  );
  assertThrows(
    w({ a: { dtype: "F8_E4M3", shape: [1], data: [1] } }),
    SafetensorsError,
    "cannot write dtype",
  );
  assertThrows(
    w({}, { n: 1 as unknown as string }),
    SafetensorsError,
    "metadata values must be strings",
  );
  assertThrows(
    w({ a: { dtype: "F32", shape: [-1], data: [] } }),
    SafetensorsError,
    "shape [-1] is invalid",
  );
});

// ---------------------------------------------------------------- the PyTorch fixtures

interface FixtureConfig {
  vocabSize: number;
  dim: number;
  numLayers: number;
  numHeads: number;
  seqLen: number;
  puzzleEmbLen: number;
  numPuzzleIdentifiers: number;
  expansion: number;
  tCycles: number;
  nRecursions: number;
  useMlpMixer: boolean;
  posEncoding: string;
  rmsNormEps: number;
  ropeBase: number;
  ignoreIndex: number;
  lossKind: string;
}

const swigluWidth = (h: number, e: number) => Math.ceil(Math.round((e * h * 2) / 3) / 256) * 256;

/** Expected parameter names and shapes of the official state_dict for a config. */
function expectedWeights(c: FixtureConfig): Map<string, number[]> {
  const D = c.dim, S = c.puzzleEmbLen + c.seqLen, I = swigluWidth(D, c.expansion);
  const m = new Map<string, number[]>([
    ["inner.embed_tokens.embedding_weight", [c.vocabSize, D]],
    ["inner.lm_head.weight", [c.vocabSize, D]],
    ["inner.q_head.weight", [2, D]],
    ["inner.q_head.bias", [2]],
  ]);
  for (let i = 0; i < c.numLayers; i++) {
    const p = `inner.L_level.layers.${i}.`;
    if (c.useMlpMixer) {
      const It = swigluWidth(S, c.expansion);
      m.set(p + "mlp_t.gate_up_proj.weight", [2 * It, S]);
      m.set(p + "mlp_t.down_proj.weight", [S, It]);
    } else {
      m.set(p + "self_attn.qkv_proj.weight", [3 * D, D]);
      m.set(p + "self_attn.o_proj.weight", [D, D]);
    }
    m.set(p + "mlp.gate_up_proj.weight", [2 * I, D]);
    m.set(p + "mlp.down_proj.weight", [D, I]);
  }
  return m;
}

/** Stablemax log-probability of class `k` from a logit row, in float64. */
function logStablemax(row: ArrayLike<number>, k: number): number {
  const s = (x: number) => (x >= 0 ? x + 1 : 1 / (1 - x));
  let sum = 0;
  for (let j = 0; j < row.length; j++) sum += s(row[j]);
  return Math.log(s(row[k]) / sum);
}

for (const [file, mixer] of [["trm_attention", false], ["trm_mlp_mixer", true]] as const) {
  Deno.test(`fixture ${file}: names, shapes, metadata and internal consistency`, async () => {
    const bytes = await Deno.readFile(new URL(`../fixtures/${file}.safetensors`, import.meta.url));
    const { metadata, tensors } = parseSafetensors(bytes);
    const c = JSON.parse(metadata.config) as FixtureConfig;
    const info = JSON.parse(metadata.fixture);
    for (
      const k of [
        "vocabSize",
        "dim",
        "numLayers",
        "numHeads",
        "seqLen",
        "puzzleEmbLen",
        "numPuzzleIdentifiers",
        "expansion",
        "tCycles",
        "nRecursions",
        "useMlpMixer",
        "posEncoding",
        "rmsNormEps",
        "ropeBase",
        "ignoreIndex",
        "lossKind",
      ]
    ) assert(k in c, `config field ${k}`);
    assertEquals(c.useMlpMixer, mixer);
    assertEquals(c.posEncoding, mixer ? "none" : "rope");
    assertEquals(c.ignoreIndex, -100);
    const B = info.batch as number, steps = info.steps as number;
    const D = c.dim, V = c.vocabSize, L = c.seqLen, P = c.puzzleEmbLen, S = P + L;

    const params = expectedWeights(c);
    const shapes = new Map<string, number[]>(params);
    shapes.set("inner.H_init", [D]).set("inner.L_init", [D]);
    shapes.set("inner.puzzle_emb.weights", [c.numPuzzleIdentifiers, D]);
    shapes.set("fixture.inputs", [B, L]).set("fixture.labels", [B, L]);
    shapes.set("fixture.puzzle_identifiers", [B]);
    for (let k = 1; k <= steps; k++) {
      const f = `fixture.step${k}.`;
      shapes.set(f + "logits", [B, L, V]).set(f + "q_halt", [B]).set(f + "q_continue", [B]);
      shapes.set(f + "y", [B, S, D]).set(f + "z", [B, S, D]).set(f + "seq_correct", [B]);
      shapes.set(f + "loss", []).set(f + "lm_loss", []).set(f + "halt_loss", []);
      for (const [n, s] of params) shapes.set(`grad.step${k}.${n}`, s);
      shapes.set(`grad.step${k}.inner.puzzle_emb.weights`, [c.numPuzzleIdentifiers, D]);
      shapes.set(`grad.step${k}.inner.puzzle_emb.local_weights`, [B, D]);
    }
    assertEquals([...tensors.keys()].sort(), [...shapes.keys()].sort());
    for (const [n, s] of shapes) {
      const t = tensors.get(n)!;
      assertEquals(t.shape, s, n);
      const isInt = n.startsWith("fixture.inputs") || n.startsWith("fixture.labels") ||
        n.startsWith("fixture.puzzle_identifiers") || n.endsWith("seq_correct");
      assertEquals(t.dtype, isInt ? "I32" : "F32", n);
      for (const v of t.data) assert(Number.isFinite(v), `${n} finite`);
    }

    const get = (n: string) => tensors.get(n)!.data;
    const labels = get("fixture.labels"), ids = get("fixture.puzzle_identifiers");
    for (const v of get("fixture.inputs")) assert(v >= 1 && v < V);
    for (const v of labels) assert(v === c.ignoreIndex || (v >= 1 && v < V));
    const lmHead = get("inner.lm_head.weight"), qW = get("inner.q_head.weight");
    const qB = get("inner.q_head.bias");
    // Tolerances: recomputing from F32-rounded y/logits in f64 — relative error ~1e-7 per
    // term times a dot of length 16, so 1e-5 absolute is loose and still catches any
    // layout or convention mistake (those change values at the 1e-1 scale).
    const tol = 1e-5;
    for (let k = 1; k <= steps; k++) {
      const f = `fixture.step${k}.`;
      const y = get(f + "y"), logits = get(f + "logits");
      // logits = lm_head(y) with the prefix dropped; q = q_head(y[:, 0]) (+ bias).
      for (let b = 0; b < B; b++) {
        for (let t = 0; t < L; t++) {
          for (let v = 0; v < V; v++) {
            let acc = 0;
            for (let d = 0; d < D; d++) acc += y[(b * S + P + t) * D + d] * lmHead[v * D + d];
            assert(Math.abs(acc - logits[(b * L + t) * V + v]) < tol, `step ${k} logit`);
          }
        }
        for (const [o, name] of [[0, "q_halt"], [1, "q_continue"]] as const) {
          let acc = qB[o];
          for (let d = 0; d < D; d++) acc += y[b * S * D + d] * qW[o * D + d];
          assert(Math.abs(acc - get(f + name)[b]) < tol, `step ${k} ${name}`);
        }
      }
      // Loss = (lm + 0.5 * halt) / B with stablemax CE averaged per sequence.
      let lm = 0, halt = 0;
      const seqCorrect = get(f + "seq_correct");
      for (let b = 0; b < B; b++) {
        let ce = 0, count = 0, correct = true;
        for (let t = 0; t < L; t++) {
          const lab = labels[b * L + t];
          if (lab === c.ignoreIndex) continue;
          const row = logits.subarray((b * L + t) * V, (b * L + t + 1) * V);
          ce -= logStablemax(row, lab);
          count++;
          let arg = 0;
          for (let v = 1; v < V; v++) if (row[v] > row[arg]) arg = v;
          correct &&= arg === lab;
        }
        lm += ce / Math.max(count, 1);
        assertEquals(seqCorrect[b], correct ? 1 : 0, `step ${k} seq_correct[${b}]`);
        const x = get(f + "q_halt")[b], target = correct ? 1 : 0;
        halt += Math.max(x, 0) - x * target + Math.log1p(Math.exp(-Math.abs(x)));
      }
      assert(Math.abs(lm - get(f + "lm_loss")[0]) < tol, `step ${k} lm_loss`);
      assert(Math.abs(halt - get(f + "halt_loss")[0]) < tol, `step ${k} halt_loss`);
      assert(Math.abs((lm + 0.5 * halt) / B - get(f + "loss")[0]) < tol, `step ${k} loss`);
      // The table gradient sums the batch rows' gradients per puzzle id.
      const rows = get(`grad.step${k}.inner.puzzle_emb.local_weights`);
      const table = get(`grad.step${k}.inner.puzzle_emb.weights`);
      const sum = new Float64Array(c.numPuzzleIdentifiers * D);
      for (let b = 0; b < B; b++) {
        for (let d = 0; d < D; d++) sum[ids[b] * D + d] += rows[b * D + d];
      }
      for (let i = 0; i < sum.length; i++) assert(Math.abs(sum[i] - table[i]) < 1e-6, "table grad");
      // Every parameter gradient carries signal (no all-zero tensor).
      for (const n of params.keys()) {
        assert(get(`grad.step${k}.${n}`).some((v) => v !== 0), `grad.step${k}.${n} nonzero`);
      }
    }
    // The halt target takes both values somewhere, so both BCE branches are exercised.
    const targets = new Set<number>();
    for (let k = 1; k <= steps; k++) {
      for (const v of get(`fixture.step${k}.seq_correct`)) targets.add(v);
    }
    assertEquals(targets, new Set([0, 1]));
  });
}
