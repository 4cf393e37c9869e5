/**
 * Solving ARC tasks as the official evaluation does: every test input is run in several
 * augmented copies (batched), each copy's prediction is decoded, mapped back through its
 * inverse augmentation, and the copies vote (src/solve/arc_vote.ts). A copy uses its
 * trained puzzle embedding when the model's file lists it (`arc_identifiers` metadata,
 * the official identifiers.json list); a task the model never saw gets random
 * augmentations with the blank identifier 0 (no task-specific embedding), which is far
 * weaker: the official model learns each evaluation task's embedding from its
 * demonstration pairs at training time.
 *
 * @module
 */
import type { TinyRecursiveModel } from "../model/model.ts";
import {
  ARC_SEQ_LEN,
  ARC_VOCAB_SIZE,
  type ArcGrid,
  type ArcTask,
  decodeArcGrid,
  encodeArcGrid,
} from "../puzzles/arc.ts";
import {
  applyArcAugmentation,
  type ArcAugmentation,
  arcTaskAugmentations,
  invertArcAugmentation,
} from "../puzzles/arc_augment.ts";
import { arcIdentifierIndex } from "../puzzles/arc_puzzles.ts";
import { deriveSeed, Rng } from "../puzzles/rng.ts";
import { type ArcCandidate, rankArcVotes } from "./arc_vote.ts";

/** Metadata key of a model file's ARC identifier names (JSON list, index = identifier). */
export const ARC_IDENTIFIERS_KEY = "arc_identifiers";

/** Options of {@linkcode solveArcTasks}. */
export interface ArcSolveOptions {
  /** Copies per test input, the identity included (default 8; fewer when a task has fewer). */
  augmentations?: number;
  /** The model's identifier names (from its file); absent: every copy uses identifier 0. */
  identifiers?: readonly string[];
  /** Seed of the augmentations of unknown tasks (default 0). */
  seed?: number;
  /** Copies per model call (default 32). */
  batchSize?: number;
  /** Supervision steps (default the model's N_sup; all run, as the official evaluation). */
  maxSteps?: number;
  /** After each model call: copies done and in all. */
  onProgress?: (done: number, total: number) => void;
  /** Stops between supervision steps once aborted (throws the signal's reason). */
  signal?: AbortSignal;
}

/** The vote on one test input. */
export interface ArcTestAnswer {
  /** Distinct predictions, best first. */
  ranked: ArcCandidate[];
  /** The two attempts (the top two candidates; the first twice when there is one). */
  attempts: ArcGrid[];
}

/** One task's answers. */
export interface ArcTaskAnswer {
  /** Task name. */
  name: string;
  /** Per test input, the vote. */
  tests: ArcTestAnswer[];
  /** Copies run per test input. */
  copies: number;
  /** Whether the copies used trained puzzle identifiers (false: blank id 0). */
  trainedIds: boolean;
  /** Supervision steps each copy ran. */
  steps: number;
}

/**
 * FNV-1a of a task name: an unseen task's copies follow from its name, so `eval` and
 * `solve` (and any `--limit`) give it the same augmentations.
 */
function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Why a model cannot solve ARC tasks, or undefined when it can. */
export function arcModelMismatch(model: TinyRecursiveModel): string | undefined {
  const c = model.config;
  if (c.seqLen !== ARC_SEQ_LEN) {
    return `it has seqLen ${c.seqLen}; ARC grids are encoded as ${ARC_SEQ_LEN} tokens (30×30)`;
  }
  if (c.vocabSize < ARC_VOCAB_SIZE) {
    return `its vocabulary has ${c.vocabSize} tokens; ARC needs ${ARC_VOCAB_SIZE}`;
  }
  return undefined;
}

