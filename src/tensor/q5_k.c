/* Q5_K reference kernels (llama.cpp ggml-quants.c quantize_row_q5_K_ref, dequantize_row_q5_K,
 * ggml_vec_dot_q5_K_q8_K_generic). Block of 256 = 8 sub-blocks of 32, 176 bytes:
 *   fp16 d, fp16 dmin, u8 scales[12], u8 qh[32], u8 qs[128]
 * As q4_K, plus a 5th bit: element 32*j+l gets +16 when bit j of qh[l] is set. */
#include "tensor/q5_k.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#include "base/fp16.h"
#include "tensor/kquant_common.h"

void ai_q5_k_quantize_ref(const float *x, void *vy, int64_t n) {
  assert(n % AI_QK_K == 0);
  struct ai_block_q5_k *y = vy;
  uint8_t L[AI_QK_K], Laux[32], ls[8], lm[8];
  float weights[32], mins[8], scales[8];
  for (int64_t i = 0; i < n / AI_QK_K; i++, x += AI_QK_K) {
    float max_scale = 0, max_min = 0;
    for (int j = 0; j < 8; j++) {
      /* Weights av_x + |x|, search -0.5 + 0.1 * 0..15 around nmax = 31. */
      float sum_x2 = 0;
      for (int l = 0; l < 32; l++) sum_x2 += x[32 * j + l] * x[32 * j + l];
      float av_x = sqrtf(sum_x2 / 32);
      for (int l = 0; l < 32; l++) weights[l] = av_x + fabsf(x[32 * j + l]);
      scales[j] = ai_kquant_make_qkx2(32, 31, x + 32 * j, weights, L + 32 * j, &mins[j], Laux,
                                      -0.5f, 0.1f, 15);
      if (scales[j] > max_scale) max_scale = scales[j];
      if (mins[j] > max_min) max_min = mins[j];
    }
    float inv_scale = max_scale > 0 ? 63.f / max_scale : 0.f;
    float inv_min = max_min > 0 ? 63.f / max_min : 0.f;
    for (int j = 0; j < 8; j++) {
      uint8_t s = (uint8_t)ai_kquant_nearest_int(inv_scale * scales[j]);
      uint8_t m = (uint8_t)ai_kquant_nearest_int(inv_min * mins[j]);
      ls[j] = s < 63 ? s : 63;
      lm[j] = m < 63 ? m : 63;
    }
    ai_kquant_pack_k4(ls, lm, y[i].scales);
    y[i].d = ai_fp32_to_fp16(max_scale / 63.f);
    y[i].dmin = ai_fp32_to_fp16(max_min / 63.f);
    for (int j = 0; j < 8; j++) {
      uint8_t sc, m;
      ai_kquant_scale_min_k4(j, y[i].scales, &sc, &m);
      const float d = ai_fp16_to_fp32(y[i].d) * sc;
      if (!d) continue;
      const float dm = ai_fp16_to_fp32(y[i].dmin) * m;
      for (int l = 0; l < 32; l++) {
        int q = ai_kquant_nearest_int((x[32 * j + l] + dm) / d);
        L[32 * j + l] = (uint8_t)(q < 0 ? 0 : q > 31 ? 31 : q);
      }
    }
    memset(y[i].qh, 0, sizeof y[i].qh);
    for (int j = 0; j < 4; j++) {
      for (int l = 0; l < 32; l++) {
        const int q1 = L[64 * j + l], q2 = L[64 * j + 32 + l];
        y[i].qs[32 * j + l] = (uint8_t)((q1 & 0xF) | ((q2 & 0xF) << 4));
        y[i].qh[l] |= (uint8_t)(((q1 >> 4) << (2 * j)) | ((q2 >> 4) << (2 * j + 1)));
      }
    }
  }
}

void ai_q5_k_dequantize_ref(const void *vx, float *y, int64_t n) {
  assert(n % AI_QK_K == 0);
  const struct ai_block_q5_k *x = vx;
  for (int64_t i = 0; i < n / AI_QK_K; i++) {
    const float d = ai_fp16_to_fp32(x[i].d);
    const float min = ai_fp16_to_fp32(x[i].dmin);
    const uint8_t *ql = x[i].qs, *qh = x[i].qh;
    uint8_t u1 = 1, u2 = 2;
    for (int j = 0; j < 8; j += 2, ql += 32, u1 <<= 2, u2 <<= 2) {
      uint8_t sc, m;
      ai_kquant_scale_min_k4(j, x[i].scales, &sc, &m);
      const float d1 = d * sc, m1 = min * m;
      ai_kquant_scale_min_k4(j + 1, x[i].scales, &sc, &m);
      const float d2 = d * sc, m2 = min * m;
      for (int l = 0; l < 32; l++) *y++ = d1 * ((ql[l] & 0xF) + (qh[l] & u1 ? 16 : 0)) - m1;
      for (int l = 0; l < 32; l++) *y++ = d2 * ((ql[l] >> 4) + (qh[l] & u2 ? 16 : 0)) - m2;
    }
  }
}

void ai_q5_k_vec_dot_ref(int64_t n, float *s, const void *vx, const void *vy) {
  assert(n % AI_QK_K == 0);
  const struct ai_block_q5_k *x = vx;
  const struct ai_block_q8_k *y = vy;
  double acc = 0;
  for (int64_t i = 0; i < n / AI_QK_K; i++) {
    uint8_t sm[16];
    ai_kquant_unpack_k4(x[i].scales, sm);
    int32_t sumi = 0, summ = 0;
    for (int j = 0; j < 8; j++) {
      const uint8_t *q = x[i].qs + 32 * (j / 2);
      const int shift = 4 * (j % 2);
      const int8_t *a = y[i].qs + 32 * j;
      int32_t dot = 0, asum = 0;
      for (int l = 0; l < 32; l++) {
        const int v = ((q[l] >> shift) & 0xF) | (((x[i].qh[l] >> j) & 1) << 4);
        dot += v * a[l];
        asum += a[l];
      }
      sumi += sm[j] * dot;
      summ += sm[8 + j] * asum;
    }
    acc += (double)ai_fp16_to_fp32(x[i].d) * y[i].d * sumi -
           (double)ai_fp16_to_fp32(x[i].dmin) * y[i].d * summ;
  }
  *s = (float)acc;
}

void ai_q5_k_gemm_ref(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                      const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                      int64_t y_stride) {
  ai_kquant_gemm_by_dot(ai_q5_k_vec_dot_ref, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y,
                        y_stride);
}
