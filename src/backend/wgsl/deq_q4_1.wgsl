// fp16 d, fp16 m, u8 qs[16]: q * d + m, nibbles as Q4_0. deq32 leaves out m (block_min): the
// matmul adds m times the block's activation sum, as the CPU's Q8_1 dot product does.
const HAS_MIN: bool = true;
fn block_min(rb: u32, sb: u32) -> f32 { return h16(rb + sb * 20u + 2u); }
fn deq32(rb: u32, sb: u32, n: u32) {
  let a = rb + sb * 20u;
  let d = h16(a);
  for (var i = 0u; i < 4u; i++) {
    let q = w32(a + 4u + 4u * i);
    for (var j = 0u; j < 4u; j++) {
      let b = (q >> (8u * j)) & 0xffu;
      wv[4u * i + j] = f32(b & 0xfu) * d;
      wv[4u * i + j + 16u] = f32(b >> 4u) * d;
    }
  }
}
