// Rounds activations x [k, n_tok] the way the CPU backend does before its dot products, so both
// backends compute the same sums (llama.cpp's GPU backends quantize activations alike): to the
// weight type's vec_dot_type, written back as f32 values into y.
// mode 1: Q8_0 (blocks of 32: d = amax / 127, q = round half away from zero, d kept as fp16);
// 5: Q8_1, the same plus each block's s = fp16(d * sum q) at y[u5 + t * k / 32 + block]; 2: Q8_K (blocks of 256: scale -127 / the signed value of largest magnitude, round half
// to even, q <= 127); 3: F16; 4: BF16 (round to nearest even).
// Fused into it (one dispatch less each): with u6 = 1 it first replaces x by silu(x) * up (the
// SwiGLU of binary.wgsl); with u8 = 1 it rounds d = rms_norm(x) * NW and writes d (rms_norm.wgsl).
// Roles: $x (0), $y (1), $u (2), $d (3) f32; NW (4) norm weight, bytes. u: 0 k, 1 n_tok, 2 x column
// stride, 3 y column stride, 4 mode, 5 offset of the block sums (mode 5), 6 SwiGLU, 7 up column
// stride, 8 RMSNorm, 9 its eps (f32), 10 d column stride.
@group(0) @binding(1) var<storage, read> NW: array<u32>;

var<workgroup> amx: array<f32, 256>;
var<workgroup> sgn: array<f32, 256>;

// f32 rounded to nearest even at `drop` low mantissa bits (exact for normal results).
fn round_bits(v: f32, drop: u32) -> f32 {
  let u = bitcast<u32>(v);
  let half = (1u << (drop - 1u)) - 1u + ((u >> drop) & 1u);
  return bitcast<f32>((u + half) & ~((1u << drop) - 1u));
}

// v rounded to fp16 precision (nearest even), subnormal halves (below 2^-14, unit 2^-24)
// included.
fn round_f16(v: f32) -> f32 {
  if (abs(v) < 6.103515625e-05) { return round(v * 16777216.0) / 16777216.0; }
  return round_bits(v, 13u);
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let k = pu(0u);
  let nb = (k + 255u) / 256u;
  let g = wg_index(wid, nwg);
  let t = g / nb;
  if (t >= pu(1u)) { return; }
  let i = (g % nb) * 256u + lid;
  let inb = i < k;
  let xo = off(0u) + t * pu(2u);
  var scale = 0.0;
  if (pu(8u) != 0u) { // RMSNorm first (rms_norm.wgsl): each workgroup finds its column's scale
    var s = vec2<f32>(0.0);
    if (lid < 64u) {
      for (var j = lid; j < k; j += 64u) { s = rms_sq(s, $x[xo + j]); }
    }
    scale = rms_scale(s, lid, k, pf(9u));
  }
  var v = 0.0;
  if (inb) {
    v = $x[xo + i];
    if (pu(6u) != 0u) { // SwiGLU first (binary.wgsl op 1): x = silu(x) * up, kept in x
      v = v / (1.0 + exp(-v)) * $u[off(2u) + t * pu(7u) + i];
      $x[xo + i] = v;
    }
    if (pu(8u) != 0u) { // the norm's output, kept in d
      v = v * scale * bitcast<f32>(NW[(off(4u) >> 2u) + i]);
      $d[off(3u) + t * pu(10u) + i] = v;
    }
  }
  let yo = off(1u) + t * pu(3u) + i;
  let mode = pu(4u);
  if (mode == 3u || mode == 4u) {
    if (inb) { $y[yo] = select(round_bits(v, 16u), round_f16(v), mode == 3u); }
    return;
  }
  amx[lid] = abs(v);
  sgn[lid] = v;
  workgroupBarrier();
  let group = select(256u, 32u, mode != 2u);
  for (var s = 1u; s < group; s <<= 1u) {
    if ((lid & (2u * s - 1u)) == 0u && amx[lid + s] > amx[lid]) {
      amx[lid] = amx[lid + s];
      sgn[lid] = sgn[lid + s];
    }
    workgroupBarrier();
  }
  let lead = lid & ~(group - 1u);
  let amax = amx[lead];
  var y = 0.0;
  if (mode != 2u) {
    let d = div_rn(amax, 127.0);
    let id = select(0.0, div_rn(1.0, d), d != 0.0);
    let q = sign(v * id) * floor(abs(v * id) + 0.5);
    y = q * round_f16(d);
    if (mode == 5u) {
      workgroupBarrier();
      amx[lid] = q;
      workgroupBarrier();
      for (var s = 1u; s < 32u; s <<= 1u) {
        if ((lid & (2u * s - 1u)) == 0u) { amx[lid] += amx[lid + s]; }
        workgroupBarrier();
      }
      if (inb && lid % 32u == 0u) { $y[off(1u) + pu(5u) + t * (k / 32u) + i / 32u] = round_f16(amx[lid] * d); }
    }
  } else if (amax != 0.0) {
    let iscale = div_rn(-127.0, sgn[lead]);
    y = min(round(iscale * v), 127.0) * div_rn(1.0, iscale);
  }
  if (inb) { $y[yo] = y; }
}
