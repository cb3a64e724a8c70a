const HAS_MIN: bool = false;
fn block_min(rb: u32, sb: u32) -> f32 { return 0.0; }
// fp16 d, u32 qh, u8 qs[16]: bit j of qh is bit 4 of element j; (q - 16) * d.
fn deq32(rb: u32, sb: u32, n: u32) {
  let a = rb + sb * 22u;
  let d = h16(a);
  let qh = w32(a + 2u);
  for (var i = 0u; i < 4u; i++) {
    let q = w32(a + 6u + 4u * i);
    for (var j = 0u; j < 4u; j++) {
      let e = 4u * i + j;
      let b = (q >> (8u * j)) & 0xffu;
      wv[e] = (f32((b & 0xfu) | (((qh >> e) & 1u) << 4u)) - 16.0) * d;
      wv[e + 16u] = (f32((b >> 4u) | (((qh >> (e + 16u)) & 1u) << 4u)) - 16.0) * d;
    }
  }
}
