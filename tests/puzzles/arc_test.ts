// ARC: task parsing with one-line errors, the official 30×30 encoding and its decoder
// (the official crop), the dihedral × colour augmentations and their inverses, and the
// puzzle identifier table.
import assert from "node:assert/strict";
import {
  ARC_EOS_TOKEN,
  ARC_SEQ_LEN,
  type ArcGrid,
  arcGrid,
  arcGridRows,
  arcGridsEqual,
  ArcTaskError,
  decodeArcGrid,
  encodeArcGrid,
  looksLikeArcTask,
  parseArcTask,
} from "../../src/puzzles/arc.ts";
import {
  applyArcAugmentation,
  arcPuzzleName,
  arcTaskAugmentations,
  dihedralGrid,
  invertArcAugmentation,
  parseArcPuzzleName,
  randomArcAugmentation,
} from "../../src/puzzles/arc_augment.ts";
import { arcIdentifierIndex, buildArcPuzzles } from "../../src/puzzles/arc_puzzles.ts";
import { dihedralTransform } from "../../src/puzzles/dihedral.ts";
import { Rng } from "../../src/puzzles/rng.ts";

function randomGrid(rows: number, cols: number, rng: Rng): ArcGrid {
  return { rows, cols, cells: Uint8Array.from({ length: rows * cols }, () => rng.int(10)) };
}

const SHAPES: [number, number][] = [[1, 1], [30, 30], [3, 7], [7, 3], [1, 30], [30, 1], [29, 30]];

Deno.test("encode → decode round-trips awkward shapes", () => {
  const rng = new Rng(1);
  for (const [r, c] of SHAPES) {
    const g = randomGrid(r, c, rng);
    const t = encodeArcGrid(g);
    assert.equal(t.length, ARC_SEQ_LEN);
    assert.ok(arcGridsEqual(decodeArcGrid(t), g), `${r}×${c}`);
  }
});

Deno.test("the end-of-grid marker sits below and right of the grid, corner left PAD", () => {
  const t = encodeArcGrid(arcGrid([[0, 9], [3, 4]]));
  const at = (r: number, c: number) => t[r * 30 + c];
  assert.deepEqual([at(0, 0), at(0, 1), at(1, 0), at(1, 1)], [2, 11, 5, 6]);
  assert.deepEqual([at(2, 0), at(2, 1), at(0, 2), at(1, 2)], Array(4).fill(ARC_EOS_TOKEN));
  assert.equal(at(2, 2), 0); // the corner: the official fills neither
  assert.equal(t.filter((v) => v === ARC_EOS_TOKEN).length, 4);
  // A full-width or full-height grid has no room for that side's marker.
  const wide = encodeArcGrid(arcGrid([Array(30).fill(1)]));
  assert.equal(wide.filter((v) => v === 1).length, 30); // only the row below
  const full = encodeArcGrid({ rows: 30, cols: 30, cells: new Uint8Array(900) });
  assert.ok(full.every((v) => v === 2));
});

Deno.test("translation puts the grid at an offset with its markers", () => {
  const g = arcGrid([[1, 2, 3]]);
  const t = encodeArcGrid(g, { rowOffset: 4, colOffset: 26 });
  assert.deepEqual([...t.subarray(4 * 30 + 26, 4 * 30 + 30)], [3, 4, 5, 1]);
  assert.deepEqual([...t.subarray(5 * 30 + 26, 5 * 30 + 30)], [1, 1, 1, 0]);
  assert.throws(() => encodeArcGrid(g, { colOffset: 28 }), /does not fit/);
});

Deno.test("decoding malformed predictions takes the largest top-left colour rectangle", () => {
  const t = new Uint8Array(900); // all PAD
  assert.deepEqual(decodeArcGrid(t), { rows: 0, cols: 0, cells: new Uint8Array(0) });
  // Ragged rows: widths 3, 2, 2, then PAD: 3×2 (area 6) beats 1×3.
  for (const [r, w] of [[0, 3], [1, 2], [2, 2]]) for (let c = 0; c < w; c++) t[r * 30 + c] = 4;
  const d = decodeArcGrid(t);
  assert.deepEqual([d.rows, d.cols], [3, 2]);
  assert.ok(d.cells.every((v) => v === 2));
  // No marker at all: the whole canvas is the grid.
  assert.equal(decodeArcGrid(new Uint8Array(900).fill(7)).rows, 30);
  assert.throws(() => decodeArcGrid(new Uint8Array(10)), /expected 900/);
});

