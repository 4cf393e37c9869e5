/**
 * The ARC part of the page (classic inline JS, joined into `page_script.ts`, and its CSS,
 * joined into `page.ts`): a pasted text that is JSON is an ARC task, sent as `{ "task": … }`;
 * the answer is drawn as small coloured grids — the task's demonstration pairs, each test
 * input, and the model's two attempts with their votes and, when the task gave the test's
 * output, whether an attempt matches it. CSS only (the 10 ARC colours), no images.
 *
 * @module
 */

/**
 * examples/arc_task.json, inlined so the page (and the static build, which bundles this
 * module) needs no fetch; tests/server/page_arc_test.ts checks it equals the file.
 */
export const ARC_EXAMPLE: {
  train: { input: number[][]; output: number[][] }[];
  test: { input: number[][]; output?: number[][] }[];
} = {
  train: [
    { input: [[1, 0, 0], [0, 2, 0]], output: [[0, 0, 1], [0, 2, 0]] },
    { input: [[3, 3, 0, 4]], output: [[4, 0, 3, 3]] },
  ],
  test: [{ input: [[5, 0], [0, 6], [7, 7]], output: [[0, 5], [6, 0], [7, 7]] }],
};

/** The example as the page's text box shows it: one pair a line. */
export function arcExampleText(): string {
  const pair = (p: { input: number[][]; output?: number[][] }) => "    " + JSON.stringify(p);
  return `{\n  "train": [\n${ARC_EXAMPLE.train.map(pair).join(",\n")}\n  ],\n  "test": [\n${
    ARC_EXAMPLE.test.map(pair).join(",\n")
  }\n  ]\n}\n`;
}

/** The ARC palette, colour 0 to 9 (the usual ARC viewer's). */
export const ARC_COLOURS: string[] = [
  "#000000",
  "#0074d9",
  "#ff4136",
  "#2ecc40",
  "#ffdc00",
  "#aaaaaa",
  "#f012be",
  "#ff851b",
  "#7fdbff",
  "#870c25",
];

/**
 * The ARC view's CSS: a cell is at most 14 px and shrinks so that a 30-wide grid still fits
 * a 375 px screen; pairs wrap instead of widening the page.
 */
export const ARC_STYLE: string = String.raw`
  #arc { margin-top: 18px; min-width: 0; }
  #arc h2 { font-size: 16px; margin: 14px 0 6px; }
  #arc .arc-pairs { display: flex; flex-wrap: wrap; gap: 10px 22px; }
  #arc .arc-pair { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; min-width: 0; }
  #arc .arc-pair .to { color: var(--muted); }
  #arc figure { margin: 0; min-width: 0; }
  #arc figcaption { font-size: 12px; color: var(--muted); overflow-wrap: anywhere; }
  #arc .arc-grid { --cell: min(14px, calc((100vw - 64px) / var(--cols)));
                   display: grid; grid-template-columns: repeat(var(--cols), var(--cell));
                   grid-auto-rows: var(--cell); gap: 1px; background: #555; border: 1px solid #555;
                   width: max-content; }
  #arc .arc-grid span { display: block; }
  #arc .arc-verdict.good { color: var(--good); font-weight: 600; }
  #arc .arc-verdict.bad { color: var(--bad); font-weight: 600; }
${ARC_COLOURS.map((c, i) => `  #arc .arc-grid .c${i} { background: ${c}; }`).join("\n")}
`;

/**
 * The functions: `isArcText(text)`, `arcBody(text)` (the request, or throws on bad JSON),
 * `clearArc()` and `showArc(task, res)`. Each drawn cell carries its colour in `data-v` and
 * each grid its size in `data-rows`/`data-cols`, so a test can read the grids back exactly;
 * the attempts are `#arc .arc-test[data-test=i] .arc-attempt[data-attempt=k] .arc-grid`.
 */
