/**
 * Puzzles: Sudoku (4×4, 6×6, 9×9) parsing, solving, validation, rating, generation and
 * augmentation; mazes (generation, shortest paths, validation, dihedral augmentation); the
 * official token encodings; ARC tasks (parsing, the 30×30 encoding, dihedral × colour
 * augmentations, the puzzle identifier table); a seeded PRNG.
 *
 * @module
 */
export * from "./rng.ts";
export * from "./sudoku_grid.ts";
export * from "./sudoku_parse.ts";
export * from "./sudoku_solve.ts";
export * from "./sudoku_validate.ts";
export * from "./sudoku_rate.ts";
export * from "./sudoku_generate.ts";
export * from "./sudoku_augment.ts";
export * from "./sudoku_fingerprint.ts";
export * from "./maze.ts";
export * from "./maze_generate.ts";
export * from "./maze_score.ts";
export * from "./dihedral.ts";
export * from "./encoding.ts";
export * from "./arc.ts";
export * from "./arc_augment.ts";
export * from "./arc_puzzles.ts";
