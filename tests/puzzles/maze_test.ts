// Mazes: parsing, the labelled shortest path, a validator that accepts every shortest path
// (enumerated) and nothing else, generation, and the 8 dihedral transforms.
import assert from "node:assert/strict";
import { DIHEDRAL_INVERSE, dihedralTransform } from "../../src/puzzles/dihedral.ts";
import {
  augmentMaze,
  explainInvalidMazePath,
  formatMaze,
  formatMazeLine,
  isValidMazePath,
  type Maze,
  MAZE_PATH,
  mazeDistances,
  mazeShortestPath,
  parseMaze,
  solveMaze,
  transformMaze,
  untransformMaze,
} from "../../src/puzzles/maze.ts";
import { generateMaze } from "../../src/puzzles/maze_generate.ts";
import { Rng } from "../../src/puzzles/rng.ts";

/** Every shortest S→G path (cell lists), by walking the BFS layers; independent of the labeller. */
function allShortestPaths(maze: Maze): number[][] {
  const s = maze.cells.indexOf(3), g = maze.cells.indexOf(4), n = maze.size;
  const fromS = mazeDistances(maze, s), toG = mazeDistances(maze, g);
  const d = fromS[g];
  const out: number[][] = [];
  const walk = (path: number[]) => {
    const c = path[path.length - 1];
    if (c === g) return void out.push(path);
    for (const nb of [c - n, c + n, c % n ? c - 1 : -1, (c + 1) % n ? c + 1 : -1]) {
      if (nb >= 0 && nb < n * n && fromS[nb] === fromS[c] + 1 && toG[nb] === d - fromS[nb]) {
        walk([...path, nb]);
      }
    }
  };
  walk([s]);
  return out;
}

function mark(maze: Maze, path: number[]): Maze {
  const cells = maze.cells.slice();
  for (const c of path) if (cells[c] === 2) cells[c] = MAZE_PATH;
  return { size: maze.size, cells };
}

const OPEN4 = parseMaze("S   \n    \n    \n   G");

Deno.test("maze: open 4×4 has 20 shortest paths; the validator accepts all 20, the label is one of them", () => {
  const paths = allShortestPaths(OPEN4);
  assert.equal(paths.length, 20); // C(6, 3)
  for (const p of paths) assert.equal(explainInvalidMazePath(OPEN4, mark(OPEN4, p)), null);
  const label = solveMaze(OPEN4)!;
  // Tie-break: up, left, right, down — so right along the top row, then down.
  assert.equal(formatMaze(label), "Sooo\n   o\n   o\n   G");
  assert.equal(mazeShortestPath(OPEN4)!.length, 7);
});

Deno.test("maze: validator accepts every shortest path of generated mazes and rejects broken ones", () => {
  const rng = new Rng(4);
  for (let seed = 0; seed < 6; seed++) {
    const { maze, solution } = generateMaze({ size: 9, minPathLength: 8, seed, wallDensity: 0.2 });
    const paths = allShortestPaths(maze);
    assert.ok(paths.length >= 1);
    for (const p of paths.slice(0, 500)) assert.ok(isValidMazePath(maze, mark(maze, p)));
    assert.ok(paths.some((p) => formatMazeLine(mark(maze, p)) === formatMazeLine(solution)));
    // Remove one path cell, or add one open cell: both wrong.
    const path = paths[rng.int(paths.length)];
    const broken = mark(maze, path);
    broken.cells[path[1 + rng.int(path.length - 2)]] = 2;
    assert.match(explainInvalidMazePath(maze, broken)!, /path cells; a shortest path has/);
    const extra = mark(maze, path);
    const open = [...extra.cells.keys()].filter((i) => extra.cells[i] === 2);
    extra.cells[open[rng.int(open.length)]] = MAZE_PATH;
    assert.equal(isValidMazePath(maze, extra), false);
  }
});

