// Register-blocked matmul for CPU adapters (llvmpipe, lavapipe, SwiftShader):
//   C[b] = alpha * op(A[b]) * op(B[b]) + beta * C[b]      (or Σ_b into one C when reduce != 0)
// No workgroup memory and no barriers: on CPU rasterisers both are expensive, and a storage
// load costs as much as ~100 FMAs, so each invocation computes a TM x TN block and reuses
// every loaded value TM (or TN) times. Transposes are expressed as element strides, so one
// pipeline serves NN/NT/TN/TT. Out-of-range rows and columns are clamped on load (always
// in bounds, no branch in the inner loop) and masked on store.

struct Params {
  m: u32, n: u32, k: u32, batch: u32,
  // element (i, p) of op(A) in batch b: a_off + b * a_bstride + i * a_rs + p * a_ks
  a_off: u32, a_bstride: u32, a_rs: u32, a_ks: u32,
  // element (p, j) of op(B) in batch b: b_off + b * b_bstride + p * b_ks + j * b_cs
  b_off: u32, b_bstride: u32, b_ks: u32, b_cs: u32,
  // element (i, j) of C in batch b: c_off + b * c_bstride + i * n + j
  c_off: u32, c_bstride: u32, reduce: u32, use_beta: u32,
  alpha: f32, beta: f32,
}

override TM: u32 = 8;   // rows per invocation
override TN: u32 = 8;   // columns per invocation (strided by WX so lanes touch adjacent columns)
override WX: u32 = 8;   // workgroup size x (columns)
override WY: u32 = 8;   // workgroup size y (rows)

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;

const MAX_T: u32 = 16u;

@compute @workgroup_size(WX, WY)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row0 = (wg.y * WY + lid.y) * TM;
  let col0 = wg.x * WX * TN + lid.x;
  var a_row: array<u32, MAX_T>;
  var b_col: array<u32, MAX_T>;
  for (var r = 0u; r < TM; r++) { a_row[r] = min(row0 + r, p.m - 1u) * p.a_rs; }
  for (var j = 0u; j < TN; j++) { b_col[j] = min(col0 + j * WX, p.n - 1u) * p.b_cs; }
  var acc: array<f32, 256>; // TM * TN <= 256
  var b_first = wg.z;
  var b_last = wg.z + 1u;
  if (p.reduce != 0u) { b_first = 0u; b_last = p.batch; }
  var av: array<f32, MAX_T>;
  var bv: array<f32, MAX_T>;
  for (var bi = b_first; bi < b_last; bi++) {
    var a_k = p.a_off + bi * p.a_bstride;
    var b_k = p.b_off + bi * p.b_bstride;
    for (var kk = 0u; kk < p.k; kk++) {
      for (var r = 0u; r < TM; r++) { av[r] = A[a_k + a_row[r]]; }
      for (var j = 0u; j < TN; j++) { bv[j] = B[b_k + b_col[j]]; }
      for (var r = 0u; r < TM; r++) {
        for (var j = 0u; j < TN; j++) { acc[r * TN + j] = fma(av[r], bv[j], acc[r * TN + j]); }
      }
      a_k += p.a_ks;
      b_k += p.b_ks;
    }
  }
  let c_base = p.c_off + wg.z * p.c_bstride;
  for (var r = 0u; r < TM; r++) {
    let i = row0 + r;
    if (i >= p.m) { break; }
    for (var j = 0u; j < TN; j++) {
      let col = col0 + j * WX;
      if (col >= p.n) { break; }
      let idx = c_base + i * p.n + col;
      var v = p.alpha * acc[r * TN + j];
      if (p.use_beta != 0u) { v = fma(p.beta, C[idx], v); }
      C[idx] = v;
    }
  }
}
