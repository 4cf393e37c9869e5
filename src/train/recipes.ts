/**
 * Default training recipes per task. Large mazes follow the official recipe (batch 768,
 * lr 1e-4, warmup 2000, EMA 0.999, Adam-atan2), as does 9×9 Sudoku with `kind:
 * "official"`; the Sudoku recipes and the small-maze one (side ≤ 15) are ours, sized so
 * that a CPU adapter trains them. ARC: a CPU-sized pipeline check by default (`arcTiny`),
 * the official ARC-AGI-1 settings with `kind: "official"` (preset `arc`, puzzle-embedding
 * lr 1e-2, weight decay 0.1, 1,000 augmentations per task).
 *
 * @module
 */
import { PUZZLE_TASKS, type PuzzleTask } from "../data/dataset.ts";
import type { CurriculumPhase } from "./curriculum.ts";
import type { TierPhase } from "./tiers.ts";

/** What `cli.ts train --task` trains: the generated puzzle tasks and ARC (from task files). */
export type TrainingTask = PuzzleTask | "arc";

/** The training tasks, for validation and help text. */
export const TRAINING_TASKS: readonly TrainingTask[] = [...PUZZLE_TASKS, "arc"];

/** Everything `cli.ts train` needs to know about a task by default. */
export interface TaskRecipe {
  /** Model preset name (src/model/config.ts). */
  preset: string;
  /** Changes to the preset (the CPU-sized recipes shrink the model). */
  config: Record<string, unknown>;
  /** Slots (examples per optimizer step). */
  batch: number;
  /** Optimizer steps. */
  steps: number;
  /** Peak learning rate. */
  lr: number;
  /** Warmup steps. */
  warmupSteps: number;
  /** Weight decay. */
  weightDecay: number;
  /** EMA decay. */
  emaDecay: number;
  /** Learning-rate schedule after warmup (default constant). */
  schedule?: "constant" | "cosine";
  /** Generated training puzzles (each drawn with a fresh augmentation). */
  poolSize: number;
  /** Held-out generated puzzles for periodic evaluation. */
  evalCount: number;
  /** Steps between training checkpoints. */
  checkpointEvery: number;
  /** Steps between evaluations. */
  evalEvery: number;
  /** Steps between metric reads (log lines). */
  logEvery: number;
  /** Depth curriculum: recursion counts grown during the run (absent: fixed). */
  curriculum?: CurriculumPhase[];
  /** Sudoku difficulty curriculum: tier weights over the run (absent: the mixed pool as is). */
  tiers?: TierPhase[];
  /** Sign-SGD learning rate of the puzzle embeddings (absent: lr). */
  puzzleEmbLr?: number;
  /** Weight decay of the puzzle embeddings (absent: weightDecay). */
  puzzleEmbWeightDecay?: number;
  /** ARC: random augmentations per task besides the identity (each its own puzzle id). */
  augmentations?: number;
}

/** Settings the CPU-sized recipes share (batch 64, lr 3e-3 after 50 warmup steps, EMA 0.99). */
const CPU_RECIPE = {
  config: {},
  batch: 64,
  lr: 3e-3,
  warmupSteps: 50,
  weightDecay: 0.1,
  emaDecay: 0.99,
  evalCount: 200,
  checkpointEvery: 50,
} as const;

/** The official Sudoku-Extreme / Maze-Hard settings (batch 768, lr 1e-4, EMA 0.999). */
const OFFICIAL_RECIPE = {
  config: {},
  batch: 768,
  lr: 1e-4,
  warmupSteps: 2000,
  weightDecay: 1.0,
  emaDecay: 0.999,
  poolSize: 1000,
  checkpointEvery: 200,
  evalEvery: 2000,
  logEvery: 10,
} as const;

