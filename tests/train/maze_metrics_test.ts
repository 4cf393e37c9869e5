/**
 * Small mazes end to end: maze path scoring (valid / shortest) on hand-made answers, the
 * `--size` plumbing of the train recipe and data, generate/train consistency, and
 * `cli.ts eval`'s maze metrics with a tiny random mazeSmall-shaped model.
 */
import assert from "node:assert/strict";
import { run as evalRun } from "../../src/cli/eval.ts";
import { run as generateRun } from "../../src/cli/generate.ts";
import { UsageError } from "../../src/cli/main.ts";
import { run as trainRun } from "../../src/cli/train.ts";
import { checkMazeSeqLen } from "../../src/cli/train_flags.ts";
import { parsePuzzleCsv, recordsToDataset } from "../../src/data/csv.ts";
import { saveModel } from "../../src/model/checkpoint.ts";
import { parseModelConfig, presets } from "../../src/model/config.ts";
import { TinyRecursiveModel } from "../../src/model/model.ts";
import { countParameters } from "../../src/model/params.ts";
import { decodeMaze, encodeMaze } from "../../src/puzzles/encoding.ts";
import {
  isValidMazePath,
  type Maze,
  parseMaze,
  solveMaze,
  transformMaze,
} from "../../src/puzzles/maze.ts";
import { defaultMinPathLength, generateMaze } from "../../src/puzzles/maze_generate.ts";
import { scoreMazeAnswer } from "../../src/puzzles/maze_score.ts";
import { Rng } from "../../src/puzzles/rng.ts";
import { generatePool } from "../../src/train/data.ts";
import { evaluate } from "../../src/train/evaluate.ts";
import { mazePathCounter } from "../../src/train/maze_metrics.ts";
import { taskRecipe } from "../../src/train/recipes.ts";
import { testGpu } from "../_helpers.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };

// A ring around a 3×3 block of walls; G sits so that the left-bottom route (7 moves) is
// shorter than the top-right one (9 moves).
const RING = parseMaze(["S    ", " ### ", " ### ", " ### ", "   G "].join("\n"));
const answer = (rows: string[]): Maze => parseMaze(rows.join("\n"));

const SHORTEST = answer(["S    ", "o### ", "o### ", "o### ", "oooG "]);
const LONGER = answer(["Soooo", " ###o", " ###o", " ###o", "   Go"]);
const BROKEN = answer(["S    ", "o### ", "o### ", " ### ", "oooG "]);
const THROUGH_WALL = answer(["So   ", " o## ", " o## ", " o## ", " ooG "]);

Deno.test("scoreMazeAnswer: shortest, longer, broken and through-a-wall answers", () => {
  assert.deepEqual(scoreMazeAnswer(RING, SHORTEST), { valid: true, shortest: true, moves: 7 });
  assert.deepEqual(scoreMazeAnswer(RING, LONGER), { valid: true, shortest: false, moves: 9 });
  assert.deepEqual(scoreMazeAnswer(RING, BROKEN), { valid: false, shortest: false, moves: -1 });
  assert.deepEqual(scoreMazeAnswer(RING, THROUGH_WALL), {
    valid: false,
    shortest: false,
    moves: -1,
  });
  // The unmarked maze (no path at all) and an extra stray mark are not paths either.
  assert.equal(scoreMazeAnswer(RING, RING).valid, false);
  const stray = answer(["S   o", "o### ", "o### ", "o### ", "oooG "]);
  assert.equal(scoreMazeAnswer(RING, stray).valid, false);
  // A dead-end spur off a valid path.
  const spur = answer(["So   ", "o### ", "o### ", "o### ", "oooG "]);
  assert.equal(scoreMazeAnswer(RING, spur).valid, false);
  // PAD (a model's argmax may give it) is a wrong answer, not an error.
  const pad = { size: 5, cells: SHORTEST.cells.slice() };
  pad.cells[24] = 0;
  assert.equal(scoreMazeAnswer(RING, pad).valid, false);
  // The independent checker agrees on which answers are shortest paths.
  for (const a of [SHORTEST, LONGER, BROKEN, THROUGH_WALL, stray, spur]) {
    assert.equal(scoreMazeAnswer(RING, a).shortest, isValidMazePath(RING, a));
  }
});

Deno.test("scoreMazeAnswer: any shortest path counts; a path touching itself is valid", () => {
  const open = parseMaze(["S  ", "   ", "  G"].join("\n"));
  // Not the labelled path (the tie-break goes right first) but as short.
  const other = answer(["S  ", "o  ", "ooG"]);
  assert.notDeepEqual(other.cells, solveMaze(open)!.cells);
  assert.deepEqual(scoreMazeAnswer(open, other), { valid: true, shortest: true, moves: 4 });
  // A snake through every cell: its rows touch, so it needs the search, not the fast path.
  const snake = answer(["Soo", "ooo", "ooG"]);
  assert.deepEqual(scoreMazeAnswer(open, snake), { valid: true, shortest: false, moves: 8 });
  // G next to S with every other cell marked: the move count has the wrong parity.
  const adjacent = parseMaze(["SG ", "   ", "   "].join("\n"));
  assert.equal(scoreMazeAnswer(adjacent, answer(["SGo", "ooo", "ooo"])).valid, false);
  assert.deepEqual(scoreMazeAnswer(adjacent, adjacent), { valid: true, shortest: true, moves: 1 });
});

