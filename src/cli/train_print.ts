/**
 * How `train` prints a run: text lines with a progress bar on a terminal, or JSON lines
 * (`--json`), for each event of the library run and for how it ended.
 *
 * @module
 */
import { SUDOKU_DIFFICULTIES } from "../puzzles/sudoku_generate.ts";
import type { RunInfo, TrainingEvent, TrainingRunResult } from "../train/run.ts";

/** "1h02m", "3m05s", "12s". */
function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return h
    ? `${h}h${String(m).padStart(2, "0")}m`
    : m
    ? `${m}m${String(r).padStart(2, "0")}s`
    : `${r}s`;
}

/** Prints a run's events as text (with a progress bar on a terminal) or JSON lines. */
export function eventPrinter(
  json: boolean,
  info: RunInfo,
  paths: { out: string; checkpoint: string },
): {
  onEvent: (e: TrainingEvent) => void;
  say: (obj: Record<string, unknown>, text: string) => void;
  clearBar: () => void;
} {
  const say = (obj: Record<string, unknown>, text: string) => {
    if (json) console.log(JSON.stringify(obj));
    else console.log(text);
  };
  const progress = !json && Deno.stderr.isTerminal();
  const encoder = new TextEncoder();
  const bar = (text: string) => Deno.stderr.writeSync(encoder.encode(`\r\x1b[2K${text}`));
  const clearBar = () => progress && bar("");
  const onEvent = (e: TrainingEvent) => {
    if (e.event === "step") {
      if (!progress) return;
      const frac = e.step / e.steps;
      const width = 24;
      const filled = Math.round(frac * width);
      const eta = (e.steps - e.step) / Math.max(e.rate.stepsPerSecond, 1e-9);
      const m = e.metrics;
      bar(
        `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${e.step}/${e.steps} ${
          e.rate.stepsPerSecond.toFixed(2)
        } steps/s ETA ${formatDuration(eta)}` +
          (m ? ` loss ${m.lmLoss.toFixed(3)} exact ${m.exactAccuracy.toFixed(3)}` : ""),
      );
      return;
    }
    clearBar();
    if (e.event === "train") {
      const m = e.metrics, r = e.rate;
      say(
        { event: "train", ...m, ...r },
        `step ${m.step}/${info.steps} loss ${m.lmLoss.toFixed(4)} halt ${m.haltLoss.toFixed(4)} ` +
          // Per-sample metrics count the samples that halted in the window (none: "-").
          (m.halted > 0
            ? `acc ${m.accuracy.toFixed(3)} exact ${m.exactAccuracy.toFixed(3)} ` +
              `q-acc ${m.qHaltAccuracy.toFixed(3)} steps ${m.meanSteps.toFixed(2)} `
            : "acc - exact - q-acc - steps - ") +
          `lr ${m.lr.toExponential(2)} ${r.examplesStepsPerSecond.toFixed(1)} ex·steps/s`,
      );
    } else if (e.event === "eval") {
      const r = e.result, p = e.paths;
      const tiers = r.exactByGroup?.map((g, t) =>
        `${SUDOKU_DIFFICULTIES[t]} ${(100 * g.exactAccuracy).toFixed(1)}%`
      ).join(", ");
      say(
        { event: "eval", step: e.step, ...r, ...p },
        `eval step ${e.step}: exact ${(100 * r.exactAccuracy).toFixed(1)}% token ${
          (100 * r.tokenAccuracy).toFixed(1)
        }% ` +
          (p
            ? `valid-path ${(100 * p.validPath).toFixed(1)}% shortest-path ${
              (100 * p.shortestPath).toFixed(1)
            }% `
            : "") +
          `halted-exact ${(100 * r.haltedExactAccuracy).toFixed(1)}% mean halt step ${
            r.meanHaltStep.toFixed(2)
          } (${r.count} held-out puzzles${tiers ? `: ${tiers}` : ""})`,
      );
    } else if (e.event === "curriculum") {
      say(
        { ...e },
        `step ${e.step}: recursion now T = ${e.tCycles}, n = ${e.nRecursions}, N_sup = ${e.maxSupervisionSteps}`,
      );
    } else if (e.event === "checkpoint" && json) {
      console.log(JSON.stringify({ ...e, path: paths.checkpoint, model: paths.out }));
    }
  };
  return { onEvent, say, clearBar };
}

/** Prints how the run ended; returns the exit code. */
export function reportEnd(
  result: TrainingRunResult,
  o: {
    out: string;
    checkpointPath: string;
    say: (obj: Record<string, unknown>, text: string) => void;
  },
): number {
  const { out, checkpointPath, say } = o;
  if (result.status === "non-finite") {
    const last = result.lastCheckpoint;
    const msg =
      `the loss became NaN or Inf at step ${result.nonFiniteStep}; stopping. The last good checkpoint (step ${last}) is kept` +
      (last > 0 ? ` at ${checkpointPath}` : "") +
      "; try a lower --lr or --max-grad-norm";
    say(
      {
        event: "error",
        reason: "non-finite loss",
        step: result.nonFiniteStep,
        lastCheckpoint: last,
      },
      `error: ${msg}`,
    );
    return 1;
  }
  if (result.status === "aborted") {
    say(
      { event: "interrupted", step: result.step, checkpoint: checkpointPath },
      `interrupted at step ${result.step}; saved ${checkpointPath} (continue with --resume)`,
    );
    return 130;
  }
  const r = result.rate, e = result.eval, p = result.paths;
  say(
    {
      event: "done",
      step: result.step,
      seconds: r.seconds,
      stepsPerSecond: r.stepsPerSecond,
      examplesStepsPerSecond: r.examplesStepsPerSecond,
      exactAccuracy: e?.exactAccuracy,
      tokenAccuracy: e?.tokenAccuracy,
      ...p,
      model: out,
      checkpoint: checkpointPath,
    },
    `done: ${result.step} steps in ${formatDuration(r.seconds)} (${
      r.examplesStepsPerSecond.toFixed(1)
    } examples × supervision steps/s)` +
      (e ? `; held-out exact accuracy ${(100 * e.exactAccuracy).toFixed(1)}%` : "") +
      (p
        ? `, valid path ${(100 * p.validPath).toFixed(1)}%, shortest path ${
          (100 * p.shortestPath).toFixed(1)
        }%`
        : "") +
      `; EMA model written to ${out}`,
  );
  return 0;
}
