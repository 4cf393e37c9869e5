/**
 * ARC tasks on the page, in headless Chromium (server mode) with a tiny random ARC model:
 * "try an ARC task" loads examples/arc_task.json, Solve sends `{ "task": … }`, and the page
 * draws the demonstration pairs, the test input and the model's two attempts — cell by cell
 * the API's `tests[0].attempts` — with their votes and the "matches" verdict; at 375 px
 * nothing overflows. A server without an ARC model shows the 422 message, and so does
 * browser mode (the same request answered in the page; no ARC model ships). Skipped, with a
 * message, when /usr/bin/chromium is absent.
 */
import { presets } from "../../src/model/config.ts";
import { TinyRecursiveModel } from "../../src/model/model.ts";
import { shippedWebAssets } from "../../src/host/web_assets.ts";
import { createApp } from "../../src/server/app.ts";
import { ARC_EXAMPLE } from "../../src/server/page_arc.ts";
import { ModelRegistry } from "../../src/solve/registry.ts";
import { loadShippedModel } from "../../src/solve/shipped.ts";
import { testGpu } from "../_helpers.ts";
import {
  assert,
  assertEquals,
  assertFits,
  hasChromium,
  launchChromium,
  type Page,
  waitForMode,
} from "./_chromium.ts";

const available = hasChromium("page_arc_test");
const TASK = JSON.parse(
  await Deno.readTextFile(new URL("../../examples/arc_task.json", import.meta.url)),
);

Deno.test("page: the inlined ARC example is examples/arc_task.json", () => {
  assertEquals(ARC_EXAMPLE, TASK, "ARC_EXAMPLE");
});

/** The grids under `selector` as drawn: rows of colours read back from the cells. */
async function shownGrids(page: Page, selector: string): Promise<number[][][]> {
  return await page.$$eval(
    selector,
    (
      gs: {
        getAttribute(n: string): string | null;
        querySelectorAll(s: string): ArrayLike<{ getAttribute(n: string): string | null }>;
      }[],
    ) =>
      gs.map((g) => {
        const cols = Number(g.getAttribute("data-cols"));
        const cells = Array.from(g.querySelectorAll("span")).map((s) =>
          Number(s.getAttribute("data-v"))
        );
        const rows: number[][] = [];
        for (let i = 0; i < cells.length; i += cols) rows.push(cells.slice(i, i + cols));
        return rows;
      }),
  );
}

function serve(registry: ModelRegistry, web = false) {
  const app = createApp({ registry, ...(web ? { web: shippedWebAssets() } : {}) });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, app.fetch);
  return { server, base: `http://127.0.0.1:${server.addr.port}` };
}

