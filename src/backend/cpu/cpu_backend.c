/* CPU backend: buffers in host memory, the ops table, creation. */
#include "backend/cpu/cpu_backend.h"

#include <string.h>

#include "backend/cpu/cpu_internal.h"

static anyinfer_status cpu_buffer_alloc(void *vctx, size_t bytes, struct ai_buffer **out,
                                        struct ai_error *err) {
  struct cpu_ctx *ctx = vctx;
  struct ai_buffer *b = ai_calloc(&ctx->alloc, 1, sizeof *b);
  void *host = b ? ai_calloc(&ctx->alloc, 1, bytes ? bytes : 1) : NULL;
  if (!host) {
    ai_free(&ctx->alloc, b);
    return ai_error_set(err, ANYINFER_E_NOMEM, "cpu: cannot allocate a buffer of %zu bytes", bytes);
  }
  *b = (struct ai_buffer){.host = host, .bytes = bytes};
  *out = b;
  return ANYINFER_OK;
}

static anyinfer_status cpu_buffer_from_host(void *vctx, const void *host, size_t bytes,
                                            struct ai_buffer **out, struct ai_error *err) {
  struct cpu_ctx *ctx = vctx;
  struct ai_buffer *b = ai_calloc(&ctx->alloc, 1, sizeof *b);
  if (!b) return ai_error_set(err, ANYINFER_E_NOMEM, "cpu: out of memory");
  *b = (struct ai_buffer){.host = (void *)host, .bytes = bytes, .is_borrowed = true};
  *out = b;
  return ANYINFER_OK;
}

static void cpu_buffer_free(void *vctx, struct ai_buffer *b) {
  struct cpu_ctx *ctx = vctx;
  if (!b) return;
  if (!b->is_borrowed) ai_free(&ctx->alloc, b->host);
  ai_free(&ctx->alloc, b);
}

static void cpu_write(void *ctx, struct ai_buffer *b, size_t offset, const void *src,
                      size_t bytes) {
  (void)ctx;
  memcpy((char *)b->host + offset, src, bytes);
}

static void cpu_read(void *ctx, const struct ai_buffer *b, size_t offset, void *dst, size_t bytes) {
  (void)ctx;
  memcpy(dst, (const char *)b->host + offset, bytes);
}

static bool cpu_supports(void *vctx, enum ai_op op, enum ai_type type) {
  struct cpu_ctx *ctx = vctx;
  switch (op) {
    case AI_OP_MATMUL:
    case AI_OP_GET_ROWS:
    case AI_OP_CONV1D:
      return type >= 0 && type < AI_TYPE_COUNT && ctx->has_kernels[type];
    case AI_OP_ARGMAX:
    case AI_OP_COUNT:
      return false;
    default:
      return type == AI_TYPE_F32;
  }
}

static void cpu_free(void *vctx) {
  struct cpu_ctx *ctx = vctx;
  if (!ctx) return;
  struct ai_alloc alloc = ctx->alloc;
  ai_threadpool_free(ctx->pool);
  ai_free(&alloc, ctx->act_scratch);
  ai_free(&alloc, ctx->score_scratch);
  ai_free(&alloc, ctx->block_scratch);
  ai_free(&alloc, ctx);
}

static const struct ai_backend_ops cpu_ops = {
    .name = "cpu",
    .free = cpu_free,
    .buffer_alloc = cpu_buffer_alloc,
    .buffer_from_host = cpu_buffer_from_host,
    .buffer_free = cpu_buffer_free,
    .write = cpu_write,
    .read = cpu_read,
    .sync = NULL,
    .supports = cpu_supports,
    .get_rows = ai_cpu_get_rows,
    .rms_norm = ai_cpu_rms_norm,
    .matmul = ai_cpu_matmul,
    .rope = ai_cpu_rope,
    .kv_store = ai_cpu_kv_store,
    .attention = ai_cpu_attention,
    .silu_mul = ai_cpu_silu_mul,
    .add = ai_cpu_add,
    .layer_norm = ai_cpu_layer_norm,
    .gelu = ai_cpu_gelu,
    .conv1d = ai_cpu_conv1d,
};

anyinfer_status ai_cpu_backend_create(const struct ai_alloc *alloc,
                                      const struct ai_cpu_backend_params *p, struct ai_backend *out,
                                      struct ai_error *err) {
  *out = (struct ai_backend){0};
  if (p->n_threads < 1 || p->max_k < 1 || p->max_tok < 1 || p->max_ctx < 1)
    return ai_error_set(err, ANYINFER_E_INVAL,
                        "cpu: threads %d, max_k %lld, max_tok %lld, max_ctx %d: all must be >= 1",
                        p->n_threads, (long long)p->max_k, (long long)p->max_tok, p->max_ctx);
  struct cpu_ctx *ctx = ai_calloc(alloc, 1, sizeof *ctx);
  if (!ctx) return ai_error_set(err, ANYINFER_E_NOMEM, "cpu: out of memory");
  ctx->alloc = *alloc;
  ctx->isa = p->isa;
  ctx->max_ctx = p->max_ctx;
  ctx->max_head_dim = p->max_head_dim > 0 ? p->max_head_dim : 0;
  ai_vmath_kernels_get(p->isa, &ctx->vmath);
  for (int t = 0; t < AI_TYPE_COUNT; t++)
    ctx->has_kernels[t] = ai_cpu_kernels_get((enum ai_type)t, p->isa, &ctx->kernels[t]);

  /* The widest activation row is F32 (4 bytes per element) or a quantized type smaller than
   * that, so max_tok × max_k × 4 bounds every vec_dot_type buffer. */
  size_t act_bytes, score_count;
  anyinfer_status st = ANYINFER_E_NOMEM;
  if (!ai_mul_size((size_t)p->max_tok, (size_t)p->max_k, &act_bytes) ||
      !ai_mul_size(act_bytes, 4, &act_bytes) ||
      !ai_mul_size((size_t)p->n_threads, (size_t)p->max_ctx, &score_count)) {
    st = ai_error_set(err, ANYINFER_E_INVAL, "cpu: scratch size overflows");
    goto fail;
  }
  ctx->act_scratch_bytes = act_bytes;
  ctx->act_scratch = ai_malloc(alloc, act_bytes);
  ctx->score_scratch = ai_calloc(alloc, score_count, sizeof(float));
  if (!ctx->act_scratch || !ctx->score_scratch) {
    st = ai_error_set(err, ANYINFER_E_NOMEM, "cpu: cannot allocate %zu bytes of scratch",
                      act_bytes + score_count * sizeof(float));
    goto fail;
  }
  if (ctx->max_head_dim > 0) {
    size_t per = (size_t)(ATT_QBLK + ctx->max_head_dim) * (size_t)p->max_ctx, all;
    if (!ai_mul_size(per, (size_t)p->n_threads, &all) ||
        !(ctx->block_scratch = ai_calloc(alloc, all, sizeof(float)))) {
      st = ai_error_set(err, ANYINFER_E_NOMEM, "cpu: cannot allocate attention scratch");
      goto fail;
    }
    ctx->block_scratch_per_thread = per;
  }
  st = ai_threadpool_create(alloc, p->n_threads, &ctx->pool, err);
  if (st != ANYINFER_OK) goto fail;
  *out = (struct ai_backend){&cpu_ops, ctx};
  return ANYINFER_OK;
fail:
  cpu_free(ctx);
  return st;
}
