/* The CPU backend's light ops: embedding lookup, RMSNorm, RoPE, KV-cache store, SwiGLU, add,
 * LayerNorm and GELU. Each costs microseconds per token, less than waking the pool would, so
 * they run on the calling thread; GELU alone, whose erf costs tens of cycles, uses the pool.
 * Formulas follow llama.cpp's ggml-cpu ops.cpp, which our parity tests compare against through
 * transformers' outputs. */
#include <assert.h>
#include <math.h>
#include <string.h>

#include "backend/cpu/cpu_internal.h"

void ai_cpu_get_rows(void *vctx, const struct ai_tensor *table, const int32_t *tokens,
                     int64_t n_tok, const struct ai_tensor *dst) {
  const struct cpu_ctx *ctx = vctx;
  assert(dst->type == AI_TYPE_F32 && dst->ne[0] == table->ne[0] && dst->ne[1] >= n_tok);
  for (int64_t t = 0; t < n_tok; t++) {
    assert(tokens[t] >= 0 && tokens[t] < table->ne[1]);
    ctx->kernels[table->type].to_float(ai_tensor_row(table, tokens[t], 0, 0),
                                       ai_tensor_row(dst, t, 0, 0), table->ne[0]);
  }
}

void ai_cpu_rms_norm(void *vctx, const struct ai_tensor *x, const struct ai_tensor *weight,
                     float eps, const struct ai_tensor *dst) {
  (void)vctx;
  int64_t n = x->ne[0];
  const float *w = ai_tensor_row(weight, 0, 0, 0);
  for (int64_t t = 0; t < x->ne[1]; t++) {
    const float *in = ai_tensor_row(x, t, 0, 0);
    float *out = ai_tensor_row(dst, t, 0, 0);
    double sum = 0.0;
    for (int64_t i = 0; i < n; i++) sum += (double)in[i] * in[i];
    float scale = (float)(1.0 / sqrt(sum / (double)n + (double)eps));
    for (int64_t i = 0; i < n; i++) out[i] = in[i] * scale * w[i];
  }
}

/* theta_i = pos * freq_scale * base^(-2i/n_dims) / freq_factors[i]  (RoFormer eq. 15; llama3
 * scaling enters through freq_factors, as llama.cpp's rope_freqs tensor). */
void ai_cpu_rope(void *vctx, const struct ai_tensor *x, const struct ai_rope_params *p) {
  (void)vctx;
  int64_t head_dim = x->ne[0], n_heads = x->ne[1], n_tok = x->ne[2];
  int32_t half = p->n_dims / 2;
  assert(p->n_dims <= head_dim && p->n_dims % 2 == 0 && half <= 256);
  float inv_freq[256];
  for (int32_t i = 0; i < half; i++) {
    inv_freq[i] = p->freq_scale * powf(p->freq_base, -2.0f * (float)i / (float)p->n_dims);
    if (p->freq_factors) inv_freq[i] /= p->freq_factors[i];
  }
  float cos_t[256], sin_t[256];
  for (int64_t t = 0; t < n_tok; t++) {
    float pos = (float)(p->pos0 + t);
    for (int32_t i = 0; i < half; i++) {
      float theta = pos * inv_freq[i];
      cos_t[i] = cosf(theta);
      sin_t[i] = sinf(theta);
    }
    for (int64_t h = 0; h < n_heads; h++) {
      float *v = ai_tensor_row(x, h, t, 0);
      for (int32_t i = 0; i < half; i++) {
        /* NeoX pairs element i with i + n_dims/2; GPT-J style pairs 2i with 2i+1. */
        int32_t a = p->is_neox ? i : 2 * i, b = p->is_neox ? i + half : 2 * i + 1;
        float x0 = v[a], x1 = v[b];
        v[a] = x0 * cos_t[i] - x1 * sin_t[i];
        v[b] = x0 * sin_t[i] + x1 * cos_t[i];
      }
    }
  }
}

