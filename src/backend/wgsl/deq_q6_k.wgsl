const HAS_MIN: bool = false;
fn block_min(rb: u32, sb: u32) -> f32 { return 0.0; }
// u8 ql[128], u8 qh[64], i8 scales[16], fp16 d. Sub-block s: half h = s / 4, quarter r = s % 4;
// element l: nibble r / 2 of ql[64 h + 32 (r % 2) + l], bits 2r of qh[32 h + l] above it; minus 32,
// times d * scales[8 h + 2 r + l / 16].
fn deq32(rb: u32, sb: u32, n: u32) {
  let a = rb + (sb / 8u) * 210u;
  let s = sb % 8u;
  let h = s / 4u;
  let r = s % 4u;
  let d = h16(a + 208u);
  let d0 = d * i8v(b8(a + 192u + 8u * h + 2u * r));
  let d1 = d * i8v(b8(a + 192u + 8u * h + 2u * r + 1u));
  let lsh = (r / 2u) * 4u;
  for (var i = 0u; i < 8u; i++) {
    let ql = w32(a + 64u * h + 32u * (r % 2u) + 4u * i);
    let qh = w32(a + 128u + 32u * h + 4u * i);
    let dd = select(d1, d0, i < 4u);
    for (var j = 0u; j < 4u; j++) {
      let lo = (ql >> (8u * j + lsh)) & 0xfu;
      let hi = ((qh >> (8u * j + 2u * r)) & 3u) << 4u;
      wv[4u * i + j] = (f32(lo | hi) - 32.0) * dd;
    }
  }
}
