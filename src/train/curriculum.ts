/**
 * A depth curriculum: the recursion depth (T, n) and N_sup grown on a schedule inside one
 * training run (CGAR-style), so early steps are cheap and shallow and later ones deep. A
 * phase applies from its step on and keeps every field it does not name from the phases
 * before it; the model's own config holds before the first phase.
 *
 * @module
 */
import { z } from "zod";
import type { RecursionChange } from "../model/model.ts";
import { parsePhases, phaseList } from "./phases.ts";

/** One phase: from optimizer step `from` on (the steps after `from` have run), these counts. */
export interface CurriculumPhase {
  /** Steps already taken when the phase starts (0: from the beginning). */
  from: number;
  /** T: cycles per supervision step. */
  tCycles?: number;
  /** n: latent updates per cycle. */
  nRecursions?: number;
  /** N_sup: supervision steps before a slot halts. */
  maxSupervisionSteps?: number;
}

const PhaseSchema = z.object({
  from: z.number().int().min(0),
  tCycles: z.number().int().min(1).max(64).optional(),
  nRecursions: z.number().int().min(1).max(64).optional(),
  maxSupervisionSteps: z.number().int().min(1).max(256).optional(),
}).strict();

const CurriculumSchema = phaseList(PhaseSchema, false);

/**
 * Validates a curriculum (e.g. parsed from `--curriculum` JSON); throws a RangeError with
 * one line naming the problem.
 *
 * @example
 * ```ts ignore
 * parseCurriculum([{ from: 0, tCycles: 1 }, { from: 2000, tCycles: 2 }, { from: 4000, tCycles: 3, nRecursions: 3 }]);
 * ```
 */
export function parseCurriculum(value: unknown): CurriculumPhase[] {
  return parsePhases(
    CurriculumSchema,
    value,
    "curriculum",
    '[{"from":0,"tCycles":1},{"from":2000,"tCycles":2,"nRecursions":3}]',
  );
}

/**
 * The recursion counts in force once `stepsTaken` optimizer steps have run (every phase
 * with `from ≤ stepsTaken`, later fields over earlier ones); empty before the first phase.
 */
export function curriculumAt(
  phases: readonly CurriculumPhase[],
  stepsTaken: number,
): RecursionChange {
  const out: RecursionChange = {};
  for (const { from, ...fields } of phases) {
    if (from > stepsTaken) break;
    Object.assign(out, fields);
  }
  return out;
}
