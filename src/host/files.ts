/**
 * Host file I/O shared by the CLI and the server (the one place outside the doors that
 * calls `Deno.*` for files): reading models by URL, atomic writes with unique temporary
 * names, exclusive output locks, and output-path checks that fail before any work is done.
 *
 * @module
 */
import type { ReadFile } from "../solve/registry.ts";
import { fetchFileOrNull, SHIPPED_MODELS_INDEX } from "../solve/shipped.ts";

/** Reads a file URL (null when missing) or fetches an http(s) one (null on 404). */
export const readFileOrNull: ReadFile = async (url) => {
  if (url.protocol !== "file:") return await fetchFileOrNull(url);
  try {
    return await Deno.readFile(url);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
};

/** The shipped models' index, next to the project root. */
export const SHIPPED_INDEX: URL = SHIPPED_MODELS_INDEX;

/** Whether a path exists (other errors, such as permission denied, are thrown). */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/**
 * Writes `bytes` to `path` atomically: a temporary file unique to this process and call,
 * flushed to disk, then renamed over (so two writers never share a temporary file and a
 * crash leaves the old file whole).
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  const file = await Deno.open(tmp, { write: true, createNew: true });
  try {
    try {
      let off = 0;
      while (off < bytes.length) off += await file.write(bytes.subarray(off));
      await file.syncData();
    } finally {
      file.close();
    }
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}

/** The directory part of a path ("." for a bare name). */
function dirOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "." : i === 0 ? "/" : path.slice(0, i);
}

/**
 * Checks that `path` can be written as a file, before any work is done: its directory
 * exists and is a directory, and `path` is not itself a directory. `flag` names the option
 * in the message (e.g. "--out").
 */
export async function checkOutputPath(path: string, flag: string): Promise<void> {
  const dir = dirOf(path);
  let stat;
  try {
    stat = await Deno.stat(dir);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new Error(`${flag} ${path}: the directory ${dir} does not exist (mkdir -p ${dir})`);
    }
    throw new Error(`${flag} ${path}: cannot reach ${dir} (${(e as Error).message})`);
  }
  if (!stat.isDirectory) throw new Error(`${flag} ${path}: ${dir} is not a directory`);
  let target;
  try {
    target = await Deno.stat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw new Error(`${flag} ${path}: ${(e as Error).message}`);
  }
  if (target.isDirectory) {
    throw new Error(
      `${flag} ${path} is a directory; give a file name, e.g. ${
        path.replace(/\/$/, "")
      }/model.safetensors`,
    );
  }
}

/** An exclusive lock held on a file path; release it when done. */
export interface FileLock {
  /** The lock file (`path.lock`). */
  readonly path: string;
  /** Removes the lock file (idempotent). */
  release(): void;
}

/** Whether a process is alive (Linux /proc; elsewhere assume it is, the safe answer). */
function processAlive(pid: number): boolean {
  try {
    Deno.statSync("/proc/self");
  } catch {
    return true;
  }
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Takes an exclusive lock on `path` by creating `path.lock` (holding this process's PID)
 * with create-new semantics, so that a second writer fails at once. A lock left by a
 * process that no longer runs (killed with SIGKILL, say) is taken over. Also proves that
 * the directory is writable. `flag` names the option in messages.
 */
export async function lockPath(path: string, flag: string): Promise<FileLock> {
  const lock = `${path}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await Deno.writeTextFile(lock, `${Deno.pid}\n`, { createNew: true });
      let held = true;
      return {
        path: lock,
        release() {
          if (!held) return;
          held = false;
          try {
            Deno.removeSync(lock);
          } catch { /* already gone */ }
        },
      };
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) {
        throw new Error(`${flag} ${path}: cannot write there (${(e as Error).message})`);
      }
    }
    const holder = Number((await Deno.readTextFile(lock).catch(() => "")).trim());
    if (Number.isInteger(holder) && holder > 0 && processAlive(holder)) {
      throw new Error(
        `${flag} ${path} is in use by another run (PID ${holder}, lock ${lock}); wait for it to finish or choose another ${flag}`,
      );
    }
    // The holder is gone: the lock is stale.
    await Deno.remove(lock).catch(() => {});
  }
  throw new Error(`${flag} ${path}: could not take the lock ${lock}; remove it if no run holds it`);
}
