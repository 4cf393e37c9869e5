/**
 * Random-wall mazes filtered by shortest-path length, as Maze-Hard (30×30, path > 110): walls
 * placed independently with probability `wallDensity` (near the percolation threshold, where
 * open regions are long and winding), S at one end of a long path found by a double BFS
 * sweep, G drawn among the cells farther than `minPathLength` moves; layouts without such a
 * cell are rejected. Seeded and reproducible.
 *
 * @module
 */
import {
  type Maze,
  MAZE_GOAL,
  MAZE_OPEN,
  MAZE_START,
  MAZE_WALL,
  mazeDistances,
  solveMaze,
} from "./maze.ts";
import { Rng } from "./rng.ts";

/** Options of {@linkcode generateMaze}. */
export interface GenerateMazeOptions {
  /** Side length (default 30). */
  size?: number;
  /** Keep only mazes whose shortest path is longer than this many moves (default {@linkcode defaultMinPathLength}). */
  minPathLength?: number;
  /** Seed (default 0). */
  seed?: number;
  /** A generator to draw from instead of `seed`. */
  rng?: Rng;
  /** Probability of a wall per cell (default 0.35, which gave the most long paths at 30×30). */
  wallDensity?: number;
  /** Layouts tried before giving up with an error (default 100000). */
  maxAttempts?: number;
}

/** A generated maze, its labelled answer and the shortest path length in moves. */
export interface GeneratedMaze {
  /** The question (`#`, space, `S`, `G`). */
  maze: Maze;
  /** The answer: the maze with `o` on the labelled shortest path. */
  solution: Maze;
  /** Moves from S to G along a shortest path. */
  pathLength: number;
}

/** Maze-Hard's threshold scaled by area: 110 at 30×30, 12 at 10×10. */
export function defaultMinPathLength(size: number): number {
  return Math.floor((110 * size * size) / 900);
}

/**
 * Generates one maze whose shortest S→G path is longer than `minPathLength` moves.
 *
 * @example
 * ```ts ignore
 * const { maze, solution, pathLength } = generateMaze({ size: 30, minPathLength: 110, seed: 1 });
 * console.log(formatMaze(solution));
 * ```
 */
export function generateMaze(options: GenerateMazeOptions = {}): GeneratedMaze {
  const n = options.size ?? 30;
  if (!Number.isInteger(n) || n < 2) {
    throw new RangeError(`maze size must be an integer ≥ 2, got ${n}`);
  }
  const minPath = options.minPathLength ?? defaultMinPathLength(n);
  const density = options.wallDensity ?? 0.35;
  const rng = options.rng ?? new Rng(options.seed ?? 0);
  const maxAttempts = options.maxAttempts ?? 100000;
  const cells = new Uint8Array(n * n);
  const maze: Maze = { size: n, cells };
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const open: number[] = [];
    for (let i = 0; i < n * n; i++) {
      const wall = rng.next() < density;
      cells[i] = wall ? MAZE_WALL : MAZE_OPEN;
      if (!wall) open.push(i);
    }
    if (open.length < 2) continue;
    // Double sweep: the farthest cell from a random cell is an end of a long path.
    const d0 = mazeDistances(maze, open[rng.int(open.length)]);
    let end = -1;
    for (let i = 0; i < d0.length; i++) if (d0[i] >= 0 && (end < 0 || d0[i] > d0[end])) end = i;
    const d1 = mazeDistances(maze, end);
    const far: number[] = [];
    for (let i = 0; i < d1.length; i++) if (d1[i] > minPath) far.push(i);
    if (far.length === 0) continue;
    let start = end, goal = far[rng.int(far.length)];
    if (rng.next() < 0.5) [start, goal] = [goal, start];
    cells[start] = MAZE_START;
    cells[goal] = MAZE_GOAL;
    const question: Maze = { size: n, cells: cells.slice() };
    return {
      maze: question,
      solution: solveMaze(question)!,
      pathLength: d1[start === end ? goal : start],
    };
  }
  throw new Error(
    `no ${n}×${n} maze with a path longer than ${minPath} after ${maxAttempts} layouts`,
  );
}
