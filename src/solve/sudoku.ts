/**
 * Solving Sudoku with a model: encode the puzzles, one `model.predict` call, decode, and
 * check each answer by the rules. The model's answer is reported as it is — never
 * replaced by the exact solver — with `valid: false` and the reason when it breaks a rule.
 *
 * @module
 */
import type { ModelConfig } from "../model/config.ts";
import type { PredictOptions, PredictResult } from "../model/model.ts";
import { decodeSudoku, encodeSudoku } from "../puzzles/encoding.ts";
import { formatSudokuLine, type SudokuGrid, type SudokuSize } from "../puzzles/sudoku_grid.ts";
import { explainInvalidSolution } from "../puzzles/sudoku_validate.ts";
import { predictAugmented } from "./augment.ts";

/** What solving needs from a model (a {@linkcode TinyRecursiveModel} or a stand-in). */
export interface Predictor {
  /** The model configuration (seqLen, vocabSize, maxSupervisionSteps are read). */
  readonly config: Pick<ModelConfig, "seqLen" | "vocabSize" | "maxSupervisionSteps">;
  /** Batched prediction with per-example halting. */
  predict(inputs: Int32Array, options: PredictOptions): Promise<PredictResult>;
}

/** Options of {@linkcode solveSudokus}. */
export interface SolveOptions {
  /** Cap on supervision steps (default: the model's maxSupervisionSteps). */
  maxSteps?: number;
  /** Halt an example once sigmoid(q_halt) exceeds this (default 0.9). */
  haltThreshold?: number;
  /** Keep the answer after every supervision step. */
  trace?: boolean;
  /** Trajectories per puzzle, chosen by the halting head's confidence (default 1). */
  samples?: number;
  /** Latent noise of the sampled trajectories (default: the model's default). */
  noise?: number;
  /** Seed of that noise and of the symmetries (default 0). */
  seed?: number;
  /**
   * Symmetries per puzzle (test-time augmentation, default 1): the puzzle as given and A-1
   * random relabellings/permutations; the halting head's confidence picks the answer.
   */
  augment?: number;
  /** Stops between supervision steps once aborted (throws the signal's reason). */
  signal?: AbortSignal;
  /**
   * Asked between supervision steps: true drops that puzzle from the batch (its answer is
   * then meaningless; the caller no longer wants it).
   */
  isDropped?: (index: number) => boolean;
}

/** One puzzle's answer. */
export interface SudokuAnswer {
  /** The puzzle as given. */
  puzzle: SudokuGrid;
  /** The model's answer (cells the model left blank or padded are 0). */
  solution: SudokuGrid;
  /** True when the answer keeps the givens and breaks no rule. */
  valid: boolean;
  /** Why it is not valid (null when valid). */
  problem: string | null;
  /** Supervision steps run (1-based exit step). */
  steps: number;
  /** True when the halting head stopped it (false: it ran to the step cap). */
  halted: boolean;
  /** sigmoid(q_halt) at the exit step. */
  haltProb: number;
  /** Which trajectory gave the answer (0 = the plain one). */
  sample: number;
  /** Which symmetry gave the answer (0 = the puzzle as given). */
  augmentation: number;
  /** With `trace`: the answer after each step, `steps` grids. */
  trace?: SudokuGrid[];
}

/** An answer's grids as lines of digits (0 = blank), as the CLI and the server print them. */
export interface SudokuAnswerDigits {
  /** The puzzle. */
  puzzle: string;
  /** The model's answer. */
  solution: string;
  /** With a trace: the answer after each step. */
  trace?: string[];
}

/** The grids of an answer as lines of digits (the trace only when asked and present). */
export function answerDigits(answer: SudokuAnswer, trace = true): SudokuAnswerDigits {
  const digits = (g: SudokuGrid) => formatSudokuLine(g, { blank: "0" });
  return {
    puzzle: digits(answer.puzzle),
    solution: digits(answer.solution),
    ...(trace && answer.trace ? { trace: answer.trace.map(digits) } : {}),
  };
}

/** Why `config` cannot solve `size`×`size` Sudoku, or null when it can. */
export function sudokuModelMismatch(
  config: Pick<ModelConfig, "seqLen" | "vocabSize">,
  size: SudokuSize,
): string | null {
  if (config.seqLen === size * size && config.vocabSize === size + 2) return null;
  return `the model takes ${config.seqLen} cells with ${config.vocabSize} tokens; ${size}×${size} Sudoku needs ${
    size * size
  } cells with ${size + 2} tokens`;
}

/** Token ids of the puzzles, row-major [B, size²] (0 PAD, 1 blank, d+1 digit d). */
export function encodeSudokuBatch(puzzles: readonly SudokuGrid[]): Int32Array {
  const n = puzzles[0]?.cells.length ?? 0;
  const out = new Int32Array(puzzles.length * n);
  puzzles.forEach((p, b) => {
    if (p.cells.length !== n) throw new RangeError("a batch must hold puzzles of one size");
    out.set(encodeSudoku(p), b * n);
  });
  return out;
}

/** The `predict` options of a solve (defaults: the model's N_sup, halting at 0.9). */
export function predictOptions(
  model: Predictor,
  options: SolveOptions,
): PredictOptions & { haltThreshold: number } {
  return {
    maxRefinementSteps: options.maxSteps ?? model.config.maxSupervisionSteps,
    haltThreshold: options.haltThreshold ?? 0.9,
    trace: options.trace ?? false,
    samples: options.samples,
    noise: options.noise,
    seed: options.seed,
    signal: options.signal,
    isDropped: options.isDropped,
  };
}

/** Turns a predict result back into answers, checking each by the rules. */
export function decodeSudokuAnswers(
  puzzles: readonly SudokuGrid[],
  result: PredictResult & { chosenAugmentation?: Int32Array },
  haltThreshold: number,
): SudokuAnswer[] {
  return puzzles.map((puzzle, b) => {
    const n = puzzle.cells.length;
    const solution = decodeSudoku(result.predictions.subarray(b * n, (b + 1) * n), puzzle.size);
    const problem = explainInvalidSolution(puzzle, solution);
    const answer: SudokuAnswer = {
      puzzle,
      solution,
      valid: problem === null,
      problem,
      steps: result.exitSteps[b],
      halted: result.haltProbs[b] > haltThreshold,
      haltProb: result.haltProbs[b],
      sample: result.chosenSample?.[b] ?? 0,
      augmentation: result.chosenAugmentation?.[b] ?? 0,
    };
    if (result.trace) answer.trace = result.trace[b].map((t) => decodeSudoku(t, puzzle.size));
    return answer;
  });
}

/**
 * Solves same-size puzzles in one batched `predict` call.
 *
 * @example
 * ```ts ignore
 * const [answer] = await solveSudokus(model, [puzzle], { trace: true });
 * console.log(answer.valid, answer.steps, formatSudokuGrid(answer.solution));
 * ```
 */
export async function solveSudokus(
  model: Predictor,
  puzzles: readonly SudokuGrid[],
  options: SolveOptions = {},
): Promise<SudokuAnswer[]> {
  if (puzzles.length === 0) return [];
  const size = puzzles[0].size;
  const mismatch = sudokuModelMismatch(model.config, size);
  if (mismatch) throw new RangeError(mismatch);
  const predict = predictOptions(model, options);
  const tokens = encodeSudokuBatch(puzzles);
  const result = (options.augment ?? 1) > 1
    ? await predictAugmented(model, tokens, predict, { size, count: options.augment! })
    : await model.predict(tokens, predict);
  return decodeSudokuAnswers(puzzles, result, predict.haltThreshold);
}
