/**
 * The page at `GET /` (and `index.html` of `deno task build:web`): one self-contained HTML
 * file (inline CSS and JS) to type or paste a Sudoku or a maze, solve it — in the visitor's
 * browser on WebGPU, or on the server — and watch the model's answer refine step by step,
 * changed cells highlighted, the halting step marked. The script is in `page_script.ts`
 * (mazes: `page_maze.ts`; ARC tasks, pasted as JSON: `page_arc.ts`).
 *
 * @module
 */
import { ARC_STYLE } from "./page_arc.ts";
import { pageScript } from "./page_script.ts";

const STYLE = String.raw`
  :root { --fg: #1d2330; --muted: #667085; --line: #c9cfdb; --box: #39414f; --accent: #2f6fed;
          --changed: #ffe08a; --given: #eef1f6; --bad: #d92d20; --good: #12805c; }
  * { box-sizing: border-box; }
  body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg);
         margin: 0; padding: 24px; max-width: 980px; margin-inline: auto; }
  h1 { font-size: 22px; margin: 0 0 4px; }
  p.lead { color: var(--muted); margin: 0 0 10px; }
  #mode { font-size: 13px; margin: 0 0 16px; }
  .cols { display: flex; gap: 28px; flex-wrap: wrap; align-items: flex-start; }
  .input { flex: 1 1 300px; min-width: 0; }
  textarea { width: 100%; height: 220px; font: 14px/1.35 ui-monospace, Menlo, Consolas, monospace;
             padding: 8px; border: 1px solid var(--line); border-radius: 6px; }
  .row { display: flex; gap: 10px; align-items: center; margin: 10px 0; flex-wrap: wrap; }
  label { color: var(--muted); font-size: 13px; }
  input[type=number] { width: 72px; padding: 4px; }
  button { font: inherit; padding: 6px 14px; border-radius: 6px; border: 1px solid var(--line);
           background: #fff; cursor: pointer; }
  button.primary { background: var(--accent); color: #fff; border-color: var(--accent); }
  button:disabled { opacity: .5; cursor: default; }
  select { font: inherit; padding: 4px; max-width: 100%; }
  /* The board is as wide as its grid; the text under it wraps instead of widening it. */
  .board { flex: 0 1 340px; min-width: 0; }
  table.grid { border-collapse: collapse; border: 2px solid var(--box); }
  table.grid td { width: 40px; height: 40px; text-align: center; border: 1px solid var(--line);
                  font: 20px ui-monospace, Menlo, Consolas, monospace; transition: background .25s; }
  table.grid[data-size="9"] td { width: 36px; height: 36px; font-size: 18px; }
  table.grid td.given { background: var(--given); font-weight: 700; }
  table.grid td.changed { background: var(--changed); }
  table.grid td.broken { color: var(--bad); }
  table.grid td.bl { border-left: 2px solid var(--box); }
  table.grid td.bt { border-top: 2px solid var(--box); }
  table.grid td.blank { color: var(--muted); }
  /* Mazes: walls dark, the model's path in the accent colour, this step's changes ringed. */
  table.grid.maze td { width: 30px; height: 30px; font-size: 15px; font-weight: 700; }
  table.grid.maze[data-size="11"] td { width: 24px; height: 24px; font-size: 13px; }
  table.grid.maze td.wall { background: var(--box); }
  table.grid.maze td.path { background: #8fb3ff; }
  table.grid.maze td.start, table.grid.maze td.goal { background: var(--given); }
  table.grid.maze td.changed { box-shadow: inset 0 0 0 3px var(--changed); }
  table.grid.maze td.broken { background: var(--bad); color: #fff; }
  .steps { display: flex; gap: 4px; flex-wrap: wrap; margin: 12px 0 6px; }
  .steps button { padding: 3px 9px; min-width: 34px; font-size: 13px; }
  .steps button.current { outline: 2px solid var(--accent); }
  .steps button.halt { background: var(--fg); color: #fff; border-color: var(--fg); }
  /* Halting marks drawn with CSS, so they need no symbol font: a square, or a bar (step cap). */
  .mark { display: inline-block; width: .6em; height: .6em; margin-left: .35em;
          background: currentColor; vertical-align: 0; }
  .mark.cap { width: .2em; height: .8em; vertical-align: -.1em; }
  #status, #verdict, #detail, #models, #mode { overflow-wrap: anywhere; }
  #status { min-height: 1.4em; }
  #status.bad { color: var(--bad); }
  #verdict.good { color: var(--good); font-weight: 600; }
  #verdict.bad { color: var(--bad); font-weight: 600; }
  .muted { color: var(--muted); font-size: 13px; }
  .legend span.swatch { display: inline-block; width: 12px; height: 12px; border: 1px solid var(--line);
                        vertical-align: -1px; margin: 0 4px 0 10px; }
  .legend .mark { margin: 0 .25em; }
  @media (max-width: 480px) {
    body { padding: 14px; }
    .cols { gap: 16px; }
    table.grid td { width: 36px; height: 36px; }
    table.grid[data-size="9"] td { width: 33px; height: 33px; font-size: 17px; }
  }
`;

