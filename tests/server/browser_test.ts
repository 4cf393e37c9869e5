/**
 * The page at `GET /` in a real headless browser (Debian's Chromium driven by
 * playwright-core): type a puzzle, press Solve, and see the refined grid step by step —
 * the displayed steps must equal the API's trace, changed cells highlighted, the last step
 * marked, and no request may leave the server. Skipped, with a message, when
 * /usr/bin/chromium is absent (`apt-get install -y chromium`).
 */
import { presets } from "../../src/model/config.ts";
import { TinyRecursiveModel } from "../../src/model/model.ts";
import { createApp } from "../../src/server/app.ts";
import { ModelRegistry } from "../../src/solve/registry.ts";
import { testGpu } from "../_helpers.ts";

const CHROMIUM = "/usr/bin/chromium";
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

function hasChromium(): boolean {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
}

function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

function assertEquals<T>(actual: T, expected: T, label = ""): void {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${label}: got ${a}, expected ${e}`);
}

const available = hasChromium();
if (!available) {
  console.warn(
    `browser_test: skipped — ${CHROMIUM} is absent (install it with \`apt-get install -y chromium\`)`,
  );
}

const PUZZLE = ". 2 | 4 .\n. 4 | 1 .\n----+----\n2 . | 3 .\n. . | . .";

Deno.test({
  name: "page: type a Sudoku, press Solve, watch the trace to the halting step",
  ignore: !available,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const gpu = await testGpu();
    const model = await TinyRecursiveModel.create({ ...presets.sudoku4, dim: 16, numHeads: 2 }, {
      gpu,
      seed: 11,
    });
    const app = createApp({ registry: ModelRegistry.fromModels([{ model, name: "tiny4" }]) });
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, app.fetch);
    const base = `http://127.0.0.1:${server.addr.port}`;
    // Pinned here until deno.json maps "playwright-core"; imported lazily so a skipped run
    // needs no npm download.
    // deno-lint-ignore no-import-prefix
    const { chromium } = await import("npm:playwright-core@1.65.1");
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
    });
    try {
      const page = await browser.newPage();
      const requested: string[] = [];
      page.on("request", (r: { url(): string }) => requested.push(r.url()));
      const pageErrors: string[] = [];
      page.on("pageerror", (e: Error) => pageErrors.push(e.message));
      // Server mode: this test checks the page against the API's trace of the same model.
      await page.goto(`${base}/?mode=server`);
      await page.waitForSelector('#mode[data-mode="server"]', { timeout: 30_000 });
      await page.fill("#puzzle", PUZZLE);
      await page.fill("#maxSteps", "3");
      await page.click("#solve");
      // The page replays the trace and stops on the last step.
      await page.waitForSelector('#grid[data-final="1"]', { timeout: 60_000 });

      // What the API answers for the same request (the model is deterministic).
      const api = await (await fetch(`${base}/v1/solve`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ puzzle: PUZZLE, trace: true, maxSteps: 3, haltThreshold: 0.9 }),
      })).json();
      const shown = async () =>
        (await page.$$eval(
          "#grid td",
          (tds: { textContent: string | null }[]) => tds.map((td) => td.textContent ?? ""),
        )).map((t: string) => t === "\u00b7" ? "0" : t).join("");
      assertEquals(await shown(), api.solution, "final grid shows the model's answer");
      const steps = await page.$$eval(
        "#steps button",
        (bs: { className: string }[]) => bs.map((b) => b.className),
      );
      assertEquals(steps.length, api.steps, "one button per supervision step");
      assert(steps[steps.length - 1].includes("halt"), `last step marked: ${steps}`);
      assertEquals(
        await page.getAttribute("#grid", "data-step"),
        String(api.steps),
        "stopped at the exit step",
      );
      const verdict = await page.textContent("#verdict");
      assert(
        api.valid ? verdict!.startsWith("Valid") : verdict!.startsWith("Not a valid solution: "),
        `verdict: ${verdict}`,
      );

      // Step through: each step shows the trace entry, changed cells highlighted.
      for (let k = 1; k <= api.steps; k++) {
        await page.click(`#steps button[data-step="${k}"]`);
        assertEquals(await shown(), api.trace[k - 1], `step ${k} grid`);
        const prev = k === 1 ? api.puzzle : api.trace[k - 2];
        let expected = 0;
        for (let i = 0; i < 16; i++) {
          if (api.puzzle[i] === "0" && api.trace[k - 1][i] !== prev[i]) expected++;
        }
        assertEquals(
          await page.$$eval("#grid td.changed", (x: unknown[]) => x.length),
          expected,
          `changed cells at step ${k}`,
        );
      }
      assertEquals(pageErrors, [], "no script errors");
      assert(requested.every((u) => u.startsWith(base)), `only same-origin requests: ${requested}`);
      assert(requested.some((u) => u.endsWith("/v1/solve")), "the page called the API");
    } finally {
      await browser.close();
      await server.shutdown();
      model.dispose();
    }
  },
});
