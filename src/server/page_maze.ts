/**
 * The maze part of the page's script (classic inline JS, joined into `page_script.ts`): how a
 * pasted text is told to be a maze, and how a maze answer is drawn — walls, start and goal,
 * and the model's path (`o` in the API's answer) cell by cell at each supervision step.
 *
 * @module
 */

/** Maze examples for the page's picker: [id, label, text], from examples/maze7.txt. */
export const MAZE_EXAMPLES: [string, string, string][] = [
  // examples/maze7.txt, maze 2: the shipped maze7 model draws a shortest path in 4 steps.
  ["maze7", "maze 7×7", "# #   G\n  # ###\n#   #  \n #  #  \n   # # \n#  #  #\nS ##  #"],
  // examples/maze7.txt, maze 1: one cell short of a path (kept to show a failure).
  [
    "maze7-fail",
    "maze 7×7 (the model fails it)",
    "###  G \n  # # #\n    #  \n # #  #\n  ## # \n   ### \n # S## ",
  ],
];

/**
 * The functions: `isMazeText(text)`, `isMazeLine(line)`, `buildMaze(size)` and
 * `showMaze(frame, prev, puzzle)` (returns how many cells changed). Each cell carries the
 * answer's character in `data-ch`, so a test can read the drawn maze back exactly.
 */
export const MAZE_SCRIPT = String.raw`
// A maze has walls, a start or a goal; a Sudoku has none of these characters.
function isMazeText(text) { return /[#SG]/.test(text); }
function isMazeLine(line) { return /[^0-9]/.test(line); }

function buildMaze(size) {
  var t = $("grid");
  t.innerHTML = "";
  t.className = "grid maze";
  t.setAttribute("data-size", String(size));
  for (var r = 0; r < size; r++) {
    var tr = document.createElement("tr");
    for (var c = 0; c < size; c++) {
      var td = document.createElement("td");
      td.setAttribute("data-cell", String(r * size + c));
      tr.appendChild(td);
    }
    t.appendChild(tr);
  }
}

var MAZE_CLASS = { "#": "wall", "S": "start", "G": "goal", "o": "path", " ": "open" };

function showMaze(frame, prev, puzzle) {
  var cells = $("grid").querySelectorAll("td"), changed = 0;
  for (var i = 0; i < cells.length; i++) {
    var td = cells[i], ch = frame.charAt(i), was = puzzle.charAt(i);
    // Only open cells may become path; a wall, start or goal the model overwrote is broken.
    var broken = was !== " " && ch !== was;
    var isChanged = was === " " && ch !== prev.charAt(i);
    if (isChanged) changed++;
    td.className = (MAZE_CLASS[ch] || "open") + (isChanged ? " changed" : "") + (broken ? " broken" : "");
    td.setAttribute("data-ch", ch);
    td.textContent = ch === "S" || ch === "G" ? ch : "";
    td.title = broken ? "the model overwrote the " + (MAZE_CLASS[was] || was) : "";
  }
  return changed;
}
`;
