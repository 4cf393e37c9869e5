/**
 * The static build of the page (`deno task build:web`): a folder any static file host can
 * serve — `index.html` (the page in browser-only mode), `trm.js` (the bundle of
 * `src/browser/mod.ts`), and `models/` (the shipped index and the files it lists). The
 * page there solves on the visitor's WebGPU with no server behind it.
 *
 * @module
 */
import { pageHtml } from "../server/page.ts";
import { parseModelIndex } from "../solve/registry.ts";
import { SHIPPED_INDEX } from "./files.ts";
import { bundleBrowser } from "./web_assets.ts";

/** What {@linkcode buildWeb} wrote. */
export interface WebBuild {
  /** Paths written, relative to the folder. */
  files: string[];
  /** Their total size in bytes. */
  bytes: number;
}

/** Writes the static site into `outDir` (created if missing; files there are replaced). */
export async function buildWeb(outDir: string): Promise<WebBuild> {
  const index = await Deno.readFile(SHIPPED_INDEX);
  const entries = parseModelIndex(new TextDecoder().decode(index), "models/index.json");
  const out: [string, Uint8Array | string][] = [
    ["index.html", pageHtml({ staticSite: true })],
    ["trm.js", await bundleBrowser()],
    ["models/index.json", index],
  ];
  for (const entry of entries) {
    // Only files beside the index: the page asks for models/<file>.
    if (/[/\\]/.test(entry.file)) {
      throw new Error(`models/index.json: ${entry.file} is not a plain name`);
    }
    out.push([`models/${entry.file}`, await Deno.readFile(new URL(entry.file, SHIPPED_INDEX))]);
  }
  await Deno.mkdir(`${outDir}/models`, { recursive: true });
  let bytes = 0;
  for (const [path, data] of out) {
    const raw = typeof data === "string" ? new TextEncoder().encode(data) : data;
    await Deno.writeFile(`${outDir}/${path}`, raw);
    bytes += raw.length;
  }
  return { files: out.map(([p]) => p), bytes };
}
