const HAS_MIN: bool = false;
fn block_min(rb: u32, sb: u32) -> f32 { return 0.0; }
// fp16 d, u8 qs[16]: element j < 16 is the low nibble of qs[j], j + 16 the high one; (q - 8) * d.
fn deq4(rb: u32, sb: u32, i: u32) -> vec4<f32> {
  let a = rb + sb * 18u;
  return (field4(w32(a + 2u + 4u * (i % 4u)), (i / 4u) * 4u, 4u) - 8.0) * h16(a);
}
