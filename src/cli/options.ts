/**
 * Option parsing shared by the commands: `node:util` parseArgs with its messages cut to
 * one line, and integer, number, choice and JSON-object options that all fail with the
 * same kind of one-line {@linkcode UsageError}.
 *
 * @module
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "./errors.ts";

/** Parsed option values, by long name. */
export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/**
 * Parses `args` strictly against `options`; an unknown or malformed flag is a one-line
 * UsageError that points at `command --help`.
 */
export function parseOptions(
  args: string[],
  options: NonNullable<ParseArgsConfig["options"]>,
  command: string,
  allowPositionals = false,
): { values: OptionValues; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args, options, strict: true, allowPositionals });
    return { values: values as OptionValues, positionals };
  } catch (e) {
    const message = (e as Error).message.split("\n")[0];
    const unknown = /Unknown option '([^']+)'/.exec(message);
    const missing = /Option '(-[^' ]+)[^']*' argument missing/.exec(message);
    const unexpected = /Unexpected argument '([^']+)'/.exec(message);
    const what = unknown
      ? `unknown option ${unknown[1]}`
      : missing
      ? `${missing[1]} needs a value`
      : unexpected
      ? `unexpected argument "${unexpected[1]}"`
      : message;
    throw new UsageError(`${what} (see ${command} --help)`);
  }
}

/**
 * A numeric option in [min, max] that `accept`s (integers, or any finite number);
 * undefined when absent; a one-line UsageError that names the range otherwise.
 */
function rangeOption(
  values: OptionValues,
  name: string,
  min: number,
  max: number,
  kind: { what: string; accept: (v: number) => boolean; range: string },
): number | undefined {
  const text = values[name];
  if (text === undefined) return undefined;
  const v = Number(text);
  if (typeof text !== "string" || text.trim() === "" || !kind.accept(v) || v < min || v > max) {
    throw new UsageError(
      `--${name} must be ${kind.what} ${max === Infinity ? `≥ ${min}` : kind.range}, got "${text}"`,
    );
  }
  return v;
}

/** An integer option in [min, max]; undefined when absent. */
export function intOption(
  values: OptionValues,
  name: string,
  min: number,
  max = Infinity,
): number | undefined {
  return rangeOption(values, name, min, max, {
    what: "an integer",
    accept: Number.isInteger,
    range: `in ${min}..${max}`,
  });
}

/** A finite number option in [min, max]; undefined when absent. */
export function numberOption(
  values: OptionValues,
  name: string,
  min: number,
  max = Infinity,
): number | undefined {
  return rangeOption(values, name, min, max, {
    what: "a number",
    accept: Number.isFinite,
    range: `in [${min}, ${max}]`,
  });
}

/** One of `choices`; undefined when absent. */
export function choiceOption<T extends string>(
  values: OptionValues,
  name: string,
  choices: readonly T[],
): T | undefined {
  const text = values[name];
  if (text === undefined) return undefined;
  if (typeof text !== "string" || !choices.includes(text as T)) {
    throw new UsageError(`--${name} must be ${choiceList(choices)}, got "${text}"`);
  }
  return text as T;
}

/** "a, b or c". */
function choiceList(choices: readonly string[]): string {
  return choices.length === 1
    ? choices[0]
    : `${choices.slice(0, -1).join(", ")} or ${choices[choices.length - 1]}`;
}

/** A JSON object option such as --config; {} when absent. */
export function jsonObjectOption(
  values: OptionValues,
  name: string,
  example: string,
): Record<string, unknown> {
  const text = values[name];
  if (text === undefined) return {};
  try {
    const v = JSON.parse(String(text));
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("not an object");
    return v;
  } catch (e) {
    throw new UsageError(
      `--${name} must be a JSON object, e.g. '${example}' (${(e as Error).message})`,
    );
  }
}
