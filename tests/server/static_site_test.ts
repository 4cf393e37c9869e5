/**
 * The static build (`deno task build:web`) served by `python3 -m http.server` (a Deno
 * folder server where python3 is absent, and the test says so) solves in headless
 * Chromium on its own: the page's default 9×9 (a classic puzzle, which the
 * shipped sudoku9 model solves) and a 4×4, in browser mode, with every request going to
 * the static host and none to an API. The grid must keep the rules and the givens, and be
 * the answer `POST /v1/solve` gives for the same text: that reference comes from the app
 * in this process, which the page never contacts. Skipped, with a message, when
 * /usr/bin/chromium is absent.
 */
import { buildWeb } from "../../src/host/build_web.ts";
import { createApp } from "../../src/server/app.ts";
import { openShippedRegistry } from "../../src/solve/shipped.ts";
import { testGpu } from "../_helpers.ts";
import {
  assert,
  assertEquals,
  checkAnswer,
  hasChromium,
  launchChromium,
  solveExample,
  waitForMode,
} from "./_chromium.ts";
import { serveStatic, type StaticHost } from "./_static_host.ts";

const available = hasChromium("static_site_test");

Deno.test({
  name: "static build on a plain static host: solves a 9×9 in the browser, no API",
  ignore: !available,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const site = await Deno.makeTempDir({ prefix: "trm_web_" });
    const gpu = await testGpu();
    const registry = await openShippedRegistry({ gpu });
    // The reference answers only (checkAnswer's POST): the page is served by `host`.
    const app = createApp({ registry });
    const api = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, app.fetch);
    const apiBase = `http://127.0.0.1:${api.addr.port}`;
    let host: StaticHost | undefined;
    const browser = await launchChromium();
    try {
      const built = await buildWeb(site);
      assert(built.files.includes("trm.js"), `built ${built.files}`);
      host = await serveStatic(site);
      const why = host.kind === "Deno folder server" ? " (python3 not found)" : "";
      console.log(`  static host: ${host.kind}${why} at ${host.base}`);
      const page = await browser.newPage();
      const requests: string[] = [];
      const errors: string[] = [];
      page.on("request", (r: { url(): string }) => requests.push(r.url()));
      page.on("pageerror", (e: Error) => errors.push(e.message));
      const t0 = performance.now();
      await page.goto(`${host.base}/`);
      await waitForMode(page, "browser");
      const start = performance.now() - t0;
      // The page opens on its default 9×9 (a classic puzzle the shipped model solves).
      assertEquals(await page.inputValue("#example"), "9x9", "opening example");
      const ms9 = await solveExample(page, null);
      await checkAnswer(page, apiBase, "static 9×9");
      const ms4 = await solveExample(page, "4x4");
      await checkAnswer(page, apiBase, "static 4×4");
      assert(requests.every((u) => u.startsWith(host!.base)), `same origin only: ${requests}`);
      assert(!requests.some((u) => u.includes("/v1/")), `no API request: ${requests}`);
      assertEquals(errors, [], "no script errors");
      console.log(
        `  ${(built.bytes / 1e6).toFixed(2)} MB; page ready ${start.toFixed(0)} ms, 9×9 ${
          ms9.toFixed(0)
        } ms, 4×4 ${ms4.toFixed(0)} ms (weights and kernels on first use included)`,
      );
      await page.close();
    } finally {
      await browser.close();
      await host?.close();
      await api.shutdown();
      await Deno.remove(site, { recursive: true });
      for (const name of ["sudoku9", "sudoku4"]) (await registry.model(name)).dispose();
    }
  },
});
