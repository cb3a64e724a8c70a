/* The tiled int8 gemm shared by the WebAssembly SIMD128 variants of the 32-element block types
 * (qlegacy_wasm.c), the counterpart of qgemm_x86.h. Each family supplies a block decoder that
 * returns its 32 weights as four i16x8 vectors in one fixed element order (below) plus the
 * block's scale, minimum and constant offset (Q4_0's 8, Q5_0's 16); this header does the rest,
 * reading llama.cpp's block layout in place.
 *
 * Products: i32x4.dot_i16x8_s (one pmaddwd on x86) of weights and activations widened to int16.
 * The element order follows the nibble layout so that decoding a Q4/Q5 block is shifts and masks
 * of its 16 bytes read as eight u16 lanes: lane i of e0, o0, e1, o1 holds elements 2i, 2i + 1,
 * 16 + 2i, 17 + 2i. The activations are put in that order once per block and token (even and
 * odd bytes, sign-extended) and serve every row of the tile. A weight offset c is taken out
 * exactly as c * sum(y) of the block. Four rows' int32 sums are folded into one vector, so the
 * scale d_w * d_y is applied to four rows at once (f32, as llama.cpp's ggml_vec_dot_q4_0_q8_0
 * scales each block's exact int32 sum); Q4_1/Q5_1 add m * s_y, s_y = d_y * sum(y) from the Q8_1
 * block. A tile is up to 4 weight rows x 2 tokens. */
#ifndef AI_TENSOR_QGEMM_WASM_H
#define AI_TENSOR_QGEMM_WASM_H

#include <stdint.h>
#include <string.h>
#include <wasm_simd128.h>

#include "base/fp16.h"
#include "tensor/quants.h"

#define QW_INLINE static inline __attribute__((always_inline))

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

/* binary16 -> binary32, exact: a finite half's exponent and mantissa moved into a float's place
 * are its value times 2^-112 (subnormals too: they land as float subnormals), so one multiply by
 * 2^112 finishes it with no branch; infinities and NaNs take ai_fp16_to_fp32. The scales of every
 * block go through here, and wasm has no hardware conversion. */
QW_INLINE float qw_fp16(uint16_t h) {
  if ((h & 0x7c00u) == 0x7c00u) return ai_fp16_to_fp32(h);
  const float f = ai_bits_to_f32((uint32_t)(h & 0x7fffu) << 13) * 0x1p112f;
  return ai_bits_to_f32(ai_f32_to_bits(f) | (uint32_t)(h & 0x8000u) << 16);
}

/* One decoded weight block: elements in the e0/o0/e1/o1 order, as int16. */
struct qw16 {
  v128_t e0, o0, e1, o1;
  float d, m; /* scale and minimum (m = 0 for the symmetric types) */
};
typedef struct qw16 (*qw16_load_fn)(const uint8_t *blk);

/* The 32 nibbles of 16 bytes (low nibbles elements 0..15, high 16..31, ggml-common.h). */
QW_INLINE void qw_nibbles(const uint8_t *p, struct qw16 *w) {
  const v128_t v = wasm_v128_load(p), m = wasm_i16x8_splat(0x0f);
  w->e0 = wasm_v128_and(v, m);
  w->e1 = wasm_v128_and(wasm_u16x8_shr(v, 4), m);
  w->o0 = wasm_v128_and(wasm_u16x8_shr(v, 8), m);
  w->o1 = wasm_u16x8_shr(v, 12);
}

/* Q5's fifth bits: 16 added to element e where bit e of qh is set. */
QW_INLINE void qw_bit4(uint32_t qh, struct qw16 *w) {
  const v128_t even = wasm_i16x8_make(1, 4, 16, 64, 256, 1024, 4096, 16384);
  const v128_t odd = wasm_i16x8_make(2, 8, 32, 128, 512, 2048, 8192, INT16_MIN);
  const v128_t lo = wasm_i16x8_splat((int16_t)(qh & 0xffff));
  const v128_t hi = wasm_i16x8_splat((int16_t)(qh >> 16));
  const v128_t sixteen = wasm_i16x8_splat(16);
#define QW_BIT(v, bits) wasm_v128_and(wasm_i16x8_eq(wasm_v128_and(v, bits), bits), sixteen)
  w->e0 = wasm_v128_or(w->e0, QW_BIT(lo, even));
  w->o0 = wasm_v128_or(w->o0, QW_BIT(lo, odd));
  w->e1 = wasm_v128_or(w->e1, QW_BIT(hi, even));
  w->o1 = wasm_v128_or(w->o1, QW_BIT(hi, odd));
#undef QW_BIT
}

