/* The backend interface: device memory (buffers) and the ops a forward pass is made of. A model
 * describes *what* to compute as calls on tensor views; a backend decides *how* (shared/DESIGN.md,
 * "The backend interface"). Ops are enqueued and return at once; only sync and read wait. The CPU
 * backend runs each op when it is called; a GPU backend records them. */
#ifndef AI_BACKEND_BACKEND_H
#define AI_BACKEND_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "tensor/types.h"

/* Device memory. The backend that made a buffer owns it. host is the buffer's bytes where the
 * host can address them (CPU), else NULL. */
struct ai_buffer {
  void *host;
  size_t bytes;
  bool is_borrowed; /* wraps memory the backend does not own (a mapped weight file) */
  void *impl;       /* backend's own handle */
};

/* A view of a buffer: element type, shape and byte strides, innermost dimension first. Owns
 * nothing. Invariants: nb[0] is the size of one element (or of one block for quantized types,
 * with ne[0] a multiple of the block size); nb[1] >= bytes of one row; nb[i+1] >= nb[i] * ne[i]
 * for i >= 1 unless the view is a deliberate permutation; unused dimensions have ne = 1. */
struct ai_tensor {
  enum ai_type type;
  int64_t ne[4];
  size_t nb[4];
  struct ai_buffer *buffer;
  size_t offset; /* bytes from the start of buffer */
};

enum ai_op {
  AI_OP_GET_ROWS,
  AI_OP_RMS_NORM,
  AI_OP_MATMUL,
  AI_OP_ROPE,
  AI_OP_KV_STORE,
  AI_OP_ATTENTION,
  AI_OP_SILU_MUL,
  AI_OP_ADD,
  AI_OP_ARGMAX,
  AI_OP_LAYER_NORM,
  AI_OP_GELU,
  AI_OP_CONV1D,
  AI_OP_COUNT
};

struct ai_rope_params {
  int32_t n_dims;            /* rotated dimensions per head (<= head size) */
  bool is_neox;              /* pairs (i, i + n_dims/2) instead of (2i, 2i+1) */
  float freq_base;           /* theta base, e.g. 10000 */
  float freq_scale;          /* linear position scaling (1 = none) */
  const float *freq_factors; /* n_dims/2 divisors of the frequencies (llama3 rope_freqs), or NULL */
  int32_t pos0;              /* position of the first token */
};

struct ai_attention_params {
  int32_t n_past; /* tokens already in the cache before this batch */
  float scale;    /* applied to q·k, usually 1/sqrt(head_dim) */
  bool is_causal; /* token t sees cache positions < n_past + t + 1; when false, every query sees
                    all k_cache->ne[1] positions and n_past is ignored (encoder, cross-attention) */
};

struct ai_conv1d_params {
  int32_t stride; /* >= 1 */
  int32_t pad;    /* zero frames added at each end, >= 0 */
};

/* One backend: an ops table plus its context. `(optional)` entries may be NULL; callers use the
 * ai_backend_* wrappers, which supply defaults. */
struct ai_backend_ops {
  const char *name;
  void (*free)(void *ctx);

  anyinfer_status (*buffer_alloc)(void *ctx, size_t bytes, struct ai_buffer **out,
                                  struct ai_error *err);
  /* Wraps host memory that outlives the buffer (a mapped file): the CPU borrows it, a GPU
   * uploads it. */
  anyinfer_status (*buffer_from_host)(void *ctx, const void *host, size_t bytes,
                                      struct ai_buffer **out, struct ai_error *err);
  void (*buffer_free)(void *ctx, struct ai_buffer *buf);
  void (*write)(void *ctx, struct ai_buffer *buf, size_t offset, const void *src, size_t bytes);
  /* Waits for queued work, then copies out. */
  void (*read)(void *ctx, const struct ai_buffer *buf, size_t offset, void *dst, size_t bytes);
  /* Waits for queued work. (optional: eager backends have nothing to wait for) */
  void (*sync)(void *ctx);
  /* Whether op is implemented for weights/inputs of type. */
  bool (*supports)(void *ctx, enum ai_op op, enum ai_type type);