const RECIPES: Record<TrainingTask, TaskRecipe> = {
  // The preset (one layer of width 32, no gradient-free cycle, 2 latent updates) learns
  // 4×4 Sudoku to ≥ 95% held-out exact accuracy in ~200–300 steps at batch 64 (about a
  // second a step on a 2-core CPU adapter).
  sudoku4: {
    ...CPU_RECIPE,
    preset: "sudoku4",
    steps: 400,
    poolSize: 2000,
    evalEvery: 100,
    logEvery: 10,
  },
  // The sudoku6 preset (D = 64, one layer, n = 2, T = 1) with a cosine decay and a bigger
  // pool; ~0.7 s a step at batch 64 on a 2-core CPU adapter.
  sudoku6: {
    ...CPU_RECIPE,
    preset: "sudoku6",
    steps: 3000,
    schedule: "cosine",
    poolSize: 20000,
    evalEvery: 250,
    logEvery: 25,
  },
  // The CPU recipe for 9×9 (models/README.md, sudoku9 experiment log): D = 96, T grown
  // 1 → 2 → 3 and the hard/extreme tiers brought in over the run; constant lr, so the run
  // can be extended with --resume --steps.
  sudoku9: {
    ...CPU_RECIPE,
    preset: "sudoku9Cpu",
    steps: 20000,
    lr: 2e-3,
    warmupSteps: 100,
    emaDecay: 0.995,
    poolSize: 50000,
    evalEvery: 250,
    checkpointEvery: 100,
    logEvery: 50,
    tiers: [
      { from: 0, easy: 2, medium: 2, hard: 1 },
      { from: 3000, easy: 1, medium: 2, hard: 2, extreme: 1 },
    ],
    curriculum: [
      { from: 0, tCycles: 1 },
      { from: 1500, tCycles: 2 },
      { from: 3500, tCycles: 3 },
    ],
  },
  maze: { ...OFFICIAL_RECIPE, preset: "maze", steps: 50000, evalCount: 200 },
  // ARC on a CPU: the arcTiny preset over 8 augmented copies per task, a few hundred
  // steps at batch 16 (a pipeline check, not a solver); puzzle embeddings at the
  // official 1e-2. No held-out generated set: score with cli.ts eval --task arc.
  arc: {
    ...CPU_RECIPE,
    preset: "arcTiny",
    batch: 16,
    steps: 200,
    lr: 1e-3,
    warmupSteps: 20,
    puzzleEmbLr: 1e-2,
    puzzleEmbWeightDecay: 0.1,
    augmentations: 8,
    poolSize: 1,
    evalCount: 0,
    evalEvery: 0,
    logEvery: 10,
  },
};

/**
 * Small mazes (side ≤ {@linkcode SMALL_MAZE_MAX_SIZE}): the `mazeSmall` preset (11×11) with
 * the CPU-sized settings, a cosine decay over 600 steps.
 */
const SMALL_MAZE: TaskRecipe = {
  ...CPU_RECIPE,
  preset: "mazeSmall",
  steps: 600,
  schedule: "cosine",
  poolSize: 20000,
  evalEvery: 100,
  logEvery: 25,
};

/** Largest maze side that gets the CPU-sized recipe (`mazeSmall`); larger ones get `maze`. */
export const SMALL_MAZE_MAX_SIZE = 15;

/** Side of the mazes each maze preset is built for (its seqLen is the square). */
const MAZE_PRESET_SIZE: Record<string, number> = { maze: 30, mazeSmall: 11 };

/**
 * The official recipes where ours are sized for a CPU: 9×9 Sudoku with the official
 * settings (batch 768, 65k steps; a GPU job).
 */
const OFFICIAL_RECIPES: Partial<Record<TrainingTask, TaskRecipe>> = {
  sudoku9: { ...OFFICIAL_RECIPE, preset: "sudoku9Small", steps: 65000, evalCount: 500 },
  // The official ARC-AGI-1 run (config/cfg_pretrain.yaml, README): batch 768, lr 1e-4,
  // puzzle-embedding lr 1e-2, weight decay 0.1 for both, EMA 0.999, 1,000 augmentations
  // per task; T = 3, n = 4 in the arc preset. The official trains ~3 days on 4 H100s;
  // the step count is ours (set --steps for your budget).
  arc: {
    ...OFFICIAL_RECIPE,
    preset: "arc",
    steps: 100000,
    weightDecay: 0.1,
    puzzleEmbLr: 1e-2,
    puzzleEmbWeightDecay: 0.1,
    augmentations: 1000,
    poolSize: 1,
    evalCount: 0,
    evalEvery: 0,
  },
};

/** Options of {@linkcode taskRecipe}. */
export interface TaskRecipeOptions {
  /** Maze side length (maze only; default 30). */
  mazeSize?: number;
  /** "official" picks the official settings where the default recipe is CPU-sized (sudoku9). */
  kind?: "default" | "official";
}

/**
 * The default recipe of a task (a copy: change it freely). Mazes of side ≤ 15 get the
 * CPU-sized `mazeSmall` recipe, larger ones the official one; either preset's seqLen is
 * set to size² when the size is not the preset's own.
 *
 * @example
 * ```ts ignore
 * const r = taskRecipe("maze", { mazeSize: 11 }); // r.preset === "mazeSmall"
 * ```
 */
export function taskRecipe(task: TrainingTask, options: TaskRecipeOptions = {}): TaskRecipe {
  const base = options.kind === "official" && OFFICIAL_RECIPES[task]
    ? OFFICIAL_RECIPES[task]
    : task === "maze" && (options.mazeSize ?? 30) <= SMALL_MAZE_MAX_SIZE
    ? SMALL_MAZE
    : RECIPES[task];
  if (!base) throw new RangeError(`no training recipe for task "${task}"`);
  const r = { ...base, config: { ...base.config } };
  if (task === "maze") {
    const size = options.mazeSize ?? 30;
    if (!Number.isInteger(size) || size < 2) {
      throw new RangeError(`maze size must be an integer ≥ 2, got ${size}`);
    }
    if (size !== MAZE_PRESET_SIZE[r.preset]) r.config.seqLen = size * size;
  }
  return r;
}
