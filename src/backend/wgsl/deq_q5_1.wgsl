// fp16 d, fp16 m, u32 qh, u8 qs[16]: q * d + m, bits as Q5_0; m apart, as Q4_1.
const HAS_MIN: bool = true;
fn block_min(rb: u32, sb: u32) -> f32 { return h16(rb + sb * 24u + 2u); }
fn deq4(rb: u32, sb: u32, i: u32) -> vec4<f32> {
  let a = rb + sb * 24u;
  let lo = field4(w32(a + 8u + 4u * (i % 4u)), (i / 4u) * 4u, 4u);
  return (lo + 16.0 * bit4(w32(a + 4u), 4u * i)) * h16(a);
}
