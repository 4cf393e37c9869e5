// The ARC training stream: reproducible per sample index, puzzle ids per row, PAD labels
// ignored, one random offset shared by input and label, and each puzzle's fixed pair
// never translated.
import assert from "node:assert/strict";
import { arcGridsEqual, decodeArcGrid, parseArcTask } from "../../src/puzzles/arc.ts";
import { invertArcAugmentation } from "../../src/puzzles/arc_augment.ts";
import { buildArcPuzzles } from "../../src/puzzles/arc_puzzles.ts";
import { arcSource } from "../../src/train/arc_data.ts";

const task = parseArcTask(
  JSON.stringify({
    train: [{ input: [[1, 2]], output: [[2, 1]] }, { input: [[3], [4]], output: [[4], [3]] }],
    test: [{ input: [[5, 6, 7]], output: [[7, 6, 5]] }],
  }),
  "t",
);
const set = buildArcPuzzles([{ task, useTest: true }], { augmentations: 3, seed: 0 });

/** Where the first non-PAD token of a canvas sits (row, column). */
function origin(row: Int32Array): [number, number] {
  const i = row.findIndex((t) => t > 0);
  return [Math.floor(i / 30), i % 30];
}

Deno.test("arcSource: reproducible batches with ids, ignored PAD labels, shared offsets", () => {
  const source = arcSource(set.puzzles, { seed: 5, ignoreIndex: -100 });
  const a = source.examples(10, 32), b = source.examples(10, 32);
  assert.deepEqual(a, b);
  assert.deepEqual(source.examples(12, 1).inputs, a.inputs.subarray(2 * 900, 3 * 900));
  let translated = 0;
  for (let s = 0; s < 32; s++) {
    const input = a.inputs.subarray(s * 900, (s + 1) * 900);
    const label = a.labels.subarray(s * 900, (s + 1) * 900);
    assert.ok(label.every((t) => t === -100 || (t >= 1 && t <= 11)));
    assert.ok(input.every((t) => t >= 0 && t <= 11));
    const [r, c] = origin(input);
    const labelStart = label.findIndex((t) => t >= 2);
    assert.deepEqual([Math.floor(labelStart / 30), labelStart % 30], [r, c], "same offset");
    if (r || c) translated++;
    const puzzle = set.puzzles.find((p) => p.id === a.puzzleIds![s])!;
    assert.ok(puzzle, "a known puzzle id");
    // Moved back to the corner, the row decodes to one of the puzzle's own pairs.
    const moved = new Uint8Array(900);
    for (let i = 0; i < 900; i++) {
      const rr = Math.floor(i / 30) - r, cc = (i % 30) - c;
      if (rr >= 0 && cc >= 0 && input[i] > 0) moved[rr * 30 + cc] = input[i];
    }
    const grid = decodeArcGrid(moved);
    assert.ok(puzzle.pairs.some((p) => arcGridsEqual(p.input, grid)));
    assert.ok(
      task.train.concat(task.test).some((p) =>
        arcGridsEqual(p.input, invertArcAugmentation(grid, puzzle.aug))
      ),
    );
  }
  assert.ok(translated > 0, "the official translation augmentation");
  const still = arcSource(set.puzzles, { seed: 5, translate: false }).examples(0, 16);
  for (let s = 0; s < 16; s++) {
    assert.deepEqual(origin(still.inputs.subarray(s * 900, (s + 1) * 900)), [0, 0]);
  }
});
