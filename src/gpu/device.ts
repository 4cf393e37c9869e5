/**
 * Acquiring the WebGPU adapter and device, once, with the limits the kernels need.
 *
 * No `Deno.*` here: the same code runs in a browser's WebGPU.
 *
 * @module
 */

/** Thrown when no WebGPU adapter or device can be had; the message says what to install. */
export class GpuUnavailableError extends Error {
  /**
   * Creates the error.
   *
   * @param message what went wrong and what to do about it
   */
  constructor(message: string) {
    super(message);
    this.name = "GpuUnavailableError";
  }
}

/**
 * Which tuning family an adapter belongs to. On CPU rasterisers (llvmpipe, lavapipe,
 * SwiftShader, WARP) barriers and workgroup memory are expensive and register
 * blocking wins; on real GPUs shared-memory tiles win.
 */
export type AdapterProfile = "cpu" | "gpu";

/** What we know about the adapter, in plain data (safe to print or serialise). */
export interface AdapterSummary {
  /** Vendor string or PCI id as the implementation reports it. */
  vendor: string;
  /** Architecture string (often empty on CPU adapters). */
  architecture: string;
  /** Human-readable description, e.g. `llvmpipe (LLVM 15.0.6, 256 bits)`. */
  description: string;
  /** Device id as reported. */
  device: string;
  /** True for software fallback adapters. */
  isFallbackAdapter: boolean;
  /** Tuning family used to pick kernel tile shapes. */
  profile: AdapterProfile;
  /** The profile was forced (`GpuDeviceOptions.profile`) rather than detected from the adapter. */
  profileForced?: boolean;
  /** The device limits we requested and got (the ones the kernels rely on). */
  limits: Record<string, number>;
  /** Adapter features (informational). */
  features: string[];
  /** The device has `timestamp-query` (asked for with `timestamps: true`). */
  timestamps: boolean;
}

/** Options for {@linkcode requestGpuDevice}. */
export interface GpuDeviceOptions {
  /** Power preference passed to `requestAdapter`. */
  powerPreference?: GPUPowerPreference;
  /**
   * Force a tuning profile instead of detecting it from the adapter: "gpu" on a CPU
   * adapter runs (slowly) the kernels a real GPU gets, which is how they are tested here.
   */
  profile?: AdapterProfile;
  /** Ask for `timestamp-query` (per-dispatch profiling) when the adapter has it. */
  timestamps?: boolean;
}

/** The limits the kernels use, requested up to what the adapter offers. */
const WANTED_LIMITS = [
  "maxStorageBuffersPerShaderStage",
  "maxComputeWorkgroupStorageSize",
  "maxStorageBufferBindingSize",
  "maxBufferSize",
  "maxComputeInvocationsPerWorkgroup",
  "maxComputeWorkgroupSizeX",
  "maxComputeWorkgroupSizeY",
  "maxComputeWorkgroupsPerDimension",
] as const;

const CPU_ADAPTER_PATTERN = /llvmpipe|lavapipe|softpipe|swiftshader|warp|software/i;

/** Detects whether an adapter is a CPU rasteriser. */
export function detectProfile(
  info: { description: string; isFallbackAdapter: boolean },
): AdapterProfile {
  return info.isFallbackAdapter || CPU_ADAPTER_PATTERN.test(info.description) ? "cpu" : "gpu";
}

const NO_ADAPTER_HELP = "No WebGPU adapter was found. On Linux install Mesa's drivers " +
  "(Debian/Ubuntu: `apt-get install libegl1 libgl1-mesa-dri` for the GL backend, or " +
  "`apt-get install mesa-vulkan-drivers libvulkan1` and set DENO_WEBGPU_BACKEND=vulkan); " +
  "elsewhere use a WebGPU-capable GPU driver or browser.";

/**
 * Requests an adapter and a device with raised limits.
 *
 * @example
 * ```ts ignore
 * const { device, summary } = await requestGpuDevice();
 * console.log(summary.description);
 * ```
 */
export async function requestGpuDevice(
  options: GpuDeviceOptions = {},
): Promise<{ adapter: GPUAdapter; device: GPUDevice; summary: AdapterSummary }> {
  // Not the `Navigator` type: workers have a `WorkerNavigator`, and both may carry `gpu`.
  const gpu = (globalThis.navigator as { gpu?: GPU } | undefined)?.gpu;
  if (!gpu) {
    throw new GpuUnavailableError(`WebGPU is not available in this runtime. ${NO_ADAPTER_HELP}`);
  }
  const adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference });
  if (!adapter) throw new GpuUnavailableError(NO_ADAPTER_HELP);
  const requiredLimits: Record<string, number> = {};
  for (const name of WANTED_LIMITS) {
    const value = (adapter.limits as unknown as Record<string, number>)[name];
    if (typeof value === "number") requiredLimits[name] = value;
  }
  let device: GPUDevice;
  try {
    const timestamps = options.timestamps === true && adapter.features.has("timestamp-query");
    device = await adapter.requestDevice({
      requiredLimits,
      requiredFeatures: timestamps ? ["timestamp-query"] : [],
    });
  } catch (error) {
    throw new GpuUnavailableError(
      `The WebGPU adapter refused a device: ${(error as Error).message}. ${NO_ADAPTER_HELP}`,
    );
  }
  // deno-lint-ignore no-explicit-any
  const info = (adapter as any).info ?? {};
  const description = String(info.description ?? "");
  const legacy = adapter as unknown as { isFallbackAdapter?: boolean };
  const isFallbackAdapter = Boolean(info.isFallbackAdapter ?? legacy.isFallbackAdapter ?? false);
  const limits: Record<string, number> = {};
  for (const name of WANTED_LIMITS) {
    limits[name] = (device.limits as unknown as Record<string, number>)[name];
  }
  const summary: AdapterSummary = {
    vendor: String(info.vendor ?? ""),
    architecture: String(info.architecture ?? ""),
    description,
    device: String(info.device ?? ""),
    isFallbackAdapter,
    profile: options.profile ?? detectProfile({ description, isFallbackAdapter }),
    profileForced: options.profile !== undefined,
    limits,
    features: [...adapter.features].map(String).sort(),
    timestamps: device.features.has("timestamp-query"),
  };
  return { adapter, device, summary };
}
