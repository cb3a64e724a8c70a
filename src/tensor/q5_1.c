/* Q5_1: 5-bit weights with a scale and a minimum per 32 elements; x = q * d + m. Activations are
 * Q8_1 (see q4_1.c for why).
 *
 * block_q5_1 (24 bytes, ggml-common.h):  d: fp16 | m: fp16 | qh[4] | qs[16]
 *   bits as in Q5_0. */
#include <assert.h>
#include <float.h>
#include <math.h>

#include "base/fp16.h"
#include "tensor/quants.h"

static inline uint32_t load_qh(const uint8_t qh[4]) {
  return (uint32_t)qh[0] | (uint32_t)qh[1] << 8 | (uint32_t)qh[2] << 16 | (uint32_t)qh[3] << 24;
}

static inline int q5_1_value(const struct ai_block_q5_1 *b, int e) {
  int lo = e < 16 ? b->qs[e] & 0x0f : b->qs[e - 16] >> 4;
  return lo | (int)((load_qh(b->qh) >> e) & 1) << 4;
}

void ai_dequantize_q5_1_ref(const void *vx, float *y, int64_t n) {
  const struct ai_block_q5_1 *x = vx;
  assert(n % AI_QK == 0);
  for (int64_t i = 0; i < n / AI_QK; i++) {
    const float d = ai_fp16_to_fp32(x[i].d), m = ai_fp16_to_fp32(x[i].m);
    for (int e = 0; e < AI_QK; e++) y[i * AI_QK + e] = q5_1_value(&x[i], e) * d + m;
  }
}

/* As llama.cpp quantize_row_q5_1_ref: d = (max - min) / 31, q = (uint8_t)((x - min) / d + 0.5),
 * with no clamp (llama.cpp has none here either). */
void ai_quantize_q5_1_ref(const float *x, void *vy, int64_t n) {
  struct ai_block_q5_1 *y = vy;
  assert(n % AI_QK == 0);
  for (int64_t i = 0; i < n / AI_QK; i++) {
    const float *xb = x + i * AI_QK;
    float min = FLT_MAX, max = -FLT_MAX;
    for (int j = 0; j < AI_QK; j++) {
      if (xb[j] < min) min = xb[j];
      if (xb[j] > max) max = xb[j];
    }
    const float d = (max - min) / 31;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[i].d = ai_fp32_to_fp16(d);
    y[i].m = ai_fp32_to_fp16(min);
    uint32_t qh = 0;
    for (int j = 0; j < AI_QK / 2; j++) {
      uint8_t q0 = (uint8_t)((xb[j] - min) * id + 0.5f);
      uint8_t q1 = (uint8_t)((xb[j + 16] - min) * id + 0.5f);
      y[i].qs[j] = (uint8_t)((q0 & 0x0f) | (q1 & 0x0f) << 4);
      qh |= (uint32_t)(q0 >> 4 & 1) << j | (uint32_t)(q1 >> 4 & 1) << (j + 16);
    }
    for (int b = 0; b < 4; b++) y[i].qh[b] = (uint8_t)(qh >> (8 * b));
  }
}

void ai_dot_q5_1_q8_1_ref(int64_t n, float *s, const void *vx, const void *vy) {
  const struct ai_block_q5_1 *x = vx;
  const struct ai_block_q8_1 *y = vy;
  assert(n % AI_QK == 0);
  double sum = 0.0;
  for (int64_t i = 0; i < n / AI_QK; i++) {
    int32_t sumi = 0;
    for (int e = 0; e < AI_QK; e++) sumi += q5_1_value(&x[i], e) * y[i].qs[e];
    sum += (double)sumi * ai_fp16_to_fp32(x[i].d) * ai_fp16_to_fp32(y[i].d);
    sum += (double)ai_fp16_to_fp32(x[i].m) * ai_fp16_to_fp32(y[i].s);
  }
  *s = (float)sum;
}

void ai_gemm_q5_1_q8_1_ref(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                           const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                           int64_t y_stride) {
  ai_gemm_by_dot(ai_dot_q5_1_q8_1_ref, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y,
                 y_stride);
}

#if defined(__x86_64__)
#include "tensor/qgemm_x86.h"
#include "tensor/qgemv.h"

