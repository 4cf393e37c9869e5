/**
 * The model configuration: the user's options plus the official TRM ones, validated
 * with zod, and the named presets that reproduce the official configurations.
 *
 * @module
 */
import { z } from "zod";

/** A fully specified model configuration (every default filled in). */
export interface ModelConfig {
  /** Token vocabulary size including PAD (Sudoku 9×9: 11). */
  vocabSize: number;
  /** Hidden size D. */
  dim: number;
  /** Transformer/mixer blocks in the one shared net. */
  numLayers: number;
  /** Attention heads (head size = dim / numHeads). */
  numHeads: number;
  /** Grid tokens per example (Sudoku 9×9: 81), without the puzzle-embedding prefix. */
  seqLen: number;
  /** n: latent updates per cycle. */
  nRecursions: number;
  /** T: cycles per supervision step (T-1 without gradient, 1 with). */
  tCycles: number;
  /** Replace attention by an MLP over the sequence axis (TRM-MLP). */
  useMlpMixer: boolean;
  /** Dropout on each sub-block's output while training (official: 0). */
  dropout: number;
  /** SwiGLU expansion factor (inner size = round_up_256(round(expansion·D·2/3))). */
  expansion: number;
  /** Puzzle-embedding prefix tokens (official 16; 0 disables the prefix). */
  puzzleEmbLen: number;
  /** Distinct puzzle identifiers with a learned embedding (Sudoku: 1). */
  numPuzzleIdentifiers: number;
  /** Positional encoding: RoPE (official attention), none (official Sudoku-MLP), learned. */
  posEncoding: "rope" | "none" | "learned";
  /** RoPE base. */
  ropeBase: number;
  /** RMSNorm placement: post (official) or pre. */
  normPlacement: "post" | "pre";
  /** RMSNorm epsilon. */
  rmsNormEps: number;
  /** Halting head: official q-head on position 0, or the user's mean-pooled head. */
  haltHead: "official" | "meanPooled";
  /** Task loss. */
  lossKind: "stablemax" | "softmax";
  /** Label id excluded from the loss. */
  ignoreIndex: number;
  /** N_sup: maximum supervision steps (training halts by then; prediction's default cap). */
  maxSupervisionSteps: number;
  /** Probability that a training slot draws a minimum step count (exploration). */
  haltExplorationProb: number;
}

/** What users pass: only `vocabSize` is required; everything else has the official default. */
export type ModelConfigInput = Partial<ModelConfig> & { vocabSize: number };

/** Zod schema of {@linkcode ModelConfig}; defaults are the official TRM numerics. */
export const ModelConfigSchema: z.ZodType<ModelConfig, ModelConfigInput> = z.object({
  /** Token vocabulary size including PAD (Sudoku 9×9: 11). */
  vocabSize: z.number().int().min(2).max(65536),
  /** Hidden size D. */
  dim: z.number().int().min(2).max(8192).default(512),
  /** Transformer/mixer blocks in the one shared net. */
  numLayers: z.number().int().min(1).max(64).default(2),
  /** Attention heads (head size = dim / numHeads). */
  numHeads: z.number().int().min(1).max(256).default(8),
  /** Grid tokens per example (Sudoku 9×9: 81), without the puzzle-embedding prefix. */
  seqLen: z.number().int().min(1).max(4096).default(81),
  /** n: latent updates per cycle. */
  nRecursions: z.number().int().min(1).max(64).default(6),
  /** T: cycles per supervision step (T-1 without gradient, 1 with). */
  tCycles: z.number().int().min(1).max(64).default(3),
  /** Replace attention by an MLP over the sequence axis (TRM-MLP). */
  useMlpMixer: z.boolean().default(false),
  /** Dropout on each sub-block's output while training (official: 0). */
  dropout: z.number().min(0).max(0.95).default(0),
  /** SwiGLU expansion factor (inner size = round_up_256(round(expansion·D·2/3))). */
  expansion: z.number().positive().max(64).default(4),
  /** Puzzle-embedding prefix tokens (official 16; 0 disables the prefix). */
  puzzleEmbLen: z.number().int().min(0).max(1024).default(16),
  /** Distinct puzzle identifiers with a learned embedding (Sudoku: 1). */
  numPuzzleIdentifiers: z.number().int().min(1).max(10_000_000).default(1),
  /** Positional encoding: RoPE (official attention), none (official Sudoku-MLP), learned. */
  posEncoding: z.enum(["rope", "none", "learned"]).default("rope"),
  /** RoPE base. */
  ropeBase: z.number().positive().default(10000),
  /** RMSNorm placement: post (official) or pre. */
  normPlacement: z.enum(["post", "pre"]).default("post"),
  /** RMSNorm epsilon. */
  rmsNormEps: z.number().positive().max(1).default(1e-5),
  /** Halting head: official q-head on position 0, or the user's mean-pooled head. */
  haltHead: z.enum(["official", "meanPooled"]).default("official"),
  /** Task loss. */
  lossKind: z.enum(["stablemax", "softmax"]).default("stablemax"),
  /** Label id excluded from the loss. */
  ignoreIndex: z.number().int().default(-100),
  /** N_sup: maximum supervision steps (training halts by then; prediction's default cap). */
  maxSupervisionSteps: z.number().int().min(1).max(256).default(16),
  /** Probability that a training slot draws a minimum step count (exploration). */
  haltExplorationProb: z.number().min(0).max(1).default(0.1),
}).refine((c) => c.dim % c.numHeads === 0, {
  message: "dim must be divisible by numHeads",
  path: ["numHeads"],
}).refine((c) => c.useMlpMixer || c.posEncoding !== "rope" || (c.dim / c.numHeads) % 2 === 0, {
  message: "RoPE needs an even head size (dim / numHeads)",
  path: ["posEncoding"],
});

