/* The tiled int8 gemm shared by the WebAssembly SIMD128 variants of the 32-element block types
 * (qlegacy_wasm.c), the counterpart of qgemm_x86.h. Each family supplies a block decoder that
 * returns its 32 weights as signed bytes (offsets such as Q4_0's -8 already applied; Q4_1/Q5_1
 * levels are 0..31, which fit) plus the block's scale and minimum; this header does the rest,
 * reading llama.cpp's block layout in place.
 *
 * Products: i16x8.extmul of weights and activations, pairwise-added to i32x4 lanes. For weights
 * of at most 5 bits |w * y| <= 32 * 128, so two products still fit an int16 and are added there
 * first; Q8_0 weights (up to 128 * 128) widen every product. Per block the exact int32 sum is
 * scaled by d_w * d_y in f32 (llama.cpp's ggml_vec_dot_q4_0_q8_0 does the same); Q4_1/Q5_1 add
 * m * s_y, s_y = d_y * sum(y) from the Q8_1 block. A tile is R weight rows x T tokens. */
#ifndef AI_TENSOR_QGEMM_WASM_H
#define AI_TENSOR_QGEMM_WASM_H

#include <stdint.h>
#include <string.h>
#include <wasm_simd128.h>

#include "base/fp16.h"
#include "tensor/quants.h"

#define QW_INLINE static inline __attribute__((always_inline))

/* One decoded weight block. */
struct qw128 {
  v128_t lo, hi; /* elements 0..15 and 16..31 as signed bytes */
  float d, m;    /* scale and minimum (m = 0 for the symmetric types) */
};
typedef struct qw128 (*qw128_load_fn)(const uint8_t *blk);

QW_INLINE uint16_t qw_rd16(const uint8_t *p) {
  uint16_t h;
  memcpy(&h, p, sizeof h);
  return h;
}

QW_INLINE uint32_t qw_rd32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

/* Low nibbles of the 16 bytes at p are elements 0..15, high nibbles 16..31 (ggml-common.h). */
QW_INLINE void qw_nibbles(const uint8_t *p, v128_t *lo, v128_t *hi) {
  const v128_t v = wasm_v128_load(p);
  *lo = wasm_v128_and(v, wasm_i8x16_splat(0x0f));
  *hi = wasm_u8x16_shr(v, 4);
}

/* 0x10 in byte e where bit e (lo: 0..15) or bit 16 + e (hi) of qh is set: Q5's fifth bit. */
QW_INLINE void qw_bit4(uint32_t qh, v128_t *lo, v128_t *hi) {
  const v128_t bits = wasm_i8x16_make(1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128);
  const v128_t v = wasm_i32x4_splat((int32_t)qh);
  const v128_t b01 =
      wasm_i8x16_swizzle(v, wasm_i8x16_make(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1));
  const v128_t b23 =
      wasm_i8x16_swizzle(v, wasm_i8x16_make(2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3));
  const v128_t sixteen = wasm_i8x16_splat(0x10);
  *lo = wasm_v128_and(wasm_i8x16_eq(wasm_v128_and(b01, bits), bits), sixteen);
  *hi = wasm_v128_and(wasm_i8x16_eq(wasm_v128_and(b23, bits), bits), sixteen);
}

/* Sum of w * y over 16 byte lanes, as i32x4 partial sums. */
QW_INLINE v128_t qw_dot16(v128_t w, v128_t y, const int small) {
  const v128_t pl = wasm_i16x8_extmul_low_i8x16(w, y), ph = wasm_i16x8_extmul_high_i8x16(w, y);
  if (small) return wasm_i32x4_extadd_pairwise_i16x8(wasm_i16x8_add(pl, ph));
  return wasm_i32x4_add(wasm_i32x4_extadd_pairwise_i16x8(pl), wasm_i32x4_extadd_pairwise_i16x8(ph));
}

QW_INLINE float qw_hsum(v128_t v) {
  return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) +
         wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3);
}

