/**
 * The official ARC augmentations (build_arc_dataset.py `aug`): one of the 8 dihedral
 * transforms (numbered as `dihedral.ts`, on rectangular grids) after a permutation of the
 * colours 1–9 (0, the background, stays 0). Each (task, augmentation) is its own puzzle
 * with its own identifier, named as the official `identifiers.json` does: the task name
 * for the identity, `name|||t{id}|||{colour map}` otherwise. The inverse maps a
 * prediction made on an augmented copy back to the task's own frame for voting.
 *
 * The official also translates the grids on the canvas while training (a random top-left
 * offset shared by input and output, for all but one example of each puzzle); that lives
 * in the training stream (src/train/arc_data.ts), since it does not change the puzzle.
 *
 * @module
 */
import type { ArcGrid, ArcPair, ArcTask } from "./arc.ts";
import { arcGridKey } from "./arc.ts";
import { DIHEDRAL_INVERSE } from "./dihedral.ts";
import type { Rng } from "./rng.ts";

/** Separator of the official augmented puzzle names. */
export const ARC_ID_SEPARATOR = "|||";

/** One augmentation: colours first (`colours[c]` is c's new colour), then a dihedral transform. */
export interface ArcAugmentation {
  /** Dihedral transform id 0–7 (numpy semantics, see dihedral.ts). */
  dihedral: number;
  /** Colour map of length 10 with `colours[0] === 0`. */
  colours: Uint8Array;
}

/** The identity augmentation. */
export function identityArcAugmentation(): ArcAugmentation {
  return { dihedral: 0, colours: Uint8Array.from({ length: 10 }, (_, i) => i) };
}

/** True for the identity (the task's own puzzle). */
export function isIdentityArcAugmentation(aug: ArcAugmentation): boolean {
  return aug.dihedral === 0 && aug.colours.every((c, i) => c === i);
}

/** A uniformly random augmentation of the official family (8 × 9! of them). */
export function randomArcAugmentation(rng: Rng): ArcAugmentation {
  const dihedral = rng.int(8);
  const colours = Uint8Array.from([0, ...rng.permutation(9).map((c) => c + 1)]);
  return { dihedral, colours };
}

/**
 * Transform `id` of a rows×cols grid, as numpy's rot90 (counter-clockwise), fliplr, flipud
 * and transposes do; 1, 3, 6 and 7 swap the sides.
 */
export function dihedralGrid(grid: ArcGrid, id: number): ArcGrid {
  const { rows: R, cols: C, cells } = grid;
  const swap = id === 1 || id === 3 || id === 6 || id === 7;
  const rows = swap ? C : R, cols = swap ? R : C;
  const out = new Uint8Array(cells.length);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      let r: number, c: number; // source cell of result (i, j)
      switch (id) {
        case 0:
          [r, c] = [i, j];
          break;
        case 1:
          [r, c] = [j, C - 1 - i];
          break;
        case 2:
          [r, c] = [R - 1 - i, C - 1 - j];
          break;
        case 3:
          [r, c] = [R - 1 - j, i];
          break;
        case 4:
          [r, c] = [i, C - 1 - j];
          break;
        case 5:
          [r, c] = [R - 1 - i, j];
          break;
        case 6:
          [r, c] = [j, i];
          break;
        case 7:
          [r, c] = [R - 1 - j, C - 1 - i];
          break;
        default:
          throw new RangeError(`dihedral transform id ${id} is not in 0..7`);
      }
      out[i * cols + j] = cells[r * C + c];
    }
  }
  return { rows, cols, cells: out };
}

/** Applies an augmentation to a grid: colour map, then the dihedral transform. */
export function applyArcAugmentation(grid: ArcGrid, aug: ArcAugmentation): ArcGrid {
  const mapped = { ...grid, cells: grid.cells.map((c) => aug.colours[c]) };
  return dihedralGrid(mapped, aug.dihedral);
}