void ai_cpu_kv_store(void *vctx, const struct ai_tensor *src, const struct ai_tensor *cache,
                     int32_t pos0) {
  (void)vctx;
  int64_t head_dim = src->ne[0], n_kv_head = src->ne[1], n_tok = src->ne[2];
  assert(cache->ne[0] == head_dim && cache->ne[2] == n_kv_head && pos0 + n_tok <= cache->ne[1]);
  assert(src->type == AI_TYPE_F32 && cache->type == AI_TYPE_F32);
  for (int64_t t = 0; t < n_tok; t++)
    for (int64_t h = 0; h < n_kv_head; h++)
      memcpy(ai_tensor_row(cache, pos0 + t, h, 0), ai_tensor_row(src, h, t, 0),
             (size_t)head_dim * sizeof(float));
}

void ai_cpu_silu_mul(void *vctx, const struct ai_tensor *gate, const struct ai_tensor *up,
                     const struct ai_tensor *dst) {
  (void)vctx;
  for (int64_t t = 0; t < gate->ne[1]; t++) {
    const float *g = ai_tensor_row(gate, t, 0, 0), *u = ai_tensor_row(up, t, 0, 0);
    float *o = ai_tensor_row(dst, t, 0, 0);
    for (int64_t i = 0; i < gate->ne[0]; i++) o[i] = g[i] / (1.0f + expf(-g[i])) * u[i];
  }
}

void ai_cpu_add(void *vctx, const struct ai_tensor *a, const struct ai_tensor *b,
                const struct ai_tensor *dst) {
  (void)vctx;
  for (int64_t t = 0; t < a->ne[1]; t++) {
    const float *x = ai_tensor_row(a, t, 0, 0), *y = ai_tensor_row(b, t, 0, 0);
    float *o = ai_tensor_row(dst, t, 0, 0);
    for (int64_t i = 0; i < a->ne[0]; i++) o[i] = x[i] + y[i];
  }
}

void ai_cpu_layer_norm(void *vctx, const struct ai_tensor *x, const struct ai_tensor *weight,
                       const struct ai_tensor *bias, float eps, const struct ai_tensor *dst) {
  (void)vctx;
  int64_t n = x->ne[0];
  const float *w = ai_tensor_row(weight, 0, 0, 0), *bv = ai_tensor_row(bias, 0, 0, 0);
  for (int64_t t = 0; t < x->ne[1]; t++) {
    const float *in = ai_tensor_row(x, t, 0, 0);
    float *out = ai_tensor_row(dst, t, 0, 0);
    double sum = 0.0, sq = 0.0;
    for (int64_t i = 0; i < n; i++) sum += in[i];
    double mean = sum / (double)n;
    for (int64_t i = 0; i < n; i++) sq += ((double)in[i] - mean) * ((double)in[i] - mean);
    float scale = (float)(1.0 / sqrt(sq / (double)n + (double)eps)), m = (float)mean;
    for (int64_t i = 0; i < n; i++) out[i] = (in[i] - m) * scale * w[i] + bv[i];
  }
}

struct gelu_task {
  const struct ai_tensor *x, *dst;
  ai_gelu_fn fn;
};

/* Columns are split over threads: erf costs tens of cycles, and the encoder's feed-forward
 * activations are millions of elements. */
static void gelu_task_run(int ith, int nth, void *arg) {
  const struct gelu_task *g = arg;
  int64_t t0, t1;
  ai_cpu_split(g->x->ne[1], ith, nth, 1, &t0, &t1);
  for (int64_t t = t0; t < t1; t++)
    g->fn(ai_tensor_row(g->x, t, 0, 0), ai_tensor_row(g->dst, t, 0, 0), g->x->ne[0]);
}

void ai_cpu_gelu(void *vctx, const struct ai_tensor *x, const struct ai_tensor *dst) {
  struct cpu_ctx *ctx = vctx;
  assert(x->type == AI_TYPE_F32 && dst->type == AI_TYPE_F32 && x->ne[0] == dst->ne[0]);
  struct gelu_task g = {x, dst, ctx->vmath.gelu};
  ai_threadpool_run(ctx->pool, gelu_task_run, &g);
}
