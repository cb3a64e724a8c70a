/* Q4_1: 4-bit weights with a scale and a minimum per 32 elements; x = q * d + m. Activations are
 * Q8_1, whose s = d_y * sum(q_y) turns the minimum's contribution into one product per block.
 *
 * block_q4_1 (20 bytes, ggml-common.h):  d: fp16 | m: fp16 | qs[16]
 *   qs[j] & 0x0f is element j, qs[j] >> 4 is element j + 16. */
#include <assert.h>
#include <float.h>
#include <math.h>

#include "base/fp16.h"
#include "tensor/quants.h"

void ai_dequantize_q4_1_ref(const void *vx, float *y, int64_t n) {
  const struct ai_block_q4_1 *x = vx;
  assert(n % AI_QK == 0);
  for (int64_t i = 0; i < n / AI_QK; i++) {
    const float d = ai_fp16_to_fp32(x[i].d), m = ai_fp16_to_fp32(x[i].m);
    for (int j = 0; j < AI_QK / 2; j++) {
      y[i * AI_QK + j] = (x[i].qs[j] & 0x0f) * d + m;
      y[i * AI_QK + j + 16] = (x[i].qs[j] >> 4) * d + m;
    }
  }
}

/* As llama.cpp quantize_row_q4_1_ref: d = (max - min) / 15, q = min(15, (int8_t)((x - min) / d
 * + 0.5)). */
void ai_quantize_q4_1_ref(const float *x, void *vy, int64_t n) {
  struct ai_block_q4_1 *y = vy;
  assert(n % AI_QK == 0);
  for (int64_t i = 0; i < n / AI_QK; i++) {
    const float *xb = x + i * AI_QK;
    float min = FLT_MAX, max = -FLT_MAX;
    for (int j = 0; j < AI_QK; j++) {
      if (xb[j] < min) min = xb[j];
      if (xb[j] > max) max = xb[j];
    }
    const float d = (max - min) / 15;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[i].d = ai_fp32_to_fp16(d);
    y[i].m = ai_fp32_to_fp16(min);
    for (int j = 0; j < AI_QK / 2; j++) {
      int8_t q0 = (int8_t)((xb[j] - min) * id + 0.5f);
      int8_t q1 = (int8_t)((xb[j + 16] - min) * id + 0.5f);
      if (q0 > 15) q0 = 15;
      if (q1 > 15) q1 = 15;
      y[i].qs[j] = (uint8_t)(q0 | (q1 << 4));
    }
  }
}

/* sum_j (q_j d + m) y_j = d d_y sum(q_j q_yj) + m s_y, with s_y = d_y sum(q_yj) from the block. */
void ai_dot_q4_1_q8_1_ref(int64_t n, float *s, const void *vx, const void *vy) {
  const struct ai_block_q4_1 *x = vx;
  const struct ai_block_q8_1 *y = vy;
  assert(n % AI_QK == 0);
  double sum = 0.0;
  for (int64_t i = 0; i < n / AI_QK; i++) {
    int32_t sumi = 0;
    for (int j = 0; j < AI_QK / 2; j++) {
      sumi += (x[i].qs[j] & 0x0f) * y[i].qs[j];
      sumi += (x[i].qs[j] >> 4) * y[i].qs[j + 16];
    }
    sum += (double)sumi * ai_fp16_to_fp32(x[i].d) * ai_fp16_to_fp32(y[i].d);
    sum += (double)ai_fp16_to_fp32(x[i].m) * ai_fp16_to_fp32(y[i].s);
  }
  *s = (float)sum;
}

void ai_gemm_q4_1_q8_1_ref(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                           const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                           int64_t y_stride) {
  ai_gemm_by_dot(ai_dot_q4_1_q8_1_ref, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y,
                 y_stride);
}

#if defined(__x86_64__)
#include "tensor/qgemm_x86.h"
#include "tensor/qgemv.h"

AI_INLINE AI_TARGET_AVX512 struct qw512 load_q4_1_avx512(const uint8_t *p, int two) {
  struct qw512 w;
  w.q = qx512_nibbles(p + 4, p + 20 + 4, two);
  w.d = qx512_scales(qx_rd16(p), two ? qx_rd16(p + 20) : 0);
  w.m = qx512_scales(qx_rd16(p + 2), two ? qx_rd16(p + 22) : 0);
  return w;
}

/* Unsigned nibbles times signed activations with vpdpbusd, plus m * s_y (qgemm_x86.h). */
AI_TARGET_AVX512 void ai_gemm_tiled_q4_1_q8_1_avx512(int64_t k, const void *w, size_t w_row_bytes,
                                                     int64_t r0, int64_t r1, const void *xq,
                                                     size_t xq_row_bytes, int64_t n_tok, float *y,
                                                     int64_t y_stride) {
  qx512_gemm(load_q4_1_avx512, 20, QACT_Q8_1, 0, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok,
             y, y_stride);
}

/* Few tokens (decode): 16 blocks per step, one row at a time (qgemm_x86.h). */
AI_TARGET_AVX512 void ai_gemv_q4_1_q8_1_avx512(int64_t k, const void *w, size_t w_row_bytes,
                                               int64_t r0, int64_t r1, const void *xq,
                                               size_t xq_row_bytes, int64_t n_tok, float *y,
                                               int64_t y_stride) {
  qxv_gemm(QXV_Q4_1, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
}

void ai_gemm_q4_1_q8_1_avx512(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                              const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                              int64_t y_stride) {
  if (n_tok <= AI_QGEMV_MAX_TOK) {
    ai_gemv_q4_1_q8_1_avx512(k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
  } else {
    ai_gemm_tiled_q4_1_q8_1_avx512(k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
  }
}

void ai_dot_q4_1_q8_1_avx512(int64_t n, float *s, const void *x, const void *y) {
  ai_gemm_q4_1_q8_1_avx512(n, x, 0, 0, 1, y, 0, 1, s, 1);
}

AI_INLINE AI_TARGET_AVX2 struct qw256 load_q4_1_avx2(const uint8_t *p) {
  struct qw256 w = {qx256_nibbles(p + 4), qx256_scale(p), qx256_scale(p + 2)};
  return w;
}

AI_TARGET_AVX2 void ai_gemm_tiled_q4_1_q8_1_avx2(int64_t k, const void *w, size_t w_row_bytes,
                                                 int64_t r0, int64_t r1, const void *xq,
                                                 size_t xq_row_bytes, int64_t n_tok, float *y,
                                                 int64_t y_stride) {
  qx256_gemm(load_q4_1_avx2, 20, 0, QACT_Q8_1, 0, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes,
             n_tok, y, y_stride);
}

/* Few tokens (decode): 8 blocks per step, one row at a time (qgemm_x86.h). */
AI_TARGET_AVX2 void ai_gemv_q4_1_q8_1_avx2(int64_t k, const void *w, size_t w_row_bytes, int64_t r0,
                                           int64_t r1, const void *xq, size_t xq_row_bytes,
                                           int64_t n_tok, float *y, int64_t y_stride) {
  qxv256_gemm(QXV_Q4_1, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
}

void ai_gemm_q4_1_q8_1_avx2(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                            const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                            int64_t y_stride) {
  if (n_tok <= AI_QGEMV_MAX_TOK) {
    ai_gemv_q4_1_q8_1_avx2(k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
  } else {
    ai_gemm_tiled_q4_1_q8_1_avx2(k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
  }
}

void ai_dot_q4_1_q8_1_avx2(int64_t n, float *s, const void *x, const void *y) {
  ai_gemm_q4_1_q8_1_avx2(n, x, 0, 0, 1, y, 0, 1, s, 1);
}
#endif
