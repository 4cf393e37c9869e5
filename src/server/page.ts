/**
 * The page at `GET /`: one self-contained HTML file (inline CSS and JS, no external
 * fetches) to type or paste a Sudoku, solve it, and watch the model's answer refine step
 * by step — changed cells highlighted, the halting step marked.
 *
 * @module
 */

/** The page's HTML. The script talks only to this server (`/v1/models`, `/v1/solve`). */
export const PAGE_HTML: string = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>TRM — watch a Tiny Recursive Model solve Sudoku</title>
<style>
  :root { --fg: #1d2330; --muted: #667085; --line: #c9cfdb; --box: #39414f; --accent: #2f6fed;
          --changed: #ffe08a; --given: #eef1f6; --bad: #d92d20; --good: #12805c; }
  * { box-sizing: border-box; }
  body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg);
         margin: 0; padding: 24px; max-width: 980px; margin-inline: auto; }
  h1 { font-size: 22px; margin: 0 0 4px; }
  p.lead { color: var(--muted); margin: 0 0 18px; }
  .cols { display: flex; gap: 28px; flex-wrap: wrap; align-items: flex-start; }
  .input { flex: 1 1 300px; }
  textarea { width: 100%; height: 220px; font: 14px/1.35 ui-monospace, Menlo, Consolas, monospace;
             padding: 8px; border: 1px solid var(--line); border-radius: 6px; }
  .row { display: flex; gap: 10px; align-items: center; margin: 10px 0; flex-wrap: wrap; }
  label { color: var(--muted); font-size: 13px; }
  input[type=number] { width: 72px; padding: 4px; }
  button { font: inherit; padding: 6px 14px; border-radius: 6px; border: 1px solid var(--line);
           background: #fff; cursor: pointer; }
  button.primary { background: var(--accent); color: #fff; border-color: var(--accent); }
  button:disabled { opacity: .5; cursor: default; }
  select { font: inherit; padding: 4px; }
  .board { flex: 0 0 auto; }
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
  .steps { display: flex; gap: 4px; flex-wrap: wrap; margin: 12px 0 6px; }
  .steps button { padding: 3px 9px; min-width: 34px; font-size: 13px; }
  .steps button.current { outline: 2px solid var(--accent); }
  .steps button.halt { background: var(--fg); color: #fff; border-color: var(--fg); }
  #status { min-height: 1.4em; }
  #verdict.good { color: var(--good); font-weight: 600; }
  #verdict.bad { color: var(--bad); font-weight: 600; }
  .muted { color: var(--muted); font-size: 13px; }
  .legend span { display: inline-block; width: 12px; height: 12px; border: 1px solid var(--line);
                 vertical-align: -1px; margin: 0 4px 0 10px; }
</style>
</head>
<body>
<h1>Tiny Recursive Model — Sudoku</h1>
<p class="lead">Type or paste a puzzle (one line of 16, 36 or 81 digits with 0 or . for blanks, or one row a
line), press <b>Solve</b>, and watch the model refine its answer after every supervision step.</p>
<div class="cols">
  <div class="input">
    <textarea id="puzzle" spellcheck="false" aria-label="Sudoku puzzle"></textarea>
    <div class="row">
      <label>example <select id="example"></select></label>
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
    <div class="muted legend"><span style="background:var(--given)"></span>given<span
      style="background:var(--changed)"></span>changed this step<span style="background:var(--fg)"></span>last step
      (&#9209; halted, &#8677; step cap) <b style="color:var(--bad);margin-left:8px">red</b>: a given the model changed</div>
  </div>
</div>
<script>
"use strict";
var EXAMPLES = {
  "4x4": ". 2 | 4 .\n. 4 | 1 .\n----+----\n2 . | 3 .\n. . | . .",
  "6x6": "..5 2..\n..6 ...\n--- ---\n... ..5\n4.. 36.\n--- ---\n.2. ...\n16. ..2",
  "9x9": "53..7....\n6..195...\n.98....6.\n8...6...3\n4..8.3..1\n7...2...6\n.6....28.\n...419..5\n....8..79"
};
var BOX = { 4: [2, 2], 6: [2, 3], 9: [3, 3] };
var $ = function (id) { return document.getElementById(id); };
var state = { result: null, step: 0, timer: null };

function fillExamples() {
  var sel = $("example");
  Object.keys(EXAMPLES).forEach(function (k) {
    var o = document.createElement("option");
    o.value = k; o.textContent = k; sel.appendChild(o);
  });
  sel.addEventListener("change", function () { $("puzzle").value = EXAMPLES[sel.value]; });
}

function loadModels() {
  fetch("/v1/models").then(function (r) { return r.json(); }).then(function (body) {
    var models = (body && body.models) || [];
    if (!models.length) { $("models").textContent = "This server has no models yet."; return; }
    $("models").textContent = "Models: " + models.map(function (m) {
      var acc = m.accuracy ? " (" + (100 * m.accuracy.exact).toFixed(1) + "% exact)" : "";
      return m.name + acc;
    }).join(", ");
    var sizes = models.filter(function (m) { return m.kind === "sudoku"; }).map(function (m) { return m.size; });
    if (sizes.length && !$("puzzle").value.trim()) {
      var pick = sizes.indexOf(9) >= 0 ? 9 : sizes[0];
      $("example").value = pick + "x" + pick;
      $("puzzle").value = EXAMPLES[pick + "x" + pick];
    }
  }).catch(function () { $("models").textContent = ""; });
}

function buildGrid(size) {
  var t = $("grid");
  t.innerHTML = "";
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

function show(step) {
  var res = state.result;
  if (!res) return;
  var frames = res.trace && res.trace.length ? res.trace : [res.solution];
  step = Math.max(0, Math.min(frames.length - 1, step));
  state.step = step;
  var frame = frames[step], prev = step > 0 ? frames[step - 1] : res.puzzle;
  var cells = $("grid").querySelectorAll("td");
  for (var i = 0; i < cells.length; i++) {
    var td = cells[i], d = frame.charAt(i), given = res.puzzle.charAt(i) !== "0";
    td.textContent = d === "0" ? "\u00b7" : d;
    td.classList.toggle("given", given);
    td.classList.toggle("blank", d === "0");
    td.classList.toggle("changed", !given && d !== prev.charAt(i));
    td.classList.toggle("broken", given && d !== res.puzzle.charAt(i));
    td.title = given && d !== res.puzzle.charAt(i) ? "the model changed the given " + res.puzzle.charAt(i) : "";
  }
  var last = frames.length - 1;
  $("grid").setAttribute("data-step", String(step + 1));
  $("grid").setAttribute("data-final", step === last ? "1" : "0");
  var buttons = $("steps").querySelectorAll("button");
  for (var b = 0; b < buttons.length; b++) buttons[b].classList.toggle("current", b === step);
  $("prev").disabled = step === 0;
  $("next").disabled = step === last;
  var changed = $("grid").querySelectorAll("td.changed").length;
  $("detail").textContent = "step " + (step + 1) + " of " + frames.length + ": " + changed + " cell" +
    (changed === 1 ? "" : "s") + " changed" + (step === last ? (res.halted ? " \u2014 the model halted here" +
    " (halt probability " + res.haltProb.toFixed(3) + ")" : " \u2014 step cap reached") : "");
}

function play() {
  clearInterval(state.timer);
  var frames = state.result.trace || [state.result.solution];
  show(0);
  state.timer = setInterval(function () {
    if (state.step >= frames.length - 1) { clearInterval(state.timer); state.timer = null; return; }
    show(state.step + 1);
  }, 450);
}

function render(res) {
  state.result = res;
  var size = Math.round(Math.sqrt(res.puzzle.length));
  buildGrid(size);
  var strip = $("steps");
  strip.innerHTML = "";
  var frames = res.trace && res.trace.length ? res.trace : [res.solution];
  frames.forEach(function (_, k) {
    var b = document.createElement("button");
    var isLast = k === frames.length - 1;
    b.textContent = String(k + 1) + (isLast ? (res.halted ? " \u23f9" : " \u21e5") : "");
    b.title = isLast ? (res.halted ? "halting step" : "step cap") : "step " + (k + 1);
    if (isLast) b.classList.add("halt");
    b.setAttribute("data-step", String(k + 1));
    b.addEventListener("click", function () { clearInterval(state.timer); show(k); });
    strip.appendChild(b);
  });
  var v = $("verdict");
  v.className = res.valid ? "good" : "bad";
  v.textContent = res.valid ? "Valid solution (" + res.steps + " steps, " + res.ms.toFixed(1) + " ms)"
    : "Not a valid solution: " + res.problem + " (" + res.steps + " steps)";
  $("play").disabled = false;
  play();
}

function solve() {
  var text = $("puzzle").value;
  var body = { puzzle: text, trace: true };
  var ms = $("maxSteps").value, th = $("haltThreshold").value;
  if (ms !== "") body.maxSteps = Number(ms);
  if (th !== "") body.haltThreshold = Number(th);
  var k = $("samples").value;
  if (k !== "") body.samples = Number(k);
  $("solve").disabled = true;
  $("status").textContent = "solving\u2026";
  fetch("/v1/solve", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })
    .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); })
    .then(function (r) {
      if (!r.ok) { $("status").textContent = r.body.error || "request failed"; return; }
      $("status").textContent = "model " + r.body.model + ", batch of " + r.body.batchSize;
      render(r.body);
    })
    .catch(function (e) { $("status").textContent = "request failed: " + e; })
    .then(function () { $("solve").disabled = false; });
}

fillExamples();
$("solve").addEventListener("click", solve);
$("prev").addEventListener("click", function () { clearInterval(state.timer); show(state.step - 1); });
$("next").addEventListener("click", function () { clearInterval(state.timer); show(state.step + 1); });
$("play").addEventListener("click", play);
$("puzzle").addEventListener("keydown", function (e) { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) solve(); });
loadModels();
</script>
</body>
</html>
`;
