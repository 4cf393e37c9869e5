/**
 * Per-tier accuracy of a Sudoku model on generated puzzles it never saw, for the model
 * cards: `deno run -A tools/eval_tiers.ts --model models/sudoku4.safetensors --task sudoku4
 * --train-seed 1 [--count 500] [--seed 7001] [--pool 2000] [--steps N[,N…]] [--out-dir D]
 * [--json] [--write-only]`. `--out-dir` writes each tier's scored puzzles as a CSV
 * (`<task>_<tier>.csv`) that `cli.ts eval --data` scores to the same figure; `--write-only`
 * writes them without scoring (for `cli.ts eval` with other inference settings).
 *
 * "Never saw" is checked, not assumed: the training pool of `cli.ts train --task T --seed S`
 * is regenerated, and every test puzzle equivalent to a pool puzzle under the training
 * augmentations (digit relabelling, transpose, band/stack and row/column permutations) is
 * dropped before scoring (`--keep-seen` keeps them, for tiers where nothing else exists:
 * every hard 4×4 puzzle is equivalent to one of a few thousand). Each puzzle runs every
 * supervision step up to the cap (the official evaluation; `--steps` sets caps beyond the
 * model's N_sup); the step where the halting head would have stopped (threshold 0.5, i.e.
 * q_halt > 0) is reported too.
 */
import { parseArgs } from "node:util";
import { loadModel } from "../src/model/checkpoint.ts";
import { deriveSeed } from "../src/puzzles/rng.ts";
import {
  generateSudoku,
  SUDOKU_DIFFICULTIES,
  type SudokuDifficulty,
} from "../src/puzzles/sudoku_generate.ts";
import { boxShape, canTranspose, encodeSudoku, type SudokuSize } from "../src/puzzles/mod.ts";
import { cachedPool } from "../src/cli/pool_cache.ts";
import { sudokuFingerprint9 } from "../src/puzzles/sudoku_fingerprint.ts";
import { formatPuzzleCsv, type PuzzleRecord, sudokuRecord } from "../src/data/csv.ts";

const POOL_SALT = 0x504f4f4c; // as src/cli/train.ts

const { values } = parseArgs({
  args: Deno.args,
  options: {
    model: { type: "string" },
    task: { type: "string", default: "sudoku4" },
    "train-seed": { type: "string", default: "0" },
    pool: { type: "string", default: "2000" },
    count: { type: "string", default: "500" },
    seed: { type: "string", default: "7001" },
    json: { type: "boolean", default: false },
    "keep-seen": { type: "boolean", default: false },
    "write-only": { type: "boolean", default: false },
    steps: { type: "string" },
    "out-dir": { type: "string" },
  },
});
if (!values.model) {
  console.error(
    "usage: tools/eval_tiers.ts --model M --task sudoku4|sudoku6|sudoku9 --train-seed S",
  );
  Deno.exit(1);
}
const task = values.task as "sudoku4" | "sudoku6" | "sudoku9";
const size = Number(task.replace("sudoku", "")) as SudokuSize;
const n = size;

/** Every geometric symmetry of the augmentation family, as cell index maps. */
function geometricMaps(): Int32Array[] {
  const { rows: br, cols: bc } = boxShape(size);
  const perms = (k: number): number[][] =>
    k <= 1
      ? [[0]]
      : perms(k - 1).flatMap((p) =>
        Array.from({ length: k }, (_, i) => [...p.slice(0, i), k - 1, ...p.slice(i)])
      );
  const lines = (block: number, count: number) =>
    perms(count).flatMap((outer) => {
      let acc: number[][] = [[]];
      for (const b of outer) {
        acc = acc.flatMap((prefix) =>
          perms(block).map((inner) => [...prefix, ...inner.map((r) => b * block + r)])
        );
      }
      return acc;
    });
  const rowPerms = lines(br, n / br), colPerms = lines(bc, n / bc);
  const maps: Int32Array[] = [];
  for (const transpose of canTranspose(size) ? [false, true] : [false]) {
    for (const rp of rowPerms) {
      for (const cp of colPerms) {
        const m = new Int32Array(n * n);
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < n; j++) {
            m[i * n + j] = transpose ? cp[j] * n + rp[i] : rp[i] * n + cp[j];
          }
        }
        maps.push(m);
      }
    }
  }
  return maps;
}
// 9×9 has 2 · 6⁸ ≈ 3.4 million geometric symmetries: too many to enumerate per puzzle, so
// 9×9 puzzles are compared by a fingerprint that every training augmentation keeps
// (sudokuFingerprint9). Equal fingerprints count as seen, so the check can only drop too many.
const maps = size === 9 ? [] : geometricMaps();

/**
 * Canonical form: the smallest digit-relabelled image over every geometric symmetry.
 * Each image is compared with the best so far cell by cell and dropped at the first larger
 * cell (6×6 has 3,456 geometric symmetries; building every image in full is too slow for a
 * 20,000-puzzle pool).
 */
