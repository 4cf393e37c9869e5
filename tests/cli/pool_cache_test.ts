/** The training-pool cache: a second read gives the same pool; a damaged file is regenerated. */
import assert from "node:assert/strict";
import { cachedPool } from "../../src/cli/pool_cache.ts";
import { generatePool } from "../../src/train/data.ts";

Deno.test("cachedPool: same pool from the cache, regenerated when the file is damaged", async () => {
  const dir = await Deno.makeTempDir({ prefix: "trm_pool_cache_" });
  const before = Deno.env.get("TRM_POOL_CACHE");
  Deno.env.set("TRM_POOL_CACHE", dir);
  try {
    const options = { count: 30, seed: 5 };
    const fresh = generatePool("sudoku6", options);
    const first = await cachedPool("sudoku6", options);
    const files = [...Deno.readDirSync(dir)].map((e) => e.name);
    assert.equal(files.length, 1, `one cache file (${files})`);
    const second = await cachedPool("sudoku6", options);
    for (const p of [first, second]) {
      assert.deepEqual(p.inputs, fresh.inputs);
      assert.deepEqual(p.labels, fresh.labels);
      assert.deepEqual(p.tiers, fresh.tiers);
      assert.equal(p.count, 30);
      assert.equal(p.vocabSize, fresh.vocabSize);
    }
    // Other options are another file, never the cached one.
    const other = await cachedPool("sudoku6", { count: 30, seed: 6 });
    assert.notDeepEqual(other.inputs, fresh.inputs);
    // A truncated file is not trusted.
    const path = `${dir}/${files[0]}`;
    const bytes = await Deno.readFile(path);
    await Deno.writeFile(path, bytes.subarray(0, bytes.length - 7));
    assert.deepEqual((await cachedPool("sudoku6", options)).inputs, fresh.inputs);
  } finally {
    if (before === undefined) Deno.env.delete("TRM_POOL_CACHE");
    else Deno.env.set("TRM_POOL_CACHE", before);
    await Deno.remove(dir, { recursive: true });
  }
});
