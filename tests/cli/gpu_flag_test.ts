/**
 * `--kernel-profile`: the flag wins over `TRM_KERNEL_PROFILE`, a bad value of either is a
 * one-line usage error naming it, and `info` reports a forced profile as forced.
 */
import assert from "node:assert/strict";
import { GPU_FLAG, gpuOptions } from "../../src/cli/gpu_flag.ts";
import { collectInfo } from "../../src/cli/info.ts";
import { UsageError } from "../../src/cli/main.ts";
import { parseOptions } from "../../src/cli/options.ts";
import { testGpu } from "../_helpers.ts";

const flags = (...args: string[]) => parseOptions(args, { ...GPU_FLAG }, "test").values;

Deno.test("--kernel-profile: flag over TRM_KERNEL_PROFILE over detection; bad values", () => {
  assert.deepEqual(gpuOptions(flags(), {}), {});
  assert.deepEqual(gpuOptions(flags("--kernel-profile", "gpu"), {}), { profile: "gpu" });
  assert.deepEqual(gpuOptions(flags(), { TRM_KERNEL_PROFILE: "cpu" }), { profile: "cpu" });
  assert.deepEqual(
    gpuOptions(flags("--kernel-profile", "gpu"), { TRM_KERNEL_PROFILE: "cpu" }),
    { profile: "gpu" },
  );
  // "auto" on the command line undoes a forcing variable.
  assert.deepEqual(gpuOptions(flags("--kernel-profile=auto"), { TRM_KERNEL_PROFILE: "gpu" }), {});
  assert.throws(() => gpuOptions(flags("--kernel-profile", "tpu"), {}), {
    name: UsageError.name,
    message: '--kernel-profile must be auto, cpu or gpu, got "tpu"',
  });
  assert.throws(() => gpuOptions(flags(), { TRM_KERNEL_PROFILE: "tpu" }), {
    name: UsageError.name,
    message: 'TRM_KERNEL_PROFILE must be auto, cpu or gpu, got "tpu"',
  });
});

Deno.test({
  name: "info: the kernel profile in use and whether it was forced",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const own = collectInfo(await testGpu());
    assert.equal(own.adapter.profileForced, false);
    const other = own.adapter.profile === "cpu" ? "gpu" : "cpu";
    const forced = collectInfo(await testGpu(other));
    assert.equal(forced.adapter.profile, other);
    assert.equal(forced.adapter.profileForced, true);
  },
});