function canonical(cells: ArrayLike<number>): string {
  if (size === 9) return sudokuFingerprint9(cells);
  const best = new Int32Array(n * n).fill(n + 1);
  const image = new Int32Array(n * n);
  const relabel = new Int32Array(n + 1);
  for (const m of maps) {
    relabel.fill(-1);
    relabel[0] = 0;
    let next = 1, state = 0; // 0: equal so far, -1: smaller (take it), 1: larger (drop it)
    for (let c = 0; c < n * n; c++) {
      const d = cells[m[c]];
      if (relabel[d] < 0) relabel[d] = next++;
      const v = relabel[d];
      image[c] = v;
      if (state === 0) {
        if (v < best[c]) state = -1;
        else if (v > best[c]) {
          state = 1;
          break;
        }
      }
    }
    if (state === -1) best.set(image);
  }
  return best.join("");
}

const pool = await cachedPool(task, {
  count: Number(values.pool),
  seed: deriveSeed(Number(values["train-seed"]), POOL_SALT),
});
const seen = new Set<string>();
for (let i = 0; i < pool.count; i++) {
  seen.add(
    canonical(
      Array.from(pool.inputs.subarray(i * n * n, (i + 1) * n * n), (t) => Math.max(0, t - 1)),
    ),
  );
}

const model = await loadModel(await Deno.readFile(values.model));
/** Supervision-step caps to score with, e.g. `--steps 4,16` (default the model's N_sup). */
const stepCaps = values.steps === undefined
  ? [model.config.maxSupervisionSteps]
  : values.steps.split(",").map(Number);
if (stepCaps.some((s) => !Number.isInteger(s) || s < 1)) {
  console.error(`--steps takes positive integers separated by commas, got "${values.steps}"`);
  Deno.exit(1);
}
if (values["out-dir"]) await Deno.mkdir(values["out-dir"], { recursive: true });
/** Prints a result row: JSON with --json, else the text line. */
function report(row: Record<string, unknown>, text: string): void {
  console.log(values.json ? JSON.stringify(row) : text);
}
for (const [tierIndex, tier] of SUDOKU_DIFFICULTIES.entries()) {
  const want = Number(values.count);
  const inputs: number[] = [], labels: number[] = [];
  const records: PuzzleRecord[] = [];
  let dropped = 0;
  for (let i = 0; inputs.length < want * n * n && i < want * 20; i++) {
    const g = generateSudoku({
      size,
      difficulty: tier as SudokuDifficulty,
      seed: deriveSeed(Number(values.seed) + tierIndex, i),
    });
    if (!values["keep-seen"] && seen.has(canonical(g.puzzle.cells))) {
      dropped++;
      continue;
    }
    inputs.push(...encodeSudoku(g.puzzle));
    labels.push(...encodeSudoku(g.solution));
    records.push(sudokuRecord(g, `unseen-${task}-${tier}-s${values.seed}-${i}`));
  }
  if (values["out-dir"] && records.length > 0) {
    // The scored puzzles as a CSV, so `cli.ts eval --data` reproduces the row.
    await Deno.writeTextFile(`${values["out-dir"]}/${task}_${tier}.csv`, formatPuzzleCsv(records));
  }
  const count = inputs.length / (n * n);
  if (count === 0) {
    report(
      { task, tier, puzzles: 0, droppedAsSeen: dropped },
      `${task} ${
        tier.padEnd(8)
      } no puzzle outside the training pool's symmetry classes in ${dropped} draws (rerun with --keep-seen to score them anyway)`,
    );
    continue;
  }
  if (values["write-only"]) {
    // Only the unseen sets (for `cli.ts eval --data` with any inference setting).
    report(
      { task, tier, puzzles: count, droppedAsSeen: dropped },
      `${task} ${tier.padEnd(8)} ${count} unseen puzzles written (${dropped} dropped as seen)`,
    );
    continue;
  }
  const puzzles = Int32Array.from(inputs);
  for (const maxSteps of stepCaps) {
    const started = performance.now();
    const full = await model.predict(puzzles, {
      haltThreshold: 2,
      maxRefinementSteps: maxSteps,
    });
    const ms = performance.now() - started;
    const halted = await model.predict(puzzles, {
      haltThreshold: 0.5,
      maxRefinementSteps: maxSteps,
    });
    let exact = 0, cells = 0, haltedExact = 0, steps = 0;
    for (let p = 0; p < count; p++) {
      let ok = true, okHalted = true;
      for (let c = p * n * n; c < (p + 1) * n * n; c++) {
        if (full.predictions[c] === labels[c]) cells++;
        else ok = false;
        if (halted.predictions[c] !== labels[c]) okHalted = false;
      }
      if (ok) exact++;
      if (okHalted) haltedExact++;
      steps += halted.exitSteps[p];
    }
    const row = {
      task,
      tier,
      steps: maxSteps,
      puzzles: count,
      droppedAsSeen: dropped,
      exact: exact / count,
      cell: cells / (count * n * n),
      haltedExact: haltedExact / count,
      meanHaltStep: steps / count,
      puzzlesPerSecond: count / (ms / 1000),
      adapter: model.gpu.summary.description,
    };
    report(
      row,
      `${task} ${
        tier.padEnd(8)
      } ${count} puzzles (${dropped} dropped as seen), ${maxSteps} steps: exact ${
        (100 * row.exact).toFixed(1)
      }%, cells ${(100 * row.cell).toFixed(2)}%, with halting ${
        (100 * row.haltedExact).toFixed(1)
      }% at mean step ${row.meanHaltStep.toFixed(2)}, ${row.puzzlesPerSecond.toFixed(1)} puzzles/s`,
    );
  }
}
