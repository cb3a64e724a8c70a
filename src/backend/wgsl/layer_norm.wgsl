// dst = (x - mean) / sqrt(var + eps) * w + b per column (biased variance, as torch LayerNorm);
// one workgroup per column, two passes (mean, then squared deviations). dst may alias x.
// Roles: $x (0), $d (1) f32; NW (2) weight, NB (3) bias, bytes.
// u: 0 n, 1 n_cols, 2 x column stride, 3 dst column stride, 4 eps (f32).
@group(0) @binding(1) var<storage, read> NW: array<u32>;
@group(0) @binding(2) var<storage, read> NB: array<u32>;

var<workgroup> red: array<f32, 64>;

// Sum of v over the workgroup (every thread gets it).
fn wg_sum(v: f32, lid: u32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var h = 32u; h > 0u; h >>= 1u) {
    if (lid < h) { red[lid] += red[lid + h]; }
    workgroupBarrier();
  }
  let s = red[0];
  workgroupBarrier();
  return s;
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let t = wg_index(wid, nwg);
  if (t >= pu(1u)) { return; }
  let n = pu(0u);
  let xo = off(0u) + t * pu(2u);
  var s = 0.0;
  for (var i = lid; i < n; i += 64u) { s += $x[xo + i]; }
  let mean = wg_sum(s, lid) / f32(n);
  var q = 0.0;
  for (var i = lid; i < n; i += 64u) { let d = $x[xo + i] - mean; q += d * d; }
  let scale = 1.0 / sqrt(wg_sum(q, lid) / f32(n) + pf(4u));
  let wo = off(2u) >> 2u;
  let bo = off(3u) >> 2u;
  let dout = off(1u) + t * pu(3u);
  for (var i = lid; i < n; i += 64u) {
    $d[dout + i] = ($x[xo + i] - mean) * scale * bitcast<f32>(NW[wo + i]) + bitcast<f32>(NB[bo + i]);
  }
}
