// Official augmentations (digit permutation, transpose, band/stack and row/column permutations)
// and the token encodings.
import assert from "node:assert/strict";
import {
  decodeMaze,
  decodeSudoku,
  encodeMaze,
  encodeSudoku,
  MAZE_VOCAB_SIZE,
  sudokuVocabSize,
} from "../../src/puzzles/encoding.ts";
import { parseMaze } from "../../src/puzzles/maze.ts";
import { Rng } from "../../src/puzzles/rng.ts";
import {
  applySudokuTransform,
  applySudokuTransformTokens,
  augmentSudoku,
  canTranspose,
  invertSudokuTransform,
  randomSudokuTransform,
  type SudokuTransform,
} from "../../src/puzzles/sudoku_augment.ts";
import { generateSudoku } from "../../src/puzzles/sudoku_generate.ts";
import { boxShape, type SudokuGrid, type SudokuSize } from "../../src/puzzles/sudoku_grid.ts";
import { countSudokuSolutions } from "../../src/puzzles/sudoku_solve.ts";
import { isValidSolution } from "../../src/puzzles/sudoku_validate.ts";

/** The official shuffle_sudoku's apply_transformation, transcribed literally (9×9 numpy code). */
function officialApply(x: Uint8Array, t: SudokuTransform): Uint8Array {
  const n = t.size;
  let grid = x;
  if (t.transpose) {
    grid = Uint8Array.from({ length: n * n }, (_, k) => x[(k % n) * n + Math.floor(k / n)]);
  }
  const mapping = Array.from(
    { length: n * n },
    (_, i) => t.rowPerm[Math.floor(i / n)] * n + t.colPerm[i % n],
  );
  return Uint8Array.from(mapping, (m) => t.digitMap[grid[m]]);
}

for (const size of [4, 6, 9] as SudokuSize[]) {
  Deno.test(`augment ${size}×${size}: valid pairs, official semantics, inverse, tokens`, () => {
    const { puzzle, solution } = generateSudoku({ size, difficulty: "medium", seed: 3 });
    const rng = new Rng(size);
    let transposed = 0;
    const { rows: br, cols: bc } = boxShape(size);
    for (let k = 0; k < 40; k++) {
      const { puzzle: p, solution: s, transform: t } = augmentSudoku(puzzle, solution, rng);
      assert.ok(isValidSolution(p, s));
      assert.equal(countSudokuSolutions(p), 1);
      assert.deepEqual(p.cells, officialApply(puzzle.cells, t));
      assert.deepEqual(invertSudokuTransform(p, t).cells, puzzle.cells);
      assert.deepEqual(applySudokuTransformTokens(encodeSudoku(puzzle), t), encodeSudoku(p));
      // Rows stay inside bands of `br` rows and columns inside stacks of `bc` columns.
      for (let i = 0; i < size; i++) {
        assert.equal(Math.floor(t.rowPerm[i] / br), Math.floor(t.rowPerm[i - (i % br)] / br));
        assert.equal(Math.floor(t.colPerm[i] / bc), Math.floor(t.colPerm[i - (i % bc)] / bc));
      }
      assert.deepEqual(
        [...t.digitMap].slice(1).sort(),
        Array.from({ length: size }, (_, d) => d + 1),
      );
      if (t.transpose) transposed++;
    }
    if (canTranspose(size)) {
      assert.ok(transposed > 8 && transposed < 32, `transposed ${transposed}/40`);
    } else assert.equal(transposed, 0); // 6×6 boxes are 2×3: transposing would break them
  });
}

Deno.test("augment: every band and row order is reachable (9×9)", () => {
  const rng = new Rng(1);
  const seen = new Set<string>();
  for (let k = 0; k < 30000; k++) seen.add(randomSudokuTransform(9, rng).rowPerm.join(""));
  assert.equal(seen.size, 6 ** 4); // 3! band orders × (3!)³ row orders
  assert.throws(
    () =>
      applySudokuTransform({ size: 4, cells: new Uint8Array(16) }, randomSudokuTransform(9, rng)),
    /transform is for 9×9/,
  );
});

Deno.test("encoding: Sudoku tokens digit + 1, blank 1, vocab size + 2; mazes # SGo → 1..5", () => {
  const g: SudokuGrid = {
    size: 4,
    cells: Uint8Array.from([0, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
  };
  assert.deepEqual([...encodeSudoku(g)].slice(0, 6), [1, 2, 3, 4, 5, 1]);
  assert.deepEqual(decodeSudoku(encodeSudoku(g), 4), g);
  assert.deepEqual(decodeSudoku([0, ...new Array(15).fill(1)], 4).cells, new Uint8Array(16)); // PAD decodes to blank
  assert.throws(() => decodeSudoku(new Array(16).fill(6), 4), /token 6 at 0 is outside 0\.\.5/);
  assert.deepEqual([4, 6, 9].map((s) => sudokuVocabSize(s as SudokuSize)), [6, 8, 11]);
  const maze = parseMaze("#S\nGo");
  assert.deepEqual([...encodeMaze(maze)], [1, 3, 4, 5]);
  assert.deepEqual(decodeMaze([1, 2, 3, 4], 2).cells, Uint8Array.from([1, 2, 3, 4]));
  assert.throws(() => decodeMaze([0, 2, 3, 4], 2), /not a maze token/);
  assert.equal(MAZE_VOCAB_SIZE, 6);
});
