/* Scaled dot-product attention over the KV cache (Vaswani et al. 2017, eq. 1), grouped-query
 * (Ainslie et al. 2023): query head h reads KV head h / (n_head / n_kv_head). Work is split
 * over (token, head) pairs; each thread keeps its scores in its own scratch row. */
#include <assert.h>
#include <math.h>

#include "backend/cpu/cpu_internal.h"

struct attention_task {
  struct cpu_ctx *ctx;
  const struct ai_tensor *q, *k, *v, *dst;
  const struct ai_attention_params *p;
};

static void attend_one(const struct attention_task *a, float *scores, int64_t t, int64_t h) {
  int64_t head_dim = a->q->ne[0], n_head = a->q->ne[1], n_kv_head = a->k->ne[2];
  int64_t g = h / (n_head / n_kv_head);
  int64_t n_keys = a->p->is_causal ? a->p->n_past + t + 1 : a->k->ne[1];
  const float *q = ai_tensor_row(a->q, h, t, 0);
  const ai_vec_dot_fn dot = a->ctx->kernels[AI_TYPE_F32].vec_dot;
  float max = -INFINITY;
  for (int64_t j = 0; j < n_keys; j++) {
    float s;
    dot(head_dim, &s, q, ai_tensor_row(a->k, j, g, 0));
    scores[j] = s * a->p->scale;
    if (scores[j] > max) max = scores[j];
  }
  float sum = 0.0f;
  for (int64_t j = 0; j < n_keys; j++) {
    scores[j] = expf(scores[j] - max);
    sum += scores[j];
  }
  float *out = ai_tensor_row(a->dst, h, t, 0);
  for (int64_t i = 0; i < head_dim; i++) out[i] = 0.0f;
  float inv = 1.0f / sum;
  for (int64_t j = 0; j < n_keys; j++) {
    const float *v = ai_tensor_row(a->v, j, g, 0);
    float w = scores[j] * inv;
    for (int64_t i = 0; i < head_dim; i++) out[i] += w * v[i];
  }
}

static void attention_task_run(int ith, int nth, void *arg) {
  const struct attention_task *a = arg;
  int64_t n_head = a->q->ne[1], n_pairs = n_head * a->q->ne[2];
  float *scores = a->ctx->score_scratch + (size_t)ith * (size_t)a->ctx->max_ctx;
  for (int64_t i = ith; i < n_pairs; i += nth) attend_one(a, scores, i / n_head, i % n_head);
}

void ai_cpu_attention(void *vctx, const struct ai_tensor *q, const struct ai_tensor *k_cache,
                      const struct ai_tensor *v_cache, const struct ai_attention_params *p,
                      const struct ai_tensor *dst) {
  struct cpu_ctx *ctx = vctx;
  assert(q->ne[1] % k_cache->ne[2] == 0);
  assert(!p->is_causal ||
         (p->n_past + q->ne[2] <= ctx->max_ctx && p->n_past + q->ne[2] <= k_cache->ne[1]));
  assert(p->is_causal || k_cache->ne[1] <= ctx->max_ctx);
  struct attention_task a = {ctx, q, k_cache, v_cache, dst, p};
  ai_threadpool_run(ctx->pool, attention_task_run, &a);
}
