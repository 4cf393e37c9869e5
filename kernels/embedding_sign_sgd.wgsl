// @kernel embedding_sign_sgd
// Official sparse sign-SGD for the puzzle embeddings, in place: for every id present in
// the batch, g = Σ rows[b] over the b holding that id (in batch order, along the chains
// from embedding_sign_sgd_links.wgsl), then
//   table[id] = table[id] * decay - lr * sign(g),   decay = 1 - lr * weight_decay.
// Only the invocations of an id's first occurrence write, so each row has one writer.

struct Params {
  batch: u32,
  width: u32, // D
  num_ids: u32,
  decay: f32,
  lr: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> ids: array<i32>;
@group(0) @binding(2) var<storage, read> links: array<i32>;
@group(0) @binding(3) var<storage, read> grads: array<f32>; // [B, D]
@group(0) @binding(4) var<storage, read_write> table: array<f32>; // [num_ids, D]

override WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let idx = (wg.x + wg.y * nwg.x) * WG + lid;
  if (idx >= params.batch * params.width) {
    return;
  }
  let b = idx / params.width;
  let d = idx % params.width;
  let id = ids[b];
  if (links[b] == 0 || id < 0 || u32(id) >= params.num_ids) {
    return;
  }
  var g = 0.0;
  var j = i32(b);
  while (j >= 0) {
    g += grads[u32(j) * params.width + d];
    j = links[params.batch + u32(j)];
  }
  let at = u32(id) * params.width + d;
  table[at] = table[at] * params.decay - params.lr * sign(g);
}