Deno.test("maze: rejects longer paths, disconnected marks, changed walls and moved endpoints", () => {
  const maze = parseMaze("S   \n ## \n    \n   G");
  // A detour: right along the top, down the right side — 6 moves, shortest is 6: valid.
  assert.equal(explainInvalidMazePath(maze, parseMaze("Sooo\n ##o\n   o\n   G")), null);
  // 8 moves: too long.
  assert.match(
    explainInvalidMazePath(maze, parseMaze("Sooo\no##o\noooo\n   G"))!,
    /9 path cells; a shortest path has 5/,
  );
  // Right count, not connected.
  assert.match(
    explainInvalidMazePath(maze, parseMaze("Soo \n ## \n  oo\n o G"))!,
    /do not connect S to G/,
  );
  assert.match(
    explainInvalidMazePath(maze, parseMaze("Sooo\n #oo\n   o\n   G"))!,
    /r2c3 changed from "#" to "o"/,
  );
  assert.match(
    explainInvalidMazePath(maze, parseMaze(" ooo\nS##o\n   o\n   G"))!,
    /changed from "S"/,
  );
  assert.match(explainInvalidMazePath(parseMaze("S#\n#G"), parseMaze("S#\n#G"))!, /unreachable/);
  assert.match(explainInvalidMazePath(maze, OPEN4)!, /changed/);
  assert.match(explainInvalidMazePath(maze, parseMaze("S#\n#G"))!, /size differs/);
  assert.equal(mazeShortestPath(parseMaze("S#\n#G")), null);
});

Deno.test("maze: parse and format round-trip; errors name line and column", () => {
  const text = "#S #\n#  #\n# G#\n####";
  const m = parseMaze(text);
  assert.equal(formatMaze(m), text);
  assert.deepEqual(parseMaze(formatMazeLine(m)), m);
  assert.throws(() => parseMaze("#S #\n#x #\n# G#\n####"), /line 2, column 2: bad character "x"/);
  assert.throws(() => parseMaze("#S #\n#  \n# G#\n####"), /line 2: 3 characters; expected 4/);
  assert.throws(() => parseMaze("#S #G"), /5 characters is not N×N/);
});

Deno.test("maze generation: path longer than the minimum, labelled path is a shortest path, reproducible", () => {
  for (const [size, min] of [[10, 12], [16, 30], [30, 110]]) {
    const g = generateMaze({ size, minPathLength: min, seed: 7 });
    assert.ok(g.pathLength > min);
    const s = g.maze.cells.indexOf(3), goal = g.maze.cells.indexOf(4);
    assert.equal(mazeDistances(g.maze, s)[goal], g.pathLength);
    assert.equal(g.solution.cells.filter((t) => t === MAZE_PATH).length, g.pathLength - 1);
    assert.ok(isValidMazePath(g.maze, g.solution));
    assert.deepEqual(solveMaze(g.maze), g.solution); // the label is the tie-break's path, no other
    assert.equal(g.maze.cells.filter((t) => t === 3).length, 1);
    assert.ok(!g.maze.cells.includes(MAZE_PATH));
    assert.deepEqual(generateMaze({ size, minPathLength: min, seed: 7 }), g);
  }
  assert.throws(() => generateMaze({ size: 4, minPathLength: 50, maxAttempts: 20 }), /no 4×4 maze/);
});

Deno.test("dihedral: numpy semantics on 2×2, 8 distinct transforms, inverses, answers stay valid", () => {
  const g = Uint8Array.from([1, 2, 3, 4]);
  const expected = [
    [1, 2, 3, 4],
    [2, 4, 1, 3],
    [4, 3, 2, 1],
    [3, 1, 4, 2],
    [2, 1, 4, 3],
    [3, 4, 1, 2],
    [1, 3, 2, 4],
    [4, 2, 3, 1],
  ];
  for (let id = 0; id < 8; id++) {
    assert.deepEqual([...dihedralTransform(g, 2, id)], expected[id], `id ${id}`);
  }
  const { maze, solution } = generateMaze({ size: 12, minPathLength: 15, seed: 2 });
  const seen = new Set<string>();
  for (let id = 0; id < 8; id++) {
    const m = transformMaze(maze, id), a = transformMaze(solution, id);
    seen.add(formatMazeLine(m));
    assert.ok(isValidMazePath(m, a));
    assert.deepEqual(untransformMaze(m, id), maze);
    assert.deepEqual(dihedralTransform(dihedralTransform(g, 2, id), 2, DIHEDRAL_INVERSE[id]), g);
  }
  assert.equal(seen.size, 8);
  const aug = augmentMaze(maze, solution, new Rng(1));
  assert.deepEqual(aug.maze, transformMaze(maze, aug.id));
  assert.ok(isValidMazePath(aug.maze, aug.answer));
});
