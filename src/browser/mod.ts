/**
 * The browser side of the page at `GET /`: the same solving code as the server — the
 * Hono app, its batcher, the model and every WGSL kernel — run on the visitor's WebGPU.
 * `deno task build:web` bundles this module for the browser (`trm.js`); the page imports
 * it and sends its `POST /v1/solve` requests to {@linkcode BrowserSolver.request} instead
 * of the network, so both modes answer with the same JSON and show the same refinement.
 *
 * Weights come from `models/index.json` and its safetensors files beside the page,
 * fetched once per model on its first puzzle.
 *
 * @module
 */
import type { AdapterProfile, AdapterSummary } from "../gpu/device.ts";
import { Gpu } from "../gpu/gpu.ts";
import { createApp } from "../server/app.ts";
import { openRegistry } from "../solve/registry.ts";
import { fetchFileOrNull } from "../solve/shipped.ts";

/** The model service running in this page. */
export interface BrowserSolver {
  /** The WebGPU adapter the models run on. */
  adapter: AdapterSummary;
  /** Answers an API request (`/v1/solve`) as the server would, without the network. */
  request(path: string, init?: RequestInit): Promise<Response>;
}

/** Options of {@linkcode startBrowserSolver}. */
export interface BrowserSolverOptions {
  /**
   * Force the kernels' tuning family (default: detected; SwiftShader and other software
   * adapters get "cpu"). The page's `?profile=gpu` runs a real GPU's kernels anywhere, so
   * a test on SwiftShader checks what Tint makes of them.
   */
  profile?: AdapterProfile;
}

/**
 * Starts the in-browser service: acquires a WebGPU device (throws `GpuUnavailableError`
 * when the browser has no adapter) and reads `models/index.json` under `base`.
 *
 * @param base the folder that holds `models/` (the page's own URL works)
 */
export async function startBrowserSolver(
  base: string | URL,
  options: BrowserSolverOptions = {},
): Promise<BrowserSolver> {
  const profile = options.profile === "cpu" || options.profile === "gpu"
    ? options.profile
    : undefined;
  const gpu = await Gpu.create({ profile });
  const registry = await openRegistry({
    readFile: fetchFileOrNull,
    indexUrl: new URL("models/index.json", base),
    gpu,
    missingHint: "add one to models/index.json beside this page",
  });
  const app = createApp({ registry });
  return {
    adapter: gpu.summary,
    request: async (path, init) => await app.request(path, init),
  };
}
