/**
 * ARC through the CLI on a folder of two hand-made tasks: `train --task arc` for 2 steps
 * with a tiny model (its file carries the puzzle identifier names), `eval --task arc`
 * (per-task lines and a summary; trained ids for seen tasks, the blank id for unseen
 * ones), `solve task.json` (rows of digits, --json), and one-line errors.
 */
import assert from "node:assert/strict";
import { UsageError } from "../../src/cli/errors.ts";
import { run as evalRun } from "../../src/cli/eval.ts";
import { run as solveRun } from "../../src/cli/solve.ts";
import { run as trainRun } from "../../src/cli/train.ts";
import { defaultMetadata } from "../../src/data/dataset.ts";
import { officialSplitFiles } from "../../src/data/official.ts";
import { decodeCheckpoint, saveModel } from "../../src/model/checkpoint.ts";
import { presets } from "../../src/model/config.ts";
import { TinyRecursiveModel } from "../../src/model/model.ts";
import { encodeArcGrid, parseArcTaskValue } from "../../src/puzzles/arc.ts";
import { buildArcPuzzles } from "../../src/puzzles/arc_puzzles.ts";
import { testGpu } from "../_helpers.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };
const dir = await Deno.makeTempDir({ prefix: "trm_arc_cli_" });
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));

const TASKS = {
  flip: {
    train: [{ input: [[1, 0]], output: [[0, 1]] }, { input: [[2, 3, 0]], output: [[0, 3, 2]] }],
    test: [{ input: [[4, 5]], output: [[5, 4]] }],
  },
  grow: {
    train: [{ input: [[1]], output: [[1, 1], [1, 1]] }],
    test: [{ input: [[2]], output: [[2, 2], [2, 2]] }, { input: [[3]], output: [[3, 3], [3, 3]] }],
  },
};
await Deno.mkdir(`${dir}/tasks`);
await Deno.mkdir(`${dir}/unseen`);
for (const [name, task] of Object.entries(TASKS)) {
  await Deno.writeTextFile(`${dir}/tasks/${name}.json`, JSON.stringify(task));
}
await Deno.writeTextFile(`${dir}/unseen/other.json`, JSON.stringify(TASKS.flip));
const MODEL = `${dir}/arc.safetensors`;

async function captured(fn: () => Promise<number>): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => lines.push(a.join(" "));
  try {
    return { code: await fn(), lines };
  } finally {
    console.log = log;
  }
}

let trained: Promise<void> | null = null;
/** Trains the tiny model once: 2 steps, 1 augmentation per task, N_sup 1. */
function trainOnce(): Promise<void> {
  return trained ??= (async () => {
    const gpu = await testGpu();
    const args = [
      "--task",
      "arc",
      "--data",
      `${dir}/tasks`,
      "--out",
      MODEL,
      "--steps",
      "2",
      "--batch",
      "2",
      "--augmentations",
      "1",
      "--config",
      JSON.stringify({ dim: 16, numHeads: 2, maxSupervisionSteps: 1 }),
      "--log-every",
      "1",
      "--json",
    ];
    const { code, lines } = await captured(() => trainRun(args, { gpu }));
    assert.equal(code, 0, lines.join("\n"));
  })();
}

Deno.test({
  name: "train --task arc: 2 steps; the model file lists one identifier per (task, augmentation)",
  ...opts,
  fn: async () => {
    await trainOnce();
    const { config, metadata } = decodeCheckpoint(await Deno.readFile(MODEL));
    const ids = JSON.parse(metadata.arc_identifiers);
    assert.equal(ids.length, 5); // blank + 2 tasks × (identity + 1)
    assert.deepEqual([ids[0], ids[1], ids[3]], ["<blank>", "flip", "grow"]);
    assert.match(ids[2], /^flip\|\|\|t\d\|\|\|0\d{9}$/);
    assert.equal(config.numPuzzleIdentifiers, 5);
    assert.equal(config.seqLen, 900);
    assert.equal(config.vocabSize, 12);
  },
});

