// The official dataset layout: a split written by the same steps as the official
// build_sudoku_dataset.py with numpy 2.4 (embedded as base64), and our writer's round trip.
import assert from "node:assert/strict";
import { recordsToDataset } from "../../src/data/csv.ts";
import { datasetExample } from "../../src/data/dataset.ts";
import { officialSplitFiles, readOfficialSplit } from "../../src/data/official.ts";
import { decodeSudoku } from "../../src/puzzles/encoding.ts";
import { formatSudokuLine } from "../../src/puzzles/sudoku_grid.ts";
import { isValidSolution } from "../../src/puzzles/sudoku_validate.ts";

/** test/ split: one puzzle and its transpose, one group; files as numpy wrote them. */
const OFFICIAL: Record<string, string> = {
  "all__inputs.npy":
    "k05VTVBZAQB2AHsnZGVzY3InOiAnfHUxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDgxKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAQQBAwEHAQEKAQEEAQYBAQIBAQIJAQcFAQEBAQkCAQMKAQEIAQEBAQEBAQkBAQcIAQkDAQEBAQMHAQoGAQEJAQEDAQQBAQoBAQYBAgEEAQEBCgEBCAEBCQEBAQEBAQEBAQEEAQIJAQcDAQYBBAkCAQgHAwEDAQEBAQEBAQIBBgcDAQkKBAEHAQUKAQMGAQQBAQEBAQEBAQEBAgEBCQEBCgE=",
  "all__labels.npy":
    "k05VTVBZAQB2AHsnZGVzY3InOiAnfHUxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDgxKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoFCQQKAwIHBggKBwgEBQYJAwIDBgIJCAcFCgQGBQkCBAMKCAcIAwoGBwUCBAkCBAcICgkDBQYECAMHCQoGAgUJAgUDBgQIBwoHCgYFAggECQMFCgMGCAIECQcJBwYFAwQIAgoECAIJCgcDBQYKBAkCBggHAwUDBQgEBwoJBgICBgcDBQkKBAgHCQUKAgMGCAQGAwoIBAUCBwkIAgQHCQYFCgM=",
  "all__group_indices.npy":
    "k05VTVBZAQB2AHsnZGVzY3InOiAnPGk0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAgAAAA==",
  "all__puzzle_indices.npy":
    "k05VTVBZAQB2AHsnZGVzY3InOiAnPGk0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAQAAAAIAAAA=",
  "all__puzzle_identifiers.npy":
    "k05VTVBZAQB2AHsnZGVzY3InOiAnPGk0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAAA==",
  "dataset.json":
    "eyJwYWRfaWQiOiAwLCAiaWdub3JlX2xhYmVsX2lkIjogMCwgImJsYW5rX2lkZW50aWZpZXJfaWQiOiAwLCAidm9jYWJfc2l6ZSI6IDExLCAic2VxX2xlbiI6IDgxLCAibnVtX3B1enpsZV9pZGVudGlmaWVycyI6IDEsICJ0b3RhbF9ncm91cHMiOiAxLCAibWVhbl9wdXp6bGVfZXhhbXBsZXMiOiAxLCAic2V0cyI6IFsiYWxsIl19",
};

const QUESTION =
  "..3.2.6..9..3.5..1..18.64....81.29..7.......8..67.82....26.95..8..2.3..9..5.1.3..";

function reader(files: Record<string, Uint8Array>) {
  return (path: string) => {
    const f = files[path];
    return f ? Promise.resolve(f) : Promise.reject(new Error("No such file"));
  };
}

const numpyFiles = () =>
  Object.fromEntries(
    Object.entries(OFFICIAL).map((
      [k, v],
    ) => [`data/sudoku/test/${k}`, Uint8Array.from(atob(v), (c) => c.charCodeAt(0))]),
  );

Deno.test("official: reads a split built by the official script's steps", async () => {
  const data = await readOfficialSplit(reader(numpyFiles()), "data/sudoku/", "test");
  assert.deepEqual(data.count, 2);
  assert.deepEqual(data.seqLen, 81);
  assert.deepEqual(data.metadata.vocab_size, 11);
  assert.deepEqual([...data.groupIndices!], [0, 2]);
  assert.deepEqual([...data.puzzleIndices!], [0, 1, 2]);
  const { input, label } = datasetExample(data, 0);
  const puzzle = decodeSudoku(input, 9), solution = decodeSudoku(label, 9);
  assert.deepEqual(formatSudokuLine(puzzle), QUESTION);
  assert.deepEqual(isValidSolution(puzzle, solution), true);
  assert.deepEqual(
    isValidSolution(
      decodeSudoku(datasetExample(data, 1).input, 9),
      decodeSudoku(datasetExample(data, 1).label, 9),
    ),
    true,
  );
});

Deno.test("official: our writer round-trips and matches numpy byte for byte", async () => {
  const files = numpyFiles();
  const data = await readOfficialSplit(reader(files), "data/sudoku", "test");
  const written = officialSplitFiles(data, "test");
  for (
    const name of [
      "all__inputs.npy",
      "all__labels.npy",
      "all__group_indices.npy",
      "all__puzzle_indices.npy",
    ]
  ) {
    assert.deepEqual(written[`test/${name}`], files[`data/sudoku/test/${name}`], name);
  }
  const csv = recordsToDataset([{
    source: "x",
    question: "#S G",
    answer: "#SoG".replace("o", " "),
    rating: 1,
  }]);
  const back = await readOfficialSplit(
    reader(
      Object.fromEntries(
        Object.entries(officialSplitFiles(csv, "train")).map(([k, v]) => [`d/${k}`, v]),
      ),
    ),
    "d",
    "train",
  );
  assert.deepEqual([...back.inputs], [1, 3, 2, 4]);
  assert.deepEqual(back.metadata.vocab_size, 6);
});

Deno.test("official: errors name the file and the problem", async () => {
  const files = numpyFiles();
  await assert.rejects(
    () => readOfficialSplit(reader(files), "data/sudoku", "train"),
    /data\/sudoku\/train\/dataset\.json/,
  );
  const noLabels = { ...files };
  delete noLabels["data/sudoku/test/all__labels.npy"];
  await assert.rejects(
    () => readOfficialSplit(reader(noLabels), "data/sudoku", "test"),
    /all__labels\.npy/,
  );
  const badMeta = {
    ...files,
    "data/sudoku/test/dataset.json": new TextEncoder().encode(
      JSON.stringify({ pad_id: 0, vocab_size: 11, seq_len: 80 }),
    ),
  };
  await assert.rejects(
    () => readOfficialSplit(reader(badMeta), "data/sudoku", "test"),
    /seq_len 80/,
  );
  const smallVocab = {
    ...files,
    "data/sudoku/test/dataset.json": new TextEncoder().encode(
      JSON.stringify({ pad_id: 0, vocab_size: 5, seq_len: 81 }),
    ),
  };
  await assert.rejects(
    () => readOfficialSplit(reader(smallVocab), "data/sudoku", "test"),
    /vocab_size 5/,
  );
});
