// @kernel rmsnorm_backward
// RMSNorm backward, from the saved normalized x̂ = v * rstd and rstd (v = x + residual):
//   g = dy (* weight[k]);  dv = rstd * (g - x̂ * mean_n(g * x̂)).
// Entry points and layouts as in rmsnorm_forward.wgsl (rows: inner = 1, a workgroup per
// row; columns: one invocation per (outer, inner) column). Fixed summation order.

struct Params {
  outer: u32,
  n: u32,
  inner: u32,
  columns: u32, // outer * inner
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> xhat: array<f32>;
@group(0) @binding(2) var<storage, read> rstd: array<f32>;
@group(0) @binding(3) var<storage, read> dy: array<f32>;
@group(0) @binding(4) var<storage, read> weight: array<f32>; // dy itself when absent
@group(0) @binding(5) var<storage, read_write> dx: array<f32>;

override WG: u32 = 256u; // power of two, at most 256
override HAS_WEIGHT: bool = false;

var<workgroup> partial: array<f32, 256>;

fn grad(i: u32, k: u32) -> f32 {
  if (HAS_WEIGHT) {
    return dy[i] * weight[k];
  }
  return dy[i];
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
  var acc = 0.0;
  for (var k = lid; k < params.n; k += WG) {
    acc += grad(base + k, k) * xhat[base + k];
  }
  partial[lid] = acc;
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    workgroupBarrier();
    if (lid < stride) {
      partial[lid] += partial[lid + stride];
    }
  }
  workgroupBarrier();
  let m = partial[0] / f32(params.n);
  let r = rstd[row];
  for (var k = lid; k < params.n; k += WG) {
    dx[base + k] = r * (grad(base + k, k) - xhat[base + k] * m);
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
  var acc = 0.0;
  for (var k = 0u; k < params.n; k++) {
    let at = base + k * params.inner;
    acc += grad(at, k) * xhat[at];
  }
  let m = acc / f32(params.n);
  let r = rstd[col];
  for (var k = 0u; k < params.n; k++) {
    let at = base + k * params.inner;
    dx[at] = r * (grad(at, k) - xhat[at] * m);
  }
}
