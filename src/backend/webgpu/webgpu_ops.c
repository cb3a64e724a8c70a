/* The backend ops as dispatches: each op turns its tensor views into byte ranges, offsets and
 * strides for its WGSL kernel (src/backend/wgsl/). Semantics are the CPU backend's
 * (src/backend/cpu/), which the parity tests compare against. */
#include <assert.h>
#include <math.h>
#include <string.h>

#include "backend/webgpu/webgpu_internal.h"

/* Bytes [lo, hi) that view t spans in its buffer. */
static struct wg_range range_of(const struct ai_tensor *t) {
  size_t hi = t->offset + ai_type_row_bytes(t->type, t->ne[0]);
  for (int i = 1; i < 4; i++) hi += (size_t)(t->ne[i] - 1) * t->nb[i];
  return (struct wg_range){t->buffer, t->offset, hi};
}

/* Stride of dimension i of an f32 view, in elements. */
static uint32_t st(const struct ai_tensor *t, int i) {
  return (uint32_t)(t->nb[i] / sizeof(float));
}

static uint32_t fbits(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}

static uint64_t div_up(uint64_t a, uint64_t b) {
  return (a + b - 1) / b;
}

void wg_get_rows(void *ctx, const struct ai_tensor *table, const int32_t *tokens, int64_t n_tok,
                 const struct ai_tensor *dst) {
  struct wg_ctx *c = ctx;
  assert(dst->type == AI_TYPE_F32 && dst->ne[0] == table->ne[0] && dst->ne[1] >= n_tok);
  struct wg_range tab = range_of(table), out = range_of(dst);
  size_t row = table->nb[1], tok_off;
  for (int64_t t = 0; t < n_tok; t++) assert(tokens[t] >= 0 && tokens[t] < table->ne[1]);
  if (wg_fits(c, table->buffer, tab.lo, tab.hi)) {
    memcpy(wg_data(c, (size_t)n_tok * 4, &tok_off), tokens, (size_t)n_tok * 4);
    struct wg_range r[2] = {tab, {&c->data_view, tok_off, tok_off + (size_t)n_tok * 4}};
    uint32_t u[WG_N_U] = {(uint32_t)table->ne[0], (uint32_t)row, (uint32_t)n_tok, st(dst, 1), 0};
    wg_dispatch(c, WG_K_GET_ROWS, table->type, &out, 1, r, 2, u, (uint64_t)n_tok);
    return;
  }
  /* A table larger than one binding: one dispatch per token, bound at its row. */
  for (int64_t t = 0; t < n_tok; t++) {
    size_t lo = table->offset + (size_t)tokens[t] * row;
    memcpy(wg_data(c, 4, &tok_off), &tokens[t], 4);
    struct wg_range r[2] = {{table->buffer, lo, lo + ai_type_row_bytes(table->type, table->ne[0])},
                            {&c->data_view, tok_off, tok_off + 4}};
    struct wg_range o = {dst->buffer, dst->offset + (size_t)t * dst->nb[1],
                         dst->offset + (size_t)t * dst->nb[1] + (size_t)dst->ne[0] * 4};
    uint32_t u[WG_N_U] = {(uint32_t)table->ne[0], (uint32_t)row, 1, st(dst, 1),
                          (uint32_t)tokens[t]};
    wg_dispatch(c, WG_K_GET_ROWS, table->type, &o, 1, r, 2, u, 1);
  }
}

static struct wg_range span(struct wg_range a, struct wg_range b) {
  return (struct wg_range){a.buf, a.lo < b.lo ? a.lo : b.lo, a.hi > b.hi ? a.hi : b.hi};
}

static bool same_view(const struct ai_tensor *a, const struct ai_tensor *b) {
  return a->buffer == b->buffer && a->offset == b->offset && a->type == b->type &&
         memcmp(a->ne, b->ne, sizeof a->ne) == 0 && memcmp(a->nb, b->nb, sizeof a->nb) == 0;
}

