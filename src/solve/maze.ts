/**
 * Solving mazes with a model: the maze's cells are already its tokens (`# SGo` → 1..5),
 * one batched `model.predict` call, and each answer checked: it must mark exactly the
 * cells of a shortest S→G path (any shortest path counts) and change nothing else. The
 * model's answer is reported as it is, never replaced by the BFS solver.
 *
 * @example
 * ```ts
 * import { parseMaze } from "../puzzles/maze.ts";
 * import { loadShippedModel } from "./shipped.ts";
 * import { solveMazes } from "./maze.ts";
 * const model = await loadShippedModel("maze7");
 * const maze = parseMaze("#######\n#S    #\n# ### #\n#   # #\n### # #\n#G    #\n#######");
 * const [answer] = await solveMazes(model, [maze]);
 * console.log(answer.valid, answer.problem);
 * model.dispose();
 * ```
 *
 * @module
 */
import type { ModelConfig } from "../model/config.ts";
import { MAZE_VOCAB_SIZE } from "../puzzles/encoding.ts";
import { explainInvalidMazePath, type Maze } from "../puzzles/maze.ts";
import { predictOptions, type Predictor, type SolveOptions } from "./sudoku.ts";

/** One maze's answer. */
export interface MazeAnswer {
  /** The maze as given. */
  maze: Maze;
  /** The model's answer (`o` on the cells it puts on the path). */
  solution: Maze;
  /** True when the answer marks a shortest S→G path and changes nothing else. */
  valid: boolean;
  /** Why it is not valid (null when valid). */
  problem: string | null;
  /** Supervision steps run. */
  steps: number;
  /** True when the halting head stopped it before the cap. */
  halted: boolean;
  /** sigmoid(q_halt) at the exit step. */
  haltProb: number;
  /** Which trajectory gave the answer (0 = the plain one). */
  sample: number;
  /** With `trace`: the answer after each step. */
  trace?: Maze[];
}

/** Why `config` cannot solve `size`×`size` mazes, or null when it can. */
export function mazeModelMismatch(
  config: Pick<ModelConfig, "seqLen" | "vocabSize">,
  size: number,
): string | null {
  if (config.seqLen === size * size && config.vocabSize === MAZE_VOCAB_SIZE) return null;
  return `the model takes ${config.seqLen} cells with ${config.vocabSize} tokens; ${size}×${size} mazes need ${
    size * size
  } cells with ${MAZE_VOCAB_SIZE} tokens`;
}

/** Solves same-size mazes in one batched `predict` call. */
export async function solveMazes(
  model: Predictor,
  mazes: readonly Maze[],
  options: SolveOptions = {},
): Promise<MazeAnswer[]> {
  if (mazes.length === 0) return [];
  const size = mazes[0].size;
  const mismatch = mazeModelMismatch(model.config, size);
  if (mismatch) throw new RangeError(mismatch);
  const n = size * size;
  const inputs = new Int32Array(mazes.length * n);
  mazes.forEach((m, b) => {
    if (m.size !== size) throw new RangeError("solveMazes: mazes of one size per call");
    inputs.set(m.cells, b * n);
  });
  const predict = predictOptions(model, options);
  const haltThreshold = predict.haltThreshold;
  const result = await model.predict(inputs, predict);
  const toMaze = (tokens: ArrayLike<number>): Maze => ({
    size,
    // PAD (0) or anything outside 1..5 becomes a wall: it can only make the answer invalid.
    cells: Uint8Array.from(tokens, (t) => (t >= 1 && t <= 5 ? t : 1)),
  });
  return mazes.map((maze, b) => {
    const solution = toMaze(result.predictions.subarray(b * n, (b + 1) * n));
    const problem = explainInvalidMazePath(maze, solution);
    return {
      maze,
      solution,
      valid: problem === null,
      problem,
      steps: result.exitSteps[b],
      halted: result.haltProbs[b] > haltThreshold,
      haltProb: result.haltProbs[b],
      sample: result.chosenSample?.[b] ?? 0,
      ...(result.trace ? { trace: result.trace[b].map(toMaze) } : {}),
    };
  });
}
