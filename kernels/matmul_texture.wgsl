// Matmul from packed textures, for CPU adapters (llvmpipe, lavapipe):
//   C = alpha * op(A) * op(B) + beta * C       (one product, or one chunk of one)
// TA holds op(A) as [m rows] x [k4 texels] (4 consecutive k per texel), TB holds op(B) as
// [4 * k4 rows] x [n4 texels] (4 consecutive columns per texel), both packed by
// matmul_pack.wgsl with zeros past k (so no K tail handling here).
//
// Each invocation computes TM rows x TV texel-columns (4 * TV columns). Neighbouring lanes
// (x) take neighbouring texel-columns, so a SIMD group of 8 lanes reads one contiguous run
// of TB and the same TA texels. Rows and columns are clamped on load (no bounds branches
// in the inner loop) and masked on store. Loads dominate on llvmpipe (~40 ns per texel
// fetch of 8 lanes against ~0.7 ns per 8-lane FMA, measured), so the block is large:
// per 4 k it costs TM + 4 * TV fetches for 16 * TM * TV FMAs.
//
// TEMPLATE (expanded by src/ops/matmul.ts): `//#for r` repeats its body TM times with
// `$r` = 0, 1, …; `//#for j` TV times. Named registers instead of private arrays, which
// llvmpipe keeps in memory.

struct Params {
  m: u32, n: u32, k4: u32, c_off: u32,
  use_beta: u32, pad0: u32, pad1: u32, pad2: u32,
  alpha: f32, beta: f32,
}

override TM: u32 = 8u;  // rows per invocation (the `r` template count)
override TV: u32 = 4u;  // texel-columns per invocation (the `j` template count)
override WX: u32 = 8u;  // workgroup size x (texel-columns)
override WY: u32 = 4u;  // workgroup size y (rows)

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var TA: texture_2d<f32>;
@group(0) @binding(2) var TB: texture_2d<f32>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;

const MAX_BLOCK: u32 = 64u; // TM * TV at most

@compute @workgroup_size(WX, WY)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row0 = (wg.y * WY + lid.y) * TM;
  let col0 = wg.x * WX * TV + lid.x;
  let n4 = (p.n + 3u) / 4u;
  //#for r
  let ar$r = i32(min(row0 + $ru, p.m - 1u));
  //#for j
  var c$r_$j = vec4<f32>();
  //#end
  //#end
  //#for j
  let bc$j = i32(min(col0 + $ju * WX, n4 - 1u));
  //#end
  let k4 = i32(p.k4);
  for (var kq = 0; kq < k4; kq++) {
    //#for r
    let a$r = textureLoad(TA, vec2<i32>(kq, ar$r), 0);
    //#end
    let kb = kq * 4;
    {
      //#for j
      let b$j = textureLoad(TB, vec2<i32>(bc$j, kb), 0);
      //#end
      //#for r
      //#for j
      c$r_$j = fma(vec4<f32>(a$r.x), b$j, c$r_$j);
      //#end
      //#end
    }
    {
      //#for j
      let b$j = textureLoad(TB, vec2<i32>(bc$j, kb + 1), 0);
      //#end
      //#for r
      //#for j
      c$r_$j = fma(vec4<f32>(a$r.y), b$j, c$r_$j);
      //#end
      //#end
    }
    {
      //#for j
      let b$j = textureLoad(TB, vec2<i32>(bc$j, kb + 2), 0);
      //#end
      //#for r
      //#for j
      c$r_$j = fma(vec4<f32>(a$r.z), b$j, c$r_$j);
      //#end
      //#end
    }
    {
      //#for j
      let b$j = textureLoad(TB, vec2<i32>(bc$j, kb + 3), 0);
      //#end
      //#for r
      //#for j
      c$r_$j = fma(vec4<f32>(a$r.w), b$j, c$r_$j);
      //#end
      //#end
    }
  }
  // Epilogue through a private array and plain loops: unrolled masked stores multiply
  // LLVM compile time.
  var tile: array<vec4<f32>, MAX_BLOCK>;
  //#for r
  //#for j
  tile[$ru * TV + $ju] = c$r_$j;
  //#end
  //#end
  let rows = min(TM, p.m - min(row0, p.m));
  for (var r = 0u; r < rows; r++) {
    let row = p.c_off + (row0 + r) * p.n;
    for (var j = 0u; j < TV; j++) {
      let v = tile[r * TV + j];
      let col = (col0 + j * WX) * 4u;
      for (var e = 0u; e < 4u; e++) {
        if (col + e >= p.n) { break; }
        let idx = row + col + e;
        var out = p.alpha * v[e];
        if (p.use_beta != 0u) { out = fma(p.beta, C[idx], out); }
        C[idx] = out;
      }
    }
  }
}
