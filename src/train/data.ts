/**
 * Training data streams. A stream is a pure function of (seed, sample index): the batch of
 * optimizer step t holds samples (t-1)·B … t·B-1, so a resumed run needs only the step to
 * continue exactly where it stopped. Samples are drawn from a pool of puzzles (generated,
 * or read from a file, like the official 1,000 puzzles × 1,000 augmentations) and
 * augmented with a fresh random transform each time.
 *
 * @module
 */
import type { PuzzleTask, TokenDataset } from "../data/dataset.ts";
import { dihedralTransform } from "../puzzles/dihedral.ts";
import { encodeMaze, encodeSudoku, MAZE_VOCAB_SIZE, sudokuVocabSize } from "../puzzles/encoding.ts";
import { generateMaze } from "../puzzles/maze_generate.ts";
import { deriveSeed, Rng } from "../puzzles/rng.ts";
import { applySudokuTransformTokens, randomSudokuTransform } from "../puzzles/sudoku_augment.ts";
import {
  generateSudoku,
  SUDOKU_DIFFICULTIES,
  type SudokuDifficulty,
} from "../puzzles/sudoku_generate.ts";
import type { SudokuSize } from "../puzzles/sudoku_grid.ts";

/** One batch of examples on the host. */
export interface TrainingBatch {
  /** Input tokens [B·L], row-major. */
  inputs: Int32Array;
  /** Label tokens [B·L], row-major. */
  labels: Int32Array;
  /** Puzzle identifiers [B] (absent: all 0). */
  puzzleIds?: Int32Array;
}

/** An endless, reproducible stream of training batches. */
export interface BatchSource {
  /** Tokens per example. */
  readonly seqLen: number;
  /** Vocabulary size the tokens need. */
  readonly vocabSize: number;
  /** Examples `start … start+count-1` of the stream (a pure function of the indices). */
  examples(start: number, count: number): TrainingBatch;
}

/** A pool of examples: token rows of inputs and labels (e.g. a {@linkcode TokenDataset}). */
export type ExamplePool = Pick<TokenDataset, "count" | "seqLen" | "inputs" | "labels"> & {
  puzzleIdentifiers?: Int32Array;
  puzzleIndices?: Int32Array;
};

/** A random augmentation of one example (both token rows get the same transform). */
export type Augment = (input: Uint8Array, label: Uint8Array, rng: Rng) => [Uint8Array, Uint8Array];

/** The official Sudoku augmentation: digit permutation, transpose, band/row and stack/column permutations. */
export function sudokuAugment(size: SudokuSize): Augment {
  return (input, label, rng) => {
    const t = randomSudokuTransform(size, rng);
    return [applySudokuTransformTokens(input, t), applySudokuTransformTokens(label, t)];
  };
}

/** The official maze augmentation: one of the 8 dihedral transforms. */
export function mazeAugment(size: number): Augment {
  return (input, label, rng) => {
    const id = rng.int(8);
    return [dihedralTransform(input, size, id), dihedralTransform(label, size, id)];
  };
}

/** Options of {@linkcode poolSource}. */
export interface PoolSourceOptions {
  /** Stream seed. */
  seed: number;
  /** Vocabulary size (for validation and the model). */
  vocabSize: number;
  /** Random transform applied to each draw; none = the pool rows as they are. */
  augment?: Augment;
  /** Questions (see {@linkcode exampleKey}) never to emit, e.g. a held-out evaluation set. */
  exclude?: ReadonlySet<string>;
  /** Pool label meaning "no label" (official datasets: 0 = PAD); default 0. */
  ignoreLabel?: number;
  /** What such labels become (the model's ignoreIndex); default -100. */
  ignoreIndex?: number;
  /**
   * Chooses the pool row of sample `index` from its generator (default: uniform); e.g.
   * {@linkcode tieredRowPicker} for a difficulty curriculum. Must be a pure function of
   * (generator, index) so that a resumed run draws the same samples.
   */
  pickRow?: (rng: Rng, index: number) => number;
}

/** A key identifying an example's question (for exclusion sets). */
export function exampleKey(input: ArrayLike<number>): string {
  return String.fromCharCode(...Array.from(input, (t) => 48 + t));
}

/**
 * A stream that draws sample i from `pool` with its own generator (`deriveSeed(seed, i)`):
 * a uniformly random row, then a random augmentation; a draw whose question is in
 * `exclude` is redrawn from the same generator.
 *
 * @example
 * ```ts ignore
 * const source = poolSource(pool, { seed: 1, vocabSize: 6, augment: sudokuAugment(4) });
 * const batch = source.examples(0, 64);
 * ```
 */