static void rms_dispatch(struct wg_ctx *c, const struct ai_tensor *x,
                         const struct ai_tensor *weight, float eps, const struct ai_tensor *dst) {
  struct wg_range f[2] = {range_of(x), range_of(dst)}, r = range_of(weight);
  uint32_t u[WG_N_U] = {(uint32_t)x->ne[0], (uint32_t)x->ne[1], st(x, 1), st(dst, 1), fbits(eps)};
  wg_dispatch(c, WG_K_RMS_NORM, 0, f, 2, &r, 1, u, (uint64_t)x->ne[1]);
}

void wg_rms_emit(struct wg_ctx *c) {
  c->rms.is_held = false;
  rms_dispatch(c, &c->rms.x, &c->rms.weight, c->rms.eps, &c->rms.dst);
}

void wg_rms_norm(void *ctx, const struct ai_tensor *x, const struct ai_tensor *weight, float eps,
                 const struct ai_tensor *dst) {
  struct wg_ctx *c = ctx;
  struct wg_range xr = range_of(x), dr = range_of(dst);
  if (xr.buf == dr.buf && xr.lo < dr.hi && dr.lo < xr.hi) {
    /* in place or overlapping: quant_act's workgroups read all of x while others write dst */
    rms_dispatch(c, x, weight, eps, dst);
    return;
  }
  wg_settle(c);
  c->rms.is_held = true, c->rms.x = *x, c->rms.weight = *weight, c->rms.eps = eps,
  c->rms.dst = *dst;
  c->act.is_valid = false; /* dst changes */
}

/* How quant_act.wgsl rounds activations for a vec_dot_type (0: not at all, F32). */
static uint32_t act_mode(enum ai_type vec_dot_type) {
  switch (vec_dot_type) {
    case AI_TYPE_Q8_0:
      return 1;
    case AI_TYPE_Q8_1:
      return 5;
    case AI_TYPE_Q8_K:
      return 2;
    case AI_TYPE_F16:
      return 3;
    case AI_TYPE_BF16:
      return 4;
    default:
      return 0;
  }
}

/* Up to this many tokens a matmul reads each weight row once per 4 tokens (matmul_vec.wgsl);
 * more take the 64 x 64 tiles of matmul_tile.wgsl. */
#define VEC_MAX_TOK 8

void wg_mm_emit(struct wg_ctx *c) {
  int n = c->mm.n;
  c->mm.n = 0; /* before dispatching: wg_dispatch emits pending matmuls first */
  struct wg_range w = c->mm.w[0], d = c->mm.d[0], b = c->mm.b[0];
  for (int p = 1; p < n; p++) {
    w = span(w, c->mm.w[p]), d = span(d, c->mm.d[p]);
    if (c->mm.has_bias) b = span(b, c->mm.b[p]);
  }
  /* u: 0 k, 1 rows of part 0, 2 n_tok, 3 row bytes, 4 x stride, 5 dst stride, 6 has bias, 7 first
   * row, 8 block sums, 9-10 rows of parts 1-2, 11-13 weight byte offsets, 14-16 dst element
   * offsets, 17-19 bias byte offsets of parts 0-2 (from the start of the spans), 20-21 dst strides
   * of parts 1-2. */
  uint32_t u[WG_N_U] = {c->mm.k,        c->mm.rows[0],     c->mm.n_tok,    c->mm.row_bytes,
                        c->mm.x_stride, c->mm.d_stride[0], c->mm.has_bias, 0,
                        c->mm.sums};
  uint64_t n_rg = 0, per_wg = 256 / c->lanes;
  for (int p = 0; p < n; p++) {
    if (p) u[8 + p] = c->mm.rows[p], u[19 + p] = c->mm.d_stride[p];
    u[11 + p] = (uint32_t)(c->mm.w[p].lo - w.lo);
    u[14 + p] = (uint32_t)((c->mm.d[p].lo - d.lo) / 4);
    u[17 + p] = c->mm.has_bias ? (uint32_t)(c->mm.b[p].lo - b.lo) : 0;
    n_rg += div_up(c->mm.rows[p], per_wg);
  }
  struct wg_range f[2] = {c->mm.x, d}, r[2] = {w, b};
  wg_dispatch(c, WG_K_MATMUL_VEC, c->mm.type, f, 2, r, 2, u, n_rg * div_up(c->mm.n_tok, 4));
}

