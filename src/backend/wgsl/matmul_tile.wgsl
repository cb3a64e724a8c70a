// dst[r, t] = sum_k w[k, r] x[k, t] (+ bias[r]) for many tokens (prompts): 64 rows x 64 tokens
// per workgroup of 256 invocations, each computing 4 rows x 4 tokens in registers. k advances by
// one 32-weight sub-block: the workgroup dequantizes its 64 x 32 weights and copies its 64 x 32
// activations into workgroup memory, then each invocation does 32 x 16 multiply-adds from there.
// Roles, u: as matmul_vec.wgsl.
@group(0) @binding(1) var<storage, read> W: array<u32>;
@group(0) @binding(2) var<storage, read> BIAS: array<u32>;

var<workgroup> ws: array<vec4<f32>, 512>; // [k 32][rows / 4 16], 4 rows a vector
var<workgroup> xsh: array<vec4<f32>, 512>; // [k 32][tokens / 4 16], 4 tokens a vector
var<workgroup> wmin: array<vec4<f32>, 16>; // block minimum of each row (HAS_MIN)
var<workgroup> xsum: array<vec4<f32>, 16>; // block sum of each token (HAS_MIN)

fn store(row: u32, t: u32, n_tok: u32, v: vec4<f32>) {
  if (row >= pu(1u)) { return; }
  let r = pu(7u) + row;
  var b = 0.0;
  if (pu(6u) != 0u) { b = bitcast<f32>(BIAS[(off(3u) >> 2u) + r]); }
  let o = off(1u) + t * pu(5u) + r;
  for (var j = 0u; j < 4u; j++) {
    if (t + j < n_tok) { $d[o + j * pu(5u)] = v[j] + b; }
  }
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let k = pu(0u);
  let rows = pu(1u);
  let n_tok = pu(2u);
  let n_rt = (rows + 63u) / 64u;
  let g = wg_index(wid, nwg);
  let r0 = (g % n_rt) * 64u;
  let t0 = (g / n_rt) * 64u;
  if (t0 >= n_tok) { return; }
  let xs = pu(4u);
  let nsb = (k + 31u) / 32u;
  let tr = lid % 16u;
  let tt = lid / 16u;
  var a0 = vec4<f32>(0.0);
  var a1 = vec4<f32>(0.0);
  var a2 = vec4<f32>(0.0);
  var a3 = vec4<f32>(0.0);
  for (var sb = 0u; sb < nsb; sb++) {
    let n = min(32u, k - sb * 32u);
    // Weights: 64 rows x 8 groups of 4, two per invocation; row-major reads of each row's block.
    for (var q = 0u; q < 2u; q++) {
      let item = lid + 256u * q;
      let rl = item / 8u;
      let i = item % 8u;
      let row = r0 + rl;
      var w = vec4<f32>(0.0);
      if (row < rows) {
        let e = 4u * i;
        w = select(vec4<f32>(0.0), deq4(off(2u) + row * pu(3u), sb, i),
                   vec4<u32>(e, e + 1u, e + 2u, e + 3u) < vec4<u32>(n));
      }
      for (var c = 0u; c < 4u; c++) { ws[(4u * i + c) * 16u + rl / 4u][rl % 4u] = w[c]; }
    }
    // Activations: 64 tokens x 32, eight per invocation, consecutive k in consecutive lanes.
    for (var q = 0u; q < 8u; q++) {
      let item = lid + 256u * q;
      let tl = item / 32u;
      let kk = item % 32u;
      var v = 0.0;
      if (t0 + tl < n_tok && kk < n) { v = $x[off(0u) + (t0 + tl) * xs + sb * 32u + kk]; }
      xsh[kk * 16u + tl / 4u][tl % 4u] = v;
    }
    if (HAS_MIN) {
      if (lid < 64u) {
        wmin[lid / 4u][lid % 4u] = block_min(off(2u) + min(r0 + lid, rows - 1u) * pu(3u), sb);
      } else if (lid < 128u) {
        let tl = lid - 64u;
        var v = 0.0;
        if (t0 + tl < n_tok) { v = $x[off(0u) + pu(8u) + (t0 + tl) * nsb + sb]; }
        xsum[tl / 4u][tl % 4u] = v;
      }
    }
    workgroupBarrier();
    // Each sub-block's sums start from zero (as the CPU's block dot products), then accumulate.
    var b0 = vec4<f32>(0.0);
    var b1 = vec4<f32>(0.0);
    var b2 = vec4<f32>(0.0);
    var b3 = vec4<f32>(0.0);
    for (var kk = 0u; kk < 32u; kk++) {
      let w = ws[kk * 16u + tr];
      let x = xsh[kk * 16u + tt];
      b0 += w.x * x;
      b1 += w.y * x;
      b2 += w.z * x;
      b3 += w.w * x;
    }
    if (HAS_MIN) {
      let m = wmin[tr];
      let x = xsum[tt];
      b0 += m.x * x;
      b1 += m.y * x;
      b2 += m.z * x;
      b3 += m.w * x;
    }
    a0 += b0;
    a1 += b1;
    a2 += b2;
    a3 += b3;
    workgroupBarrier();
  }
  let row = r0 + 4u * tr;
  let t = t0 + 4u * tt;
  store(row, t, n_tok, a0);
  store(row + 1u, t, n_tok, a1);
  store(row + 2u, t, n_tok, a2);
  store(row + 3u, t, n_tok, a3);
}
