// fp16 d, fp16 m, u8 qs[16]: q * d + m, nibbles as Q4_0. deq4 leaves out m (block_min): the
// matmul adds m times the block's activation sum, as the CPU's Q8_1 dot product does.
const HAS_MIN: bool = true;
fn block_min(rb: u32, sb: u32) -> f32 { return h16(rb + sb * 20u + 2u); }
fn deq4(rb: u32, sb: u32, i: u32) -> vec4<f32> {
  let a = rb + sb * 20u;
  return field4(w32(a + 4u + 4u * (i % 4u)), (i / 4u) * 4u, 4u) * h16(a);
}
