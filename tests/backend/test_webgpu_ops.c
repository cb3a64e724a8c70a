/* WebGPU backend ops against the CPU backend (the reference) on random data at odd sizes: every
 * op, matmul and get_rows for every weight type, attention causal and not (cross-attention: every
 * query sees every cache position) with GQA, in-place add and layer_norm, gelu, conv1d,
 * and the paths that split a weight or table across bindings (a backend with a 2 KiB binding
 * limit). Runs on SwiftShader in CI; without Dawn or an adapter it fails, it never skips. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>

#include "backend/cpu/cpu_backend.h"
#include "backend/webgpu/webgpu_backend.h"
#include "check.h"

struct pair {
  struct ai_backend *cpu, *gpu;
};

/* The same tensor on both backends, filled from host. */
struct twin {
  struct ai_buffer *cb, *gb;
  struct ai_tensor c, g;
  size_t bytes;
};

static struct twin twin_make(struct pair *p, enum ai_type type, int n_dims, const int64_t *ne,
                             const void *host) {
  struct twin t = {0};
  int64_t full[4] = {1, 1, 1, 1};
  for (int i = 0; i < n_dims; i++) full[i] = ne[i];
  t.bytes = ai_tensor_packed_bytes(type, full);
  struct ai_error err;
  if (p->cpu->ops->buffer_alloc(p->cpu->ctx, t.bytes, &t.cb, &err) ||
      p->gpu->ops->buffer_alloc(p->gpu->ctx, t.bytes, &t.gb, &err)) {
    fprintf(stderr, "alloc: %s\n", err.msg);
    exit(1);
  }
  if (host) {
    p->cpu->ops->write(p->cpu->ctx, t.cb, 0, host, t.bytes);
    p->gpu->ops->write(p->gpu->ctx, t.gb, 0, host, t.bytes);
  }
  t.c = ai_tensor_make(type, t.cb, 0, n_dims, ne);
  t.g = ai_tensor_make(type, t.gb, 0, n_dims, ne);
  return t;
}

static void twin_free(struct pair *p, struct twin *t) {
  p->cpu->ops->buffer_free(p->cpu->ctx, t->cb);
  p->gpu->ops->buffer_free(p->gpu->ctx, t->gb);
}

static float *rand_floats(int64_t n, uint64_t *state) {
  float *v = malloc((size_t)n * sizeof *v);
  for (int64_t i = 0; i < n; i++) v[i] = check_rand_f32(state);
  return v;
}

/* One check per tensor: |gpu - cpu| <= tol * (1 + |cpu|) everywhere; prints the first miss. */
static void compare(struct pair *p, const struct twin *t, double tol, const char *what) {
  size_t n = t->bytes / sizeof(float);
  float *a = malloc(t->bytes), *b = malloc(t->bytes);
  p->cpu->ops->read(p->cpu->ctx, t->cb, 0, a, t->bytes);
  p->gpu->ops->read(p->gpu->ctx, t->gb, 0, b, t->bytes);
  size_t bad = n;
  double worst = 0;
  for (size_t i = 0; i < n; i++) {
    double d = fabs((double)a[i] - (double)b[i]) / (1.0 + fabs((double)a[i]));
    if (!(d <= tol) && bad == n) bad = i;
    if (d > worst) worst = d;
  }
  check_count++;
  if (bad != n) {
    check_failures++;
    fprintf(stderr, "%s: element %zu of %zu: cpu %.9g gpu %.9g (worst rel %.3g, tol %.3g)\n", what,
            bad, n, a[bad], b[bad], worst, tol);
  }
  const char *e = ai_webgpu_backend_error(p->gpu);
  if (e[0]) {
    check_failures++;
    fprintf(stderr, "%s: device error: %s\n", what, e);
  }
  free(a);
  free(b);
}

