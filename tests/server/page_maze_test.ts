/**
 * Mazes on the page, in headless Chromium with the shipped maze7 model: pick the maze
 * example (the "try a maze" button, or the example picker), press Solve, and the drawn maze — walls, start, goal and the model's path — must
 * be the API's answer at every supervision step, with the verdict "Valid shortest path";
 * in server mode (`POST /v1/solve` with `{ "maze": … }`) and in browser mode (the same
 * request answered on the page's WebGPU), and on a 375 px screen nothing overflows.
 * Skipped, with a message, when /usr/bin/chromium is absent.
 */
import { shippedWebAssets } from "../../src/host/web_assets.ts";
import { MAZE_EXAMPLES } from "../../src/server/page_maze.ts";
import { createApp } from "../../src/server/app.ts";
import { openShippedRegistry } from "../../src/solve/shipped.ts";
import { testGpu } from "../_helpers.ts";
import {
  assert,
  assertEquals,
  assertFits,
  hasChromium,
  launchChromium,
  type Page,
  solveExample,
  waitForMode,
} from "./_chromium.ts";

const available = hasChromium("page_maze_test");

/** The maze as drawn: each cell's `data-ch` (the answer's character), one line. */
async function shownMaze(page: Page): Promise<string> {
  const chars: string[] = await page.$$eval(
    "#grid td",
    (tds: { getAttribute(n: string): string | null }[]) =>
      tds.map((td) => td.getAttribute("data-ch") ?? "?"),
  );
  return chars.join("");
}

/** Indices of the cells drawn as path. */
async function pathCells(page: Page): Promise<number[]> {
  return await page.$$eval(
    "#grid td.path",
    (tds: { getAttribute(n: string): string | null }[]) =>
      tds.map((td) => Number(td.getAttribute("data-cell"))),
  );
}

function pathOf(line: string): number[] {
  return [...line].flatMap((c, i) => c === "o" ? [i] : []);
}

/** Solves the maze example on `page` and checks every step against the API's trace. */
async function checkMaze(
  page: Page,
  base: string,
  label: string,
  pick: "button" | "select",
): Promise<number> {
  // The "try a maze" button, or the maze in the example picker: the same text either way.
  if (pick === "button") await page.click("#mazeExample");
  const ms = await solveExample(page, pick === "select" ? "maze7" : null);
  const maze = await page.inputValue("#puzzle");
  assertEquals(maze, MAZE_EXAMPLES[0][2], `${label}: the example's text, trailing spaces kept`);
  const api = await (await fetch(`${base}/v1/solve`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ maze, trace: true, haltThreshold: 0.9 }),
  })).json();
  assert(typeof api.solution === "string", `${label}: API answered ${JSON.stringify(api)}`);
  assertEquals(api.model, "maze7", `${label}: model`);
  assertEquals(await shownMaze(page), api.solution, `${label}: the drawn maze is the answer`);
  assertEquals(await pathCells(page), pathOf(api.solution), `${label}: the drawn path`);
  assert(api.valid, `${label}: the example should be one the model solves: ${api.problem}`);
  const verdict = (await page.textContent("#verdict")) ?? "";
  assert(verdict.startsWith("Valid shortest path"), `${label}: verdict ${verdict}`);
  assertEquals(await page.getAttribute("#grid", "data-step"), String(api.steps), `${label} steps`);
  for (let k = 1; k <= api.steps; k++) {
    await page.click(`#steps button[data-step="${k}"]`);
    assertEquals(await shownMaze(page), api.trace[k - 1], `${label}: step ${k}`);
  }
  return ms;
}

Deno.test({
  name: "page: a maze, solved in server and browser mode, its path drawn step by step",
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
    try {
      await t.step("server mode at 375 px: the API's path, nothing overflows", async () => {
        const page = await browser.newPage({ viewport: { width: 375, height: 740 } });
        const requests: string[] = [];
        const errors: string[] = [];
        page.on("request", (r: { url(): string; postData(): string | null }) => {
          if (r.url().endsWith("/v1/solve")) requests.push(r.postData() ?? "");
        });
        page.on("pageerror", (e: Error) => errors.push(e.message));
        await page.goto(`${base}/?mode=server`);
        await waitForMode(page, "server");
        const ms = await checkMaze(page, base, "server", "button");
        assertEquals(requests.length, 1, "one API call");
        assert("maze" in JSON.parse(requests[0]), `sent as a maze: ${requests[0]}`);
        await assertFits(page, "375 px overflow");
        assertEquals(errors, [], "no script errors");
        console.log(`  maze on the server: ${ms.toFixed(0)} ms`);
        await page.close();
      });

      await t.step("browser mode: the same answer from the page's WebGPU", async () => {
        const page = await browser.newPage();
        const requests: string[] = [];
        const errors: string[] = [];
        page.on("request", (r: { url(): string }) => requests.push(r.url()));
        page.on("pageerror", (e: Error) => errors.push(e.message));
        await page.goto(`${base}/?mode=browser`);
        await waitForMode(page, "browser");
        const ms = await checkMaze(page, base, "browser", "select");
        assert(!requests.some((u) => u.includes("/v1/")), `no API request: ${requests}`);
        assert(requests.some((u) => u.endsWith("/models/maze7.safetensors")), "maze7 weights");
        assertEquals(errors, [], "no script errors");
        console.log(`  maze in the browser: ${ms.toFixed(0)} ms`);
        await page.close();
      });
    } finally {
      await browser.close();
      await server.shutdown();
      (await registry.model("maze7")).dispose();
    }
  },
});