/* 16 signed bytes as their even and odd elements, sign-extended to int16. */
QW_INLINE void qw_split_i8(v128_t v, v128_t *even, v128_t *odd) {
  *even = wasm_i16x8_shr(wasm_i16x8_shl(v, 8), 8);
  *odd = wasm_i16x8_shr(v, 8);
}

/* One block of activations in the weights' order, with sum(y) in every lane when an offset is
 * taken out. */
struct qy16 {
  v128_t e0, o0, e1, o1, sum;
  float d, s;
};

QW_INLINE struct qy16 qw_act(const uint8_t *p, const int is_q8_1, const int want_sum) {
  struct qy16 y;
  const size_t qo = is_q8_1 ? 4 : 2;
  qw_split_i8(wasm_v128_load(p + qo), &y.e0, &y.o0);
  qw_split_i8(wasm_v128_load(p + qo + 16), &y.e1, &y.o1);
  y.d = qw_fp16(qw_rd16(p));
  y.s = is_q8_1 ? qw_fp16(qw_rd16(p + 2)) : 0.0f;
  y.sum = wasm_i32x4_splat(0);
  if (want_sum) { /* |y| <= 128: four int16 lanes' sum fits */
    const v128_t t = wasm_i16x8_add(wasm_i16x8_add(y.e0, y.o0), wasm_i16x8_add(y.e1, y.o1));
    v128_t s4 = wasm_i32x4_dot_i16x8(t, wasm_i16x8_splat(1));
    s4 = wasm_i32x4_add(s4, wasm_i32x4_shuffle(s4, s4, 2, 3, 0, 1));
    y.sum = wasm_i32x4_add(s4, wasm_i32x4_shuffle(s4, s4, 1, 0, 3, 2));
  }
  return y;
}

/* sum(w * y) of one block as i32x4 partial sums. */
QW_INLINE v128_t qw_dot(const struct qw16 *w, const struct qy16 *y) {
  return wasm_i32x4_add(
      wasm_i32x4_add(wasm_i32x4_dot_i16x8(w->e0, y->e0), wasm_i32x4_dot_i16x8(w->o0, y->o0)),
      wasm_i32x4_add(wasm_i32x4_dot_i16x8(w->e1, y->e1), wasm_i32x4_dot_i16x8(w->o1, y->o1)));
}

/* Lane r of the result: the sum of the four lanes of s[r]. */
QW_INLINE v128_t qw_fold4(v128_t s0, v128_t s1, v128_t s2, v128_t s3) {
  const v128_t a = wasm_i32x4_add(wasm_i32x4_shuffle(s0, s1, 0, 4, 2, 6),
                                  wasm_i32x4_shuffle(s0, s1, 1, 5, 3, 7));
  const v128_t b = wasm_i32x4_add(wasm_i32x4_shuffle(s2, s3, 0, 4, 2, 6),
                                  wasm_i32x4_shuffle(s2, s3, 1, 5, 3, 7));
  return wasm_i32x4_add(wasm_i32x4_shuffle(a, b, 0, 1, 4, 5), wasm_i32x4_shuffle(a, b, 2, 3, 6, 7));
}

/* y[t * ys + r] for R <= 4 rows and T <= 2 tokens over nb blocks. offset: the constant the
 * decoder left in (Q4_0 8, Q5_0 16). is_q8_1: activations are block_q8_1 (36 bytes) and the
 * weights' minimum is added; else block_q8_0 (34). */
