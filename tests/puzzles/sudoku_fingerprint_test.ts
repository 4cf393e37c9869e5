/** The 9×9 fingerprint: kept by every training augmentation, different across puzzles. */
import assert from "node:assert/strict";
import { Rng } from "../../src/puzzles/rng.ts";
import { applySudokuTransform, randomSudokuTransform } from "../../src/puzzles/sudoku_augment.ts";
import { sudokuFingerprint9 } from "../../src/puzzles/sudoku_fingerprint.ts";
import { generateSudoku } from "../../src/puzzles/sudoku_generate.ts";

Deno.test("sudokuFingerprint9: equal under augmentation, distinct for different puzzles", () => {
  const rng = new Rng(5);
  const seen = new Set<string>();
  for (let i = 0; i < 40; i++) {
    const { puzzle } = generateSudoku({ size: 9, difficulty: "medium", seed: 900 + i });
    const f = sudokuFingerprint9(puzzle.cells);
    for (let k = 0; k < 5; k++) {
      const t = randomSudokuTransform(9, rng);
      assert.equal(sudokuFingerprint9(applySudokuTransform(puzzle, t).cells), f, `puzzle ${i}`);
    }
    seen.add(f);
  }
  assert.ok(seen.size >= 39, `${seen.size} distinct fingerprints for 40 puzzles`);
});
