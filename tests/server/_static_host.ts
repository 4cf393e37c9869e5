/**
 * A static file host for the static build (`deno task build:web`'s folder): Python's
 * `python3 -m http.server` when python3 is installed — a server that knows nothing of
 * this project, as a visitor's host would be — else a minimal Deno folder server (the
 * test says which it used).
 */

/** A running static host. */
export interface StaticHost {
  /** `http://127.0.0.1:PORT`. */
  base: string;
  /** Which server it is, for the test's log. */
  kind: "python3 -m http.server" | "Deno folder server";
  /** Stops it. */
  close(): Promise<void>;
}

/** Serves `root` on 127.0.0.1 (an ephemeral port) with python3, or Deno when it is absent. */
export async function serveStatic(root: string): Promise<StaticHost> {
  return await servePython(root) ?? serveWithDeno(root);
}

async function hasPython(): Promise<boolean> {
  try {
    const out = await new Deno.Command("python3", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    })
      .output();
    return out.success;
  } catch {
    return false;
  }
}

async function servePython(root: string): Promise<StaticHost | null> {
  if (!(await hasPython())) return null;
  // Port 0: the OS picks one and http.server prints it ("Serving HTTP on 127.0.0.1 port N").
  // -u: unbuffered, so that line arrives while the server runs.
  const child = new Deno.Command("python3", {
    args: ["-u", "-m", "http.server", "--bind", "127.0.0.1", "--directory", root, "0"],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  const deadline = setTimeout(() => child.kill(), 15_000);
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`python3 -m http.server exited: ${seen}`);
      seen += value;
      const port = /port (\d+)/.exec(seen);
      if (port) {
        clearTimeout(deadline);
        // Keep draining both pipes (request logs go to stderr) so the server never blocks.
        (async () => {
          while (!(await reader.read()).done) { /* discard */ }
        })().catch(() => {});
        child.stderr.pipeTo(new WritableStream()).catch(() => {});
        return {
          base: `http://127.0.0.1:${port[1]}`,
          kind: "python3 -m http.server",
          close: async () => {
            child.kill("SIGTERM");
            await child.status;
          },
        };
      }
    }
  } catch (error) {
    clearTimeout(deadline);
    child.kill();
    await child.status;
    throw error;
  }
}

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript",
  json: "application/json",
};

function serveWithDeno(root: string): StaticHost {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    let path = decodeURIComponent(new URL(req.url).pathname);
    if (path.endsWith("/")) path += "index.html";
    if (path.includes("..")) return new Response("bad path", { status: 400 });
    try {
      const body = await Deno.readFile(root + path);
      const ext = path.split(".").pop()!;
      return new Response(body, {
        headers: { "Content-Type": TYPES[ext] ?? "application/octet-stream" },
      });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  return {
    base: `http://127.0.0.1:${server.addr.port}`,
    kind: "Deno folder server",
    close: () => server.shutdown(),
  };
}
