/** Placeholder until implemented. @module */
import { UsageError } from "./main.ts";

/** Runs the command. */
export function run(_args: string[]): Promise<number> {
  return Promise.reject(new UsageError("not implemented yet"));
}
