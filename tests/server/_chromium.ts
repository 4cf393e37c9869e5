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
