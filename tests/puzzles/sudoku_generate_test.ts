// Generated puzzles: unique solutions, reproducible from the seed, each tier inside its rating
// range, tiers ordered by mean rating. (Hard and extreme 9×9 are timed in the bench.)
import assert from "node:assert/strict";
import { deriveSeed, Rng } from "../../src/puzzles/rng.ts";
import {
  difficultyOf,
  difficultyRange,
  generateSudoku,
  SUDOKU_DIFFICULTIES,
} from "../../src/puzzles/sudoku_generate.ts";
import { countClues, formatSudokuLine, type SudokuSize } from "../../src/puzzles/sudoku_grid.ts";
import { rateSudoku } from "../../src/puzzles/sudoku_rate.ts";
import { countSudokuSolutions } from "../../src/puzzles/sudoku_solve.ts";
import { isValidSolution } from "../../src/puzzles/sudoku_validate.ts";

const PER_TIER: Record<SudokuSize, number[]> = {
  4: [12, 12, 12, 12],
  6: [12, 12, 8, 3],
  9: [8, 4, 2, 1],
};

for (const size of [4, 6, 9] as SudokuSize[]) {
  Deno.test(`generate ${size}×${size}: unique, valid, in range, tiers ordered by mean rating`, () => {
    const means: number[] = [];
    SUDOKU_DIFFICULTIES.forEach((difficulty, t) => {
      const { min, max } = difficultyRange(size, difficulty);
      let sum = 0;
      for (let i = 0; i < PER_TIER[size][t]; i++) {
        const g = generateSudoku({ size, difficulty, seed: deriveSeed(100 + t, i) });
        assert.equal(countSudokuSolutions(g.puzzle, 3), 1, "unique");
        assert.ok(isValidSolution(g.puzzle, g.solution));
        assert.equal(g.rating, rateSudoku(g.puzzle), "reported rating is the pinned measure");
        assert.ok(
          g.rating > min && g.rating <= max,
          `${difficulty} rating ${g.rating} outside (${min}, ${max}]`,
        );
        assert.equal(difficultyOf(size, g.rating), difficulty);
        assert.equal(g.clues, countClues(g.puzzle));
        sum += g.rating;
      }
      means.push(sum / PER_TIER[size][t]);
    });
    for (let t = 1; t < means.length; t++) {
      assert.ok(means[t] > means[t - 1], `mean ratings ${means}`);
    }
  });
}

Deno.test("generate: same seed, same puzzle; other seed, other puzzle; rng option", () => {
  const a = generateSudoku({ size: 9, difficulty: "medium", seed: 5 });
  const b = generateSudoku({ size: 9, difficulty: "medium", seed: 5 });
  const c = generateSudoku({ size: 9, difficulty: "medium", seed: 6 });
  assert.equal(formatSudokuLine(a.puzzle), formatSudokuLine(b.puzzle));
  assert.notEqual(formatSudokuLine(a.puzzle), formatSudokuLine(c.puzzle));
  const d = generateSudoku({ size: 9, difficulty: "medium", rng: new Rng(5) });
  assert.equal(formatSudokuLine(d.puzzle), formatSudokuLine(a.puzzle));
});

Deno.test("generate: mixed draws tiers; custom ranges; bad ranges are refused", () => {
  const tiers = new Set<string>();
  for (let i = 0; i < 24; i++) {
    tiers.add(generateSudoku({ size: 4, difficulty: "mixed", seed: i }).difficulty);
  }
  assert.equal(tiers.size, 4);
  const g = generateSudoku({ size: 6, difficulty: "hard", minRating: 20, maxRating: 30, seed: 1 });
  assert.ok(g.rating > 20 && g.rating <= 30);
  assert.throws(
    () => generateSudoku({ size: 9, minRating: 5, maxRating: 5 }),
    /empty rating range/,
  );
  assert.throws(() => difficultyRange(9, "nightmare" as "hard"), /unknown difficulty/);
});
