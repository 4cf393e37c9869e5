/**
 * Headless Chromium for the page tests: Debian's `chromium` (apt) driven by
 * playwright-core, with WebGPU on SwiftShader (Dawn and Tint on the CPU). The tests skip,
 * with a message, when /usr/bin/chromium is absent (`.ci/run` installs it where it can).
 */
import { explainInvalidSolution } from "../../src/puzzles/sudoku_validate.ts";
import { sudokuGrid, type SudokuSize } from "../../src/puzzles/sudoku_grid.ts";

/** Where Debian's package puts the browser. */
export const CHROMIUM = "/usr/bin/chromium";

/** Whether the browser is installed (prints the skip message once when not). */
export function hasChromium(test: string): boolean {
  try {
    if (Deno.statSync(CHROMIUM).isFile) return true;
  } catch {
    // absent
  }
  console.warn(
    `${test}: skipped — ${CHROMIUM} is absent (install it with \`apt-get install -y chromium\`)`,
  );
  return false;
}

/** Flags: headless, no sandbox (root in CI), nothing fetched from the network, WebGPU on. */
export const WEBGPU_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--enable-unsafe-webgpu",
  "--use-webgpu-adapter=swiftshader",
  "--use-angle=swiftshader",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** A launched browser (playwright-core's, typed as far as the tests use it). */
// deno-lint-ignore no-explicit-any
export type Browser = any;

/** Launches Chromium with `flags`. Imported lazily so a skipped run needs no npm download. */
export async function launchChromium(flags: string[] = WEBGPU_FLAGS): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  return await chromium.launch({ executablePath: CHROMIUM, headless: true, args: flags });
}

/** Throws `message` unless `cond`. */
export function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

/** Throws unless the JSON forms are equal. */
export function assertEquals<T>(actual: T, expected: T, label = ""): void {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${label}: got ${a}, expected ${e}`);
}

/** The digits the page's grid shows (0 for a blank). */
// deno-lint-ignore no-explicit-any
export async function shownGrid(page: any): Promise<string> {
  const texts: string[] = await page.$$eval(
    "#grid td",
    (tds: { textContent: string | null }[]) => tds.map((td) => td.textContent ?? ""),
  );
  return texts.map((t) => t === "\u00b7" ? "0" : t).join("");
}

/** Why `solution` (digits) is not a valid answer to `puzzle` (digits), or null. */
export function gridProblem(puzzle: string, solution: string): string | null {
  const size = Math.round(Math.sqrt(puzzle.length)) as SudokuSize;
  if (solution.length !== puzzle.length) return `${solution.length} cells shown`;
  const cells = (s: string) => [...s].map(Number);
  return explainInvalidSolution(sudokuGrid(size, cells(puzzle)), sudokuGrid(size, cells(solution)));
}

/** A playwright page (typed as far as the tests use it). */
// deno-lint-ignore no-explicit-any
export type Page = any;

/**
 * Picks one of the page's examples (or types `text`), presses Solve and waits for the
 * replay to reach the last step.
 */
export async function solveExample(
  page: Page,
  example: string | null,
  text?: string,
): Promise<number> {
  if (example) await page.selectOption("#example", example);
  if (text !== undefined) await page.fill("#puzzle", text);
  const t0 = performance.now();
  await page.click("#solve");
  await page.waitForSelector('#grid[data-final="1"]', { timeout: 240_000 });
  return performance.now() - t0;
}

/** Checks the shown grid by the rules and against the server's answer for the same text. */
export async function checkAnswer(page: Page, base: string, label: string): Promise<void> {
  const puzzle = await page.inputValue("#puzzle");
  const api = await (await fetch(`${base}/v1/solve`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ puzzle, trace: true, haltThreshold: 0.9 }),
  })).json();
  assert(typeof api.solution === "string", `${label}: the API answered ${JSON.stringify(api)}`);
  const shown = await shownGrid(page);
  assertEquals(gridProblem(api.puzzle, shown), null, `${label}: the grid keeps the rules`);
  assertEquals(shown, api.solution, `${label}: the grid is the model's answer`);
  assertEquals(await page.getAttribute("#grid", "data-step"), String(api.steps), `${label} steps`);
  const verdict = (await page.textContent("#verdict")) ?? "";
  assert(verdict.startsWith("Valid solution"), `${label}: verdict ${verdict}`);
}

/** Waits until the page shows where it solves, and checks it is `mode`. */
export async function waitForMode(page: Page, mode: string): Promise<void> {
  await page.waitForSelector("#mode:not([data-mode=''])", { timeout: 120_000 });
  const shown = await page.getAttribute("#mode", "data-mode");
  const text = await page.textContent("#mode");
  assertEquals(shown, mode, `mode (${text})`);
}

/**
 * Elements that stick out of the viewport sideways, and the document's scroll width
 * (a string: it runs in the page, where the DOM types live).
 */
const OVERFLOW = `(() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll("body *")]
    .filter((e) => e.getBoundingClientRect().right > width + 0.5)
    .map((e) => e.tagName.toLowerCase() + "#" + e.id + "." + e.className);
  return { scrollWidth: document.documentElement.scrollWidth, width, wide };
})()`;

/** Fails unless the page fits a 375 px screen: no sideways scroll, no element sticking out. */
export async function assertFits(page: Page, label: string): Promise<void> {
  const o: { scrollWidth: number; width: number; wide: string[] } = await page.evaluate(OVERFLOW);
  assert(o.scrollWidth <= 375 && o.wide.length === 0, `${label}: ${JSON.stringify(o)}`);
}