const BODY = String.raw`
<h1>Tiny Recursive Model — Sudoku and mazes</h1>
<p class="lead">Type or paste a puzzle (one line of 16, 36 or 81 digits with 0 or . for blanks, or one row a
line) or a maze (N lines of N characters: # wall, space open, S start, G goal), press <b>Solve</b>, and
watch the model refine its answer after every supervision step. An ARC task (JSON with <code>train</code>
and <code>test</code> pairs) shows the model's two attempts per test input.</p>
<p id="mode" class="muted" data-mode="">Starting…</p>
<div class="cols">
  <div class="input">
    <textarea id="puzzle" spellcheck="false" aria-label="Sudoku puzzle or maze"></textarea>
    <div class="row">
      <label>example <select id="example"></select></label>
      <button id="mazeExample" type="button" title="examples/maze7.txt, maze 2">try a maze</button>
      <button id="arcExample" type="button" title="examples/arc_task.json">try an ARC task</button>
      <label>max steps <input id="maxSteps" type="number" min="1" max="64" placeholder="model"></label>
      <label>halt threshold <input id="haltThreshold" type="number" min="0" max="1" step="0.05" value="0.9"></label>
      <label title="trajectories per puzzle; the model's halting confidence picks one">samples <input id="samples" type="number" min="1" max="16" placeholder="model"></label>
    </div>
    <div class="row">
      <button id="solve" class="primary">Solve</button>
      <span id="status" role="status"></span>
    </div>
    <div id="models" class="muted"></div>
  </div>
  <div class="board">
    <table id="grid" class="grid" aria-label="answer"></table>
    <div class="steps" id="steps" aria-label="supervision steps"></div>
    <div class="row">
      <button id="prev" disabled>&larr; step</button>
      <button id="play" disabled>&#9654; replay</button>
      <button id="next" disabled>step &rarr;</button>
    </div>
    <div id="verdict"></div>
    <div id="detail" class="muted"></div>
    <div class="muted legend"><span class="swatch" style="background:var(--given)"></span>given
      <span class="swatch" style="background:var(--changed)"></span>changed this step
      <span class="swatch" style="background:var(--fg)"></span>last step
      (<span class="mark stop"></span>halted, <span class="mark cap"></span>step cap);
      <b style="color:var(--bad)">red</b>: a given the model changed;
      mazes: <span class="swatch" style="background:#8fb3ff"></span>the model's path</div>
  </div>
</div>
<div id="arc" aria-label="ARC task and the model's attempts" hidden></div>`;

/**
 * The page's HTML.
 *
 * @param options `staticSite`: for a folder served without this server (browser mode only)
 */
export function pageHtml(options: { staticSite?: boolean } = {}): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>TRM — watch a Tiny Recursive Model solve Sudoku and mazes</title>
<style>${STYLE}${ARC_STYLE}</style>
</head>
<body>${BODY}
<script>
${pageScript(options.staticSite === true)}</script>
</body>
</html>
`;
}

/**
 * The server's page: it talks only to its own origin (`/v1/models`, `/v1/solve`, and for
 * browser mode `/trm.js` and `/models/`).
 */
export const PAGE_HTML: string = pageHtml();
