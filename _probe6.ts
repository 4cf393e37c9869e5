import { TinyRecursiveModel } from "./src/model/model.ts";
import { presets } from "./src/model/config.ts";
const m = await TinyRecursiveModel.create({ ...presets.sudoku4, dim: 16, numHeads: 2 }, { seed: 1 });
for (const b of [1, 8, 32, 8, 32, 1]) {
  const inp = new Int32Array(16 * b).fill(1);
  const t = performance.now();
  await m.predict(inp, { haltThreshold: 1 });
  console.log("batch", b, (performance.now() - t).toFixed(0), "ms", m.gpu.dispatchCount);
}
