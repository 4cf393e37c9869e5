/**
 * Row gathering along the first axis (batch compaction).
 *
 * @module
 */
import { type Gpu, grid } from "../gpu/gpu.ts";
import type { Tensor } from "../gpu/tensor.ts";
import source from "../../kernels/gather_rows.wgsl" with { type: "text" };

/**
 * `out[r] = x[index[r]]` for every row r, where a row is everything after the first axis.
 *
 * @example
 * ```ts ignore
 * const kept = gatherRows(gpu, carry, gpu.upload([0, 2], [2], "i32")); // rows 0 and 2
 * ```
 */
export function gatherRows(gpu: Gpu, x: Tensor, index: Tensor): Tensor {
  const rows = index.size;
  const rowLen = x.size / x.shape[0];
  const out = gpu.empty([rows, ...x.shape.slice(1)], x.dtype);
  const total = rows * rowLen;
  gpu.dispatch(gpu.pipeline(source), [x, index, out], grid(Math.ceil(total / 256)), {
    u32: [rows, rowLen],
  });
  return out;
}
