/* Q8_K reference: 256 activations per block, scale d = max / -127 in f32 (the sign makes the
 * element of largest magnitude exactly -127), int8 quants, and bsums[g] = sum of quants
 * 16g..16g+15 that K-quant dots use for their min/offset terms. Layout: ai_block_q8_k in
 * kquant_common.h (float d; int8 qs[256]; int16 bsums[16]) = 292 bytes. */
#include "tensor/q8_k.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#include "tensor/kquant_common.h"

void ai_q8_k_quantize_ref(const float *x, void *vy, int64_t n) {
  assert(n % AI_QK_K == 0);
  struct ai_block_q8_k *y = vy;
  for (int64_t i = 0; i < n / AI_QK_K; i++, x += AI_QK_K) {
    float max = 0, amax = 0;
    for (int j = 0; j < AI_QK_K; j++) {
      float ax = fabsf(x[j]);
      if (ax > amax) {
        amax = ax;
        max = x[j];
      }
    }
    if (!amax) {
      /* llama.cpp leaves bsums unwritten here; we zero them so the block is fully defined. */
      memset(&y[i], 0, sizeof y[i]);
      continue;
    }
    /* -127 (not -128) as in llama.cpp: "we need this change for IQ2_XXS". */
    const float iscale = -127.f / max;
    for (int j = 0; j < AI_QK_K; j++) {
      int v = ai_kquant_nearest_int(iscale * x[j]);
      y[i].qs[j] = (int8_t)(v < 127 ? v : 127);
    }
    for (int g = 0; g < AI_QK_K / 16; g++) {
      int sum = 0;
      for (int l = 0; l < 16; l++) sum += y[i].qs[16 * g + l];
      y[i].bsums[g] = (int16_t)sum;
    }
    y[i].d = 1 / iscale;
  }
}

void ai_q8_k_dequantize_ref(const void *vx, float *y, int64_t n) {
  assert(n % AI_QK_K == 0);
  const struct ai_block_q8_k *x = vx;
  for (int64_t i = 0; i < n / AI_QK_K; i++) {
    for (int j = 0; j < AI_QK_K; j++) *y++ = x[i].d * x[i].qs[j];
  }
}
