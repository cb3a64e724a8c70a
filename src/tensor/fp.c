/* F32, F16 and BF16 weights: conversions and dots, with activations converted to the weight's own
 * type as llama.cpp does (its vec_dot_type for F16 is F16, for BF16 is BF16). Products are summed
 * in double in the reference. */
#include <string.h>

#include "base/fp16.h"
#include "tensor/quants.h"

void ai_to_float_f32_ref(const void *x, float *y, int64_t n) {
  memcpy(y, x, (size_t)n * sizeof(float));
}

void ai_from_float_f32_ref(const float *x, void *y, int64_t n) {
  memcpy(y, x, (size_t)n * sizeof(float));
}

void ai_dot_f32_f32_ref(int64_t n, float *s, const void *vx, const void *vy) {
  const float *x = vx, *y = vy;
  double sum = 0.0;
  for (int64_t i = 0; i < n; i++) sum += (double)x[i] * y[i];
  *s = (float)sum;
}

void ai_gemm_f32_f32_ref(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                         const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                         int64_t y_stride) {
  ai_gemm_by_dot(ai_dot_f32_f32_ref, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y,
                 y_stride);
}

void ai_to_float_f16_ref(const void *vx, float *y, int64_t n) {
  const uint16_t *x = vx;
  for (int64_t i = 0; i < n; i++) y[i] = ai_fp16_to_fp32(x[i]);
}

void ai_from_float_f16_ref(const float *x, void *vy, int64_t n) {
  uint16_t *y = vy;
  for (int64_t i = 0; i < n; i++) y[i] = ai_fp32_to_fp16(x[i]);
}

void ai_dot_f16_f16_ref(int64_t n, float *s, const void *vx, const void *vy) {
  const uint16_t *x = vx, *y = vy;
  double sum = 0.0;
  for (int64_t i = 0; i < n; i++) sum += (double)ai_fp16_to_fp32(x[i]) * ai_fp16_to_fp32(y[i]);
  *s = (float)sum;
}

void ai_gemm_f16_f16_ref(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                         const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                         int64_t y_stride) {
  ai_gemm_by_dot(ai_dot_f16_f16_ref, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y,
                 y_stride);
}

void ai_to_float_bf16_ref(const void *vx, float *y, int64_t n) {
  const uint16_t *x = vx;
  for (int64_t i = 0; i < n; i++) y[i] = ai_bf16_to_fp32(x[i]);
}

void ai_from_float_bf16_ref(const float *x, void *vy, int64_t n) {
  uint16_t *y = vy;
  for (int64_t i = 0; i < n; i++) y[i] = ai_fp32_to_bf16(x[i]);
}

void ai_dot_bf16_bf16_ref(int64_t n, float *s, const void *vx, const void *vy) {
  const uint16_t *x = vx, *y = vy;
  double sum = 0.0;
  for (int64_t i = 0; i < n; i++) sum += (double)ai_bf16_to_fp32(x[i]) * ai_bf16_to_fp32(y[i]);
  *s = (float)sum;
}

void ai_gemm_bf16_bf16_ref(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                           const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                           int64_t y_stride) {
  ai_gemm_by_dot(ai_dot_bf16_bf16_ref, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y,
                 y_stride);
}
