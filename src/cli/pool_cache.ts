/**
 * A disk cache of generated training pools. Generating 50,000 9×9 puzzles takes minutes on
 * one core, and a pool is a pure function of its options, so `train --resume` and
 * tools/eval_tiers.ts read it back instead of generating it again. Files live under
 * `$TRM_POOL_CACHE` (default `~/.cache/trm/pools`; `TRM_POOL_CACHE=off` disables) and are
 * named by a hash of the options; a file that does not match its header is regenerated.
 *
 * @module
 */
import type { PuzzleTask } from "../data/dataset.ts";
import { type ExamplePool, generatePool, type GeneratePoolOptions } from "../train/data.ts";

/** Bumped whenever generation or this layout changes, so stale files are not read. */
const FORMAT = 1;

type Pool = ExamplePool & { vocabSize: number; tiers?: Uint8Array };

function cacheDir(): string | null {
  const set = Deno.env.get("TRM_POOL_CACHE");
  if (set === "off" || set === "0") return null;
  if (set) return set;
  const home = Deno.env.get("HOME");
  return home ? `${home}/.cache/trm/pools` : null;
}

function fnv(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, "0");
}

/**
 * {@linkcode generatePool}, read from the cache when an earlier run wrote it (any read or
 * write problem falls back to generating; the cache only saves time).
 */
export async function cachedPool(task: PuzzleTask, options: GeneratePoolOptions): Promise<Pool> {
  const dir = cacheDir();
  const key = JSON.stringify({ FORMAT, task, ...options });
  const path = dir ? `${dir}/${task}-${options.count}-${fnv(key)}.bin` : null;
  if (path) {
    try {
      const bytes = await Deno.readFile(path);
      const headerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
      const header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + headerLength)));
      if (header.key === key) {
        const { count, seqLen, vocabSize, hasTiers } = header;
        let at = 4 + headerLength;
        const take = (n: number) => bytes.slice(at, at += n);
        const inputs = take(count * seqLen), labels = take(count * seqLen);
        const tiers = hasTiers ? take(count) : undefined;
        if (at === bytes.length) return { count, seqLen, vocabSize, inputs, labels, tiers };
      }
    } catch {
      // Missing or unreadable: generate below.
    }
  }
  const pool = generatePool(task, options);
  if (path) {
    try {
      const header = new TextEncoder().encode(JSON.stringify({
        key,
        count: pool.count,
        seqLen: pool.seqLen,
        vocabSize: pool.vocabSize,
        hasTiers: pool.tiers !== undefined,
      }));
      const parts = [pool.inputs, pool.labels, ...(pool.tiers ? [pool.tiers] : [])];
      const out = new Uint8Array(4 + header.length + parts.reduce((a, p) => a + p.length, 0));
      new DataView(out.buffer).setUint32(0, header.length, true);
      out.set(header, 4);
      let at = 4 + header.length;
      for (const p of parts) {
        out.set(p, at);
        at += p.length;
      }
      await Deno.mkdir(dir!, { recursive: true });
      const tmp = `${path}.${Deno.pid}.tmp`;
      await Deno.writeFile(tmp, out);
      await Deno.rename(tmp, path);
    } catch {
      // A read-only home or a full disk costs only the time saved.
    }
  }
  return pool;
}
