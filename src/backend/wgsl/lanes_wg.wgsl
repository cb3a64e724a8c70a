// lanes_sum without subgroups: a tree over each group of LANES consecutive invocations in
// workgroup memory. Every invocation of the workgroup must call it (it has barriers).
var<workgroup> lane_red: array<vec4<f32>, 256>;

fn lanes_sum(v: vec4<f32>, lid: u32) -> vec4<f32> {
  lane_red[lid] = v;
  workgroupBarrier();
  for (var s = LANES / 2u; s > 0u; s >>= 1u) {
    if (lid % LANES < s) { lane_red[lid] += lane_red[lid + s]; }
    workgroupBarrier();
  }
  return lane_red[lid - lid % LANES];
}
