/**
 * A training step broken down by kernel: slot-loop steps run with per-dispatch timestamps,
 * grouped into kernel families (matmul by shape, norm, SwiGLU, transposes, elementwise,
 * loss, optimizer, …), plus dispatches and submits per step and the unprofiled wall time.
 *
 * @module
 */
import type { DispatchTiming } from "../gpu/profiler.ts";
import type { TrainingBatch } from "./data.ts";
import type { TRMTrainer } from "./trainer.ts";

/** Time of one kernel family (or one kernel with its detail) per optimizer step. */
export interface ProfileRow {
  /** Family, e.g. "matmul", "norm", "optimizer". */
  family: string;
  /** Kernel name and detail (e.g. `matmul_texture 5184x256x96`), or "" for a family total. */
  kernel: string;
  /** GPU milliseconds per step. */
  ms: number;
  /** Dispatches per step. */
  dispatches: number;
}

/** The profile of a training step. */
export interface StepProfile {
  /** Wall milliseconds per step without profiling. */
  wallMs: number;
  /** Sum of the profiled dispatches' GPU time per step. */
  kernelMs: number;
  /** Dispatches per step. */
  dispatches: number;
  /** Queue submits per step. */
  submits: number;
  /** Per family, largest first. */
  families: ProfileRow[];
  /** Per kernel and detail, largest first. */
  kernels: ProfileRow[];
}

/** The family a kernel belongs to, from its name. */
export function kernelFamily(kernel: string): string {
  const prefixes: [string, string][] = [
    ["matmul_pack", "matmul packing"],
    ["matmul_transpose_pack", "matmul packing"],
    ["matmul", "matmul"],
    ["rmsnorm", "norm"],
    ["swiglu", "swiglu"],
    ["transpose", "transpose"],
    ["elementwise", "elementwise"],
    ["sequence", "elementwise"],
    ["dropout", "elementwise"],
    ["loss", "loss"],
    ["optim", "optimizer"],
    ["embedding", "embedding"],
    ["reduce", "reduce"],
    ["train", "slot loop"],
    ["gather", "copies"],
    ["attention", "attention"],
    ["latent_noise", "elementwise"],
    ["rope", "attention"],
  ];
  return prefixes.find(([p]) => kernel.startsWith(p))?.[1] ?? "other";
}

function rows(
  timings: DispatchTiming[],
  steps: number,
  byFamily: boolean,
): ProfileRow[] {
  const acc = new Map<string, ProfileRow>();
  for (const t of timings) {
    const family = kernelFamily(t.kernel);
    const key = byFamily ? family : t.detail ? `${t.kernel} ${t.detail}` : t.kernel;
    const row = acc.get(key) ?? { family, kernel: byFamily ? "" : key, ms: 0, dispatches: 0 };
    row.ms += t.ms / steps;
    row.dispatches += 1 / steps;
    acc.set(key, row);
  }
  return [...acc.values()].sort((a, b) => b.ms - a.ms);
}

/**
 * Profiles `steps` slot-loop steps after `warmup` untimed ones, then times `steps` more
 * without profiling for the wall time. The trainer's GPU must have been created with
 * `{ timestamps: true }`.
 *
 * @example
 * ```ts ignore
 * const gpu = await Gpu.create({ timestamps: true });
 * const p = await profileTrainStep(trainer, batch, { steps: 3 });
 * console.table(p.families);
 * ```
 */
export async function profileTrainStep(
  trainer: TRMTrainer,
  batch: TrainingBatch,
  options: { warmup?: number; steps?: number } = {},
): Promise<StepProfile> {
  const gpu = trainer.model.gpu;
  const warmup = options.warmup ?? 2, steps = options.steps ?? 3;
  for (let i = 0; i < warmup; i++) trainer.slotStep(batch);
  await gpu.sync();
  const dispatches0 = gpu.dispatchCount, submits0 = gpu.submitCount;
  gpu.startProfile();
  for (let i = 0; i < steps; i++) trainer.slotStep(batch);
  const timings = await gpu.stopProfile();
  const dispatches = (gpu.dispatchCount - dispatches0) / steps;
  const submits = (gpu.submitCount - submits0) / steps;
  const start = performance.now();
  for (let i = 0; i < steps; i++) trainer.slotStep(batch);
  await gpu.sync();
  const wallMs = (performance.now() - start) / steps;
  return {
    wallMs,
    kernelMs: timings.reduce((a, t) => a + t.ms, 0) / steps,
    dispatches,
    submits,
    families: rows(timings, steps, true),
    kernels: rows(timings, steps, false),
  };
}