static void test_elementwise(struct pair *p, uint64_t *rng) {
  const int64_t ne[2] = {67, 5};
  float *x = rand_floats(67 * 5, rng), *y = rand_floats(67 * 5, rng), *w = rand_floats(67, rng);
  struct twin a = twin_make(p, AI_TYPE_F32, 2, ne, x), b = twin_make(p, AI_TYPE_F32, 2, ne, y);
  struct twin o = twin_make(p, AI_TYPE_F32, 2, ne, NULL);
  struct twin nw = twin_make(p, AI_TYPE_F32, 1, ne, w), nb = twin_make(p, AI_TYPE_F32, 1, ne, y);
  struct ai_backend *bs[2] = {p->cpu, p->gpu};
  for (int i = 0; i < 2; i++) {
    struct ai_tensor *ta = i ? &a.g : &a.c, *to = i ? &o.g : &o.c;
    bs[i]->ops->rms_norm(bs[i]->ctx, ta, i ? &nw.g : &nw.c, 1e-5f, to);
  }
  compare(p, &o, 1e-5, "rms_norm");
  for (int i = 0; i < 2; i++) {
    struct ai_tensor *ta = i ? &a.g : &a.c, *tb = i ? &b.g : &b.c, *to = i ? &o.g : &o.c;
    bs[i]->ops->silu_mul(bs[i]->ctx, ta, tb, to);
  }
  compare(p, &o, 1e-6, "silu_mul");
  for (int i = 0; i < 2; i++) {
    struct ai_tensor *ta = i ? &a.g : &a.c, *tb = i ? &b.g : &b.c;
    bs[i]->ops->add(bs[i]->ctx, ta, tb, ta); /* in place, as the model's residual */
  }
  compare(p, &a, 1e-6, "add in place");
  for (int i = 0; i < 2; i++) {
    struct ai_tensor *ta = i ? &a.g : &a.c, *to = i ? &o.g : &o.c;
    bs[i]->ops->gelu(bs[i]->ctx, ta, to);
  }
  compare(p, &o, 1e-6, "gelu");
  for (int i = 0; i < 2; i++) {
    struct ai_tensor *ta = i ? &a.g : &a.c, *tw = i ? &nw.g : &nw.c, *tb = i ? &nb.g : &nb.c;
    bs[i]->ops->layer_norm(bs[i]->ctx, ta, tw, tb, 1e-5f, ta); /* in place, as Whisper */
  }
  compare(p, &a, 1e-5, "layer_norm in place");
  twin_free(p, &a), twin_free(p, &b), twin_free(p, &o), twin_free(p, &nw), twin_free(p, &nb);
  free(x), free(y), free(w);
}

static void test_rope(struct pair *p, uint64_t *rng) {
  const int64_t ne[3] = {10, 3, 5};
  float *x = rand_floats(150, rng);
  const float factors[4] = {1.0f, 2.0f, 4.0f, 8.0f};
  for (int variant = 0; variant < 3; variant++) {
    struct twin t = twin_make(p, AI_TYPE_F32, 3, ne, x);
    struct ai_rope_params rp = {.n_dims = 8,
                                .is_neox = variant == 1,
                                .freq_base = 10000.0f,
                                .freq_scale = variant == 2 ? 0.25f : 1.0f,
                                .freq_factors = variant == 2 ? factors : NULL,
                                .pos0 = 1000 + 7 * variant};
    p->cpu->ops->rope(p->cpu->ctx, &t.c, &rp);
    p->gpu->ops->rope(p->gpu->ctx, &t.g, &rp);
    compare(p, &t, 1e-6, variant == 0 ? "rope" : variant == 1 ? "rope neox" : "rope factors");
    twin_free(p, &t);
  }
  free(x);
}

/* kv_store of n_past + n_tok positions, then attention of the last n_tok queries. */
static void test_attention(struct pair *p, uint64_t *rng, bool causal) {
  const int64_t hd = 40, n_head = 6, n_kv = 2, n_ctx = 37, n_past = 9, n_tok = 5;
  const int64_t cache_ne[3] = {hd, n_ctx, n_kv}, kv_ne[3] = {hd, n_kv, n_past + n_tok},
                q_ne[3] = {hd, n_head, n_tok};
  float *k = rand_floats(hd * n_kv * (n_past + n_tok), rng);
  float *v = rand_floats(hd * n_kv * (n_past + n_tok), rng),
        *q = rand_floats(hd * n_head * n_tok, rng);
  struct twin kc = twin_make(p, AI_TYPE_F32, 3, cache_ne, NULL),
              vc = twin_make(p, AI_TYPE_F32, 3, cache_ne, NULL);
  struct twin ks = twin_make(p, AI_TYPE_F32, 3, kv_ne, k),
              vs = twin_make(p, AI_TYPE_F32, 3, kv_ne, v);
  struct twin tq = twin_make(p, AI_TYPE_F32, 3, q_ne, q),
              out = twin_make(p, AI_TYPE_F32, 3, q_ne, NULL);
  struct ai_attention_params ap = {.n_past = (int32_t)n_past, .scale = 0.158f, .is_causal = causal};
  struct ai_backend *bs[2] = {p->cpu, p->gpu};
  for (int i = 0; i < 2; i++) {
    void *c = bs[i]->ctx;
    bs[i]->ops->kv_store(c, i ? &ks.g : &ks.c, i ? &kc.g : &kc.c, 0);
    bs[i]->ops->kv_store(c, i ? &vs.g : &vs.c, i ? &vc.g : &vc.c, 0);
    bs[i]->ops->attention(c, i ? &tq.g : &tq.c, i ? &kc.g : &kc.c, i ? &vc.g : &vc.c, &ap,
                          i ? &out.g : &out.c);
  }
  compare(p, &kc, 0, "kv_store");
  compare(p, &out, 2e-6, causal ? "attention causal" : "attention");
  twin_free(p, &kc), twin_free(p, &vc), twin_free(p, &ks), twin_free(p, &vs);
  twin_free(p, &tq), twin_free(p, &out);
  free(k), free(v), free(q);
}

