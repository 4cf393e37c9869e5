// @kernel embedding_backward
// First pass of the token-table gradient dTable[v, d] = scale * Σ_{t: ids[t] = v} dOut[t, d]
// (prefix positions skipped). Tokens are cut into chunks of CHUNK; invocation (c, v, d)
// scans chunk c in order and writes partials[c, v, d]; reduce_columns.wgsl adds the
// chunks in order. No atomics, deterministic; the scan costs V compares per token and
// element: the fallback for vocabularies above 32 (embedding_backward_small.wgsl covers
// TRM's 6..12 ids in one read of each element).

struct Params {
  tokens: u32, // B * L
  length: u32, // L
  prefix: u32, // P
  width: u32, // D
  vocab: u32,
  chunk: u32,
  total: u32, // chunks * vocab * width
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> ids: array<i32>;
@group(0) @binding(2) var<storage, read> dout: array<f32>;
@group(0) @binding(3) var<storage, read_write> partials: array<f32>;

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
  let per_chunk = params.vocab * params.width;
  let c = id / per_chunk;
  let vd = id % per_chunk;
  let v = i32(vd / params.width);
  let d = vd % params.width;
  let start = c * params.chunk;
  let end = min(start + params.chunk, params.tokens);
  // Row of dout holding token t: t + (b + 1) * prefix for t in sequence b; tracked
  // incrementally instead of dividing per token.
  let b = start / params.length;
  var next_b = (b + 1u) * params.length; // first token of sequence b + 1
  var row = start + (b + 1u) * params.prefix;
  var acc = 0.0;
  for (var t = start; t < end; t++) {
    if (t == next_b) {
      next_b += params.length;
      row += params.prefix;
    }
    if (ids[t] == v) {
      acc += dout[row * params.width + d];
    }
    row++;
  }
  partials[id] = acc;
}
