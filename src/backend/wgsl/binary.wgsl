// Elementwise over [ne0, ne1]: dst = a + b (op 0), silu(a) * b (op 1, SwiGLU) or the exact GELU
// a Phi(a) (op 2; b unused), erf by Abramowitz & Stegun 7.1.26 as the CPU's vmath.c.
// Roles: $a (0), $b (1), $d (2) f32. u: 0 ne0, 1 ne1, 2 a column stride, 3 b column stride,
// 4 dst column stride, 5 op.
fn gelu(x: f32) -> f32 {
  let z = abs(x) * 0.70710678118654752;
  let t = 1.0 / (1.0 + 0.3275911 * z);
  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  let e = 1.0 - poly * exp(-z * z);
  return 0.5 * x * (1.0 + select(e, -e, x < 0.0));
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let gid = wg_index(wid, nwg) * 256u + lid;
  let i = gid % pu(0u);
  let t = gid / pu(0u);
  if (t >= pu(1u)) { return; }
  let a = $a[off(0u) + t * pu(2u) + i];
  let b = $b[off(1u) + t * pu(3u) + i];
  let op = pu(5u);
  var y = a + b;
  if (op == 1u) { y = a / (1.0 + exp(-a)) * b; }
  if (op == 2u) { y = gelu(a); }
  $d[off(2u) + t * pu(4u) + i] = y;
}
