/**
 * Small kernels of the official slot-carry training loop, so that it runs without any
 * readback: per-slot row replacement (halted slots take a fresh sample and reset y, z to
 * the init vectors), the halting-state update after each supervision step, and the
 * accumulation of training metrics into one small buffer read every few steps.
 *
 * @module
 */

import { type Gpu, grid } from "../gpu/gpu.ts";
import type { Tensor } from "../gpu/tensor.ts";
import selectSrc from "../../kernels/train_select_rows.wgsl" with { type: "text" };
import haltingSrc from "../../kernels/train_halting.wgsl" with { type: "text" };
import metricsSrc from "../../kernels/train_metrics.wgsl" with { type: "text" };

const WG = 256;
const HALT_WG = 64;

/** Index of each field in the metrics buffer of {@linkcode accumulateMetrics}. */
export const METRIC_FIELDS = {
  /** Halted slots with at least one valid label (what the per-slot metrics average over). */
  count: 0,
  /** Σ token accuracy (correct / valid) over counted slots. */
  accuracy: 1,
  /** Σ exact (all tokens right) over counted slots. */
  exact: 2,
  /** Σ [(q_halt ≥ 0) == exact] over counted slots. */
  qHaltAccuracy: 3,
  /** Σ supervision steps used by counted slots. */
  steps: 4,
  /** Σ per-sequence mean cross-entropy over every slot and step. */
  lmLoss: 5,
  /** Σ halting BCE over every slot and step. */
  haltLoss: 6,
  /** Supervision steps accumulated since the buffer was cleared. */
  stepCount: 7,
  /** First accumulated step (1-based) whose loss was NaN or Inf; 0 when none. */
  firstNonFinite: 8,
} as const;

/** Length of the metrics buffer (f32). */
export const METRICS_SIZE = 9;

function rowsOf(op: string, dst: Tensor, mask: Tensor): number {
  const rows = mask.size;
  if (mask.dtype !== "u32" || rows < 1 || dst.size % rows !== 0) {
    throw new RangeError(
      `${op}: mask (${mask.dtype} [${mask.shape}]) must be u32 with one entry per row of [${dst.shape}]`,
    );
  }
  return rows;
}

/**
 * In place: row r of `dst` becomes row r of `src` where `mask[r] != 0` (a halted slot
 * takes its fresh sample). Rows are `dst.size / mask.size` elements; any 4-byte dtype.
 *
 * @param dst tensor of R rows, updated in place
 * @param src tensor of the same size and dtype
 * @param mask u32 [R]
 * @example
 * ```ts ignore
 * selectRows(gpu, slotInputs, freshInputs, halted); // [B, L] i32, halted u32 [B]
 * ```
 */
export function selectRows(gpu: Gpu, dst: Tensor, src: Tensor, mask: Tensor): void {
  const rows = rowsOf("selectRows", dst, mask);
  if (src.size !== dst.size || src.dtype !== dst.dtype) {
    throw new RangeError(
      `selectRows: src ${src.dtype} [${src.shape}] does not match dst ${dst.dtype} [${dst.shape}]`,
    );
  }
  const n = dst.size;
  const pipeline = gpu.pipeline(selectSrc, { constants: { BROADCAST: 0, WG } });
  gpu.dispatch(pipeline, [dst, src, mask], grid(Math.ceil(n / WG)), { u32: [n, n / rows, 1] });
}

/**
 * In place: every position of row r of `dst` becomes `vector` where `mask[r] != 0` (a
 * halted slot's y or z restarts from the init vector). `dst` is [R, S, D], `vector` [D].
 *
 * @example
 * ```ts ignore
 * resetRows(gpu, carry.y, model.weights.get("inner.H_init")!, halted);
 * ```
 */
export function resetRows(gpu: Gpu, dst: Tensor, vector: Tensor, mask: Tensor): void {
  const rows = rowsOf("resetRows", dst, mask);
  const rowLen = dst.size / rows;
  if (vector.size < 1 || rowLen % vector.size !== 0 || vector.dtype !== dst.dtype) {
    throw new RangeError(
      `resetRows: vector ${vector.dtype} [${vector.shape}] does not tile rows of ${rowLen} ${dst.dtype}`,
    );
  }
  const n = dst.size;
  const pipeline = gpu.pipeline(selectSrc, { constants: { BROADCAST: 1, WG } });
  gpu.dispatch(pipeline, [dst, vector, mask], grid(Math.ceil(n / WG)), {
    u32: [n, rowLen, vector.size],
  });
}

