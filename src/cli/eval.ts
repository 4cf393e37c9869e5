/**
 * `cli.ts eval`: scores a model file on a dataset the official way (every puzzle runs all
 * N_sup supervision steps; exact accuracy on the last) and reports where the halting head
 * would have stopped, token accuracy and throughput.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { parsePuzzleCsv, recordsToDataset } from "../data/csv.ts";
import type { TokenDataset } from "../data/dataset.ts";
import { readOfficialSplit } from "../data/official.ts";
import { Gpu } from "../gpu/gpu.ts";
import { loadModel } from "../model/checkpoint.ts";
import { evaluate } from "../train/evaluate.ts";
import { UsageError } from "./main.ts";

const HELP =
  `Usage: deno run -A cli.ts eval --model MODEL.safetensors --data FILE [--limit N] [--json]

Scores a model on a dataset: every puzzle runs all N_sup supervision steps and is scored on
the last (the official evaluation); also reports the step where the halting head would stop.

Options:
  --model FILE     model checkpoint (safetensors with its config, e.g. from cli.ts train)
  --data FILE      puzzles: a CSV (source,question,answer,rating), or an official dataset
                   directory (its test split; --split to choose another)
  --split NAME     split of an official dataset directory (default test)
  --limit N        score only the first N puzzles
  --batch N        puzzles per GPU batch (default 256)
  --steps N        supervision steps (default the model's N_sup)
  --json           one JSON object instead of text`;

/** Runs `eval` with its arguments; returns the exit code. */
export async function run(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        model: { type: "string" },
        data: { type: "string" },
        split: { type: "string" },
        limit: { type: "string" },
        batch: { type: "string" },
        steps: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (e) {
    throw new UsageError(`${(e as Error).message.split("\n")[0]} (see eval --help)`);
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!values.model) throw new UsageError("--model FILE is required");
  if (!values.data) {
    throw new UsageError("--data FILE is required (a CSV or an official dataset directory)");
  }
  const positive = (name: "limit" | "batch" | "steps") => {
    const text = values[name];
    if (text === undefined) return undefined;
    const v = Number(text);
    if (!Number.isInteger(v) || v < 1) {
      throw new UsageError(`--${name} must be a positive integer, got "${text}"`);
    }
    return v;
  };
  const limit = positive("limit"), batchSize = positive("batch"), maxSteps = positive("steps");

  let modelBytes;
  try {
    modelBytes = await Deno.readFile(values.model);
  } catch (e) {
    throw new UsageError(`cannot read --model ${values.model}: ${(e as Error).message}`);
  }
  let data: TokenDataset;
  let stat;
  try {
    stat = await Deno.stat(values.data);
  } catch (e) {
    throw new UsageError(`cannot read --data ${values.data}: ${(e as Error).message}`);
  }
  if (stat.isDirectory) {
    data = await readOfficialSplit((p) => Deno.readFile(p), values.data, values.split ?? "test");
  } else {
    data = recordsToDataset(parsePuzzleCsv(await Deno.readTextFile(values.data)));
  }
  const gpu = await Gpu.create();
  const model = await loadModel(modelBytes, { gpu });
  try {
    if (data.seqLen !== model.config.seqLen) {
      throw new UsageError(
        `the data has ${data.seqLen} tokens per puzzle; the model expects ${model.config.seqLen}`,
      );
    }
    if (data.metadata.vocab_size > model.config.vocabSize) {
      throw new UsageError(
        `the data's vocabulary (${data.metadata.vocab_size}) is larger than the model's (${model.config.vocabSize})`,
      );
    }
    const progress = !values.json && Deno.stderr.isTerminal();
    const encoder = new TextEncoder();
    const r = await evaluate(model, data, {
      limit,
      batchSize,
      maxSteps,
      ignoreLabel: data.metadata.ignore_label_id ?? 0,
      onProgress: progress
        ? (done, total) =>
          Deno.stderr.writeSync(encoder.encode(`\r\x1b[2K${done}/${total} puzzles`))
        : undefined,
    });
    if (progress) Deno.stderr.writeSync(encoder.encode("\r\x1b[2K"));
    if (values.json) {
      console.log(
        JSON.stringify({
          model: values.model,
          data: values.data,
          adapter: gpu.summary.description,
          ...r,
        }),
      );
    } else {
      console.log(
        `${r.count} puzzles: exact accuracy ${
          (100 * r.exactAccuracy).toFixed(2)
        }%, token accuracy ${(100 * r.tokenAccuracy).toFixed(2)}%\n` +
          `halting head: mean halting step ${
            r.meanHaltStep.toFixed(2)
          }, exact accuracy where it halts ${(100 * r.haltedExactAccuracy).toFixed(2)}%\n` +
          `${r.puzzlesPerSecond.toFixed(1)} puzzles/s (${
            r.seconds.toFixed(1)
          } s on ${gpu.summary.description})`,
      );
    }
    return 0;
  } finally {
    model.dispose();
  }
}
