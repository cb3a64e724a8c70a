const HAS_MIN: bool = false;
fn block_min(rb: u32, sb: u32) -> f32 { return 0.0; }
// fp16 d, i8 qs[32]: q * d.
fn deq4(rb: u32, sb: u32, i: u32) -> vec4<f32> {
  let a = rb + sb * 34u;
  let q = w32(a + 2u + 4u * i);
  return vec4<f32>(i8v(q & 0xffu), i8v((q >> 8u) & 0xffu), i8v((q >> 16u) & 0xffu), i8v(q >> 24u)) *
         h16(a);
}
