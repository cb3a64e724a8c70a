/* WebAssembly SIMD128 kernels of the 32-element block types: the Q8_0 / Q8_1 activation
 * quantizers (byte-identical to the references in q8_0.c and q8_1.c), and vec_dot and gemm for
 * Q4_0, Q4_1, Q5_0, Q5_1 and Q8_0 weights from qgemm_wasm.h's driver. Block layouts are documented
 * in quants.h and each type's file. */
#ifdef __wasm_simd128__

#include <assert.h>

#include "tensor/qgemm_wasm.h"
#include "tensor/quants_wasm.h"

/* ---- activation quantizers ----------------------------------------------------------------- */

/* roundf (half away from zero) of 4 floats, exactly: truncate, then step away from zero when the
 * exact remainder |v - trunc(v)| is at least one half. f32x4.nearest rounds ties to even. */
static v128_t round_away(v128_t v) {
  const v128_t t = wasm_f32x4_trunc(v);
  const v128_t up = wasm_f32x4_ge(wasm_f32x4_abs(wasm_f32x4_sub(v, t)), wasm_f32x4_splat(0.5f));
  const v128_t one = wasm_v128_or(wasm_v128_and(v, wasm_i32x4_splat(INT32_MIN)),
                                  wasm_f32x4_splat(1.0f)); /* copysign(1, v) */
  return wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_add(t, wasm_v128_and(one, up)));
}

/* One block as ai_quantize_q8_0_ref computes it (same amax, same scalar d and 1/d, same f32
 * products); returns sum(qs) for Q8_1. */
static int quantize_block_q8(const float *x, float *d_out, int8_t *qs) {
  v128_t v[8];
  v128_t amax4 = wasm_f32x4_splat(0.0f);
  for (int j = 0; j < 8; j++) {
    v[j] = wasm_v128_load(x + 4 * j);
    amax4 = wasm_f32x4_pmax(amax4, wasm_f32x4_abs(v[j]));
  }
  float amax = wasm_f32x4_extract_lane(amax4, 0);
  for (int l = 1; l < 4; l++) {
    const float m = l == 1   ? wasm_f32x4_extract_lane(amax4, 1)
                    : l == 2 ? wasm_f32x4_extract_lane(amax4, 2)
                             : wasm_f32x4_extract_lane(amax4, 3);
    amax = m > amax ? m : amax;
  }
  const float d = amax / 127.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  *d_out = d;
  const v128_t vid = wasm_f32x4_splat(id);
  v128_t sum = wasm_i32x4_splat(0);
  for (int h = 0; h < 2; h++) {
    v128_t q[4];
    for (int u = 0; u < 4; u++) {
      q[u] = round_away(wasm_f32x4_mul(v[4 * h + u], vid));
      sum = wasm_i32x4_add(sum, q[u]);
    }
    const v128_t p16a = wasm_i16x8_narrow_i32x4(q[0], q[1]);
    const v128_t p16b = wasm_i16x8_narrow_i32x4(q[2], q[3]);
    wasm_v128_store(qs + 16 * h, wasm_i8x16_narrow_i16x8(p16a, p16b));
  }
  return wasm_i32x4_extract_lane(sum, 0) + wasm_i32x4_extract_lane(sum, 1) +
         wasm_i32x4_extract_lane(sum, 2) + wasm_i32x4_extract_lane(sum, 3);
}

void ai_quantize_q8_0_simd128(const float *x, void *vy, int64_t n) {
  struct ai_block_q8_0 *y = vy;
  assert(n % AI_QK == 0);
  for (int64_t i = 0; i < n / AI_QK; i++) {
    float d;
    quantize_block_q8(x + i * AI_QK, &d, y[i].qs);
    y[i].d = ai_fp32_to_fp16(d);
  }
}

/* Plus llama.cpp's s = fp16(sum * d) (q8_1.c). */
void ai_quantize_q8_1_simd128(const float *x, void *vy, int64_t n) {
  struct ai_block_q8_1 *y = vy;
  assert(n % AI_QK == 0);
  for (int64_t i = 0; i < n / AI_QK; i++) {
    float d;
    const int sum = quantize_block_q8(x + i * AI_QK, &d, y[i].qs);
    y[i].d = ai_fp32_to_fp16(d);
    y[i].s = ai_fp32_to_fp16((float)sum * d);
  }
}

/* ---- gemm and vec_dot (qgemm_wasm.h) -------------------------------------------------------- */

void ai_gemm_q4_0_q8_0_simd128(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                               const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                               int64_t y_stride) {
  qw_gemm(QW_Q4_0, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
}
void ai_gemm_q4_1_q8_1_simd128(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                               const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                               int64_t y_stride) {
  qw_gemm(QW_Q4_1, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
}
void ai_gemm_q5_0_q8_0_simd128(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                               const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                               int64_t y_stride) {
  qw_gemm(QW_Q5_0, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
}
void ai_gemm_q5_1_q8_1_simd128(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                               const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                               int64_t y_stride) {
  qw_gemm(QW_Q5_1, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
}
void ai_gemm_q8_0_q8_0_simd128(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                               const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                               int64_t y_stride) {
  qw_gemm(QW_Q8_0, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
}

void ai_dot_q4_0_q8_0_simd128(int64_t n, float *s, const void *x, const void *y) {
  ai_gemm_q4_0_q8_0_simd128(n, x, 0, 0, 1, y, 0, 1, s, 1);
}
void ai_dot_q4_1_q8_1_simd128(int64_t n, float *s, const void *x, const void *y) {
  ai_gemm_q4_1_q8_1_simd128(n, x, 0, 0, 1, y, 0, 1, s, 1);
}
void ai_dot_q5_0_q8_0_simd128(int64_t n, float *s, const void *x, const void *y) {
  ai_gemm_q5_0_q8_0_simd128(n, x, 0, 0, 1, y, 0, 1, s, 1);
}
void ai_dot_q5_1_q8_1_simd128(int64_t n, float *s, const void *x, const void *y) {
  ai_gemm_q5_1_q8_1_simd128(n, x, 0, 0, 1, y, 0, 1, s, 1);
}
void ai_dot_q8_0_q8_0_simd128(int64_t n, float *s, const void *x, const void *y) {
  ai_gemm_q8_0_q8_0_simd128(n, x, 0, 0, 1, y, 0, 1, s, 1);
}

#endif
