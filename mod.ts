/**
 * TRM, the Tiny Recursive Model ("Less is More: Recursive Reasoning with Tiny
 * Networks"), on WebGPU: the model with the official numerics, solving with the shipped
 * models, and training (the official slot loop as a library run you can pause and
 * resume). The package is free of `Deno.*` and runs wherever WebGPU does.
 *
 * Entry points: `.` (this: model, solving, training), `./model`, `./train`, `./ops` and
 * `./gpu` (the WGSL kernels and their backend), `./puzzles` (Sudoku and maze tooling),
 * `./data` (CSV, official datasets), `./server` (the Hono app factory) and `./cli`.
 *
 * @example Solve a Sudoku with a shipped model
 * ```ts
 * import { loadShippedModel, parseSudoku, solveSudokus } from "./mod.ts";
 *
 * const model = await loadShippedModel("sudoku4");
 * const { puzzles } = parseSudoku("1..4..2..1..4..2");
 * const [answer] = await solveSudokus(model, [puzzles[0].puzzle]);
 * console.log(answer.valid, answer.steps); // true 1 (the model's answer, checked by the rules)
 * model.dispose();
 * ```
 *
 * @example Train a small 4×4 model for a few steps
 * ```ts
 * import { Gpu, runTraining, startTraining } from "./mod.ts";
 *
 * const info = {
 *   task: "sudoku4" as const, preset: "sudoku4", batch: 8, steps: 4, seed: 0,
 *   configOverrides: { dim: 16, numLayers: 1 }, poolSize: 64,
 *   evalCount: 16, evalEvery: 0, checkpointEvery: 1000, logEvery: 2,
 * };
 * const trainer = await startTraining(info, { gpu: await Gpu.create(), settings: { lr: 1e-3 } });
 * const result = await runTraining({ trainer, info, onEvent: (e) => console.log(e.event, e.step) });
 * console.log(result.status, result.eval?.exactAccuracy);
 * trainer.dispose();
 * trainer.model.dispose();
 * ```
 *
 * @module
 */
export { Gpu, GpuUnavailableError } from "./src/gpu/mod.ts";
export {
  CheckpointError,
  DEFAULT_SAMPLE_NOISE,
  loadModel,
  MAX_SAMPLES,
  type ModelConfig,
  type ModelConfigInput,
  type OfficialModelConfig,
  parseModelConfig,
  type PredictOptions,
  type PredictResult,
  presets,
  RECURSION_FIELDS,
  saveModel,
  TinyRecursiveModel,
} from "./src/model/mod.ts";
export {
  answerDigits,
  fetchFileOrNull,
  loadShippedModel,
  MissingModelError,
  type ModelEntry,
  ModelRegistry,
  openRegistry,
  type OpenRegistryOptions,
  openShippedRegistry,
  predictAugmented,
  SHIPPED_MODELS_INDEX,
  type SolveOptions,
  solveSudokus,
  type SudokuAnswer,
} from "./src/solve/mod.ts";
export {
  decodeSudoku,
  encodeSudoku,
  formatSudokuGrid,
  formatSudokuLine,
  generateSudoku,
  type ParsedSudoku,
  parseSudoku,
  type SudokuGrid,
  type SudokuSize,
} from "./src/puzzles/mod.ts";
export {
  evaluate,
  type EvaluateResult,
  generatePool,
  resumeTraining,
  type RunCheckpoint,
  type RunInfo,
  RunSetupError,
  runTraining,
  startTraining,
  type StartTrainingOptions,
  taskRecipe,
  type TrainerSettings,
  type TrainingEvent,
  type TrainingRunOptions,
  type TrainingRunResult,
  TRMTrainer,
} from "./src/train/mod.ts";

// Types the API above refers to (what its parameters and results are made of).
export type {
  AdapterProfile,
  AdapterSummary,
  Bindable,
  BufferPool,
  DispatchParams,
  DispatchTiming,
  DType,
  PipelineOptions,
  Tensor,
  TensorRange,
  TypedArrayFor,
} from "./src/gpu/mod.ts";
export type {
  Carry,
  DeepSupervisionResult,
  GradMap,
  InitKind,
  LayerTape,
  NetContext,
  NetShape,
  NetTape,
  ParamSpec,
  RecursionChange,
  RopeTable,
  StepOptions,
  StepOutputs,
  StepTape,
  TensorMap,
  TokenInput,
} from "./src/model/mod.ts";
export type {
  BatchSource,
  CurriculumPhase,
  EvaluateOptions,
  ExamplePool,
  GeneratePoolOptions,
  LossSummary,
  MazePathRates,
  RunRate,
  SlotMetrics,
  TaskRecipe,
  TaskRecipeOptions,
  TierPhase,
  TrainingBatch,
  TrainingTask,
  TrainStepResult,
} from "./src/train/mod.ts";
export type {
  GeneratedSudoku,
  GenerateSudokuOptions,
  ParseSudokuOptions,
  Rng,
  SudokuDifficulty,
  SudokuParseError,
  SudokuParseResult,
} from "./src/puzzles/mod.ts";
export type { DatasetMetadata, PuzzleTask, TokenDataset } from "./src/data/mod.ts";
export type {
  AugmentedResult,
  AugmentPredictor,
  ModelAccuracy,
  ModelDescription,
  ModelTask,
  Predictor,
  ReadFile,
  SudokuAnswerDigits,
} from "./src/solve/mod.ts";
