// 6-bit scale and min of sub-block s (0..7) from the 12 packed bytes at a (Q4_K, Q5_K;
// llama.cpp get_scale_min_k4).
fn scale_min_k4(a: u32, s: u32) -> vec2<f32> {
  if (s < 4u) { return vec2<f32>(f32(b8(a + s) & 63u), f32(b8(a + s + 4u) & 63u)); }
  let sc = (b8(a + s + 4u) & 0xfu) | ((b8(a + s - 4u) >> 6u) << 4u);
  let m = (b8(a + s + 4u) >> 4u) | ((b8(a + s) >> 6u) << 4u);
  return vec2<f32>(f32(sc), f32(m));
}