export function poolSource(pool: ExamplePool, options: PoolSourceOptions): BatchSource {
  const { seqLen, count } = pool;
  if (count < 1) throw new RangeError("the training pool is empty");
  const puzzleIdOf = puzzleIdLookup(pool);
  const ignoreLabel = options.ignoreLabel ?? 0, ignoreIndex = options.ignoreIndex ?? -100;
  return {
    seqLen,
    vocabSize: options.vocabSize,
    examples(start: number, n: number): TrainingBatch {
      const inputs = new Int32Array(n * seqLen);
      const labels = new Int32Array(n * seqLen);
      const puzzleIds = new Int32Array(n);
      for (let s = 0; s < n; s++) {
        const rng = new Rng(deriveSeed(options.seed, start + s));
        let input: Uint8Array = new Uint8Array(0), label: Uint8Array = new Uint8Array(0), row = 0;
        for (let attempt = 0; attempt < 1000; attempt++) {
          row = options.pickRow ? options.pickRow(rng, start + s) : rng.int(count);
          input = pool.inputs.subarray(row * seqLen, (row + 1) * seqLen);
          label = pool.labels.subarray(row * seqLen, (row + 1) * seqLen);
          if (options.augment) [input, label] = options.augment(input, label, rng);
          if (!options.exclude?.has(exampleKey(input))) break;
          if (attempt === 999) {
            throw new Error("could not draw a training example outside the excluded set");
          }
        }
        inputs.set(input, s * seqLen);
        for (let t = 0; t < seqLen; t++) {
          labels[s * seqLen + t] = label[t] === ignoreLabel ? ignoreIndex : label[t];
        }
        puzzleIds[s] = puzzleIdOf(row);
      }
      return { inputs, labels, puzzleIds };
    },
  };
}

/** The puzzle identifier of each pool row (official layout), or 0 without one. */
export function puzzleIdLookup(pool: ExamplePool): (row: number) => number {
  const ids = pool.puzzleIdentifiers, idx = pool.puzzleIndices;
  if (!ids || !idx) return () => 0;
  return (row) => {
    // Puzzle p owns rows [idx[p], idx[p+1]): binary search.
    let lo = 0, hi = ids.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (idx[mid] <= row) lo = mid;
      else hi = mid - 1;
    }
    return ids[lo];
  };
}

/** Options of {@linkcode generatePool}. */
export interface GeneratePoolOptions {
  /** Puzzles to generate. */
  count: number;
  /** Seed; puzzle i uses `deriveSeed(seed, i)`. */
  seed: number;
  /** Sudoku tier (default mixed). */
  difficulty?: SudokuDifficulty | "mixed";
  /** Maze side (default 30). */
  mazeSize?: number;
}

/**
 * Generates `count` puzzles of a task as a token pool (Sudoku: digit + 1, blank 1, and each
 * puzzle's tier index into SUDOKU_DIFFICULTIES as `tiers`; maze:
 * `# SGo` → 1..5), each from its own seed.
 *
 * @example
 * ```ts ignore
 * const evalSet = generatePool("sudoku4", { count: 200, seed: 99 });
 * ```
 */
export function generatePool(
  task: PuzzleTask,
  options: GeneratePoolOptions,
): ExamplePool & { vocabSize: number; tiers?: Uint8Array } {
  const { count, seed } = options;
  if (task === "maze") {
    const size = options.mazeSize ?? 30;
    const seqLen = size * size;
    const inputs = new Uint8Array(count * seqLen), labels = new Uint8Array(count * seqLen);
    for (let i = 0; i < count; i++) {
      const g = generateMaze({ size, seed: deriveSeed(seed, i) });
      inputs.set(encodeMaze(g.maze), i * seqLen);
      labels.set(encodeMaze(g.solution), i * seqLen);
    }
    return { count, seqLen, inputs, labels, vocabSize: MAZE_VOCAB_SIZE };
  }
  const size = sudokuSizeOf(task);
  const seqLen = size * size;
  const inputs = new Uint8Array(count * seqLen), labels = new Uint8Array(count * seqLen);
  const tiers = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const g = generateSudoku({
      size,
      difficulty: options.difficulty ?? "mixed",
      seed: deriveSeed(seed, i),
    });
    inputs.set(encodeSudoku(g.puzzle), i * seqLen);
    labels.set(encodeSudoku(g.solution), i * seqLen);
    tiers[i] = SUDOKU_DIFFICULTIES.indexOf(g.difficulty);
  }
  return { count, seqLen, inputs, labels, vocabSize: sudokuVocabSize(size), tiers };
}

/** The Sudoku side length of a task ("sudoku9" → 9). */
export function sudokuSizeOf(task: PuzzleTask): SudokuSize {
  const size = Number(task.replace("sudoku", ""));
  if (size !== 4 && size !== 6 && size !== 9) throw new RangeError(`${task} is not a Sudoku task`);
  return size;
}

/** The official augmentation of a task. */
export function taskAugment(task: PuzzleTask, seqLen: number): Augment {
  return task === "maze"
    ? mazeAugment(Math.round(Math.sqrt(seqLen)))
    : sudokuAugment(sudokuSizeOf(task));
}

/** The set of question keys of a pool (to keep it out of a training stream). */
export function poolKeys(pool: ExamplePool): Set<string> {
  const keys = new Set<string>();
  for (let i = 0; i < pool.count; i++) {
    keys.add(exampleKey(pool.inputs.subarray(i * pool.seqLen, (i + 1) * pool.seqLen)));
  }
  return keys;
}
