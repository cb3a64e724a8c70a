// Byte access to a weight binding W (array<u32>) and the 32 dequantized weights of one
// sub-block (deq32 fills wv). Block layouts are llama.cpp's (src/tensor/<type>.c).
var<private> wv: array<f32, 32>;

fn b8(a: u32) -> u32 { return (W[a >> 2u] >> ((a & 3u) * 8u)) & 0xffu; }
// The four bytes at a (any alignment), little-endian.
fn w32(a: u32) -> u32 {
  let s = (a & 3u) * 8u;
  let lo = W[a >> 2u];
  if (s == 0u) { return lo; }
  return (lo >> s) | (W[(a >> 2u) + 1u] << (32u - s));
}
// The fp16 at even byte address a. Subnormal halves are decoded by hand: unpack2x16float may
// flush them to zero (SwiftShader does), and tiny scales occur in real weights.
fn h16(a: u32) -> f32 {
  let h = (W[a >> 2u] >> ((a & 2u) * 8u)) & 0xffffu;
  if ((h & 0x7c00u) == 0u) {
    return select(1.0, -1.0, (h & 0x8000u) != 0u) * f32(h & 0x3ffu) * 5.9604644775390625e-08;
  }
  return unpack2x16float(h).x;
}
fn i8v(b: u32) -> f32 { return f32((i32(b) << 24u) >> 24u); }
