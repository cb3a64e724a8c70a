const HAS_MIN: bool = false;
fn block_min(rb: u32, sb: u32) -> f32 { return 0.0; }
// fp16 d, fp16 dmin, u8 scales[12], u8 qs[128]: sub-block s uses nibble s % 2 of qs[32 (s / 2) + l];
// d * scale * q - dmin * min.
fn deq32(rb: u32, sb: u32, n: u32) {
  let a = rb + (sb / 8u) * 144u;
  let s = sb % 8u;
  let sm = scale_min_k4(a + 4u, s);
  let d = h16(a) * sm.x;
  let m = h16(a + 2u) * sm.y;
  let sh = (s % 2u) * 4u;
  for (var i = 0u; i < 8u; i++) {
    let q = w32(a + 16u + (s / 2u) * 32u + 4u * i);
    for (var j = 0u; j < 4u; j++) { wv[4u * i + j] = f32((q >> (8u * j + sh)) & 0xfu) * d - m; }
  }
}
