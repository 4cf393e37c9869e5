/**
 * The browser mode's files, from this checkout: the bundle of `src/browser/mod.ts`, built
 * with `deno bundle` (the running Deno binary) on first use and kept in memory, and the
 * shipped models' folder. Built on demand rather than committed: the bundle is ~650 KB of
 * generated code from every kernel and op, stale after any change to `src/`, and takes
 * about 2 s to build.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import type { WebAssets } from "../server/web_routes.ts";
import { readFileOrNull, SHIPPED_INDEX } from "./files.ts";

/** The bundle's entry point. */
export const BROWSER_ENTRY: URL = new URL("../browser/mod.ts", import.meta.url);

const CONFIG = new URL("../../deno.json", import.meta.url);

/**
 * Bundles `src/browser/mod.ts` (or another module: the browser tests bundle their own
 * entry the same way) for the browser, as one minified ES module. Throws with the
 * bundler's last error line when it fails; needs a checkout (file: URLs) and, on a fresh
 * machine, npm for the bundler's esbuild.
 */
export async function bundleBrowser(entry: URL = BROWSER_ENTRY): Promise<string> {
  if (entry.protocol !== "file:") {
    throw new Error(`cannot bundle ${entry.href}: not a local checkout`);
  }
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--platform",
      "browser",
      "--minify",
      "--config",
      fileURLToPath(CONFIG),
      fileURLToPath(entry),
    ],
    env: { DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    const lines = new TextDecoder().decode(out.stderr).trim().split("\n");
    throw new Error(`deno bundle failed: ${lines[lines.length - 1]}`);
  }
  return new TextDecoder().decode(out.stdout);
}

/**
 * The web assets of the shipped models; the bundle is built once, on the first call (a
 * failure is logged once and answered as "no bundle": the page then solves on the server).
 */
export function shippedWebAssets(): WebAssets {
  let bundle: Promise<string | null> | undefined;
  return {
    bundle: () =>
      bundle ??= bundleBrowser().catch((error) => {
        console.error(`browser mode off: ${(error as Error).message}`);
        return null;
      }),
    modelFile: async (name) =>
      /[/\\]/.test(name) ? null : await readFileOrNull(new URL(name, SHIPPED_INDEX)),
  };
}
