/**
 * `solve`'s input, streamed: puzzles are read from a file or standard input line by line
 * and handed out in batches as soon as a batch is full, so the first answers print before
 * the end of a large input and memory stays bounded on any input size. The JSON form is
 * one document and is read whole, up to a cap.
 *
 * @module
 */
import { LineTooLongError, streamLines } from "../data/lines.ts";
import type { SudokuSize } from "../puzzles/sudoku_grid.ts";
import {
  type ParsedSudoku,
  parseSudoku,
  startsAsJson,
  SudokuLineReader,
} from "../puzzles/sudoku_parse.ts";
import { UsageError } from "./errors.ts";

/** Longest line of the text forms (a 9×9 puzzle line with separators is under 300). */
export const MAX_LINE_CHARS = 10_000;
/** Largest JSON input (read whole; the text forms stream). */
export const MAX_JSON_CHARS = 16 * 1024 * 1024;

/** Opens FILE for streaming, or says in one line why it cannot. */
export async function openInput(file: string): Promise<ReadableStream<Uint8Array>> {
  try {
    const stat = await Deno.stat(file);
    if (stat.isDirectory) throw new UsageError(`cannot read ${file}: it is a directory`);
    return (await Deno.open(file)).readable;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    if (error instanceof Deno.errors.NotFound) {
      throw new UsageError(`cannot read ${file}: no such file`);
    }
    throw new UsageError(`cannot read ${file}: ${(error as Error).message.split("\n")[0]}`);
  }
}

/**
 * Batches of at most `batch` puzzles, in input order. The first bad puzzle or line ends the
 * stream with a one-line UsageError (the batches before it have been handed out); an
 * input without puzzles is one too.
 */
export async function* puzzleBatches(
  input: ReadableStream<Uint8Array>,
  options: { batch: number; size?: SudokuSize; label: string },
): AsyncGenerator<ParsedSudoku[]> {
  const { batch, label } = options;
  // Until the first line shows the form, a line may be a whole JSON document.
  const limit = { maxLineLength: MAX_JSON_CHARS };
  const reader = new SudokuLineReader({ size: options.size });
  let json: string[] | undefined;
  let jsonChars = 0;
  let decided = false;
  let pending: ParsedSudoku[] = [];
  let count = 0;
  let lineNo = 0;
  const fail = (message: string): never => {
    throw new UsageError(`${label}: ${message}`);
  };
  const drain = () => {
    const { puzzles, errors } = reader.take();
    if (errors.length) fail(errors[0].message);
    pending.push(...puzzles);
  };
  try {
    for await (const line of streamLines(input, limit)) {
      lineNo++;
      if (json) {
        jsonChars += line.length + 1;
        if (jsonChars > MAX_JSON_CHARS) {
          fail(
            `JSON input over ${MAX_JSON_CHARS} characters; give large inputs one puzzle a line`,
          );
        }
        json.push(line);
        continue;
      }
      if (!decided && line.replace(/^\uFEFF/, "").trim() !== "") {
        decided = true;
        if (startsAsJson(line.replace(/^\uFEFF/, "").trimStart())) {
          json = [line];
          jsonChars = line.length + 1;
          continue;
        }
        limit.maxLineLength = MAX_LINE_CHARS;
      }
      if (line.length > MAX_LINE_CHARS) throw new LineTooLongError(lineNo, MAX_LINE_CHARS);
      reader.push(line);
      drain();
      while (pending.length >= batch) {
        count += batch;
        yield pending.splice(0, batch);
      }
    }
  } catch (error) {
    if (error instanceof LineTooLongError) {
      fail(`${error.message}; a puzzle line is at most a few hundred (is this a puzzle file?)`);
    }
    throw error;
  }
  if (json) {
    const { puzzles, errors } = parseSudoku(json.join("\n"), { size: options.size });
    if (errors.length) fail(errors[0].message);
    pending = puzzles;
  } else {
    reader.end();
    drain();
  }
  for (let at = 0; at < pending.length; at += batch) {
    count += Math.min(batch, pending.length - at);
    yield pending.slice(at, at + batch);
  }
  if (count === 0) throw new UsageError(`${label} holds no puzzles`);
}

/**
 * The start of a stream as text (until `enough` says so, at most about `bytes`), and a
 * stream that still yields all of it (the peeked part first), so the input's form can be
 * told before it is parsed.
 */
export async function peekInput(
  input: ReadableStream<Uint8Array>,
  enough: (head: string) => boolean,
  bytes = 8192,
): Promise<{ head: string; input: ReadableStream<Uint8Array> }> {
  const reader = input.getReader();
  const seen: Uint8Array[] = [];
  let size = 0, done = false;
  // Read no more than needed: a slow input's first answers must not wait for 8 KB.
  while (size < bytes && !enough(new TextDecoder().decode(concat(seen)))) {
    const r = await reader.read();
    if (r.done) {
      done = true;
      break;
    }
    seen.push(r.value);
    size += r.value.length;
  }
  const head = new TextDecoder().decode(concat(seen)).replace(/\uFFFD+$/, "");
  const replay = new ReadableStream<Uint8Array>({
    start(c) {
      for (const chunk of seen) c.enqueue(chunk);
      if (done) c.close();
    },
    async pull(c) {
      const r = await reader.read();
      if (r.done) c.close();
      else c.enqueue(r.value);
    },
    cancel: (why) => reader.cancel(why),
  });
  return { head, input: replay };
}

/** The whole stream as text, or a UsageError beyond `maxChars`. */
export async function readAllText(
  input: ReadableStream<Uint8Array>,
  maxChars: number,
  label: string,
): Promise<string> {
  let text = "";
  for await (const chunk of input.pipeThrough(new TextDecoderStream())) {
    text += chunk;
    if (text.length > maxChars) {
      throw new UsageError(`${label} is over ${maxChars} characters; split it into smaller files`);
    }
  }
  return text;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}
