// dst[r, t] = sum_k w[k, r] x[k, t] (+ bias[r]) for a few tokens (decode, small batches): LANES
// invocations per weight row (one subgroup where the device has them), 256 / LANES rows and up to
// 4 tokens per workgroup. A row's lanes walk its groups of 4 weights (8 per 32-weight sub-block)
// side by side, so one step of the lanes reads consecutive weight bytes and consecutive
// activations (coalesced); each lane dequantizes its group into registers once and uses it for
// every token; one lanes_sum per row finishes the dot products.
// One dispatch may compute up to 3 matmuls of the same x (parts: q, k and v; gate and up), their
// weights in the W binding and outputs in $d at their own offsets; each workgroup's rows belong
// to one part.
// Roles: $x (0), $d (1) f32; W (2) weights, BIAS (3) bias, bytes.
// u: 0 k, 1 rows (of part 0), 2 n_tok, 3 row bytes, 4 x column stride, 5 dst column stride,
//    6 has bias, 7 first row (of a split weight), 8 offset of the activations' block sums in $x
//    (types with a block minimum: quant_act mode 5 writes them after the activations), 9-10 rows
//    of parts 1-2, 11-13 weight byte offsets, 14-16 dst element offsets and 17-19 bias byte
//    offsets of parts 0-2 (from off(2u), off(1u) and off(3u)), 20-21 dst column strides of parts
//    1-2.
@group(0) @binding(1) var<storage, read> W: array<u32>;
@group(0) @binding(2) var<storage, read> BIAS: array<u32>;

// 4 activations from a, those at e + j >= n (past a partial sub-block) zero.
fn x4(a: u32, e: u32, n: u32) -> vec4<f32> {
  let v = vec4<f32>($x[a], $x[a + 1u], $x[a + 2u], $x[a + 3u]);
  if (e + 4u <= n) { return v; }
  return select(vec4<f32>(0.0), v, vec4<u32>(e, e + 1u, e + 2u, e + 3u) < vec4<u32>(n));
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let k = pu(0u);
  let n_tok = pu(2u);
  let per_wg = 256u / LANES;
  let g0 = (pu(1u) + per_wg - 1u) / per_wg;
  let g1 = (pu(9u) + per_wg - 1u) / per_wg;
  let n_rg = g0 + g1 + (pu(10u) + per_wg - 1u) / per_wg;
  let g = wg_index(wid, nwg);
  let t0 = (g / n_rg) * 4u;
  if (t0 >= n_tok) { return; }
  let nt = min(4u, n_tok - t0);
  var rg = g % n_rg;
  var part = 0u;
  if (rg >= g0) {
    rg -= g0;
    part = 1u;
    if (rg >= g1) {
      rg -= g1;
      part = 2u;
    }
  }
  let rows = select(pu(8u + part), pu(1u), part == 0u);
  let row = rg * per_wg + lid / LANES;
  let lane = lid % LANES;
  let rb = off(2u) + pu(11u + part) + min(row, rows - 1u) * pu(3u);
  let xs = pu(4u);
  let xo = off(0u) + t0 * xs;
  let nsb = (k + 31u) / 32u;
  let my_nsb = select(0u, nsb, row < rows);
  var acc = vec4<f32>(0.0);
  for (var gi = lane; gi < 8u * my_nsb; gi += LANES) {
    let sb = gi / 8u;
    let i = gi % 8u;
    let n = min(32u, k - sb * 32u);
    let e = 4u * i;
    let xb = xo + sb * 32u + e;
    let w = select(vec4<f32>(0.0), deq4(rb, sb, i), vec4<u32>(e, e + 1u, e + 2u, e + 3u) < vec4<u32>(n));
    acc.x += dot(w, x4(xb, e, n));
    if (nt > 1u) { acc.y += dot(w, x4(xb + xs, e, n)); }
    if (nt > 2u) { acc.z += dot(w, x4(xb + 2u * xs, e, n)); }
    if (nt > 3u) { acc.w += dot(w, x4(xb + 3u * xs, e, n)); }
    if (HAS_MIN && i == 0u) {
      let ms = off(0u) + pu(8u) + t0 * nsb + sb;
      let mn = block_min(rb, sb);
      acc.x += mn * $x[ms];
      if (nt > 1u) { acc.y += mn * $x[ms + nsb]; }
      if (nt > 2u) { acc.z += mn * $x[ms + 2u * nsb]; }
      if (nt > 3u) { acc.w += mn * $x[ms + 3u * nsb]; }
    }
  }
  let y = lanes_sum(acc, lid);
  if (row < rows && lane < nt) {
    let r = pu(7u) + row;
    var v = y[lane];
    if (pu(6u) != 0u) { v += bitcast<f32>(BIAS[((off(3u) + pu(17u + part)) >> 2u) + r]); }
    let ds = select(pu(19u + part), pu(5u), part == 0u);
    $d[off(1u) + pu(14u + part) + (t0 + lane) * ds + r] = v;
  }
}
