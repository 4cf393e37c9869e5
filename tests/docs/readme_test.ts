/**
 * Every example in README.md runs as written: each shell line of a ```sh block is run (with
 * `npx -y deno@2.9.6` read as this Deno, and a server's port swapped for a free one) and
 * must do what the README says — solve, start and answer `/healthz`, or, for lines that
 * name a placeholder file, fail with one line that names it. A shell line no rule below
 * knows fails the test, so a new example cannot go unchecked. Each ```ts block runs too.
 */
import assert from "node:assert/strict";
import { freePort, waitForHealth } from "../_serve.ts";

const ROOT = new URL("../../", import.meta.url);
const README = await Deno.readTextFile(new URL("README.md", ROOT));
const opts = { sanitizeResources: false, sanitizeOps: false };

/** The blocks of one fence language, continuation lines joined. */
function blocks(lang: string): string[] {
  const out: string[] = [];
  const re = new RegExp("^```" + lang + "\\n([\\s\\S]*?)^```", "gm");
  for (const m of README.matchAll(re)) out.push(m[1]);
  return out;
}

function shellLines(): string[] {
  return blocks("sh").flatMap((b) =>
    b.replace(/\\\n\s*/g, " ").split("\n").map((l) => l.replace(/\s+#.*$/, "").trim())
      .filter(Boolean)
  );
}

/** `npx -y deno@2.9.6 X` or `deno X` → [env, args of this Deno]; null for other programs. */
function denoArgs(line: string): { env: Record<string, string>; args: string[] } | null {
  const words = line.split(/\s+/);
  const env: Record<string, string> = {};
  while (/^[A-Z_]+=/.test(words[0])) {
    const [k, v] = words.shift()!.split("=");
    env[k] = v;
  }
  if (words[0] === "npx" && words[1] === "-y" && words[2]?.startsWith("deno@")) {
    words.splice(0, 3);
  } else if (words[0] === "deno") words.shift();
  else return null;
  return { env, args: words };
}

async function run(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env: { DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) =>
    new TextDecoder().decode(b).split("\n").filter((l) => l && !l.includes("XDG_RUNTIME_DIR"));
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

/** Starts a server command (port swapped), waits for /healthz 200, stops it. */
async function serves(args: string[], env: Record<string, string>): Promise<void> {
  const port = freePort();
  const swapped = args.filter((_, i) => args[i - 1] !== "--port" && args[i - 1] !== "--host")
    .filter((a) => a !== "--port" && a !== "--host");
  // The port and host go after the subcommand (`serve` of deno, or of cli.ts).
  const at = swapped.lastIndexOf("serve") + 1;
  swapped.splice(at, 0, "--port", String(port), "--host", "127.0.0.1");
  const child = new Deno.Command(Deno.execPath(), {
    args: swapped,
    cwd: ROOT,
    env: { DENO_NO_UPDATE_CHECK: "1", ...env },
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    await waitForHealth(`http://127.0.0.1:${port}`, args.join(" "));
  } finally {
    child.kill("SIGTERM");
    await child.status;
  }
}

Deno.test({
  name: "README: every shell example runs as written",
  ...opts,
  fn: async () => {
    const lines = shellLines();
    assert.ok(lines.length >= 5, "the README has its examples");
    for (const line of lines) {
      const deno = denoArgs(line);
      const placeholder = /\bmy\.safetensors\b/.test(line);
      console.log(`checking: ${line}`);
      if (!deno) {
        // Other programs: Python tools (tested by tests/model/convert_test.ts) and any
        // static server (the build itself is tested by tests/host/build_web_test.ts).
        assert.match(line, /^(\/usr\/bin\/)?python3 /, `an example no rule checks: ${line}`);
        continue;
      }
      const { env, args } = deno;
      if (args[0] === "task") {
        // The test task is this suite; build:web is tests/host/build_web_test.ts.
        assert.ok(["test", "build:web"].includes(args[1]), `an unknown task example: ${line}`);
        continue;
      }
      if (placeholder) {
        // A file the reader supplies: without it, one line that names it, exit 1.
        const isServer = args[0] === "serve";
        const r = await run(
          isServer ? [...args.slice(0, -1), "--port", "0", args.at(-1)!] : args,
          env,
        );
        assert.equal(r.code, 1, `${line}: exit ${r.code}`);
        const errors = r.stderr.filter((l) => !l.startsWith("deno serve:"));
        assert.equal(errors.length, 1, `${line}: ${errors.join(" | ")}`);
        assert.match(errors[0], /my\.safetensors/, line);
        continue;
      }
      if (args[0] === "serve" || args.includes("serve")) {
        await serves(args, env);
        continue;
      }
      if (args[0] === "run" && args.includes("solve")) {
        const r = await run(args, env);
        assert.equal(r.code, 0, `${line}: exit ${r.code}: ${r.stderr.join(" | ")}`);
        assert.ok(r.stdout.some((l) => /valid/i.test(l)), `${line}: prints answers`);
        continue;
      }
      throw new Error(`an example no rule checks: ${line}`);
    }
  },
});

Deno.test({
  name: "README: every TypeScript example runs",
  ...opts,
  fn: async () => {
    const sources = blocks("ts");
    assert.ok(sources.length >= 1);
    for (const [i, source] of sources.entries()) {
      const file = new URL(`.readme_example_${i}_${Date.now()}.ts`, ROOT);
      await Deno.writeTextFile(file, source);
      try {
        const r = await run(["run", "-A", file.pathname]);
        assert.equal(r.code, 0, `example ${i + 1}: ${r.stderr.join(" | ")}`);
        assert.ok(r.stdout.length > 0, `example ${i + 1} prints something`);
      } finally {
        await Deno.remove(file);
      }
    }
  },
});
