/**
 * The kernel profile a process asks for: `TRM_KERNEL_PROFILE=auto|cpu|gpu` (and the CLI's
 * `--kernel-profile`, which takes the same values). "auto", the default, lets the adapter
 * decide (CPU rasterisers get the "cpu" kernels); "cpu" or "gpu" forces that family, so
 * a CPU adapter can check the kernels a real GPU runs, or a GPU run the CPU ones.
 *
 * The environment comes in as a plain record, so this module stays free of `Deno.*`.
 *
 * @module
 */
import type { AdapterProfile } from "../gpu/device.ts";

/** The environment variable that chooses the kernel profile. */
export const KERNEL_PROFILE_VARIABLE = "TRM_KERNEL_PROFILE";

/** The values the variable and `--kernel-profile` take. */
export const KERNEL_PROFILE_CHOICES = ["auto", "cpu", "gpu"] as const;

/**
 * The forced profile `text` names: undefined for "auto" or nothing (detect from the
 * adapter). Anything else is a one-line Error that starts with `what` and names the
 * allowed values.
 *
 * @example
 * ```ts
 * import { parseKernelProfile } from "./kernel_profile.ts";
 * console.log(parseKernelProfile("gpu", "--kernel-profile")); // "gpu"
 * console.log(parseKernelProfile("auto", "--kernel-profile")); // undefined
 * ```
 */
export function parseKernelProfile(
  text: string | undefined,
  what: string,
): AdapterProfile | undefined {
  if (text === undefined || text === "" || text === "auto") return undefined;
  if (text === "cpu" || text === "gpu") return text;
  throw new Error(`${what} must be auto, cpu or gpu, got "${text}"`);
}

/**
 * The profile `TRM_KERNEL_PROFILE` forces (undefined: detect); a bad value is a one-line
 * Error naming the variable.
 *
 * @example
 * ```ts
 * import { kernelProfileFromEnv } from "./kernel_profile.ts";
 * console.log(kernelProfileFromEnv({ TRM_KERNEL_PROFILE: "gpu" })); // "gpu"
 * ```
 */
export function kernelProfileFromEnv(
  env: Record<string, string | undefined>,
): AdapterProfile | undefined {
  return parseKernelProfile(env[KERNEL_PROFILE_VARIABLE], KERNEL_PROFILE_VARIABLE);
}
