const HAS_MIN: bool = false;
fn block_min(rb: u32, sb: u32) -> f32 { return 0.0; }
fn deq4(rb: u32, sb: u32, i: u32) -> vec4<f32> {
  let a = rb + sb * 64u + 8u * i;
  return vec4<f32>(h16(a), h16(a + 2u), h16(a + 4u), h16(a + 6u));
}
