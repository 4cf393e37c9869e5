/**
 * The kernels in a real browser: tests/browser/entry.ts, bundled as the page's own
 * bundle is (`deno bundle --platform browser`), is served with the PyTorch fixtures from
 * a local server and run in headless Chromium (WebGPU on SwiftShader: Tint compiles the
 * WGSL, not naga). There it checks every matmul variant, RMSNorm forward and backward,
 * SwiGLU, attention forward and the losses against the float64 references, and one model
 * fixture — forward and backward over 3 supervision steps — by the rule of
 * tests/model/parity_test.ts; under the `cpu` kernel profile, then under the `gpu` one (the
 * kernels a real GPU gets: workgroup tiles, one row per lane). The kernel checks force
 * their variants, so the profile mostly changes the parity fixture's kernels; ~30–45 s in
 * all on 2 cores. Each outcome comes back as JSON and is asserted here as its own step.
 * Skipped, with a message, when /usr/bin/chromium is absent.
 */
import { bundleBrowser } from "../../src/host/web_assets.ts";
import { hasChromium, launchChromium } from "../server/_chromium.ts";
import type { BrowserRun, RunChecksOptions } from "./entry.ts";

const available = hasChromium("browser/kernels_test");

const FIXTURE = "trm_attention.safetensors";
const FIXTURES = new URL("../fixtures/", import.meta.url);

// Imports the bundle and exposes it to `page.evaluate`; nothing else on the page.
const PAGE = `<!doctype html><meta charset="utf-8"><title>kernels</title>
<link rel="icon" href="data:,">
<script type="module">
  import * as checks from "./entry.js";
  window.__checks = checks;
  document.title = "ready";
</script>`;

/** Serves the page, the bundle and the fixtures (plain names only) on 127.0.0.1. */
function serve(bundle: string): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/") return new Response(PAGE, { headers: { "Content-Type": "text/html" } });
    if (path === "/entry.js") {
      return new Response(bundle, { headers: { "Content-Type": "text/javascript" } });
    }
    const fixture = /^\/fixtures\/([\w.-]+\.safetensors)$/.exec(path);
    if (fixture) {
      try {
        return new Response(await Deno.readFile(new URL(fixture[1], FIXTURES)));
      } catch {
        // fall through to 404
      }
    }
    return new Response("not found", { status: 404 });
  });
}

Deno.test({
  name: "kernels and PyTorch parity in headless Chromium (Tint + SwiftShader)",
  ignore: !available,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const t0 = performance.now();
    const bundle = await bundleBrowser(new URL("./entry.ts", import.meta.url));
    const bundled = performance.now() - t0;
    const server = serve(bundle);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e: Error) => errors.push(e.message));
      page.on("console", (m: { type(): string; text(): string }) => {
        if (m.type() === "error") errors.push(m.text());
      });
      await page.goto(`http://127.0.0.1:${server.addr.port}/`);
      await page.waitForFunction(`document.title === "ready"`, null, { timeout: 30_000 });
      const runs: [string, RunChecksOptions][] = [
        ["cpu profile: kernels and parity", { profile: "cpu", fixtures: [FIXTURE] }],
        ["gpu profile: kernels and parity", { profile: "gpu", fixtures: [FIXTURE] }],
      ];
      const timings: string[] = [`bundle ${(bundled / 1000).toFixed(1)} s`];
      for (const [label, options] of runs) {
        const r0 = performance.now();
        const run: BrowserRun = await page.evaluate(
          // deno-lint-ignore no-explicit-any
          (o: RunChecksOptions) => (globalThis as any).__checks.runChecks(o),
          options,
        );
        timings.push(`${label} ${((performance.now() - r0) / 1000).toFixed(1)} s`);
        if (run.profile !== options.profile) {
          throw new Error(`${label}: ran the ${run.profile} profile's kernels`);
        }
        for (const check of run.checks) {
          const name = `${run.profile} (${run.adapter}): ${check.name} [${check.ms.toFixed(0)} ms]`;
          await t.step(name, () => {
            if (check.error !== null) {
              throw new Error(`in Chromium, ${run.profile} profile: ${check.error}`);
            }
          });
        }
      }
      if (errors.length) throw new Error(`page errors: ${errors.join("\n")}`);
      console.log(`  ${timings.join("\n  ")}`);
    } finally {
      await browser.close();
      await server.shutdown();
    }
  },
});
