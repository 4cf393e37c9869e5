/**
 * The command table and the error boundary of the CLI: every failure a user can cause
 * becomes a one-line message and an exit code, never a stack trace.
 *
 * Deno-specific (this folder is the CLI's; the core under src/ stays free of `Deno.*`).
 *
 * @module
 */

/** A CLI command: takes its arguments (after the command name), returns the exit code. */
export type Command = (args: string[]) => Promise<number>;

import denoConfig from "../../deno.json" with { type: "json" };
import { UsageError } from "./errors.ts";

export { UsageError };

const COMMANDS: Record<string, { summary: string; load: () => Promise<{ run: Command }> }> = {
  solve: {
    summary: "solve puzzles with the shipped model (or --model FILE)",
    load: () => import("./solve.ts"),
  },
  train: {
    summary: "train a model (sudoku4|sudoku6|sudoku9|maze|arc); resumable; --bench for throughput",
    load: () => import("./train.ts"),
  },
  eval: {
    summary: "score a model on a puzzle file, an official dataset, or ARC tasks (--task arc)",
    load: () => import("./eval.ts"),
  },
  serve: {
    summary: "serve the HTTP API with header and idle timeouts (deno serve server.ts has none)",
    load: () => import("./serve.ts"),
  },
  info: { summary: "show the WebGPU adapter, backend and limits", load: () => import("./info.ts") },
  bench: {
    summary: "benchmarks: matmul, attention, model, halting, step (a training step by kernel)",
    load: () => import("./bench.ts"),
  },
  generate: {
    summary: "generate puzzles (sudoku4|sudoku6|sudoku9|maze) as CSV",
    load: () => import("./generate.ts"),
  },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `Usage: deno run -A cli.ts <command> [options]\n\nCommands:\n${lines.join("\n")}\n\n` +
    "Run `deno run -A cli.ts <command> --help` for a command's options; --version prints the version.";
}

/** Runs the CLI with `argv` (without the program name) and returns the exit code. */
export async function runCommand(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--version" || name === "-V" || name === "version") {
    console.log(`trm ${denoConfig.version} (${denoConfig.name}; deno ${Deno.version.deno})`);
    return 0;
  }
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(usage());
    return name ? 0 : 1;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`error: unknown command "${name}"\n\n${usage()}`);
    return 1;
  }
  try {
    const { run } = await command.load();
    return await run(rest);
  } catch (error) {
    console.error(`error: ${describeError(error)}`);
    if (Deno.env.get("TRM_DEBUG")) console.error(error);
    return 1;
  }
}

/** One line for any thrown value; known error kinds keep their message. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message.split("\n")[0] || error.name;
  return String(error);
}
