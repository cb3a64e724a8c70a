// cols[c * k + j, t] = x[c, t * stride + j - pad] (0 outside x): conv1d's receptive fields as
// columns, so the weight [k * c_in, c_out] multiplies them in one matmul.
// Roles: $x (0), $c (1) f32. u: 0 k, 1 c_in, 2 t_out, 3 t_in, 4 stride, 5 pad, 6 x column
// stride, 7 cols column stride.
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let k = pu(0u);
  let rows = k * pu(1u);
  let gid = wg_index(wid, nwg) * 256u + lid;
  let r = gid % rows;
  let t = gid / rows;
  if (t >= pu(2u)) { return; }
  let c = r / k;
  let j = r % k;
  let src = i32(t * pu(4u) + j) - i32(pu(5u));
  var v = 0.0;
  if (src >= 0 && src < i32(pu(3u))) { v = $x[off(0u) + u32(src) * pu(6u) + c]; }
  $c[off(1u) + t * pu(7u) + r] = v;
}
