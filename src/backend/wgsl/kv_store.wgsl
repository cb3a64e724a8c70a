// cache[:, pos0 + t, h] = src[:, h, t]; two parts (k and v) may share a dispatch (common.wgsl).
// Roles: $s (0), $c (1) f32. u (per part): 0 head_dim, 1 n_kv_head, 2 n_tok, 3 src head stride,
// 4 src token stride, 5 cache position stride, 6 cache head stride, 7 pos0.
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let g = wg_index(wid, nwg);
  let p = wg_part(g);
  let gid = (g - p * pu(10u)) * 64u + lid;
  let hd = part_u(p, 0u);
  let e = gid % hd;
  let h = (gid / hd) % part_u(p, 1u);
  let t = gid / (hd * part_u(p, 1u));
  if (t >= part_u(p, 2u)) { return; }
  $c[part_off(p, 1u) + (part_u(p, 7u) + t) * part_u(p, 5u) + h * part_u(p, 6u) + e] =
      $s[part_off(p, 0u) + h * part_u(p, 3u) + t * part_u(p, 4u) + e];
}
