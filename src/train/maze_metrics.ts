/**
 * Maze path metrics for an evaluation: how many predicted answers are valid S→G paths and
 * how many are shortest ones (exact match counts only the labelled path). Fed by
 * {@linkcode evaluate}'s `onPredictions` callback.
 *
 * @module
 */
import { decodeMaze } from "../puzzles/encoding.ts";
import { scoreMazeAnswer } from "../puzzles/maze_score.ts";
import type { ExamplePool } from "./data.ts";

/** Rates of a maze evaluation (fractions of the examples scored). */
export interface MazePathRates {
  /** Examples whose prediction is a valid S→G path (any length). */
  validPath: number;
  /** Examples whose prediction is a shortest S→G path (not necessarily the labelled one). */
  shortestPath: number;
}

/** A tally of maze path scores over an evaluation. */
export interface MazePathCounter {
  /** Pass as `evaluate(..., { onPredictions })`. */
  onPredictions: (start: number, count: number, tokens: Int32Array) => void;
  /** The rates over the examples seen so far (0 when none). */
  rates(): MazePathRates;
}

/**
 * Counts valid and shortest paths among predictions for the mazes of `pool` (questions are
 * pool inputs, tokens `# SGo` → 1..5).
 *
 * @example
 * ```ts ignore
 * const counter = mazePathCounter(pool);
 * const r = await evaluate(model, pool, { onPredictions: counter.onPredictions });
 * console.log(r.exactAccuracy, counter.rates().shortestPath);
 * ```
 */
export function mazePathCounter(pool: ExamplePool): MazePathCounter {
  const L = pool.seqLen;
  const size = Math.round(Math.sqrt(L));
  if (size * size !== L) throw new RangeError(`${L} tokens is not an N×N maze`);
  let seen = 0, valid = 0, shortest = 0;
  return {
    onPredictions(start, count, tokens) {
      for (let b = 0; b < count; b++) {
        const row = start + b;
        const maze = decodeMaze(pool.inputs.subarray(row * L, (row + 1) * L), size);
        // Raw tokens, not decodeMaze: a PAD or out-of-range prediction is a wrong answer, not an error.
        const answer = {
          size,
          cells: Uint8Array.from(
            tokens.subarray(b * L, (b + 1) * L),
            (t) => t >= 0 && t <= 5 ? t : 0,
          ),
        };
        const score = scoreMazeAnswer(maze, answer);
        seen++;
        if (score.valid) valid++;
        if (score.shortest) shortest++;
      }
    },
    rates() {
      const n = Math.max(1, seen);
      return { validPath: valid / n, shortestPath: shortest / n };
    },
  };
}
