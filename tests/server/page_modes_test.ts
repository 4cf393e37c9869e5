/**
 * The page in headless Chromium with WebGPU on SwiftShader, serving the shipped models:
 * on a 375 px phone screen nothing overflows and the page opens on a 9×9 example the
 * model solves; an error clears the previous answer; the page solves every puzzle of
 * examples/sudoku4.txt and examples/sudoku6.txt in browser mode (the model on the page's WebGPU, no `/v1/solve` request) and in server
 * mode (the static build is tests/server/static_site_test.ts). Every
 * solved grid is checked by the rules and against the API's answer, and the mode shown
 * must be the one asked for; `?profile=gpu` runs a real GPU's kernels (the ones a visitor
 * with a GPU gets) through Tint on SwiftShader. Small models (sudoku4, sudoku6) run on
 * SwiftShader to keep CI short. Skipped, with a message, when /usr/bin/chromium is absent.
 */
import { shippedWebAssets } from "../../src/host/web_assets.ts";
import { formatSudokuLine } from "../../src/puzzles/sudoku_grid.ts";
import { parseSudoku } from "../../src/puzzles/sudoku_parse.ts";
import { createApp } from "../../src/server/app.ts";
import { openShippedRegistry } from "../../src/solve/shipped.ts";
import { testGpu } from "../_helpers.ts";
import {
  assert,
  assertEquals,
  assertFits,
  checkAnswer,
  hasChromium,
  launchChromium,
  solveExample,
  waitForMode,
} from "./_chromium.ts";

const available = hasChromium("page_modes_test");

/** Every puzzle of the small example files, as one line each (what a visitor may paste). */
const EXAMPLE_PUZZLES: { label: string; text: string }[] = [];
for (const file of ["sudoku4.txt", "sudoku6.txt"]) {
  const text = await Deno.readTextFile(new URL(`../../examples/${file}`, import.meta.url));
  parseSudoku(text).puzzles.forEach((p, i) =>
    EXAMPLE_PUZZLES.push({
      label: `${file} #${i + 1}`,
      text: formatSudokuLine(p.puzzle, { blank: "." }),
    })
  );
}

Deno.test({
  name: "page: phone layout, errors, browser and server mode",
  ignore: !available,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const gpu = await testGpu();
    const registry = await openShippedRegistry({ gpu });
    const app = createApp({ registry, web: shippedWebAssets() });
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, app.fetch);
    const base = `http://127.0.0.1:${server.addr.port}`;
    const browser = await launchChromium();
    const open = async (url: string, viewport = { width: 1024, height: 800 }) => {
      const page = await browser.newPage({ viewport });
      const requests: string[] = [];
      const errors: string[] = [];
      page.on("request", (r: { url(): string }) => requests.push(r.url()));
      page.on("pageerror", (e: Error) => errors.push(e.message));
      await page.goto(url);
      return { page, requests, errors };
    };
    try {
      await t.step("375 px: opens on a 9×9 the model solves; nothing overflows", async () => {
        const { page, errors } = await open(`${base}/?mode=server`, { width: 375, height: 740 });
        await waitForMode(page, "server");
        assertEquals(await page.inputValue("#example"), "9x9", "opening example");
        await assertFits(page, "before solving");
        const ms = await solveExample(page, null);
        await checkAnswer(page, base, "opening 9×9");
        await assertFits(page, "after solving");
        const marks = await page.$$eval("#steps button.halt .mark", (x: unknown[]) => x.length);
        assertEquals(marks, 1, "the halting mark is drawn with CSS");
        const glyphs = await page.$eval(
          "body",
          (b: { textContent: string | null }) => (b.textContent ?? "").includes("\u23f9"),
        );
        assertEquals(glyphs, false, "no U+23F9 (needs a symbol font)");

        // A bad puzzle next: its error replaces the answer, the old verdict goes.
        await page.fill("#puzzle", "1 2 3");
        await page.click("#solve");
        await page.waitForSelector("#status.bad", { timeout: 30_000 });
        assertEquals(await page.textContent("#verdict"), "", "verdict cleared");
        assertEquals(await page.$$eval("#grid td", (x: unknown[]) => x.length), 0, "grid cleared");
        assertEquals(await page.$$eval("#steps button", (x: unknown[]) => x.length), 0, "steps");
        await assertFits(page, "after an error");
        assertEquals(errors, [], "no script errors");
        console.log(`  9×9 on the server at 375 px: ${ms.toFixed(0)} ms`);
        await page.close();
      });

      await t.step("browser mode: the model runs on the page's WebGPU", async () => {
        const t0 = performance.now();
        const { page, requests, errors } = await open(`${base}/?mode=browser`);
        await waitForMode(page, "browser");
        const start = performance.now() - t0;
        const times: string[] = [];
        for (const { label, text } of EXAMPLE_PUZZLES) {
          const ms = await solveExample(page, null, text);
          await checkAnswer(page, base, `browser ${label}`);
          times.push(`${label} ${ms.toFixed(0)} ms`);
        }
        assert(!requests.some((u) => u.includes("/v1/")), `no API request: ${requests}`);
        const weights = requests.filter((u) => u.endsWith(".safetensors")).map((u) =>
          u.slice(base.length)
        );
        assertEquals(
          weights,
          ["/models/sudoku4.safetensors", "/models/sudoku6.safetensors"],
          "weights",
        );
        assert((await page.textContent("#mode"))!.includes("swiftshader"), "the adapter is named");
        assertEquals(errors, [], "no script errors");
        console.log(`  browser mode: started in ${start.toFixed(0)} ms; ${times.join(", ")}`);
        await page.close();
      });

      await t.step("browser mode, a real GPU's kernels (?profile=gpu) through Tint", async () => {
        const { page, errors } = await open(`${base}/?mode=browser&profile=gpu`);
        await waitForMode(page, "browser");
        assertEquals(await page.getAttribute("#mode", "data-profile"), "gpu", "kernel profile");
        // One example: these kernels are slow to compile and run on SwiftShader (~8 s).
        const ms = await solveExample(page, "4x4");
        await checkAnswer(page, base, "browser gpu-profile 4x4");
        assertEquals(errors, [], "no script errors");
        console.log(`  gpu-profile kernels on SwiftShader: 4x4 ${ms.toFixed(0)} ms`);
        await page.close();
      });

      await t.step("server mode: the same examples through /v1/solve", async () => {
        const { page, requests, errors } = await open(`${base}/?mode=server`);
        await waitForMode(page, "server");
        for (const { label, text } of EXAMPLE_PUZZLES) {
          await solveExample(page, null, text);
          await checkAnswer(page, base, `server ${label}`);
        }
        const calls = requests.filter((u) => u.endsWith("/v1/solve")).length;
        assertEquals(calls, EXAMPLE_PUZZLES.length, "one API call per puzzle");
        assert(!requests.some((u) => u.endsWith("/trm.js")), "no bundle loaded");
        assertEquals(errors, [], "no script errors");
        await page.close();
      });
    } finally {
      await browser.close();
      await server.shutdown();
      // The models this test loaded (sudoku9 by the phone step, the small ones by the rest).
      for (const name of ["sudoku9", "sudoku4", "sudoku6"]) (await registry.model(name)).dispose();
    }
  },
});
