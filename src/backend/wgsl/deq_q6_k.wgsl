const HAS_MIN: bool = false;
fn block_min(rb: u32, sb: u32) -> f32 { return 0.0; }
// u8 ql[128], u8 qh[64], i8 scales[16], fp16 d. Sub-block s: half h = s / 4, quarter r = s % 4;
// element l: nibble r / 2 of ql[64 h + 32 (r % 2) + l], bits 2r of qh[32 h + l] above it; minus 32,
// times d * scales[8 h + 2 r + l / 16]. Blocks are 210 bytes: words are read unaligned.
fn deq4(rb: u32, sb: u32, i: u32) -> vec4<f32> {
  let a = rb + (sb / 8u) * 210u;
  let s = sb % 8u;
  let h = s / 4u;
  let r = s % 4u;
  let lo = field4(w32(a + 64u * h + 32u * (r % 2u) + 4u * i), (r / 2u) * 4u, 4u);
  let hi = field4(w32(a + 128u + 32u * h + 4u * i), 2u * r, 2u);
  return (lo + 16.0 * hi - 32.0) * (h16(a + 208u) * i8v(b8(a + 192u + 8u * h + 2u * r + i / 4u)));
}
