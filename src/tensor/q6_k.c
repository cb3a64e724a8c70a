/* Q6_K reference kernels (llama.cpp ggml-quants.c quantize_row_q6_K_ref, dequantize_row_q6_K,
 * ggml_vec_dot_q6_K_q8_K_generic). Block of 256 = 16 groups of 16, 210 bytes:
 *   u8 ql[128], u8 qh[64], i8 scales[16], fp16 d
 * In half h (elements 128h..128h+127), for l < 32, with L = ql + 64h, H = qh + 32h:
 *   element 128h +  0 + l: (L[l]    & 15) | ((H[l] >> 0 & 3) << 4)
 *   element 128h + 32 + l: (L[l+32] & 15) | ((H[l] >> 2 & 3) << 4)
 *   element 128h + 64 + l: (L[l]    >> 4) | ((H[l] >> 4 & 3) << 4)
 *   element 128h + 96 + l: (L[l+32] >> 4) | ((H[l] >> 6 & 3) << 4)
 * each minus 32, times d * scales[element / 16]. */
#include "tensor/q6_k.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#include "base/fp16.h"
#include "tensor/kquant_common.h"

/* 6-bit level (0..63) of element e (0..255) of block b. */
static int q6_level(const struct ai_block_q6_k *b, int e) {
  const int h = e / 128, r = e % 128, quarter = r / 32, l = r % 32;
  const uint8_t lo = b->ql[64 * h + l + 32 * (quarter & 1)];
  const int low = quarter < 2 ? lo & 0xF : lo >> 4;
  return low | (((b->qh[32 * h + l] >> (2 * quarter)) & 3) << 4);
}

void ai_q6_k_quantize_ref(const float *x, void *vy, int64_t n) {
  assert(n % AI_QK_K == 0);
  struct ai_block_q6_k *y = vy;
  int8_t L[AI_QK_K];
  float scales[16];
  for (int64_t i = 0; i < n / AI_QK_K; i++, x += AI_QK_K) {
    float max_scale = 0, max_abs_scale = 0;
    for (int g = 0; g < 16; g++) {
      scales[g] = ai_kquant_make_qx(16, 32, x + 16 * g, L + 16 * g);
      if (fabsf(scales[g]) > max_abs_scale) {
        max_abs_scale = fabsf(scales[g]);
        max_scale = scales[g];
      }
    }
    if (max_abs_scale < AI_KQUANT_GROUP_MAX_EPS) {
      memset(&y[i], 0, sizeof y[i]);
      continue;
    }
    float iscale = -128.f / max_scale;
    y[i].d = ai_fp32_to_fp16(1 / iscale);
    for (int g = 0; g < 16; g++) {
      int s = ai_kquant_nearest_int(iscale * scales[g]);
      y[i].scales[g] = (int8_t)(s < 127 ? s : 127);
    }
    for (int g = 0; g < 16; g++) {
      const float d = ai_fp16_to_fp32(y[i].d) * y[i].scales[g];
      if (!d) continue;
      for (int l = 0; l < 16; l++) {
        int q = ai_kquant_nearest_int(x[16 * g + l] / d);
        L[16 * g + l] = (int8_t)((q < -32 ? -32 : q > 31 ? 31 : q) + 32);
      }
    }
    for (int h = 0; h < 2; h++) {
      const int8_t *Lh = L + 128 * h;
      for (int l = 0; l < 32; l++) {
        const int q1 = Lh[l], q2 = Lh[l + 32], q3 = Lh[l + 64], q4 = Lh[l + 96];
        y[i].ql[64 * h + l] = (uint8_t)((q1 & 0xF) | ((q3 & 0xF) << 4));
        y[i].ql[64 * h + l + 32] = (uint8_t)((q2 & 0xF) | ((q4 & 0xF) << 4));
        y[i].qh[32 * h + l] =
            (uint8_t)((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6));
      }
    }
  }
}

void ai_q6_k_dequantize_ref(const void *vx, float *y, int64_t n) {
  assert(n % AI_QK_K == 0);
  const struct ai_block_q6_k *x = vx;
  for (int64_t i = 0; i < n / AI_QK_K; i++) {
    const float d = ai_fp16_to_fp32(x[i].d);
    /* d * sc * q evaluated left to right in float, as dequantize_row_q6_K. */
    for (int e = 0; e < AI_QK_K; e++) *y++ = d * x[i].scales[e / 16] * (q6_level(&x[i], e) - 32);
  }
}

void ai_q6_k_vec_dot_ref(int64_t n, float *s, const void *vx, const void *vy) {
  assert(n % AI_QK_K == 0);
  const struct ai_block_q6_k *x = vx;
  const struct ai_block_q8_k *y = vy;
  double acc = 0;
  for (int64_t i = 0; i < n / AI_QK_K; i++) {
    int32_t sumi = 0;
    for (int g = 0; g < 16; g++) {
      int32_t dot = 0;
      for (int l = 0; l < 16; l++) dot += (q6_level(&x[i], 16 * g + l) - 32) * y[i].qs[16 * g + l];
      sumi += x[i].scales[g] * dot;
    }
    acc += (double)ai_fp16_to_fp32(x[i].d) * y[i].d * sumi;
  }
  *s = (float)acc;
}

void ai_q6_k_gemm_ref(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                      const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                      int64_t y_stride) {
  ai_kquant_gemm_by_dot(ai_q6_k_vec_dot_ref, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y,
                        y_stride);
}
