// fp16 d, fp16 m, u32 qh, u8 qs[16]: q * d + m, bits as Q5_0; m apart, as Q4_1.
const HAS_MIN: bool = true;
fn block_min(rb: u32, sb: u32) -> f32 { return h16(rb + sb * 24u + 2u); }
fn deq32(rb: u32, sb: u32, n: u32) {
  let a = rb + sb * 24u;
  let d = h16(a);
  let qh = w32(a + 4u);
  for (var i = 0u; i < 4u; i++) {
    let q = w32(a + 8u + 4u * i);
    for (var j = 0u; j < 4u; j++) {
      let e = 4u * i + j;
      let b = (q >> (8u * j)) & 0xffu;
      wv[e] = f32((b & 0xfu) | (((qh >> e) & 1u) << 4u)) * d;
      wv[e + 16u] = f32((b >> 4u) | (((qh >> (e + 16u)) & 1u) << 4u)) * d;
    }
  }
}
