// The RMSNorm scale 1 / sqrt(mean(x^2) + eps) of one column, shared by rms_norm.wgsl and
// quant_act.wgsl (which fuses a norm into its rounding): invocations 0..63 each sum the squares of
// x[i] for i = lid, lid + 64, ... (rms_sq), rms_scale adds the 64 partial sums in a fixed tree.
// Everything in double-f32 (pairs hi + lo, error-free sums, Dekker products; not fma: SwiftShader's
// fma is not always fused), rounded once, so it is the f32 the CPU gets from its double arithmetic:
// activations downstream then round to 8 bits at the same points, even on the exact ties that
// quantized embeddings produce. Every invocation of the workgroup calls rms_scale (barriers).
var<workgroup> red_hi: array<f32, 64>;
var<workgroup> red_lo: array<f32, 64>;

// (a, b) + (c, d) in double-f32 (Knuth's TwoSum on the high parts).
fn dd_add(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  let s = a.x + b.x;
  let v = s - a.x;
  let e = (a.x - (s - v)) + (b.x - v) + a.y + b.y;
  let h = s + e;
  return vec2<f32>(h, e - (h - s));
}

// The running sum of squares with one more v.
fn rms_sq(s: vec2<f32>, v: f32) -> vec2<f32> { return dd_add(s, two_prod(v, v)); }

fn rms_scale(s: vec2<f32>, lid: u32, n: u32, eps: f32) -> f32 {
  if (lid < 64u) {
    red_hi[lid] = s.x;
    red_lo[lid] = s.y;
  }
  workgroupBarrier();
  for (var h = 32u; h > 0u; h >>= 1u) {
    if (lid < h) {
      let r = dd_add(vec2<f32>(red_hi[lid], red_lo[lid]), vec2<f32>(red_hi[lid + h], red_lo[lid + h]));
      red_hi[lid] = r.x;
      red_lo[lid] = r.y;
    }
    workgroupBarrier();
  }
  // y = sum / n + eps in double-f32.
  let nf = f32(n);
  let q = red_hi[0] / nf;
  let qn = two_prod(q, nf);
  let q2 = (((red_hi[0] - qn.x) - qn.y) + red_lo[0]) / nf;
  let y = dd_add(vec2<f32>(q, q2), vec2<f32>(eps, 0.0));
  // One Newton step on r = 1 / sqrt(y), with the residual 1 - y r^2 computed exactly enough.
  let r0 = 1.0 / sqrt(y.x);
  let u = two_prod(r0, r0);
  let w = two_prod(y.x, u.x);
  let e = (1.0 - w.x) - (w.y + y.x * u.y + y.y * u.x);
  return r0 + r0 * 0.5 * e;
}
