/**
 * The one way the benchmarks run their PyTorch side: a script under `tools/` found
 * relative to this module (not the working directory), run by the first Python that can
 * import torch (`TRM_PYTHON`, then /usr/bin/python3, then python3 on the PATH: a pyenv shim
 * may lack torch), its JSON lines parsed.
 *
 * @module
 */

let found: Promise<string | null> | undefined;

/** The Python that imports torch, or null (looked up once). */
export function torchPython(): Promise<string | null> {
  return found ??= (async () => {
    const candidates = [Deno.env.get("TRM_PYTHON"), "/usr/bin/python3", "python3"];
    for (const py of candidates) {
      if (!py) continue;
      try {
        const r = await new Deno.Command(py, {
          args: ["-c", "import torch"],
          stdout: "null",
          stderr: "null",
        }).output();
        if (r.success) return py;
      } catch { /* not installed */ }
    }
    return null;
  })();
}

/** Why a PyTorch run gave no results (one line), or its JSON lines. */
export type TorchRun = { ok: true; lines: Record<string, unknown>[] } | { ok: false; why: string };

/**
 * Runs `tools/<script>` with `args`; returns the JSON objects it printed one a line, or why
 * it could not (no torch, or the script failed: its last stderr line).
 */
export async function runTorchScript(script: string, args: string[]): Promise<TorchRun> {
  const py = await torchPython();
  if (!py) {
    return {
      ok: false,
      why: "no python3 with torch found (apt-get install python3-torch, or set TRM_PYTHON)",
    };
  }
  const path = new URL(`../../tools/${script}`, import.meta.url).pathname;
  const r = await new Deno.Command(py, { args: [path, ...args], stdout: "piped", stderr: "piped" })
    .output();
  if (!r.success) {
    const err = new TextDecoder().decode(r.stderr).trim().split("\n").pop() ?? "";
    return { ok: false, why: `tools/${script} failed: ${err}` };
  }
  const lines = new TextDecoder().decode(r.stdout).split("\n")
    .filter((l) => l.trim().startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { ok: true, lines };
}
