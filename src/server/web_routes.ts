/**
 * The routes behind the page's browser mode: `GET /trm.js` (the bundle of
 * `src/browser/mod.ts`) and `GET /models/index.json` plus the safetensors files it lists,
 * which the page fetches once to run the model on the visitor's WebGPU. File access and
 * bundling are injected ({@linkcode WebAssets}), so this module stays free of `Deno.*`.
 *
 * @module
 */
import type { Context, Hono } from "hono";

/** What the browser mode needs from the host. */
export interface WebAssets {
  /** The browser bundle (an ES module), or null where it cannot be built here. */
  bundle(): Promise<string | null>;
  /** A file of the shipped models' folder by plain name (`index.json`, `x.safetensors`). */
  modelFile(name: string): Promise<Uint8Array | null>;
}

/** Plain names only: no folders (`models/state/` holds training state, never served). */
const MODEL_FILE = /^(index\.json|[A-Za-z0-9_-][A-Za-z0-9_.-]*\.safetensors)$/;

/**
 * Adds the routes to `app`.
 *
 * @param notFound answers a 404 with the app's problem-details body
 */
export function webRoutes(
  app: Hono,
  web: WebAssets,
  notFound: (c: Context, detail: string) => Response,
): void {
  app.get("/trm.js", async (c) => {
    const code = await web.bundle().catch(() => null);
    if (code === null) {
      return notFound(
        c,
        "this server cannot build the browser bundle; the page solves on the server",
      );
    }
    return c.body(code, 200, {
      "Content-Type": "text/javascript; charset=utf-8",
      "Cache-Control": "no-cache",
    });
  });

  app.get("/models/:file", async (c) => {
    const name = c.req.param("file");
    const bytes = MODEL_FILE.test(name) ? await web.modelFile(name) : null;
    if (bytes === null) return notFound(c, `no shipped model file ${name}`);
    const type = name.endsWith(".json") ? "application/json" : "application/octet-stream";
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
      "Content-Type": type,
      "Cache-Control": "no-cache",
    });
  });
}