Deno.test({
  name: "eval --task arc: a line per task and a summary; unseen tasks use the blank id",
  ...opts,
  fn: async () => {
    await trainOnce();
    const gpu = await testGpu();
    const args = ["--task", "arc", "--model", MODEL, "--augmentations", "2", "--json"];
    const seen = await captured(() => evalRun([...args, "--data", `${dir}/tasks`], { gpu }));
    assert.equal(seen.code, 0);
    const rows = seen.lines.map((l) => JSON.parse(l));
    assert.deepEqual(rows.slice(0, 2).map((r) => [r.task, r.tests, r.copies, r.trainedIds]), [
      ["flip", 1, 2, true],
      ["grow", 2, 2, true],
    ]);
    const summary = rows[2];
    assert.equal(summary.summary, true);
    assert.deepEqual([summary.tasks, summary.testInputs, summary.copies], [2, 3, 6]);
    assert.ok(summary.pass2 >= summary.pass1 && summary.pass2 <= 1);
    assert.ok(summary.puzzlesPerSecond > 0);
    const unseen = await captured(() => evalRun([...args, "--data", `${dir}/unseen`], { gpu }));
    const u = unseen.lines.map((l) => JSON.parse(l));
    assert.deepEqual([u[0].task, u[0].trainedIds, u[0].copies, u[1].blankIdTasks], [
      "other",
      false,
      2,
      1,
    ]);
    const text = await captured(() =>
      evalRun(["--task", "arc", "--model", MODEL, "--data", `${dir}/tasks`, "--limit", "1"], {
        gpu,
      })
    );
    assert.match(text.lines[0], /^flip +pass@1 [01]\/1 +pass@2 [01]\/1/);
    // The default 8 copies are capped at the 2 the model trained on this task.
    assert.match(text.lines.at(-1)!, /1 tasks \(1 test inputs, 2 copies\)/);
  },
});