/* Whether matmul (w, x, bias, dst) of a few tokens joins the pending ones: the same input, weight
 * type and width, its weight, output and bias in the buffers of theirs (each in one binding). */
static bool joins(const struct wg_ctx *c, const struct ai_tensor *w, const struct ai_tensor *x,
                  const struct ai_tensor *bias, const struct ai_tensor *dst) {
  if (c->mm.n == 0 || c->mm.n == WG_MM_PARTS || !same_view(&c->mm.x_source, x) ||
      c->mm.type != (int)w->type || c->mm.row_bytes != w->nb[1] || c->mm.w[0].buf != w->buffer ||
      c->mm.d[0].buf != dst->buffer || c->mm.has_bias != (bias != NULL) ||
      (bias && c->mm.b[0].buf != bias->buffer))
    return false;
  struct wg_range wr = range_of(w), dr = range_of(dst), br = bias ? range_of(bias) : wr;
  for (int p = 0; p < c->mm.n; p++) {
    wr = span(wr, c->mm.w[p]), dr = span(dr, c->mm.d[p]);
    if (bias) br = span(br, c->mm.b[p]);
  }
  return wg_fits(c, wr.buf, wr.lo, wr.hi) && wg_fits(c, dr.buf, dr.lo, dr.hi) &&
         wg_fits(c, br.buf, br.lo, br.hi);
}

