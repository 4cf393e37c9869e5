// @kernel matmul_pack
// Packs a row-major view of a matrix into an rgba32float texture for matmul_texture.wgsl:
//   texel (x, y) = (X[y, 4x], X[y, 4x + 1], X[y, 4x + 2], X[y, 4x + 3]),
// with element (r, c) of X at off + r * rs + c * cs (so op(A), op(B)ᵀ and sub-blocks of
// either are just strides). Past `cols` or `rows` the texel holds zeros: matmul needs the
// K padding to be exactly zero (0 * garbage could be NaN).
//
// Why textures: on llvmpipe (Mesa 22.3) every storage-buffer load is a per-lane scalar
// loop with a bounds check, while textureLoad is a vectorised gather; measured 5-6x faster
// per FLOP in the matmul inner loop. Packing costs O(rows * cols), the product O(m n k).

struct Params {
  rows: u32, cols: u32, off: u32, rs: u32,
  cs: u32, width: u32, height: u32, rows_first: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var T: texture_storage_2d<rgba32float, write>;

// Neighbouring lanes (gid.x) take neighbouring texels along the source's contiguous axis:
// texel columns for row-major sources, texture rows (rows_first = 1) for column-major
// ones. Each lane's loads are scalar either way, but neighbours then share cache lines
// (2-3x faster for transposed 4096×512 sources on llvmpipe).
@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let x = select(gid.x, gid.y, p.rows_first != 0u);
  let y = select(gid.y, gid.x, p.rows_first != 0u);
  if (x >= p.width || y >= p.height) { return; }
  var v = vec4<f32>();
  if (y < p.rows) {
    let base = p.off + y * p.rs;
    let c0 = 4u * x;
    if (c0 + 3u < p.cols) {
      v = vec4<f32>(X[base + c0 * p.cs], X[base + (c0 + 1u) * p.cs],
                    X[base + (c0 + 2u) * p.cs], X[base + (c0 + 3u) * p.cs]);
    } else {
      for (var c = 0u; c < 4u; c++) {
        if (c0 + c < p.cols) { v[c] = X[base + (c0 + c) * p.cs]; }
      }
    }
  }
  textureStore(T, vec2<u32>(x, y), v);
}
