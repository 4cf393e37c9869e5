/**
 * NumPy `.npy` reading and writing from bytes (format versions 1, 2 and 3; any byte order;
 * C or Fortran order — Fortran arrays are returned in C order). Pure: no file access.
 *
 * @module
 */

/** Element types this reader understands (numpy `descr` without the byte-order mark). */
export type NpyDtype = "b1" | "u1" | "i1" | "u2" | "i2" | "u4" | "i4" | "u8" | "i8" | "f4" | "f8";

/** Typed array of each dtype. */
export type NpyData =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | BigUint64Array
  | BigInt64Array
  | Float32Array
  | Float64Array;

/** A decoded array: data in C (row-major) order. */
export interface NpyArray {
  /** Element type. */
  dtype: NpyDtype;
  /** Dimensions; [] for a scalar. */
  shape: number[];
  /** Elements, row-major, native byte order. */
  data: NpyData;
}

const CTORS: Record<NpyDtype, { new (buffer: ArrayBuffer): NpyData; BYTES_PER_ELEMENT: number }> = {
  b1: Uint8Array,
  u1: Uint8Array,
  i1: Int8Array,
  u2: Uint16Array,
  i2: Int16Array,
  u4: Uint32Array,
  i4: Int32Array,
  u8: BigUint64Array,
  i8: BigInt64Array,
  f4: Float32Array,
  f8: Float64Array,
};

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

function fail(problem: string): never {
  throw new RangeError(`not a readable .npy file: ${problem}`);
}

/**
 * Decodes the bytes of a `.npy` file.
 *
 * @example
 * ```ts ignore
 * const inputs = parseNpy(await Deno.readFile("data/sudoku/test/all__inputs.npy"));
 * inputs.shape; // [422786, 81]
 * ```
 */
export function parseNpy(bytes: Uint8Array): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) fail("missing \\x93NUMPY magic");
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number, start: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) fail("truncated header");
    headerLen = view.getUint32(8, true);
    start = 12;
  } else fail(`format version ${major} is unknown`);
  if (start + headerLen > bytes.length) fail("truncated header");
  const header = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(
    bytes.subarray(start, start + headerLen),
  );
  const descr = /'descr'\s*:\s*'([<>|=])([a-z]\d+)'/.exec(header);
  if (!descr) fail(`unsupported descr in header ${header.trim()}`);
  const dtype = descr[2] as NpyDtype;
  if (!(dtype in CTORS)) fail(`dtype ${descr[1]}${descr[2]} is not supported`);
  const fortran = /'fortran_order'\s*:\s*True/.test(header);
  const shapeMatch = /'shape'\s*:\s*\(([^)]*)\)/.exec(header);
  if (!shapeMatch) fail("no shape in header");
  const shape = shapeMatch[1].split(",").map((s) => s.trim()).filter((s) => s !== "").map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) fail(`bad shape (${shapeMatch[1]})`);
  const count = shape.reduce((a, b) => a * b, 1);
  const Ctor = CTORS[dtype];
  const width = Ctor.BYTES_PER_ELEMENT;
  const offset = start + headerLen;
  if (bytes.length < offset + count * width) {
    fail(`data holds ${bytes.length - offset} bytes; shape needs ${count * width}`);
  }
  const raw = bytes.slice(offset, offset + count * width); // copy: aligned, independent of the input
  if (descr[1] === ">" && width > 1) {
    for (let i = 0; i < raw.length; i += width) raw.subarray(i, i + width).reverse();
  }
  let data = new Ctor(raw.buffer);
  if (fortran && shape.length > 1) data = fortranToC(data, shape);
  return { dtype, shape, data };
}

function fortranToC(data: NpyData, shape: number[]): NpyData {
  const out = new (data.constructor as new (n: number) => NpyData)(data.length);
  const rank = shape.length;
  const fStride = new Array<number>(rank);
  fStride[0] = 1;
  for (let d = 1; d < rank; d++) fStride[d] = fStride[d - 1] * shape[d - 1];
  const index = new Array<number>(rank).fill(0);
  for (let c = 0; c < data.length; c++) {
    let f = 0;
    for (let d = 0; d < rank; d++) f += index[d] * fStride[d];
    (out as unknown as number[])[c] = (data as unknown as number[])[f];
    for (let d = rank - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

function toNumbers(
  array: NpyArray,
  what: string,
  lo: number,
  hi: number,
  Out: new (n: number) => Uint8Array | Int32Array,
) {
  const out = new Out(array.data.length);
  for (let i = 0; i < array.data.length; i++) {
    const v = Number(array.data[i]);
    if (!(v >= lo && v <= hi) || !Number.isInteger(v)) {
      throw new RangeError(`${what}: element ${i} is ${v}, outside ${lo}..${hi}`);
    }
    out[i] = v;
  }
  return out;
}

/** The elements as bytes (tokens); throws when one is not an integer in 0..255. */
export function npyToUint8(array: NpyArray, what = "array"): Uint8Array {
  if (array.dtype === "u1") return array.data as Uint8Array;
  return toNumbers(array, what, 0, 255, Uint8Array) as Uint8Array;
}

/** The elements as int32; throws when one does not fit. */
export function npyToInt32(array: NpyArray, what = "array"): Int32Array {
  if (array.dtype === "i4") return array.data as Int32Array;
  return toNumbers(array, what, -2147483648, 2147483647, Int32Array) as Int32Array;
}

function dtypeOf(data: NpyData): NpyDtype {
  for (const [k, C] of Object.entries(CTORS)) {
    if (k !== "b1" && data instanceof (C as unknown as typeof Uint8Array)) return k as NpyDtype;
  }
  throw new TypeError("unsupported typed array");
}

/**
 * Encodes a typed array as a version-1.0 `.npy` file (little-endian, C order), as
 * `numpy.save` writes it.
 *
 * @example
 * ```ts ignore
 * const bytes = writeNpy(inputs, [count, 81]); // uint8 [count, 81]
 * ```
 */
export function writeNpy(data: NpyData, shape: number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new RangeError(`shape [${shape}] needs ${count} elements, got ${data.length}`);
  }
  const dtype = dtypeOf(data);
  const order = dtype === "u1" || dtype === "i1" ? "|" : "<";
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let header = `{'descr': '${order}${dtype}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // numpy pads so the data starts on a 64-byte boundary; the header ends with "\n".
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, " ") + "\n";
  const out = new Uint8Array(total + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  // Typed arrays are little-endian on every platform Deno runs on.
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), total);
  return out;
}
