/* Q8_0: 32 int8 values and one fp16 scale per block; x = qs[j] * d. It is both a weight type and
 * the activation type of Q4_0, Q5_0 and Q8_0 weights. This file holds the reference kernels and
 * the SIMD variants; the tiled x86 gemm driver they share is in qgemm_x86.h.
 *
 * block_q8_0 (34 bytes, ggml-common.h):  d: fp16 | qs[32]: int8, element j at byte 2 + j */
#include <assert.h>
#include <math.h>

#include "base/fp16.h"
#include "tensor/quants.h"

void ai_dequantize_q8_0_ref(const void *vx, float *y, int64_t n) {
  const struct ai_block_q8_0 *x = vx;
  assert(n % AI_QK == 0);
  for (int64_t i = 0; i < n / AI_QK; i++) {
    const float d = ai_fp16_to_fp32(x[i].d);
    for (int j = 0; j < AI_QK; j++) y[i * AI_QK + j] = x[i].qs[j] * d;
  }
}

/* As llama.cpp quantize_row_q8_0_ref: d = amax / 127, q = roundf(x / d). */
void ai_quantize_q8_0_ref(const float *x, void *vy, int64_t n) {
  struct ai_block_q8_0 *y = vy;
  assert(n % AI_QK == 0);
  for (int64_t i = 0; i < n / AI_QK; i++) {
    const float *xb = x + i * AI_QK;
    float amax = 0.0f;
    for (int j = 0; j < AI_QK; j++) amax = fmaxf(amax, fabsf(xb[j]));
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[i].d = ai_fp32_to_fp16(d);
    for (int j = 0; j < AI_QK; j++) y[i].qs[j] = (int8_t)roundf(xb[j] * id);
  }
}

void ai_dot_q8_0_q8_0_ref(int64_t n, float *s, const void *vx, const void *vy) {
  const struct ai_block_q8_0 *x = vx;
  const struct ai_block_q8_0 *y = vy;
  assert(n % AI_QK == 0);
  double sum = 0.0;
  for (int64_t i = 0; i < n / AI_QK; i++) {
    int32_t sumi = 0;
    for (int j = 0; j < AI_QK; j++) sumi += x[i].qs[j] * y[i].qs[j];
    sum += (double)sumi * ai_fp16_to_fp32(x[i].d) * ai_fp16_to_fp32(y[i].d);
  }
  *s = (float)sum;
}

void ai_gemm_q8_0_q8_0_ref(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                           const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                           int64_t y_stride) {
  ai_gemm_by_dot(ai_dot_q8_0_q8_0_ref, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y,
                 y_stride);
}

#if defined(__x86_64__)
#include "tensor/qgemm_x86.h"
#include "tensor/qgemv.h"

AI_INLINE AI_TARGET_AVX512 struct qw512 load_q8_0_avx512(const uint8_t *p, int two) {
  struct qw512 w;
  w.q = _mm512_xor_si512(qx512_load_2x32(p + 2, p + 34 + 2, two), _mm512_set1_epi8((char)0x80));
  w.d = qx512_scales(qx_rd16(p), two ? qx_rd16(p + 34) : 0);
  w.m = _mm512_setzero_ps();
  return w;
}

/* Weights biased to unsigned (w + 128) for vpdpbusd, minus 128 * sum(y) (qgemm_x86.h). */
AI_TARGET_AVX512 void ai_gemm_tiled_q8_0_q8_0_avx512(int64_t k, const void *w, size_t w_row_bytes,
                                                     int64_t r0, int64_t r1, const void *xq,
                                                     size_t xq_row_bytes, int64_t n_tok, float *y,
                                                     int64_t y_stride) {
  qx512_gemm(load_q8_0_avx512, 34, QACT_Q8_0, 128, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes,
             n_tok, y, y_stride);
}