/** Thrown for a configuration that does not validate; the message names every problem. */
export class ModelConfigError extends Error {
  /**
   * Creates the error.
   *
   * @param message the problems, one per line
   */
  constructor(message: string) {
    super(message);
    this.name = "ModelConfigError";
  }
}

/**
 * Validates a configuration and fills in defaults.
 *
 * @example
 * ```ts
 * import { parseModelConfig } from "./config.ts";
 * const config = parseModelConfig({ vocabSize: 11 });
 * console.log(config.dim); // 512
 * ```
 */
export function parseModelConfig(input: ModelConfigInput): ModelConfig {
  const result = ModelConfigSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((i) =>
      `${i.path.join(".") || "config"}: ${i.message}`
    );
    throw new ModelConfigError(`invalid model config: ${problems.join("; ")}`);
  }
  return result.data;
}

/** Official SwiGLU inner size: round(expansion·n·2/3) rounded up to a multiple of 256. */
export function swigluHidden(expansion: number, size: number): number {
  return Math.ceil(Math.round(expansion * size * 2 / 3) / 256) * 256;
}

/** Derived sizes the kernels need. */
export function derivedSizes(config: ModelConfig): {
  headDim: number;
  prefixLen: number;
  totalSeqLen: number;
  hidden: number;
  tokenHidden: number;
} {
  const prefixLen = config.puzzleEmbLen;
  const totalSeqLen = prefixLen + config.seqLen;
  return {
    headDim: config.dim / config.numHeads,
    prefixLen,
    totalSeqLen,
    hidden: swigluHidden(config.expansion, config.dim),
    tokenHidden: swigluHidden(config.expansion, totalSeqLen),
  };
}

const SUDOKU9 = { vocabSize: 11, seqLen: 81, puzzleEmbLen: 16, numPuzzleIdentifiers: 1 } as const;

/**
 * The CPU-sized TRM-MLP shared by the small presets: one layer, n = 2, T = 1, N_sup = 4, no
 * puzzle-embedding prefix. Each preset adds its vocabulary, sequence and width.
 */
const CPU_MLP = {
  puzzleEmbLen: 0,
  numLayers: 1,
  numHeads: 2,
  useMlpMixer: true,
  posEncoding: "none",
  nRecursions: 2,
  tCycles: 1,
  maxSupervisionSteps: 4,
} as const;

/**
 * Named configurations. `sudokuMlp` and `sudokuAttention` are the official
 * Sudoku-Extreme models; `maze` the official Maze-Hard attention model; the small ones
 * train on a CPU in minutes.
 *
 * @example
 * ```ts ignore
 * const model = await TinyRecursiveModel.create(presets.sudokuMlp);
 * console.log(model.numParameters()); // 5028866
 * ```
 */
