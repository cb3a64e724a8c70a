// Fused attention for one (query head, token) per workgroup: scores of 64 keys at a time in
// workgroup memory, softmax kept online (running max and sum, Milakov & Gimelshein 2018), each
// thread accumulating up to 4 of the head's output dimensions. Grouped-query: head h reads KV
// head h / (n_head / n_kv_head). Roles: $q (0), $k (1), $v (2), $d (3) f32.
// u: 0 head_dim, 1 n_head, 2 n_kv_head, 3 n_tok, 4 n_past (causal: token t sees n_past + t + 1
// keys) or the number of keys (not causal: every query sees them all), 5 causal, 6 scale (f32), 7 q head
// stride, 8 q token stride, 9 k position stride, 10 k head stride, 11 v position stride, 12 v head
// stride, 13 dst head stride, 14 dst token stride.
var<workgroup> qv: array<f32, 256>;
var<workgroup> sc: array<f32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let hd = pu(0u);
  let n_head = pu(1u);
  let g = wg_index(wid, nwg);
  let h = g % n_head;
  let t = g / n_head;
  if (t >= pu(3u)) { return; }
  let kvh = h / (n_head / pu(2u));
  let qo = off(0u) + h * pu(7u) + t * pu(8u);
  for (var i = lid; i < hd; i += 64u) { qv[i] = $q[qo + i]; }
  workgroupBarrier();
  let n_keys = select(pu(4u), pu(4u) + t + 1u, pu(5u) != 0u);
  let ko = off(1u) + kvh * pu(10u);
  let vo = off(2u) + kvh * pu(12u);
  let scale = pf(6u);
  var m = -1e30;
  var l = 0.0;
  var acc = vec4<f32>(0.0);
  for (var c = 0u; c < n_keys; c += 64u) {
    let j = c + lid;
    var s = -1e30;
    if (j < n_keys) {
      var dot = 0.0;
      let kj = ko + j * pu(9u);
      for (var i = 0u; i < hd; i++) { dot += qv[i] * $k[kj + i]; }
      s = dot * scale;
    }
    sc[lid] = s;
    workgroupBarrier();
    let n = min(64u, n_keys - c);
    var cm = m;
    for (var i = 0u; i < n; i++) { cm = max(cm, sc[i]); }
    let corr = exp(m - cm);
    l *= corr;
    acc *= corr;
    for (var i = 0u; i < n; i++) {
      let pj = exp(sc[i] - cm);
      l += pj;
      let vj = vo + (c + i) * pu(11u);
      for (var dd = 0u; dd < 4u; dd++) {
        let d = lid + 64u * dd;
        if (d < hd) { acc[dd] += pj * $v[vj + d]; }
      }
    }
    m = cm;
    workgroupBarrier();
  }
  let dout = off(3u) + h * pu(13u) + t * pu(14u);
  for (var dd = 0u; dd < 4u; dd++) {
    let d = lid + 64u * dd;
    if (d < hd) { $d[dout + d] = acc[dd] / l; }
  }
}
