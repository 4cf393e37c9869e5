/**
 * Mazes as in Maze-Hard: an N×N grid of `#` (wall), space (open), `S` (start), `G` (goal)
 * and, in answers, `o` on the path cells between S and G. Cell codes are the official tokens
 * (`# SGo` → 1..5; 0 is PAD), so a maze's `cells` are already its token sequence.
 *
 * @module
 */
import { DIHEDRAL_INVERSE, dihedralTransform } from "./dihedral.ts";
import type { Rng } from "./rng.ts";

/** Maze characters in token order: `#` = 1, space = 2, `S` = 3, `G` = 4, `o` = 5. */
export const MAZE_CHARSET = "# SGo";
/** Token of a wall. */
export const MAZE_WALL = 1;
/** Token of an open cell. */
export const MAZE_OPEN = 2;
/** Token of the start. */
export const MAZE_START = 3;
/** Token of the goal. */
export const MAZE_GOAL = 4;
/** Token of a path cell (answers only). */
export const MAZE_PATH = 5;

/** An N×N maze or maze answer; `cells[r * size + c]` holds a token 1..5. */
export interface Maze {
  /** Side length. */
  size: number;
  /** Row-major tokens (1 `#`, 2 space, 3 `S`, 4 `G`, 5 `o`). */
  cells: Uint8Array;
}

/**
 * Reads a maze from N lines of N characters or from one line of N² characters (the CSV
 * form). Throws a RangeError naming the line and problem.
 *
 * @example
 * ```ts ignore
 * const maze = parseMaze("#####\n#S  #\n# # #\n#  G#\n#####");
 * ```
 */
export function parseMaze(text: string, options: { size?: number } = {}): Maze {
  const lines = text.replace(/\r/g, "").split("\n");
  while (lines.length && lines[lines.length - 1] === "") lines.pop();
  while (lines.length && lines[0] === "") lines.shift();
  let flat: string;
  let size: number;
  if (lines.length === 1) {
    flat = lines[0];
    size = options.size ?? Math.round(Math.sqrt(flat.length));
    if (size * size !== flat.length) {
      throw new RangeError(
        `line 1: ${flat.length} characters is not N×N${
          options.size ? ` for N = ${options.size}` : ""
        }`,
      );
    }
  } else {
    size = options.size ?? lines.length;
    if (lines.length !== size) throw new RangeError(`expected ${size} lines, got ${lines.length}`);
    lines.forEach((l, i) => {
      if (l.length !== size) {
        throw new RangeError(`line ${i + 1}: ${l.length} characters; expected ${size}`);
      }
    });
    flat = lines.join("");
  }
  const cells = new Uint8Array(size * size);
  for (let i = 0; i < flat.length; i++) {
    const t = MAZE_CHARSET.indexOf(flat[i]);
    if (t < 0) {
      const where = lines.length === 1
        ? `line 1, column ${i + 1}`
        : `line ${Math.floor(i / size) + 1}, column ${(i % size) + 1}`;
      throw new RangeError(
        `${where}: bad character ${JSON.stringify(flat[i])}; use one of "# SGo"`,
      );
    }
    cells[i] = t + 1;
  }
  return { size, cells };
}

/** One line of N² characters (the CSV form). */
export function formatMazeLine(maze: Maze): string {
  let s = "";
  for (const t of maze.cells) s += MAZE_CHARSET[t - 1] ?? "?";
  return s;
}

/** N lines of N characters. */
export function formatMaze(maze: Maze): string {
  const line = formatMazeLine(maze);
  const rows: string[] = [];
  for (let r = 0; r < maze.size; r++) rows.push(line.slice(r * maze.size, (r + 1) * maze.size));
  return rows.join("\n");
}

function findToken(maze: Maze, token: number): number[] {
  const out: number[] = [];
  maze.cells.forEach((t, i) => {
    if (t === token) out.push(i);
  });
  return out;
}

/**
 * Writes the edge neighbours of `cell` in an n×n grid to `out`, in the fixed tie-break order
 * up, left, right, down (ascending index), and returns how many there are.
 *
 * @example
 * ```ts
 * import { mazeNeighbours } from "./maze.ts";
 * const out: number[] = [];
 * mazeNeighbours(3, 0, out); // 2: out = [1, 3]
 * ```
 */
export function mazeNeighbours(n: number, cell: number, out: { [i: number]: number }): number {
  const r = Math.floor(cell / n), c = cell % n;
  let k = 0;
  if (r > 0) out[k++] = cell - n;
  if (c > 0) out[k++] = cell - 1;
  if (c < n - 1) out[k++] = cell + 1;
  if (r < n - 1) out[k++] = cell + n;
  return k;
}

/**
 * BFS distances (moves) from `from` over non-wall cells, -1 where unreachable. `passable`
 * restricts the cells walked through (default: everything but walls).
 */
export function mazeDistances(
  maze: Maze,
  from: number,
  passable?: (token: number) => boolean,
): Int32Array {
  const n = maze.size;
  const ok = passable ?? ((t: number) => t !== MAZE_WALL);
  const dist = new Int32Array(n * n).fill(-1);
  const queue = new Int32Array(n * n);
  const nb = [0, 0, 0, 0];
  let head = 0, tail = 0;
  dist[from] = 0;
  queue[tail++] = from;
  while (head < tail) {
    const cell = queue[head++];
    const k = mazeNeighbours(n, cell, nb);
    for (let i = 0; i < k; i++) {
      const j = nb[i];
      if (dist[j] < 0 && ok(maze.cells[j])) {
        dist[j] = dist[cell] + 1;
        queue[tail++] = j;
      }
    }
  }
  return dist;
}

