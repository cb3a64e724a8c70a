const HAS_MIN: bool = false;
fn block_min(rb: u32, sb: u32) -> f32 { return 0.0; }
fn bf16(a: u32) -> f32 { return bitcast<f32>(((W[a >> 2u] >> ((a & 2u) * 8u)) & 0xffffu) << 16u); }
fn deq4(rb: u32, sb: u32, i: u32) -> vec4<f32> {
  let a = rb + sb * 64u + 8u * i;
  return vec4<f32>(bf16(a), bf16(a + 2u), bf16(a + 4u), bf16(a + 6u));
}
