/* Q5_0: 5-bit weights, one fp16 scale per 32 elements; x = (q - 16) * d. Activations are Q8_0.
 *
 * block_q5_0 (22 bytes, ggml-common.h):  d: fp16 | qh[4] | qs[16]
 *   low 4 bits as in Q4_0 (qs[j] & 0x0f: element j, qs[j] >> 4: element j + 16);
 *   bit 4 of element e is bit e of the little-endian u32 qh. */
#include <assert.h>
#include <math.h>

#include "base/fp16.h"
#include "tensor/quants.h"

static inline uint32_t load_qh(const uint8_t qh[4]) {
  return (uint32_t)qh[0] | (uint32_t)qh[1] << 8 | (uint32_t)qh[2] << 16 | (uint32_t)qh[3] << 24;
}

/* Element e (0..31) of a block, in 0..31. */
static inline int q5_0_value(const struct ai_block_q5_0 *b, int e) {
  int lo = e < 16 ? b->qs[e] & 0x0f : b->qs[e - 16] >> 4;
  return lo | (int)((load_qh(b->qh) >> e) & 1) << 4;
}

void ai_dequantize_q5_0_ref(const void *vx, float *y, int64_t n) {
  const struct ai_block_q5_0 *x = vx;
  assert(n % AI_QK == 0);
  for (int64_t i = 0; i < n / AI_QK; i++) {
    const float d = ai_fp16_to_fp32(x[i].d);
    for (int e = 0; e < AI_QK; e++) y[i * AI_QK + e] = (q5_0_value(&x[i], e) - 16) * d;
  }
}

/* As llama.cpp quantize_row_q5_0_ref: d = max / -16, q = min(31, (int8_t)(x / d + 16.5)). */
void ai_quantize_q5_0_ref(const float *x, void *vy, int64_t n) {
  struct ai_block_q5_0 *y = vy;
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
    const float d = max / -16;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[i].d = ai_fp32_to_fp16(d);
    uint32_t qh = 0;
    for (int j = 0; j < AI_QK / 2; j++) {
      int8_t q0 = (int8_t)(xb[j] * id + 16.5f), q1 = (int8_t)(xb[j + 16] * id + 16.5f);
      if (q0 > 31) q0 = 31;
      if (q1 > 31) q1 = 31;
      y[i].qs[j] = (uint8_t)((q0 & 0x0f) | (q1 & 0x0f) << 4);
      qh |= (uint32_t)(q0 >> 4 & 1) << j | (uint32_t)(q1 >> 4 & 1) << (j + 16);
    }
    for (int b = 0; b < 4; b++) y[i].qh[b] = (uint8_t)(qh >> (8 * b));
  }
}

void ai_dot_q5_0_q8_0_ref(int64_t n, float *s, const void *vx, const void *vy) {
  const struct ai_block_q5_0 *x = vx;
  const struct ai_block_q8_0 *y = vy;
  assert(n % AI_QK == 0);
  double sum = 0.0;
  for (int64_t i = 0; i < n / AI_QK; i++) {
    int32_t sumi = 0;
    for (int e = 0; e < AI_QK; e++) sumi += (q5_0_value(&x[i], e) - 16) * y[i].qs[e];
    sum += (double)sumi * ai_fp16_to_fp32(x[i].d) * ai_fp16_to_fp32(y[i].d);
  }
  *s = (float)sum;
}

void ai_gemm_q5_0_q8_0_ref(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                           const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                           int64_t y_stride) {
  ai_gemm_by_dot(ai_dot_q5_0_q8_0_ref, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y,
                 y_stride);
}

#if defined(__x86_64__)
#include "tensor/qgemm_x86.h"
#include "tensor/qgemv.h"