Deno.test({
  name: "solve task.json prints the voted grids as rows of digits (and --json)",
  ...opts,
  fn: async () => {
    await trainOnce();
    const gpu = await testGpu();
    let out = "";
    const io = { gpu, write: (t: string) => Promise.resolve(void (out += t)) };
    const file = `${dir}/tasks/grow.json`;
    assert.equal(await solveRun([file, "--model", MODEL, "--augmentations", "2"], io), 0);
    assert.match(out, /^test 1 of grow: 2 copies, top vote [12]/m);
    assert.match(out, /^attempt 1: \d+×\d+( — (wrong|matches the file's output))?$/m);
    assert.match(out, /^\d+$/m); // a row of digits
    assert.match(out, /2 test input\(s\)/);
    out = "";
    assert.equal(await solveRun([file, "--model", MODEL, "--augmentations", "2", "--json"], io), 0);
    const lines = out.trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(lines.length, 2);
    assert.equal(lines[0].task, "grow");
    assert.equal(lines[0].attempts.length, 2);
    assert.ok(lines[0].attempts[0].every((r: number[]) => r.every((c) => c >= 0 && c <= 9)));
    assert.equal(lines[0].correct.length, 2);
  },
});

Deno.test({
  name: "ARC errors are one line: no model, malformed task, a model of another task",
  ...opts,
  fn: async () => {
    const gpu = await testGpu();
    const io = { gpu, write: () => Promise.resolve() };
    await assert.rejects(
      () => solveRun([`${dir}/tasks/flip.json`], io),
      (e: Error) => e instanceof UsageError && /no ARC model ships: pass --model/.test(e.message),
    );
    const bad = `${dir}/bad.json`;
    await Deno.writeTextFile(
      bad,
      JSON.stringify({
        train: [{ input: [[1, 2], [3]], output: [[1]] }],
        test: [{ input: [[1]] }],
      }),
    );
    await assert.rejects(
      () => solveRun([bad, "--model", MODEL], io),
      (e: Error) =>
        e instanceof UsageError &&
        e.message === `${bad}: train pair 1 input row 2 has 1 cells, row 1 has 2`,
    );
    await assert.rejects(
      () => evalRun(["--task", "arc", "--model", MODEL, "--data", bad], { gpu }),
      /bad\.json: train pair 1 input row 2 has 1 cells/,
    );
    // Test pairs without outputs cannot be scored.
    const open = `${dir}/open.json`;
    await Deno.writeTextFile(
      open,
      JSON.stringify({ train: TASKS.flip.train, test: [{ input: [[1]] }] }),
    );
    await assert.rejects(
      () => evalRun(["--task", "arc", "--model", MODEL, "--data", open], { gpu }),
      /open\.json: test pair 1 has no "output"/,
    );
    const sudoku = `${dir}/sudoku4.safetensors`;
    const m = await TinyRecursiveModel.create({ ...presets.sudoku4, dim: 16, numHeads: 2 }, {
      gpu,
    });
    await Deno.writeFile(sudoku, await saveModel(m));
    m.dispose();
    await assert.rejects(
      () => evalRun(["--task", "arc", "--model", sudoku, "--data", `${dir}/tasks`], { gpu }),
      /cannot solve ARC tasks: it has seqLen 16; ARC grids are encoded as 900 tokens/,
    );
    await assert.rejects(
      () => trainRun(["--task", "arc", "--out", `${dir}/x.safetensors`, "--steps", "1"], { gpu }),
      /--task arc needs --data/,
    );
    await assert.rejects(
      () =>
        trainRun(["--task", "sudoku4", "--augmentations", "3", "--out", `${dir}/y.safetensors`], {
          gpu,
        }),
      /--augmentations applies to --task arc/,
    );
  },
});

Deno.test({
  name: "train --task arc --resume rebuilds the puzzle table and refuses a changed --augmentations",
  ...opts,
  fn: async () => {
    const gpu = await testGpu();
    const out = `${dir}/resume.safetensors`;
    const base = [
      "--task",
      "arc",
      "--data",
      `${dir}/tasks`,
      "--out",
      out,
      "--batch",
      "2",
      "--augmentations",
      "1",
      "--config",
      JSON.stringify({ dim: 16, numHeads: 2, maxSupervisionSteps: 1 }),
      "--json",
    ];
    assert.equal((await captured(() => trainRun([...base, "--steps", "1"], { gpu }))).code, 0);
    const more = await captured(() => trainRun([...base, "--steps", "2", "--resume"], { gpu }));
    assert.equal(more.code, 0, more.lines.join("\n"));
    assert.ok(more.lines.some((l) => JSON.parse(l).event === "resume"));
    await assert.rejects(
      () =>
        captured(() =>
          trainRun([...base.slice(0, 6), "--augmentations", "2", "--steps", "3", "--resume"], {
            gpu,
          })
        ),
      /--augmentations 2 differs from the run/,
    );
  },
});

Deno.test({
  name: "an official-layout ARC dataset trains as built and scores from its test_puzzles.json",
  ...opts,
  fn: async () => {
    const gpu = await testGpu();
    const root = `${dir}/official`;
    await Deno.mkdir(`${root}/train`, { recursive: true });
    // As build_arc_dataset.py lays it out: examples grouped by puzzle, ids from 1.
    const tasks = Object.entries(TASKS).map(([name, t]) => parseArcTaskValue(t, name));
    const set = buildArcPuzzles(tasks.map((task) => ({ task, useTest: false })), {
      augmentations: 1,
      seed: 0,
    });
    const pairs = set.puzzles.flatMap((p) => p.pairs);
    const inputs = new Uint8Array(pairs.length * 900), labels = new Uint8Array(pairs.length * 900);
    pairs.forEach((p, i) => {
      inputs.set(encodeArcGrid(p.input), i * 900);
      labels.set(encodeArcGrid(p.output!), i * 900);
    });
    const indices = [0];
    for (const p of set.puzzles) indices.push(indices.at(-1)! + p.pairs.length);
    const files = officialSplitFiles({
      count: pairs.length,
      seqLen: 900,
      inputs,
      labels,
      metadata: {
        ...defaultMetadata(900, 12, 2),
        num_puzzle_identifiers: set.identifiers.length,
      },
      puzzleIdentifiers: Int32Array.from(set.puzzles, (p) => p.id),
      puzzleIndices: Int32Array.from(indices),
    }, "train");
    for (const [path, bytes] of Object.entries(files)) {
      await Deno.writeFile(`${root}/${path}`, bytes);
    }
    await Deno.writeTextFile(`${root}/identifiers.json`, JSON.stringify(set.identifiers));
    await Deno.writeTextFile(`${root}/test_puzzles.json`, JSON.stringify(TASKS));
    const out = `${dir}/official.safetensors`;
    const config = JSON.stringify({ dim: 16, numHeads: 2, maxSupervisionSteps: 1 });
    const args = ["--task", "arc", "--data", root, "--out", out, "--steps", "1", "--batch", "2"];
    const r = await captured(() => trainRun([...args, "--config", config, "--json"], { gpu }));
    assert.equal(r.code, 0, r.lines.join("\n"));
    const { metadata, config: c } = decodeCheckpoint(await Deno.readFile(out));
    assert.deepEqual(JSON.parse(metadata.arc_identifiers), set.identifiers);
    assert.equal(c.numPuzzleIdentifiers, set.identifiers.length);
    await assert.rejects(
      () => trainRun([...args, "--augmentations", "3", "--out", `${dir}/o2.safetensors`], { gpu }),
      /--augmentations does not apply to an official dataset/,
    );
    const e = await captured(() =>
      evalRun(["--task", "arc", "--model", out, "--data", root, "--json"], { gpu })
    );
    const rows = e.lines.map((l) => JSON.parse(l));
    assert.deepEqual(rows.slice(0, 2).map((x) => [x.task, x.trainedIds, x.copies]), [
      ["flip", true, 2],
      ["grow", true, 2],
    ]);
  },
});
