// dst = x / sqrt(mean(x^2) + eps) * w, one workgroup per column; the scale as rms.wgsl computes it.
// Roles: $x (0), $d (1) f32; NW (2) weight, bytes.
// u: 0 n, 1 n_cols, 2 x column stride, 3 dst column stride, 4 eps (f32).
@group(0) @binding(1) var<storage, read> NW: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let t = wg_index(wid, nwg);
  if (t >= pu(1u)) { return; }
  let n = pu(0u);
  let xo = off(0u) + t * pu(2u);
  var s = vec2<f32>(0.0);
  for (var i = lid; i < n; i += 64u) { s = rms_sq(s, $x[xo + i]); }
  let scale = rms_scale(s, lid, n, pf(4u));
  let wo = off(2u) >> 2u;
  let dout = off(1u) + t * pu(3u);
  for (var i = lid; i < n; i += 64u) { $d[dout + i] = $x[xo + i] * scale * bitcast<f32>(NW[wo + i]); }
}
