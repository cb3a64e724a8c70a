const HAS_MIN: bool = false;
fn block_min(rb: u32, sb: u32) -> f32 { return 0.0; }
// fp16 d, i8 qs[32]: q * d.
fn deq32(rb: u32, sb: u32, n: u32) {
  let a = rb + sb * 34u;
  let d = h16(a);
  for (var i = 0u; i < 8u; i++) {
    let q = w32(a + 2u + 4u * i);
    for (var j = 0u; j < 4u; j++) { wv[4u * i + j] = i8v((q >> (8u * j)) & 0xffu) * d; }
  }
}
