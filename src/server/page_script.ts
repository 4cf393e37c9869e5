/**
 * The page's script (inline, classic, no build step): picks where the model runs — in this
 * browser through WebGPU (`trm.js`, the bundle of `src/browser/mod.ts`) when the browser
 * gives an adapter, else the server's `/v1/solve` — and replays the answer step by step.
 * `?mode=browser` or `?mode=server` forces one (no fallback then); `?profile=gpu` (or
 * `cpu`) forces the kernels' tuning family in the browser. A maze (text with `#`, `S` or
 * `G`) goes as `{ "maze": … }` and is drawn by `page_maze.ts`'s functions; an ARC task
 * (JSON) goes as `{ "task": … }` and is drawn by `page_arc.ts`'s.
 *
 * @module
 */
import { ARC_SCRIPT, arcExampleText } from "./page_arc.ts";
import { MAZE_EXAMPLES, MAZE_SCRIPT } from "./page_maze.ts";

/** The examples, from `examples/`: the first one of the default model's size opens. */
const EXAMPLES = [
  // A classic 9×9 puzzle: the shipped 9×9 model (step 8,371) solves it in 3 steps.
  [
    "9x9",
    "9×9",
    "53..7....\n6..195...\n.98....6.\n8...6...3\n4..8.3..1\n7...2...6\n.6....28.\n...419..5\n....8..79",
  ],
  // examples/sudoku9.txt, puzzles 1 and 2: the shipped model breaks a rule in both (kept to
  // show a failure; the step-7,381 model solved puzzle 2).
  [
    "9x9-hard",
    "9×9 hard (the model fails it)",
    "000000000\n590063002\n004000800\n200009057\n003007090\n600020003\n000008026\n005400000\n800090400",
  ],
  [
    "9x9-hard2",
    "9×9 hard 2 (the model fails it)",
    "390000618\n000000000\n100006400\n050430900\n900008060\n008000130\n007050000\n200010056\n800700040",
  ],
  // examples/sudoku6.txt, puzzle 1, and examples/sudoku4.txt, puzzle 1.
  ["6x6", "6×6", "..5 2..\n..6 ...\n--- ---\n... ..5\n4.. 36.\n--- ---\n.2. ...\n16. ..2"],
  ["4x4", "4×4", ". 2 | 4 .\n. 4 | 1 .\n----+----\n2 . | 3 .\n. . | . ."],
  ...MAZE_EXAMPLES,
];

/**
 * The script's text.
 *
 * @param staticSite true in `deno task build:web`'s folder: there is no server, so the
 *   page solves in the browser or says why it cannot
 */
export function pageScript(staticSite: boolean): string {
  return `"use strict";
var STATIC_SITE = ${staticSite ? "true" : "false"};
var EXAMPLES = ${JSON.stringify(EXAMPLES)};
var MAZE_EXAMPLES_FIRST = ${JSON.stringify(MAZE_EXAMPLES[0][0])};
var ARC_EXAMPLE = ${JSON.stringify(arcExampleText())};
${MAZE_SCRIPT}
${ARC_SCRIPT}
${BODY}`;
}

