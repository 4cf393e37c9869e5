/**
 * The static build (`deno task build:web`): the page in browser-only mode, a bundle free of
 * `Deno.*` that exports the in-browser solver, and every model `models/index.json` lists.
 * (That the page there solves is checked in Chromium by tests/server/page_modes_test.ts.)
 */
import { buildWeb } from "../../src/host/build_web.ts";

function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

Deno.test("build:web writes the page, a browser bundle and the shipped models", async () => {
  const dir = await Deno.makeTempDir({ prefix: "trm_build_web_" });
  try {
    const t0 = performance.now();
    const { files, bytes } = await buildWeb(dir);
    console.log(
      `  built ${files.length} files, ${bytes} bytes, in ${(performance.now() - t0).toFixed(0)} ms`,
    );
    const index = JSON.parse(await Deno.readTextFile(`${dir}/models/index.json`));
    const models = index.models.map((m: { file: string }) => `models/${m.file}`);
    assert(models.length > 0, "models listed");
    for (const f of ["index.html", "trm.js", "models/index.json", ...models]) {
      assert(files.includes(f) && (await Deno.stat(`${dir}/${f}`)).size > 0, `${f} written`);
    }
    const html = await Deno.readTextFile(`${dir}/index.html`);
    assert(html.includes("var STATIC_SITE = true;"), "browser-only page");
    const js = await Deno.readTextFile(`${dir}/trm.js`);
    // The boundary: nothing bundled for the browser may reach for the Deno namespace.
    assert(!/\bDeno\./.test(js), "no Deno.* in the bundle");
    assert(/export\s*\{[^}]*startBrowserSolver/.test(js), "exports startBrowserSolver");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