function startAndGoal(maze: Maze): { start: number; goal: number } | string {
  const s = findToken(maze, MAZE_START), g = findToken(maze, MAZE_GOAL);
  if (s.length !== 1) return `expected one S, found ${s.length}`;
  if (g.length !== 1) return `expected one G, found ${g.length}`;
  return { start: s[0], goal: g[0] };
}

/**
 * The labelled shortest path from S to G (cells in order, S and G included), or null when G
 * is unreachable. Tie-break, fixed: from each cell step to the first neighbour, in the order
 * up, left, right, down, that is one move closer to G.
 *
 * @example
 * ```ts ignore
 * const path = mazeShortestPath(maze); // path.length - 1 moves
 * ```
 */
export function mazeShortestPath(maze: Maze): number[] | null {
  const sg = startAndGoal(maze);
  if (typeof sg === "string") throw new RangeError(sg);
  const dist = mazeDistances(maze, sg.goal);
  if (dist[sg.start] < 0) return null;
  const path = [sg.start];
  const nb = [0, 0, 0, 0];
  let cell = sg.start;
  while (cell !== sg.goal) {
    const k = mazeNeighbours(maze.size, cell, nb);
    for (let i = 0; i < k; i++) {
      if (dist[nb[i]] === dist[cell] - 1) {
        cell = nb[i];
        break;
      }
    }
    path.push(cell);
  }
  return path;
}

/** The answer grid: the maze with `o` on the labelled path's cells between S and G. */
export function solveMaze(maze: Maze): Maze | null {
  const path = mazeShortestPath(maze);
  if (!path) return null;
  const cells = maze.cells.slice();
  for (let i = 1; i < path.length - 1; i++) cells[path[i]] = MAZE_PATH;
  return { size: maze.size, cells };
}

/** Why `answer` is not a shortest S→G path for `maze`, or null when it is one. */
export function explainInvalidMazePath(maze: Maze, answer: Maze): string | null {
  if (answer.size !== maze.size || answer.cells.length !== maze.cells.length) {
    return "size differs from the maze";
  }
  const sg = startAndGoal(maze);
  if (typeof sg === "string") return `maze: ${sg}`;
  let pathCells = 0;
  for (let i = 0; i < maze.cells.length; i++) {
    const q = maze.cells[i], a = answer.cells[i];
    if (a === q) continue;
    if (q === MAZE_OPEN && a === MAZE_PATH) pathCells++;
    else {
      return `cell r${Math.floor(i / maze.size) + 1}c${(i % maze.size) + 1} changed from ${
        JSON.stringify(MAZE_CHARSET[q - 1])
      } to ${JSON.stringify(MAZE_CHARSET[a - 1] ?? "?")}`;
    }
  }
  if (maze.cells.includes(MAZE_PATH)) return "maze already contains path cells";
  const shortest = mazeDistances(maze, sg.start)[sg.goal];
  if (shortest < 0) return "G is unreachable from S";
  if (pathCells !== shortest - 1) {
    return `${pathCells} path cells; a shortest path has ${shortest - 1}`;
  }
  // Exactly shortest-1 marked cells and an S→G walk of `shortest` moves through them only:
  // the walk uses every marked cell once, so the marks are exactly a shortest path.
  const along = mazeDistances(answer, sg.start, (t) => t === MAZE_PATH || t === MAZE_GOAL)[sg.goal];
  if (along !== shortest) return "path cells do not connect S to G";
  return null;
}

/**
 * True when `answer` marks (with `o`) exactly the cells of some shortest S→G path and leaves
 * every other cell as in `maze` — any shortest path counts, not only the labelled one.
 *
 * @example
 * ```ts ignore
 * isValidMazePath(maze, modelAnswer);
 * ```
 */
export function isValidMazePath(maze: Maze, answer: Maze): boolean {
  return explainInvalidMazePath(maze, answer) === null;
}

/**
 * Applies dihedral transform `id` (0..7, official numbering) to a maze and its answer.
 * The transformed answer is still a shortest path, though not always the one the tie-break
 * would label.
 */
export function transformMaze(maze: Maze, id: number): Maze {
  return { size: maze.size, cells: dihedralTransform(maze.cells, maze.size, id) };
}

/** Undoes {@linkcode transformMaze}. */
export function untransformMaze(maze: Maze, id: number): Maze {
  return transformMaze(maze, DIHEDRAL_INVERSE[id]);
}

/**
 * A random dihedral augmentation of a maze and its answer (the same transform for both).
 *
 * @example
 * ```ts ignore
 * const { maze: m, answer: a, id } = augmentMaze(maze, answer, new Rng(3));
 * ```
 */
export function augmentMaze(
  maze: Maze,
  answer: Maze,
  rng: Rng,
): { maze: Maze; answer: Maze; id: number } {
  const id = rng.int(8);
  return { maze: transformMaze(maze, id), answer: transformMaze(answer, id), id };
}
