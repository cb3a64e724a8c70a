/* 1-D convolution as im2col + matmul: each output frame's receptive field (k taps of c_in
 * channels, in the weight's [k, c_in] order) is laid out as one column of `cols`, then the
 * weight, seen as a [k * c_in, c_out] matrix, multiplies all columns at once with the gemm
 * kernels every matmul uses. */
#include <assert.h>
#include <string.h>

#include "backend/cpu/cpu_internal.h"

struct im2col_task {
  const struct ai_tensor *x, *cols;
  const struct ai_conv1d_params *p;
  int64_t k, t_out;
};

static void im2col_task_run(int ith, int nth, void *arg) {
  const struct im2col_task *a = arg;
  int64_t t0, t1, c_in = a->x->ne[0], t_in = a->x->ne[1];
  ai_cpu_split(a->t_out, ith, nth, 1, &t0, &t1);
  for (int64_t t = t0; t < t1; t++) {
    float *col = ai_tensor_row(a->cols, t, 0, 0);
    for (int64_t j = 0; j < a->k; j++) {
      int64_t src = t * a->p->stride + j - a->p->pad;
      const float *in = src >= 0 && src < t_in ? ai_tensor_row(a->x, src, 0, 0) : NULL;
      /* cols[c * k + j] = x[c, src]: the weight's innermost dimension is the tap. */
      for (int64_t c = 0; c < c_in; c++) col[c * a->k + j] = in ? in[c] : 0.0f;
    }
  }
}

void ai_cpu_conv1d(void *vctx, const struct ai_tensor *w, const struct ai_tensor *x,
                   const struct ai_tensor *bias, const struct ai_conv1d_params *p,
                   const struct ai_tensor *cols, const struct ai_tensor *dst) {
  struct cpu_ctx *ctx = vctx;
  int64_t k = w->ne[0], c_in = w->ne[1], c_out = w->ne[2], t_out = dst->ne[1];
  assert(x->type == AI_TYPE_F32 && cols->type == AI_TYPE_F32 && dst->type == AI_TYPE_F32);
  assert(p->stride >= 1 && p->pad >= 0 && x->ne[0] == c_in && dst->ne[0] == c_out);
  assert(t_out == (x->ne[1] + 2 * p->pad - k) / p->stride + 1);
  assert(cols->ne[0] >= k * c_in && cols->ne[1] >= t_out);
  assert(w->nb[2] == w->nb[1] * (size_t)c_in); /* taps and channels packed: one matmul row */
  struct ai_tensor w2, col_view;
  ai_conv1d_matmul_views(w, cols, t_out, &w2, &col_view);
  struct im2col_task a = {x, &col_view, p, k, t_out};
  ai_threadpool_run(ctx->pool, im2col_task_run, &a);
  ai_cpu_matmul(ctx, &w2, &col_view, bias, dst);
}