void wg_matmul(void *ctx, const struct ai_tensor *w, const struct ai_tensor *x,
               const struct ai_tensor *bias, const struct ai_tensor *dst) {
  struct wg_ctx *c = ctx;
  assert(x->type == AI_TYPE_F32 && dst->type == AI_TYPE_F32);
  assert(x->ne[0] == w->ne[0] && dst->ne[0] == w->ne[1] && dst->ne[1] == x->ne[1]);
  /* Pending matmuls of another input go first (before the scratch they read may be regrown). */
  if (c->pair.kernel != WG_K_COUNT) wg_pair_emit(c);
  if (c->mm.n && !same_view(&c->mm.x_source, x)) wg_mm_emit(c);
  bool fuse_silu = c->silu.is_held && same_view(&c->silu.gate, x);
  bool fuse_rms = c->rms.is_held && same_view(&c->rms.dst, x);
  if (c->silu.is_held && !fuse_silu) wg_silu_emit(c);
  if (c->rms.is_held && !fuse_rms) wg_rms_emit(c);
  int64_t rows = w->ne[1], n_tok = x->ne[1];
  size_t row = w->nb[1];
  struct wg_range wr = range_of(w);
  /* Rows per dispatch: all of them, or as many as one binding holds. */
  int64_t per = rows;
  if (!wg_fits(c, w->buffer, wr.lo, wr.hi)) per = (int64_t)((c->max_binding - c->align) / row);
  assert(per >= 1 && "webgpu: one weight row exceeds a binding");
  struct wg_range f[2] = {range_of(x), range_of(dst)};
  struct wg_range b = bias ? range_of(bias) : (struct wg_range){NULL, 0, 4};
  uint32_t x_stride = st(x, 1);
  uint32_t mode = act_mode(ai_type_traits_get(w->type)->vec_dot_type);
  if (mode) {
    /* x rounded, [k, n_tok], then for Q8_1 the sums of its 32-blocks, [k / 32, n_tok]. */
    size_t n_x = (size_t)w->ne[0] * (size_t)n_tok;
    size_t bytes = (n_x + (mode == 5 ? n_x / 32 : 0)) * sizeof(float);
    const struct ai_buffer *scratch = wg_scratch(c, bytes);
    if (!(c->act.is_valid && c->act.buf == x->buffer && c->act.offset == x->offset &&
          c->act.nb1 == x->nb[1] && c->act.ne0 == x->ne[0] && c->act.ne1 == n_tok &&
          c->act.mode == mode)) {
      /* Roles x, y, up, d: the unused ones alias x (no binding of their own). */
      struct wg_range q[4] = {f[0], {scratch, 0, bytes}, f[0], f[0]}, nw = {NULL, 0, 4};
      uint32_t u[WG_N_U] = {(uint32_t)w->ne[0], (uint32_t)n_tok, x_stride, (uint32_t)w->ne[0], mode,
                            (uint32_t)n_x};
      if (fuse_silu) { /* x = silu(x) * up first, as the held silu_mul would have */
        q[2] = range_of(&c->silu.up);
        u[6] = 1, u[7] = st(&c->silu.up, 1);
        c->silu.is_held = false;
      }
      if (fuse_rms) { /* d = rms_norm(x) first, as the held rms_norm would have */
        q[0] = range_of(&c->rms.x), q[3] = f[0], nw = range_of(&c->rms.weight);
        u[2] = st(&c->rms.x, 1), u[8] = 1, u[9] = fbits(c->rms.eps), u[10] = x_stride;
        c->rms.is_held = false;
      }
      wg_dispatch(c, WG_K_QUANT_ACT, 0, q, 4, &nw, 1, u,
                  (uint64_t)n_tok * div_up((uint64_t)w->ne[0], 256));
      c->act.buf = x->buffer, c->act.offset = x->offset, c->act.nb1 = x->nb[1];
      c->act.ne0 = x->ne[0], c->act.ne1 = n_tok, c->act.mode = mode, c->act.is_valid = true;
    }
    f[0] = (struct wg_range){scratch, 0, bytes};
    x_stride = (uint32_t)w->ne[0];
  }
  /* x was rounded already (or needs no rounding): the held op goes out on its own. */
  if (c->silu.is_held) wg_silu_emit(c);
  if (c->rms.is_held) wg_rms_emit(c);
  uint32_t sums = (uint32_t)((size_t)w->ne[0] * (size_t)n_tok);
  if (n_tok <= VEC_MAX_TOK && per == rows) {
    /* Decode: held back, to go out with the next matmuls of the same input. */
    if (!joins(c, w, x, bias, dst)) {
      if (c->mm.n) wg_mm_emit(c);
      c->mm.type = (int)w->type, c->mm.x = f[0], c->mm.x_source = *x;
      c->mm.x_stride = x_stride, c->mm.row_bytes = (uint32_t)row;
      c->mm.k = (uint32_t)w->ne[0], c->mm.n_tok = (uint32_t)n_tok;
      c->mm.has_bias = bias ? 1 : 0, c->mm.sums = sums;
    }
    int p = c->mm.n++;
    c->mm.w[p] = wr, c->mm.d[p] = f[1], c->mm.b[p] = b, c->mm.rows[p] = (uint32_t)rows;
    c->mm.d_stride[p] = st(dst, 1);
    if (c->mm.n == WG_MM_PARTS) wg_mm_emit(c);
    return;
  }
  if (c->mm.n) wg_mm_emit(c);
  for (int64_t r0 = 0; r0 < rows; r0 += per) {
    int64_t n = rows - r0 < per ? rows - r0 : per;
    struct wg_range r[2] = {
        {w->buffer, w->offset + (size_t)r0 * row, w->offset + (size_t)(r0 + n) * row}, b};
    uint32_t u[WG_N_U] = {(uint32_t)w->ne[0], (uint32_t)n,  (uint32_t)n_tok,
                          (uint32_t)row,      x_stride,     st(dst, 1),
                          bias ? 1u : 0u,     (uint32_t)r0, sums};
    if (n_tok <= VEC_MAX_TOK)
      wg_dispatch(c, WG_K_MATMUL_VEC, w->type, f, 2, r, 2, u,
                  div_up((uint64_t)n, 256 / c->lanes) * div_up((uint64_t)n_tok, 4));
    else
      wg_dispatch(c, WG_K_MATMUL_TILE, w->type, f, 2, r, 2, u,
                  div_up((uint64_t)n, 64) * div_up((uint64_t)n_tok, 64));
  }
}