/* The nibbles as Q4_0, then bit 4 of element e from bit e of qh: one byte-mask blend. */
AI_INLINE AI_TARGET_AVX512 struct qw512 load_q5_0_avx512(const uint8_t *p, int two) {
  struct qw512 w;
  const uint64_t qh = qx_rd32(p + 2) | (two ? (uint64_t)qx_rd32(p + 22 + 2) << 32 : 0);
  w.q = _mm512_or_si512(qx512_nibbles(p + 6, p + 22 + 6, two),
                        _mm512_maskz_mov_epi8((__mmask64)qh, _mm512_set1_epi8(0x10)));
  w.d = qx512_scales(qx_rd16(p), two ? qx_rd16(p + 22) : 0);
  w.m = _mm512_setzero_ps();
  return w;
}

/* Unsigned 5-bit values times signed activations, minus 16 * sum(y) (qgemm_x86.h). */
AI_TARGET_AVX512 void ai_gemm_tiled_q5_0_q8_0_avx512(int64_t k, const void *w, size_t w_row_bytes,
                                                     int64_t r0, int64_t r1, const void *xq,
                                                     size_t xq_row_bytes, int64_t n_tok, float *y,
                                                     int64_t y_stride) {
  qx512_gemm(load_q5_0_avx512, 22, QACT_Q8_0, 16, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes,
             n_tok, y, y_stride);
}

/* Few tokens (decode): 16 blocks per step, one row at a time (qgemm_x86.h). */
AI_TARGET_AVX512 void ai_gemv_q5_0_q8_0_avx512(int64_t k, const void *w, size_t w_row_bytes,
                                               int64_t r0, int64_t r1, const void *xq,
                                               size_t xq_row_bytes, int64_t n_tok, float *y,
                                               int64_t y_stride) {
  qxv_gemm(QXV_Q5_0, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
}

void ai_gemm_q5_0_q8_0_avx512(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                              const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                              int64_t y_stride) {
  if (n_tok <= AI_QGEMV_MAX_TOK) {
    ai_gemv_q5_0_q8_0_avx512(k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
  } else {
    ai_gemm_tiled_q5_0_q8_0_avx512(k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
  }
}

void ai_dot_q5_0_q8_0_avx512(int64_t n, float *s, const void *x, const void *y) {
  ai_gemm_q5_0_q8_0_avx512(n, x, 0, 0, 1, y, 0, 1, s, 1);
}

AI_INLINE AI_TARGET_AVX2 struct qw256 load_q5_0_avx2(const uint8_t *p) {
  struct qw256 w = {_mm256_or_si256(qx256_nibbles(p + 6), qx256_bit4(qx_rd32(p + 2))),
                    qx256_scale(p), _mm256_setzero_ps()};
  return w;
}

AI_TARGET_AVX2 void ai_gemm_tiled_q5_0_q8_0_avx2(int64_t k, const void *w, size_t w_row_bytes,
                                                 int64_t r0, int64_t r1, const void *xq,
                                                 size_t xq_row_bytes, int64_t n_tok, float *y,
                                                 int64_t y_stride) {
  qx256_gemm(load_q5_0_avx2, 22, 0, QACT_Q8_0, 16, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes,
             n_tok, y, y_stride);
}

/* Few tokens (decode): 8 blocks per step, one row at a time (qgemm_x86.h). */
AI_TARGET_AVX2 void ai_gemv_q5_0_q8_0_avx2(int64_t k, const void *w, size_t w_row_bytes, int64_t r0,
                                           int64_t r1, const void *xq, size_t xq_row_bytes,
                                           int64_t n_tok, float *y, int64_t y_stride) {
  qxv256_gemm(QXV_Q5_0, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
}

void ai_gemm_q5_0_q8_0_avx2(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                            const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                            int64_t y_stride) {
  if (n_tok <= AI_QGEMV_MAX_TOK) {
    ai_gemv_q5_0_q8_0_avx2(k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
  } else {
    ai_gemm_tiled_q5_0_q8_0_avx2(k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
  }
}

void ai_dot_q5_0_q8_0_avx2(int64_t n, float *s, const void *x, const void *y) {
  ai_gemm_q5_0_q8_0_avx2(n, x, 0, 0, 1, y, 0, 1, s, 1);
}
#endif
