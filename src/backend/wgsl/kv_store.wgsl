// cache[:, pos0 + t, h] = src[:, h, t]. Roles: $s (0), $c (1) f32.
// u: 0 head_dim, 1 n_kv_head, 2 n_tok, 3 src head stride, 4 src token stride, 5 cache position
// stride, 6 cache head stride, 7 pos0.
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let gid = wg_index(wid, nwg) * 64u + lid;
  let e = gid % pu(0u);
  let h = (gid / pu(0u)) % pu(1u);
  let t = gid / (pu(0u) * pu(1u));
  if (t >= pu(2u)) { return; }
  $c[off(1u) + (pu(7u) + t) * pu(5u) + h * pu(6u) + e] = $s[off(0u) + h * pu(3u) + t * pu(4u) + e];
}
