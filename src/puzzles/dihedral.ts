/**
 * The 8 dihedral transforms of a square grid, numbered as the official `dihedral_transform`
 * (0 identity, 1 rot90, 2 rot180, 3 rot270 — numpy's counter-clockwise `rot90` — 4 flip
 * left-right, 5 flip up-down, 6 transpose, 7 anti-transpose), used for maze augmentation.
 *
 * @module
 */

/** Inverse of each transform id (rot90 ↔ rot270; the rest are their own inverse). */
export const DIHEDRAL_INVERSE: readonly number[] = [0, 3, 2, 1, 4, 5, 6, 7];

/** Row-major source index of result cell (i, j) under transform `id` on an n×n grid. */
export function dihedralSource(id: number, n: number, i: number, j: number): number {
  const m = n - 1;
  switch (id) {
    case 0:
      return i * n + j;
    case 1:
      return j * n + (m - i);
    case 2:
      return (m - i) * n + (m - j);
    case 3:
      return (m - j) * n + i;
    case 4:
      return i * n + (m - j);
    case 5:
      return (m - i) * n + j;
    case 6:
      return j * n + i;
    case 7:
      return (m - j) * n + (m - i);
    default:
      throw new RangeError(`dihedral transform id ${id} is not in 0..7`);
  }
}

/**
 * Applies dihedral transform `id` to a row-major n×n grid (any element type).
 *
 * @example
 * ```ts ignore
 * const rotated = dihedralTransform(maze.cells, maze.size, 1); // numpy rot90
 * dihedralTransform(rotated, maze.size, DIHEDRAL_INVERSE[1]); // back to the original
 * ```
 */
export function dihedralTransform<T extends Uint8Array | Int32Array | Float32Array>(
  grid: T,
  n: number,
  id: number,
): T {
  if (grid.length !== n * n) throw new RangeError(`expected ${n * n} cells, got ${grid.length}`);
  const out = new (grid.constructor as new (len: number) => T)(grid.length);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) out[i * n + j] = grid[dihedralSource(id, n, i, j)];
  }
  return out;
}
