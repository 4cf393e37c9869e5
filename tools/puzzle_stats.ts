/**
 * Measures the puzzle code: solver throughput on the shared evaluation sets (solving only —
 * never training on them), generation rate and rating statistics per size and tier, and
 * maze generation rate. Prints markdown tables.
 *
 *   deno run -A tools/puzzle_stats.ts [--seconds 5] [--sizes 4,6,9] [--shared ../shared]
 *
 * Single-threaded: rates are per core.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { generateMaze } from "../src/puzzles/maze_generate.ts";
import { deriveSeed } from "../src/puzzles/rng.ts";
import { generateSudoku, SUDOKU_DIFFICULTIES } from "../src/puzzles/sudoku_generate.ts";
import type { SudokuSize } from "../src/puzzles/sudoku_grid.ts";
import { parseSudoku } from "../src/puzzles/sudoku_parse.ts";
import { rateSudoku } from "../src/puzzles/sudoku_rate.ts";
import { solveSudoku } from "../src/puzzles/sudoku_solve.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    seconds: { type: "string", default: "5" },
    sizes: { type: "string", default: "4,6,9" },
    shared: { type: "string", default: new URL("../../shared", import.meta.url).pathname },
    "skip-eval": { type: "boolean", default: false },
  },
});
const budget = Number(values.seconds) * 1000;
const sizes = values.sizes!.split(",").map(Number) as SudokuSize[];

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}
const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(1));

if (!values["skip-eval"]) {
  console.log("## Solver on the shared evaluation sets (solve only)\n");
  console.log(
    "| set | puzzles | first solution /s | unique proof /s | mean guesses (unique proof) | rating p10 / median / p90 |",
  );
  console.log("|---|---|---|---|---|---|");
  for (
    const name of [
      "forum_hardest_1106.txt",
      "magictour_top1465.txt",
      "norvig_top95.txt",
      "sudoku_exchange_diabolical.csv",
    ]
  ) {
    let text: string;
    try {
      text = Deno.readTextFileSync(`${values.shared}/data/sudoku/${name}`);
    } catch {
      console.log(`| ${name} | absent | | | | |`);
      continue;
    }
    const puzzles = parseSudoku(text, { check: "none", size: 9 }).puzzles.slice(0, 2000).map((p) =>
      p.puzzle
    );
    let t0 = performance.now();
    for (const p of puzzles) {
      if (solveSudoku(p).solutions !== 1) throw new Error(`${name}: unsolved puzzle`);
    }
    const first = puzzles.length / ((performance.now() - t0) / 1000);
    t0 = performance.now();
    let nodes = 0;
    for (const p of puzzles) {
      const r = solveSudoku(p, { maxSolutions: 2 });
      if (r.solutions !== 1) throw new Error(`${name}: not unique`);
      nodes += r.nodes;
    }
    const unique = puzzles.length / ((performance.now() - t0) / 1000);
    const ratings = puzzles.slice(0, 300).map(rateSudoku).sort((a, b) => a - b);
    console.log(
      `| ${name} | ${puzzles.length} | ${first.toFixed(0)} | ${unique.toFixed(0)} | ${
        (nodes / puzzles.length).toFixed(1)
      } | ${[0.1, 0.5, 0.9].map((q) => fmt(quantile(ratings, q))).join(" / ")} |`,
    );
  }
}

console.log(`\n## Sudoku generation (one core, up to ${budget / 1000} s per row)\n`);
console.log(
  "| size | tier | generated | per second | rating mean | min | p10 | median | p90 | max | mean clues |",
);
console.log("|---|---|---|---|---|---|---|---|---|---|---|");
for (const size of sizes) {
  for (const difficulty of SUDOKU_DIFFICULTIES) {
    const ratings: number[] = [];
    let clues = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < budget && ratings.length < 20000) {
      const g = generateSudoku({ size, difficulty, seed: deriveSeed(1, ratings.length) });
      ratings.push(g.rating);
      clues += g.clues;
    }
    const rate = ratings.length / ((performance.now() - t0) / 1000);
    const mean = ratings.reduce((a, b) => a + b, 0) / ratings.length;
    ratings.sort((a, b) => a - b);
    console.log(
      `| ${size}×${size} | ${difficulty} | ${ratings.length} | ${rate.toFixed(1)} | ${
        fmt(mean)
      } | ${[0, 0.1, 0.5, 0.9].map((q) => fmt(quantile(ratings, q))).join(" | ")} | ${
        fmt(ratings[ratings.length - 1])
      } | ${(clues / ratings.length).toFixed(1)} |`,
    );
  }
}

console.log(`\n## Maze generation (one core, up to ${budget / 1000} s per row)\n`);
console.log("| size | min path | generated | per second | mean path |");
console.log("|---|---|---|---|---|");
for (const [size, min] of [[30, 110], [20, 48], [10, 12]]) {
  let n = 0, total = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < budget) {
    total += generateMaze({ size, minPathLength: min, seed: deriveSeed(2, n++) }).pathLength;
  }
  console.log(
    `| ${size}×${size} | > ${min} | ${n} | ${
      (n / ((performance.now() - t0) / 1000)).toFixed(1)
    } | ${(total / n).toFixed(1)} |`,
  );
}
