/**
 * `solve` for ARC: an ARC task file (JSON with `train` and `test` lists, recognised by
 * content) is solved with `--model` (no ARC model ships): each test input runs in
 * `--augmentations` copies that vote, and the two best answers print as rows of digits
 * (or `--json` lines). When the file has the test outputs, each answer says whether it
 * matches them.
 *
 * @module
 */
import type { Gpu } from "../gpu/gpu.ts";
import { arcGridRows, arcGridsEqual, ArcTaskError, parseArcTask } from "../puzzles/arc.ts";
import { solveArcTasks } from "../solve/arc.ts";
import { loadArcModel } from "./arc_model.ts";
import { UsageError } from "./errors.ts";

/** Whether the start of an input is a JSON object with a `train` or `test` key (an ARC task). */
export function looksLikeArcInput(head: string): boolean {
  return /^\uFEFF?\s*\{/.test(head) && /"(train|test)"\s*:/.test(head);
}

/**
 * Wraps another form's sniff: a JSON object is decided once a `train`/`test` key shows
 * (or 4 KB without one), since a pretty-printed task's first line is just "{".
 */
export function arcSniffDecided(other: (head: string) => boolean): (head: string) => boolean {
  return (head) =>
    /^\uFEFF?\s*\{/.test(head)
      ? /"(train|test)"\s*:/.test(head) || head.length > 4096
      : other(head);
}

/** What `solve` passes on. */
export interface ArcSolveFlags {
  /** The model file (required: no ARC model ships). */
  model?: string;
  /** Copies per test input (default 8). */
  augmentations?: number;
  /** Supervision steps (default the model's N_sup). */
  maxSteps?: number;
  /** Copies per model call. */
  batch: number;
  /** Seed of the augmentations of an unseen task. */
  seed: number;
  /** JSON lines. */
  json: boolean;
}

/** Solves the task in `text` and prints its answers; returns the exit code. */
export async function solveArcInput(
  text: string,
  label: string,
  f: ArcSolveFlags,
  gpu: () => Promise<Gpu>,
  write: (text: string) => Promise<void>,
): Promise<number> {
  let task;
  try {
    task = parseArcTask(text, label);
  } catch (e) {
    if (e instanceof ArcTaskError) throw new UsageError(e.message);
    throw e;
  }
  task.name = label.split(/[\\/]/).pop()!.replace(/\.json$/i, "");
  if (!f.model) {
    throw new UsageError(
      `${label} is an ARC task; no ARC model ships: pass --model FILE (from cli.ts train --task arc)`,
    );
  }
  const { model, identifiers } = await loadArcModel(f.model, await gpu());
  const started = performance.now();
  let answer;
  try {
    [answer] = await solveArcTasks(model, [task], {
      augmentations: f.augmentations,
      identifiers,
      seed: f.seed,
      batchSize: f.batch,
      maxSteps: f.maxSteps,
    });
  } finally {
    model.dispose();
  }
  const ms = performance.now() - started;
  const out: string[] = [];
  answer.tests.forEach((t, i) => {
    const expected = task.test[i].output;
    const top = t.ranked[0];
    const correct = expected ? t.attempts.map((g) => arcGridsEqual(g, expected)) : undefined;
    if (f.json) {
      out.push(JSON.stringify({
        task: answer.name,
        test: i + 1,
        attempts: t.attempts.map(arcGridRows),
        votes: t.ranked.slice(0, 2).map((c) => c.votes),
        confidence: t.ranked.slice(0, 2).map((c) => Math.round(c.meanConfidence * 1e4) / 1e4),
        copies: answer.copies,
        trainedIds: answer.trainedIds,
        ...(correct ? { correct } : {}),
        model: f.model,
        ms: Math.round((ms / answer.tests.length) * 100) / 100,
      }));
      return;
    }
    out.push(
      `test ${i + 1} of ${answer.name}: ${answer.copies} copies, top vote ${
        top?.votes ?? 0
      } (confidence ${(top?.meanConfidence ?? 0).toFixed(3)})${
        answer.trainedIds ? "" : ", blank puzzle id (task not in the model's file)"
      }`,
    );
    t.attempts.forEach((g, k) => {
      if (k === 1 && t.ranked.length < 2) return; // one candidate: no second attempt
      const verdict = correct ? (correct[k] ? " — matches the file's output" : " — wrong") : "";
      out.push(`attempt ${k + 1}: ${g.rows}×${g.cols}${verdict}`);
      out.push(...(g.rows ? arcGridRows(g).map((r) => r.join("")) : ["(empty: no grid decoded)"]));
    });
    out.push("");
  });
  if (!f.json) {
    out.push(`${answer.tests.length} test input(s) · model ${f.model} · ${ms.toFixed(0)} ms`);
  }
  await write(out.join("\n") + "\n");
  return 0;
}
