/** `TRM_KERNEL_PROFILE`: auto or nothing detects, cpu and gpu force, anything else is one line. */
import assert from "node:assert/strict";
import { kernelProfileFromEnv, parseKernelProfile } from "../../src/host/kernel_profile.ts";

Deno.test("TRM_KERNEL_PROFILE: auto, cpu, gpu; a bad value names the variable and the choices", () => {
  assert.equal(kernelProfileFromEnv({}), undefined);
  assert.equal(kernelProfileFromEnv({ TRM_KERNEL_PROFILE: "" }), undefined);
  assert.equal(kernelProfileFromEnv({ TRM_KERNEL_PROFILE: "auto" }), undefined);
  assert.equal(kernelProfileFromEnv({ TRM_KERNEL_PROFILE: "cpu" }), "cpu");
  assert.equal(kernelProfileFromEnv({ TRM_KERNEL_PROFILE: "gpu" }), "gpu");
  for (const bad of ["GPU", "fast", " gpu"]) {
    assert.throws(
      () => kernelProfileFromEnv({ TRM_KERNEL_PROFILE: bad }),
      { message: `TRM_KERNEL_PROFILE must be auto, cpu or gpu, got "${bad}"` },
    );
  }
  assert.throws(() => parseKernelProfile("x", "--kernel-profile"), /^Error: --kernel-profile/);
});
