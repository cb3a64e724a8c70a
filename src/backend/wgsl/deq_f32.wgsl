const HAS_MIN: bool = false;
fn block_min(rb: u32, sb: u32) -> f32 { return 0.0; }
fn deq32(rb: u32, sb: u32, n: u32) {
  let a = (rb >> 2u) + sb * 32u;
  for (var e = 0u; e < 32u; e++) {
    if (e < n) { wv[e] = bitcast<f32>(W[a + e]); }
  }
}