/** Halting state of the slots: steps taken by each slot's current sample, and whether it halted. */
export interface HaltingState {
  /** u32 [B]: supervision steps of the current sample (after the update: including this one). */
  steps: Tensor;
  /** u32 [B]: 1 when the slot halted (it takes a fresh sample at the next step). */
  halted: Tensor;
}

/**
 * The official halting rule after one supervision step, in place:
 * `steps = (halted ? 0 : steps) + 1`; `halted = steps >= maxSteps`; when training (and
 * maxSteps > 1) `halted = (halted || q_halt > 0) && steps >= minSteps[b]`.
 *
 * @param q f32 [B, 2] halting logits of this step
 * @param minSteps u32 [B] exploration minimum of this step (0 = none)
 * @example
 * ```ts ignore
 * haltingUpdate(gpu, state, out.q, minSteps, { maxSteps: 16, training: true });
 * ```
 */
export function haltingUpdate(
  gpu: Gpu,
  state: HaltingState,
  q: Tensor,
  minSteps: Tensor,
  options: { maxSteps: number; training: boolean },
): void {
  const batch = state.steps.size;
  const checks: [string, Tensor, number, string][] = [
    ["steps", state.steps, batch, "u32"],
    ["halted", state.halted, batch, "u32"],
    ["q", q, 2 * batch, "f32"],
    ["minSteps", minSteps, batch, "u32"],
  ];
  for (const [name, t, size, dtype] of checks) {
    if (t.size !== size || t.dtype !== dtype) {
      throw new RangeError(
        `haltingUpdate: ${name} must be ${dtype} with ${size} elements, got ${t.dtype} [${t.shape}]`,
      );
    }
  }
  if (!Number.isInteger(options.maxSteps) || options.maxSteps < 1) {
    throw new RangeError(
      `haltingUpdate: maxSteps must be a positive integer, got ${options.maxSteps}`,
    );
  }
  gpu.dispatch(
    gpu.pipeline(haltingSrc, { constants: { WG: HALT_WG } }),
    [q, minSteps, state.steps, state.halted],
    grid(Math.ceil(batch / HALT_WG)),
    {
      u32: [batch, options.maxSteps, options.training ? 1 : 0],
    },
  );
}

/**
 * Adds one supervision step's metrics into `metrics` (f32 [{@linkcode METRICS_SIZE}], start
 * from zeros; fields in {@linkcode METRIC_FIELDS}), counting per-slot metrics over the
 * halted slots as the official loss head does. Deterministic (fixed reduction order).
 *
 * @param seqStats f32 [B, 4] from crossEntropy
 * @param q f32 [B, 2]
 * @param haltLoss f32 [B] per-slot BCE
 * @param state the halting state after {@linkcode haltingUpdate}
 * @example
 * ```ts ignore
 * accumulateMetrics(gpu, metrics, ce.seqStats, out.q, hl.loss, state);
 * const m = await gpu.read(metrics); // every N steps
 * ```
 */
export function accumulateMetrics(
  gpu: Gpu,
  metrics: Tensor,
  seqStats: Tensor,
  q: Tensor,
  haltLoss: Tensor,
  state: HaltingState,
): void {
  const batch = state.halted.size;
  if (metrics.size !== METRICS_SIZE || metrics.dtype !== "f32") {
    throw new RangeError(`accumulateMetrics: metrics must be f32 [${METRICS_SIZE}]`);
  }
  if (
    seqStats.size !== 4 * batch || q.size !== 2 * batch || haltLoss.size !== batch ||
    state.steps.size !== batch
  ) {
    throw new RangeError(
      `accumulateMetrics: seqStats [${seqStats.shape}], q [${q.shape}], haltLoss [${haltLoss.shape}] do not match ${batch} slots`,
    );
  }
  gpu.dispatch(
    gpu.pipeline(metricsSrc),
    [seqStats, q, haltLoss, state.halted, state.steps, metrics],
    [1, 1, 1],
    {
      u32: [batch],
    },
  );
}
