// @kernel embedding_backward_small
// First pass of the token-table gradient for vocabularies of at most 32 ids (all TRM
// tasks: 6..12): invocation (c, d) walks token chunk c once, adding dOut[t, d] into a
// private accumulator per id, then writes partials[c, v, d] for every v. One read of
// each id and each dOut element, no per-id rescans. Prefix positions are skipped; ids
// outside [0, vocab) are ignored. reduce_columns.wgsl adds the chunks in order.

struct Params {
  tokens: u32, // B * L
  length: u32, // L
  prefix: u32, // P
  width: u32, // D
  vocab: u32, // at most MAX_VOCAB
  chunk: u32,
  total: u32, // chunks * width
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> ids: array<i32>;
@group(0) @binding(2) var<storage, read> dout: array<f32>;
@group(0) @binding(3) var<storage, read_write> partials: array<f32>; // [chunks, vocab, width]

override WG: u32 = 64u;
const MAX_VOCAB: u32 = 32u;

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
  let c = id / params.width;
  let d = id % params.width;
  let start = c * params.chunk;
  let end = min(start + params.chunk, params.tokens);
  var acc: array<f32, MAX_VOCAB>; // zero-initialised
  // dOut row of token t is t + (b + 1) * prefix for t in sequence b: tracked incrementally.
  let b = start / params.length;
  var next_b = (b + 1u) * params.length; // first token of sequence b + 1
  var row = start + (b + 1u) * params.prefix;
  for (var t = start; t < end; t++) {
    if (t == next_b) {
      next_b += params.length;
      row += params.prefix;
    }
    let v = ids[t];
    if (v >= 0 && u32(v) < params.vocab) {
      acc[v] += dout[row * params.width + d];
    }
    row++;
  }
  let base = c * params.vocab * params.width + d;
  for (var v = 0u; v < params.vocab; v++) {
    partials[base + v * params.width] = acc[v];
  }
}
