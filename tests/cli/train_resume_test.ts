/**
 * `cli.ts train` survives SIGKILL: a run killed at a random step leaves a valid training
 * checkpoint that lost at most the steps since it was written, and `--resume` with the
 * same seed reproduces the uninterrupted run's losses and final model exactly, across the
 * phase changes of a depth curriculum.
 */
import { decodeCheckpoint } from "../../src/model/checkpoint.ts";
import { decodeTrainingState } from "../../src/train/state.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };
const ROOT = new URL("../..", import.meta.url).pathname;
const CHECKPOINT_EVERY = 5;
const STEPS = 24;

/** A model small enough that a step takes milliseconds (the loop, not the model, is under test). */
const ARGS = [
  "--task",
  "sudoku4",
  "--config",
  JSON.stringify({ dim: 16, numLayers: 1, nRecursions: 1, tCycles: 1, maxSupervisionSteps: 3 }),
  "--batch",
  "8",
  "--steps",
  String(STEPS),
  "--lr",
  "3e-3",
  "--warmup",
  "4",
  "--pool",
  "64",
  "--eval-count",
  "0",
  "--checkpoint-every",
  String(CHECKPOINT_EVERY),
  "--log-every",
  "1",
  "--seed",
  "7",
  // Recursion grown at steps 8 and 16: a resume must land in the right phase.
  "--curriculum",
  JSON.stringify([
    { from: 8, tCycles: 2, maxSupervisionSteps: 4 },
    { from: 16, nRecursions: 2 },
  ]),
  "--json",
];

interface Line {
  event: string;
  step: number;
  lmLoss?: number;
  haltLoss?: number;
}

function train(dir: string, extra: string[] = []): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "cli.ts", "train", ...ARGS, "--out", `${dir}/model.safetensors`, ...extra],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Reads JSON lines as they come; `onLine` may return true to stop reading. */
async function readLines(
  child: Deno.ChildProcess,
  onLine: (line: Line) => boolean | void,
): Promise<Line[]> {
  const lines: Line[] = [];
  let buffer = "";
  const decoder = new TextDecoder();
  for await (const chunk of child.stdout) {
    buffer += decoder.decode(chunk, { stream: true });
    let nl;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const text = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      if (!text.startsWith("{")) continue;
      const line = JSON.parse(text) as Line;
      lines.push(line);
      if (onLine(line)) return lines;
    }
  }
  return lines;
}

async function finish(child: Deno.ChildProcess, what: string): Promise<void> {
  const [status, err] = await Promise.all([child.status, new Response(child.stderr).text()]);
  if (!status.success) {
    throw new Error(
      `${what} failed (${status.code}): ${
        err.split("\n").filter((l) => !l.includes("XDG_RUNTIME_DIR")).join("\n")
      }`,
    );
  }
}

function losses(lines: Line[]): Map<number, [number, number]> {
  return new Map(
    lines.filter((l) => l.event === "train").map((l) => [l.step, [l.lmLoss!, l.haltLoss!]]),
  );
}

Deno.test({
  ...opts,
  name:
    "train: SIGKILL at a random step loses at most the steps since the last checkpoint; --resume reproduces the run",
  fn: async () => {
    const dirA = await Deno.makeTempDir({ prefix: "trm_resume_a_" });
    const dirB = await Deno.makeTempDir({ prefix: "trm_resume_b_" });
    try {
      // The uninterrupted reference run.
      const a = train(dirA);
      const linesA = await readLines(a, () => false);
      await finish(a, "the uninterrupted run");
      const reference = losses(linesA);
      if (reference.size !== STEPS) {
        throw new Error(`expected ${STEPS} loss lines, got ${reference.size}`);
      }
      const phases = linesA.filter((l) => l.event === "curriculum").map((l) => l.step);
      if (phases.join() !== "8,16") throw new Error(`curriculum changes at steps ${phases}`);
      const final = decodeCheckpoint(await Deno.readFile(`${dirA}/model.safetensors`)).config;
      if (final.tCycles !== 2 || final.nRecursions !== 2 || final.maxSupervisionSteps !== 4) {
        throw new Error(`final recursion T=${final.tCycles} n=${final.nRecursions}`);
      }

      // Killed at a random step after the first checkpoint (between checkpoints most of the time).
      const killAt = CHECKPOINT_EVERY + 1 +
        Math.floor(Math.random() * (STEPS - CHECKPOINT_EVERY - 3));
      const b = train(dirB);
      let lastLogged = 0;
      await readLines(b, (line) => {
        if (line.event === "train") lastLogged = line.step;
        if (lastLogged >= killAt) {
          b.kill("SIGKILL");
          return true;
        }
      });
      const status = await b.status;
      await b.stderr.cancel();
      if (status.success) throw new Error("the killed run should not exit successfully");
      const checkpoint = `${dirB}/model.train.safetensors`;
      const { meta } = decodeTrainingState(await Deno.readFile(checkpoint)); // throws if corrupt
      if (meta.step % CHECKPOINT_EVERY !== 0 || meta.step < 1) {
        throw new Error(`checkpoint at step ${meta.step}`);
      }
      // Steps logged after the checkpoint are lost, and no more than a checkpoint interval.
      if (lastLogged - meta.step > CHECKPOINT_EVERY) {
        throw new Error(
          `killed after step ${lastLogged} but the checkpoint holds step ${meta.step}`,
        );
      }

      const c = train(dirB, ["--resume"]);
      const linesC = await readLines(c, () => false);
      await finish(c, "the resumed run");
      const resumed = losses(linesC);
      for (let s = meta.step + 1; s <= STEPS; s++) {
        const got = resumed.get(s), want = reference.get(s);
        if (!got || !want) throw new Error(`step ${s} missing after resume`);
        // Same seed, same kernels, same state: the losses are bit-identical.
        if (got[0] !== want[0] || got[1] !== want[1]) {
          throw new Error(`step ${s}: losses ${got} after resume, ${want} uninterrupted`);
        }
      }
      const [modelA, modelB] = await Promise.all([
        Deno.readFile(`${dirA}/model.safetensors`),
        Deno.readFile(`${dirB}/model.safetensors`),
      ]);
      if (modelA.length !== modelB.length || modelA.some((v, i) => v !== modelB[i])) {
        throw new Error("final models differ");
      }
    } finally {
      await Deno.remove(dirA, { recursive: true });
      await Deno.remove(dirB, { recursive: true });
    }
  },
});