  /* dst[:, t] = rows tokens[t] of table (any type) as F32; tokens: I32 [n_tok]. */
  void (*get_rows)(void *ctx, const struct ai_tensor *table, const int32_t *tokens, int64_t n_tok,
                   const struct ai_tensor *dst);
  /* dst = x / rms(x) * weight, per column; eps inside the square root. */
  void (*rms_norm)(void *ctx, const struct ai_tensor *x, const struct ai_tensor *weight, float eps,
                   const struct ai_tensor *dst);
  /* dst[r, t] = sum_k w[k, r] * x[k, t] (+ bias[r]); w any type [k, rows]; x, dst F32. */
  void (*matmul)(void *ctx, const struct ai_tensor *w, const struct ai_tensor *x,
                 const struct ai_tensor *bias, const struct ai_tensor *dst);
  /* Rotates x [head_dim, n_heads, n_tok] in place; token t is at position p->pos0 + t. */
  void (*rope)(void *ctx, const struct ai_tensor *x, const struct ai_rope_params *p);
  /* Copies src [head_dim, n_kv_head, n_tok] into cache [head_dim, n_ctx, n_kv_head] at
   * positions pos0 .. pos0 + n_tok - 1. */
  void (*kv_store)(void *ctx, const struct ai_tensor *src, const struct ai_tensor *cache,
                   int32_t pos0);
  /* dst [head_dim, n_head, n_tok] = softmax(q·k * scale) v over the cache, grouped-query:
   * head h reads kv head h / (n_head / n_kv_head). k_cache and v_cache [head_dim, n_kv, n_kv_head]
   * may be strided views, e.g. a matmul output [n_kv_head * head_dim, n_kv] seen with
   * nb[1] = its column stride and nb[2] = head_dim * 4 (the Whisper encoder's own K and V). */
  void (*attention)(void *ctx, const struct ai_tensor *q, const struct ai_tensor *k_cache,
                    const struct ai_tensor *v_cache, const struct ai_attention_params *p,
                    const struct ai_tensor *dst);
  /* dst = silu(gate) * up, elementwise. */
  void (*silu_mul)(void *ctx, const struct ai_tensor *gate, const struct ai_tensor *up,
                   const struct ai_tensor *dst);
  /* dst = a + b, elementwise (dst may alias a). */
  void (*add)(void *ctx, const struct ai_tensor *a, const struct ai_tensor *b,
              const struct ai_tensor *dst);
  /* dst = (x - mean(x)) / sqrt(var(x) + eps) * weight + bias, per column (Ba et al. 2016; the
   * biased variance, as torch.nn.LayerNorm); weight, bias F32 [ne0]. dst may alias x. */
  void (*layer_norm)(void *ctx, const struct ai_tensor *x, const struct ai_tensor *weight,
                     const struct ai_tensor *bias, float eps, const struct ai_tensor *dst);
  /* dst = x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)), elementwise: the exact GELU of
   * torch.nn.GELU() (Hendrycks & Gimpel 2016), not the tanh approximation. dst may alias x. */
  void (*gelu)(void *ctx, const struct ai_tensor *x, const struct ai_tensor *dst);
  /* 1-D convolution over time: x F32 [c_in, t_in] (channels innermost), w any matmul type
   * [k, c_in, c_out] (PyTorch's Conv1d weight [c_out, c_in, k]), bias F32 [c_out] or NULL,
   * dst F32 [c_out, t_out] with t_out = (t_in + 2 pad - k) / stride + 1:
   *   dst[o, t] = bias[o] + sum_{c, j} w[j, c, o] * x[c, t * stride + j - pad] (0 outside x).
   * cols: F32 scratch of at least [k * c_in, t_out] the backend may use (im2col). */
  void (*conv1d)(void *ctx, const struct ai_tensor *w, const struct ai_tensor *x,
                 const struct ai_tensor *bias, const struct ai_conv1d_params *p,
                 const struct ai_tensor *cols, const struct ai_tensor *dst);
};

struct ai_backend {
  const struct ai_backend_ops *ops;
  void *ctx;
};

/* Wrappers: callers never test for optional entries. */
void ai_backend_sync(const struct ai_backend *b);
void ai_backend_free(struct ai_backend *b);

/* A contiguous view: ne[] as given (missing dims 1), strides packed. */
struct ai_tensor ai_tensor_make(enum ai_type type, struct ai_buffer *buf, size_t offset, int n_dims,
                                const int64_t *ne);
/* Bytes of a packed tensor of type with shape ne[4]. 0 on overflow or a bad row size. */
size_t ai_tensor_packed_bytes(enum ai_type type, const int64_t ne[4]);
/* conv1d as im2col + matmul, the same on every backend: *w2 is the weight w [k, c_in, c_out]
 * seen as one matrix [k * c_in, c_out] (taps and channels packed), *cols_view the first t_out
 * columns of cols as a packed [k * c_in, t_out] F32 matrix. */
void ai_conv1d_matmul_views(const struct ai_tensor *w, const struct ai_tensor *cols, int64_t t_out,
                            struct ai_tensor *w2, struct ai_tensor *cols_view);
/* Address of element row (i1, i2, i3) on a host buffer. */
static inline void *ai_tensor_row(const struct ai_tensor *t, int64_t i1, int64_t i2, int64_t i3) {
  return (char *)t->buffer->host + t->offset + (size_t)i1 * t->nb[1] + (size_t)i2 * t->nb[2] +
         (size_t)i3 * t->nb[3];
}

#endif