/* conv1d [k 3, c_in 32, c_out 19] over 21 frames, stride and pad as given. */
static void test_conv1d(struct pair *p, uint64_t *rng, enum ai_type type, int stride, int pad) {
  const int64_t k = 3, c_in = 32, c_out = 19, t_in = 21, t_out = (t_in + 2 * pad - k) / stride + 1;
  const struct ai_type_traits *tr = ai_type_traits_get(type);
  float *wf = rand_floats(k * c_in * c_out, rng), *x = rand_floats(c_in * t_in, rng),
        *bias = rand_floats(c_out, rng);
  void *wq = malloc(ai_type_row_bytes(type, k * c_in * c_out));
  tr->from_float(wf, wq, k * c_in * c_out);
  struct twin w = twin_make(p, type, 3, (int64_t[]){k, c_in, c_out}, wq);
  struct twin tx = twin_make(p, AI_TYPE_F32, 2, (int64_t[]){c_in, t_in}, x);
  struct twin tb = twin_make(p, AI_TYPE_F32, 1, (int64_t[]){c_out}, bias);
  struct twin cols = twin_make(p, AI_TYPE_F32, 2, (int64_t[]){k * c_in, t_out}, NULL);
  struct twin out = twin_make(p, AI_TYPE_F32, 2, (int64_t[]){c_out, t_out}, NULL);
  struct ai_conv1d_params cp = {stride, pad};
  p->cpu->ops->conv1d(p->cpu->ctx, &w.c, &tx.c, &tb.c, &cp, &cols.c, &out.c);
  p->gpu->ops->conv1d(p->gpu->ctx, &w.g, &tx.g, &tb.g, &cp, &cols.g, &out.g);
  char what[64];
  snprintf(what, sizeof what, "conv1d %s stride %d pad %d", tr->name, stride, pad);
  compare(p, &out, 1e-5, what);
  twin_free(p, &w), twin_free(p, &tx), twin_free(p, &tb), twin_free(p, &cols), twin_free(p, &out);
  free(wf), free(x), free(bias), free(wq);
}

static const enum ai_type all_types[] = {AI_TYPE_F32,  AI_TYPE_F16,  AI_TYPE_BF16, AI_TYPE_Q4_0,
                                         AI_TYPE_Q4_1, AI_TYPE_Q5_0, AI_TYPE_Q5_1, AI_TYPE_Q8_0,
                                         AI_TYPE_Q4_K, AI_TYPE_Q5_K, AI_TYPE_Q6_K};

/* dst = w x (+ bias) and get_rows of w, for one weight type, against the CPU. Both round the
 * activations to the type's vec_dot_type the same way, so only the order of f32 sums differs. */