void wg_pair_emit(struct wg_ctx *c) {
  enum wg_kernel k = c->pair.kernel;
  c->pair.kernel = WG_K_COUNT; /* before dispatching: wg_dispatch emits pending ones first */
  wg_dispatch(c, k, 0, c->pair.f, c->pair.n_f, &c->pair.r, c->pair.n_r, c->pair.u, c->pair.n_wg);
}

/* Two parts in one dispatch (common.wgsl part_u, part_off): u[0..7] part 0's scalars, u[12..19]
 * part 1's; u[8 + 12 p + i] the element offset of part p's tensor of role i from the binding's
 * offset (the span of both parts); u[10] part 0's workgroups. */
void wg_pair_dispatch(struct wg_ctx *c, enum wg_kernel k, const struct wg_range *f, int n_f,
                      const struct wg_range *r, int n_r, const uint32_t *u, uint64_t n_wg) {
  assert(n_f <= 2 && n_r <= 1);
  if (c->pair.kernel != k) wg_settle(c);
  bool joins =
      c->pair.kernel == k && c->pair.n_r == n_r &&
      (n_r == 0 || (c->pair.r.buf == r->buf && c->pair.r.lo == r->lo && c->pair.r.hi == r->hi));
  for (int i = 0; i < n_f && joins; i++) {
    struct wg_range s = span(c->pair.f[i], f[i]);
    joins = c->pair.f[i].buf == f[i].buf && wg_fits(c, s.buf, s.lo, s.hi);
  }
  if (joins) {
    uint32_t m[WG_N_U];
    memcpy(m, c->pair.u, 8 * sizeof *m);
    memcpy(m + 12, u, 8 * sizeof *m);
    struct wg_range s[2];
    for (int i = 0; i < n_f; i++) {
      s[i] = span(c->pair.f[i], f[i]);
      m[8 + i] = (uint32_t)((c->pair.f[i].lo - s[i].lo) / 4);
      m[20 + i] = (uint32_t)((f[i].lo - s[i].lo) / 4);
    }
    m[10] = (uint32_t)c->pair.n_wg;
    uint64_t n = c->pair.n_wg + n_wg;
    c->pair.kernel = WG_K_COUNT;
    wg_dispatch(c, k, 0, s, n_f, r, n_r, m, n);
    return;
  }
  if (c->pair.kernel != WG_K_COUNT) wg_pair_emit(c);
  c->pair.kernel = k, c->pair.n_f = n_f, c->pair.n_r = n_r, c->pair.n_wg = n_wg;
  memcpy(c->pair.f, f, (size_t)n_f * sizeof *f);
  if (n_r) c->pair.r = *r;
  memset(c->pair.u, 0, sizeof c->pair.u);
  memcpy(c->pair.u, u, 8 * sizeof *u);
  c->pair.u[10] = (uint32_t)n_wg;
}

/* theta_i = pos * freq_scale * base^(-2i/n_dims) / freq_factors[i], with cos and sin computed on
 * the host exactly as the CPU backend does; staged once per step (q and k of every layer share
 * it). */
static size_t rope_table(struct wg_ctx *c, const struct ai_rope_params *p, int64_t n_tok) {
  if (c->rope.is_set && c->rope.submit == c->n_submit_total && c->rope.pos0 == p->pos0 &&
      c->rope.n_tok == n_tok && c->rope.n_dims == p->n_dims && c->rope.base == p->freq_base &&
      c->rope.scale == p->freq_scale && c->rope.factors == p->freq_factors)
    return c->rope.off;
  int32_t half = p->n_dims / 2;
  float inv_freq[256];
  for (int32_t i = 0; i < half; i++) {
    inv_freq[i] = p->freq_scale * powf(p->freq_base, -2.0f * (float)i / (float)p->n_dims);
    if (p->freq_factors) inv_freq[i] /= p->freq_factors[i];
  }
  size_t off;
  float *tab = wg_data(c, (size_t)n_tok * (size_t)half * 2 * sizeof(float), &off);
  for (int64_t t = 0; t < n_tok; t++) {
    float pos = (float)(p->pos0 + t);
    for (int32_t i = 0; i < half; i++) {
      float theta = pos * inv_freq[i];
      tab[(t * half + i) * 2] = cosf(theta);
      tab[(t * half + i) * 2 + 1] = sinf(theta);
    }
  }
  c->rope.pos0 = p->pos0, c->rope.n_tok = n_tok, c->rope.n_dims = p->n_dims;
  c->rope.base = p->freq_base, c->rope.scale = p->freq_scale, c->rope.factors = p->freq_factors;
  c->rope.submit = c->n_submit_total, c->rope.off = off, c->rope.is_set = true;
  return off;
}

