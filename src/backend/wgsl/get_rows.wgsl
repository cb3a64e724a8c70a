// dst[:, t] = row TOK[t] of the table W as f32. One workgroup per token.
// Roles: $d (0) f32; W (1) table, TOK (2) token ids, bytes.
// u: 0 ne0, 1 row bytes, 2 n_tok, 3 dst column stride, 4 first table row in the binding.
@group(0) @binding(1) var<storage, read> W: array<u32>;
@group(0) @binding(2) var<storage, read> TOK: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let t = wg_index(wid, nwg);
  if (t >= pu(2u)) { return; }
  let n = pu(0u);
  let tok = TOK[(off(2u) >> 2u) + t];
  let rb = off(1u) + (tok - pu(4u)) * pu(1u);
  let o = off(0u) + t * pu(3u);
  // Each invocation: groups of 4 weights (8 per sub-block) of consecutive sub-blocks.
  for (var gi = lid; gi < (n + 3u) / 4u; gi += 64u) {
    let sb = gi / 8u;
    let e = 4u * gi;
    let w = deq4(rb, sb, gi % 8u) + block_min(rb, sb);
    for (var j = 0u; j < 4u; j++) {
      if (e + j < n) { $d[o + e + j] = w[j]; }
    }
  }
}
