// @kernel dropout
// Inverted dropout with a counter-based RNG: element i is kept when
// uniform(hash(seed, i)) >= p, and kept values are scaled by 1/(1-p). The mask is a pure
// function of (seed, i), so the backward regenerates it by running this same kernel on
// dy, and nothing is stored.

struct Params {
  n: u32,
  seed_lo: u32,
  seed_hi: u32,
  threshold: u32, // keep when the 32-bit hash >= threshold = round(p * 2^32)
  keep_scale: f32, // 1 / (1 - p)
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

override WG: u32 = 256u;

// PCG-style output permutation (Jarzynski & Olano, "Hash Functions for GPU Rendering").
fn pcg(v: u32) -> u32 {
  let state = v * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let i = (wg.x + wg.y * nwg.x) * WG + lid;
  if (i >= params.n) {
    return;
  }
  // Chained hashes: the seed words pick a stream, the index walks it; two rounds on the
  // index decorrelate neighbouring elements.
  let key = pcg(params.seed_lo ^ pcg(params.seed_hi + 0x9e3779b9u));
  let h = pcg(pcg(i ^ key) + key);
  y[i] = select(0.0, x[i] * params.keep_scale, h >= params.threshold);
}
