/**
 * The in-memory token dataset every reader produces: N examples of `seqLen` tokens each,
 * inputs and labels row-major, plus the official grouping arrays when known.
 *
 * @module
 */

/** Puzzle tasks with generators and CSV files. */
export type PuzzleTask = "sudoku4" | "sudoku6" | "sudoku9" | "maze";

/** The tasks, for validation and help text. */
export const PUZZLE_TASKS: readonly PuzzleTask[] = ["sudoku4", "sudoku6", "sudoku9", "maze"];

/** Metadata as in the official `dataset.json` (extra fields are kept as read). */
export interface DatasetMetadata {
  /** Padding token (0). */
  pad_id: number;
  /** Label value the loss ignores (0 in the official sets), or null. */
  ignore_label_id: number | null;
  /** Puzzle-identifier id of "no identifier". */
  blank_identifier_id: number;
  /** Tokens 0..vocab_size-1. */
  vocab_size: number;
  /** Tokens per example. */
  seq_len: number;
  /** Distinct puzzle identifiers. */
  num_puzzle_identifiers: number;
  /** Groups (original puzzles, each with its augmentations). */
  total_groups: number;
  /** Mean examples per puzzle. */
  mean_puzzle_examples: number;
  /** Set names in the split ("all"). */
  sets: string[];
  /** Other fields of the file, kept as read. */
  [extra: string]: unknown;
}

/** Examples as token sequences. */
export interface TokenDataset {
  /** Number of examples. */
  count: number;
  /** Tokens per example. */
  seqLen: number;
  /** Inputs, `count × seqLen`, row-major. */
  inputs: Uint8Array;
  /** Labels, `count × seqLen`, row-major. */
  labels: Uint8Array;
  /** Metadata (from dataset.json, or built for our files). */
  metadata: DatasetMetadata;
  /** Puzzle identifier per puzzle (official layout). */
  puzzleIdentifiers?: Int32Array;
  /** Example ranges of each puzzle: puzzle i owns examples [puzzleIndices[i], puzzleIndices[i+1]). */
  puzzleIndices?: Int32Array;
  /** Puzzle ranges of each group: group g owns puzzles [groupIndices[g], groupIndices[g+1]). */
  groupIndices?: Int32Array;
  /** Per-example rating (our CSV files). */
  ratings?: Float64Array;
  /** The task, when known. */
  task?: PuzzleTask;
}

/** Official-style metadata for `count` single-example puzzles. */
export function defaultMetadata(seqLen: number, vocabSize: number, count: number): DatasetMetadata {
  return {
    pad_id: 0,
    ignore_label_id: 0,
    blank_identifier_id: 0,
    vocab_size: vocabSize,
    seq_len: seqLen,
    num_puzzle_identifiers: 1,
    total_groups: count,
    mean_puzzle_examples: 1,
    sets: ["all"],
  };
}

/** Example `i`'s input and label (views, no copy). */
export function datasetExample(
  data: TokenDataset,
  i: number,
): { input: Uint8Array; label: Uint8Array } {
  if (!(i >= 0 && i < data.count)) {
    throw new RangeError(`example ${i} is outside 0..${data.count - 1}`);
  }
  const a = i * data.seqLen, b = a + data.seqLen;
  return { input: data.inputs.subarray(a, b), label: data.labels.subarray(a, b) };
}
