/**
 * `cli.ts info`: the Deno version, the WebGPU adapter, the backend, the device limits and
 * the adapter features, as text or one JSON object.
 *
 * @module
 */
import { Gpu } from "../gpu/gpu.ts";
import { KERNEL_PROFILE_VARIABLE } from "../host/kernel_profile.ts";
import { GPU_FLAG, gpuOptions } from "./gpu_flag.ts";
import { parseOptions } from "./options.ts";

const HELP = `Usage: deno run -A cli.ts info [--json] [--kernel-profile auto|cpu|gpu]

Shows the Deno version, the WebGPU adapter (vendor, architecture, description, device,
fallback flag), the kernel profile in use and whether it was forced, the backend, the
device limits and the adapter features.

Options:
  --json                 print one JSON object instead of text
  --kernel-profile P     kernels to use: auto (from the adapter), cpu or gpu
                         (default TRM_KERNEL_PROFILE, else auto)`;

/** What `info` reports. */
export interface InfoReport {
  /** Deno, V8 and TypeScript versions. */
  deno: { deno: string; v8: string; typescript: string };
  /** Adapter summary without limits and features (those are listed separately). */
  adapter: {
    vendor: string;
    architecture: string;
    description: string;
    device: string;
    isFallbackAdapter: boolean;
    profile: "cpu" | "gpu";
    /** The profile was forced (--kernel-profile, TRM_KERNEL_PROFILE), not detected. */
    profileForced: boolean;
  };
  /** Backend name and where it came from. */
  backend: { name: string; source: string };
  /** Every limit of the device as granted. */
  limits: Record<string, number>;
  /** Adapter features. */
  features: string[];
}

/** Collects the report from a live GPU. */
export function collectInfo(gpu: Gpu): InfoReport {
  const s = gpu.summary;
  const limits: Record<string, number> = {};
  const deviceLimits = gpu.device.limits as unknown as Record<string, unknown>;
  // The limits are prototype getters, so walk the prototype chain's keys.
  for (const key in deviceLimits) {
    const v = deviceLimits[key];
    if (typeof v === "number") limits[key] = v;
  }
  return {
    deno: { ...Deno.version },
    adapter: {
      vendor: s.vendor,
      architecture: s.architecture,
      description: s.description,
      device: s.device,
      isFallbackAdapter: s.isFallbackAdapter,
      profile: s.profile,
      profileForced: s.profileForced === true,
    },
    backend: detectBackend(),
    limits,
    features: s.features,
  };
}

/**
 * The backend Deno's wgpu uses: DENO_WEBGPU_BACKEND when set; otherwise wgpu picks one
 * (Vulkan when a Vulkan driver such as lavapipe is installed, else GL/EGL on Linux), which
 * the adapter does not report, so it is given as "auto".
 */
function detectBackend(): { name: string; source: string } {
  const env = Deno.env.get("DENO_WEBGPU_BACKEND");
  if (env) return { name: env, source: "DENO_WEBGPU_BACKEND" };
  const vulkanIcds = ["/usr/share/vulkan/icd.d", "/etc/vulkan/icd.d"];
  let vulkan = false;
  for (const dir of vulkanIcds) {
    try {
      for (const _ of Deno.readDirSync(dir)) vulkan = true;
    } catch { /* no such directory */ }
  }
  const guess = Deno.build.os === "linux"
    ? (vulkan ? "vulkan (Vulkan ICD present)" : "gl (no Vulkan ICD)")
    : "native";
  return { name: "auto", source: `wgpu default; likely ${guess}` };
}

/** Runs `info`; returns the exit code. */
export async function run(args: string[]): Promise<number> {
  const { values } = parseOptions(args, {
    json: { type: "boolean" },
    ...GPU_FLAG,
    help: { type: "boolean", short: "h" },
  }, "info");
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const gpu = await Gpu.create(gpuOptions(values)); // GpuUnavailableError → one line, exit 1 (main.ts)
  try {
    const report = collectInfo(gpu);
    if (values.json) {
      console.log(JSON.stringify(report));
      return 0;
    }
    const a = report.adapter;
    // The flag wins over the variable (gpu_flag.ts), so a given flag is what forced it.
    const forcedBy = values["kernel-profile"] !== undefined
      ? "--kernel-profile"
      : KERNEL_PROFILE_VARIABLE;
    const lines = [
      `Deno        ${report.deno.deno} (V8 ${report.deno.v8}, TypeScript ${report.deno.typescript})`,
      `Adapter     ${a.description || "(no description)"}`,
      `  vendor ${a.vendor || "-"}, architecture ${a.architecture || "-"}, device ${
        a.device || "-"
      }`,
      `  fallback adapter: ${a.isFallbackAdapter}`,
      `Kernels     ${a.profile} profile (${
        a.profileForced ? `forced by ${forcedBy}` : "detected from the adapter"
      })`,
      `Backend     ${report.backend.name} (${report.backend.source})`,
      "Limits",
      ...Object.entries(report.limits).map(([k, v]) => `  ${k.padEnd(44)} ${v}`),
      `Features    ${report.features.join(", ") || "(none)"}`,
    ];
    console.log(lines.join("\n"));
    return 0;
  } finally {
    gpu.destroy();
  }
}
