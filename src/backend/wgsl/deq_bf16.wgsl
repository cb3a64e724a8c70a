const HAS_MIN: bool = false;
fn block_min(rb: u32, sb: u32) -> f32 { return 0.0; }
fn deq32(rb: u32, sb: u32, n: u32) {
  let a = rb + sb * 64u;
  for (var e = 0u; e < 32u; e++) {
    let b = a + 2u * e;
    if (e < n) { wv[e] = bitcast<f32>(((W[b >> 2u] >> ((b & 2u) * 8u)) & 0xffffu) << 16u); }
  }
}
