/**
 * Lines of a byte stream, read incrementally with bounded memory: a line longer than the
 * limit is one {@linkcode LineTooLongError} as soon as the limit is passed, never a
 * gigabyte read. Web streams only (stdin, a file's readable, a fetch body).
 *
 * @module
 */

/** A line went past the length limit. */
export class LineTooLongError extends Error {
  /**
   * @param line 1-based line number
   * @param limit the length limit in characters
   */
  constructor(readonly line: number, readonly limit: number) {
    super(`line ${line} is longer than ${limit} characters`);
    this.name = "LineTooLongError";
  }
}

/**
 * Yields the lines of `stream` (without their "\n"), decoding UTF-8 as it goes.
 *
 * @example
 * ```ts
 * import { streamLines } from "./lines.ts";
 * const bytes = new Blob(["a\nb\n"]).stream();
 * for await (const line of streamLines(bytes, { maxLineLength: 100 })) console.log(line);
 * ```
 */
export async function* streamLines(
  stream: ReadableStream<Uint8Array>,
  options: { maxLineLength: number },
): AsyncGenerator<string> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let lineNo = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += value;
      let start = 0;
      for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n", start)) {
        lineNo++;
        if (nl - start > options.maxLineLength) {
          throw new LineTooLongError(lineNo, options.maxLineLength);
        }
        yield buffer.slice(start, nl);
        start = nl + 1;
      }
      buffer = buffer.slice(start);
      if (buffer.length > options.maxLineLength) {
        throw new LineTooLongError(lineNo + 1, options.maxLineLength);
      }
    }
    if (buffer.length > 0) yield buffer;
  } finally {
    reader.cancel().catch(() => {});
  }
}
