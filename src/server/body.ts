/**
 * Reading a request body under a size limit and a time limit, on web-standard streams:
 * a declared or streamed body over the limit stops at once (413), a body that does not
 * arrive in time stops at the timeout (408), and a client that leaves mid-body is one
 * {@linkcode BodyError} with reason "gone", not a stack trace.
 *
 * @module
 */

/** Why a body could not be read: too large (413), too slow (408), or the client left. */
export class BodyError extends Error {
  /**
   * @param reason "too-large", "timeout" or "gone"
   * @param message one line for the client (or the log)
   */
  constructor(readonly reason: "too-large" | "timeout" | "gone", message: string) {
    super(message);
    this.name = "BodyError";
  }
}

/**
 * The body of `request` as text, at most `maxBytes` bytes, received within `timeoutMs`.
 *
 * @example
 * ```ts
 * import { readBodyText } from "./body.ts";
 * const request = new Request("http://x/", { method: "POST", body: '{"puzzle":"1..4"}' });
 * console.log(await readBodyText(request, { maxBytes: 1024, timeoutMs: 1000 })); // {"puzzle":"1..4"}
 * ```
 */
export async function readBodyText(
  request: Request,
  limits: { maxBytes: number; timeoutMs: number },
): Promise<string> {
  const { maxBytes, timeoutMs } = limits;
  const tooLarge = () =>
    new BodyError("too-large", `request body exceeds the limit of ${maxBytes} bytes`);
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (declared > maxBytes) throw tooLarge();
  if (!request.body) return "";
  const reader = request.body.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new BodyError(
            "timeout",
            `the request body did not arrive within ${timeoutMs} ms (TRM_BODY_TIMEOUT_MS)`,
          ),
        ),
      timeoutMs,
    );
  });
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const read = reader.read();
      read.catch(() => {}); // a read that fails after we gave up is not unhandled
      let result;
      try {
        result = await Promise.race([read, timeout]);
      } catch (e) {
        if (e instanceof BodyError) throw e;
        throw new BodyError("gone", `the client left while sending its body (${firstLine(e)})`);
      }
      if (result.done) break;
      size += result.value.length;
      if (size > maxBytes) throw tooLarge();
      chunks.push(result.value);
    }
  } catch (e) {
    reader.cancel().catch(() => {});
    throw e;
  } finally {
    clearTimeout(timer);
  }
  const bytes = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) {
    bytes.set(c, off);
    off += c.length;
  }
  return new TextDecoder().decode(bytes);
}

function firstLine(error: unknown): string {
  return ((error as Error)?.message ?? String(error)).split("\n")[0];
}