void wg_rope(void *ctx, const struct ai_tensor *x, const struct ai_rope_params *p) {
  struct wg_ctx *c = ctx;
  int64_t n_heads = x->ne[1], n_tok = x->ne[2];
  int32_t half = p->n_dims / 2;
  assert(p->n_dims <= x->ne[0] && p->n_dims % 2 == 0 && half <= 256);
  size_t bytes = (size_t)n_tok * (size_t)half * 2 * sizeof(float);
  size_t off = rope_table(c, p, n_tok);
  struct wg_range f = range_of(x), r = {&c->data_view, off, off + bytes};
  uint32_t u[WG_N_U] = {
      (uint32_t)half, p->is_neox ? 1u : 0u, (uint32_t)n_heads, (uint32_t)n_tok, st(x, 1), st(x, 2)};
  wg_pair_dispatch(c, WG_K_ROPE, &f, 1, &r, 1, u, div_up((uint64_t)half * n_heads * n_tok, 64));
}

void wg_kv_store(void *ctx, const struct ai_tensor *src, const struct ai_tensor *cache,
                 int32_t pos0) {
  struct wg_ctx *c = ctx;
  int64_t head_dim = src->ne[0], n_kv_head = src->ne[1], n_tok = src->ne[2];
  assert(cache->ne[0] == head_dim && cache->ne[2] == n_kv_head && pos0 + n_tok <= cache->ne[1]);
  struct wg_range f[2] = {range_of(src), range_of(cache)};
  uint32_t u[WG_N_U] = {(uint32_t)head_dim, (uint32_t)n_kv_head, (uint32_t)n_tok, st(src, 1),
                        st(src, 2),         st(cache, 1),        st(cache, 2),    (uint32_t)pos0};
  wg_pair_dispatch(c, WG_K_KV_STORE, f, 2, NULL, 0, u,
                   div_up((uint64_t)head_dim * n_kv_head * n_tok, 64));
}

void wg_attention(void *ctx, const struct ai_tensor *q, const struct ai_tensor *k_cache,
                  const struct ai_tensor *v_cache, const struct ai_attention_params *p,
                  const struct ai_tensor *dst) {
  struct wg_ctx *c = ctx;
  int64_t n_head = q->ne[1], n_tok = q->ne[2];
  assert(q->ne[0] <= 256 && n_head % k_cache->ne[2] == 0);
  assert(!p->is_causal || p->n_past + n_tok <= k_cache->ne[1]);
  /* Causal: token t sees n_past + t + 1 positions; otherwise every position of the cache. */
  uint32_t past_or_keys = (uint32_t)(p->is_causal ? p->n_past : k_cache->ne[1]);
  struct wg_range f[4] = {range_of(q), range_of(k_cache), range_of(v_cache), range_of(dst)};
  uint32_t u[WG_N_U] = {(uint32_t)q->ne[0], (uint32_t)n_head, (uint32_t)k_cache->ne[2],
                        (uint32_t)n_tok,    past_or_keys,     p->is_causal ? 1u : 0u,
                        fbits(p->scale),    st(q, 1),         st(q, 2),
                        st(k_cache, 1),     st(k_cache, 2),   st(v_cache, 1),
                        st(v_cache, 2),     st(dst, 1),       st(dst, 2)};
  wg_dispatch(c, WG_K_ATTENTION, 0, f, 4, NULL, 0, u, (uint64_t)(n_head * n_tok));
}

