/**
 * Official checkpoint conversion, end to end: tools/make_official_fixture.py saves tiny
 * reference models in the official layout (`_orig_mod.model.inner.…` names, bf16 buffers,
 * a narrower puzzle embedding, Hydra yaml) and converts them with tools/convert_official.py;
 * here our loader reads the converted files and our predictions must be the reference's.
 *
 * Tolerance: the parity rule of parity_test.ts, max |ours − ref| ≤ 1e-4 × max |ref| per
 * tensor, here free-running over every step (2–3 steps of a 1-layer model drift far less
 * than that), and the argmax answers equal exactly (the fixture keeps every top-2 logit
 * gap ≥ 1e-3).
 */
import assert from "node:assert/strict";
import { decodeCheckpoint, loadModel } from "../../src/model/checkpoint.ts";
import { parseModelConfig } from "../../src/model/config.ts";
import { fromOfficialConfig } from "../../src/model/official_config.ts";
import { parseSafetensors, serializeSafetensors } from "../../src/model/safetensors.ts";
import { assertParity, testGpu } from "../_helpers.ts";

const RELATIVE_TOLERANCE = 1e-4;
const opts = { sanitizeResources: false, sanitizeOps: false };

function fixture(name: string): Promise<Uint8Array> {
  return Deno.readFile(new URL(`../fixtures/${name}`, import.meta.url));
}

async function checkPredictions(name: string) {
  const gpu = await testGpu();
  const model = await loadModel(await fixture(`official_${name}.safetensors`), { gpu });
  const expected = parseSafetensors(await fixture(`official_${name}.expected.safetensors`));
  const get = (key: string) => {
    const t = expected.tensors.get(key);
    if (!t) throw new Error(`fixture lacks ${key}`);
    return t.data;
  };
  const { steps } = JSON.parse(expected.metadata.fixture);
  const inputs = get("fixture.inputs") as Int32Array;
  const puzzleIds = get("fixture.puzzle_identifiers") as Int32Array;
  // The official evaluation runs every step to halt_max_steps, which the converter kept.
  assert.equal(model.config.maxSupervisionSteps, steps);
  const run = await model.forwardWithDeepSupervision(inputs, steps, { puzzleIds });
  for (let k = 1; k <= steps; k++) {
    assertParity(
      `${name} step ${k} logits`,
      run.predictions[k - 1],
      get(`fixture.step${k}.logits`),
      RELATIVE_TOLERANCE,
    );
    const refProbs = Array.from(get(`fixture.step${k}.q_halt`), (q) => 1 / (1 + Math.exp(-q)));
    assertParity(`${name} step ${k} halt prob`, run.haltProbs[k - 1], refProbs, RELATIVE_TOLERANCE);
  }
  const { predictions } = await model.predict(inputs, { puzzleIds, haltThreshold: 1 });
  assert.deepEqual(predictions, get("fixture.answer"));
  model.dispose();
}

Deno.test({
  name: "converted official attention checkpoint predicts as the reference (RoPE, bf16 buffers)",
  ...opts,
  fn: () => checkPredictions("attention"),
});

Deno.test({
  name: "converted official MLP-mixer checkpoint predicts as the reference (all bf16)",
  ...opts,
  fn: () => checkPredictions("mlp"),
});

Deno.test("the converter's config is what our official-name aliases make of its input", async () => {
  for (const name of ["attention", "mlp"]) {
    const { metadata } = parseSafetensors(await fixture(`official_${name}.safetensors`));
    const official = JSON.parse(metadata.official_config);
    assert.deepEqual(
      parseModelConfig(fromOfficialConfig(official)),
      parseModelConfig(JSON.parse(metadata.config)),
      name,
    );
  }
});

Deno.test("a checkpoint whose metadata holds the official config loads", async () => {
  const bytes = await fixture("official_attention.safetensors");
  const { metadata, tensors } = parseSafetensors(bytes);
  // Rewritten with the official model config in place of ours, and `_orig_mod.model.`
  // names, as a hand-made export of an official checkpoint would be.
  const renamed = Object.fromEntries(
    [...tensors].map(([n, t]) => [`_orig_mod.model.${n}`, t]),
  );
  const officialBytes = serializeSafetensors(renamed, {
    format: "pt",
    config: metadata.official_config,
  });
  const ours = decodeCheckpoint(bytes);
  const theirs = decodeCheckpoint(officialBytes);
  assert.deepEqual(theirs.config, ours.config);
  assert.deepEqual([...theirs.values.keys()], [...ours.values.keys()]);
  for (const [n, v] of ours.values) assert.deepEqual(theirs.values.get(n), v, n);
});
