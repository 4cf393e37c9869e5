/**
 * The kernel template engine: `//#for X` … `//#end` blocks unrolled at pipeline creation,
 * so per-lane values become named registers on CPU adapters (matmul and attention use it).
 *
 * @module
 */

const FOR_LINE = /^\s*\/\/#for (\w+)\s*$/;
const END_LINE = /^\s*\/\/#end\s*$/;

/**
 * Expands a kernel template: each `//#for X` … `//#end` block (nestable) is repeated
 * `counts[X]` times with `$X` replaced by 0, 1, … Per-lane vectors thus become named
 * values instead of a loop-indexed private array (which llvmpipe keeps in memory).
 * `$#X` anywhere is replaced by `counts[X]` itself (e.g. to size an array to the block:
 * an override constant cannot). Cached, so the pipeline cache sees one string per variant.
 */
export function expandTemplate(source: string, counts: Readonly<Record<string, number>>): string {
  const key = `${JSON.stringify(counts)}|${source}`;
  let hit = templateCache.get(key);
  if (hit === undefined) {
    hit = expandLines(substituteCounts(source, counts).split("\n"), counts).join("\n");
    const stray = /\$\w+/.exec(hit.replace(/\/\/.*$/gm, ""));
    if (stray) throw new SyntaxError(`template: ${stray[0]} outside a //#for ${stray[0].slice(1)}`);
    templateCache.set(key, hit);
  }
  return hit;
}
const templateCache = new Map<string, string>();

function substituteCounts(source: string, counts: Readonly<Record<string, number>>): string {
  return source.replace(/\$#(\w+)/g, (_, name: string) => {
    const count = counts[name];
    if (count === undefined) throw new RangeError(`template: no count for $#${name}`);
    return String(count);
  });
}

function expandLines(lines: string[], counts: Readonly<Record<string, number>>): string[] {
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const head = FOR_LINE.exec(lines[i]);
    if (!head) {
      if (END_LINE.test(lines[i])) throw new SyntaxError("template: //#end without //#for");
      out.push(lines[i]);
      continue;
    }
    let depth = 1;
    let j = i + 1;
    for (; j < lines.length; j++) {
      if (FOR_LINE.test(lines[j])) depth++;
      else if (END_LINE.test(lines[j]) && --depth === 0) break;
    }
    if (j >= lines.length) throw new SyntaxError(`template: //#for ${head[1]} without //#end`);
    const count = counts[head[1]];
    if (count === undefined) throw new RangeError(`template: no count for ${head[1]}`);
    const body = lines.slice(i + 1, j);
    for (let k = 0; k < count; k++) {
      out.push(...expandLines(body.map((l) => l.replaceAll(`$${head[1]}`, String(k))), counts));
    }
    i = j;
  }
  return out;
}
