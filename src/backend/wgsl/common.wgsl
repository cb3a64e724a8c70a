// Prepended to every kernel. Parameters come in one uniform block: o holds each tensor's offset
// inside its binding (f32 tensors: elements; u32-read weights and tables: bytes) in the order
// the kernel lists its roles; u holds the kernel's own scalars (f32 ones bit-cast).
struct Params {
  o: array<vec4<u32>, 2>,
  u: array<vec4<u32>, 6>,
}
@group(0) @binding(0) var<uniform> p: Params;

fn off(i: u32) -> u32 { return p.o[i / 4u][i % 4u]; }
fn pu(i: u32) -> u32 { return p.u[i / 4u][i % 4u]; }
fn pf(i: u32) -> f32 { return bitcast<f32>(pu(i)); }
// Workgroup index on a grid folded into 2-D (x at most 65535 workgroups).
fn wg_index(wid: vec3<u32>, nwg: vec3<u32>) -> u32 { return wid.y * nwg.x + wid.x; }

// a * b exactly, as (product, error) (Dekker 1971, Veltkamp's split).
fn two_prod(a: f32, b: f32) -> vec2<f32> {
  let p = a * b;
  let ca = 4097.0 * a;
  let ah = ca - (ca - a);
  let al = a - ah;
  let cb = 4097.0 * b;
  let bh = cb - (cb - b);
  let bl = b - bh;
  return vec2<f32>(p, ((ah * bh - p) + ah * bl + al * bh) + al * bl);
}

// a / b correctly rounded (WGSL's division may be off by 2.5 ulp; one exact-residual step fixes
// it), so scales match the CPU's and no value lands on the other side of a rounding tie.
fn div_rn(a: f32, b: f32) -> f32 {
  let q = a / b;
  let p = two_prod(q, b);
  return q + ((a - p.x) - p.y) / b;
}
// Kernels that may run two parts in one dispatch (rope of q and k, kv_store of k and v): a part
// has its own scalars (u[12 p + i], i < 8) and its tensors' element offsets within their
// bindings (off(role) + u[8 + 12 p + role]); workgroups below u[10] are part 0's.
fn wg_part(g: u32) -> u32 { return select(0u, 1u, g >= pu(10u)); }
fn part_u(part: u32, i: u32) -> u32 { return pu(12u * part + i); }
fn part_off(part: u32, role: u32) -> u32 { return off(role) + pu(8u + 12u * part + role); }
