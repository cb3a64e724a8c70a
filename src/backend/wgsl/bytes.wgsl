// Byte access to a weight binding W (array<u32>). Each type's deq4(rb, sb, i) returns weights
// 4i .. 4i + 3 (i < 8) of 32-weight sub-block sb of the row at byte rb, as a vec4 (registers
// only: no private arrays, whose dynamic indexing puts them in local memory on GPUs). Block
// layouts are llama.cpp's (src/tensor/<type>.c).
fn b8(a: u32) -> u32 { return (W[a >> 2u] >> ((a & 3u) * 8u)) & 0xffu; }
// The four bytes at a (any alignment), little-endian.
fn w32(a: u32) -> u32 {
  let s = (a & 3u) * 8u;
  let lo = W[a >> 2u];
  if (s == 0u) { return lo; }
  return (lo >> s) | (W[(a >> 2u) + 1u] << (32u - s));
}
// fp16 bits h as f32. Subnormal halves are decoded by hand: unpack2x16float may flush them to
// zero (SwiftShader does), and tiny scales occur in real weights.
fn half_bits(h: u32) -> f32 {
  if ((h & 0x7c00u) == 0u) {
    return select(1.0, -1.0, (h & 0x8000u) != 0u) * f32(h & 0x3ffu) * 5.9604644775390625e-08;
  }
  return unpack2x16float(h).x;
}
// The fp16 at even byte address a.
fn h16(a: u32) -> f32 { return half_bits((W[a >> 2u] >> ((a & 2u) * 8u)) & 0xffffu); }
fn i8v(b: u32) -> f32 { return f32((i32(b) << 24u) >> 24u); }
// Four fields of `bits` bits of q, at bit sh of each byte.
fn field4(q: u32, sh: u32, bits: u32) -> vec4<f32> {
  let m = (1u << bits) - 1u;
  return vec4<f32>(f32((q >> sh) & m), f32((q >> (sh + 8u)) & m), f32((q >> (sh + 16u)) & m),
                   f32((q >> (sh + 24u)) & m));
}
// Bits sh .. sh + 3 of q.
fn bit4(q: u32, sh: u32) -> vec4<f32> {
  return vec4<f32>(f32((q >> sh) & 1u), f32((q >> (sh + 1u)) & 1u), f32((q >> (sh + 2u)) & 1u),
                   f32((q >> (sh + 3u)) & 1u));
}
// 6-bit scale and min of sub-block s (0..7) from the 12 packed bytes at a (Q4_K, Q5_K;
// llama.cpp get_scale_min_k4).
fn scale_min_k4(a: u32, s: u32) -> vec2<f32> {
  if (s < 4u) { return vec2<f32>(f32(b8(a + s) & 63u), f32(b8(a + s + 4u) & 63u)); }
  let sc = (b8(a + s + 4u) & 0xfu) | ((b8(a + s - 4u) >> 6u) << 4u);
  let m = (b8(a + s + 4u) >> 4u) | ((b8(a + s) >> 6u) << 4u);
  return vec2<f32>(f32(sc), f32(m));
}