/* Few tokens (decode): 16 blocks per step, one row at a time (qgemm_x86.h). */
AI_TARGET_AVX512 void ai_gemv_q8_0_q8_0_avx512(int64_t k, const void *w, size_t w_row_bytes,
                                               int64_t r0, int64_t r1, const void *xq,
                                               size_t xq_row_bytes, int64_t n_tok, float *y,
                                               int64_t y_stride) {
  qxv_gemm(QXV_Q8_0, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
}

void ai_gemm_q8_0_q8_0_avx512(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                              const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                              int64_t y_stride) {
  if (n_tok <= AI_QGEMV_MAX_TOK) {
    ai_gemv_q8_0_q8_0_avx512(k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
  } else {
    ai_gemm_tiled_q8_0_q8_0_avx512(k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
  }
}

void ai_dot_q8_0_q8_0_avx512(int64_t n, float *s, const void *x, const void *y) {
  ai_gemm_q8_0_q8_0_avx512(n, x, 0, 0, 1, y, 0, 1, s, 1);
}

/* roundf (half away from zero) of 16 floats, exactly: truncate, then step away from zero when
 * the exact remainder is at least one half. _mm512_roundscale_ps has no such mode. */
AI_INLINE AI_TARGET_AVX512 __m512i round_away_avx512(__m512 v) {
  const __m512 t = _mm512_roundscale_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
  const __m512 frac = _mm512_abs_ps(_mm512_sub_ps(v, t));
  const __mmask16 up = _mm512_cmp_ps_mask(frac, _mm512_set1_ps(0.5f), _CMP_GE_OQ);
  const __m512i sign = _mm512_and_si512(_mm512_castps_si512(v), _mm512_set1_epi32(INT32_MIN));
  const __m512 one = _mm512_castsi512_ps(_mm512_or_si512(sign, _mm512_set1_epi32(0x3f800000)));
  return _mm512_cvttps_epi32(_mm512_mask_add_ps(t, up, t, one));
}

/* One block as ai_quantize_q8_0_ref computes it; returns sum(qs) for Q8_1. The scale is computed
 * in scalar code with the reference's operations, so the bytes are the same. */
AI_TARGET_AVX512 int ai_quantize_block_q8_avx512(const float *x, float *d_out, int8_t *qs) {
  const __m512 a = _mm512_loadu_ps(x), b = _mm512_loadu_ps(x + 16);
  const float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(a), _mm512_abs_ps(b)));
  const float d = amax / 127.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  *d_out = d;
  const __m512 vid = _mm512_set1_ps(id);
  const __m512i qa = round_away_avx512(_mm512_mul_ps(a, vid));
  const __m512i qb = round_away_avx512(_mm512_mul_ps(b, vid));
  _mm_storeu_si128((__m128i *)qs, _mm512_cvtepi32_epi8(qa));
  _mm_storeu_si128((__m128i *)(qs + 16), _mm512_cvtepi32_epi8(qb));
  return _mm512_reduce_add_epi32(_mm512_add_epi32(qa, qb));
}

void ai_quantize_q8_0_avx512(const float *x, void *vy, int64_t n) {
  struct ai_block_q8_0 *y = vy;
  assert(n % AI_QK == 0);
  for (int64_t i = 0; i < n / AI_QK; i++) {
    float d;
    ai_quantize_block_q8_avx512(x + i * AI_QK, &d, y[i].qs);
    y[i].d = ai_fp32_to_fp16(d);
  }
}

AI_INLINE AI_TARGET_AVX2 struct qw256 load_q8_0_avx2(const uint8_t *p) {
  struct qw256 w = {_mm256_loadu_si256((const __m256i *)(p + 2)), qx256_scale(p),
                    _mm256_setzero_ps()};
  return w;
}

AI_TARGET_AVX2 void ai_gemm_tiled_q8_0_q8_0_avx2(int64_t k, const void *w, size_t w_row_bytes,
                                                 int64_t r0, int64_t r1, const void *xq,
                                                 size_t xq_row_bytes, int64_t n_tok, float *y,
                                                 int64_t y_stride) {
  qx256_gemm(load_q8_0_avx2, 34, 1, QACT_Q8_0, 0, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes,
             n_tok, y, y_stride);
}

/* Few tokens (decode): 8 blocks per step, one row at a time (qgemm_x86.h). */
AI_TARGET_AVX2 void ai_gemv_q8_0_q8_0_avx2(int64_t k, const void *w, size_t w_row_bytes, int64_t r0,
                                           int64_t r1, const void *xq, size_t xq_row_bytes,
                                           int64_t n_tok, float *y, int64_t y_stride) {
  qxv256_gemm(QXV_Q8_0, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
}

void ai_gemm_q8_0_q8_0_avx2(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                            const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                            int64_t y_stride) {
  if (n_tok <= AI_QGEMV_MAX_TOK) {
    ai_gemv_q8_0_q8_0_avx2(k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
  } else {
    ai_gemm_tiled_q8_0_q8_0_avx2(k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
  }
}

void ai_dot_q8_0_q8_0_avx2(int64_t n, float *s, const void *x, const void *y) {
  ai_gemm_q8_0_q8_0_avx2(n, x, 0, 0, 1, y, 0, 1, s, 1);
}
#endif
