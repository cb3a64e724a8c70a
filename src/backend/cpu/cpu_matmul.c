/* Matrix multiplication on the CPU: activations are converted once to the weight type's
 * vec_dot_type (8-bit for quantized weights, as llama.cpp does), then each thread runs the gemm
 * kernel over its own band of weight rows. Rows are split, not tokens, so every weight byte is
 * read by one thread only: decode is bound by memory bandwidth. */
#include <assert.h>
#include <string.h>

#include "backend/cpu/cpu_internal.h"

/* Weight rows per thread band are a multiple of this, so micro-kernels see whole tiles. */
#define ROW_ALIGN 16

struct matmul_task {
  const struct cpu_ctx *ctx;
  const struct ai_cpu_kernels *kern;
  const struct ai_tensor *w, *x, *bias, *dst;
  const void *xq; /* activations in vec_dot_type */
  size_t xq_row_bytes;
  size_t x_row_bytes_f32;
};

static void quantize_rows(const struct matmul_task *m, int64_t t0, int64_t t1) {
  int64_t k = m->w->ne[0];
  for (int64_t t = t0; t < t1; t++)
    m->kern->quantize_act((const float *)ai_tensor_row(m->x, t, 0, 0),
                          (char *)m->xq + (size_t)t * m->xq_row_bytes, k);
}

static void quantize_task(int ith, int nth, void *arg) {
  const struct matmul_task *m = arg;
  int64_t t0, t1;
  ai_cpu_split(m->x->ne[1], ith, nth, 1, &t0, &t1);
  quantize_rows(m, t0, t1);
}

static void gemm_task(int ith, int nth, void *arg) {
  const struct matmul_task *m = arg;
  const struct ai_tensor *w = m->w, *dst = m->dst;
  int64_t r0, r1, n_tok = m->x->ne[1];
  ai_cpu_split(w->ne[1], ith, nth, ROW_ALIGN, &r0, &r1);
  if (r0 >= r1) return;
  float *y = ai_tensor_row(dst, 0, 0, 0);
  int64_t y_stride = (int64_t)(dst->nb[1] / sizeof(float));
  m->kern->gemm(w->ne[0], ai_tensor_row(w, 0, 0, 0), w->nb[1], r0, r1, m->xq, m->xq_row_bytes,
                n_tok, y, y_stride);
  if (m->bias) {
    const float *b = ai_tensor_row(m->bias, 0, 0, 0);
    for (int64_t t = 0; t < n_tok; t++)
      for (int64_t r = r0; r < r1; r++) y[t * y_stride + r] += b[r];
  }
}

void ai_cpu_matmul(void *vctx, const struct ai_tensor *w, const struct ai_tensor *x,
                   const struct ai_tensor *bias, const struct ai_tensor *dst) {
  struct cpu_ctx *ctx = vctx;
  assert(x->type == AI_TYPE_F32 && dst->type == AI_TYPE_F32);
  assert(x->ne[0] == w->ne[0] && dst->ne[0] == w->ne[1] && dst->ne[1] == x->ne[1]);
  assert(ctx->has_kernels[w->type]);
  const struct ai_type_traits *tr = ai_type_traits_get(w->type);
  struct matmul_task m = {
      .ctx = ctx, .kern = &ctx->kernels[w->type], .w = w, .x = x, .bias = bias, .dst = dst};
  int64_t n_tok = x->ne[1];
  if (tr->vec_dot_type == AI_TYPE_F32 && x->nb[1] == (size_t)x->ne[0] * sizeof(float)) {
    m.xq = ai_tensor_row(x, 0, 0, 0);
    m.xq_row_bytes = x->nb[1];
  } else {
    m.xq = ctx->act_scratch;
    m.xq_row_bytes = ai_type_row_bytes(tr->vec_dot_type, w->ne[0]);
    assert(m.xq_row_bytes * (size_t)n_tok <= ctx->act_scratch_bytes);
    /* One token's activations take microseconds: not worth waking the pool for. */
    if (n_tok == 1)
      quantize_rows(&m, 0, 1);
    else
      ai_threadpool_run(ctx->pool, quantize_task, &m);
  }
  ai_threadpool_run(ctx->pool, gemm_task, &m);
}
