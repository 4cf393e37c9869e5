// @kernel reduce_sum
// One pass of a blocked sum: workgroup b reduces x[b*BLOCK, (b+1)*BLOCK) (BLOCK = WG*ITEMS)
// to out[offset + b]. Each invocation first adds its ITEMS strided elements in order, then
// the workgroup adds the WG values in a fixed binary tree. Repeating the pass on the
// block sums until one value is left gives a sum whose rounding error grows with
// ITEMS + log2(WG) per level instead of with n, in an order fixed by n alone
// (deterministic). With SQUARE, the first pass sums x² (gradient norm²).

struct Params {
  n: u32,
  offset: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

override WG: u32 = 256u; // power of two, at most 256
override ITEMS: u32 = 16u;
override SQUARE: bool = false;

var<workgroup> partial: array<f32, 256>;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let block = wg.x + wg.y * nwg.x;
  let base = block * WG * ITEMS;
  if (base >= params.n) {
    return; // workgroup-uniform
  }
  var acc = 0.0;
  for (var j = 0u; j < ITEMS; j++) {
    let i = base + j * WG + lid;
    if (i < params.n) {
      let v = x[i];
      acc += select(v, v * v, SQUARE);
    }
  }
  partial[lid] = acc;
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    workgroupBarrier();
    if (lid < stride) {
      partial[lid] += partial[lid + stride];
    }
  }
  if (lid == 0u) {
    out[params.offset + block] = partial[0];
  }
}