/* y[t * ys + r] for R <= 2 rows and T <= 2 tokens over nb blocks. is_q8_1: activations are
 * block_q8_1 (36 bytes, qs at 4) and the weights' minimum is added; else block_q8_0 (34, at 2). */
QW_INLINE void qw_tile(const int R, const int T, qw128_load_fn load, const size_t w_bb,
                       const int small, const int is_q8_1, int64_t nb, const uint8_t *w, size_t wrb,
                       const uint8_t *x, size_t xrb, float *y, int64_t ys) {
  const size_t x_bb = is_q8_1 ? 36 : 34, qo = is_q8_1 ? 4 : 2;
  v128_t acc[2][2];
  for (int r = 0; r < R; r++) {
    for (int t = 0; t < T; t++) acc[r][t] = wasm_f32x4_splat(0.0f);
  }
  for (int64_t b = 0; b < nb; b++) {
    struct qw128 wv[2];
    for (int r = 0; r < R; r++) wv[r] = load(w + (size_t)r * wrb + (size_t)b * w_bb);
    for (int t = 0; t < T; t++) {
      const uint8_t *p = x + (size_t)t * xrb + (size_t)b * x_bb;
      const v128_t y0 = wasm_v128_load(p + qo), y1 = wasm_v128_load(p + qo + 16);
      const float dy = ai_fp16_to_fp32(qw_rd16(p));
      const float sy = is_q8_1 ? ai_fp16_to_fp32(qw_rd16(p + 2)) * 0.25f : 0.0f;
      for (int r = 0; r < R; r++) {
        const v128_t s =
            wasm_i32x4_add(qw_dot16(wv[r].lo, y0, small), qw_dot16(wv[r].hi, y1, small));
        v128_t a = wasm_f32x4_add(
            acc[r][t], wasm_f32x4_mul(wasm_f32x4_convert_i32x4(s), wasm_f32x4_splat(wv[r].d * dy)));
        if (is_q8_1) a = wasm_f32x4_add(a, wasm_f32x4_splat(wv[r].m * sy)); /* 4 lanes: m * s_y */
        acc[r][t] = a;
      }
    }
  }
  for (int r = 0; r < R; r++) {
    for (int t = 0; t < T; t++) y[t * ys + r] = qw_hsum(acc[r][t]);
  }
}

/* The ai_gemm_fn contract (types.h) for one block type. */
QW_INLINE void qw_gemm(qw128_load_fn load, const size_t w_bb, const int small, const int is_q8_1,
                       int64_t k, const void *vw, size_t wrb, int64_t r0, int64_t r1,
                       const void *xq, size_t xrb, int64_t n_tok, float *y, int64_t ys) {
  const uint8_t *w = vw, *x = xq;
  const int64_t nb = k / AI_QK;
  int64_t r = r0;
  for (; r < r1; r += 2) {
    const uint8_t *wr = w + (size_t)r * wrb;
    const int two_rows = r + 2 <= r1;
    int64_t t = 0;
    for (; t + 2 <= n_tok; t += 2) {
      const uint8_t *xt = x + (size_t)t * xrb;
      if (two_rows) {
        qw_tile(2, 2, load, w_bb, small, is_q8_1, nb, wr, wrb, xt, xrb, y + t * ys + r, ys);
      } else {
        qw_tile(1, 2, load, w_bb, small, is_q8_1, nb, wr, wrb, xt, xrb, y + t * ys + r, ys);
      }
    }
    if (t < n_tok) {
      const uint8_t *xt = x + (size_t)t * xrb;
      if (two_rows) {
        qw_tile(2, 1, load, w_bb, small, is_q8_1, nb, wr, wrb, xt, xrb, y + t * ys + r, ys);
      } else {
        qw_tile(1, 1, load, w_bb, small, is_q8_1, nb, wr, wrb, xt, xrb, y + t * ys + r, ys);
      }
    }
  }
}

#endif