Deno.test("scoreMazeAnswer agrees with isValidMazePath on perturbed generated answers", () => {
  const rng = new Rng(11);
  for (let seed = 0; seed < 20; seed++) {
    const g = generateMaze({ size: 11, seed });
    assert.deepEqual(scoreMazeAnswer(g.maze, g.solution), {
      valid: true,
      shortest: true,
      moves: g.pathLength,
    });
    const cells = g.solution.cells.slice();
    const i = rng.int(cells.length);
    cells[i] = 1 + rng.int(5);
    const a = { size: 11, cells };
    const s = scoreMazeAnswer(g.maze, a);
    assert.equal(s.shortest, isValidMazePath(g.maze, a), `seed ${seed} cell ${i}`);
    if (s.valid) assert.ok(s.moves >= g.pathLength);
  }
});

Deno.test("mazePathCounter: rates over batches with row offsets", () => {
  const L = 25;
  // Row 4 is the ring turned (G elsewhere), so scoring it against the wrong row would fail.
  const turned = transformMaze(RING, 1);
  const inputs = new Uint8Array(5 * L);
  for (let r = 0; r < 4; r++) inputs.set(RING.cells, r * L);
  inputs.set(turned.cells, 4 * L);
  const pool = { count: 5, seqLen: L, inputs, labels: inputs };
  const counter = mazePathCounter(pool);
  const rows = [SHORTEST, LONGER, BROKEN, THROUGH_WALL, transformMaze(SHORTEST, 1)]
    .map((m) => Int32Array.from(m.cells));
  assert.equal(scoreMazeAnswer(RING, { size: 5, cells: Uint8Array.from(rows[4]) }).valid, false);
  const batch = new Int32Array(3 * L);
  rows.slice(0, 3).forEach((r, i) => batch.set(r, i * L));
  counter.onPredictions(0, 3, batch);
  const rest = new Int32Array(2 * L);
  rows.slice(3).forEach((r, i) => rest.set(r, i * L));
  counter.onPredictions(3, 2, rest);
  assert.deepEqual(counter.rates(), { validPath: 3 / 5, shortestPath: 2 / 5 });
});

Deno.test("taskRecipe: small mazes get mazeSmall, other sizes a matching seqLen", () => {
  const config = (size?: number) => {
    const r = taskRecipe("maze", { mazeSize: size });
    return { recipe: r, config: parseModelConfig({ ...presets[r.preset], ...r.config }) };
  };
  const small = config(11);
  assert.equal(small.recipe.preset, "mazeSmall");
  assert.deepEqual(small.recipe.config, {});
  assert.equal(small.config.seqLen, 121);
  assert.equal(small.config.vocabSize, 6);
  assert.equal(small.config.puzzleEmbLen, 0);
  // Embedding 6·64 + LM head 64·6 + q head 64·2+2 + one MLP-mixer layer: token SwiGLU
  // 121 → 2·512 → 121 (hidden round(4·121·2/3) rounded up to 512) = 121·1024 + 512·121,
  // channel SwiGLU 64 → 2·256 → 64 = 64·512 + 256·64: 384 + 384 + 130 + 185,856 + 49,152.
  assert.equal(countParameters(small.config), 235_906);
  assert.equal(small.config.posEncoding, "none");
  assert.equal(small.config.useMlpMixer, true);
  assert.equal(small.recipe.batch, 64);
  assert.equal(small.recipe.lr, 3e-3);
  assert.equal(small.recipe.emaDecay, 0.99);
  assert.equal(config(15).recipe.preset, "mazeSmall");
  assert.equal(config(15).config.seqLen, 225);
  assert.equal(config(16).recipe.preset, "maze");
  assert.equal(config(16).config.seqLen, 256);
  assert.equal(config().recipe.preset, "maze");
  assert.deepEqual(config().recipe.config, {});
  assert.equal(config().config.seqLen, 900);
  assert.equal(taskRecipe("sudoku4", { mazeSize: 11 }).preset, "sudoku4");
  assert.throws(() => taskRecipe("maze", { mazeSize: 1 }), /maze size/);
});

Deno.test("checkMazeSeqLen refuses a model that does not fit the maze size", () => {
  checkMazeSeqLen({ task: "maze", mazeSize: 11, preset: "mazeSmall" }, 121);
  checkMazeSeqLen({ task: "sudoku4", preset: "sudoku4" }, 16);
  assert.throws(
    () => checkMazeSeqLen({ task: "maze", mazeSize: 11, preset: "maze" }, 900),
    (e) => e instanceof UsageError && /121 cells but the model's seqLen is 900/.test(e.message),
  );
  assert.throws(() => checkMazeSeqLen({ task: "maze", preset: "mazeSmall" }, 121), UsageError);
});

