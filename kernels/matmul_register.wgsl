// @kernel matmul_register
// Register-blocked matmul for CPU adapters (llvmpipe, lavapipe, SwiftShader):
//   C[b] = alpha * op(A[b]) * op(B[b]) + beta * C[b]      (or Σ_b into one C when reduce != 0)
//
// On llvmpipe every storage-buffer load is a per-lane scalar loop (~10 ns per element per
// invocation, measured), while an FMA costs ~0.05 ns: loads, not arithmetic, set the speed.
// So each invocation computes a TM x TN block and reuses every loaded element TN (or TM)
// times, with no workgroup memory and no barriers (both are slow there too).
//
// TEMPLATE (expanded by src/ops/matmul.ts with expandTemplate): `//#for r` … `//#end`
// repeats its body TM times with `$r` = 0, 1, …; `//#for j` likewise TN times. Per-lane
// values thus become named registers instead of a loop-indexed private array, which
// llvmpipe keeps in memory (measured 2-4x slower).
//
// Transposes are element strides, so one pipeline serves NN/NT/TN/TT. Rows and columns
// past the edges are clamped on load (always in bounds, no branch in the inner loop) and
// masked on store. Column j of an invocation is col0 + j * WX so that neighbouring lanes
// touch neighbouring columns.

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

override TM: u32 = 8u;  // rows per invocation (equal to the `r` template count)
override TN: u32 = 8u;  // columns per invocation (equal to the `j` template count)
override WX: u32 = 8u;  // workgroup size x (columns)
override WY: u32 = 8u;  // workgroup size y (rows)

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;

// The epilogue's array holds exactly TM x TN values: the template writes the block's counts
// into its declaration, since a private array's size must be a const expression, which an
// override is not. The size matters: llvmpipe lowers the dynamically indexed array element
// by element, and a fixed 512-element array cost 7-9 s of cold LLVM compile per pipeline
// (Mesa 22.3, any block), against 0.1-0.4 s for 4x4 to 8x8 blocks at their own size.

@compute @workgroup_size(WX, WY)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row0 = (wg.y * WY + lid.y) * TM;
  let col0 = wg.x * WX * TN + lid.x;
  //#for r
  let ar$r = min(row0 + $ru, p.m - 1u) * p.a_rs;
  //#for j
  var c$r_$j = 0.0;
  //#end
  //#end
  //#for j
  let bc$j = min(col0 + $ju * WX, p.n - 1u) * p.b_cs;
  //#end
  var b_first = wg.z;
  var b_last = wg.z + 1u;
  if (p.reduce != 0u) { b_first = 0u; b_last = p.batch; }
  for (var bi = b_first; bi < b_last; bi++) {
    var a_k = p.a_off + bi * p.a_bstride;
    var b_k = p.b_off + bi * p.b_bstride;
    for (var kk = 0u; kk < p.k; kk++) {
      //#for j
      let b$j = B[b_k + bc$j];
      //#end
      //#for r
      {
        let a = A[a_k + ar$r];
        //#for j
        c$r_$j = fma(a, b$j, c$r_$j);
        //#end
      }
      //#end
      a_k += p.a_ks;
      b_k += p.b_ks;
    }
  }
  // Epilogue through a private array and plain loops: unrolled masked stores (a per-lane
  // loop each on llvmpipe) multiplied LLVM compile time several-fold.
  var tile: array<f32, $#r * $#j>;
  //#for r
  //#for j
  tile[$ru * TN + $ju] = c$r_$j;
  //#end
  //#end
  let c_base = p.c_off + wg.z * p.c_bstride;
  let rows = min(TM, p.m - min(row0, p.m));
  for (var r = 0u; r < rows; r++) {
    let i = row0 + r;
    for (var j = 0u; j < TN; j++) {
      let col = col0 + j * WX;
      if (col >= p.n) { break; }
      let idx = c_base + i * p.n + col;
      var v = p.alpha * tile[r * TN + j];
      if (p.use_beta != 0u) { v = fma(p.beta, C[idx], v); }
      C[idx] = v;
    }
  }
}
