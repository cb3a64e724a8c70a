/* Scaled dot-product attention over the KV cache (Vaswani et al. 2017, eq. 1), grouped-query
 * (Ainslie et al. 2023): query head h reads KV head h / (n_head / n_kv_head). Work is split
 * over (token, head) pairs; each thread keeps its scores in its own scratch row.
 *
 * Non-causal attention of many queries (Whisper's encoder: 1500 queries x 1500 keys per head)
 * takes the blocked path instead: per head, a block of ATT_QBLK queries against all keys is one
 * F32 gemm (scores = Q K^T), a vectorized softmax per row, and a second gemm against the head's
 * values transposed once into thread scratch (out = P V); threads take contiguous runs of
 * (head, block) tasks, so each transposes few heads. */
#include <assert.h>

#include "backend/cpu/cpu_internal.h"

struct attention_task {
  struct cpu_ctx *ctx;
  const struct ai_tensor *q, *k, *v, *dst;
  const struct ai_attention_params *p;
};

/* row[0..n) = softmax(row * scale), with the vectorized exp. */
static void softmax_row(const struct cpu_ctx *ctx, float *row, int64_t n, float scale) {
  float inv = 1.0f / ctx->vmath.softmax_exp(row, n, scale);
  for (int64_t j = 0; j < n; j++) row[j] *= inv;
}

static void attend_one(const struct attention_task *a, float *scores, int64_t t, int64_t h) {
  int64_t head_dim = a->q->ne[0], n_head = a->q->ne[1], n_kv_head = a->k->ne[2];
  int64_t g = h / (n_head / n_kv_head);
  int64_t n_keys = a->p->is_causal ? a->p->n_past + t + 1 : a->k->ne[1];
  /* scores = K q in one gemm call (a dot call per key cost more than its arithmetic) */
  a->ctx->kernels[AI_TYPE_F32].gemm(head_dim, ai_tensor_row(a->k, 0, g, 0), a->k->nb[1], 0, n_keys,
                                    ai_tensor_row(a->q, h, t, 0), a->q->nb[1], 1, scores, n_keys);
  softmax_row(a->ctx, scores, n_keys, a->p->scale);
  float *out = ai_tensor_row(a->dst, h, t, 0);
  /* Eight output elements at a time, kept in a local array across all keys: the compiler turns
   * that into vector registers at -O2 (a plain out[i] += w * v[i] loop stays scalar there), and
   * this loop was most of a decode step's attention time. */
  int64_t i = 0;
  for (; i + 8 <= head_dim; i += 8) {
    float acc[8] = {0};
    for (int64_t j = 0; j < n_keys; j++) {
      const float *v = (const float *)ai_tensor_row(a->v, j, g, 0) + i;
      for (int l = 0; l < 8; l++) acc[l] += scores[j] * v[l];
    }
    for (int l = 0; l < 8; l++) out[i + l] = acc[l];
  }
  for (; i < head_dim; i++) {
    float acc = 0.0f;
    for (int64_t j = 0; j < n_keys; j++)
      acc += scores[j] * ((const float *)ai_tensor_row(a->v, j, g, 0))[i];
    out[i] = acc;
  }
}

/* One block of nq queries t0.. of head h; vt holds head g's values transposed. */
static void attend_block(const struct attention_task *a, float *scores, const float *vt, int64_t h,
                         int64_t g, int64_t t0, int64_t nq) {
  const struct ai_cpu_kernels *f32 = &a->ctx->kernels[AI_TYPE_F32];
  int64_t head_dim = a->q->ne[0], n_kv = a->k->ne[1];
  f32->gemm(head_dim, ai_tensor_row(a->k, 0, g, 0), a->k->nb[1], 0, n_kv,
            ai_tensor_row(a->q, h, t0, 0), a->q->nb[2], nq, scores, n_kv);
  for (int64_t t = 0; t < nq; t++) softmax_row(a->ctx, scores + t * n_kv, n_kv, a->p->scale);
  f32->gemm(n_kv, vt, (size_t)n_kv * sizeof(float), 0, head_dim, scores,
            (size_t)n_kv * sizeof(float), nq, ai_tensor_row(a->dst, h, t0, 0),
            (int64_t)(a->dst->nb[2] / sizeof(float)));
}

static void attention_blocked_run(int ith, int nth, void *arg) {
  const struct attention_task *a = arg;
  int64_t head_dim = a->q->ne[0], n_head = a->q->ne[1], n_q = a->q->ne[2], n_kv = a->k->ne[1];
  int64_t n_kv_head = a->k->ne[2], n_blk = (n_q + ATT_QBLK - 1) / ATT_QBLK, i0, i1;
  ai_cpu_split(n_head * n_blk, ith, nth, 1, &i0, &i1);
  float *scores = a->ctx->block_scratch + (size_t)ith * a->ctx->block_scratch_per_thread;
  float *vt = scores + (size_t)ATT_QBLK * (size_t)a->ctx->max_ctx;
  int64_t g_loaded = -1;
  for (int64_t i = i0; i < i1; i++) {
    int64_t h = i / n_blk, b = i % n_blk, g = h / (n_head / n_kv_head);
    if (g != g_loaded) {
      for (int64_t j = 0; j < n_kv; j++) {
        const float *v = ai_tensor_row(a->v, j, g, 0);
        for (int64_t d = 0; d < head_dim; d++) vt[d * n_kv + j] = v[d];
      }
      g_loaded = g;
    }
    int64_t t0 = b * ATT_QBLK, nq = n_q - t0 < ATT_QBLK ? n_q - t0 : ATT_QBLK;
    attend_block(a, scores, vt, h, g, t0, nq);
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
  bool is_blocked = !p->is_causal && q->ne[2] >= ATT_QBLK && q->ne[0] <= ctx->max_head_dim;
  ai_threadpool_run(ctx->pool, is_blocked ? attention_blocked_run : attention_task_run, &a);
}