/** Undoes an augmentation (inverse transform, then the inverse colour map). */
export function invertArcAugmentation(grid: ArcGrid, aug: ArcAugmentation): ArcGrid {
  const back = dihedralGrid(grid, DIHEDRAL_INVERSE[aug.dihedral]);
  const inverse = new Uint8Array(10);
  for (let c = 0; c < 10; c++) inverse[aug.colours[c]] = c;
  return { ...back, cells: back.cells.map((c) => inverse[c]) };
}

/**
 * The official puzzle name of a task's augmented copy: the task name for the identity,
 * `name|||t{dihedral}|||{colour map digits}` otherwise.
 *
 * @example
 * ```ts
 * import { arcPuzzleName, parseArcPuzzleName } from "./arc_augment.ts";
 * const name = arcPuzzleName("007bbfb7", { dihedral: 3, colours: Uint8Array.from([0, 2, 1, 3, 4, 5, 6, 7, 8, 9]) });
 * console.log(name, parseArcPuzzleName(name).task); // 007bbfb7|||t3|||0213456789 007bbfb7
 * ```
 */
export function arcPuzzleName(task: string, aug: ArcAugmentation): string {
  if (isIdentityArcAugmentation(aug)) return task;
  const s = ARC_ID_SEPARATOR;
  return `${task}${s}t${aug.dihedral}${s}${aug.colours.join("")}`;
}

/** The task and augmentation of an official puzzle name (see {@linkcode arcPuzzleName}). */
export function parseArcPuzzleName(name: string): { task: string; aug: ArcAugmentation } {
  const parts = name.split(ARC_ID_SEPARATOR);
  if (parts.length < 3) return { task: name, aug: identityArcAugmentation() };
  const [t, perm] = parts.slice(-2);
  const dihedral = Number(t.slice(1));
  const colours = Uint8Array.from(perm, Number);
  const sorted = [...colours].sort((a, b) => a - b).join("");
  if (
    t[0] !== "t" || !(dihedral >= 0 && dihedral < 8) || colours.length !== 10 ||
    sorted !== "0123456789"
  ) {
    throw new RangeError(`"${name}" is not an augmented ARC puzzle name`);
  }
  return { task: parts.slice(0, -2).join(ARC_ID_SEPARATOR), aug: { dihedral, colours } };
}

/** Applies an augmentation to every pair of a task (outputs included where present). */
export function augmentArcPairs(pairs: readonly ArcPair[], aug: ArcAugmentation): ArcPair[] {
  return pairs.map((p) => ({
    input: applyArcAugmentation(p.input, aug),
    ...(p.output ? { output: applyArcAugmentation(p.output, aug) } : {}),
  }));
}

/** A key equal for augmented copies that are the same puzzle (the official duplicate check). */
function taskKey(pairs: readonly ArcPair[]): string {
  return pairs.map((p) => `${arcGridKey(p.input)}|${p.output ? arcGridKey(p.output) : ""}`)
    .sort().join("/");
}

/**
 * The identity plus up to `count` random augmentations of a task whose augmented pairs
 * differ from every earlier copy's (the official duplicate check, with its 5 × count
 * tries: a symmetric or two-colour task may get fewer).
 *
 * @example
 * ```ts ignore
 * const augs = arcTaskAugmentations(task, 8, new Rng(deriveSeed(seed, i))); // augs[0]: identity
 * ```
 */
export function arcTaskAugmentations(
  task: Pick<ArcTask, "train" | "test">,
  count: number,
  rng: Rng,
): ArcAugmentation[] {
  const pairs = [...task.train, ...task.test];
  const out = [identityArcAugmentation()];
  const seen = new Set([taskKey(pairs)]);
  for (let trial = 0; trial < 5 * count && out.length < count + 1; trial++) {
    const aug = randomArcAugmentation(rng);
    const key = taskKey(augmentArcPairs(pairs, aug));
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(aug);
  }
  return out;
}
