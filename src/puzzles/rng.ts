/**
 * The seeded PRNG, where the puzzle code has always imported it from; it lives in
 * src/util/rng.ts, shared with model initialisation and training.
 *
 * @module
 */
export { deriveSeed, Rng } from "../util/rng.ts";
