/**
 * A symmetry-invariant fingerprint of 9×9 Sudoku puzzles, for telling test puzzles apart
 * from training ones under the training augmentations.
 *
 * @module
 */

/**
 * A 9×9 puzzle's fingerprint, unchanged by digit relabelling, row/column permutations
 * inside bands/stacks, band/stack permutations and transposition: the clue count per
 * digit (sorted), the clue counts of the rows grouped by band and of the columns grouped
 * by stack (each sorted, the pair sorted), and the 3×3 matrix of box clue counts in its
 * smallest form over row, column permutations and transposition. Equivalent puzzles
 * have equal fingerprints; different ones almost always differ, so equal fingerprints
 * are treated as "maybe seen" (used to keep test puzzles apart from training ones, where
 * the 2 · 6⁸ geometric symmetries of 9×9 are too many to enumerate).
 *
 * @example
 * ```ts ignore
 * sudokuFingerprint9(puzzle.cells) === sudokuFingerprint9(transformed.cells); // true
 * ```
 */
export function sudokuFingerprint9(cells: ArrayLike<number>): string {
  const digit = new Array(10).fill(0), row = new Array(9).fill(0), col = new Array(9).fill(0);
  const box = new Array(9).fill(0);
  for (let r = 0; r < 9; r++) {
    for (let c = 0; c < 9; c++) {
      const d = cells[r * 9 + c];
      if (d === 0) continue;
      digit[d]++;
      row[r]++;
      col[c]++;
      box[Math.floor(r / 3) * 3 + Math.floor(c / 3)]++;
    }
  }
  const groups = (counts: number[]) =>
    [0, 1, 2].map((g) => counts.slice(3 * g, 3 * g + 3).sort((a, b) => a - b).join("."))
      .sort().join("/");
  const lines = [groups(row), groups(col)].sort().join("|");
  const perms = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
  let boxes = "";
  for (const t of [false, true]) {
    for (const rp of perms) {
      for (const cp of perms) {
        const key = rp.flatMap((r) => cp.map((c) => t ? box[c * 3 + r] : box[r * 3 + c])).join(".");
        if (boxes === "" || key < boxes) boxes = key;
      }
    }
  }
  return `${digit.slice(1).sort((a, b) => a - b).join(".")}|${lines}|${boxes}`;
}
