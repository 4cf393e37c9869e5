// @kernel embedding_sign_sgd_links
// Groups equal ids of a batch without sorting or atomics: links[b] = 1 when b is the
// first occurrence of ids[b] in the batch (else 0), and links[B + b] = the next b' > b
// with the same id (or -1). The update kernel follows these chains in batch order.

struct Params {
  batch: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> ids: array<i32>;
@group(0) @binding(2) var<storage, read_write> links: array<i32>;

override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let b = (wg.x + wg.y * nwg.x) * WG + lid;
  if (b >= params.batch) {
    return;
  }
  let id = ids[b];
  var first = 1;
  for (var j = 0u; j < b; j++) {
    if (ids[j] == id) {
      first = 0;
      break;
    }
  }
  var next = -1;
  for (var j = b + 1u; j < params.batch; j++) {
    if (ids[j] == id) {
      next = i32(j);
      break;
    }
  }
  links[b] = first;
  links[params.batch + b] = next;
}
