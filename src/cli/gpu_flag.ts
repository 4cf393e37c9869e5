/**
 * `--kernel-profile auto|cpu|gpu`, the one GPU flag of the commands that open a GPU
 * (solve, eval, train, info, bench, serve): the flag wins over `TRM_KERNEL_PROFILE`,
 * which wins over detecting the profile from the adapter. Each command spreads
 * {@linkcode GPU_FLAG} into its options and passes {@linkcode gpuOptions} to `Gpu.create`,
 * checked with the other flags, before any slow work, so a typo fails at once.
 *
 * @module
 */
import type { GpuDeviceOptions } from "../gpu/device.ts";
import {
  KERNEL_PROFILE_CHOICES,
  KERNEL_PROFILE_VARIABLE,
  parseKernelProfile,
} from "../host/kernel_profile.ts";
import { UsageError } from "./errors.ts";
import { choiceOption, type OptionValues } from "./options.ts";

/** The flag's parseArgs entry, spread into a command's options. */
export const GPU_FLAG = { "kernel-profile": { type: "string" } } as const;

/**
 * The device options the flag and the environment ask for: the forced profile, or none
 * (detect). A bad value is a one-line UsageError naming the flag or the variable.
 */
export function gpuOptions(
  values: OptionValues,
  env: Record<string, string | undefined> = Deno.env.toObject(),
): GpuDeviceOptions {
  const flag = choiceOption(values, "kernel-profile", KERNEL_PROFILE_CHOICES);
  let profile;
  try {
    profile = parseKernelProfile(flag ?? env[KERNEL_PROFILE_VARIABLE], KERNEL_PROFILE_VARIABLE);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return profile ? { profile } : {};
}
