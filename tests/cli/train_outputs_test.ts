/**
 * `cli.ts train` guards its outputs: a second run on the same --out fails at once naming
 * the first run's PID while the first finishes untouched; an --out that cannot be written
 * fails before step 1; `--resume` refuses flags that contradict the checkpoint, saying
 * which; temporary files are unique and none are left behind.
 */
import assert from "node:assert/strict";
import { UsageError } from "../../src/cli/errors.ts";
import { run as trainRun } from "../../src/cli/train.ts";
import { decodeCheckpoint } from "../../src/model/checkpoint.ts";
import { testGpu } from "../_helpers.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };
const ROOT = new URL("../..", import.meta.url).pathname;

const TINY = [
  "--task",
  "sudoku4",
  "--config",
  JSON.stringify({ dim: 16, numLayers: 1, nRecursions: 1, tCycles: 1, maxSupervisionSteps: 2 }),
  "--batch",
  "4",
  "--pool",
  "16",
  "--eval-count",
  "0",
  "--lr",
  "1e-3",
  "--warmup",
  "0",
  "--log-every",
  "1",
  "--json",
];

/** Runs train in this process with console.log captured. */
async function quietTrain(args: string[]): Promise<{ code: number; lines: string[] }> {
  const gpu = await testGpu();
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => lines.push(a.join(" "));
  try {
    return { code: await trainRun(args, { gpu }), lines };
  } finally {
    console.log = log;
  }
}

Deno.test({
  name: "train: a second run on the same --out fails at once; the first finishes untouched",
  ...opts,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "trm_train_lock_" });
    try {
      const out = `${dir}/model.safetensors`;
      const first = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "cli.ts", "train", ...TINY, "--steps", "150", "--out", out],
        cwd: ROOT,
        stdout: "piped",
        stderr: "null",
      }).spawn();
      // Wait until the first run is training (it holds the lock from before step 1).
      const reader = first.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let text = "";
      while (!text.includes('"event":"train"')) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the first run ended early: ${text}`);
        text += value;
      }
      const started = performance.now();
      await assert.rejects(
        quietTrain([...TINY, "--steps", "5", "--out", out]),
        (e: Error) =>
          e instanceof UsageError &&
          e.message.includes(`in use by another run (PID ${first.pid}`),
      );
      assert.ok(performance.now() - started < 5000, "the second run should fail at once");
      while (!(await reader.read()).done) { /* drain */ }
      const status = await first.status;
      assert.equal(status.code, 0);
      const model = decodeCheckpoint(await Deno.readFile(out));
      assert.equal(model.metadata?.step, "150");
      const left = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
      assert.deepEqual(left, ["model.safetensors", "model.train.safetensors"]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "train: an --out that cannot be written fails before step 1 with a one-line reason",
  ...opts,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "trm_train_out_" });
    try {
      await Deno.writeTextFile(`${dir}/file`, "x");
      await Deno.mkdir(`${dir}/adir`);
      const cases: [string, RegExp][] = [
        [`${dir}/missing/model.safetensors`, /directory .*missing does not exist \(mkdir -p/],
        [`${dir}/file/model.safetensors`, /file is not a directory/],
        [`${dir}/adir`, /is a directory; give a file name/],
      ];
      for (const [out, why] of cases) {
        const lines: string[] = [];
        await assert.rejects(
          quietTrain([...TINY, "--steps", "50", "--out", out]).then((r) => lines.push(...r.lines)),
          (e: Error) => e instanceof UsageError && why.test(e.message) && !e.message.includes("\n"),
        );
        assert.deepEqual(lines, []);
      }
      assert.deepEqual([...Deno.readDirSync(`${dir}/adir`)], []);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "train --resume: flags that contradict the checkpoint are refused, naming the flag",
  ...opts,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "trm_train_contra_" });
    try {
      const out = `${dir}/model.safetensors`;
      const first = await quietTrain([...TINY, "--steps", "6", "--out", out]);
      assert.equal(first.code, 0);
      const before = await Deno.readFile(out);
      const refused: [string[], RegExp][] = [
        [["--task", "sudoku6"], /--task sudoku6 differs from the run .*\(sudoku4\)/],
        [["--steps", "3"], /--steps 3 is below the step .*\(6\); give --steps ≥ 6/],
        [["--batch", "8"], /--batch 8 differs .*\(4\)/],
        [["--warmup", "3"], /--warmup 3 differs .*\(0\)/],
        [["--config", '{"dim":32}'], /--config \{"dim":32\} differs .*\(16\)/],
        [["--seed", "3"], /--seed 3 differs .*\(0\)/],
      ];
      for (const [extra, why] of refused) {
        // The contradicting flag replaces or joins the original ones.
        const args = [...TINY, "--steps", "8", "--out", out, "--resume"];
        const at = args.indexOf(extra[0]);
        if (at >= 0) args.splice(at, 2);
        await assert.rejects(
          quietTrain([...args, ...extra]),
          (e: Error) => e instanceof UsageError && why.test(e.message),
        );
      }
      assert.deepEqual(await Deno.readFile(out), before, "a refused resume writes nothing");
      // The same command line with --resume (and a later --steps) continues; --lr may
      // change (a step decay), and says so.
      const args = [...TINY, "--steps", "8", "--out", out, "--resume"];
      args.splice(args.indexOf("--lr"), 2, "--lr", "5e-4");
      const again = await quietTrain(args);
      assert.equal(again.code, 0);
      assert.ok(again.lines.some((l) => l.includes('"event":"lr"') && l.includes('"to":0.0005')));
      assert.equal(decodeCheckpoint(await Deno.readFile(out)).metadata?.step, "8");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
