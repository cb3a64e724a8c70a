// dst = x / sqrt(mean(x^2) + eps) * w, one workgroup per column. The scale is computed in
// double-f32 (pairs hi + lo, error-free sums and products by fma) and rounded once, so it is the
// f32 the CPU gets from its double arithmetic: activations downstream then round to 8 bits at the
// same points (quant_act.wgsl), even on the exact ties that quantized embeddings produce.
// Products are split by Dekker's method, not fma: SwiftShader's fma is not always fused.
// Roles: $x (0), $d (1) f32; NW (2) weight, bytes.
// u: 0 n, 1 n_cols, 2 x column stride, 3 dst column stride, 4 eps (f32).
@group(0) @binding(1) var<storage, read> NW: array<u32>;

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

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let t = wg_index(wid, nwg);
  if (t >= pu(1u)) { return; }
  let n = pu(0u);
  let xo = off(0u) + t * pu(2u);
  var s = vec2<f32>(0.0);
  for (var i = lid; i < n; i += 64u) {
    let v = $x[xo + i];
    s = dd_add(s, two_prod(v, v));
  }
  red_hi[lid] = s.x;
  red_lo[lid] = s.y;
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
  let y = dd_add(vec2<f32>(q, q2), vec2<f32>(pf(4u), 0.0));
  // One Newton step on r = 1 / sqrt(y), with the residual 1 - y r^2 computed exactly enough.
  let r0 = 1.0 / sqrt(y.x);
  let u = two_prod(r0, r0);
  let w = two_prod(y.x, u.x);
  let e = (1.0 - w.x) - (w.y + y.x * u.y + y.y * u.x);
  let scale = r0 + r0 * 0.5 * e;
  let wo = off(2u) >> 2u;
  let dout = off(1u) + t * pu(3u);
  for (var i = lid; i < n; i += 64u) { $d[dout + i] = $x[xo + i] * scale * bitcast<f32>(NW[wo + i]); }
}
