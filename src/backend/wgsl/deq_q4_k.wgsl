const HAS_MIN: bool = false;
fn block_min(rb: u32, sb: u32) -> f32 { return 0.0; }
// fp16 d, fp16 dmin, u8 scales[12], u8 qs[128]: sub-block s uses nibble s % 2 of qs[32 (s / 2) + l];
// d * scale * q - dmin * min.
fn deq4(rb: u32, sb: u32, i: u32) -> vec4<f32> {
  let a = rb + (sb / 8u) * 144u;
  let s = sb % 8u;
  let sm = scale_min_k4(a + 4u, s);
  let q = field4(W[(a + 16u + (s / 2u) * 32u + 4u * i) >> 2u], (s % 2u) * 4u, 4u);
  return q * (h16(a) * sm.x) - h16(a + 2u) * sm.y;
}