Deno.test({
  ...opts,
  name: "cli train: --size is checked before anything trains",
  fn: async () => {
    const gpu = await testGpu();
    const out = `${await Deno.makeTempDir({ prefix: "trm_maze_train_" })}/m.safetensors`;
    await assert.rejects(
      trainRun(["--task", "maze", "--size", "11", "--preset", "maze", "--out", out], { gpu }),
      (e) => e instanceof UsageError && /seqLen is 900/.test(e.message),
    );
    await assert.rejects(
      trainRun(["--task", "sudoku4", "--size", "11", "--out", out], { gpu }),
      (e) => e instanceof UsageError && /--size applies to mazes/.test(e.message),
    );
  },
});

/** Writes `generate` output to a temporary CSV and returns its path. */
async function generateCsv(args: string[]): Promise<string> {
  const file = await Deno.makeTempFile({ suffix: ".csv" });
  const error = console.error;
  console.error = () => {};
  try {
    assert.equal(await generateRun([...args, "--out", file]), 0);
  } finally {
    console.error = error;
  }
  return file;
}

Deno.test("generate --size and the training pool make the same kind of maze", async () => {
  const pool = generatePool("maze", { count: 3, seed: 1, mazeSize: 11 });
  const file = await generateCsv(["--task", "maze", "--size", "11", "--count", "3"]);
  const csv = recordsToDataset(parsePuzzleCsv(await Deno.readTextFile(file)));
  await Deno.remove(file);
  assert.equal(pool.seqLen, 121);
  assert.equal(csv.seqLen, 121);
  assert.equal(csv.metadata.vocab_size, pool.vocabSize);
  for (const p of [pool, csv]) {
    for (let i = 0; i < p.count; i++) {
      const maze = decodeMaze(p.inputs.subarray(i * 121, (i + 1) * 121), 11);
      const label = p.labels.subarray(i * 121, (i + 1) * 121);
      // Same labelling (the tie-broken shortest path) and the same path-length filter.
      assert.deepEqual(label, encodeMaze(solveMaze(maze)!));
      const s = scoreMazeAnswer(maze, decodeMaze(label, 11));
      assert.ok(s.shortest && s.moves > defaultMinPathLength(11));
    }
  }
});

Deno.test({
  ...opts,
  name: "cli eval: a maze CSV reports validPath and shortestPath",
  fn: async () => {
    const gpu = await testGpu();
    const dir = await Deno.makeTempDir({ prefix: "trm_maze_eval_" });
    try {
      const modelFile = `${dir}/tiny.safetensors`;
      // mazeSmall's shape (11×11, MLP mixer) at width 16 so that it runs in seconds.
      const model = await TinyRecursiveModel.create(
        { ...presets.mazeSmall, dim: 16, numHeads: 2 },
        { gpu, seed: 5 },
      );
      await Deno.writeFile(modelFile, await saveModel(model));
      const csvFile = await generateCsv([
        "--task",
        "maze",
        "--size",
        "11",
        "--count",
        "3",
        "--seed",
        "2",
      ]);
      const data = recordsToDataset(parsePuzzleCsv(await Deno.readTextFile(csvFile)));
      // What the rates must be: the model's own last-step predictions, scored here.
      let valid = 0, shortest = 0;
      // Every example runs all N_sup steps in evaluate, as in predict without early halting.
      const expected = (await model.predict(Int32Array.from(data.inputs), { haltThreshold: 2 }))
        .predictions;
      await evaluate(model, data, {
        batchSize: 2,
        onPredictions: (start, count, tokens) => {
          assert.deepEqual(tokens, expected.subarray(start * 121, (start + count) * 121));
          for (let b = 0; b < count; b++) {
            const maze = decodeMaze(
              data.inputs.subarray((start + b) * 121, (start + b + 1) * 121),
              11,
            );
            const cells = Uint8Array.from(tokens.subarray(b * 121, (b + 1) * 121));
            const s = scoreMazeAnswer(maze, { size: 11, cells });
            valid += s.valid ? 1 : 0;
            shortest += s.shortest ? 1 : 0;
          }
        },
      });
      model.dispose();
      const lines: string[] = [];
      const log = console.log;
      console.log = (...a: unknown[]) => void lines.push(a.join(" "));
      try {
        assert.equal(
          await evalRun(["--model", modelFile, "--data", csvFile, "--json"], { gpu }),
          0,
        );
        assert.equal(
          await evalRun(["--model", modelFile, "--data", csvFile, "--batch", "2"], { gpu }),
          0,
        );
      } finally {
        console.log = log;
      }
      const json = JSON.parse(lines[0]);
      assert.equal(json.count, 3);
      assert.equal(json.validPath, valid / 3);
      assert.equal(json.shortestPath, shortest / 3);
      assert.ok(json.exactAccuracy <= json.shortestPath && json.shortestPath <= json.validPath);
      assert.match(
        lines[1],
        new RegExp(
          `maze paths: valid path ${(100 * valid / 3).toFixed(2)}%, shortest path ${
            (100 * shortest / 3).toFixed(2)
          }%`,
        ),
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