Deno.test({
  name: "page: an ARC task, solved on the server, its attempts drawn cell by cell",
  ignore: !available,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const gpu = await testGpu();
    const model = await TinyRecursiveModel.create(
      { ...presets.arcTiny, dim: 16, numHeads: 2, maxSupervisionSteps: 2 },
      { gpu, seed: 3 },
    );
    const sudoku = await loadShippedModel("sudoku4");
    const arc = serve(ModelRegistry.fromModels([{ model, name: "arc-test" }]));
    const none = serve(ModelRegistry.fromModels([{ model: sudoku }]), true);
    const browser = await launchChromium();
    try {
      await t.step(
        "server mode at 375 px: the API's attempts, the verdict, no overflow",
        async () => {
          const page = await browser.newPage({ viewport: { width: 375, height: 740 } });
          const requests: string[] = [];
          const errors: string[] = [];
          page.on("request", (r: { url(): string; postData(): string | null }) => {
            if (r.url().endsWith("/v1/solve")) requests.push(r.postData() ?? "");
          });
          page.on("pageerror", (e: Error) => errors.push(e.message));
          await page.goto(`${arc.base}/?mode=server`);
          await waitForMode(page, "server");
          await page.click("#arcExample");
          const text = await page.inputValue("#puzzle");
          assertEquals(JSON.parse(text), TASK, "the example button loads examples/arc_task.json");
          const t0 = performance.now();
          await page.click("#solve");
          await page.waitForSelector("#arc .arc-test .arc-attempt", { timeout: 120_000 });
          const ms = performance.now() - t0;
          assertEquals(requests.length, 1, "one API call");
          const sent = JSON.parse(requests[0]);
          assertEquals(sent.task, TASK, "sent as { task }");

          // The same request again: the model is deterministic, so the same answer.
          const api = await (await fetch(`${arc.base}/v1/solve`, {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: requests[0],
          })).json();
          assert(Array.isArray(api.tests), `API answered ${JSON.stringify(api)}`);
          assertEquals(api.model, "arc-test", "model");
          const attempts = await shownGrids(
            page,
            '#arc .arc-test[data-test="0"] .arc-attempt .arc-grid',
          );
          assertEquals(attempts, api.tests[0].attempts, "the drawn attempts are the API's");
          const votes: string[] = await page.$$eval(
            '#arc .arc-test[data-test="0"] .arc-attempt',
            (fs: { getAttribute(n: string): string | null }[]) =>
              fs.map((f) => f.getAttribute("data-votes") ?? ""),
          );
          const byGrid = (g: number[][]) =>
            api.tests[0].candidates.find((c: { grid: number[][] }) =>
              JSON.stringify(c.grid) === JSON.stringify(g)
            )?.votes ?? 0;
          assertEquals(
            votes,
            api.tests[0].attempts.map((a: number[][]) => String(byGrid(a))),
            "votes",
          );
          assertEquals(
            await shownGrids(page, "#arc .arc-train .arc-grid"),
            TASK.train.flatMap((
              p: { input: number[][]; output: number[][] },
            ) => [p.input, p.output]),
            "the demonstration pairs",
          );
          assertEquals(
            await shownGrids(page, '#arc .arc-test[data-test="0"] figure:first-child .arc-grid'),
            [TASK.test[0].input],
            "the test input",
          );
          const verdict = (await page.textContent("#arc .arc-verdict")) ?? "";
          const expected = api.tests[0].matches ? "matches the given output" : "does not match";
          assert(
            verdict.startsWith(expected),
            `verdict "${verdict}", matches ${api.tests[0].matches}`,
          );
          // A cell has its ARC colour (CSS only): colour 5 is grey.
          const grey = await page.evaluate(
            `getComputedStyle(document.querySelector('#arc .arc-grid span[data-v="5"]')).backgroundColor`,
          );
          assertEquals(grey, "rgb(170, 170, 170)", "colour 5");
          await assertFits(page, "375 px overflow");
          assertEquals(errors, [], "no script errors");
          console.log(`  ARC task on the server: ${ms.toFixed(0)} ms`);
          await page.close();
        },
      );

      await t.step("a server without an ARC model: the 422 message", async () => {
        const page = await browser.newPage({ viewport: { width: 375, height: 740 } });
        await page.goto(`${none.base}/?mode=server`);
        await waitForMode(page, "server");
        await page.click("#arcExample");
        await page.click("#solve");
        await page.waitForSelector("#status.bad", { timeout: 60_000 });
        const status = (await page.textContent("#status")) ?? "";
        assert(
          status.startsWith("no ARC model on this server (start it with TRM_MODEL="),
          `status "${status}"`,
        );
        assertEquals(await page.$$eval("#arc *", (es: unknown[]) => es.length), 0, "no ARC view");
        await page.close();
      });

      await t.step("browser mode: the same request in the page; no shipped ARC model", async () => {
        const page = await browser.newPage();
        const requests: string[] = [];
        page.on("request", (r: { url(): string }) => requests.push(r.url()));
        await page.goto(`${none.base}/?mode=browser`);
        await waitForMode(page, "browser");
        await page.click("#arcExample");
        await page.click("#solve");
        await page.waitForSelector("#status.bad", { timeout: 120_000 });
        const status = (await page.textContent("#status")) ?? "";
        assert(status.startsWith("no ARC model in this page's models/index.json"), `"${status}"`);
        assert(!requests.some((u) => u.includes("/v1/")), `no API request: ${requests}`);
        await page.close();
      });
    } finally {
      await browser.close();
      await arc.server.shutdown();
      await none.server.shutdown();
      model.dispose();
      sudoku.dispose();
    }
  },
});