QW_INLINE void qw_tile(const int R, const int T, qw16_load_fn load, const size_t w_bb,
                       const int offset, const int is_q8_1, int64_t nb, const uint8_t *w,
                       size_t wrb, const uint8_t *x, size_t xrb, float *y, int64_t ys) {
  const size_t x_bb = is_q8_1 ? 36 : 34;
  v128_t acc[2] = {wasm_f32x4_splat(0.0f), wasm_f32x4_splat(0.0f)};
  for (int64_t b = 0; b < nb; b++) {
    struct qy16 ya[2];
    for (int t = 0; t < T; t++)
      ya[t] = qw_act(x + (size_t)t * xrb + (size_t)b * x_bb, is_q8_1, offset != 0);
    v128_t s[2][4];
    float d[4] = {0, 0, 0, 0}, m[4] = {0, 0, 0, 0};
    for (int r = 0; r < 4; r++) {
      if (r >= R) {
        for (int t = 0; t < T; t++) s[t][r] = wasm_i32x4_splat(0);
        continue;
      }
      const struct qw16 wv = load(w + (size_t)r * wrb + (size_t)b * w_bb);
      d[r] = wv.d;
      m[r] = wv.m;
      for (int t = 0; t < T; t++) s[t][r] = qw_dot(&wv, &ya[t]);
    }
    const v128_t d4 = wasm_f32x4_make(d[0], d[1], d[2], d[3]);
    for (int t = 0; t < T; t++) {
      v128_t sum = qw_fold4(s[t][0], s[t][1], s[t][2], s[t][3]);
      if (offset) sum = wasm_i32x4_sub(sum, wasm_i32x4_mul(ya[t].sum, wasm_i32x4_splat(offset)));
      v128_t a =
          wasm_f32x4_add(acc[t], wasm_f32x4_mul(wasm_f32x4_convert_i32x4(sum),
                                                wasm_f32x4_mul(d4, wasm_f32x4_splat(ya[t].d))));
      if (is_q8_1) {
        const v128_t m4 = wasm_f32x4_make(m[0], m[1], m[2], m[3]);
        a = wasm_f32x4_add(a, wasm_f32x4_mul(m4, wasm_f32x4_splat(ya[t].s)));
      }
      acc[t] = a;
    }
  }
  for (int t = 0; t < T; t++) {
    float out[4];
    wasm_v128_store(out, acc[t]);
    for (int r = 0; r < R; r++) y[t * ys + r] = out[r];
  }
}

/* The ai_gemm_fn contract (types.h) for one block type. */
QW_INLINE void qw_gemm(qw16_load_fn load, const size_t w_bb, const int offset, const int is_q8_1,
                       int64_t k, const void *vw, size_t wrb, int64_t r0, int64_t r1,
                       const void *xq, size_t xrb, int64_t n_tok, float *y, int64_t ys) {
  const uint8_t *w = vw, *x = xq;
  const int64_t nb = k / AI_QK;
  for (int64_t r = r0; r < r1; r += 4) {
    const uint8_t *wr = w + (size_t)r * wrb;
    const int64_t rows = r1 - r < 4 ? r1 - r : 4;
    for (int64_t t = 0; t < n_tok; t += 2) {
      const uint8_t *xt = x + (size_t)t * xrb;
      float *yt = y + t * ys + r;
      const int two = t + 2 <= n_tok;
#define QW_TILE(R)                                                              \
  do {                                                                          \
    if (two)                                                                    \
      qw_tile(R, 2, load, w_bb, offset, is_q8_1, nb, wr, wrb, xt, xrb, yt, ys); \
    else                                                                        \
      qw_tile(R, 1, load, w_bb, offset, is_q8_1, nb, wr, wrb, xt, xrb, yt, ys); \
  } while (0)
      switch (rows) {
        case 4:
          QW_TILE(4);
          break;
        case 3:
          QW_TILE(3);
          break;
        case 2:
          QW_TILE(2);
          break;
        default:
          QW_TILE(1);
          break;
      }
#undef QW_TILE
    }
  }
}

#endif
