/**
 * Voting over augmented copies, as the official ARC evaluator (evaluators/arc.py): each
 * copy's prediction, mapped back to the task's frame, is one vote; candidates rank by
 * votes, ties broken by the mean halting confidence (sigmoid(q_halt)) of their voters. A
 * test input is solved at pass@k when the answer is among the first k; a task scores the
 * fraction of its test inputs solved.
 *
 * @module
 */
import { type ArcGrid, arcGridKey } from "../puzzles/arc.ts";

/** One augmented copy's prediction, in the task's own frame. */
export interface ArcVote {
  /** The predicted grid (mapped back through the copy's inverse augmentation). */
  grid: ArcGrid;
  /** Halting confidence sigmoid(q_halt) of the prediction, in [0, 1]. */
  confidence: number;
}

/** A distinct predicted grid with its votes. */
export interface ArcCandidate {
  /** The grid. */
  grid: ArcGrid;
  /** How many copies predicted it. */
  votes: number;
  /** Mean confidence of those copies. */
  meanConfidence: number;
}

/**
 * Ranks the distinct predictions: most votes first, then the higher mean confidence, then
 * (for a deterministic order) the first seen. Empty predictions (0×0: the decoder found
 * no grid) are kept: they vote, and can never be right.
 *
 * @example
 * ```ts
 * import { arcGrid } from "../puzzles/arc.ts";
 * import { rankArcVotes } from "./arc_vote.ts";
 * const a = arcGrid([[1]]), b = arcGrid([[2]]);
 * const ranked = rankArcVotes([{ grid: a, confidence: 0.2 }, { grid: b, confidence: 0.9 }]);
 * console.log(ranked[0].grid.cells[0]); // 2 (one vote each; b is more confident)
 * ```
 */
export function rankArcVotes(votes: readonly ArcVote[]): ArcCandidate[] {
  const byKey = new Map<string, { grid: ArcGrid; votes: number; sum: number; order: number }>();
  for (const v of votes) {
    const key = arcGridKey(v.grid);
    const c = byKey.get(key);
    if (c) {
      c.votes++;
      c.sum += v.confidence;
    } else byKey.set(key, { grid: v.grid, votes: 1, sum: v.confidence, order: byKey.size });
  }
  return [...byKey.values()]
    .map((c) => ({ ...c, meanConfidence: c.sum / c.votes }))
    .sort((a, b) => b.votes - a.votes || b.meanConfidence - a.meanConfidence || a.order - b.order)
    .map(({ grid, votes, meanConfidence }) => ({ grid, votes, meanConfidence }));
}

/** True when `answer` is among the first `k` ranked candidates. */
export function arcPassAtK(ranked: readonly ArcCandidate[], answer: ArcGrid, k: number): boolean {
  const key = arcGridKey(answer);
  return ranked.slice(0, k).some((c) => arcGridKey(c.grid) === key);
}

/** A task's score: the fraction of its test inputs solved at pass@1 and pass@2. */
export interface ArcTaskScore {
  /** Fraction of test inputs whose top candidate is the answer. */
  pass1: number;
  /** Fraction whose answer is among the top two. */
  pass2: number;
}

/**
 * Scores a task from the ranked candidates of each test input and the answers (the
 * official per-task score: solved inputs / inputs). An input with no candidates counts
 * as unsolved.
 */
export function scoreArcTask(
  ranked: readonly (readonly ArcCandidate[])[],
  answers: readonly ArcGrid[],
): ArcTaskScore {
  if (ranked.length !== answers.length) {
    throw new RangeError(`${ranked.length} ranked inputs but ${answers.length} answers`);
  }
  const n = Math.max(1, answers.length);
  let p1 = 0, p2 = 0;
  answers.forEach((a, i) => {
    if (arcPassAtK(ranked[i], a, 1)) p1++;
    if (arcPassAtK(ranked[i], a, 2)) p2++;
  });
  return { pass1: p1 / n, pass2: p2 / n };
}
