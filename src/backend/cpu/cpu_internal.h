/* State shared by the CPU backend's files; not for use outside src/backend/cpu/. */
#ifndef AI_BACKEND_CPU_INTERNAL_H
#define AI_BACKEND_CPU_INTERNAL_H

#include "backend/cpu/cpu_backend.h"
#include "base/threadpool.h"
#include "tensor/vmath.h"

/* Queries per block of the blocked (non-causal, many-query) attention path. */
#define ATT_QBLK 16

struct cpu_ctx {
  struct ai_alloc alloc;
  struct ai_threadpool *pool;
  enum ai_isa isa;
  struct ai_cpu_kernels kernels[AI_TYPE_COUNT]; /* picked once at creation */
  bool has_kernels[AI_TYPE_COUNT];
  void *act_scratch; /* quantized activations: max_tok rows of max_k elements */
  size_t act_scratch_bytes;
  float *score_scratch; /* attention scores: n_threads × max_ctx */
  int32_t max_ctx;
  int32_t max_head_dim; /* blocked attention for heads up to this size (0: never) */
  float *block_scratch; /* per thread: ATT_QBLK × max_ctx scores, max_head_dim × max_ctx V^T */
  size_t block_scratch_per_thread;
  struct ai_vmath_kernels vmath;
};

/* Elementwise and data-movement ops (cpu_ops.c). */
void ai_cpu_get_rows(void *ctx, const struct ai_tensor *table, const int32_t *tokens, int64_t n_tok,
                     const struct ai_tensor *dst);
void ai_cpu_rms_norm(void *ctx, const struct ai_tensor *x, const struct ai_tensor *weight,
                     float eps, const struct ai_tensor *dst);
void ai_cpu_rope(void *ctx, const struct ai_tensor *x, const struct ai_rope_params *p);
void ai_cpu_kv_store(void *ctx, const struct ai_tensor *src, const struct ai_tensor *cache,
                     int32_t pos0);
void ai_cpu_silu_mul(void *ctx, const struct ai_tensor *gate, const struct ai_tensor *up,
                     const struct ai_tensor *dst);
void ai_cpu_add(void *ctx, const struct ai_tensor *a, const struct ai_tensor *b,
                const struct ai_tensor *dst);
void ai_cpu_layer_norm(void *ctx, const struct ai_tensor *x, const struct ai_tensor *weight,
                       const struct ai_tensor *bias, float eps, const struct ai_tensor *dst);
void ai_cpu_gelu(void *ctx, const struct ai_tensor *x, const struct ai_tensor *dst);
/* Convolution (cpu_conv.c). */
void ai_cpu_conv1d(void *ctx, const struct ai_tensor *w, const struct ai_tensor *x,
                   const struct ai_tensor *bias, const struct ai_conv1d_params *p,
                   const struct ai_tensor *cols, const struct ai_tensor *dst);
/* Attention (cpu_attention.c). */
void ai_cpu_attention(void *ctx, const struct ai_tensor *q, const struct ai_tensor *k_cache,
                      const struct ai_tensor *v_cache, const struct ai_attention_params *p,
                      const struct ai_tensor *dst);
/* Matmul (cpu_matmul.c). */
void ai_cpu_matmul(void *ctx, const struct ai_tensor *w, const struct ai_tensor *x,
                   const struct ai_tensor *bias, const struct ai_tensor *dst);

/* Rows [*r0, *r1) of n for thread ith of nth, boundaries on multiples of align. */
static inline void ai_cpu_split(int64_t n, int ith, int nth, int64_t align, int64_t *r0,
                                int64_t *r1) {
  int64_t per = (n + nth - 1) / nth;
  per = (per + align - 1) / align * align;
  *r0 = per * ith < n ? per * ith : n;
  *r1 = per * (ith + 1) < n ? per * (ith + 1) : n;
}

#endif
