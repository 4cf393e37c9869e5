/**
 * Puzzle benchmarks: `deno bench -A bench/puzzles_bench.ts`. The solver bench solves the
 * whole forum_hardest_1106 set per iteration (puzzles/s = 375 / time); generation benches make
 * one puzzle per iteration with a fresh seed. tools/puzzle_stats.ts prints the same rates
 * with rating statistics.
 *
 * @module
 */
import { generateMaze } from "../src/puzzles/maze_generate.ts";
import { deriveSeed } from "../src/puzzles/rng.ts";
import { generateSudoku, SUDOKU_DIFFICULTIES } from "../src/puzzles/sudoku_generate.ts";
import type { SudokuSize } from "../src/puzzles/sudoku_grid.ts";
import { parseSudoku } from "../src/puzzles/sudoku_parse.ts";
import { rateSudoku } from "../src/puzzles/sudoku_rate.ts";
import { solveSudoku } from "../src/puzzles/sudoku_solve.ts";

let forum: ReturnType<typeof parseSudoku>["puzzles"] = [];
try {
  const text = Deno.readTextFileSync(
    new URL("../../shared/data/sudoku/forum_hardest_1106.txt", import.meta.url),
  );
  forum = parseSudoku(text, { check: "none" }).puzzles;
} catch {
  console.error("forum_hardest_1106.txt not found beside the repository; solver benches skipped");
}

Deno.bench({
  name: "solve forum_hardest_1106 (375 puzzles, first solution)",
  group: "solver",
  ignore: !forum.length,
  fn() {
    for (const p of forum) solveSudoku(p.puzzle);
  },
});
Deno.bench({
  name: "solve forum_hardest_1106 (375 puzzles, uniqueness proof)",
  group: "solver",
  ignore: !forum.length,
  fn() {
    for (const p of forum) solveSudoku(p.puzzle, { maxSolutions: 2 });
  },
});
Deno.bench({
  name: "rate one forum_hardest puzzle",
  group: "solver",
  ignore: !forum.length,
  fn() {
    rateSudoku(forum[0].puzzle);
  },
});

for (const size of [4, 6, 9] as SudokuSize[]) {
  for (const difficulty of SUDOKU_DIFFICULTIES) {
    let i = 0;
    Deno.bench({
      name: `generate ${size}×${size} ${difficulty}`,
      group: `generate ${size}×${size}`,
      fn() {
        generateSudoku({ size, difficulty, seed: deriveSeed(3, i++) });
      },
    });
  }
}

for (const [size, min] of [[30, 110], [10, 12]]) {
  let i = 0;
  Deno.bench({
    name: `generate maze ${size}×${size}, path > ${min}`,
    group: "maze",
    fn() {
      generateMaze({ size, minPathLength: min, seed: deriveSeed(4, i++) });
    },
  });
}
