/**
 * `deno task build:web [--out dist/web]`: writes the page, its browser bundle and the
 * shipped models into a folder any static host can serve, e.g.
 * `python3 -m http.server -d dist/web 8000`. See src/host/build_web.ts.
 */
import { parseArgs } from "node:util";
import { buildWeb } from "../src/host/build_web.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { out: { type: "string", default: "dist/web" } },
});
const t0 = performance.now();
try {
  const { files, bytes } = await buildWeb(values.out!);
  console.log(
    `wrote ${files.length} files (${(bytes / 1e6).toFixed(2)} MB) to ${values.out} in ${
      ((performance.now() - t0) / 1000).toFixed(1)
    } s; serve it with: python3 -m http.server -d ${values.out} 8000`,
  );
} catch (error) {
  console.error(`error: ${(error as Error).message}`);
  Deno.exit(1);
}
