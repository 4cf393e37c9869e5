/**
 * The JSON answer of `POST /v1/solve` for an ARC task: per test input, the two top-voted
 * grids as rows, the distinct candidates with their votes, and — when the task gave the
 * test's output — whether an attempt matches it.
 *
 * @module
 */
import { type ArcGrid, arcGridRows, arcGridsEqual, type ArcTask } from "../puzzles/arc.ts";
import type { ArcTaskAnswer } from "../solve/arc.ts";
import type { ArcSolveResult } from "./schemas.ts";

/** The response body for `answer` (of `task`), with the batch's time and model. */
export function arcResult(
  answer: ArcTaskAnswer,
  task: ArcTask,
  done: { ms: number; model: string },
): ArcSolveResult {
  const rows = (g: ArcGrid) => arcGridRows(g);
  return {
    task: answer.name,
    model: done.model,
    copies: answer.copies,
    trainedIds: answer.trainedIds,
    steps: answer.steps,
    ms: Math.round(done.ms * 100) / 100,
    tests: answer.tests.map((t, i) => {
      const expected = task.test[i]?.output;
      return {
        attempts: t.attempts.map(rows),
        candidates: t.ranked.slice(0, 5).map((c) => ({
          grid: rows(c.grid),
          votes: c.votes,
          meanConfidence: Math.round(c.meanConfidence * 1e4) / 1e4,
        })),
        ...(expected ? { matches: t.attempts.some((a) => arcGridsEqual(a, expected)) } : {}),
      };
    }),
  };
}