export const ARC_SCRIPT: string = String.raw`
// An ARC task is JSON ({ "train": …, "test": … }, or { "task": … }); a puzzle or maze is not.
function isArcText(text) { return /^\s*\{/.test(text); }

function arcBody(text) {
  var v;
  try { v = JSON.parse(text); } catch (e) { throw new Error("not valid JSON: " + e.message); }
  var task = v && v.task ? v.task : v;
  return { task: task, augmentations: 8 };
}

function clearArc() {
  var el = $("arc");
  el.innerHTML = "";
  el.hidden = true;
}

function arcGrid(rows, caption) {
  var fig = document.createElement("figure");
  var g = document.createElement("div");
  var cols = rows.length ? rows[0].length : 0;
  g.className = "arc-grid";
  g.style.setProperty("--cols", String(Math.max(1, cols)));
  g.setAttribute("data-rows", String(rows.length));
  g.setAttribute("data-cols", String(cols));
  g.setAttribute("role", "img");
  g.setAttribute("aria-label", (caption || "grid") + ", " + rows.length + "\u00d7" + cols);
  rows.forEach(function (row) {
    row.forEach(function (v) {
      var s = document.createElement("span");
      s.className = "c" + v;
      s.setAttribute("data-v", String(v));
      g.appendChild(s);
    });
  });
  fig.appendChild(g);
  if (caption) {
    var fc = document.createElement("figcaption");
    fc.textContent = caption;
    fig.appendChild(fc);
  }
  return fig;
}

function arcArrow() {
  var s = document.createElement("span");
  s.className = "to";
  s.textContent = "\u2192";
  return s;
}

function arcHeading(text) {
  var h = document.createElement("h2");
  h.textContent = text;
  return h;
}

function sameRows(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

function showArc(task, res) {
  var el = $("arc");
  el.innerHTML = "";
  el.hidden = false;
  el.appendChild(arcHeading("Demonstrations"));
  var pairs = document.createElement("div");
  pairs.className = "arc-pairs";
  (task.train || []).forEach(function (p, i) {
    var d = document.createElement("div");
    d.className = "arc-pair arc-train";
    d.setAttribute("data-pair", String(i));
    d.appendChild(arcGrid(p.input, "input " + (i + 1)));
    d.appendChild(arcArrow());
    d.appendChild(arcGrid(p.output, "output " + (i + 1)));
    pairs.appendChild(d);
  });
  el.appendChild(pairs);
  (res.tests || []).forEach(function (t, i) {
    var given = task.test && task.test[i] || {};
    el.appendChild(arcHeading("Test " + (i + 1)));
    var d = document.createElement("div");
    d.className = "arc-pair arc-test";
    d.setAttribute("data-test", String(i));
    d.appendChild(arcGrid(given.input || [], "test input"));
    d.appendChild(arcArrow());
    t.attempts.forEach(function (a, k) {
      var c = (t.candidates || []).filter(function (c) { return sameRows(c.grid, a); })[0];
      var votes = c ? c.votes : 0;
      var ok = given.output ? (sameRows(a, given.output) ? " \u2713" : "") : "";
      var fig = arcGrid(a, "attempt " + (k + 1) + ": " + votes + " of " + res.copies + " vote" +
        (res.copies === 1 ? "" : "s") + ok);
      fig.className = "arc-attempt";
      fig.setAttribute("data-attempt", String(k));
      fig.setAttribute("data-votes", String(votes));
      d.appendChild(fig);
    });
    if (given.output) {
      var exp = arcGrid(given.output, "given output");
      exp.className = "arc-expected";
      d.appendChild(exp);
    }
    el.appendChild(d);
    if (typeof t.matches === "boolean") {
      var v = document.createElement("div");
      v.className = "arc-verdict " + (t.matches ? "good" : "bad");
      v.setAttribute("data-matches", t.matches ? "1" : "0");
      v.textContent = t.matches ? "matches the given output" : "does not match the given output";
      el.appendChild(v);
    }
  });
}
`;
