/**
 * One batch of same-kind puzzles solved by a model: the unit the server's batcher runs,
 * either in this thread or on a worker (see `src/host/worker_solver.ts`). The request is
 * plain data (structured-clonable), and so are the answers.
 *
 * @module
 */
import type { TinyRecursiveModel } from "../model/model.ts";
import type { ArcTask } from "../puzzles/arc.ts";
import type { Maze } from "../puzzles/maze.ts";
import { arcIdentifiersOf, type ArcTaskAnswer, solveArcTasks } from "./arc.ts";
import type { SudokuGrid } from "../puzzles/sudoku_grid.ts";
import { type MazeAnswer, solveMazes } from "./maze.ts";
import type { ModelRegistry } from "./registry.ts";
import { type SolveOptions, solveSudokus, type SudokuAnswer } from "./sudoku.ts";

/** A batch to solve: all Sudoku, all mazes or ARC tasks, with one set of options. */
export type BatchRequest =
  | { kind: "sudoku"; puzzles: SudokuGrid[]; options: Omit<SolveOptions, "signal"> }
  | { kind: "maze"; puzzles: Maze[]; options: Omit<SolveOptions, "signal"> }
  | { kind: "arc"; puzzles: ArcTask[]; options: { augmentations?: number; maxSteps?: number } };

/** One answer of a batch: a Sudoku's, a maze's or an ARC task's. */
export type BatchAnswer = SudokuAnswer | MazeAnswer | ArcTaskAnswer;

/** Which puzzles of a running batch are no longer wanted (see the server's batcher). */
export interface PuzzleDrops {
  /** True once puzzle `index` is no longer wanted. */
  isDropped(index: number): boolean;
  /** Calls `listener` with a puzzle's index when it stops being wanted. */
  onDrop(listener: (index: number) => void): void;
}

/**
 * Solves batches with named models; `signal` stops a batch between supervision steps, and
 * `drops` takes single puzzles out of it (their answers are then meaningless).
 */
export interface BatchSolver {
  /** The answers, one per puzzle, in order. */
  solve(
    model: string,
    request: BatchRequest,
    signal: AbortSignal,
    drops?: PuzzleDrops,
  ): Promise<BatchAnswer[]>;
  /**
   * True when batches of different models run concurrently (each model on its own GPU
   * queue), so the batcher may run them side by side.
   */
  readonly concurrentModels: boolean;
}

/**
 * Solves `request` with `model` (on this thread). `metadata` is the model file's (an ARC
 * model's identifier names live there).
 */
export function solveBatch(
  model: TinyRecursiveModel,
  request: BatchRequest,
  signal?: AbortSignal,
  isDropped?: (index: number) => boolean,
  metadata?: Record<string, string>,
): Promise<BatchAnswer[]> {
  if (request.kind === "arc") {
    const identifiers = metadata ? arcIdentifiersOf(metadata) : undefined;
    return solveArcTasks(model, request.puzzles, { ...request.options, identifiers, signal });
  }
  const options = { ...request.options, signal, isDropped };
  return request.kind === "maze"
    ? solveMazes(model, request.puzzles, options)
    : solveSudokus(model, request.puzzles, options);
}

/**
 * The solver that runs every batch on this thread, with the registry's models (one GPU
 * queue: batches run one at a time).
 */
export function inThreadSolver(registry: ModelRegistry): BatchSolver {
  return {
    concurrentModels: false,
    async solve(name, request, signal, drops) {
      const model = await registry.model(name);
      return solveBatch(model, request, signal, drops?.isDropped, registry.metadata(name));
    },
  };
}