const BODY = String.raw`
var BOX = { 4: [2, 2], 6: [2, 3], 9: [3, 3] };
var $ = function (id) { return document.getElementById(id); };
var state = { result: null, step: 0, timer: null };
var WANTED = new URLSearchParams(location.search).get("mode");

function fillExamples() {
  var sel = $("example");
  EXAMPLES.forEach(function (e) {
    var o = document.createElement("option");
    o.value = e[0]; o.textContent = e[1]; sel.appendChild(o);
  });
  sel.addEventListener("change", function () { pickExample(sel.value); });
}

function pickExample(id) {
  EXAMPLES.forEach(function (e) { if (e[0] === id) { $("example").value = id; $("puzzle").value = e[2]; } });
}

// ---- where the model runs -------------------------------------------------------------

function serverBackend(why) {
  return {
    mode: "server", why: why,
    request: function (path, init) { return fetch(path, init); },
    models: function () {
      return fetch("/v1/models").then(function (r) { return r.json(); }).then(function (b) { return b.models || []; });
    }
  };
}

function browserBackend() {
  var profile = new URLSearchParams(location.search).get("profile") || undefined;
  return import("./trm.js").then(function (m) {
    return m.startBrowserSolver(location.href, { profile: profile });
  }).then(function (s) {
    var a = s.adapter;
    return {
      mode: "browser", profile: a.profile,
      why: ([a.vendor, a.architecture, a.description].filter(Boolean).join(" ") || "WebGPU") + ", " + a.profile + " kernels",
      request: function (path, init) { return s.request(path, init); },
      models: function () {
        return fetch("models/index.json").then(function (r) { return r.json(); }).then(function (b) { return b.models || []; });
      }
    };
  });
}

function startBackend() {
  var forced = WANTED === "browser" || STATIC_SITE;
  if (WANTED === "server" && !STATIC_SITE) return Promise.resolve(serverBackend("asked for with ?mode=server"));
  var fallback = function (why) {
    if (forced) throw new Error(why);
    return serverBackend(why);
  };
  if (!navigator.gpu) return Promise.resolve().then(function () { return fallback("this browser has no WebGPU"); });
  return navigator.gpu.requestAdapter().then(function (adapter) {
    if (!adapter) throw new Error("WebGPU gave no adapter");
    return browserBackend().catch(function (e) { throw new Error("in-browser start failed: " + e.message); });
  }).catch(function (e) { return fallback(e.message); });
}

function showMode(b) {
  var el = $("mode"), other = b.mode === "browser" ? "server" : "browser";
  el.setAttribute("data-mode", b.mode);
  if (b.profile) el.setAttribute("data-profile", b.profile);
  el.textContent = b.mode === "browser"
    ? "Solving in this browser on WebGPU (" + b.why + "); weights fetched once. "
    : "Solving on the server (" + b.why + "). ";
  if (!STATIC_SITE) {
    var a = document.createElement("a");
    a.href = "?mode=" + other;
    a.textContent = "solve " + (other === "browser" ? "in this browser" : "on the server") + " instead";
    el.appendChild(a);
  }
}

function listModels(b) {
  b.models().then(function (models) {
    if (!models.length) { $("models").textContent = "No models yet."; return; }
    $("models").textContent = "Models: " + models.map(function (m) {
      var acc = m.accuracy ? " (" + (100 * m.accuracy.exact).toFixed(1) + "% exact)" : "";
      return m.name + acc;
    }).join(", ");
    // The page opens on the 9×9 example; without a 9×9 model, on one a model here solves.
    var sizes = models.filter(function (m) { return m.kind === "sudoku"; }).map(function (m) { return m.size; });
    if (sizes.length && sizes.indexOf(9) < 0 && $("puzzle").value === EXAMPLES[0][2]) {
      pickExample(sizes[0] + "x" + sizes[0]);
    }
  }).catch(function () { $("models").textContent = ""; });
}

// ---- the answer, step by step ---------------------------------------------------------

function buildGrid(size) {
  var t = $("grid");
  t.innerHTML = "";
  t.className = "grid";
  t.setAttribute("data-size", String(size));
  var box = BOX[size];
  for (var r = 0; r < size; r++) {
    var tr = document.createElement("tr");
    for (var c = 0; c < size; c++) {
      var td = document.createElement("td");
      td.setAttribute("data-cell", String(r * size + c));
      if (c > 0 && c % box[1] === 0) td.className += " bl";
      if (r > 0 && r % box[0] === 0) td.className += " bt";
      tr.appendChild(td);
    }
    t.appendChild(tr);
  }
}

function frames() {
  var res = state.result;
  return res.trace && res.trace.length ? res.trace : [res.solution];
}

function showSudoku(frame, prev, puzzle) {
  var cells = $("grid").querySelectorAll("td");
  for (var i = 0; i < cells.length; i++) {
    var td = cells[i], d = frame.charAt(i), given = puzzle.charAt(i) !== "0";
    td.textContent = d === "0" ? "\u00b7" : d;
    td.classList.toggle("given", given);
    td.classList.toggle("blank", d === "0");
    td.classList.toggle("changed", !given && d !== prev.charAt(i));
    td.classList.toggle("broken", given && d !== puzzle.charAt(i));
    td.title = given && d !== puzzle.charAt(i) ? "the model changed the given " + puzzle.charAt(i) : "";
  }
}

function show(step) {
  var res = state.result;
  if (!res) return;
  var all = frames();
  step = Math.max(0, Math.min(all.length - 1, step));
  state.step = step;
  var frame = all[step], prev = step > 0 ? all[step - 1] : res.puzzle;
  if (state.maze) showMaze(frame, prev, res.puzzle);
  else showSudoku(frame, prev, res.puzzle);
  var last = all.length - 1;
  $("grid").setAttribute("data-step", String(step + 1));
  $("grid").setAttribute("data-final", step === last ? "1" : "0");
  var buttons = $("steps").querySelectorAll("button");
  for (var b = 0; b < buttons.length; b++) buttons[b].classList.toggle("current", b === step);
  $("prev").disabled = step === 0;
  $("next").disabled = step === last;
  var changed = $("grid").querySelectorAll("td.changed").length;
  $("detail").textContent = "step " + (step + 1) + " of " + all.length + ": " + changed + " cell" +
    (changed === 1 ? "" : "s") + " changed" + (step === last ? (res.halted ? " \u2014 the model halted here" +
    " (halt probability " + res.haltProb.toFixed(3) + ")" : " \u2014 step cap reached") : "");
}

function play() {
  clearInterval(state.timer);
  show(0);
  state.timer = setInterval(function () {
    if (state.step >= frames().length - 1) { clearInterval(state.timer); state.timer = null; return; }
    show(state.step + 1);
  }, 450);
}

// The halting mark is drawn with CSS (span.mark): U+23F9 needs a font many systems lack.
function mark(kind) {
  var s = document.createElement("span");
  s.className = "mark " + kind;
  s.setAttribute("aria-hidden", "true");
  return s;
}

function render(res) {
  state.result = res;
  state.maze = isMazeLine(res.puzzle);
  var size = Math.round(Math.sqrt(res.puzzle.length));
  if (state.maze) buildMaze(size);
  else buildGrid(size);
  var strip = $("steps");
  strip.innerHTML = "";
  frames().forEach(function (_, k, all) {
    var b = document.createElement("button");
    var isLast = k === all.length - 1;
    b.textContent = String(k + 1);
    if (isLast) { b.appendChild(mark(res.halted ? "stop" : "cap")); b.classList.add("halt"); }
    b.title = isLast ? (res.halted ? "halting step" : "step cap") : "step " + (k + 1);
    b.setAttribute("data-step", String(k + 1));
    b.addEventListener("click", function () { clearInterval(state.timer); show(k); });
    strip.appendChild(b);
  });
  var v = $("verdict");
  v.className = res.valid ? "good" : "bad";
  var steps = res.steps + (res.steps === 1 ? " step" : " steps");
  var what = state.maze ? ["Valid shortest path", "Not a valid path: "] : ["Valid solution", "Not a valid solution: "];
  v.textContent = res.valid ? what[0] + " (" + steps + ", " + res.ms.toFixed(1) + " ms)"
    : what[1] + res.problem + " (" + steps + ")";
  $("play").disabled = false;
  play();
}

// Nothing of an earlier answer may stay on screen next to a new request or its error.
function clearResult() {
  clearInterval(state.timer);
  state.timer = null;
  state.result = null;
  $("grid").innerHTML = "";
  $("grid").className = "grid";
  $("grid").removeAttribute("data-step");
  $("grid").removeAttribute("data-final");
  $("steps").innerHTML = "";
  $("verdict").textContent = "";
  $("verdict").className = "";
  $("detail").textContent = "";
  clearArc();
  $("prev").disabled = $("next").disabled = $("play").disabled = true;
}

function fail(message) {
  clearResult();
  $("status").textContent = message;
  $("status").className = "bad";
}

var backend = startBackend();

function solve() {
  var text = $("puzzle").value, body = { trace: true };
  // Same request in both modes; the API tells a task, a maze and a Sudoku by the field.
  if (isArcText(text)) return solveArc(text);
  if (isMazeText(text)) body.maze = text; else body.puzzle = text;
  var ms = $("maxSteps").value, th = $("haltThreshold").value, k = $("samples").value;
  if (ms !== "") body.maxSteps = Number(ms);
  if (th !== "") body.haltThreshold = Number(th);
  if (k !== "") body.samples = Number(k);
  clearResult();
  $("solve").disabled = true;
  $("status").className = "";
  $("status").textContent = "solving\u2026";
  backend.then(function (b) {
    return b.request("/v1/solve", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })
      .then(function (r) {
        return r.json().catch(function () { return { error: "HTTP " + r.status }; })
          .then(function (j) { return { ok: r.ok, body: j }; });
      })
      .then(function (r) {
        if (!r.ok) { fail(r.body.error || "request failed"); return; }
        $("status").textContent = "model " + r.body.model + ", batch of " + r.body.batchSize +
          (b.mode === "browser" ? ", in this browser" : ", on the server");
        render(r.body);
      });
  }).catch(function (e) { fail("failed: " + (e && e.message || e)); })
    .then(function () { $("solve").disabled = false; });
}

// An ARC task: the same request path; the answer is drawn by page_arc.ts's showArc.
function solveArc(text) {
  var body;
  try { body = arcBody(text); } catch (e) { fail(e.message); return; }
  clearResult();
  $("solve").disabled = true;
  $("status").className = "";
  $("status").textContent = "solving the ARC task\u2026";
  backend.then(function (b) {
    return b.request("/v1/solve", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })
      .then(function (r) {
        return r.json().catch(function () { return { error: "HTTP " + r.status }; })
          .then(function (j) { return { status: r.status, ok: r.ok, body: j }; });
      })
      .then(function (r) {
        if (r.status === 422) { fail("no ARC model " + (b.mode === "browser" ? "in this page's models/index.json" : "on this server (start it with TRM_MODEL=\u2026)")); return; }
        if (!r.ok) { fail(r.body.detail || r.body.error || "request failed"); return; }
        $("status").textContent = "model " + r.body.model + ", " + r.body.copies + " augmented copies, " +
          r.body.steps + " steps, " + r.body.ms.toFixed(1) + " ms" + (b.mode === "browser" ? ", in this browser" : ", on the server");
        showArc(body.task, r.body);
      });
  }).catch(function (e) { fail("failed: " + (e && e.message || e)); })
    .then(function () { $("solve").disabled = false; });
}

fillExamples();
pickExample(EXAMPLES[0][0]);
$("solve").addEventListener("click", solve);
$("mazeExample").addEventListener("click", function () { pickExample(MAZE_EXAMPLES_FIRST); });
$("arcExample").addEventListener("click", function () { $("puzzle").value = ARC_EXAMPLE; });
$("prev").addEventListener("click", function () { clearInterval(state.timer); show(state.step - 1); });
$("next").addEventListener("click", function () { clearInterval(state.timer); show(state.step + 1); });
$("play").addEventListener("click", play);
$("puzzle").addEventListener("keydown", function (e) { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) solve(); });
backend.then(function (b) { showMode(b); listModels(b); }, function (e) {
  $("mode").setAttribute("data-mode", "none");
  $("mode").textContent = "Cannot solve here: " + e.message + ".";
  $("solve").disabled = true;
});
`;