static void test_matmul(struct pair *p, uint64_t *rng, enum ai_type type, int64_t k, int64_t rows,
                        int64_t n_tok, bool with_bias) {
  const struct ai_type_traits *tr = ai_type_traits_get(type);
  float *wf = rand_floats(k * rows, rng), *x = rand_floats(k * n_tok, rng),
        *bias = rand_floats(rows, rng);
  size_t wbytes = ai_type_row_bytes(type, k) * (size_t)rows;
  void *wq = malloc(wbytes);
  tr->from_float(wf, wq, k * rows);
  struct twin w = twin_make(p, type, 2, (int64_t[]){k, rows}, wq);
  struct twin tx = twin_make(p, AI_TYPE_F32, 2, (int64_t[]){k, n_tok}, x);
  struct twin tb = twin_make(p, AI_TYPE_F32, 1, (int64_t[]){rows}, bias);
  struct twin out = twin_make(p, AI_TYPE_F32, 2, (int64_t[]){rows, n_tok}, NULL);
  p->cpu->ops->matmul(p->cpu->ctx, &w.c, &tx.c, with_bias ? &tb.c : NULL, &out.c);
  p->gpu->ops->matmul(p->gpu->ctx, &w.g, &tx.g, with_bias ? &tb.g : NULL, &out.g);
  char what[64];
  snprintf(what, sizeof what, "matmul %s k=%lld rows=%lld n_tok=%lld", tr->name, (long long)k,
           (long long)rows, (long long)n_tok);
  compare(p, &out, 2e-6 * sqrt((double)k / 32.0), what);
  /* get_rows: exact (both dequantize the same bytes to f32). */
  const int32_t tokens[4] = {(int32_t)rows - 1, 0, (int32_t)rows / 2, (int32_t)rows - 1};
  struct twin rows_out = twin_make(p, AI_TYPE_F32, 2, (int64_t[]){k, 4}, NULL);
  p->cpu->ops->get_rows(p->cpu->ctx, &w.c, tokens, 4, &rows_out.c);
  p->gpu->ops->get_rows(p->gpu->ctx, &w.g, tokens, 4, &rows_out.g);
  snprintf(what, sizeof what, "get_rows %s", tr->name);
  compare(p, &rows_out, 1e-7, what);
  twin_free(p, &w), twin_free(p, &tx), twin_free(p, &tb), twin_free(p, &out),
      twin_free(p, &rows_out);
  free(wf), free(x), free(bias), free(wq);
}

/* Three matmuls of one x in a row (q, k, v), weights in one buffer, outputs in another, with
 * biases for odd n_tok: the backend sends them as one matmul_vec dispatch of three parts (up to 8
 * tokens). Then one more of another x. */
static void test_matmul_group(struct pair *p, uint64_t *rng, enum ai_type type, int64_t n_tok) {
  const struct ai_type_traits *tr = ai_type_traits_get(type);
  const int64_t k = tr->block_size == 256 ? 512 : 96, rows[3] = {45, 13, 13};
  size_t row_bytes = ai_type_row_bytes(type, k), total = 0, w_off[3], d_off[3];
  int64_t all_rows = rows[0] + rows[1] + rows[2];
  for (int i = 0; i < 3; i++)
    w_off[i] = total, total += ((size_t)rows[i] * row_bytes + 95) / 32 * 32;
  float *wf = rand_floats(k * all_rows, rng), *x = rand_floats(k * n_tok, rng),
        *x2 = rand_floats(k * n_tok, rng), *bias = rand_floats(all_rows, rng);
  uint8_t *wq = calloc(1, total);
  for (int i = 0, r = 0; i < 3; r += (int)rows[i], i++)
    tr->from_float(wf + (size_t)r * (size_t)k, wq + w_off[i], k * rows[i]);
  struct twin w = twin_make(p, AI_TYPE_F32, 1, (int64_t[]){(int64_t)total / 4}, wq);
  struct twin tx = twin_make(p, AI_TYPE_F32, 2, (int64_t[]){k, n_tok}, x);
  struct twin tx2 = twin_make(p, AI_TYPE_F32, 2, (int64_t[]){k, n_tok}, x2);
  struct twin tb = twin_make(p, AI_TYPE_F32, 1, (int64_t[]){all_rows}, bias);
  struct twin out = twin_make(p, AI_TYPE_F32, 1, (int64_t[]){(all_rows + 16) * n_tok}, NULL);
  for (int i = 0, r = 0; i < 3; r += (int)rows[i], i++) d_off[i] = (size_t)r * (size_t)n_tok * 4;
  for (int side = 0; side < 2; side++) {
    struct ai_backend *be = side ? p->gpu : p->cpu;
    struct ai_buffer *wb = side ? w.gb : w.cb, *ob = side ? out.gb : out.cb;
    const struct ai_tensor *xt = side ? &tx.g : &tx.c, *xt2 = side ? &tx2.g : &tx2.c;
    for (int i = 0, r = 0; i < 4; i++) {
      int part = i < 3 ? i : 0;
      struct ai_tensor wt = ai_tensor_make(type, wb, w_off[part], 2, (int64_t[]){k, rows[part]});
      struct ai_tensor bt = side ? tb.g : tb.c;
      bt.offset = i < 3 ? (size_t)r * 4 : 0, bt.ne[0] = i < 3 ? rows[part] : 16;
      int64_t n_rows = i < 3 ? rows[part] : 16;
      wt.ne[1] = n_rows;
      size_t o = i < 3 ? d_off[i] : (size_t)all_rows * (size_t)n_tok * 4;
      struct ai_tensor dt = ai_tensor_make(AI_TYPE_F32, ob, o, 2, (int64_t[]){n_rows, n_tok});
      be->ops->matmul(be->ctx, &wt, i < 3 ? xt : xt2, n_tok % 2 ? &bt : NULL, &dt);
      if (i < 3) r += (int)rows[part];
    }
  }
  char what[64];
  snprintf(what, sizeof what, "matmul group %s n_tok=%lld", tr->name, (long long)n_tok);
  compare(p, &out, 2e-6 * sqrt((double)k / 32.0), what);
  twin_free(p, &w), twin_free(p, &tx), twin_free(p, &tx2), twin_free(p, &tb), twin_free(p, &out);
  free(wf), free(x), free(x2), free(bias), free(wq);
}

