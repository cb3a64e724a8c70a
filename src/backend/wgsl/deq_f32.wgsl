const HAS_MIN: bool = false;
fn block_min(rb: u32, sb: u32) -> f32 { return 0.0; }
fn deq4(rb: u32, sb: u32, i: u32) -> vec4<f32> {
  let a = (rb >> 2u) + sb * 32u + 4u * i;
  return bitcast<vec4<f32>>(vec4<u32>(W[a], W[a + 1u], W[a + 2u], W[a + 3u]));
}
