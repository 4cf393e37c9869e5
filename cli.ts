/**
 * Command-line entry point: `deno run -A cli.ts <command> [options]`.
 *
 * Each command lives in `src/cli/<command>.ts` and is loaded only when used, so
 * `cli.ts info` does not pay for the model or the server.
 *
 * @module
 */
import { runCommand } from "./src/cli/main.ts";

if (import.meta.main) {
  Deno.exit(await runCommand(Deno.args));
}
