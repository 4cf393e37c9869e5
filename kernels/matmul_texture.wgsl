// @kernel matmul_texture
// Matmul from packed textures, for CPU adapters (llvmpipe, lavapipe):
//   C = alpha * op(A) * op(B) + beta * C       (one product, or one chunk of one)
// Both operands are packed K-major by matmul_pack.wgsl: TA holds op(A) as [m rows] x
// [k4 texels], TB holds op(B)ᵀ as [n rows] x [k4 texels], 4 consecutive k per texel and
// zeros past k (so no K tail handling here). C[i, j] is then a sum of dot products of
// texel rows: C[i, j] = Σ_kq dot(TA[i, kq], TB[j, kq]).
//
// Why this form: llvmpipe runs 8 invocations as one SIMD vector and keeps a large block of
// accumulators in memory, not registers. A dot product of two texels is 4 FMAs into one
// scalar accumulator (one load and one store of it per 4 FMAs), where the outer-product
// form (vec4 accumulators) loads and stores an accumulator per FMA: 1.5-1.8x faster at
// 512³ (measured 15-18 against 10-11 GFLOP/s, product only). Texture fetches are
// vectorised gathers while storage-buffer loads are per-lane scalar loops with bounds
// checks in Mesa 22.3, hence textures at all.
//
// Each invocation computes TM rows x TN columns. Neighbouring lanes (x) take neighbouring
// columns (strided by WX), so one SIMD group shares every TA fetch. Rows and columns are
// clamped on load (no bounds branches in the inner loop) and masked on store.
//
// TEMPLATE (expanded by src/ops/matmul.ts): `//#for r` repeats its body TM times with
// `$r` = 0, 1, …; `//#for j` TN times. Named registers instead of private arrays, which
// llvmpipe keeps in memory and indexes slowly.

struct Params {
  m: u32, n: u32, k4: u32, c_off: u32,
  use_beta: u32, pad0: u32, pad1: u32, pad2: u32,
  alpha: f32, beta: f32,
}

override TM: u32 = 16u; // rows per invocation (the `r` template count)
override TN: u32 = 16u; // columns per invocation (the `j` template count)
override WX: u32 = 8u;  // workgroup size x (columns)
override WY: u32 = 2u;  // workgroup size y (rows)

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var TA: texture_2d<f32>;
@group(0) @binding(2) var TB: texture_2d<f32>;
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
  let ar$r = i32(min(row0 + $ru, p.m - 1u));
  //#for j
  var c$r_$j = 0.0;
  //#end
  //#end
  //#for j
  let bc$j = i32(min(col0 + $ju * WX, p.n - 1u));
  //#end
  let k4 = i32(p.k4);
  for (var kq = 0; kq < k4; kq++) {
    //#for r
    let a$r = textureLoad(TA, vec2<i32>(kq, ar$r), 0);
    //#end
    //#for j
    let b$j = textureLoad(TB, vec2<i32>(kq, bc$j), 0);
    //#end
    //#for r
    //#for j
    c$r_$j = fma(a$r.w, b$j.w, fma(a$r.z, b$j.z, fma(a$r.y, b$j.y, fma(a$r.x, b$j.x, c$r_$j))));
    //#end
    //#end
  }
  // Epilogue through a private array and plain loops: unrolled masked stores multiply
  // LLVM compile time.
  var tile: array<f32, $#r * $#j>;
  //#for r
  //#for j
  tile[$ru * TN + $ju] = c$r_$j;
  //#end
  //#end
  let rows = min(TM, p.m - min(row0, p.m));
  for (var r = 0u; r < rows; r++) {
    let row = p.c_off + (row0 + r) * p.n;
    for (var j = 0u; j < TN; j++) {
      let col = col0 + j * WX;
      if (col >= p.n) { break; }
      let idx = row + col;
      var out = p.alpha * tile[r * TN + j];
      if (p.use_beta != 0u) { out = fma(p.beta, C[idx], out); }
      C[idx] = out;
    }
  }
}
