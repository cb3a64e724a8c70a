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
