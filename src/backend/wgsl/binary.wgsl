// Elementwise over [ne0, ne1]: dst = a + b (op 0) or silu(a) * b (op 1, SwiGLU).
// Roles: $a (0), $b (1), $d (2) f32. u: 0 ne0, 1 ne1, 2 a column stride, 3 b column stride,
// 4 dst column stride, 5 op.
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let gid = wg_index(wid, nwg) * 256u + lid;
  let i = gid % pu(0u);
  let t = gid / pu(0u);
  if (t >= pu(1u)) { return; }
  let a = $a[off(0u) + t * pu(2u) + i];
  let b = $b[off(1u) + t * pu(3u) + i];
  $d[off(2u) + t * pu(4u) + i] = select(a + b, a / (1.0 + exp(-a)) * b, pu(5u) == 1u);
}
