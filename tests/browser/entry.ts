/**
 * The browser side of tests/browser/kernels_test.ts, bundled for Chromium: runs the
 * kernel checks of ./kernel_cases.ts and the PyTorch parity check of
 * tests/model/_parity.ts on the page's WebGPU (Tint compiling the WGSL, SwiftShader
 * running it) and hands the outcomes back as plain JSON, so the Deno test can assert each.
 *
 * @module
 */
import type { AdapterProfile } from "../../src/gpu/device.ts";
import { Gpu } from "../../src/gpu/gpu.ts";
import { runParityFixture } from "../model/_parity.ts";
import { kernelCases } from "./kernel_cases.ts";

/** The outcome of one check. */
export interface BrowserCheck {
  /** What was checked. */
  name: string;
  /** Null when it passed, else the error message. */
  error: string | null;
  /** Wall time, pipeline compilation included. */
  ms: number;
}

/** What {@linkcode runChecks} reports for one kernel profile. */
export interface BrowserRun {
  /** The kernel profile the checks ran under. */
  profile: AdapterProfile;
  /** The adapter, as the page's WebGPU describes it. */
  adapter: string;
  /** Every check, in order. */
  checks: BrowserCheck[];
}

/** Options of {@linkcode runChecks}. */
export interface RunChecksOptions {
  /** The kernel profile to force ("cpu" or "gpu"). */
  profile: AdapterProfile;
  /** Run the kernel checks (default true). */
  kernels?: boolean;
  /** Parity fixtures to fetch from `fixtures/<name>` beside the page and check. */
  fixtures?: string[];
}

async function timed(name: string, f: () => Promise<unknown>): Promise<BrowserCheck> {
  const t0 = performance.now();
  try {
    await f();
    return { name, error: null, ms: performance.now() - t0 };
  } catch (error) {
    return { name, error: String((error as Error)?.message ?? error), ms: performance.now() - t0 };
  }
}

/** Runs the checks on a fresh device with `profile`'s kernels; never throws for a failed check. */
export async function runChecks(options: RunChecksOptions): Promise<BrowserRun> {
  const gpu = await Gpu.create({ profile: options.profile });
  const s = gpu.summary;
  const checks: BrowserCheck[] = [];
  if (options.kernels ?? true) {
    for (const c of kernelCases()) checks.push(await timed(c.name, () => c.run(gpu)));
  }
  for (const file of options.fixtures ?? []) {
    checks.push(
      await timed(`parity with PyTorch: ${file}`, async () => {
        const response = await fetch(new URL(`fixtures/${file}`, location.href));
        if (!response.ok) throw new Error(`fixtures/${file}: HTTP ${response.status}`);
        await runParityFixture(gpu, new Uint8Array(await response.arrayBuffer()));
      }),
    );
  }
  // A compile or validation error Tint reports late would otherwise pass unseen.
  checks.push(await timed("every pipeline compiled and validated", () => gpu.checkPipelines()));
  gpu.destroy();
  return { profile: gpu.profile, adapter: `${s.vendor} ${s.architecture}`.trim(), checks };
}
