// @kernel latent_noise
// Gaussian noise added in place to the latent of sampled trajectories (PTRM-style
// test-time sampling): z[r, j] += sigma · N(0, 1) for every row r whose trajectory key
// keys[r] is not a multiple of `samples` (key % samples == 0 is each puzzle's clean
// trajectory, so one sample equals plain prediction). The noise is a pure function of
// (seed, step, key, j): compacting the batch (halted rows leave) does not change what a
// trajectory draws.

struct Params {
  n: u32,        // elements of z
  row_size: u32, // elements per example row (S · D)
  seed_lo: u32,
  seed_hi: u32,
  step: u32,
  samples: u32,
  sigma: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> keys: array<u32>;
@group(0) @binding(2) var<storage, read_write> z: array<f32>;

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
  let r = i / params.row_size;
  let j = i - r * params.row_size;
  let key = keys[r];
  if (key % params.samples == 0u) {
    return;
  }
  // Chained hashes: seed → step → trajectory → element; two draws per element.
  let base = pcg(params.seed_lo ^ pcg(params.seed_hi + 0x9e3779b9u));
  let s = pcg(base ^ pcg(params.step + 0x85ebca6bu));
  let k = pcg(s ^ pcg(key + 0xc2b2ae35u));
  let h1 = pcg(pcg((2u * j) ^ k) + k);
  let h2 = pcg(pcg((2u * j + 1u) ^ k) + k);
  // Box-Muller: u1 in (0, 1], u2 in [0, 1).
  let u1 = (f32(h1 >> 8u) + 1.0) * (1.0 / 16777216.0);
  let u2 = f32(h2 >> 8u) * (1.0 / 16777216.0);
  let g = sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
  z[i] = z[i] + params.sigma * g;
}
