// @kernel rmsnorm_forward
// RMSNorm over the middle axis of x viewed as [outer, n, inner]:
//   v = x (+ residual);  rstd = 1 / sqrt(mean_n(v²) + eps);  out = v * rstd.
// Two entry points with the same bindings:
//   rows    (inner = 1): one workgroup per row, strided partial sums then a fixed tree;
//           for GPUs, where a row of D = 512 is too long for one invocation.
//   columns (any inner): one invocation per (outer, inner) column, summing sequentially
//           over n. Adjacent invocations touch adjacent inner indices, so the
//           sequence-axis layout (inner = D) reads coalesced; on CPU adapters it is also
//           the cheapest form of the channel layout (no barriers).
// Both sum in a fixed order: results are deterministic.

struct Params {
  outer: u32,
  n: u32,
  inner: u32,
  columns: u32, // outer * inner
  eps: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> residual: array<f32>; // x itself when absent
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<storage, read_write> rstd: array<f32>;

override WG: u32 = 256u; // power of two, at most 256
override HAS_RESIDUAL: bool = false;

var<workgroup> partial: array<f32, 256>;

fn value(i: u32) -> f32 {
  if (HAS_RESIDUAL) {
    return x[i] + residual[i];
  }
  return x[i];
}

@compute @workgroup_size(WG)
fn rows(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let row = wg.x + wg.y * nwg.x;
  if (row >= params.outer) {
    return; // workgroup-uniform
  }
  let base = row * params.n;
  var ss = 0.0;
  for (var k = lid; k < params.n; k += WG) {
    let v = value(base + k);
    ss += v * v;
  }
  partial[lid] = ss;
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    workgroupBarrier();
    if (lid < stride) {
      partial[lid] += partial[lid + stride];
    }
  }
  workgroupBarrier();
  let r = inverseSqrt(partial[0] / f32(params.n) + params.eps);
  for (var k = lid; k < params.n; k += WG) {
    out[base + k] = value(base + k) * r;
  }
  if (lid == 0u) {
    rstd[row] = r;
  }
}

@compute @workgroup_size(WG)
fn columns(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let col = (wg.x + wg.y * nwg.x) * WG + lid;
  if (col >= params.columns) {
    return;
  }
  let o = col / params.inner;
  let i = col % params.inner;
  let base = o * params.n * params.inner + i;
  var ss = 0.0;
  for (var k = 0u; k < params.n; k++) {
    let v = value(base + k * params.inner);
    ss += v * v;
  }
  let r = inverseSqrt(ss / f32(params.n) + params.eps);
  for (var k = 0u; k < params.n; k++) {
    let at = base + k * params.inner;
    out[at] = value(at) * r;
  }
  rstd[col] = r;
}
