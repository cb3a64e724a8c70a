const HAS_MIN: bool = false;
fn block_min(rb: u32, sb: u32) -> f32 { return 0.0; }
// fp16 d, u8 qs[16]: element j < 16 is the low nibble of qs[j], j + 16 the high one; (q - 8) * d.
fn deq32(rb: u32, sb: u32, n: u32) {
  let a = rb + sb * 18u;
  let d = h16(a);
  for (var i = 0u; i < 4u; i++) {
    let q = w32(a + 2u + 4u * i);
    for (var j = 0u; j < 4u; j++) {
      let b = (q >> (8u * j)) & 0xffu;
      wv[4u * i + j] = (f32(b & 0xfu) - 8.0) * d;
      wv[4u * i + j + 16u] = (f32(b >> 4u) - 8.0) * d;
    }
  }
}
