/**
 * Helpers for tests that start a server process: a free loopback port, and waiting until
 * the server answers `GET /healthz`.
 */

/** A loopback port nothing listens on right now. */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Resolves once `base`/healthz answers 200; throws naming `what` after `limitMs`. */
export async function waitForHealth(base: string, what: string, limitMs = 60_000): Promise<void> {
  const end = performance.now() + limitMs;
  for (;;) {
    try {
      const res = await fetch(`${base}/healthz`);
      await res.body?.cancel();
      if (res.ok) return;
    } catch { /* not up yet */ }
    if (performance.now() > end) throw new Error(`${what}: no /healthz within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
