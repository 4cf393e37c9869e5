/** The depth curriculum's phases: validation and the counts in force at a step. */
import assert from "node:assert/strict";
import { curriculumAt, parseCurriculum } from "../../src/train/curriculum.ts";

Deno.test("curriculum: phases accumulate, apply from their step, and are validated", () => {
  const phases = parseCurriculum([
    { from: 0, tCycles: 1, nRecursions: 2 },
    { from: 100, tCycles: 2 },
    { from: 250, nRecursions: 3, maxSupervisionSteps: 16 },
  ]);
  assert.deepEqual(curriculumAt(phases, 0), { tCycles: 1, nRecursions: 2 });
  assert.deepEqual(curriculumAt(phases, 99), { tCycles: 1, nRecursions: 2 });
  assert.deepEqual(curriculumAt(phases, 100), { tCycles: 2, nRecursions: 2 });
  assert.deepEqual(curriculumAt(phases, 10_000), {
    tCycles: 2,
    nRecursions: 3,
    maxSupervisionSteps: 16,
  });
  // Before a first phase that starts late: the model's own counts (no change).
  assert.deepEqual(curriculumAt(parseCurriculum([{ from: 5, tCycles: 3 }]), 4), {});
  assert.throws(() => parseCurriculum([]), /curriculum/);
  assert.throws(() => parseCurriculum([{ from: 5 }, { from: 5, tCycles: 2 }]), /increasing/);
  assert.throws(() => parseCurriculum([{ from: 0, tCycles: 0 }]), /curriculum\[0\]\.tCycles/);
  assert.throws(() => parseCurriculum([{ from: 0, dim: 64 }]), /curriculum/);
  assert.throws(() => parseCurriculum({ from: 0 }), /curriculum/);
});
