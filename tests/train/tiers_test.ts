/** The difficulty curriculum: validation, the phase in force, and the tier mix it draws. */
import assert from "node:assert/strict";
import { Rng } from "../../src/puzzles/rng.ts";
import { parseTierSchedule, tieredRowPicker, tierPhaseAt } from "../../src/train/tiers.ts";

Deno.test("tiers: phases validate and apply from their step", () => {
  const phases = parseTierSchedule([
    { from: 0, easy: 1 },
    { from: 10, easy: 1, hard: 3 },
  ]);
  assert.equal(tierPhaseAt(phases, 9).hard, undefined);
  assert.equal(tierPhaseAt(phases, 10).hard, 3);
  assert.throws(() => parseTierSchedule([{ from: 5, easy: 1 }]), /from 0/);
  assert.throws(() => parseTierSchedule([{ from: 0, easy: 0 }]), /positive weight/);
  assert.throws(() => parseTierSchedule([{ from: 0, easy: -1 }]), /tiers\[0\]\.easy/);
  assert.throws(() => parseTierSchedule([{ from: 0, nightmare: 1 }]), /tiers/);
  assert.throws(
    () => parseTierSchedule([{ from: 0, easy: 1 }, { from: 0, hard: 1 }]),
    /increasing/,
  );
});

Deno.test("tiers: the picker draws each step's tiers in proportion, reproducibly", () => {
  // Pool rows: tier of row i is i % 4 (easy, medium, hard, extreme).
  const tiers = Uint8Array.from({ length: 400 }, (_, i) => i % 4);
  const batch = 100;
  const pick = tieredRowPicker(
    tiers,
    parseTierSchedule([
      { from: 0, easy: 1, medium: 1 },
      { from: 50, hard: 1, extreme: 3 },
    ]),
    batch,
  );
  const count = (fromStep: number) => {
    const c = [0, 0, 0, 0];
    for (let i = fromStep * batch; i < (fromStep + 40) * batch; i++) {
      c[tiers[pick(new Rng(i), i)]]++;
    }
    return c;
  };
  const early = count(0), late = count(60);
  assert.equal(early[2] + early[3], 0, `no hard or extreme before step 50 (${early})`);
  assert.ok(Math.abs(early[0] / 4000 - 0.5) < 0.04, `easy share ${early[0] / 4000}`);
  assert.equal(late[0] + late[1], 0, `only hard and extreme after step 50 (${late})`);
  assert.ok(Math.abs(late[3] / 4000 - 0.75) < 0.04, `extreme share ${late[3] / 4000}`);
  assert.equal(pick(new Rng(7), 7), pick(new Rng(7), 7));
  assert.throws(
    () => tieredRowPicker(new Uint8Array(8), parseTierSchedule([{ from: 0, hard: 1 }]), 4),
    /no hard puzzles/,
  );
});
