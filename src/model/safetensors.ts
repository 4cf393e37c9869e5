/**
 * The safetensors file format (https://github.com/huggingface/safetensors): an 8-byte
 * little-endian header length N, N bytes of JSON header (`name -> {dtype, shape,
 * data_offsets}` plus an optional `__metadata__` string map), then the tensors' raw
 * little-endian bytes. Pure: bytes in, bytes out; no file system access.
 *
 * Half-precision tensors (F16, BF16) decode to Float32Array and I64 to Int32Array (refused
 * when a value does not fit), because the GPU side works in 32-bit types.
 *
 * @module
 */

/** Element types the safetensors format defines. */
export type SafetensorsDtype =
  | "BOOL"
  | "U8"
  | "I8"
  | "U16"
  | "I16"
  | "F16"
  | "BF16"
  | "U32"
  | "I32"
  | "F32"
  | "F64"
  | "I64"
  | "U64"
  | "F8_E5M2"
  | "F8_E4M3"
  | "F8_E8M0"
  | "F6_E2M3"
  | "F6_E3M2"
  | "F4"
  | "C64";

/** Decoded tensor contents (F16/BF16 become Float32Array, I64 becomes Int32Array). */
export type SafetensorsData =
  | Float32Array
  | Float64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint8Array
  | Uint16Array
  | Uint32Array;

/** One tensor: its stored dtype, row-major shape and decoded values. */
export interface SafetensorsTensor {
  /** The dtype as stored in the file (data may be wider: see {@linkcode SafetensorsData}). */
  dtype: SafetensorsDtype;
  /** Row-major shape; `[]` is a scalar. */
  shape: number[];
  /** Decoded values, `product(shape)` of them. */
  data: SafetensorsData;
}

/** A parsed file: the `__metadata__` strings and the tensors by name (in file order). */
export interface SafetensorsFile {
  /** The header's `__metadata__` (empty when absent). */
  metadata: Record<string, string>;
  /** Tensors by name, in the order of their data in the file. */
  tensors: Map<string, SafetensorsTensor>;
}

/** A header entry before decoding: where a tensor's bytes are, relative to the data start. */
export interface SafetensorsEntry {
  /** Stored dtype. */
  dtype: SafetensorsDtype;
  /** Row-major shape. */
  shape: number[];
  /** [begin, end) byte offsets relative to the start of the data section. */
  dataOffsets: [number, number];
}

/** A validated header: metadata, entries (sorted by offset) and where the data starts. */
export interface SafetensorsHeader {
  /** The header's `__metadata__` (empty when absent). */
  metadata: Record<string, string>;
  /** Entries by name, sorted by data offset. */
  entries: Map<string, SafetensorsEntry>;
  /** Byte offset of the data section in the file (8 + header length). */
  dataStart: number;
}

/** Input of {@linkcode serializeSafetensors}: values are converted to `dtype` on write. */
export interface SafetensorsInput {
  /** dtype to store. */
  dtype: SafetensorsDtype;
  /** Row-major shape; `product(shape)` must equal `data.length`. */
  shape: readonly number[];
  /** Values; integers for integer dtypes (BigInt64Array accepted for I64). */
  data: ArrayLike<number> | BigInt64Array;
}

/** Any failure to read or write a safetensors file; the message names the problem. */
export class SafetensorsError extends Error {
  /**
   * Prefixes the message with "safetensors: ".
   * @param message what is wrong, and where
   */
  constructor(message: string) {
    super(`safetensors: ${message}`);
    this.name = "SafetensorsError";
  }
}

/** Bytes per element; F6/F4 are sub-byte and unsupported here. */
const DTYPE_BYTES: Record<SafetensorsDtype, number> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  U16: 2,
  I16: 2,
  F16: 2,
  BF16: 2,
  U32: 4,
  I32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
  F8_E5M2: 1,
  F8_E4M3: 1,
  F8_E8M0: 1,
  F6_E2M3: 0,
  F6_E3M2: 0,
  F4: 0,
  C64: 8,
};

/** The dtypes this module can decode and encode. */
const SUPPORTED = new Set<SafetensorsDtype>([
  "BOOL",
  "U8",
  "I8",
  "U16",
  "I16",
  "F16",
  "BF16",
  "U32",
  "I32",
  "F32",
  "F64",
  "I64",
]);

// The reference implementation refuses headers over 100 MB; so do we, before decoding them.
const MAX_HEADER_BYTES = 100_000_000;

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function isDtype(s: unknown): s is SafetensorsDtype {
  return typeof s === "string" && Object.hasOwn(DTYPE_BYTES, s);
}

