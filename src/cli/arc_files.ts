/**
 * Reading ARC tasks from disk for `eval`, `solve` and `train`: one task file, a folder of
 * task files (sorted by name), the ARC-AGI-1 layout (a folder with `training/` and
 * `evaluation/`), or, to score, a dataset built by the official script (its
 * `test_puzzles.json`). Every problem is a one-line UsageError naming the file.
 *
 * @module
 */
import { type ArcTask, ArcTaskError, parseArcTask, parseArcTaskValue } from "../puzzles/arc.ts";
import type { ArcTrainingTask } from "../puzzles/arc_puzzles.ts";
import { UsageError } from "./errors.ts";

/** Options of {@linkcode readArcTaskFile}. */
export interface ReadArcOptions {
  /** Test pairs must carry outputs (to score them). */
  requireTestOutputs?: boolean;
}

/** One task file; its name is the file name without `.json`. */
export async function readArcTaskFile(
  path: string,
  options: ReadArcOptions = {},
): Promise<ArcTask> {
  let text;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    const task = parseArcTask(text, path, options);
    return { ...task, name: baseName(path) };
  } catch (e) {
    if (e instanceof ArcTaskError) throw new UsageError(e.message);
    throw e;
  }
}

function baseName(path: string): string {
  return path.split(/[\\/]/).pop()!.replace(/\.json$/i, "");
}

/** The `.json` files of a folder, sorted (empty when there are none). */
async function jsonFiles(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile && e.name.toLowerCase().endsWith(".json")) names.push(e.name);
  }
  return names.sort().map((n) => `${dir.replace(/\/+$/, "")}/${n}`);
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    return false;
  }
}

async function statOrFail(path: string, flag: string): Promise<Deno.FileInfo> {
  try {
    return await Deno.stat(path);
  } catch (e) {
    throw new UsageError(`cannot read ${flag} ${path}: ${(e as Error).message}`);
  }
}

/** The tasks of an official build's `test_puzzles.json` (name → task), or null without one. */
async function officialTestPuzzles(
  dir: string,
  options: ReadArcOptions,
): Promise<ArcTask[] | null> {
  const file = `${dir.replace(/\/+$/, "")}/test_puzzles.json`;
  let text;
  try {
    text = await Deno.readTextFile(file);
  } catch {
    return null;
  }
  let value;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${file}: not valid JSON (${(e as Error).message.split("\n")[0]})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new UsageError(`${file}: expected an object of tasks by name`);
  }
  try {
    return Object.keys(value).sort().map((name) => ({
      ...parseArcTaskValue(value[name], `${file}: ${name}`, options),
      name,
    }));
  } catch (e) {
    if (e instanceof ArcTaskError) throw new UsageError(e.message);
    throw e;
  }
}

/**
 * The tasks to score: a task file, a folder of them, the ARC-AGI-1 layout's `evaluation/`
 * folder, or an official build's `test_puzzles.json`; the first `limit` by name.
 */
export async function readArcTasks(
  path: string,
  options: ReadArcOptions & { limit?: number; flag?: string } = {},
): Promise<ArcTask[]> {
  const stat = await statOrFail(path, options.flag ?? "--data");
  let files = [path];
  if (stat.isDirectory) {
    const official = await officialTestPuzzles(path, options);
    if (official) return official.slice(0, options.limit ?? official.length);
    files = await jsonFiles(path);
    if (!files.length && await isDir(`${path}/evaluation`)) {
      files = await jsonFiles(`${path}/evaluation`);
    }
    if (!files.length) throw new UsageError(`${path} holds no .json task files`);
  }
  files = files.slice(0, options.limit ?? files.length);
  return await Promise.all(files.map((f) => readArcTaskFile(f, options)));
}

/**
 * The training tasks: a task file or a folder of them (every pair trains), or the
 * ARC-AGI-1 layout: `training/` (every pair) plus `evaluation/`'s demonstrations only
 * (the official recipe: their test outputs are never trained on). `limit` keeps the
 * first N tasks of each folder.
 */
export async function readArcTrainingTasks(
  path: string,
  options: { limit?: number } = {},
): Promise<ArcTrainingTask[]> {
  const stat = await statOrFail(path, "--data");
  const take = async (files: string[], useTest: boolean) => {
    const chosen = files.slice(0, options.limit ?? files.length);
    const tasks = await Promise.all(chosen.map((f) => readArcTaskFile(f)));
    return tasks.map((task) => ({ task, useTest }));
  };
  if (!stat.isDirectory) return await take([path], true);
  const own = await jsonFiles(path);
  if (own.length) return await take(own, true);
  if (await isDir(`${path}/training`)) {
    const training = await take(await jsonFiles(`${path}/training`), true);
    const evaluation = await isDir(`${path}/evaluation`)
      ? await take(await jsonFiles(`${path}/evaluation`), false)
      : [];
    if (training.length + evaluation.length) return [...training, ...evaluation];
  }
  throw new UsageError(`${path} holds no .json task files (nor training/ and evaluation/ folders)`);
}