Deno.test("dihedralGrid matches the square transforms and the numpy shapes", () => {
  const rng = new Rng(2);
  const sq = randomGrid(5, 5, rng);
  for (let id = 0; id < 8; id++) {
    assert.deepEqual(dihedralGrid(sq, id).cells, dihedralTransform(sq.cells, 5, id), `id ${id}`);
  }
  const g = arcGrid([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(arcGridRows(dihedralGrid(g, 1)), [[3, 6], [2, 5], [1, 4]]); // np.rot90
  assert.deepEqual(arcGridRows(dihedralGrid(g, 6)), [[1, 4], [2, 5], [3, 6]]); // .T
  assert.deepEqual(arcGridRows(dihedralGrid(g, 4)), [[3, 2, 1], [6, 5, 4]]); // fliplr
  assert.deepEqual(arcGridRows(dihedralGrid(g, 7)), [[6, 3], [5, 2], [4, 1]]); // fliplr(rot90)
});

Deno.test("every augmentation's inverse restores the grid; colour 0 stays 0", () => {
  const rng = new Rng(3);
  for (let k = 0; k < 200; k++) {
    const aug = randomArcAugmentation(rng);
    assert.equal(aug.colours[0], 0);
    assert.deepEqual([...aug.colours].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const [r, c] = SHAPES[k % SHAPES.length];
    const g = randomGrid(r, c, rng);
    const a = applyArcAugmentation(g, aug);
    // The colour map alone (no transform): every 0 stays 0, every other colour leaves 0.
    const mapped = applyArcAugmentation(g, { ...aug, dihedral: 0 });
    g.cells.forEach((v, i) => assert.equal(mapped.cells[i] === 0, v === 0));
    // Zeros move with the transform but stay zeros: same count.
    assert.equal(a.cells.filter((v) => v === 0).length, g.cells.filter((v) => v === 0).length);
    assert.ok(arcGridsEqual(invertArcAugmentation(a, aug), g), `aug ${k}`);
  }
  for (let id = 0; id < 8; id++) {
    const aug = { dihedral: id, colours: Uint8Array.from([0, 9, 8, 7, 6, 5, 4, 3, 2, 1]) };
    const g = randomGrid(4, 9, rng);
    assert.ok(arcGridsEqual(invertArcAugmentation(applyArcAugmentation(g, aug), aug), g));
  }
});

Deno.test("augmented puzzle names follow the official identifiers and parse back", () => {
  const aug = { dihedral: 5, colours: Uint8Array.from([0, 3, 1, 2, 4, 5, 6, 7, 8, 9]) };
  const name = arcPuzzleName("abc", aug);
  assert.equal(name, "abc|||t5|||0312456789");
  assert.deepEqual(parseArcPuzzleName(name), { task: "abc", aug });
  assert.equal(
    arcPuzzleName("abc", { dihedral: 0, colours: Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]) }),
    "abc",
  );
  assert.equal(parseArcPuzzleName("abc").task, "abc");
  assert.throws(() => parseArcPuzzleName("abc|||t9|||0123456789"), /not an augmented/);
});

const TASK = JSON.stringify({
  train: [{ input: [[1, 0], [0, 0]], output: [[1, 1], [1, 1]] }, {
    input: [[2]],
    output: [[2]],
  }],
  test: [{ input: [[3, 0, 0]], output: [[3, 3, 3]] }],
});

Deno.test("parseArcTask reads a task; looksLikeArcTask tells it apart", () => {
  const t = parseArcTask(TASK, "t.json");
  assert.equal(t.train.length, 2);
  assert.deepEqual(arcGridRows(t.test[0].output!), [[3, 3, 3]]);
  assert.ok(looksLikeArcTask(JSON.parse(TASK)));
  assert.ok(!looksLikeArcTask({ puzzles: [] }));
  // Test outputs are optional unless required.
  const open = parseArcTask(
    '{"train":[{"input":[[1]],"output":[[1]]}],"test":[{"input":[[1]]}]}',
    "o",
  );
  assert.equal(open.test[0].output, undefined);
  assert.throws(
    () =>
      parseArcTask('{"train":[{"input":[[1]],"output":[[1]]}],"test":[{"input":[[1]]}]}', "o", {
        requireTestOutputs: true,
      }),
    /^ArcTaskError: o: test pair 1 has no "output"$/,
  );
});

Deno.test("malformed tasks give one-line errors naming the file and the pair", () => {
  const bad = (obj: unknown) => JSON.stringify(obj);
  const pair = { input: [[1]], output: [[1]] };
  const cases: [string, RegExp][] = [
    ["{", /^f\.json: not valid JSON/],
    [bad([]), /^f\.json: not an ARC task/],
    [bad({ test: [pair] }), /^f\.json: "train" is missing or not a list of pairs$/],
    [bad({ train: [], test: [pair] }), /^f\.json: "train" has no pairs$/],
    [bad({ train: [pair], test: [] }), /^f\.json: "test" has no pairs$/],
    [
      bad({ train: [pair, { input: [[1, 2], [3]], output: [[1]] }], test: [pair] }),
      /^f\.json: train pair 2 input row 2 has 1 cells, row 1 has 2$/,
    ],
    [
      bad({ train: [{ input: [[1]], output: [[1, 10]] }], test: [pair] }),
      /^f\.json: train pair 1 output row 1 column 2 is 10, not a colour 0–9$/,
    ],
    [
      bad({ train: [pair], test: [{ input: [[-1]] }] }),
      /^f\.json: test pair 1 input row 1 column 1 is -1, not a colour 0–9$/,
    ],
    [
      bad({ train: [{ input: Array(31).fill([1]), output: [[1]] }], test: [pair] }),
      /^f\.json: train pair 1 input has 31 rows \(at most 30\)$/,
    ],
    [
      bad({ train: [{ input: [Array(31).fill(1)], output: [[1]] }], test: [pair] }),
      /^f\.json: train pair 1 input has 31 columns \(at most 30\)$/,
    ],
    [bad({ train: [{ input: [[1]] }], test: [pair] }), /^f\.json: train pair 1 has no "output"$/],
    [
      bad({ train: [{ input: [], output: [[1]] }], test: [pair] }),
      /^f\.json: train pair 1 input has no rows$/,
    ],
    [
      bad({ train: [{ input: [[]], output: [[1]] }], test: [pair] }),
      /^f\.json: train pair 1 input row 1 is empty$/,
    ],
    [bad({ train: [{ input: [[1.5]], output: [[1]] }], test: [pair] }), /is 1\.5, not a colour/],
  ];
  for (const [text, re] of cases) {
    assert.throws(() => parseArcTask(text, "f.json"), (e: Error) => {
      assert.ok(e instanceof ArcTaskError, text);
      assert.ok(!e.message.includes("\n"), e.message);
      assert.match(e.message, re);
      return true;
    });
  }
});

Deno.test("augmentations of a task: identity first, distinct copies, fewer for a symmetric task", () => {
  const task = parseArcTask(TASK, "t");
  const augs = arcTaskAugmentations(task, 8, new Rng(4));
  assert.equal(augs.length, 9);
  assert.equal(arcPuzzleName("t", augs[0]), "t");
  assert.equal(new Set(augs.map((a) => arcPuzzleName("t", a))).size, 9);
  // All zeros, 1×1: every augmentation gives the same puzzle.
  const blank = parseArcTask(
    '{"train":[{"input":[[0]],"output":[[0]]}],"test":[{"input":[[0]]}]}',
    "b",
  );
  assert.equal(arcTaskAugmentations(blank, 8, new Rng(4)).length, 1);
});

Deno.test("the puzzle table: one identifier per (task, augmentation), blank 0, test pairs optional", () => {
  const a = parseArcTask(TASK, "a"), b = { ...parseArcTask(TASK, "b") };
  const set = buildArcPuzzles([{ task: a, useTest: true }, { task: b, useTest: false }], {
    augmentations: 3,
    seed: 0,
  });
  assert.equal(set.identifiers[0], "<blank>");
  assert.equal(set.puzzles.length, 8);
  assert.deepEqual(set.puzzles.map((p) => p.id), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(set.identifiers[1], "a");
  assert.equal(set.puzzles[0].pairs.length, 3); // 2 train + the test pair
  assert.equal(set.puzzles[4].pairs.length, 2); // b: demonstrations only
  // Each puzzle's pairs are its task's pairs under its augmentation.
  const p = set.puzzles[2];
  assert.ok(arcGridsEqual(invertArcAugmentation(p.pairs[0].output!, p.aug), a.train[0].output!));
  const index = arcIdentifierIndex(set.identifiers);
  assert.deepEqual(index.get("b")!.map((c) => c.id), [5, 6, 7, 8]);
});
