// Rotates pairs of x [head_dim, n_heads, n_tok] in place by the host's cos/sin table TAB
// [2, n_dims / 2, n_tok] (computed as the CPU backend does, so angles match to the bit).
// Roles: $x (0) f32; TAB (1), bytes. u: 0 half, 1 is_neox, 2 n_heads, 3 n_tok, 4 head stride,
// 5 token stride.
@group(0) @binding(1) var<storage, read> TAB: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let half = pu(0u);
  let gid = wg_index(wid, nwg) * 64u + lid;
  let i = gid % half;
  let h = (gid / half) % pu(2u);
  let t = gid / (half * pu(2u));
  if (t >= pu(3u)) { return; }
  let tab = (off(1u) >> 2u) + (t * half + i) * 2u;
  let c = bitcast<f32>(TAB[tab]);
  let s = bitcast<f32>(TAB[tab + 1u]);
  let base = off(0u) + h * pu(4u) + t * pu(5u);
  let a = base + select(2u * i, i, pu(1u) != 0u);
  let b = base + select(2u * i + 1u, i + half, pu(1u) != 0u);
  let x0 = $x[a];
  let x1 = $x[b];
  $x[a] = x0 * c - x1 * s;
  $x[b] = x0 * s + x1 * c;
}
