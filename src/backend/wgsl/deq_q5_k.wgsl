const HAS_MIN: bool = false;
fn block_min(rb: u32, sb: u32) -> f32 { return 0.0; }
// fp16 d, fp16 dmin, u8 scales[12], u8 qh[32], u8 qs[128]: as Q4_K, plus bit s of qh[l] as 16.
fn deq4(rb: u32, sb: u32, i: u32) -> vec4<f32> {
  let a = rb + (sb / 8u) * 176u;
  let s = sb % 8u;
  let sm = scale_min_k4(a + 4u, s);
  let lo = field4(W[(a + 48u + (s / 2u) * 32u + 4u * i) >> 2u], (s % 2u) * 4u, 4u);
  let hi = field4(W[(a + 16u + 4u * i) >> 2u], s, 1u);
  return (lo + 16.0 * hi) * (h16(a) * sm.x) - h16(a + 2u) * sm.y;
}
