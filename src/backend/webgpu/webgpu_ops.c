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

void wg_rms_norm(void *ctx, const struct ai_tensor *x, const struct ai_tensor *weight, float eps,
                 const struct ai_tensor *dst) {
  struct wg_ctx *c = ctx;
  struct wg_range f[2] = {range_of(x), range_of(dst)}, r = range_of(weight);
  uint32_t u[WG_N_U] = {(uint32_t)x->ne[0], (uint32_t)x->ne[1], st(x, 1), st(dst, 1), fbits(eps)};
  wg_dispatch(c, WG_K_RMS_NORM, 0, f, 2, &r, 1, u, (uint64_t)x->ne[1]);
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

void wg_matmul(void *ctx, const struct ai_tensor *w, const struct ai_tensor *x,
               const struct ai_tensor *bias, const struct ai_tensor *dst) {
  struct wg_ctx *c = ctx;
  assert(x->type == AI_TYPE_F32 && dst->type == AI_TYPE_F32);
  assert(x->ne[0] == w->ne[0] && dst->ne[0] == w->ne[1] && dst->ne[1] == x->ne[1]);
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
      struct wg_range q[2] = {f[0], {scratch, 0, bytes}};
      uint32_t u[WG_N_U] = {(uint32_t)w->ne[0], (uint32_t)n_tok, x_stride, (uint32_t)w->ne[0], mode,
                            (uint32_t)n_x};
      wg_dispatch(c, WG_K_QUANT_ACT, 0, q, 2, NULL, 0, u,
                  (uint64_t)n_tok * div_up((uint64_t)w->ne[0], 256));
      c->act.buf = x->buffer, c->act.offset = x->offset, c->act.nb1 = x->nb[1];
      c->act.ne0 = x->ne[0], c->act.ne1 = n_tok, c->act.mode = mode, c->act.is_valid = true;
    }
    f[0] = (struct wg_range){scratch, 0, bytes};
    x_stride = (uint32_t)w->ne[0];
  }
  for (int64_t r0 = 0; r0 < rows; r0 += per) {
    int64_t n = rows - r0 < per ? rows - r0 : per;
    struct wg_range r[2] = {
        {w->buffer, w->offset + (size_t)r0 * row, w->offset + (size_t)(r0 + n) * row}, b};
    uint32_t u[WG_N_U] = {
        (uint32_t)w->ne[0], (uint32_t)n,  (uint32_t)n_tok,
        (uint32_t)row,      x_stride,     st(dst, 1),
        bias ? 1u : 0u,     (uint32_t)r0, (uint32_t)((size_t)w->ne[0] * (size_t)n_tok)};
    if (n_tok <= VEC_MAX_TOK)
      wg_dispatch(c, WG_K_MATMUL_VEC, w->type, f, 2, r, 2, u,
                  div_up((uint64_t)n, 256 / c->lanes) * div_up((uint64_t)n_tok, 4));
    else
      wg_dispatch(c, WG_K_MATMUL_TILE, w->type, f, 2, r, 2, u,
                  div_up((uint64_t)n, 64) * div_up((uint64_t)n_tok, 64));
  }
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
  wg_dispatch(c, WG_K_ROPE, 0, &f, 1, &r, 1, u, div_up((uint64_t)half * n_heads * n_tok, 64));
}

void wg_kv_store(void *ctx, const struct ai_tensor *src, const struct ai_tensor *cache,
                 int32_t pos0) {
  struct wg_ctx *c = ctx;
  int64_t head_dim = src->ne[0], n_kv_head = src->ne[1], n_tok = src->ne[2];
  assert(cache->ne[0] == head_dim && cache->ne[2] == n_kv_head && pos0 + n_tok <= cache->ne[1]);
  struct wg_range f[2] = {range_of(src), range_of(cache)};
  uint32_t u[WG_N_U] = {(uint32_t)head_dim, (uint32_t)n_kv_head, (uint32_t)n_tok, st(src, 1),
                        st(src, 2),         st(cache, 1),        st(cache, 2),    (uint32_t)pos0};
  wg_dispatch(c, WG_K_KV_STORE, 0, f, 2, NULL, 0, u,
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

void wg_silu_mul(void *ctx, const struct ai_tensor *gate, const struct ai_tensor *up,
                 const struct ai_tensor *dst) {
  binary(ctx, gate, up, dst, 1);
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
