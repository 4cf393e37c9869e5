/**
 * A difficulty curriculum for Sudoku training: the share of each tier (easy, medium,
 * hard, extreme) in the stream of fresh puzzles, on a schedule of optimizer steps. Slots
 * that hold puzzles the model cannot solve yet run to N_sup without learning to halt;
 * starting on easier tiers spends the first CPU-hours where the model learns most.
 *
 * @module
 */
import { z } from "zod";
import type { Rng } from "../puzzles/rng.ts";
import { parsePhases, phaseList } from "./phases.ts";
import { SUDOKU_DIFFICULTIES, type SudokuDifficulty } from "../puzzles/sudoku_generate.ts";

/** One phase: from optimizer step `from` on, tiers drawn in proportion to their weights. */
export type TierPhase = { from: number } & Partial<Record<SudokuDifficulty, number>>;

const weight = z.number().min(0).max(1e6).optional();
const PhaseSchema = z.object({
  from: z.number().int().min(0),
  easy: weight,
  medium: weight,
  hard: weight,
  extreme: weight,
}).strict().refine(
  (p) => SUDOKU_DIFFICULTIES.some((t) => (p[t] ?? 0) > 0),
  { message: "a phase needs a positive weight for some tier" },
);

const ScheduleSchema = phaseList(PhaseSchema, true);

/**
 * Validates a tier schedule (e.g. `--tiers` JSON); a RangeError names the problem.
 *
 * @example
 * ```ts ignore
 * parseTierSchedule([{ from: 0, easy: 1, medium: 1 }, { from: 3000, easy: 1, medium: 1, hard: 1, extreme: 1 }]);
 * ```
 */
export function parseTierSchedule(value: unknown): TierPhase[] {
  return parsePhases(
    ScheduleSchema,
    value,
    "tiers",
    '[{"from":0,"easy":1,"medium":1},{"from":3000,"easy":1,"hard":1}]',
  ) as TierPhase[];
}

/** The phase in force at 0-based optimizer step index `step` (the last with from ≤ step). */
export function tierPhaseAt(phases: readonly TierPhase[], step: number): TierPhase {
  let at = phases[0];
  for (const p of phases) if (p.from <= step) at = p;
  return at;
}

/**
 * A row picker for {@linkcode poolSource} that draws sample `index` (of optimizer step
 * ⌊index / batch⌋) from a tier chosen by that step's weights, then a uniform row of the
 * tier. A tier with weight but no rows in the pool is an error.
 */
export function tieredRowPicker(
  tiers: Uint8Array,
  phases: readonly TierPhase[],
  batch: number,
): (rng: Rng, index: number) => number {
  const rowsOf = SUDOKU_DIFFICULTIES.map((_, t) => {
    const rows: number[] = [];
    tiers.forEach((v, i) => v === t && rows.push(i));
    return rows;
  });
  for (const p of phases) {
    for (const [t, name] of SUDOKU_DIFFICULTIES.entries()) {
      if ((p[name] ?? 0) > 0 && rowsOf[t].length === 0) {
        throw new RangeError(`tiers: the training pool holds no ${name} puzzles`);
      }
    }
  }
  return (rng, index) => {
    const p = tierPhaseAt(phases, Math.floor(index / batch));
    const w = SUDOKU_DIFFICULTIES.map((name) => p[name] ?? 0);
    let u = rng.next() * w.reduce((a, b) => a + b, 0);
    let t = 0;
    while (t < w.length - 1 && (u >= w[t] || w[t] === 0)) u -= w[t++];
    // Rounding can walk past the last positive weight: step back to it.
    while (w[t] === 0) t--;
    const rows = rowsOf[t];
    return rows[rng.int(rows.length)];
  };
}
