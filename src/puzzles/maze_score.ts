/**
 * Scoring a model's maze answer beyond exact match: is it a valid S→G path at all, and is it
 * a shortest one? A model may mark a different shortest path than the labelled one (still
 * right) or a longer detour (a valid path, not a shortest one).
 *
 * @module
 */
import {
  type Maze,
  MAZE_GOAL,
  MAZE_OPEN,
  MAZE_PATH,
  MAZE_START,
  mazeNeighbours,
  mazeShortestPath,
} from "./maze.ts";

/** How an answer to a maze scores. */
export interface MazeAnswerScore {
  /** The `o` cells form one S→G path (see {@linkcode scoreMazeAnswer}). */
  valid: boolean;
  /** Valid, and as short as the shortest S→G path. */
  shortest: boolean;
  /** Moves of the answer's path (path cells + 1), or -1 when it is not valid. */
  moves: number;
}

/** Search steps after which a set of marks counts as "not a path" (only large blobs need as many). */
const SEARCH_BUDGET = 200_000;

const INVALID: MazeAnswerScore = { valid: false, shortest: false, moves: -1 };

/**
 * Scores `answer` against `maze`. Valid means: every cell that is not open in the maze is
 * unchanged, open cells stay open or become `o`, and the `o` cells can be walked in one
 * simple path S → o → … → o → G (edge-adjacent moves, each `o` exactly once). Shortest
 * means valid with as many moves as {@linkcode mazeShortestPath}. Tokens outside 1..5 (e.g.
 * PAD from a model's argmax) make the answer invalid rather than throw.
 *
 * @example
 * ```ts ignore
 * const { valid, shortest } = scoreMazeAnswer(maze, { size: maze.size, cells: predicted });
 * ```
 */
export function scoreMazeAnswer(maze: Maze, answer: Maze): MazeAnswerScore {
  const n = maze.size, cells = maze.cells, marked = answer.cells;
  if (answer.size !== n || marked.length !== cells.length) return INVALID;
  let start = -1, goal = -1, starts = 0, goals = 0, marks = 0;
  for (let i = 0; i < cells.length; i++) {
    const q = cells[i], a = marked[i];
    if (q === MAZE_START) {
      start = i;
      starts++;
    } else if (q === MAZE_GOAL) {
      goal = i;
      goals++;
    } else if (q === MAZE_PATH) return INVALID; // a question never holds path cells
    if (a === q) continue;
    if (q === MAZE_OPEN && a === MAZE_PATH) marks++;
    else return INVALID;
  }
  if (starts !== 1 || goals !== 1) return INVALID;
  if (!walkThroughAllMarks(n, marked, start, goal, marks)) return INVALID;
  const shortest = mazeShortestPath(maze);
  const moves = marks + 1;
  return { valid: true, shortest: shortest !== null && moves === shortest.length - 1, moves };
}

/** Whether a simple walk start → (every marked cell once) → goal exists. */
function walkThroughAllMarks(
  n: number,
  cells: Uint8Array,
  start: number,
  goal: number,
  marks: number,
): boolean {
  const isMark = (i: number) => cells[i] === MAZE_PATH;
  const nb = new Int32Array(4);
  // Every mark is an interior cell of the walk, so it needs two neighbours among marks, S, G.
  for (let i = 0; i < cells.length; i++) {
    if (!isMark(i)) continue;
    let deg = 0;
    const k = mazeNeighbours(n, i, nb);
    for (let j = 0; j < k; j++) if (isMark(nb[j]) || nb[j] === start || nb[j] === goal) deg++;
    if (deg < 2) return false;
  }
  // Fast path (every shortest path, every path that never touches itself): a shortest
  // S→G walk through marks with marks + 1 moves visits distinct cells, hence every mark once.
  const dist = new Int32Array(cells.length).fill(-1);
  const queue = new Int32Array(cells.length);
  let head = 0, tail = 0;
  dist[start] = 0;
  queue[tail++] = start;
  while (head < tail) {
    const cell = queue[head++];
    if (cell === goal) continue;
    const k = mazeNeighbours(n, cell, nb);
    for (let j = 0; j < k; j++) {
      const x = nb[j];
      if (dist[x] < 0 && (isMark(x) || x === goal)) {
        dist[x] = dist[cell] + 1;
        queue[tail++] = x;
      }
    }
  }
  if (dist[goal] < 0) return false;
  // Every mark must hang off S's component (no stray marks elsewhere).
  for (let i = 0; i < cells.length; i++) if (isMark(i) && dist[i] < 0) return false;
  if (dist[goal] === marks + 1) return true;
  // The grid is bipartite and the walk alternates colours, so the move count's parity is fixed.
  const colour = (i: number) => (Math.floor(i / n) + (i % n)) & 1;
  if (((colour(start) + colour(goal)) & 1) !== ((marks + 1) & 1)) return false;
  // A path that touches itself: depth-first search for a Hamiltonian walk over the marks.
  const used = new Uint8Array(cells.length);
  let budget = SEARCH_BUDGET;
  const search = (cell: number, left: number): boolean => {
    if (--budget < 0) return false;
    const out = new Int32Array(4);
    const k = mazeNeighbours(n, cell, out);
    for (let j = 0; j < k; j++) {
      const x = out[j];
      if (x === goal) {
        if (left === 0) return true;
      } else if (isMark(x) && !used[x]) {
        used[x] = 1;
        if (search(x, left - 1)) return true;
        used[x] = 0;
      }
    }
    return false;
  };
  return search(start, marks);
}
