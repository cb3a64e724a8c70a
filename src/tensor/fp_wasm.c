/* WebAssembly SIMD128 variants of the float weight kernels (fp.c holds the references): a
 * register-tiled gemm for F32 x F32, F16 x F16 and BF16 x BF16, products summed in f32x4 lanes.
 * SIMD128 has no half-precision instructions, so F16 is widened exactly with integer operations;
 * BF16 is the upper half of an f32. The F32 -> F16/BF16 activation converters stay the reference
 * ones (k per token, against rows x k for the gemm). A tail under 4 elements is copied into
 * zeroed lanes. */
#ifdef __wasm_simd128__

#include <string.h>
#include <wasm_simd128.h>

#include "tensor/fp.h"

#define FW_INLINE static inline __attribute__((always_inline))

/* 4 elements at p as f32. */
typedef v128_t (*ld128_fn)(const uint8_t *p);

FW_INLINE v128_t ld_f32(const uint8_t *p) {
  return wasm_v128_load(p);
}

/* binary16 -> binary32 exactly: exponent and mantissa shifted into place are the value times
 * 2^-112 (subnormals included), so one multiply by 2^112 rescales; Inf/NaN get the all-ones
 * exponent. The same values as ai_fp16_to_fp32 (base/fp16.h). */
FW_INLINE v128_t ld_f16(const uint8_t *p) {
  const v128_t h = wasm_u32x4_extend_low_u16x8(wasm_v128_load64_zero(p));
  const v128_t sign = wasm_i32x4_shl(wasm_v128_and(h, wasm_i32x4_splat(0x8000)), 16);
  const v128_t em = wasm_i32x4_shl(wasm_v128_and(h, wasm_i32x4_splat(0x7fff)), 13);
  const v128_t scaled = wasm_f32x4_mul(em, wasm_f32x4_splat(0x1p112f));
  const v128_t is_inf_nan =
      wasm_i32x4_eq(wasm_v128_and(h, wasm_i32x4_splat(0x7c00)), wasm_i32x4_splat(0x7c00));
  const v128_t special = wasm_v128_or(em, wasm_i32x4_splat(0x7f800000));
  return wasm_v128_or(wasm_v128_bitselect(special, scaled, is_inf_nan), sign);
}

FW_INLINE v128_t ld_bf16(const uint8_t *p) {
  return wasm_i32x4_shl(wasm_u32x4_extend_low_u16x8(wasm_v128_load64_zero(p)), 16);
}

FW_INLINE float hsum(v128_t v) {
  return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) +
         wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3);
}

FW_INLINE void step(const int R, const int T, ld128_fn ld, const uint8_t *w, size_t wrb,
                    const uint8_t *x, size_t xrb, v128_t acc[4][2]) {
  v128_t wv[4];
  for (int r = 0; r < R; r++) wv[r] = ld(w + (size_t)r * wrb);
  for (int t = 0; t < T; t++) {
    const v128_t xv = ld(x + (size_t)t * xrb);
    for (int r = 0; r < R; r++) acc[r][t] = wasm_f32x4_add(acc[r][t], wasm_f32x4_mul(wv[r], xv));
  }
}

/* y[t * ys + r] for R <= 4 rows and T <= 2 tokens; esz bytes per element. */
FW_INLINE void tile(const int R, const int T, ld128_fn ld, const size_t esz, int64_t k,
                    const uint8_t *w, size_t wrb, const uint8_t *x, size_t xrb, float *y,
                    int64_t ys) {
  v128_t acc[4][2];
  for (int r = 0; r < R; r++) {
    for (int t = 0; t < T; t++) acc[r][t] = wasm_f32x4_splat(0.0f);
  }
  int64_t i = 0;
  for (; i + 4 <= k; i += 4)
    step(R, T, ld, w + (size_t)i * esz, wrb, x + (size_t)i * esz, xrb, acc);
  if (i < k) {
    uint8_t wt[4][16], xt[2][16];
    const size_t rem = (size_t)(k - i) * esz;
    memset(wt, 0, sizeof wt);
    memset(xt, 0, sizeof xt);
    for (int r = 0; r < R; r++) memcpy(wt[r], w + (size_t)r * wrb + (size_t)i * esz, rem);
    for (int t = 0; t < T; t++) memcpy(xt[t], x + (size_t)t * xrb + (size_t)i * esz, rem);
    step(R, T, ld, wt[0], 16, xt[0], 16, acc);
  }
  for (int r = 0; r < R; r++) {
    for (int t = 0; t < T; t++) y[t * ys + r] = hsum(acc[r][t]);
  }
}

FW_INLINE void gemm(ld128_fn ld, const size_t esz, int64_t k, const void *vw, size_t wrb,
                    int64_t r0, int64_t r1, const void *xq, size_t xrb, int64_t n_tok, float *y,
                    int64_t ys) {
  const uint8_t *w = vw, *x = xq;
  int64_t r = r0;
  for (; r + 4 <= r1; r += 4) {
    const uint8_t *wr = w + (size_t)r * wrb;
    int64_t t = 0;
    for (; t + 2 <= n_tok; t += 2)
      tile(4, 2, ld, esz, k, wr, wrb, x + (size_t)t * xrb, xrb, y + t * ys + r, ys);
    if (t < n_tok) tile(4, 1, ld, esz, k, wr, wrb, x + (size_t)t * xrb, xrb, y + t * ys + r, ys);
  }
  for (; r < r1; r++) {
    const uint8_t *wr = w + (size_t)r * wrb;
    int64_t t = 0;
    for (; t + 2 <= n_tok; t += 2)
      tile(1, 2, ld, esz, k, wr, wrb, x + (size_t)t * xrb, xrb, y + t * ys + r, ys);
    if (t < n_tok) tile(1, 1, ld, esz, k, wr, wrb, x + (size_t)t * xrb, xrb, y + t * ys + r, ys);
  }
}

void ai_gemm_f32_f32_simd128(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                             const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                             int64_t y_stride) {
  gemm(ld_f32, 4, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
}
void ai_gemm_f16_f16_simd128(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                             const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                             int64_t y_stride) {
  gemm(ld_f16, 2, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
}
void ai_gemm_bf16_bf16_simd128(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                               const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                               int64_t y_stride) {
  gemm(ld_bf16, 2, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
}

void ai_dot_f32_f32_simd128(int64_t n, float *s, const void *x, const void *y) {
  ai_gemm_f32_f32_simd128(n, x, 0, 0, 1, y, 0, 1, s, 1);
}
void ai_dot_f16_f16_simd128(int64_t n, float *s, const void *x, const void *y) {
  ai_gemm_f16_f16_simd128(n, x, 0, 0, 1, y, 0, 1, s, 1);
}
void ai_dot_bf16_bf16_simd128(int64_t n, float *s, const void *x, const void *y) {
  ai_gemm_bf16_bf16_simd128(n, x, 0, 0, 1, y, 0, 1, s, 1);
}

#endif