AI_INLINE AI_TARGET_AVX512 struct qw512 load_q5_1_avx512(const uint8_t *p, int two) {
  struct qw512 w;
  const uint64_t qh = qx_rd32(p + 4) | (two ? (uint64_t)qx_rd32(p + 24 + 4) << 32 : 0);
  w.q = _mm512_or_si512(qx512_nibbles(p + 8, p + 24 + 8, two),
                        _mm512_maskz_mov_epi8((__mmask64)qh, _mm512_set1_epi8(0x10)));
  w.d = qx512_scales(qx_rd16(p), two ? qx_rd16(p + 24) : 0);
  w.m = qx512_scales(qx_rd16(p + 2), two ? qx_rd16(p + 26) : 0);
  return w;
}

/* Unsigned 5-bit values times signed activations, plus m * s_y (qgemm_x86.h). */
AI_TARGET_AVX512 void ai_gemm_tiled_q5_1_q8_1_avx512(int64_t k, const void *w, size_t w_row_bytes,
                                                     int64_t r0, int64_t r1, const void *xq,
                                                     size_t xq_row_bytes, int64_t n_tok, float *y,
                                                     int64_t y_stride) {
  qx512_gemm(load_q5_1_avx512, 24, QACT_Q8_1, 0, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok,
             y, y_stride);
}

/* Few tokens (decode): 16 blocks per step, one row at a time (qgemm_x86.h). */
AI_TARGET_AVX512 void ai_gemv_q5_1_q8_1_avx512(int64_t k, const void *w, size_t w_row_bytes,
                                               int64_t r0, int64_t r1, const void *xq,
                                               size_t xq_row_bytes, int64_t n_tok, float *y,
                                               int64_t y_stride) {
  qxv_gemm(QXV_Q5_1, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
}

void ai_gemm_q5_1_q8_1_avx512(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                              const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                              int64_t y_stride) {
  if (n_tok <= AI_QGEMV_MAX_TOK) {
    ai_gemv_q5_1_q8_1_avx512(k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
  } else {
    ai_gemm_tiled_q5_1_q8_1_avx512(k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
  }
}

void ai_dot_q5_1_q8_1_avx512(int64_t n, float *s, const void *x, const void *y) {
  ai_gemm_q5_1_q8_1_avx512(n, x, 0, 0, 1, y, 0, 1, s, 1);
}

AI_INLINE AI_TARGET_AVX2 struct qw256 load_q5_1_avx2(const uint8_t *p) {
  struct qw256 w = {_mm256_or_si256(qx256_nibbles(p + 8), qx256_bit4(qx_rd32(p + 4))),
                    qx256_scale(p), qx256_scale(p + 2)};
  return w;
}

AI_TARGET_AVX2 void ai_gemm_tiled_q5_1_q8_1_avx2(int64_t k, const void *w, size_t w_row_bytes,
                                                 int64_t r0, int64_t r1, const void *xq,
                                                 size_t xq_row_bytes, int64_t n_tok, float *y,
                                                 int64_t y_stride) {
  qx256_gemm(load_q5_1_avx2, 24, 0, QACT_Q8_1, 0, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes,
             n_tok, y, y_stride);
}

/* Few tokens (decode): 8 blocks per step, one row at a time (qgemm_x86.h). */
AI_TARGET_AVX2 void ai_gemv_q5_1_q8_1_avx2(int64_t k, const void *w, size_t w_row_bytes, int64_t r0,
                                           int64_t r1, const void *xq, size_t xq_row_bytes,
                                           int64_t n_tok, float *y, int64_t y_stride) {
  qxv256_gemm(QXV_Q5_1, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
}

void ai_gemm_q5_1_q8_1_avx2(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                            const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                            int64_t y_stride) {
  if (n_tok <= AI_QGEMV_MAX_TOK) {
    ai_gemv_q5_1_q8_1_avx2(k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
  } else {
    ai_gemm_tiled_q5_1_q8_1_avx2(k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
  }
}

void ai_dot_q5_1_q8_1_avx2(int64_t n, float *s, const void *x, const void *y) {
  ai_gemm_q5_1_q8_1_avx2(n, x, 0, 0, 1, y, 0, 1, s, 1);
}
#endif
