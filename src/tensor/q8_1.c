/* Q8_1: the activation type of Q4_1 and Q5_1 weights (llama.cpp's choice): Q8_0 plus s = d *
 * sum(qs), which carries the weights' minimum term m * sum(x) without a second pass. Never a
 * weight type here, so it has no dot of its own.
 *
 * block_q8_1 (36 bytes, ggml-common.h):  d: fp16 | s: fp16 | qs[32]: int8 */
#include <assert.h>
#include <math.h>

#include "base/fp16.h"
#include "tensor/quants.h"

void ai_dequantize_q8_1_ref(const void *vx, float *y, int64_t n) {
  const struct ai_block_q8_1 *x = vx;
  assert(n % AI_QK == 0);
  for (int64_t i = 0; i < n / AI_QK; i++) {
    const float d = ai_fp16_to_fp32(x[i].d);
    for (int j = 0; j < AI_QK; j++) y[i * AI_QK + j] = x[i].qs[j] * d;
  }
}

/* As llama.cpp quantize_row_q8_1_ref: q8_0's rounding, then s = fp16((float)sum(q) * d). */
void ai_quantize_q8_1_ref(const float *x, void *vy, int64_t n) {
  struct ai_block_q8_1 *y = vy;
  assert(n % AI_QK == 0);
  for (int64_t i = 0; i < n / AI_QK; i++) {
    const float *xb = x + i * AI_QK;
    float amax = 0.0f;
    for (int j = 0; j < AI_QK; j++) amax = fmaxf(amax, fabsf(xb[j]));
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[i].d = ai_fp32_to_fp16(d);
    int sum = 0;
    for (int j = 0; j < AI_QK; j++) {
      y[i].qs[j] = (int8_t)roundf(xb[j] * id);
      sum += y[i].qs[j];
    }
    y[i].s = ai_fp32_to_fp16((float)sum * d);
  }
}

#if defined(__x86_64__)
/* q8_0.c's block quantizer, plus llama.cpp's s = fp16(sum * d). */
void ai_quantize_q8_1_avx512(const float *x, void *vy, int64_t n) {
  struct ai_block_q8_1 *y = vy;
  assert(n % AI_QK == 0);
  for (int64_t i = 0; i < n / AI_QK; i++) {
    float d;
    const int sum = ai_quantize_block_q8_avx512(x + i * AI_QK, &d, y[i].qs);
    y[i].d = ai_fp32_to_fp16(d);
    y[i].s = ai_fp32_to_fp16((float)sum * d);
  }
}
#endif