export const presets: Readonly<Record<string, ModelConfigInput>> = Object.freeze({
  /** TRM-MLP for 9×9 Sudoku (paper: 87.4% on Sudoku-Extreme), 5,028,866 parameters. */
  sudokuMlp: {
    ...SUDOKU9,
    dim: 512,
    numLayers: 2,
    numHeads: 8,
    useMlpMixer: true,
    posEncoding: "none",
  },
  /** TRM-attention for 9×9 Sudoku, 6,828,034 parameters. */
  sudokuAttention: { ...SUDOKU9, dim: 512, numLayers: 2, numHeads: 8, posEncoding: "rope" },
  /** TRM-attention for 30×30 Maze-Hard (vocab 6, 900 cells). */
  maze: { vocabSize: 6, seqLen: 900, puzzleEmbLen: 16, dim: 512, numLayers: 2, numHeads: 8 },
  /**
   * TRM-attention for ARC-AGI-1 (the paper's ~7M model, 44.6%): 30×30 canvas (vocab 12:
   * PAD, end-of-grid, 10 colours), T = 3, n = 4 as the official ARC run; set
   * numPuzzleIdentifiers to the training set's (task, augmentation) count + 1.
   */
  arc: {
    vocabSize: 12,
    seqLen: 900,
    puzzleEmbLen: 16,
    dim: 512,
    numLayers: 2,
    numHeads: 8,
    posEncoding: "rope",
    tCycles: 3,
    nRecursions: 4,
  },
  /**
   * ARC at a size a CPU adapter can step through (`cli.ts train --task arc`): D = 32, one
   * attention layer (an MLP over 900 positions would dwarf the rest), a one-token puzzle
   * embedding, n = 2, T = 1, N_sup = 4. Far too small to solve ARC; it exercises the
   * pipeline.
   */
  arcTiny: {
    vocabSize: 12,
    seqLen: 900,
    puzzleEmbLen: 1,
    dim: 32,
    numLayers: 1,
    numHeads: 2,
    posEncoding: "rope",
    nRecursions: 2,
    tCycles: 1,
    maxSupervisionSteps: 4,
  },
  /** Small MLP model for 9×9 Sudoku that fits CPU training budgets. */
  sudoku9Small: {
    ...SUDOKU9,
    dim: 128,
    numLayers: 2,
    numHeads: 4,
    useMlpMixer: true,
    posEncoding: "none",
  },
  /**
   * 9×9 Sudoku at the sudoku6 shape (D = 64, one layer, n = 2, T = 1, no puzzle-embedding
   * prefix): what a CPU adapter can train in an hour; far below the paper's models.
   */
  sudoku9Tiny: { ...CPU_MLP, vocabSize: 11, seqLen: 81, dim: 64 },
  /**
   * 9×9 Sudoku for CPU training (`cli.ts train --task sudoku9`): the sudoku9Tiny shape at
   * D = 96 with N_sup = 8 (a step costs ~7% more than D = 64 on llvmpipe); the recipe
   * grows T during the run (depth curriculum).
   */
  sudoku9Cpu: { ...CPU_MLP, vocabSize: 11, seqLen: 81, dim: 96, maxSupervisionSteps: 8 },
  /**
   * 4×4 Sudoku (digits 1–4 → tokens 2–5, vocab 6), sized to train on a CPU adapter in
   * minutes (reaches ≥ 99% exact on unseen puzzles with `cli.ts train --task sudoku4`).
   */
  sudoku4: { ...CPU_MLP, vocabSize: 6, seqLen: 16, dim: 32 },
  /**
   * 11×11 maze (`# SGo` → tokens 1–5, vocab 6, 121 cells), sized for CPU training with
   * `cli.ts train --task maze --size 11`; other small sizes override `seqLen` (N²). TRM-MLP
   * like sudoku4/sudoku6: on llvmpipe it trains about twice as fast per step as a 2-layer
   * RoPE-attention model of the same width.
   */
  mazeSmall: { ...CPU_MLP, vocabSize: 6, seqLen: 121, dim: 64 },
  /**
   * 6×6 Sudoku (digits 1–6 → tokens 2–7, vocab 8): the sudoku4 shape at D = 64, sized to
   * train on a CPU adapter in under an hour (`cli.ts train --task sudoku6`).
   */
  sudoku6: { ...CPU_MLP, vocabSize: 8, seqLen: 36, dim: 64 },
});