/* SwiGLU in place (norm false) or RMSNorm (norm true), then a matmul of its result: the backend
 * may fold either into the rounding of the matmul's activations; both the op's output and the
 * matmul's must match. */
static void test_fused_matmul(struct pair *p, uint64_t *rng, bool norm, enum ai_type type,
                              int64_t n_tok) {
  const struct ai_type_traits *tr = ai_type_traits_get(type);
  const int64_t k = tr->block_size == 256 ? 256 : 64, rows = 19;
  float *wf = rand_floats(k * rows, rng), *g = rand_floats(k * n_tok, rng),
        *up = rand_floats(k * n_tok, rng);
  void *wq = malloc(ai_type_row_bytes(type, k) * (size_t)rows);
  tr->from_float(wf, wq, k * rows);
  struct twin w = twin_make(p, type, 2, (int64_t[]){k, rows}, wq);
  struct twin tg = twin_make(p, AI_TYPE_F32, 2, (int64_t[]){k, n_tok}, g);
  struct twin tu = twin_make(p, AI_TYPE_F32, 2, (int64_t[]){k, n_tok}, up);
  struct twin tn = twin_make(p, AI_TYPE_F32, 2, (int64_t[]){k, n_tok}, NULL);
  struct twin out = twin_make(p, AI_TYPE_F32, 2, (int64_t[]){rows, n_tok}, NULL);
  struct twin *in = norm ? &tn : &tg;
  if (norm) {
    struct ai_tensor nw_c = tu.c, nw_g = tu.g; /* the first column of up as the norm weight */
    nw_c.ne[1] = nw_g.ne[1] = 1;
    p->cpu->ops->rms_norm(p->cpu->ctx, &tg.c, &nw_c, 1e-5f, &tn.c);
    p->gpu->ops->rms_norm(p->gpu->ctx, &tg.g, &nw_g, 1e-5f, &tn.g);
  } else {
    p->cpu->ops->silu_mul(p->cpu->ctx, &tg.c, &tu.c, &tg.c);
    p->gpu->ops->silu_mul(p->gpu->ctx, &tg.g, &tu.g, &tg.g);
  }
  p->cpu->ops->matmul(p->cpu->ctx, &w.c, &in->c, NULL, &out.c);
  p->gpu->ops->matmul(p->gpu->ctx, &w.g, &in->g, NULL, &out.g);
  char what[64];
  snprintf(what, sizeof what, "%s + matmul %s n_tok=%lld", norm ? "rms_norm" : "swiglu", tr->name,
           (long long)n_tok);
  compare(p, &out, 2e-6 * sqrt((double)k / 32.0), what);
  compare(p, in, 1e-6, what);
  twin_free(p, &w), twin_free(p, &tg), twin_free(p, &tu), twin_free(p, &tn), twin_free(p, &out);
  free(wf), free(g), free(up), free(wq);
}

