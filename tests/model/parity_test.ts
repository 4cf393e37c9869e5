/**
 * Whole-model parity with the PyTorch reference (tools/trm_reference.py, float64) on
 * Deno's WebGPU; the check itself, and its tolerance rule, are in ./_parity.ts (the browser
 * test, tests/browser/kernels_test.ts, runs the same check in Chromium).
 */
import type { AdapterProfile } from "../../src/gpu/device.ts";
import { testGpu } from "../_helpers.ts";
import { runParityFixture } from "./_parity.ts";

async function runParity(file: string, profile: AdapterProfile) {
  const gpu = await testGpu(profile);
  const bytes = await Deno.readFile(new URL(`../fixtures/${file}`, import.meta.url));
  const report = await runParityFixture(gpu, bytes);
  if (Deno.env.get("TRM_PARITY_REPORT")) console.log(report.join("\n"));
}

/**
 * Each fixture under both kernel profiles: "cpu" (texture and register matmuls, direct
 * transposes, many rows per attention lane) and "gpu" (workgroup-memory tiles, one row per
 * lane, row-parallel norms), forced whatever the adapter is, so a CPU adapter checks the
 * kernels a real GPU runs. The fixtures are tiny (D = 16, 11 positions, batch 3), so the
 * gpu-profile kernels, ~60× slower on llvmpipe at real sizes, cost seconds here.
 */
const FIXTURES = [
  {
    file: "trm_attention.safetensors",
    name: "attention variant (logits, q, carry, loss, every gradient over 3 steps)",
  },
  {
    file: "trm_mlp_mixer.safetensors",
    name: "MLP-mixer variant (logits, q, carry, loss, every gradient over 3 steps)",
  },
  {
    file: "trm_variants_attention.safetensors",
    name: "attention, learned pos, pre-norm, mean-pooled halt, softmax",
  },
  {
    file: "trm_variants_mlp.safetensors",
    name: "MLP-mixer, learned pos, pre-norm, mean-pooled halt, stablemax",
  },
] as const;

for (const profile of ["cpu", "gpu"] as const) {
  for (const { file, name } of FIXTURES) {
    Deno.test({
      name: `parity with PyTorch (${profile} kernel profile): ${name}`,
      sanitizeResources: false,
      sanitizeOps: false,
      fn: () => runParity(file, profile),
    });
  }
}
