/* Scalar search routines shared by the K-quant reference quantizers. They follow llama.cpp's
 * ggml/src/ggml-quants.c (make_qkx2_quants, make_qx_quants) operation for operation, in float and
 * in the same order, so that our files carry the same bytes as llama-quantize writes (for a
 * llama.cpp build without FMA contraction of these loops). */
#include "tensor/kquant_common.h"

#include <math.h>

static int clamp_int(int v, int lo, int hi) {
  return v < lo ? lo : v > hi ? hi : v;
}

void ai_kquant_pack_k4(const uint8_t ls[8], const uint8_t lm[8], uint8_t out[12]) {
  /* Bytes 0..3: scale j (6 bits) + top 2 bits of scale j+4; bytes 4..7: the same for mins;
   * bytes 8..11: low nibbles of scale j+4 and min j+4 (quantize_row_q4_K_ref). */
  for (int j = 0; j < 8; j++) {
    if (j < 4) {
      out[j] = ls[j];
      out[j + 4] = lm[j];
    } else {
      out[j + 4] = (uint8_t)((ls[j] & 0xF) | ((lm[j] & 0xF) << 4));
      out[j - 4] |= (uint8_t)((ls[j] >> 4) << 6);
      out[j] |= (uint8_t)((lm[j] >> 4) << 6);
    }
  }
}

float ai_kquant_make_qkx2(int n, int nmax, const float *x, const float *weights, uint8_t *L,
                          float *the_min, uint8_t *Laux, float rmin, float rdelta, int nstep) {
  float min = x[0], max = x[0];
  float sum_w = weights[0];
  float sum_x = sum_w * x[0];
  for (int i = 1; i < n; i++) {
    if (x[i] < min) min = x[i];
    if (x[i] > max) max = x[i];
    float w = weights[i];
    sum_w += w;
    sum_x += w * x[i];
  }
  if (min > 0) min = 0;
  if (max == min) {
    for (int i = 0; i < n; i++) L[i] = 0;
    *the_min = -min;
    return 0.f;
  }
  float iscale = nmax / (max - min);
  float scale = 1 / iscale;
  float best_error = 0;
  for (int i = 0; i < n; i++) {
    int l = ai_kquant_nearest_int(iscale * (x[i] - min));
    L[i] = (uint8_t)clamp_int(l, 0, nmax);
    float diff = scale * L[i] + min - x[i];
    best_error += weights[i] * (diff * diff);
  }
  for (int is = 0; is <= nstep; is++) {
    iscale = (rmin + rdelta * is + nmax) / (max - min);
    float sum_l = 0, sum_l2 = 0, sum_xl = 0;
    for (int i = 0; i < n; i++) {
      int l = clamp_int(ai_kquant_nearest_int(iscale * (x[i] - min)), 0, nmax);
      Laux[i] = (uint8_t)l;
      float w = weights[i];
      sum_l += w * l;
      sum_l2 += w * l * l;
      sum_xl += w * l * x[i];
    }
    float D = sum_w * sum_l2 - sum_l * sum_l;
    if (D > 0) {
      float this_scale = (sum_w * sum_xl - sum_x * sum_l) / D;
      float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / D;
      if (this_min > 0) {
        this_min = 0;
        this_scale = sum_xl / sum_l2;
      }
      float cur_error = 0;
      for (int i = 0; i < n; i++) {
        float diff = this_scale * Laux[i] + this_min - x[i];
        cur_error += weights[i] * (diff * diff);
      }
      if (cur_error < best_error) {
        for (int i = 0; i < n; i++) L[i] = Laux[i];
        best_error = cur_error;
        scale = this_scale;
        min = this_min;
      }
    }
  }
  *the_min = -min;
  return scale;
}

float ai_kquant_make_qx(int n, int nmax, const float *x, int8_t *L) {
  float max = 0, amax = 0;
  for (int i = 0; i < n; i++) {
    float ax = fabsf(x[i]);
    if (ax > amax) {
      amax = ax;
      max = x[i];
    }
  }
  if (amax < AI_KQUANT_GROUP_MAX_EPS) {
    for (int i = 0; i < n; i++) L[i] = 0;
    return 0.f;
  }
  float iscale = -nmax / max;
  float sumlx = 0, suml2 = 0;
  for (int i = 0; i < n; i++) {
    int l = clamp_int(ai_kquant_nearest_int(iscale * x[i]), -nmax, nmax - 1);
    L[i] = (int8_t)(l + nmax);
    float w = x[i] * x[i];
    sumlx += w * x[i] * l;
    suml2 += w * l * l;
  }
  float scale = suml2 ? sumlx / suml2 : 0.0f;
  float best = scale * sumlx;
  for (int is = -9; is <= 9; is++) {
    if (is == 0) continue;
    iscale = -(nmax + 0.1f * is) / max;
    sumlx = suml2 = 0;
    for (int i = 0; i < n; i++) {
      int l = clamp_int(ai_kquant_nearest_int(iscale * x[i]), -nmax, nmax - 1);
      float w = x[i] * x[i];
      sumlx += w * x[i] * l;
      suml2 += w * l * l;
    }
    if (suml2 > 0 && sumlx * sumlx > best * suml2) {
      for (int i = 0; i < n; i++) {
        int l = ai_kquant_nearest_int(iscale * x[i]);
        L[i] = (int8_t)(nmax + clamp_int(l, -nmax, nmax - 1));
      }
      scale = sumlx / suml2;
      best = scale * sumlx;
    }
  }
  return scale;
}

void ai_kquant_gemm_by_dot(ai_vec_dot_fn dot, int64_t k, const void *w, size_t w_row_bytes,
                           int64_t r0, int64_t r1, const void *xq, size_t xq_row_bytes,
                           int64_t n_tok, float *y, int64_t y_stride) {
  for (int64_t t = 0; t < n_tok; t++) {
    const char *xt = (const char *)xq + (size_t)t * xq_row_bytes;
    for (int64_t r = r0; r < r1; r++) {
      dot(k, &y[t * y_stride + r], (const char *)w + (size_t)r * w_row_bytes, xt);
    }
  }
}
