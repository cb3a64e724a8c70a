/* The CPU backend: runs each op at once on a spinning thread pool with the kernels of the best
 * instruction set this CPU has (src/tensor). */
#ifndef AI_BACKEND_CPU_BACKEND_H
#define AI_BACKEND_CPU_BACKEND_H

#include "backend/backend.h"
#include "base/alloc.h"

struct ai_cpu_backend_params {
  int n_threads;   /* >= 1 */
  int64_t max_k;   /* largest inner dimension of any matmul (scratch for quantized activations) */
  int64_t max_tok; /* most tokens per op */
  int32_t max_ctx; /* longest attention span (scratch for scores) */
  enum ai_isa isa; /* kernels to use; ai_isa_detect() for the best */
  /* > 0: scratch for the blocked attention path of non-causal attention over many queries
   * (Whisper's encoder) with heads up to this size; 0: that path is off */
  int32_t max_head_dim;
};

/* Creates the backend into *out. ANYINFER_E_NOMEM, ANYINFER_E_INVAL (bad params). */
anyinfer_status ai_cpu_backend_create(const struct ai_alloc *alloc,
                                      const struct ai_cpu_backend_params *params,
                                      struct ai_backend *out, struct ai_error *err);

#endif
