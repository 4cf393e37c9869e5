// The seeded PRNG: reproducible, roughly uniform, and derived seeds that do not collide.
import assert from "node:assert/strict";
import { deriveSeed, Rng } from "../../src/puzzles/rng.ts";

Deno.test("rng: same seed, same stream; different seeds differ; large seeds work", () => {
  const a = new Rng(12345),
    b = new Rng(12345),
    c = new Rng(12346),
    big = new Rng(2 ** 52 + 3),
    big2 = new Rng(2 ** 52 + 4);
  const xs = Array.from({ length: 8 }, () => a.u32());
  assert.deepEqual(Array.from({ length: 8 }, () => b.u32()), xs);
  assert.notDeepEqual(Array.from({ length: 8 }, () => c.u32()), xs);
  assert.notEqual(big.u32(), big2.u32());
});

Deno.test("rng: int is uniform enough, shuffle is a permutation", () => {
  const rng = new Rng(1);
  const counts = new Array(6).fill(0);
  for (let i = 0; i < 60000; i++) counts[rng.int(6)]++;
  // Binomial sd ≈ sqrt(60000·(1/6)·(5/6)) ≈ 91; 5 sd tolerance.
  for (const k of counts) assert.ok(Math.abs(k - 10000) < 460, `counts ${counts}`);
  assert.deepEqual(rng.permutation(10).sort((x, y) => x - y), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const f = rng.next();
  assert.ok(f >= 0 && f < 1);
});

Deno.test("deriveSeed: distinct across indices and seeds, also for seeds above 2^32", () => {
  const seen = new Set<number>();
  for (const seed of [0, 1, 2, 2 ** 40 + 1, 2 ** 52 + 7]) {
    for (let i = 0; i < 2000; i++) {
      const s = deriveSeed(seed, i);
      assert.ok(Number.isSafeInteger(s) && s >= 0);
      seen.add(s);
    }
  }
  assert.equal(seen.size, 5 * 2000);
  assert.equal(deriveSeed(7, 3), deriveSeed(7, 3));
});
