/**
 * The package as a user imports it: a script in a folder outside the project, whose import
 * map points the package name and each `exports` entry of deno.json at this checkout
 * (what JSR resolves them to), imports the solving API through `.` and `./puzzles` and
 * solves a puzzle with a shipped model; every export entry resolves and loads.
 */
import assert from "node:assert/strict";

const opts = { sanitizeResources: false, sanitizeOps: false };
const ROOT = new URL("../../", import.meta.url);

Deno.test({
  name: "package exports: a script outside the project solves a puzzle with a shipped model",
  ...opts,
  fn: async () => {
    const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
    const name = config.name as string;
    const exports = config.exports as Record<string, string>;
    assert.ok(exports["."] && exports["./puzzles"] && exports["./server"], "entry points");
    const imports: Record<string, string> = {
      hono: config.imports.hono,
      zod: config.imports.zod,
    };
    for (const [key, path] of Object.entries(exports)) {
      imports[key === "." ? name : `${name}/${key.slice(2)}`] = new URL(path, ROOT).href;
    }
    const dir = await Deno.makeTempDir({ prefix: "trm_user_" });
    try {
      await Deno.writeTextFile(`${dir}/deno.json`, JSON.stringify({ imports }));
      await Deno.writeTextFile(
        `${dir}/main.ts`,
        `import { loadShippedModel, solveSudokus, answerDigits } from "${name}";
import { parseSudoku } from "${name}/puzzles";
import { createApp } from "${name}/server";
import { matmul } from "${name}/ops";
import { Gpu } from "${name}/gpu";
if (typeof createApp !== "function" || typeof matmul !== "function") throw new Error("exports");
const gpu = await Gpu.create();
const model = await loadShippedModel("sudoku4", { gpu });
const [p] = parseSudoku("1..4..2..1..4..2").puzzles;
const [answer] = await solveSudokus(model, [p.puzzle]);
console.log(JSON.stringify({ ...answerDigits(answer), valid: answer.valid }));
`,
      );
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--quiet", "main.ts"],
        cwd: dir,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(out.stderr).split("\n")
        .filter((l) => l && !l.includes("XDG_RUNTIME_DIR")).join("\n");
      assert.equal(out.code, 0, stderr);
      const result = JSON.parse(new TextDecoder().decode(out.stdout).trim());
      assert.equal(result.puzzle, "1004002001004002");
      assert.equal(result.valid, true, `the shipped 4×4 model solves it: ${result.solution}`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
