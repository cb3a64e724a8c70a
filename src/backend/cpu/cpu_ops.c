/* The CPU backend's light ops: embedding lookup, RMSNorm, RoPE, KV-cache store, SwiGLU, add,
 * LayerNorm and GELU. Each costs microseconds per token, less than waking the pool would, so
 * they run on the calling thread; GELU and SwiGLU, whose erf and exp cost tens of cycles, use the
 * pool for more than one row.
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

/* GELU and SwiGLU: erf and exp cost tens of cycles, and a prompt's or Whisper encoder's
 * feed-forward activations are millions of elements, so rows are split over the threads (one row, a
 * decode step's, runs on the calling thread: less than waking the pool would cost). up is NULL for
 * GELU. */
struct activation_task {
  const struct ai_tensor *x, *up, *dst;
  const struct ai_vmath_kernels *vmath;
};

static void activation_task_run(int ith, int nth, void *arg) {
  const struct activation_task *a = arg;
  int64_t t0, t1, n = a->x->ne[0];
  ai_cpu_split(a->x->ne[1], ith, nth, 1, &t0, &t1);
  for (int64_t t = t0; t < t1; t++) {
    float *out = ai_tensor_row(a->dst, t, 0, 0);
    if (a->up)
      a->vmath->silu_mul(ai_tensor_row(a->x, t, 0, 0), ai_tensor_row(a->up, t, 0, 0), out, n);
    else
      a->vmath->gelu(ai_tensor_row(a->x, t, 0, 0), out, n);
  }
}

static void activation(struct cpu_ctx *ctx, const struct ai_tensor *x, const struct ai_tensor *up,
                       const struct ai_tensor *dst) {
  assert(x->type == AI_TYPE_F32 && dst->type == AI_TYPE_F32 && x->ne[0] == dst->ne[0]);
  struct activation_task a = {x, up, dst, &ctx->vmath};
  if (x->ne[1] == 1) {
    activation_task_run(0, 1, &a);
  } else {
    ai_threadpool_run(ctx->pool, activation_task_run, &a);
  }
}

void ai_cpu_gelu(void *vctx, const struct ai_tensor *x, const struct ai_tensor *dst) {
  activation(vctx, x, NULL, dst);
}

void ai_cpu_silu_mul(void *vctx, const struct ai_tensor *gate, const struct ai_tensor *up,
                     const struct ai_tensor *dst) {
  activation(vctx, gate, up, dst);
}
