/**
 * The check behind tests/model/parity_test.ts and tests/browser/kernels_test.ts. Whole-model parity with the PyTorch reference (tools/trm_reference.py, float64),
 * llm.c style: the committed fixtures hold weights, inputs, per-step logits, q values,
 * carries and every parameter's gradient over 3 supervision steps. We run the same
 * steps on the GPU — forward, the official loss, backward — and compare everything.
 *
 * Tolerance: max |ours − ref| ≤ 1e-4 × max |ref| per tensor (teacher-forced per step). Our kernels run in
 * f32 (unit roundoff 6e-8); a supervision step chains T·(n+1)·layers = 12 normalised
 * blocks and sums of up to 512 products, so accumulated relative error of ~1e-6 is
 * expected; 1e-4 of scale leaves headroom while any layout, sign or missing-term bug
 * shows up at 1e-2 or more.
 */
import { parseSafetensors } from "../../src/model/safetensors.ts";
import { TinyRecursiveModel } from "../../src/model/model.ts";
import { crossEntropy, haltLoss } from "../../src/ops/loss.ts";
import type { Gpu } from "../../src/gpu/gpu.ts";
import { assertParity } from "../_helpers.ts";

/** The parity rule's tolerance: max |ours − ref| ≤ this × max |ref|, per tensor. */
export const RELATIVE_TOLERANCE = 1e-4;

function compare(
  label: string,
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  report: string[],
) {
  const { worst, scale } = assertParity(label, actual, expected, RELATIVE_TOLERANCE);
  report.push(`${label}: max abs err ${worst.toExponential(2)} (scale ${scale.toPrecision(3)})`);
}

/**
 * Runs one fixture (the bytes of a tests/fixtures/trm_*.safetensors file) on `gpu`: forward,
 * the official loss and backward over its supervision steps, each tensor checked by the
 * parity rule. Throws on the first tensor outside it; returns one line per tensor compared.
 * Uses no Deno API, so the browser test (tests/browser/) runs the very same check.
 */
export async function runParityFixture(gpu: Gpu, bytes: Uint8Array): Promise<string[]> {
  const { metadata, tensors } = parseSafetensors(bytes);
  const config = JSON.parse(metadata.config);
  const meta = JSON.parse(metadata.fixture);
  const values = new Map<string, Float32Array>();
  for (const [name, t] of tensors) {
    if (name.startsWith("inner.")) values.set(name, t.data as Float32Array);
  }
  const model = await TinyRecursiveModel.create(config, { gpu, values });
  const get = (name: string) => {
    const t = tensors.get(name);
    if (!t) throw new Error(`fixture lacks ${name}`);
    return t.data;
  };
  const inputs = get("fixture.inputs") as Int32Array;
  const labels = get("fixture.labels") as Int32Array;
  const puzzleIds = get("fixture.puzzle_identifiers") as Int32Array;
  const batch = meta.batch as number;
  const ids = model.uploadTokens(inputs);
  const pids = model.uploadPuzzleIds(batch, puzzleIds);
  const labelTensor = gpu.upload(labels, [batch, config.seqLen], "i32");
  const x = model.embed(ids, pids);
  let carry = model.initialCarry(batch);
  const report: string[] = [];
  for (let k = 1; k <= meta.steps; k++) {
    model.zeroGrads();
    const out = model.step(x, carry, { withGrad: true, ids });
    carry.y.release();
    carry.z.release();
    carry = out.carry;
    // The next step starts from the reference's carry (teacher forcing), so each step is
    // checked on its own: a free-running f32 recursion drifts from the f64 one by ~10×
    // per supervision step (the recurrence amplifies rounding), which says nothing about
    // correctness.
    const ce = crossEntropy(gpu, out.logits, labelTensor, {
      kind: config.lossKind,
      ignoreIndex: config.ignoreIndex,
      gradScale: 1 / batch,
    });
    const halt = haltLoss(gpu, out.q, ce.seqStats, {
      batch,
      targetStride: 4,
      targetOffset: 3,
      gradScale: 0.5 / batch,
    });
    const [logits, q, y, z, stats, haltPerExample] = await gpu.readMany([
      out.logits,
      out.q,
      carry.y,
      carry.z,
      ce.seqStats,
      halt.loss,
    ]);
    compare(`step ${k} logits`, logits, get(`fixture.step${k}.logits`), report);
    compare(
      `step ${k} q_halt`,
      Array.from({ length: batch }, (_, b) => q[2 * b]),
      get(`fixture.step${k}.q_halt`),
      report,
    );
    compare(
      `step ${k} q_continue`,
      Array.from({ length: batch }, (_, b) => q[2 * b + 1]),
      get(`fixture.step${k}.q_continue`),
      report,
    );
    compare(`step ${k} y`, y, get(`fixture.step${k}.y`), report);
    compare(`step ${k} z`, z, get(`fixture.step${k}.z`), report);
    let lm = 0, hl = 0;
    for (let b = 0; b < batch; b++) {
      lm += stats[4 * b];
      hl += haltPerExample[b];
    }
    compare(`step ${k} loss`, [(lm + 0.5 * hl) / batch], get(`fixture.step${k}.loss`), report);
    compare(
      `step ${k} seq_correct`,
      Array.from({ length: batch }, (_, b) => stats[4 * b + 3]),
      get(`fixture.step${k}.seq_correct`),
      report,
    );

    const puzzleRows = model.backward(out.tape!, ce.dLogits!, halt.dq!);
    const names = [...model.grads.keys()];
    const grads = await gpu.readMany(names.map((n) => model.grads.get(n)!));
    names.forEach((n, i) =>
      compare(`step ${k} grad ${n}`, grads[i], get(`grad.step${k}.${n}`), report)
    );
    // Puzzle-embedding rows: per batch row (the official local_weights gradient).
    if (puzzleRows) {
      compare(
        `step ${k} grad puzzle rows`,
        await gpu.read(puzzleRows),
        get(`grad.step${k}.inner.puzzle_emb.local_weights`),
        report,
      );
      puzzleRows.release();
    }
    for (
      const t of [out.logits, out.q, ce.seqStats, ce.predictions, ce.dLogits, halt.loss, halt.dq]
    ) t?.release();
    carry.y.release();
    carry.z.release();
    const shape = [batch, config.seqLen + config.puzzleEmbLen, config.dim];
    carry = {
      y: gpu.upload(get(`fixture.step${k}.y`), shape),
      z: gpu.upload(get(`fixture.step${k}.z`), shape),
    };
  }
  for (const t of [ids, pids, labelTensor, x, carry.y, carry.z]) t?.release();
  model.dispose();
  return report;
}