function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function isCount(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

/**
 * Reads and validates the header of a safetensors file without decoding any tensor.
 * Enforces the format's rules: the data section is covered exactly, without gaps,
 * overlaps or trailing bytes, and every tensor's byte length is shape × dtype size.
 */
export function parseSafetensorsHeader(bytes: Uint8Array): SafetensorsHeader {
  if (bytes.length < 8) {
    throw new SafetensorsError(
      `file is ${bytes.length} bytes, shorter than the 8-byte header-length prefix`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = view.getBigUint64(0, true);
  const available = BigInt(bytes.length - 8);
  if (headerLen > available) {
    throw new SafetensorsError(
      `header length ${headerLen} exceeds the ${available} bytes after the prefix (truncated file?)`,
    );
  }
  const n = Number(headerLen);
  if (n > MAX_HEADER_BYTES) {
    throw new SafetensorsError(`header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  }
  let header: unknown;
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + n));
    header = JSON.parse(text);
  } catch (e) {
    throw new SafetensorsError(`header is not valid UTF-8 JSON: ${(e as Error).message}`);
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) {
    throw new SafetensorsError("header is not a JSON object");
  }

  const metadata: Record<string, string> = {};
  const raw: [string, SafetensorsEntry][] = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (value === null || typeof value !== "object" || Array.isArray(value)) {
        throw new SafetensorsError("__metadata__ is not an object of strings");
      }
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== "string") {
          throw new SafetensorsError(`__metadata__["${k}"] is a ${typeof v}, not a string`);
        }
        metadata[k] = v;
      }
      continue;
    }
    raw.push([name, parseEntry(name, value)]);
  }

  const dataLen = bytes.length - 8 - n;
  raw.sort((a, b) =>
    a[1].dataOffsets[0] - b[1].dataOffsets[0] || a[1].dataOffsets[1] - b[1].dataOffsets[1]
  );
  let expected = 0;
  let previous = "";
  for (const [name, e] of raw) {
    const [begin, end] = e.dataOffsets;
    if (end > dataLen) {
      throw new SafetensorsError(
        `tensor "${name}": data_offsets [${begin}, ${end}] go past the end of the ` +
          `${dataLen}-byte data section (truncated file?)`,
      );
    }
    if (begin < expected) {
      throw new SafetensorsError(
        `tensors "${previous}" and "${name}" overlap (byte ${begin} < ${expected})`,
      );
    }
    if (begin > expected) {
      throw new SafetensorsError(
        `bytes [${expected}, ${begin}) of the data section belong to no tensor (before "${name}")`,
      );
    }
    expected = end;
    previous = name;
  }
  if (expected !== dataLen) {
    throw new SafetensorsError(
      `${dataLen - expected} trailing bytes after the last tensor (the format requires the ` +
        `data section to be fully indexed)`,
    );
  }
  return { metadata, entries: new Map(raw), dataStart: 8 + n };
}

function parseEntry(name: string, value: unknown): SafetensorsEntry {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new SafetensorsError(`tensor "${name}": header entry is not an object`);
  }
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (!isDtype(dtype)) {
    throw new SafetensorsError(`tensor "${name}": unknown dtype ${JSON.stringify(dtype)}`);
  }
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    throw new SafetensorsError(
      `tensor "${name}": shape ${JSON.stringify(shape)} is not an array of non-negative integers`,
    );
  }
  if (
    !Array.isArray(offsets) || offsets.length !== 2 || !isCount(offsets[0]) ||
    !isCount(offsets[1]) || offsets[0] > offsets[1]
  ) {
    throw new SafetensorsError(
      `tensor "${name}": data_offsets ${JSON.stringify(offsets)} is not [begin, end] with ` +
        `0 <= begin <= end`,
    );
  }
  const count = numel(shape);
  const width = DTYPE_BYTES[dtype];
  const need = count * width;
  if (!SUPPORTED.has(dtype) && width === 0) {
    throw new SafetensorsError(`tensor "${name}": dtype ${dtype} (sub-byte) is not supported`);
  }
  if (!Number.isSafeInteger(need) || offsets[1] - offsets[0] !== need) {
    throw new SafetensorsError(
      `tensor "${name}": holds ${offsets[1] - offsets[0]} bytes but shape ` +
        `[${shape.join(", ")}] of ${dtype} needs ${need}`,
    );
  }
  return { dtype, shape: [...shape], dataOffsets: [offsets[0], offsets[1]] };
}

/**
 * Parses a safetensors file and decodes every tensor (F16/BF16 to Float32Array, I64 to
 * Int32Array). Throws {@linkcode SafetensorsError} naming the problem on any malformed,
 * truncated or unsupported input.
 *
 * @example
 * ```ts ignore
 * const { metadata, tensors } = parseSafetensors(await Deno.readFile("model.safetensors"));
 * const config = JSON.parse(metadata.config);
 * const w = tensors.get("inner.lm_head.weight")!; // { dtype: "F32", shape: [V, D], data }
 * ```
 */
export function parseSafetensors(bytes: Uint8Array): SafetensorsFile {
  const header = parseSafetensorsHeader(bytes);
  const tensors = new Map<string, SafetensorsTensor>();
  for (const [name, e] of header.entries) {
    const begin = header.dataStart + e.dataOffsets[0];
    const slice = bytes.subarray(begin, header.dataStart + e.dataOffsets[1]);
    tensors.set(name, { dtype: e.dtype, shape: e.shape, data: decode(name, e.dtype, slice) });
  }
  return { metadata: header.metadata, tensors };
}

/** Copies `slice` into a fresh (hence aligned) buffer. */
function aligned(slice: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(slice.length);
  copy.set(slice);
  return copy.buffer;
}

function decode(name: string, dtype: SafetensorsDtype, slice: Uint8Array): SafetensorsData {
  const dv = new DataView(slice.buffer, slice.byteOffset, slice.byteLength);
  const n = slice.length / DTYPE_BYTES[dtype];
  switch (dtype) {
    case "BOOL":
    case "U8":
      return slice.slice();
    case "I8":
      return new Int8Array(aligned(slice));
    case "F32":
      return LITTLE_ENDIAN_HOST
        ? new Float32Array(aligned(slice))
        : readLE(n, (i) => dv.getFloat32(4 * i, true), Float32Array);
    case "F64":
      return LITTLE_ENDIAN_HOST
        ? new Float64Array(aligned(slice))
        : readLE(n, (i) => dv.getFloat64(8 * i, true), Float64Array);
    case "I32":
      return LITTLE_ENDIAN_HOST
        ? new Int32Array(aligned(slice))
        : readLE(n, (i) => dv.getInt32(4 * i, true), Int32Array);
    case "U32":
      return LITTLE_ENDIAN_HOST
        ? new Uint32Array(aligned(slice))
        : readLE(n, (i) => dv.getUint32(4 * i, true), Uint32Array);
    case "I16":
      return LITTLE_ENDIAN_HOST
        ? new Int16Array(aligned(slice))
        : readLE(n, (i) => dv.getInt16(2 * i, true), Int16Array);
    case "U16":
      return LITTLE_ENDIAN_HOST
        ? new Uint16Array(aligned(slice))
        : readLE(n, (i) => dv.getUint16(2 * i, true), Uint16Array);
    case "F16":
      return readLE(n, (i) => f16ToF32(dv.getUint16(2 * i, true)), Float32Array);
    case "BF16":
      return readLE(n, (i) => bf16ToF32(dv.getUint16(2 * i, true)), Float32Array);
    case "I64": {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const lo = dv.getUint32(8 * i, true);
        const hi = dv.getInt32(8 * i + 4, true);
        // Fits in i32 exactly when the high word is the sign extension of the low word.
        if (hi !== (lo >= 0x80000000 ? -1 : 0)) {
          throw new SafetensorsError(
            `tensor "${name}": I64 value ${dv.getBigInt64(8 * i, true)} at index ${i} does not ` +
              `fit in 32 bits`,
          );
        }
        out[i] = lo | 0;
      }
      return out;
    }
    default:
      throw new SafetensorsError(`tensor "${name}": dtype ${dtype} is not supported`);
  }
}

function readLE<
  T extends Float32Array | Float64Array | Int32Array | Uint32Array | Int16Array | Uint16Array,
>(
  n: number,
  get: (i: number) => number,
  Ctor: new (n: number) => T,
): T {
  const out = new Ctor(n);
  for (let i = 0; i < n; i++) out[i] = get(i);
  return out;
}

/** IEEE binary16 bits to a number (exact). */
export function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1024 + frac) * 2 ** (exp - 25);
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** bfloat16 bits to a number (exact: bf16 is the top half of a float32). */
export function bf16ToF32(b: number): number {
  u32Scratch[0] = (b & 0xffff) << 16;
  return f32Scratch[0];
}

/** A number to bfloat16 bits, rounding the float32 value to nearest even. */
export function f32ToBf16(x: number): number {
  f32Scratch[0] = x;
  const bits = u32Scratch[0];
  if ((bits & 0x7fffffff) > 0x7f800000) return ((bits >>> 16) | 0x40) & 0xffff; // quiet NaN
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

/** A number to IEEE binary16 bits, rounding to nearest even (overflow to ±Infinity). */
export function f32ToF16(x: number): number {
  f32Scratch[0] = x; // round to f32 first, as a cast from an f32 tensor would
  const bits = u32Scratch[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // below half the smallest subnormal
    const m = mant | 0x800000; // implicit leading one
    const shift = 14 - e; // 1 - e positions more than a normal's 13
    const half = 1 << (shift - 1);
    const rest = m & ((1 << shift) - 1);
    let r = m >>> shift;
    if (rest > half || (rest === half && (r & 1))) r++;
    return sign | r; // r may carry into the exponent field: that is the right result
  }
  let r = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (r & 1))) r++; // a carry may reach Infinity: correct
  return sign | r;
}

/**
 * Writes a safetensors file: tensors sorted by name, data little-endian, the JSON header
 * padded with spaces so that the data starts on an 8-byte boundary. Values are converted
 * to each entry's dtype (F16/BF16 rounded to nearest even; integers checked for range).
 *
 * @example
 * ```ts ignore
 * const bytes = serializeSafetensors(
 *   { "inner.q_head.bias": { dtype: "F32", shape: [2], data: new Float32Array([-5, -5]) } },
 *   { config: JSON.stringify(config) },
 * );
 * ```
 */
export function serializeSafetensors(
  tensors: Record<string, SafetensorsInput>,
  metadata?: Record<string, string>,
): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== "string") {
        throw new SafetensorsError(
          `metadata["${k}"] is a ${typeof v}; metadata values must be strings`,
        );
      }
    }
    header.__metadata__ = metadata;
  }
  let offset = 0;
  for (const name of names) {
    if (name === "__metadata__") throw new SafetensorsError(`"__metadata__" is not a tensor name`);
    const t = tensors[name];
    if (!isDtype(t.dtype) || !SUPPORTED.has(t.dtype)) {
      throw new SafetensorsError(`tensor "${name}": cannot write dtype ${JSON.stringify(t.dtype)}`);
    }
    if (!t.shape.every((d) => isCount(d))) {
      throw new SafetensorsError(`tensor "${name}": shape [${t.shape.join(", ")}] is invalid`);
    }
    const count = numel(t.shape);
    if (t.data.length !== count) {
      throw new SafetensorsError(
        `tensor "${name}": ${t.data.length} values for shape [${t.shape.join(", ")}] (${count})`,
      );
    }
    const size = count * DTYPE_BYTES[t.dtype];
    header[name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  const base = 8 + json.length;
  for (const name of names) {
    const t = tensors[name];
    const [begin] = (header[name] as { data_offsets: [number, number] }).data_offsets;
    encode(name, t, dv, base + begin);
  }
  return out;
}

const INT_RANGE: Partial<Record<SafetensorsDtype, [number, number]>> = {
  BOOL: [0, 1],
  U8: [0, 255],
  I8: [-128, 127],
  U16: [0, 65535],
  I16: [-32768, 32767],
  U32: [0, 4294967295],
  I32: [-2147483648, 2147483647],
  I64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

function encode(name: string, t: SafetensorsInput, dv: DataView, at: number): void {
  const n = t.data.length;
  if (t.data instanceof BigInt64Array) {
    if (t.dtype !== "I64") {
      throw new SafetensorsError(`tensor "${name}": BigInt64Array data can only be written as I64`);
    }
    for (let i = 0; i < n; i++) dv.setBigInt64(at + 8 * i, t.data[i], true);
    return;
  }
  const data = t.data;
  const range = INT_RANGE[t.dtype];
  if (range) {
    for (let i = 0; i < n; i++) {
      const v = data[i];
      if (!Number.isInteger(v) || v < range[0] || v > range[1]) {
        throw new SafetensorsError(
          `tensor "${name}": value ${v} at index ${i} is not a valid ${t.dtype}`,
        );
      }
    }
  }
  switch (t.dtype) {
    case "BOOL":
    case "U8":
      for (let i = 0; i < n; i++) dv.setUint8(at + i, data[i]);
      return;
    case "I8":
      for (let i = 0; i < n; i++) dv.setInt8(at + i, data[i]);
      return;
    case "U16":
      for (let i = 0; i < n; i++) dv.setUint16(at + 2 * i, data[i], true);
      return;
    case "I16":
      for (let i = 0; i < n; i++) dv.setInt16(at + 2 * i, data[i], true);
      return;
    case "U32":
      for (let i = 0; i < n; i++) dv.setUint32(at + 4 * i, data[i], true);
      return;
    case "I32":
      for (let i = 0; i < n; i++) dv.setInt32(at + 4 * i, data[i], true);
      return;
    case "I64":
      for (let i = 0; i < n; i++) dv.setBigInt64(at + 8 * i, BigInt(data[i]), true);
      return;
    case "F32":
      for (let i = 0; i < n; i++) dv.setFloat32(at + 4 * i, data[i], true);
      return;
    case "F64":
      for (let i = 0; i < n; i++) dv.setFloat64(at + 8 * i, data[i], true);
      return;
    case "F16":
      for (let i = 0; i < n; i++) dv.setUint16(at + 2 * i, f32ToF16(data[i]), true);
      return;
    case "BF16":
      for (let i = 0; i < n; i++) dv.setUint16(at + 2 * i, f32ToBf16(data[i]), true);
      return;
  }
}
