/**
 * Test-time augmentation for Sudoku: each puzzle is also solved under A − 1 random
 * symmetries of the official augmentation family (digit relabelling, band/row and
 * stack/column permutations, transposition), every answer is mapped back to the puzzle's
 * frame, and the one the model's own halting head is most confident in is kept. As with
 * `samples`, the choice is the model's: never a rule check or the exact solver.
 *
 * Why: a symmetry gives the model a puzzle it sees differently (other digits, other cell
 * positions), so the A trajectories fail more independently than noisy copies of one
 * trajectory do, while the halting head, trained to say when an answer is right, picks
 * among them.
 *
 * @module
 */
import type { PredictOptions, PredictResult } from "../model/model.ts";
import {
  applySudokuTransformTokens,
  identityTransform,
  invertSudokuTransformTokens,
  randomSudokuTransform,
  type SudokuTransform,
} from "../puzzles/sudoku_augment.ts";
import type { SudokuSize } from "../puzzles/sudoku_grid.ts";
import { deriveSeed, Rng } from "../puzzles/rng.ts";

/** Most symmetries per puzzle {@linkcode predictAugmented} runs. */
export const MAX_AUGMENTATIONS = 64;

const AUGMENT_SALT = 0x510e527f;

/** What test-time augmentation needs from a model. */
export interface AugmentPredictor {
  /** Batched prediction with per-example halting. */
  predict(inputs: Int32Array, options: PredictOptions): Promise<PredictResult>;
}

/** A predict result over the original puzzles, with the symmetry each answer came from. */
export interface AugmentedResult extends PredictResult {
  /** Which symmetry answered each puzzle (0 = the puzzle as given). */
  chosenAugmentation: Int32Array;
}

/**
 * The symmetries of a run: index 0 is the identity, the others random from `seed` and their
 * index only (not the puzzle's place in the batch), so a puzzle gets the same answer alone
 * or batched.
 */
export function augmentationTransforms(
  size: SudokuSize,
  count: number,
  seed = 0,
): SudokuTransform[] {
  if (!Number.isInteger(count) || count < 1 || count > MAX_AUGMENTATIONS) {
    throw new RangeError(
      `augmentations must be an integer in [1, ${MAX_AUGMENTATIONS}], got ${count}`,
    );
  }
  return Array.from(
    { length: count },
    (_, a) =>
      a === 0
        ? identityTransform(size)
        : randomSudokuTransform(size, new Rng(deriveSeed((seed ^ AUGMENT_SALT) >>> 0, a))),
  );
}

/**
 * `model.predict` over `count` symmetries of each Sudoku in `inputs` (tokens [B, size²]),
 * keeping per puzzle the answer with the highest halting probability (ties: the lower
 * symmetry index). One predict call runs B × count puzzles (× samples trajectories). A
 * puzzle's symmetries form one halting group: with `quorum: Q` its other views stop once Q
 * of them have halted (faster; on easy 9×9 puzzles Q = 1 lets an early, over-confident wrong
 * view win); by default every view runs to its own halt.
 *
 * @example
 * ```ts ignore
 * const r = await predictAugmented(model, tokens, { haltThreshold: 0.9 }, { size: 9, count: 8 });
 * r.predictions; // [B, 81] in the puzzles' own frame; r.chosenAugmentation says which symmetry
 * ```
 */
export async function predictAugmented(
  model: AugmentPredictor,
  inputs: Int32Array,
  options: PredictOptions,
  augment: { size: SudokuSize; count: number; seed?: number; quorum?: number },
): Promise<AugmentedResult> {
  const { size, count } = augment;
  const L = size * size;
  if (inputs.length % L !== 0) {
    throw new RangeError(`${inputs.length} tokens are not whole ${size}×${size} puzzles`);
  }
  const B = inputs.length / L;
  const transforms = augmentationTransforms(size, count, augment.seed ?? options.seed ?? 0);
  const A = count;
  const expanded = new Int32Array(B * A * L);
  const scratch = new Uint8Array(L);
  for (let b = 0; b < B; b++) {
    const tokens = Uint8Array.from(inputs.subarray(b * L, (b + 1) * L));
    for (let a = 0; a < A; a++) {
      expanded.set(applySudokuTransformTokens(tokens, transforms[a], scratch), (b * A + a) * L);
    }
  }
  const isDropped = options.isDropped;
  const r = await model.predict(expanded, {
    ...options,
    puzzleIds: options.puzzleIds &&
      Int32Array.from({ length: B * A }, (_, i) => options.puzzleIds![Math.floor(i / A)]),
    isDropped: isDropped && ((i) => isDropped(Math.floor(i / A))),
    // A puzzle's views are one group (predict checks the quorum against it).
    haltGroup: A,
    haltQuorum: augment.quorum ?? A,
  });
  const predictions = new Int32Array(B * L);
  const exitSteps = new Int32Array(B);
  const haltProbs = new Float32Array(B);
  const chosenSample = new Int32Array(B);
  const chosenAugmentation = new Int32Array(B);
  const trace: Int32Array[][] | undefined = r.trace ? [] : undefined;
  for (let b = 0; b < B; b++) {
    let best = 0;
    for (let a = 1; a < A; a++) {
      if (r.haltProbs[b * A + a] > r.haltProbs[b * A + best]) best = a;
    }
    const i = b * A + best;
    const t = transforms[best];
    predictions.set(
      invertSudokuTransformTokens(r.predictions.subarray(i * L, (i + 1) * L), t),
      b * L,
    );
    exitSteps[b] = r.exitSteps[i];
    haltProbs[b] = r.haltProbs[i];
    chosenSample[b] = r.chosenSample?.[i] ?? 0;
    chosenAugmentation[b] = best;
    if (trace) trace.push(r.trace![i].map((step) => invertSudokuTransformTokens(step, t)));
  }
  return { predictions, exitSteps, haltProbs, chosenSample, chosenAugmentation, trace };
}
