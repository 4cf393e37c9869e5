// .npy parsing against files written by numpy 2.4 (`np.save`), embedded as base64, and the
// writer's round trip.
import assert from "node:assert/strict";
import { npyToInt32, npyToUint8, parseNpy, writeNpy } from "../../src/data/npy.ts";

/** Bytes of `np.save` outputs: see each name for the array. */
const NUMPY: Record<string, string> = {
  u1:
    "k05VTVBZAQB2AHsnZGVzY3InOiAnfHUxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAQIDBAU=",
  i8:
    "k05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDQsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAr//////////wAAAAAAAAAABQAAAAAAAAAAAAAAAAEAAA==",
  f4:
    "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAMA/AAAQwA==",
  be_i4:
    "k05VTVBZAQB2AHsnZGVzY3InOiAnPmk0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAB/////gABEXA=",
  fortran_i2:
    "k05VTVBZAQB2AHsnZGVzY3InOiAnPGkyJywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMiwgMyksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAMAAQAEAAIABQA=",
  scalar_f8:
    "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAKQA==",
  bool:
    "k05VTVBZAQB2AHsnZGVzY3InOiAnfGIxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAAE=",
};

const bytes = (name: string) => Uint8Array.from(atob(NUMPY[name]), (c) => c.charCodeAt(0));

Deno.test("npy: uint8 2×3 from numpy", () => {
  const a = parseNpy(bytes("u1"));
  assert.deepEqual(a.dtype, "u1");
  assert.deepEqual(a.shape, [2, 3]);
  assert.deepEqual([...a.data], [0, 1, 2, 3, 4, 5]);
});

Deno.test("npy: int64 (BigInt64Array) and conversion with range checks", () => {
  const a = parseNpy(bytes("i8"));
  assert.deepEqual(a.dtype, "i8");
  assert.deepEqual([...a.data], [-1n, 0n, 5n, 2n ** 40n]);
  assert.throws(() => npyToInt32(a), /outside/);
  assert.throws(() => npyToUint8(a), /element 0 is -1/);
});

Deno.test("npy: float32, big-endian int32, Fortran order, scalar, bool", () => {
  assert.deepEqual([...parseNpy(bytes("f4")).data], [1.5, -2.25]);
  const be = parseNpy(bytes("be_i4"));
  assert.deepEqual(be.dtype, "i4");
  assert.deepEqual([...be.data], [1, -2, 70000]);
  const f = parseNpy(bytes("fortran_i2"));
  assert.deepEqual(f.shape, [2, 3]);
  assert.deepEqual([...f.data], [0, 1, 2, 3, 4, 5]); // returned in C order
  const s = parseNpy(bytes("scalar_f8"));
  assert.deepEqual(s.shape, []);
  assert.deepEqual([...s.data], [3.25]);
  assert.deepEqual([...npyToUint8(parseNpy(bytes("bool")))], [1, 0, 1]);
});

Deno.test("npy: writer output is byte-identical to numpy's and round-trips", () => {
  assert.deepEqual(writeNpy(Uint8Array.from([0, 1, 2, 3, 4, 5]), [2, 3]), bytes("u1"));
  assert.deepEqual(writeNpy(Float32Array.from([1.5, -2.25]), [2]), bytes("f4"));
  const data = Int32Array.from([7, -8, 9, 10, 11, 12, 13]);
  const back = parseNpy(writeNpy(data, [7]));
  assert.deepEqual(back.shape, [7]);
  assert.deepEqual([...npyToInt32(back)], [...data]);
  assert.throws(() => writeNpy(data, [2, 3]), /needs 6 elements/);
});

Deno.test("npy: malformed files are rejected with a reason", () => {
  assert.throws(() => parseNpy(new TextEncoder().encode("hello world")), /magic/);
  const good = bytes("u1");
  assert.throws(() => parseNpy(good.subarray(0, good.length - 1)), /data holds 5 bytes/);
  const v9 = good.slice();
  v9[6] = 9;
  assert.throws(() => parseNpy(v9), /version 9/);
  const complex = good.slice();
  complex.set(new TextEncoder().encode("c8"), new TextDecoder().decode(good).indexOf("u1"));
  assert.throws(() => parseNpy(complex), /not supported/);
});
