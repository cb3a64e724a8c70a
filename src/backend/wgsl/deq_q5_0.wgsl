const HAS_MIN: bool = false;
fn block_min(rb: u32, sb: u32) -> f32 { return 0.0; }
// fp16 d, u32 qh, u8 qs[16]: bit j of qh is bit 4 of element j; (q - 16) * d.
fn deq4(rb: u32, sb: u32, i: u32) -> vec4<f32> {
  let a = rb + sb * 22u;
  let lo = field4(w32(a + 6u + 4u * (i % 4u)), (i / 4u) * 4u, 4u);
  return (lo + 16.0 * bit4(w32(a + 2u), 4u * i) - 16.0) * h16(a);
}
