/**
 * `solve` for mazes: recognises maze input (text grids of `# SGo`, one maze per block, or
 * the CSV `generate --task maze` writes), solves each size with its model, and prints the
 * model's path drawn in the grid (`o`), whether it is a shortest S→G path, the steps and
 * the time. Mazes are read whole (they are small next to the Sudoku streams).
 *
 * @module
 */
import { parsePuzzleCsv } from "../data/csv.ts";
import { formatMaze, formatMazeLine, type Maze, parseMaze } from "../puzzles/maze.ts";
import { type MazeAnswer, mazeModelMismatch, solveMazes } from "../solve/maze.ts";
import { ModelMismatchError, type ModelRegistry } from "../solve/registry.ts";
import { UsageError } from "./errors.ts";

const MAZE_ROW = /^[# SGo]{5,}$/;

/**
 * Whether the start of an input is a maze (a grid row or maze CSV), not a Sudoku; lines
 * starting with `//` are comments (a `#` starts a maze row here, not a comment).
 */
export function looksLikeMaze(head: string): boolean {
  const lines = head.replace(/^\uFEFF/, "").split("\n").map((l) => l.replace(/\r$/, ""));
  const first = lines.findIndex((l) => l.trim() !== "" && !l.startsWith("//"));
  if (first < 0) return false;
  const line = lines[first];
  if (/^source,question,answer/i.test(line)) {
    const question = (lines[first + 1] ?? "").split(",")[1] ?? "";
    return MAZE_ROW.test(question) && question.includes("#");
  }
  // A grid row of walls and open cells, with S or G in its block (a Sudoku comment line
  // such as "# easy ones" has other letters); a malformed grid is then reported as a maze.
  if (!MAZE_ROW.test(line) || !line.includes("#")) return false;
  const block = lines.slice(first, first + line.length);
  return block.some((l) => /[SG]/.test(l));
}

/** Whether `head` (the start of an input) is enough for {@linkcode looksLikeMaze} to decide. */
export function mazeSniffDecided(head: string): boolean {
  const complete = head.slice(0, head.lastIndexOf("\n") + 1).split("\n").slice(0, -1)
    .map((l) => l.replace(/\r$/, "").replace(/^\uFEFF/, ""));
  const first = complete.findIndex((l) => l.trim() !== "" && !l.startsWith("//"));
  if (first < 0) return false;
  const line = complete[first];
  if (/^source,question,answer/i.test(line)) return complete.length > first + 1;
  if (!MAZE_ROW.test(line)) return true;
  return complete.length >= first + line.length;
}

/** One maze read from the input. */
interface ParsedMaze {
  maze: Maze;
  /** 1-based line where it starts. */
  line: number;
}

/** Every maze in `text`, or a one-line UsageError naming the line. */
export function parseMazeInput(text: string, label: string): ParsedMaze[] {
  const lines = text.replace(/^\uFEFF/, "").split("\n").map((l) => l.replace(/\r$/, ""));
  const out: ParsedMaze[] = [];
  const fail = (line: number, why: string): never => {
    throw new UsageError(`${label}: line ${line}: ${why}`);
  };
  if (
    /^source,question,answer/i.test(lines.find((l) => l.trim() !== "" && !l.startsWith("//")) ?? "")
  ) {
    parsePuzzleCsv(text).forEach((r, i) => {
      try {
        out.push({ maze: parseMaze(r.question), line: i + 2 });
      } catch (e) {
        fail(i + 2, (e as Error).message.replace(/^line 1(, )?/, "").replace(/^: /, ""));
      }
    });
    return out;
  }
  for (let i = 0; i < lines.length;) {
    if (lines[i].trim() === "" || lines[i].startsWith("//")) {
      i++;
      continue;
    }
    let end = i;
    while (end < lines.length && lines[end].trim() !== "" && !lines[end].startsWith("//")) end++;
    try {
      // A grid is as wide as it is tall: its first row gives N.
      const block = lines.slice(i, end);
      const size = block.length > 1 ? block[0].length : undefined;
      out.push({ maze: parseMaze(block.join("\n"), { size }), line: i + 1 });
    } catch (e) {
      fail(i + 1, `maze starting here: ${(e as Error).message}`);
    }
    i = end;
  }
  return out;
}

/** What `solve` passes on. */
export interface MazeSolveFlags {
  maxSteps?: number;
  haltThreshold: number;
  samples?: number;
  noise?: number;
  seed: number;
  batch: number;
  json: boolean;
  trace: boolean;
  /** The --model file's entry name, when given. */
  modelName?: string;
  modelLabel?: string;
}

/** Solves and prints every maze; returns the exit code (2 when some answer is invalid). */
export async function solveMazeInput(
  mazes: ParsedMaze[],
  registry: ModelRegistry,
  f: MazeSolveFlags,
  write: (text: string) => Promise<void>,
): Promise<number> {
  const started = performance.now();
  let invalid = 0;
  const answers: { p: ParsedMaze; a: MazeAnswer; ms: number; model: string }[] = [];
  for (const size of [...new Set(mazes.map((m) => m.maze.size))]) {
    let entry;
    try {
      entry = registry.resolve({ kind: "maze", size }, f.modelName);
    } catch (error) {
      if (!(error instanceof ModelMismatchError)) throw error;
      throw new UsageError(`${f.modelLabel ?? error.entry.name}: ${error.message}`);
    }
    const model = await registry.model(entry.name);
    const mismatch = mazeModelMismatch(model.config, size);
    if (mismatch) throw new UsageError(`model ${entry.name}: ${mismatch}`);
    const group = mazes.filter((m) => m.maze.size === size);
    for (let at = 0; at < group.length; at += f.batch) {
      const chunk = group.slice(at, at + f.batch);
      const t0 = performance.now();
      const solved = await solveMazes(model, chunk.map((c) => c.maze), {
        maxSteps: f.maxSteps ?? entry.solveSteps,
        haltThreshold: f.haltThreshold,
        trace: f.trace,
        samples: f.samples ?? entry.solveSamples,
        noise: f.noise ?? entry.solveNoise,
        seed: f.seed,
      });
      const ms = (performance.now() - t0) / chunk.length;
      chunk.forEach((p, k) => answers.push({ p, a: solved[k], ms, model: entry.name }));
    }
  }
  answers.sort((x, y) => x.p.line - y.p.line);
  const out: string[] = [];
  answers.forEach(({ p, a, ms, model }, i) => {
    if (!a.valid) invalid++;
    if (f.json) {
      out.push(JSON.stringify({
        maze: formatMazeLine(a.maze),
        solution: formatMazeLine(a.solution),
        valid: a.valid,
        ...(a.problem ? { problem: a.problem } : {}),
        steps: a.steps,
        halted: a.halted,
        confidence: Math.round(a.haltProb * 1e4) / 1e4,
        ms: Math.round(ms * 100) / 100,
        line: p.line,
        model,
        ...(a.trace ? { trace: a.trace.map(formatMazeLine) } : {}),
      }));
      return;
    }
    const verdict = a.valid ? "shortest path" : `INVALID: ${a.problem}`;
    out.push(
      `maze ${i + 1} (line ${p.line}): ${verdict} · ${a.steps} step${a.steps === 1 ? "" : "s"} (${
        a.halted ? "halted" : "step cap"
      }) · ${ms.toFixed(1)} ms`,
      formatMaze(a.solution),
      "",
    );
  });
  if (!f.json) {
    out.push(
      `${answers.length} maze${answers.length === 1 ? "" : "s"}: ${
        answers.length - invalid
      } valid, ${invalid} invalid · ${(performance.now() - started).toFixed(0)} ms`,
    );
  }
  await write(out.join("\n") + "\n");
  return invalid ? 2 : 0;
}
