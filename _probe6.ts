import { TinyRecursiveModel } from "/work/main/src/model/model.ts";
import { presets } from "/work/main/src/model/config.ts";
import { saveModel, loadModel } from "/work/main/src/model/checkpoint.ts";
let t = performance.now();
const m = await TinyRecursiveModel.create({ ...presets.sudoku4, dim: 16, numHeads: 2 }, { seed: 1 });
console.log("create", performance.now() - t, m.numParameters());
const inp = new Int32Array(16).fill(1);
for (let i = 0; i < 3; i++) {
  t = performance.now();
  const r = await m.predict(inp, { trace: true });
  console.log("predict", performance.now() - t, r.exitSteps, r.predictions, r.trace?.[0].length);
}
const big = new Int32Array(16 * 32).fill(1);
t = performance.now();
await m.predict(big, {haltThreshold: 1});
console.log("predict32", performance.now() - t);
const bytes = await saveModel(m);
console.log(bytes.length);
const m2 = await loadModel(bytes, { gpu: m.gpu });
console.log(m2.config.dim);
