// @kernel matmul_tiled
// Shared-memory tiled matmul for real GPUs:
//   C[b] = alpha * op(A[b]) * op(B[b]) + beta * C[b]      (or Σ_b into one C when reduce != 0)
// A workgroup of (BN/TN) x (BM/TM) invocations computes a BM x BN tile of C; each k-step it
// stages a BK-deep slice of op(A) and op(B) in workgroup memory (zero-padded past the
// matrix edges, so the inner product needs no bounds checks) and every invocation
// accumulates a TM x TN block from it. Same parameter layout as matmul_register.wgsl.

struct Params {
  m: u32, n: u32, k: u32, batch: u32,
  a_off: u32, a_bstride: u32, a_rs: u32, a_ks: u32,
  b_off: u32, b_bstride: u32, b_ks: u32, b_cs: u32,
  c_off: u32, c_bstride: u32, reduce: u32, use_beta: u32,
  alpha: f32, beta: f32,
}

override BM: u32 = 64;   // tile rows
override BN: u32 = 64;   // tile columns
override BK: u32 = 16;   // tile depth
override TM: u32 = 4;    // rows per invocation    (BM / TM invocations along y)
override TN: u32 = 4;    // columns per invocation (BN / TN invocations along x)

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;

// Sized for the largest tiles the overrides may ask for (BK * BM and BK * BN <= 2048).
var<workgroup> tile_a: array<f32, 2048>; // [BK][BM]
var<workgroup> tile_b: array<f32, 2048>; // [BK][BN]

const MAX_T: u32 = 8u;

@compute @workgroup_size(BN / TN, BM / TM)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
  @builtin(local_invocation_index) li: u32,
) {
  let threads = (BN / TN) * (BM / TM);
  let tile_row = wg.y * BM;
  let tile_col = wg.x * BN;
  var acc: array<f32, 64>; // TM * TN <= 64
  var av: array<f32, MAX_T>;
  var bv: array<f32, MAX_T>;
  var b_first = wg.z;
  var b_last = wg.z + 1u;
  if (p.reduce != 0u) { b_first = 0u; b_last = p.batch; }
  for (var bi = b_first; bi < b_last; bi++) {
    let a_base = p.a_off + bi * p.a_bstride;
    let b_base = p.b_off + bi * p.b_bstride;
    for (var k0 = 0u; k0 < p.k; k0 += BK) {
      // Cooperative loads; consecutive invocations take consecutive rows (for A) and
      // columns (for B), which coalesces for the common layouts.
      for (var e = li; e < BK * BM; e += threads) {
        let kk = e / BM;
        let r = e % BM;
        let i = tile_row + r;
        let q = k0 + kk;
        var v = 0.0;
        if (i < p.m && q < p.k) { v = A[a_base + i * p.a_rs + q * p.a_ks]; }
        tile_a[kk * BM + r] = v;
      }
      for (var e = li; e < BK * BN; e += threads) {
        let kk = e / BN;
        let c = e % BN;
        let j = tile_col + c;
        let q = k0 + kk;
        var v = 0.0;
        if (j < p.n && q < p.k) { v = B[b_base + q * p.b_ks + j * p.b_cs]; }
        tile_b[kk * BN + c] = v;
      }
      workgroupBarrier();
      for (var kk = 0u; kk < BK; kk++) {
        for (var r = 0u; r < TM; r++) { av[r] = tile_a[kk * BM + lid.y + r * (BM / TM)]; }
        for (var c = 0u; c < TN; c++) { bv[c] = tile_b[kk * BN + lid.x + c * (BN / TN)]; }
        for (var r = 0u; r < TM; r++) {
          for (var c = 0u; c < TN; c++) { acc[r * TN + c] = fma(av[r], bv[c], acc[r * TN + c]); }
        }
      }
      workgroupBarrier();
    }
  }
  let c_base = p.c_off + wg.z * p.c_bstride;
  for (var r = 0u; r < TM; r++) {
    let i = tile_row + lid.y + r * (BM / TM);
    if (i >= p.m) { continue; }
    for (var c = 0u; c < TN; c++) {
      let j = tile_col + lid.x + c * (BN / TN);
      if (j >= p.n) { continue; }
      let idx = c_base + i * p.n + j;
      var v = p.alpha * acc[r * TN + c];
      if (p.use_beta != 0u) { v = fma(p.beta, C[idx], v); }
      C[idx] = v;
    }
  }
}
