/**
 * The ARC puzzle table: every (task, augmentation) is a puzzle with its own identifier
 * (1, 2, …; 0 is the blank identifier, as in the official `identifiers.json`, whose list
 * of names {@linkcode ArcPuzzleSet.identifiers} reproduces). A model trained on the table
 * keeps the names in its file, so evaluation finds each test input's trained embeddings.
 *
 * @module
 */
import type { ArcPair, ArcTask } from "./arc.ts";
import {
  type ArcAugmentation,
  arcPuzzleName,
  arcTaskAugmentations,
  augmentArcPairs,
  parseArcPuzzleName,
} from "./arc_augment.ts";
import { deriveSeed, Rng } from "./rng.ts";

/** Name of identifier 0 (no trained embedding). */
export const ARC_BLANK_IDENTIFIER = "<blank>";

/** One augmented copy of a task. */
export interface ArcPuzzle {
  /** Puzzle identifier (≥ 1). */
  id: number;
  /** Official name (task, or task|||t…|||colours). */
  name: string;
  /** Task name. */
  task: string;
  /** The augmentation that made it from the task. */
  aug: ArcAugmentation;
  /** Its training pairs, augmented (all with outputs). */
  pairs: ArcPair[];
}

/** Puzzles and the identifier names in id order. */
export interface ArcPuzzleSet {
  /** The puzzles, in id order (puzzles[i].id === i + 1). */
  puzzles: ArcPuzzle[];
  /** Names by identifier; `identifiers[0]` is `<blank>`. */
  identifiers: string[];
}

/** A task and which of its pairs train. */
export interface ArcTrainingTask {
  /** The task. */
  task: ArcTask;
  /**
   * Whether its test pairs (with outputs) train too: yes for the training split, never for
   * a task whose test inputs are scored (the official uses only their demonstrations).
   */
  useTest: boolean;
}

/**
 * The puzzle table of some tasks: each task's identity plus up to `augmentations` distinct
 * random augmentations (task i draws from `deriveSeed(seed, i)`), identifiers in order.
 *
 * @example
 * ```ts ignore
 * const set = buildArcPuzzles([{ task, useTest: true }], { augmentations: 8, seed: 0 });
 * set.identifiers; // ["<blank>", "007bbfb7", "007bbfb7|||t5|||0…", …]
 * ```
 */
export function buildArcPuzzles(
  tasks: readonly ArcTrainingTask[],
  options: { augmentations: number; seed: number },
): ArcPuzzleSet {
  const puzzles: ArcPuzzle[] = [];
  const identifiers = [ARC_BLANK_IDENTIFIER];
  tasks.forEach(({ task, useTest }, i) => {
    const pairs = [...task.train, ...(useTest ? task.test.filter((p) => p.output) : [])];
    const augs = arcTaskAugmentations(
      task,
      options.augmentations,
      new Rng(deriveSeed(options.seed, i)),
    );
    for (const aug of augs) {
      const name = arcPuzzleName(task.name, aug);
      puzzles.push({
        id: identifiers.length,
        name,
        task: task.name,
        aug,
        pairs: augmentArcPairs(pairs, aug),
      });
      identifiers.push(name);
    }
  });
  return { puzzles, identifiers };
}

/** Each task's trained copies (identifier and augmentation), from an identifier list. */
export function arcIdentifierIndex(
  identifiers: readonly string[],
): Map<string, { id: number; aug: ArcAugmentation }[]> {
  const index = new Map<string, { id: number; aug: ArcAugmentation }[]>();
  identifiers.forEach((name, id) => {
    if (id === 0 || name === ARC_BLANK_IDENTIFIER) return;
    const { task, aug } = parseArcPuzzleName(name);
    let list = index.get(task);
    if (!list) index.set(task, list = []);
    list.push({ id, aug });
  });
  return index;
}
