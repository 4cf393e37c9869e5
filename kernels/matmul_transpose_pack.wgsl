// @kernel matmul_transpose_pack
// Transposes a raw copy of a matrix into the K-major layout of matmul_texture.wgsl, for
// operands whose K axis is the slow one (op(A) of dW = dYᵀ·X, op(B) of Y = X·W):
//   R (copied rows):   texel (x, y) = X[y, 4x .. 4x+3]       (y = k, 4x = output row)
//   T (K-major):       texel (x, y) = X[4x .. 4x+3, y]       (y = output row, 4x = k)
// Each invocation turns a 4×4 block around: four texel fetches, four texel stores.
//
// Why not matmul_pack.wgsl: its per-lane storage-buffer loads cost ~3.5 ms for 512×512 on
// llvmpipe; a buffer-to-texture copy plus this texture-to-texture pass ~1.8 ms.

struct Params {
  rows4: u32, // output rows / 4 (texels across R)
  k4: u32,    // K / 4 (texels across T)
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var R: texture_2d<f32>;
@group(0) @binding(2) var T: texture_storage_2d<rgba32float, write>;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let jq = gid.x;
  let kq = gid.y;
  if (jq >= p.rows4 || kq >= p.k4) { return; }
  let r0 = textureLoad(R, vec2<u32>(jq, 4u * kq), 0);
  let r1 = textureLoad(R, vec2<u32>(jq, 4u * kq + 1u), 0);
  let r2 = textureLoad(R, vec2<u32>(jq, 4u * kq + 2u), 0);
  let r3 = textureLoad(R, vec2<u32>(jq, 4u * kq + 3u), 0);
  textureStore(T, vec2<u32>(kq, 4u * jq), vec4<f32>(r0.x, r1.x, r2.x, r3.x));
  textureStore(T, vec2<u32>(kq, 4u * jq + 1u), vec4<f32>(r0.y, r1.y, r2.y, r3.y));
  textureStore(T, vec2<u32>(kq, 4u * jq + 2u), vec4<f32>(r0.z, r1.z, r2.z, r3.z));
  textureStore(T, vec2<u32>(kq, 4u * jq + 3u), vec4<f32>(r0.w, r1.w, r2.w, r3.w));
}
