// ARC voting as the official evaluator: votes first, ties by mean confidence; pass@1 and
// pass@2 per test input and per task.
import assert from "node:assert/strict";
import { arcGrid } from "../../src/puzzles/arc.ts";
import { arcPassAtK, rankArcVotes, scoreArcTask } from "../../src/solve/arc_vote.ts";

const A = arcGrid([[1, 2]]), B = arcGrid([[2, 1]]), C = arcGrid([[1], [2]]);
const EMPTY = { rows: 0, cols: 0, cells: new Uint8Array(0) };

Deno.test("candidates rank by votes, then by mean confidence", () => {
  const ranked = rankArcVotes([
    { grid: A, confidence: 0.1 },
    { grid: B, confidence: 0.9 },
    { grid: A, confidence: 0.3 },
    { grid: C, confidence: 0.8 },
    { grid: C, confidence: 0.2 },
    { grid: EMPTY, confidence: 0.05 },
  ]);
  // A and C tie at 2 votes; C's mean confidence (0.5) beats A's (0.2).
  assert.deepEqual(ranked.map((c) => [c.grid, c.votes]), [[C, 2], [A, 2], [B, 1], [EMPTY, 1]]);
  assert.ok(Math.abs(ranked[0].meanConfidence - 0.5) < 1e-12);
  assert.ok(Math.abs(ranked[1].meanConfidence - 0.2) < 1e-12);
  // Equal shape and colours are the same candidate, a transposed shape is not.
  assert.notDeepEqual(ranked[0].grid, A);
  assert.ok(arcPassAtK(ranked, arcGrid([[1], [2]]), 1));
  assert.ok(!arcPassAtK(ranked, A, 1));
  assert.ok(arcPassAtK(ranked, A, 2));
  assert.ok(!arcPassAtK(ranked, B, 2));
});

Deno.test("a full tie keeps the first seen; no votes solve nothing", () => {
  const ranked = rankArcVotes([{ grid: B, confidence: 0.5 }, { grid: A, confidence: 0.5 }]);
  assert.deepEqual(ranked.map((c) => c.grid), [B, A]);
  assert.deepEqual(rankArcVotes([]), []);
  assert.ok(!arcPassAtK([], A, 2));
});

Deno.test("a task scores the fraction of its test inputs solved", () => {
  const first = rankArcVotes([{ grid: A, confidence: 0.9 }, { grid: B, confidence: 0.1 }]);
  const second = rankArcVotes([{ grid: C, confidence: 0.9 }]);
  assert.deepEqual(scoreArcTask([first, second], [B, C]), { pass1: 0.5, pass2: 1 });
  assert.deepEqual(scoreArcTask([first], [A]), { pass1: 1, pass2: 1 });
  assert.throws(() => scoreArcTask([first], [A, B]), /1 ranked inputs but 2 answers/);
});
