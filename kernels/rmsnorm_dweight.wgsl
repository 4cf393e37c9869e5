// @kernel rmsnorm_dweight
// First pass of dWeight[k] = Σ_{o,i} dy[o,k,i] * x̂[o,k,i]: the (o, i) pairs are cut into
// chunks of CHUNK consecutive pairs, and invocation (c, k) sums chunk c for gain k in
// order. reduce_columns.wgsl then adds the chunk partials in order: deterministic, no
// atomics, and enough invocations to fill a GPU even when n is small.

struct Params {
  n: u32,
  inner: u32,
  pairs: u32, // outer * inner
  chunk: u32,
  total: u32, // chunks * n
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> xhat: array<f32>;
@group(0) @binding(3) var<storage, read_write> partials: array<f32>; // [chunks, n]

override WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let id = (wg.x + wg.y * nwg.x) * WG + lid;
  if (id >= params.total) {
    return;
  }
  let c = id / params.n;
  let k = id % params.n;
  let start = c * params.chunk;
  let end = min(start + params.chunk, params.pairs);
  var acc = 0.0;
  for (var m = start; m < end; m++) {
    let o = m / params.inner;
    let i = m % params.inner;
    let at = (o * params.n + k) * params.inner + i;
    acc += dy[at] * xhat[at];
  }
  partials[id] = acc;
}
