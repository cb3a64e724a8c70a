// dst[r, t] = sum_k w[k, r] x[k, t] (+ bias[r]). One workgroup per weight row and tile of up to
// 8 tokens: each thread dequantizes whole 32-weight sub-blocks once and uses them for every token
// of the tile; a tree sum in workgroup memory finishes each dot product.
// Roles: $x (0), $d (1) f32; W (2) weights, BIAS (3) bias, bytes.
// u: 0 k, 1 rows, 2 n_tok, 3 row bytes, 4 x column stride, 5 dst column stride, 6 has bias,
//    7 first row (of a split weight), 8 offset of the activations' block sums in $x (types with a
//    block minimum: quant_act mode 5 writes them after the activations).
@group(0) @binding(1) var<storage, read> W: array<u32>;
@group(0) @binding(2) var<storage, read> BIAS: array<u32>;

const WG: u32 = 64u;
const NT: u32 = 8u;
var<workgroup> red: array<f32, 512>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let k = pu(0u);
  let rows = pu(1u);
  let n_tok = pu(2u);
  let g = wg_index(wid, nwg);
  let row = g % rows;
  let t0 = (g / rows) * NT;
  if (t0 >= n_tok) { return; }
  let nt = min(NT, n_tok - t0);
  let rb = off(2u) + row * pu(3u);
  let xs = pu(4u);
  let xo = off(0u) + t0 * xs;
  // Loops have constant bounds (guards inside) so that compilers unroll them and keep wv and
  // acc in registers: dynamically indexed private arrays live in local memory on GPUs.
  var acc: array<f32, 8>;
  let nsb = (k + 31u) / 32u;
  for (var sb = lid; sb < nsb; sb += WG) {
    let n = min(32u, k - sb * 32u);
    deq32(rb, sb, n);
    let mn = block_min(rb, sb);
    for (var j = 0u; j < NT; j++) {
      if (j < nt) {
        let xb = xo + j * xs + sb * 32u;
        var s = 0.0;
        for (var e = 0u; e < 32u; e++) {
          if (e < n) { s += wv[e] * $x[xb + e]; }
        }
        acc[j] += s;
        if (HAS_MIN) { acc[j] += mn * $x[off(0u) + pu(8u) + (t0 + j) * nsb + sb]; }
      }
    }
  }
  for (var j = 0u; j < NT; j++) {
    if (j < nt) { red[j * WG + lid] = acc[j]; }
  }
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) {
      for (var j = 0u; j < NT; j++) {
        if (j < nt) { red[j * WG + lid] += red[j * WG + lid + s]; }
      }
    }
    workgroupBarrier();
  }
  if (lid < nt) {
    var y = red[lid * WG];
    let r = pu(7u) + row;
    if (pu(6u) != 0u) { y += bitcast<f32>(BIAS[(off(3u) >> 2u) + r]); }
    $d[off(1u) + (t0 + lid) * pu(5u) + r] = y;
  }
}
