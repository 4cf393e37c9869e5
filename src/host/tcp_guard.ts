/**
 * A TCP front for the HTTP server that adds the connection timeouts Deno's HTTP server
 * does not offer (in Deno 2.9.6 a connection that sends half its headers, or sits idle
 * between requests, is held for ever): each client connection is piped to a loopback
 * backend, and closed when its request headers do not arrive within `headerTimeoutMs`
 * (counted from the connection or from the end of the previous response), or when it is
 * idle between requests for `idleTimeoutMs`. Closing the client's connection closes the
 * backend's. Deno's server does not notice that close while it works on a request with a
 * body over ~1 KB (its `request.signal` stays quiet), so the guard also keeps one
 * `AbortSignal` per connection, found by the backend connection's local port (the
 * `remoteAddr.port` the server sees): it aborts when the client leaves.
 *
 * @module
 */

/** Options of {@linkcode guardTcp}. */
export interface TcpGuardOptions {
  /** Where clients connect. */
  listen: { hostname: string; port: number };
  /** The HTTP server behind it (on loopback). */
  backend: { hostname: string; port: number };
  /** Most ms from a request's first byte (or the connection) to the end of its headers. */
  headerTimeoutMs: number;
  /** Most ms a keep-alive connection may sit idle after a response. */
  idleTimeoutMs: number;
  /** Most client connections at once (beyond: closed at once). */
  maxConnections: number;
}

/** A running guard. */
export interface TcpGuard {
  /** The address it listens on (port 0 resolved). */
  addr: Deno.NetAddr;
  /** Counters: connections accepted, closed by a timeout, refused at the connection cap. */
  stats(): { accepted: number; open: number; headerTimeouts: number; idleTimeouts: number };
  /**
   * The signal that aborts when the client behind the backend connection from `port`
   * (the server's `info.remoteAddr.port`) has gone; undefined for an unknown port.
   */
  clientGone(port: number): AbortSignal | undefined;
  /** Stops listening and closes every connection. */
  close(): void;
}

const HEADER_END = [13, 10, 13, 10];

/** Starts the guard. */
export function guardTcp(options: TcpGuardOptions): TcpGuard {
  const listener = Deno.listen({ ...options.listen, transport: "tcp" });
  const open = new Set<Deno.Conn>();
  const counts = { accepted: 0, headerTimeouts: 0, idleTimeouts: 0 };
  const gone = new Map<number, AbortController>();
  (async () => {
    for await (const client of listener) {
      if (open.size >= options.maxConnections) {
        client.close();
        continue;
      }
      counts.accepted++;
      open.add(client);
      serveConnection(client, options, counts, gone).finally(() => open.delete(client));
    }
  })().catch(() => {/* the listener was closed */});
  return {
    addr: listener.addr as Deno.NetAddr,
    stats: () => ({ ...counts, open: open.size }),
    clientGone: (port) => gone.get(port)?.signal,
    close() {
      listener.close();
      for (const c of open) closeQuietly(c);
    },
  };
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch { /* already closed */ }
}

async function serveConnection(
  client: Deno.Conn,
  options: TcpGuardOptions,
  counts: { headerTimeouts: number; idleTimeouts: number },
  gone: Map<number, AbortController>,
): Promise<void> {
  let backend: Deno.Conn;
  try {
    backend = await Deno.connect({ ...options.backend, transport: "tcp" });
  } catch {
    closeQuietly(client);
    return;
  }
  const port = (backend.localAddr as Deno.NetAddr).port;
  const left = new AbortController();
  gone.set(port, left);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  const shut = () => {
    if (closed) return;
    closed = true;
    left.abort(new DOMException("the client closed the connection", "AbortError"));
    // Dropped a little later: the server may still look the port up for a request in flight.
    setTimeout(() => gone.get(port) === left && gone.delete(port), 1000);
    clearTimeout(timer);
    closeQuietly(client);
    closeQuietly(backend);
  };
  const arm = (ms: number, counter: "headerTimeouts" | "idleTimeouts") => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      counts[counter]++;
      shut();
    }, ms);
  };
  // waiting: for the end of a request's headers; inRequest: headers seen, no answer yet;
  // answered: response bytes have flowed (idle until the client speaks again).
  const at: { state: "waiting" | "inRequest" | "answered" } = { state: "waiting" };
  let matched = 0; // bytes of \r\n\r\n matched so far, across chunks
  arm(options.headerTimeoutMs, "headerTimeouts");

  const fromClient = (async () => {
    const buf = new Uint8Array(16384);
    for (;;) {
      const n = await client.read(buf);
      if (n === null) {
        // The client's end is closed; a request it was waiting on will not be read.
        left.abort(new DOMException("the client closed the connection", "AbortError"));
        break;
      }
      if (at.state === "answered") {
        at.state = "waiting";
        matched = 0;
        arm(options.headerTimeoutMs, "headerTimeouts");
      }
      if (at.state === "waiting") {
        for (let i = 0; i < n && at.state === "waiting"; i++) {
          matched = buf[i] === HEADER_END[matched] ? matched + 1 : buf[i] === 13 ? 1 : 0;
          if (matched === 4) {
            at.state = "inRequest";
            clearTimeout(timer);
          }
        }
      }
      await writeAll(backend, buf.subarray(0, n));
    }
  })();
  const fromBackend = (async () => {
    const buf = new Uint8Array(16384);
    for (;;) {
      const n = await backend.read(buf);
      if (n === null) break;
      await writeAll(client, buf.subarray(0, n));
      if (at.state !== "waiting") {
        at.state = "answered";
        arm(options.idleTimeoutMs, "idleTimeouts");
      }
    }
  })();
  await Promise.race([fromClient, fromBackend]).catch(() => {});
  shut();
  await Promise.allSettled([fromClient, fromBackend]);
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await conn.write(bytes.subarray(off));
}
