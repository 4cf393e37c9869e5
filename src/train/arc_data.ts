/**
 * The ARC training stream: sample i draws, with its own generator, a puzzle (a task's
 * augmented copy, with its identifier) and one of its pairs, and encodes both grids on
 * the 30×30 canvas at one random offset (the official translation augmentation). As in
 * build_arc_dataset.py, one pair of each puzzle is never translated: it stays at the
 * top-left corner, where evaluation puts every grid. PAD labels become the ignore index;
 * the end-of-grid markers are labels, so the model learns where the answer ends.
 *
 * @module
 */
import { ARC_MAX_SIZE, ARC_SEQ_LEN, ARC_VOCAB_SIZE, encodeArcGrid } from "../puzzles/arc.ts";
import type { ArcPuzzle } from "../puzzles/arc_puzzles.ts";
import { deriveSeed, Rng } from "../puzzles/rng.ts";
import type { BatchSource, TrainingBatch } from "./data.ts";

/** Options of {@linkcode arcSource}. */
export interface ArcSourceOptions {
  /** Stream seed. */
  seed: number;
  /** The model's ignore index for PAD labels (default -100). */
  ignoreIndex?: number;
  /** Random offsets on the canvas (default true, as the official training split). */
  translate?: boolean;
}

const FIXED_PAIR_SALT = 0x46495844;

/**
 * An endless, reproducible stream over ARC puzzles (see the module comment).
 *
 * @example
 * ```ts ignore
 * const { puzzles } = buildArcPuzzles(tasks, { augmentations: 8, seed: 0 });
 * const batch = arcSource(puzzles, { seed: 1 }).examples(0, 16); // puzzleIds per row
 * ```
 */
export function arcSource(puzzles: readonly ArcPuzzle[], options: ArcSourceOptions): BatchSource {
  if (!puzzles.length) throw new RangeError("no ARC puzzles to train on");
  const ignoreIndex = options.ignoreIndex ?? -100;
  const translate = options.translate ?? true;
  const L = ARC_SEQ_LEN;
  const fixedSeed = deriveSeed(options.seed, FIXED_PAIR_SALT);
  return {
    seqLen: L,
    vocabSize: ARC_VOCAB_SIZE,
    examples(start: number, n: number): TrainingBatch {
      const inputs = new Int32Array(n * L), labels = new Int32Array(n * L);
      const puzzleIds = new Int32Array(n);
      for (let s = 0; s < n; s++) {
        const rng = new Rng(deriveSeed(options.seed, start + s));
        const puzzle = puzzles[rng.int(puzzles.length)];
        const k = rng.int(puzzle.pairs.length);
        const { input, output } = puzzle.pairs[k];
        // The puzzle's untranslated pair, fixed by the seed (the official draws it once).
        const fixed = deriveSeed(fixedSeed, puzzle.id) % puzzle.pairs.length;
        let rowOffset = 0, colOffset = 0;
        if (translate && k !== fixed) {
          rowOffset = rng.int(ARC_MAX_SIZE - Math.max(input.rows, output!.rows) + 1);
          colOffset = rng.int(ARC_MAX_SIZE - Math.max(input.cols, output!.cols) + 1);
        }
        inputs.set(encodeArcGrid(input, { rowOffset, colOffset }), s * L);
        const label = encodeArcGrid(output!, { rowOffset, colOffset });
        for (let t = 0; t < L; t++) labels[s * L + t] = label[t] === 0 ? ignoreIndex : label[t];
        puzzleIds[s] = puzzle.id;
      }
      return { inputs, labels, puzzleIds };
    },
  };
}
