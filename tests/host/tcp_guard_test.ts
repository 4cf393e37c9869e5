/**
 * The TCP guard of `cli.ts serve`: slow or partial request headers (slowloris), silent
 * connections and idle keep-alive connections are closed at their timeouts; a request
 * that takes long to answer is not; requests pass through unchanged.
 */
import assert from "node:assert/strict";
import { guardTcp } from "../../src/host/tcp_guard.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };

/** ms until the server closes `conn` (reading and discarding what it sends). */
async function msUntilClosed(conn: Deno.Conn, limitMs: number): Promise<number> {
  const t0 = performance.now();
  const buf = new Uint8Array(4096);
  const timer = setTimeout(() => conn.close(), limitMs);
  try {
    while ((await conn.read(buf)) !== null) { /* discard */ }
  } catch { /* closed by us at the limit */ }
  clearTimeout(timer);
  try {
    conn.close();
  } catch { /* already closed */ }
  return performance.now() - t0;
}

Deno.test({
  name: "tcp guard: header and idle timeouts close slow, silent and idle connections only",
  ...opts,
  fn: async () => {
    const backend = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
      if (new URL(req.url).pathname === "/slow") await new Promise((r) => setTimeout(r, 700));
      return new Response(`ok ${await req.text()}`);
    });
    const guard = guardTcp({
      listen: { hostname: "127.0.0.1", port: 0 },
      backend: { hostname: "127.0.0.1", port: backend.addr.port },
      headerTimeoutMs: 250,
      idleTimeoutMs: 300,
      maxConnections: 16,
    });
    const port = guard.addr.port;
    const connect = () => Deno.connect({ hostname: "127.0.0.1", port });
    const enc = new TextEncoder();
    try {
      // Through the guard, requests and bodies pass unchanged; a slow answer is not cut.
      const res = await fetch(`http://127.0.0.1:${port}/x`, { method: "POST", body: "hi" });
      assert.equal(await res.text(), "ok hi");
      const slow = await fetch(`http://127.0.0.1:${port}/slow`);
      assert.equal(await slow.text(), "ok ");

      const silent = await connect();
      const partial = await connect();
      await partial.write(enc.encode("GET / HTTP/1.1\r\nHost: x\r\n"));
      const drip = await connect();
      const dripping = (async () => {
        for (const ch of "GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n") {
          try {
            await drip.write(enc.encode(ch));
          } catch {
            return;
          }
          await new Promise((r) => setTimeout(r, 40));
        }
      })();
      const idle = await connect();
      await idle.write(enc.encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
      const [tSilent, tPartial, tDrip, tIdle] = await Promise.all([
        msUntilClosed(silent, 3000),
        msUntilClosed(partial, 3000),
        msUntilClosed(drip, 3000),
        msUntilClosed(idle, 3000),
      ]);
      await dripping;
      for (const [what, ms] of [["silent", tSilent], ["partial", tPartial], ["drip", tDrip]]) {
        assert.ok(Number(ms) >= 200 && Number(ms) < 1500, `${what} closed after ${ms} ms`);
      }
      assert.ok(tIdle >= 250 && tIdle < 1500, `idle keep-alive closed after ${tIdle} ms`);
      const s = guard.stats();
      assert.equal(s.headerTimeouts, 3, "three header timeouts");
      assert.ok(s.idleTimeouts >= 1, "the idle connection (and the fetch keep-alives)");
    } finally {
      guard.close();
      await backend.shutdown();
    }
  },
});

Deno.test({
  name: "tcp guard: clientGone aborts when a client leaves mid-request with a 5 KB body",
  ...opts,
  fn: async () => {
    // Set below: the backend must exist before the guard that points at it.
    const ref: { guard?: ReturnType<typeof guardTcp> } = {};
    const seen = Promise.withResolvers<{ deno: boolean; guard: number }>();
    const backend = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      async (req, info) => {
        const gone = ref.guard!.clientGone(info.remoteAddr.port);
        assert.ok(gone, "the guard knows the backend connection");
        await req.text();
        const t0 = performance.now();
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 3000);
          gone.addEventListener("abort", () => (clearTimeout(timer), resolve()));
        });
        seen.resolve({ deno: req.signal.aborted, guard: performance.now() - t0 });
        return new Response("late");
      },
    );
    const guard = ref.guard = guardTcp({
      listen: { hostname: "127.0.0.1", port: 0 },
      backend: { hostname: "127.0.0.1", port: backend.addr.port },
      headerTimeoutMs: 5000,
      idleTimeoutMs: 5000,
      maxConnections: 16,
    });
    try {
      const left = new AbortController();
      setTimeout(() => left.abort(), 200);
      await fetch(`http://127.0.0.1:${guard.addr.port}/`, {
        method: "POST",
        body: "x".repeat(5000),
        signal: left.signal,
      }).catch(() => {});
      const { guard: ms } = await seen.promise;
      assert.ok(
        ms < 1500,
        `the guard's signal aborted ${ms.toFixed(0)} ms after the body was read`,
      );
      assert.equal(guard.clientGone(65536), undefined, "an unknown port has no signal");
    } finally {
      guard.close();
      await backend.shutdown();
    }
  },
});
