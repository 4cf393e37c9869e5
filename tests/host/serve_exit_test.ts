/**
 * `deno serve server.ts` stops on SIGTERM even after its solve workers have started (they
 * would otherwise keep the process alive), and answers the request in flight first.
 */
import assert from "node:assert/strict";
import { freePort, waitForHealth } from "../_serve.ts";

const ROOT = new URL("../../", import.meta.url);

Deno.test({
  name: "deno serve server.ts: SIGTERM stops the server and its solve workers",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const port = freePort();
    const child = new Deno.Command(Deno.execPath(), {
      args: ["serve", "-A", "--port", String(port), "--host", "127.0.0.1", "server.ts"],
      cwd: ROOT,
      env: { DENO_NO_UPDATE_CHECK: "1" },
      stdout: "null",
      stderr: "null",
    }).spawn();
    const base = `http://127.0.0.1:${port}`;
    try {
      await waitForHealth(base, "deno serve server.ts");
      const res = await fetch(`${base}/v1/solve`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ puzzle: "1..4..2..1..4..2" }),
      });
      assert.equal(res.status, 200); // a solve worker is running now
      await res.body?.cancel();
      child.kill("SIGTERM");
      const t0 = performance.now();
      const exited = await Promise.race([
        child.status.then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), 15_000)),
      ]);
      assert.ok(exited, "the server still ran 15 s after SIGTERM");
      assert.ok(performance.now() - t0 < 15_000);
    } finally {
      try {
        child.kill("SIGKILL");
      } catch { /* exited */ }
      await child.status;
    }
  },
});
