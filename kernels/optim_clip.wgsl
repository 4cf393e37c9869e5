// @kernel optim_clip
// Gradient-clipping factor from a global sum of squares, on the GPU so the optimizer
// can apply it without a readback: min(1, max_norm / (sqrt(sum_sq) + 1e-6)), as
// torch.nn.utils.clip_grad_norm_ computes it.

struct Params {
  max_norm: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> sum_sq: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(1)
fn main() {
  out[0] = min(1.0, params.max_norm / (sqrt(sum_sq[0]) + 1e-6));
}
