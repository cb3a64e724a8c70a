// Rotates pairs of x [head_dim, n_heads, n_tok] in place by the host's cos/sin table TAB
// [2, n_dims / 2, n_tok] (computed as the CPU backend does, so angles match to the bit).
// Two parts (q and k) may share a dispatch and the table (common.wgsl).
// Roles: $x (0) f32; TAB (1), bytes. u (per part): 0 half, 1 is_neox, 2 n_heads, 3 n_tok, 4 head
// stride, 5 token stride.
@group(0) @binding(1) var<storage, read> TAB: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let g = wg_index(wid, nwg);
  let p = wg_part(g);
  let half = part_u(p, 0u);
  let gid = (g - p * pu(10u)) * 64u + lid;
  let i = gid % half;
  let h = (gid / half) % part_u(p, 2u);
  let t = gid / (half * part_u(p, 2u));
  if (t >= part_u(p, 3u)) { return; }
  let tab = (off(1u) >> 2u) + (t * half + i) * 2u;
  let c = bitcast<f32>(TAB[tab]);
  let s = bitcast<f32>(TAB[tab + 1u]);
  let base = part_off(p, 0u) + h * part_u(p, 4u) + t * part_u(p, 5u);
  let neox = part_u(p, 1u) != 0u;
  let a = base + select(2u * i, i, neox);
  let b = base + select(2u * i + 1u, i + half, neox);
  let x0 = $x[a];
  let x1 = $x[b];
  $x[a] = x0 * c - x1 * s;
  $x[b] = x0 * s + x1 * c;
}