/** The ARC identifier names a model file carries (its metadata), or undefined. */
export function arcIdentifiersOf(metadata: Record<string, string>): string[] | undefined {
  const text = metadata[ARC_IDENTIFIERS_KEY];
  if (!text) return undefined;
  const list = JSON.parse(text);
  if (!Array.isArray(list) || !list.every((s) => typeof s === "string")) {
    throw new RangeError(`the model's ${ARC_IDENTIFIERS_KEY} metadata is not a list of names`);
  }
  return list;
}

/**
 * Runs every test input of every task in its augmented copies and votes.
 *
 * @example
 * ```ts ignore
 * const [answer] = await solveArcTasks(model, [task], { augmentations: 8 });
 * answer.tests[0].attempts[0]; // the top-voted grid
 * ```
 */
export async function solveArcTasks(
  model: TinyRecursiveModel,
  tasks: readonly ArcTask[],
  options: ArcSolveOptions = {},
): Promise<ArcTaskAnswer[]> {
  const mismatch = arcModelMismatch(model);
  if (mismatch) throw new RangeError(`the model cannot solve ARC tasks: ${mismatch}`);
  const K = Math.max(1, options.augmentations ?? 8);
  const index = options.identifiers ? arcIdentifierIndex(options.identifiers) : undefined;
  const limitIds = model.config.numPuzzleIdentifiers;
  // The copies of each task: its trained ones (identity first, as they were built), else
  // fresh random ones on the blank identifier.
  const plans = tasks.map((task) => {
    const trained = index?.get(task.name)?.filter((c) => c.id < limitIds);
    if (trained?.length) return { copies: trained.slice(0, K), trainedIds: true };
    const augs = arcTaskAugmentations(
      { train: task.train, test: task.test.map((p) => ({ input: p.input })) },
      K - 1,
      new Rng(deriveSeed(options.seed ?? 0, nameHash(task.name))),
    );
    return { copies: augs.map((aug) => ({ id: 0, aug })), trainedIds: false };
  });
  interface Query {
    task: number;
    test: number;
    aug: ArcAugmentation;
    id: number;
  }
  const queries: Query[] = [];
  tasks.forEach((task, t) =>
    task.test.forEach((_, i) => {
      for (const c of plans[t].copies) queries.push({ task: t, test: i, aug: c.aug, id: c.id });
    })
  );
  const votes = tasks.map((task) =>
    task.test.map(() => [] as { grid: ArcGrid; confidence: number }[])
  );
  const B = Math.max(1, options.batchSize ?? 32);
  const L = model.config.seqLen;
  for (let at = 0; at < queries.length; at += B) {
    const chunk = queries.slice(at, at + B);
    const inputs = new Int32Array(chunk.length * L);
    chunk.forEach((q, k) => {
      const grid = applyArcAugmentation(tasks[q.task].test[q.test].input, q.aug);
      inputs.set(encodeArcGrid(grid), k * L);
    });
    // haltThreshold 1 never halts early: every copy runs all steps, as the official
    // evaluation; the last step's halting probability is the copy's confidence.
    const r = await model.predict(inputs, {
      maxRefinementSteps: options.maxSteps,
      haltThreshold: 1,
      puzzleIds: Int32Array.from(chunk, (q) => q.id),
      signal: options.signal,
    });
    chunk.forEach((q, k) => {
      const decoded = decodeArcGrid(r.predictions.subarray(k * L, (k + 1) * L));
      votes[q.task][q.test].push({
        grid: invertArcAugmentation(decoded, q.aug),
        confidence: r.haltProbs[k],
      });
    });
    options.onProgress?.(at + chunk.length, queries.length);
  }
  return tasks.map((task, t) => ({
    name: task.name,
    copies: plans[t].copies.length,
    trainedIds: plans[t].trainedIds,
    steps: options.maxSteps ?? model.config.maxSupervisionSteps,
    tests: votes[t].map((v) => {
      const ranked = rankArcVotes(v);
      const attempts = ranked.slice(0, 2).map((c) => c.grid);
      while (attempts.length < 2 && attempts.length > 0) attempts.push(attempts[0]);
      return { ranked, attempts };
    }),
  }));
}