static void binary(struct wg_ctx *c, const struct ai_tensor *a, const struct ai_tensor *b,
                   const struct ai_tensor *dst, uint32_t op) {
  struct wg_range f[3] = {range_of(a), range_of(b), range_of(dst)};
  uint32_t u[WG_N_U] = {(uint32_t)a->ne[0], (uint32_t)a->ne[1], st(a, 1), st(b, 1), st(dst, 1), op};
  wg_dispatch(c, WG_K_BINARY, 0, f, 3, NULL, 0, u, div_up((uint64_t)(a->ne[0] * a->ne[1]), 256));
}

void wg_silu_emit(struct wg_ctx *c) {
  c->silu.is_held = false;
  binary(c, &c->silu.gate, &c->silu.up, &c->silu.gate, 1);
}

void wg_silu_mul(void *ctx, const struct ai_tensor *gate, const struct ai_tensor *up,
                 const struct ai_tensor *dst) {
  struct wg_ctx *c = ctx;
  if (!same_view(gate, dst)) {
    binary(c, gate, up, dst, 1);
    return;
  }
  /* In place (SwiGLU before the down projection): held back (wg_matmul may fuse it). */
  wg_settle(c);
  c->silu.is_held = true, c->silu.gate = *gate, c->silu.up = *up;
  c->act.is_valid = false; /* gate changes */
}

void wg_add(void *ctx, const struct ai_tensor *a, const struct ai_tensor *b,
            const struct ai_tensor *dst) {
  binary(ctx, a, b, dst, 0);
}

void wg_gelu(void *ctx, const struct ai_tensor *x, const struct ai_tensor *dst) {
  binary(ctx, x, x, dst, 2);
}

void wg_layer_norm(void *ctx, const struct ai_tensor *x, const struct ai_tensor *weight,
                   const struct ai_tensor *bias, float eps, const struct ai_tensor *dst) {
  struct wg_ctx *c = ctx;
  struct wg_range f[2] = {range_of(x), range_of(dst)}, r[2] = {range_of(weight), range_of(bias)};
  uint32_t u[WG_N_U] = {(uint32_t)x->ne[0], (uint32_t)x->ne[1], st(x, 1), st(dst, 1), fbits(eps)};
  wg_dispatch(c, WG_K_LAYER_NORM, 0, f, 2, r, 2, u, (uint64_t)x->ne[1]);
}

/* im2col into cols, then the weight seen as [k * c_in, c_out] times cols (as the CPU does). */
void wg_conv1d(void *ctx, const struct ai_tensor *w, const struct ai_tensor *x,
               const struct ai_tensor *bias, const struct ai_conv1d_params *p,
               const struct ai_tensor *cols, const struct ai_tensor *dst) {
  struct wg_ctx *c = ctx;
  int64_t k = w->ne[0], c_in = w->ne[1], c_out = w->ne[2], t_out = dst->ne[1];
  assert(x->ne[0] == c_in && dst->ne[0] == c_out && cols->ne[0] >= k * c_in &&
         cols->ne[1] >= t_out && w->nb[2] == w->nb[1] * (size_t)c_in);
  struct ai_tensor w2, col_view;
  ai_conv1d_matmul_views(w, cols, t_out, &w2, &col_view);
  struct wg_range f[2] = {range_of(x), range_of(&col_view)};
  uint32_t u[WG_N_U] = {(uint32_t)k,        (uint32_t)c_in,      (uint32_t)t_out,
                        (uint32_t)x->ne[1], (uint32_t)p->stride, (uint32_t)p->pad,
                        st(x, 1),           (uint32_t)(k * c_in)};
  wg_dispatch(c, WG_K_IM2COL, 0, f, 2, NULL, 0, u, div_up((uint64_t)(k * c_in * t_out), 256));
  wg_matmul(c, &w2, &col_view, bias, dst);
}