static struct ai_backend make_gpu(uint64_t max_binding, bool no_subgroups) {
  struct ai_alloc a = ai_alloc_default();
  struct ai_webgpu_params wp = {.max_binding = max_binding, .no_subgroups = no_subgroups};
  struct ai_backend b;
  struct ai_error err;
  if (ai_webgpu_backend_create(&a, &wp, &b, &err) != ANYINFER_OK) {
    fprintf(stderr, "test_webgpu_ops: %s\n", err.msg);
    exit(1);
  }
  return b;
}

int main(void) {
  /* CI has no GPU: SwiftShader, the Vulkan ICD of Debian's chromium, unless a driver is set. */
  if (!getenv("VK_ICD_FILENAMES") && !getenv("VK_DRIVER_FILES"))
    setenv("VK_ICD_FILENAMES", "/usr/lib/chromium/vk_swiftshader_icd.json", 1);
  if (!getenv("XDG_RUNTIME_DIR")) setenv("XDG_RUNTIME_DIR", "/tmp", 1);
  struct ai_alloc a = ai_alloc_default();
  struct ai_cpu_backend_params cp = {2, 4096, 16, 64, ai_isa_detect(), 64};
  /* nosg: the reductions without subgroups (where gpu uses them); small: split weights. */
  struct ai_backend cpu, gpu = make_gpu(0, false), nosg = make_gpu(0, true),
                         small = make_gpu(2048, false);
  struct ai_error err;
  if (ai_cpu_backend_create(&a, &cp, &cpu, &err) != ANYINFER_OK) {
    fprintf(stderr, "cpu: %s\n", err.msg);
    return 1;
  }
  uint64_t rng = 0x5eed;
  struct pair p = {&cpu, &gpu};
  test_elementwise(&p, &rng);
  test_rope(&p, &rng);
  test_attention(&p, &rng, true);
  test_attention(&p, &rng, false);
  test_conv1d(&p, &rng, AI_TYPE_F16, 1, 1);
  test_conv1d(&p, &rng, AI_TYPE_F32, 2, 1);
  /* matmul_vec (1, 3 and 6 tokens: one and two groups of 4) and matmul_tile (11 tokens; 70 x 70:
   * partial tiles of rows and tokens), on both reductions. */
  struct pair pn = {&cpu, &nosg};
  for (size_t i = 0; i < sizeof all_types / sizeof *all_types; i++) {
    enum ai_type t = all_types[i];
    bool is_k = ai_type_traits_get(t)->block_size == 256;
    int64_t k = is_k ? 768 : t == AI_TYPE_F32 || t == AI_TYPE_F16 || t == AI_TYPE_BF16 ? 75 : 96;
    test_matmul(&p, &rng, t, k, 37, 11, i % 2 == 0);
    test_matmul(&p, &rng, t, k, 37, 1, i % 2 == 1);
    test_matmul(&p, &rng, t, k, 37, 6, i % 2 == 0);
    test_matmul(&pn, &rng, t, k, 37, 3, i % 2 == 1);
  }
  test_matmul(&p, &rng, AI_TYPE_Q4_1, 64, 70, 70, true);
  test_matmul(&p, &rng, AI_TYPE_F16, 75, 70, 70, false);
  test_matmul(&pn, &rng, AI_TYPE_Q8_0, 64, 70, 70, true);
  for (int norm = 0; norm < 2; norm++) {
    test_fused_matmul(&p, &rng, norm, AI_TYPE_Q4_0, 1);
    test_fused_matmul(&p, &rng, norm, AI_TYPE_Q6_K, 5);
    test_fused_matmul(&p, &rng, norm, AI_TYPE_Q4_1, 12);
    test_fused_matmul(&p, &rng, norm, AI_TYPE_F16, 3);
    test_fused_matmul(&p, &rng, norm, AI_TYPE_F32, 2);
  }
  test_matmul_group(&p, &rng, AI_TYPE_Q4_0, 1);
  test_matmul_group(&p, &rng, AI_TYPE_Q4_K, 3);
  test_matmul_group(&pn, &rng, AI_TYPE_Q5_1, 6);
  test_matmul_group(&p, &rng, AI_TYPE_F16, 11);
  /* Weights and tables larger than one binding: split by rows / per token. */
  struct pair ps = {&cpu, &small};
  for (size_t i = 0; i < sizeof all_types / sizeof *all_types; i++)
    test_matmul(&ps, &rng, all_types[i], 256, 37, 1, true);
  ai_backend_free(&small);
  ai_backend_free(&nosg);
  ai_backend_free(&gpu);
  ai_backend_free(&cpu);
  return check_exit();
}
