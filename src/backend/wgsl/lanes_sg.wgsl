// lanes_sum with subgroups: a row's LANES lanes are one subgroup (LANES is the adapter's fixed
// subgroup size), so the sum across them is one subgroupAdd.
fn lanes_sum(v: vec4<f32>, lid: u32) -> vec4<f32> { return subgroupAdd(v); }
