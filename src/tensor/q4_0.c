/* Q4_0: 4-bit weights, one fp16 scale per 32 elements; x = (q - 8) * d. Activations are Q8_0.
 * Reference kernels first, then the x86 variants (the tiled driver is in qgemm_x86.h).
 *
 * block_q4_0 (18 bytes, ggml-common.h):  d: fp16 | qs[16]
 *   qs[j] & 0x0f is element j, qs[j] >> 4 is element j + 16 (j = 0..15). */
#include <assert.h>
#include <math.h>

#include "base/fp16.h"
#include "tensor/quants.h"

void ai_dequantize_q4_0_ref(const void *vx, float *y, int64_t n) {
  const struct ai_block_q4_0 *x = vx;
  assert(n % AI_QK == 0);
  for (int64_t i = 0; i < n / AI_QK; i++) {
    const float d = ai_fp16_to_fp32(x[i].d);
    for (int j = 0; j < AI_QK / 2; j++) {
      y[i * AI_QK + j] = ((x[i].qs[j] & 0x0f) - 8) * d;
      y[i * AI_QK + j + 16] = ((x[i].qs[j] >> 4) - 8) * d;
    }
  }
}

/* As llama.cpp quantize_row_q4_0_ref: the value of largest magnitude, sign kept, maps to -8:
 * d = max / -8, q = min(15, (int8_t)(x / d + 8.5)). */
void ai_quantize_q4_0_ref(const float *x, void *vy, int64_t n) {
  struct ai_block_q4_0 *y = vy;
  assert(n % AI_QK == 0);
  for (int64_t i = 0; i < n / AI_QK; i++) {
    const float *xb = x + i * AI_QK;
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < AI_QK; j++) {
      if (amax < fabsf(xb[j])) {
        amax = fabsf(xb[j]);
        max = xb[j];
      }
    }
    const float d = max / -8;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[i].d = ai_fp32_to_fp16(d);
    for (int j = 0; j < AI_QK / 2; j++) {
      int8_t q0 = (int8_t)(xb[j] * id + 8.5f), q1 = (int8_t)(xb[j + 16] * id + 8.5f);
      if (q0 > 15) q0 = 15;
      if (q1 > 15) q1 = 15;
      y[i].qs[j] = (uint8_t)(q0 | (q1 << 4));
    }
  }
}

void ai_dot_q4_0_q8_0_ref(int64_t n, float *s, const void *vx, const void *vy) {
  const struct ai_block_q4_0 *x = vx;
  const struct ai_block_q8_0 *y = vy;
  assert(n % AI_QK == 0);
  double sum = 0.0;
  for (int64_t i = 0; i < n / AI_QK; i++) {
    int32_t sumi = 0;
    for (int j = 0; j < AI_QK / 2; j++) {
      sumi += ((x[i].qs[j] & 0x0f) - 8) * y[i].qs[j];
      sumi += ((x[i].qs[j] >> 4) - 8) * y[i].qs[j + 16];
    }
    sum += (double)sumi * ai_fp16_to_fp32(x[i].d) * ai_fp16_to_fp32(y[i].d);
  }
  *s = (float)sum;
}

void ai_gemm_q4_0_q8_0_ref(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                           const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                           int64_t y_stride) {
  ai_gemm_by_dot(ai_dot_q4_0_q8_0_ref, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y,
                 y_stride);
}

#if defined(__x86_64__)
#include "tensor/qgemm_x86.h"
#include "tensor/qgemv.h"

AI_INLINE AI_TARGET_AVX512 struct qw512 load_q4_0_avx512(const uint8_t *p, int two) {
  struct qw512 w;
  w.q = qx512_nibbles(p + 2, p + 18 + 2, two);
  w.d = qx512_scales(qx_rd16(p), two ? qx_rd16(p + 18) : 0);
  w.m = _mm512_setzero_ps();
  return w;
}

/* Unsigned nibbles times signed activations with vpdpbusd, minus 8 * sum(y) (qgemm_x86.h). */
AI_TARGET_AVX512 void ai_gemm_tiled_q4_0_q8_0_avx512(int64_t k, const void *w, size_t w_row_bytes,
                                                     int64_t r0, int64_t r1, const void *xq,
                                                     size_t xq_row_bytes, int64_t n_tok, float *y,
                                                     int64_t y_stride) {
  qx512_gemm(load_q4_0_avx512, 18, QACT_Q8_0, 8, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok,
             y, y_stride);
}

/* Few tokens (decode): 16 blocks per step, one row at a time (qgemm_x86.h). */
AI_TARGET_AVX512 void ai_gemv_q4_0_q8_0_avx512(int64_t k, const void *w, size_t w_row_bytes,
                                               int64_t r0, int64_t r1, const void *xq,
                                               size_t xq_row_bytes, int64_t n_tok, float *y,
                                               int64_t y_stride) {
  qxv_gemm(QXV_Q4_0, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
}

void ai_gemm_q4_0_q8_0_avx512(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                              const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                              int64_t y_stride) {
  if (n_tok <= AI_QGEMV_MAX_TOK_Q4_0) {
    ai_gemv_q4_0_q8_0_avx512(k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
  } else {
    ai_gemm_tiled_q4_0_q8_0_avx512(k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
  }
}

void ai_dot_q4_0_q8_0_avx512(int64_t n, float *s, const void *x, const void *y) {
  ai_gemm_q4_0_q8_0_avx512(n, x, 0, 0, 1, y, 0, 1, s, 1);
}

AI_INLINE AI_TARGET_AVX2 struct qw256 load_q4_0_avx2(const uint8_t *p) {
  struct qw256 w = {qx256_nibbles(p + 2), qx256_scale(p), _mm256_setzero_ps()};
  return w;
}

AI_TARGET_AVX2 void ai_gemm_tiled_q4_0_q8_0_avx2(int64_t k, const void *w, size_t w_row_bytes,
                                                 int64_t r0, int64_t r1, const void *xq,
                                                 size_t xq_row_bytes, int64_t n_tok, float *y,
                                                 int64_t y_stride) {
  qx256_gemm(load_q4_0_avx2, 18, 0, QACT_Q8_0, 8, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes,
             n_tok, y, y_stride);
}

/* Few tokens (decode): 8 blocks per step, one row at a time (qgemm_x86.h). */
AI_TARGET_AVX2 void ai_gemv_q4_0_q8_0_avx2(int64_t k, const void *w, size_t w_row_bytes, int64_t r0,
                                           int64_t r1, const void *xq, size_t xq_row_bytes,
                                           int64_t n_tok, float *y, int64_t y_stride) {
  qxv256_gemm(QXV_Q4_0, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
}

void ai_gemm_q4_0_q8_0_avx2(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                            const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                            int64_t y_stride) {
  if (n_tok <= AI_QGEMV_MAX_TOK_Q4_0) {
    ai_gemv_q4_0_q8_0_avx2(k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
  } else {
    ai_gemm_tiled_q4_0_q8_0_avx2(k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
  }
}

void ai_dot_q4_0_q8_0_avx2(int64_t n, float *s, const void *x, const void *y) {
  ai_gemm_q4_0_q8_0_avx2(n, x, 0, 0, 1, y, 0, 1, s, 1);
}
#endif
