/**
 * `cli.ts eval --task arc`: the official ARC evaluation. Every test input of every task runs
 * in `--augmentations` copies (batched), the copies' predictions are mapped back and
 * voted (votes, then mean halting confidence), and each task scores the fraction of its
 * test inputs whose answer is the top vote (pass@1) or among the top two (pass@2).
 *
 * @module
 */
import type { GpuDeviceOptions } from "../gpu/device.ts";
import { Gpu } from "../gpu/gpu.ts";
import { type ArcTaskAnswer, solveArcTasks } from "../solve/arc.ts";
import { scoreArcTask } from "../solve/arc_vote.ts";
import { readArcTasks } from "./arc_files.ts";
import { loadArcModel } from "./arc_model.ts";
import { UsageError } from "./errors.ts";
import { GPU_FLAG, gpuOptions } from "./gpu_flag.ts";
import { choiceOption, intOption, parseOptions } from "./options.ts";

const HELP =
  `Usage: deno run -A cli.ts eval --task arc --model MODEL.safetensors --data DIR [options]

Scores a model on ARC tasks as the official evaluator: every test input runs in K augmented
copies (dihedral transform × colour permutation; all N_sup steps), each prediction is
decoded (the largest top-left colour rectangle), mapped back, and the copies vote; ties
go to the higher mean halting confidence. A task scores the fraction of its test inputs
solved by the top vote (pass@1) or the top two (pass@2).

A copy uses its trained puzzle embedding when the model file lists the task (a
train --task arc run stores them, evaluation tasks' demonstrations included). A task the
model never saw runs on the blank identifier 0, without a task embedding.

Options:
  --task arc            this evaluation
  --model FILE          model checkpoint (seqLen 900, vocabulary ≥ 12)
  --data PATH           a task file, a folder of task files, the ARC-AGI-1 folder (its
                        evaluation/ tasks), or an official build (its test_puzzles.json);
                        test pairs need outputs
  --limit N             only the first N tasks (by file name)
  --augmentations K     copies per test input, the identity included (default 8; a task
                        the model trained on runs at most its trained copies)
  --batch N             copies per model call (default 32)
  --steps N             supervision steps (default the model's N_sup)
  --seed N              seed of the augmentations of unseen tasks (default 0)
  --json                one JSON line per task, then a summary line
  --kernel-profile P    kernels to use: auto (from the adapter), cpu or gpu`;

interface ArcEvalFlags {
  model: string;
  data: string;
  limit?: number;
  augmentations: number;
  batch: number;
  steps?: number;
  seed: number;
  json: boolean;
  gpu: GpuDeviceOptions;
}

function flags(args: string[]): ArcEvalFlags | "help" {
  const { values } = parseOptions(args, {
    task: { type: "string" },
    model: { type: "string" },
    data: { type: "string" },
    limit: { type: "string" },
    augmentations: { type: "string" },
    batch: { type: "string" },
    steps: { type: "string" },
    seed: { type: "string" },
    json: { type: "boolean" },
    ...GPU_FLAG,
    help: { type: "boolean", short: "h" },
  }, "eval --task arc");
  if (values.help) return "help";
  choiceOption(values, "task", ["arc"] as const);
  if (!values.model) throw new UsageError("--model FILE is required");
  if (!values.data) throw new UsageError("--data PATH is required (ARC task files)");
  return {
    model: String(values.model),
    data: String(values.data),
    limit: intOption(values, "limit", 1),
    augmentations: intOption(values, "augmentations", 1, 1000) ?? 8,
    batch: intOption(values, "batch", 1, 4096) ?? 32,
    steps: intOption(values, "steps", 1, 1024),
    seed: intOption(values, "seed", 0, Number.MAX_SAFE_INTEGER) ?? 0,
    json: values.json === true,
    gpu: gpuOptions(values),
  };
}

/** Runs `eval --task arc`; returns the exit code. */
export async function run(args: string[], options: { gpu?: Gpu } = {}): Promise<number> {
  const f = flags(args);
  if (f === "help") {
    console.log(HELP);
    return 0;
  }
  const tasks = await readArcTasks(f.data, { limit: f.limit, requireTestOutputs: true });
  const gpu = options.gpu ?? await Gpu.create(f.gpu);
  const { model, identifiers } = await loadArcModel(f.model, gpu);
  let answers: ArcTaskAnswer[];
  const started = performance.now();
  try {
    answers = await solveArcTasks(model, tasks, {
      augmentations: f.augmentations,
      identifiers,
      seed: f.seed,
      batchSize: f.batch,
      maxSteps: f.steps,
    });
  } finally {
    model.dispose();
  }
  const seconds = (performance.now() - started) / 1000;
  const adapter = gpu.summary.description;
  let pass1 = 0, pass2 = 0, inputs = 0, copies = 0, blank = 0;
  answers.forEach((a, t) => {
    const score = scoreArcTask(a.tests.map((x) => x.ranked), tasks[t].test.map((p) => p.output!));
    pass1 += score.pass1;
    pass2 += score.pass2;
    inputs += a.tests.length;
    copies += a.tests.length * a.copies;
    if (!a.trainedIds) blank++;
    const line = {
      task: a.name,
      pass1: score.pass1,
      pass2: score.pass2,
      tests: a.tests.length,
      copies: a.copies,
      trainedIds: a.trainedIds,
      votes: a.tests.map((x) => x.ranked[0]?.votes ?? 0),
    };
    console.log(
      f.json
        ? JSON.stringify(line)
        : `${a.name.padEnd(12)} pass@1 ${fraction(score.pass1, a.tests.length)}  pass@2 ${
          fraction(score.pass2, a.tests.length)
        }  (${a.copies} cop${a.copies === 1 ? "y" : "ies"}, top vote ${line.votes.join("/")}${
          a.trainedIds ? "" : ", blank id"
        })`,
    );
  });
  const n = Math.max(1, tasks.length);
  const summary = {
    summary: true,
    model: f.model,
    data: f.data,
    adapter,
    tasks: tasks.length,
    testInputs: inputs,
    copies,
    pass1: pass1 / n,
    pass2: pass2 / n,
    blankIdTasks: blank,
    seconds,
    puzzlesPerSecond: inputs / Math.max(seconds, 1e-9),
    copiesPerSecond: copies / Math.max(seconds, 1e-9),
  };
  if (f.json) console.log(JSON.stringify(summary));
  else {
    console.log(
      `${tasks.length} tasks (${inputs} test inputs, ${copies} copies): pass@1 ${
        (100 * summary.pass1).toFixed(2)
      }%, pass@2 ${(100 * summary.pass2).toFixed(2)}%\n` +
        (blank
          ? `${blank} task${
            blank === 1 ? "" : "s"
          } not in the model's file ran on the blank puzzle identifier 0\n`
          : "") +
        `${summary.puzzlesPerSecond.toFixed(2)} test inputs/s, ${
          summary.copiesPerSecond.toFixed(1)
        } copies/s (${seconds.toFixed(1)} s on ${adapter})`,
    );
  }
  return 0;
}

/** "1/2" style: solved inputs (a task's fraction × its inputs) over inputs. */
function fraction(score: number, count: number): string {
  return `${Math.round(score * count)}/${count}`;
}
