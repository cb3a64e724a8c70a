/* The int8 gemm shared by the WebAssembly SIMD128 variants of the 32-element block types
 * (qlegacy_wasm.c), the counterpart of qgemm_x86.h. It reads llama.cpp's block layouts in place.
 *
 * Memory order. wasm has no prefetch instruction, and a tile that reads 4 rows side by side
 * breaks the matrix into short streams that the hardware prefetchers do not follow (the same
 * effect kquant_x86.c answers with _mm_prefetch): the old 4-row tile streamed Q8_0 at ~4 GB/s.
 * Here each weight row is read once from start to end for up to QW_T tokens, so a gemv reads
 * the whole band as one sequential stream.
 *
 * Activations. The Q8_0 / Q8_1 blocks of the QW_T tokens are widened to int16 once per call
 * (qw_prep) into a buffer on the stack, in the element order of the weight decoders below, with
 * each block's scale as f32 and its constant term; every row then only loads them. k beyond the
 * buffer (QW_ACT_BLOCKS block-tokens) runs in chunks whose sums are added into y.
 *
 * Products: i32x4.dot_i16x8_s (one pmaddwd on x86) of int16 weights and activations. A Q4/Q5
 * block's 16 nibble bytes are read as eight u16 lanes, lane i holding elements 2i (bits 0-3),
 * 16 + 2i (bits 4-7), 2i + 1 (bits 8-11) and 17 + 2i (bits 12-15). Decoding takes five ops
 * because two of the four vectors keep their elements times 16 (e1 = v & 0xf0, o0 = (v >> 4) &
 * 0xf0); their partners e0 and o1 meet activations that qw_prep multiplied by 16 instead, so a
 * block's int32 sum is exactly 16x the true one (|sum| < 2^21, exact in f32) and the 1/16 goes
 * into the activation scale. Q8_0 weights are split into even and odd bytes in the same order
 * with no factor.
 *
 * Scales: the fp16 scales of four consecutive blocks of a row are converted at once (qw_fp16x4),
 * and each block's exact int32 sum is scaled by d_w * d_y in f32 as llama.cpp's
 * ggml_vec_dot_q4_0_q8_0 does. A weight offset c (Q4_0's 8, Q5_0's 16) is taken out as
 * d_w * (-c * d_y * sum(y)), the minimum of Q4_1 / Q5_1 as m * s_y (s_y from the Q8_1 block);
 * the activation side of both terms is one f32 per block from qw_prep. */
#ifndef AI_TENSOR_QGEMM_WASM_H
#define AI_TENSOR_QGEMM_WASM_H

#include <stdint.h>
#include <string.h>
#include <wasm_simd128.h>

#include "base/fp16.h"
#include "tensor/quants.h"

#define QW_INLINE static inline __attribute__((always_inline))

/* Tokens per pass over the weights, and the activation buffer's size in block-tokens: 512 x 72
 * bytes (36 KiB of the 1 MiB wasm stack) hold k = 16384 for one token, 4096 for four. */
#define QW_T          4
#define QW_ACT_BLOCKS 512

enum qw_kind { QW_Q4_0, QW_Q4_1, QW_Q5_0, QW_Q5_1, QW_Q8_0 };

QW_INLINE size_t qw_block_bytes(const enum qw_kind kind) {
  switch (kind) {
    case QW_Q4_0:
      return 18;
    case QW_Q4_1:
      return 20;
    case QW_Q5_0:
      return 22;
    case QW_Q5_1:
      return 24;
    default:
      return 34;
  }
}
QW_INLINE int qw_is_q8_1(const enum qw_kind kind) { /* Q8_1 activations, minimum m at byte 2 */
  return kind == QW_Q4_1 || kind == QW_Q5_1;
}
QW_INLINE int qw_offset(const enum qw_kind kind) { /* constant left in the decoded weights */
  return kind == QW_Q4_0 ? 8 : kind == QW_Q5_0 ? 16 : 0;
}

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
 * 2^112 finishes it with no branch; infinities and NaNs take ai_fp16_to_fp32. */
QW_INLINE float qw_fp16(uint16_t h) {
  if ((h & 0x7c00u) == 0x7c00u) return ai_fp16_to_fp32(h);
  const float f = ai_bits_to_f32((uint32_t)(h & 0x7fffu) << 13) * 0x1p112f;
  return ai_bits_to_f32(ai_f32_to_bits(f) | (uint32_t)(h & 0x8000u) << 16);
}

/* The same for the halves at p, p + stride, ... of the first n (1..4, constant) lanes; lanes past
 * n are 0. Sign-extended to 32 bits and shifted left by 13, a half has its sign in bit 31 and its
 * exponent and mantissa in bits 27..13 (bits 30..28 are copies of the sign, masked off). An
 * infinity or NaN leaves the multiply at 2^16 or more (finite halves stay below 65520), and gets
 * an all-ones exponent. */
QW_INLINE v128_t qw_fp16x4(const uint8_t *p, const size_t stride, const int n) {
  v128_t h = wasm_i32x4_splat(0);
  h = wasm_v128_load16_lane(p, h, 0);
  if (n > 1) h = wasm_v128_load16_lane(p + stride, h, 1);
  if (n > 2) h = wasm_v128_load16_lane(p + 2 * stride, h, 2);
  if (n > 3) h = wasm_v128_load16_lane(p + 3 * stride, h, 3);
  const v128_t bits = wasm_v128_and(wasm_i32x4_shl(wasm_i32x4_extend_low_i16x8(h), 13),
                                    wasm_i32x4_splat((int32_t)0x8fffe000));
  const v128_t f = wasm_f32x4_mul(bits, wasm_f32x4_splat(0x1p112f));
  const v128_t big = wasm_f32x4_ge(wasm_f32x4_abs(f), wasm_f32x4_splat(0x1p16f));
  return wasm_v128_or(f, wasm_v128_and(big, wasm_i32x4_splat(0x7f800000)));
}

/* One decoded weight block: lane i of e0, o0, e1, o1 holds elements 2i, 2i + 1, 16 + 2i and
 * 17 + 2i, as int16 (Q4/Q5: o0 and e1 times 16, see the header comment). */
struct qw16 {
  v128_t e0, o0, e1, o1;
};

/* Q5's fifth bits: 16 added to element e where bit e of qh is set (256 in the x16 vectors). */
QW_INLINE void qw_bit4(uint32_t qh, struct qw16 *w) {
  const v128_t even = wasm_i16x8_make(1, 4, 16, 64, 256, 1024, 4096, 16384);
  const v128_t odd = wasm_i16x8_make(2, 8, 32, 128, 512, 2048, 8192, INT16_MIN);
  const v128_t lo = wasm_i16x8_splat((int16_t)(qh & 0xffff));
  const v128_t hi = wasm_i16x8_splat((int16_t)(qh >> 16));
#define QW_BIT(v, bits, add) \
  wasm_v128_and(wasm_i16x8_eq(wasm_v128_and(v, bits), bits), wasm_i16x8_splat(add))
  w->e0 = wasm_v128_or(w->e0, QW_BIT(lo, even, 16));
  w->o0 = wasm_v128_or(w->o0, QW_BIT(lo, odd, 256));
  w->e1 = wasm_v128_or(w->e1, QW_BIT(hi, even, 256));
  w->o1 = wasm_v128_or(w->o1, QW_BIT(hi, odd, 16));
#undef QW_BIT
}

/* 16 signed bytes as their even and odd elements, sign-extended to int16. */
QW_INLINE void qw_split_i8(v128_t v, v128_t *even, v128_t *odd) {
  *even = wasm_i16x8_shr(wasm_i16x8_shl(v, 8), 8);
  *odd = wasm_i16x8_shr(v, 8);
}

/* The weights of the block at p (scales are read by the caller). */
QW_INLINE struct qw16 qw_decode(const enum qw_kind kind, const uint8_t *p) {
  struct qw16 w;
  if (kind == QW_Q8_0) {
    qw_split_i8(wasm_v128_load(p + 2), &w.e0, &w.o0);
    qw_split_i8(wasm_v128_load(p + 18), &w.e1, &w.o1);
    return w;
  }
  const size_t qs = kind == QW_Q4_0 ? 2 : kind == QW_Q4_1 ? 4 : kind == QW_Q5_0 ? 6 : 8;
  const v128_t v = wasm_v128_load(p + qs), m = wasm_i16x8_splat(0x0f), m16 = wasm_i16x8_splat(0xf0);
  w.e0 = wasm_v128_and(v, m);
  w.e1 = wasm_v128_and(v, m16);
  w.o0 = wasm_v128_and(wasm_u16x8_shr(v, 4), m16);
  w.o1 = wasm_u16x8_shr(v, 12);
  if (kind == QW_Q5_0) qw_bit4(qw_rd32(p + 2), &w);
  if (kind == QW_Q5_1) qw_bit4(qw_rd32(p + 4), &w);
  return w;
}

/* sum(w * y) of one block as i32x4 partial sums; y: the block's four activation vectors. */
QW_INLINE v128_t qw_dot(const struct qw16 *w, const v128_t *y) {
  return wasm_i32x4_add(wasm_i32x4_add(wasm_i32x4_dot_i16x8(w->e0, wasm_v128_load(y)),
                                       wasm_i32x4_dot_i16x8(w->o0, wasm_v128_load(y + 1))),
                        wasm_i32x4_add(wasm_i32x4_dot_i16x8(w->e1, wasm_v128_load(y + 2)),
                                       wasm_i32x4_dot_i16x8(w->o1, wasm_v128_load(y + 3))));
}

/* Widened activations of T tokens x nbp blocks (nbp a multiple of 4; token t at t * nbp):
 * q: e0, o0, e1, o1 as the weights of this kind expect them; d: d_y (over 16 for Q4/Q5); c: the
 * per-block constant term's activation side (0 in the padding past a chunk's blocks). */
struct qw_acts {
  v128_t q[QW_ACT_BLOCKS][4];
  float d[QW_ACT_BLOCKS], c[QW_ACT_BLOCKS];
};

/* Blocks [0, n) of T token rows at x (row stride xrb) into a, token t at t * nbp. */
QW_INLINE void qw_prep(const int T, const enum qw_kind kind, const uint8_t *x, size_t xrb,
                       int64_t n, int64_t nbp, struct qw_acts *a) {
  const int q8_1 = qw_is_q8_1(kind), off = qw_offset(kind), x16 = kind != QW_Q8_0;
  const size_t xbb = q8_1 ? 36 : 34, qo = q8_1 ? 4 : 2;
  for (int t = 0; t < T; t++) {
    for (int64_t b = 0; b < nbp; b++) {
      const int64_t i = t * nbp + b;
      if (b >= n) {
        a->d[i] = a->c[i] = 0.0f;
        continue;
      }
      const uint8_t *p = x + (size_t)t * xrb + (size_t)b * xbb;
      v128_t e0, o0, e1, o1;
      qw_split_i8(wasm_v128_load(p + qo), &e0, &o0);
      qw_split_i8(wasm_v128_load(p + qo + 16), &e1, &o1);
      const float dy = qw_fp16(qw_rd16(p));
      float c = q8_1 ? qw_fp16(qw_rd16(p + 2)) : 0.0f;
      if (off) { /* |y| <= 128: four int16 lanes' sum fits */
        const v128_t s = wasm_i16x8_add(wasm_i16x8_add(e0, o0), wasm_i16x8_add(e1, o1));
        const v128_t s4 = wasm_i32x4_dot_i16x8(s, wasm_i16x8_splat(1));
        const int32_t sum = wasm_i32x4_extract_lane(s4, 0) + wasm_i32x4_extract_lane(s4, 1) +
                            wasm_i32x4_extract_lane(s4, 2) + wasm_i32x4_extract_lane(s4, 3);
        c = -dy * (float)(off * sum);
      }
      a->q[i][0] = x16 ? wasm_i16x8_shl(e0, 4) : e0;
      a->q[i][1] = o0;
      a->q[i][2] = e1;
      a->q[i][3] = x16 ? wasm_i16x8_shl(o1, 4) : o1;
      a->d[i] = x16 ? dy * 0.0625f : dy;
      a->c[i] = c;
    }
  }
}

/* Lane j of the result: the sum of the four lanes of s_j (shuffles of the shufps kind). */
QW_INLINE v128_t qw_fold4(v128_t s0, v128_t s1, v128_t s2, v128_t s3) {
  const v128_t a = wasm_i32x4_add(wasm_i32x4_shuffle(s0, s1, 0, 2, 4, 6),
                                  wasm_i32x4_shuffle(s0, s1, 1, 3, 5, 7));
  const v128_t b = wasm_i32x4_add(wasm_i32x4_shuffle(s2, s3, 0, 2, 4, 6),
                                  wasm_i32x4_shuffle(s2, s3, 1, 3, 5, 7));
  return wasm_i32x4_add(wasm_i32x4_shuffle(a, b, 0, 2, 4, 6), wasm_i32x4_shuffle(a, b, 1, 3, 5, 7));
}

/* Keeps the blocks of a group in order in the code that V8 emits. V8 issues a loop body's loads
 * first and the arithmetic late, so four blocks' weights and activations (20 vectors and more)
 * were live at once and spilled (x86 has 16 xmm registers); a store of each (block, token) result
 * comes before the next one's loads (V8 keeps memory operations in order), and the empty asm keeps
 * clang from moving those loads above it. One store per block and token, to the stack. */
QW_INLINE void qw_fence(volatile v128_t *fence, v128_t v) {
  *fence = v;
  __asm__ volatile("" ::: "memory");
}

/* Blocks b .. b + n - 1 (n = 1..4, constant) of one row at w (block b) for T tokens: acc[t] +=
 * the scaled block sums (one block per lane of the scale vectors, summed at the end). */
QW_INLINE void qw_group(const int T, const enum qw_kind kind, const int n, const uint8_t *w,
                        const struct qw_acts *a, int64_t nbp, int64_t b, v128_t *acc,
                        volatile v128_t *fence) {
  const size_t bb = qw_block_bytes(kind);
  const v128_t dw = qw_fp16x4(w, bb, n);
  v128_t dd[QW_T];
  const v128_t *yq[QW_T];
  for (int t = 0; t < T; t++) {
    dd[t] = wasm_f32x4_mul(dw, wasm_v128_load(&a->d[t * nbp + b]));
    yq[t] = a->q[t * nbp + b];
  }
  if (T == 1 && n == 4) { /* one token: four blocks' sums folded into the lanes of one vector */
    v128_t s[4];
    for (int j = 0; j < 4; j++) {
      const struct qw16 wv = qw_decode(kind, w + j * bb);
      s[j] = qw_dot(&wv, yq[0] + 4 * j);
      qw_fence(fence, s[j]);
    }
    const v128_t sum = qw_fold4(s[0], s[1], s[2], s[3]);
    acc[0] = wasm_f32x4_add(acc[0], wasm_f32x4_mul(wasm_f32x4_convert_i32x4(sum), dd[0]));
  } else {
#define QW_BLOCK(j)                                                                                \
  if (n > (j)) {                                                                                   \
    const struct qw16 wv = qw_decode(kind, w + (j)*bb);                                            \
    for (int t = 0; t < T; t++) {                                                                  \
      const v128_t s = wasm_f32x4_convert_i32x4(qw_dot(&wv, yq[t] + 4 * (j)));                     \
      acc[t] =                                                                                     \
          wasm_f32x4_add(acc[t], wasm_f32x4_mul(s, wasm_i32x4_shuffle(dd[t], dd[t], j, j, j, j))); \
      qw_fence(fence, acc[t]);                                                                     \
    }                                                                                              \
  }
    QW_BLOCK(0)
    QW_BLOCK(1)
    QW_BLOCK(2)
    QW_BLOCK(3)
#undef QW_BLOCK
  }
  if (qw_offset(kind) || qw_is_q8_1(kind)) {
    const v128_t f = qw_is_q8_1(kind) ? qw_fp16x4(w + 2, bb, n) : dw;
    for (int t = 0; t < T; t++)
      acc[t] = wasm_f32x4_add(acc[t], wasm_f32x4_mul(f, wasm_v128_load(&a->c[t * nbp + b])));
  }
}

QW_INLINE float qw_hsum(v128_t v) {
  v = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
  v = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 1, 0, 3, 2));
  return wasm_f32x4_extract_lane(v, 0);
}

/* Rows [r0, r1) x T tokens (T constant), each row read once from start to end per chunk. */
QW_INLINE void qw_pass(const int T, const enum qw_kind kind, int64_t nb, const uint8_t *w,
                       size_t wrb, int64_t r0, int64_t r1, const uint8_t *x, size_t xrb, float *y,
                       int64_t ys, struct qw_acts *a) {
  const size_t bb = qw_block_bytes(kind), xbb = qw_is_q8_1(kind) ? 36 : 34;
  const int64_t chunk = (QW_ACT_BLOCKS / T) & ~(int64_t)3;
  for (int64_t b0 = 0; b0 < nb; b0 += chunk) {
    const int64_t n = nb - b0 < chunk ? nb - b0 : chunk, nbp = (n + 3) & ~(int64_t)3;
    qw_prep(T, kind, x + (size_t)b0 * xbb, xrb, n, nbp, a);
    for (int64_t r = r0; r < r1; r++) {
      const uint8_t *wr = w + (size_t)r * wrb + (size_t)b0 * bb;
      v128_t acc[QW_T];
      volatile v128_t fence;
      for (int t = 0; t < T; t++) acc[t] = wasm_f32x4_splat(0.0f);
      int64_t b = 0;
      for (; b + 4 <= n; b += 4) qw_group(T, kind, 4, wr + (size_t)b * bb, a, nbp, b, acc, &fence);
      switch (n - b) {
        case 3:
          qw_group(T, kind, 3, wr + (size_t)b * bb, a, nbp, b, acc, &fence);
          break;
        case 2:
          qw_group(T, kind, 2, wr + (size_t)b * bb, a, nbp, b, acc, &fence);
          break;
        case 1:
          qw_group(T, kind, 1, wr + (size_t)b * bb, a, nbp, b, acc, &fence);
          break;
        default:
          break;
      }
      for (int t = 0; t < T; t++) {
        const float s = qw_hsum(acc[t]);
        y[t * ys + r] = b0 == 0 ? s : y[t * ys + r] + s;
      }
    }
  }
}

/* The ai_gemm_fn contract (types.h) for one block type: passes of up to QW_T tokens. */
QW_INLINE void qw_gemm(const enum qw_kind kind, int64_t k, const void *vw, size_t wrb, int64_t r0,
                       int64_t r1, const void *xq, size_t xrb, int64_t n_tok, float *y,
                       int64_t ys) {
  const uint8_t *w = vw, *x = xq;
  const int64_t nb = k / AI_QK;
  struct qw_acts a;
  for (int64_t t = 0; t < n_tok; t += QW_T) {
    const uint8_t *xt = x + (size_t)t * xrb;
    float *yt = y + t * ys;
    switch (n_tok - t < QW_T ? n_tok - t : QW_T) {
      case 1:
        qw_pass(1, kind, nb, w, wrb, r0, r1, xt, xrb, yt, ys, &a);
        break;
      case 2:
        qw_pass(2, kind, nb, w, wrb, r0, r1, xt, xrb, yt, ys, &a);
        break;
      case 3:
        qw_pass(3, kind, nb, w, wrb, r0, r1, xt, xrb, yt, ys, &a);
        break;
      default:
        qw_pass(4, kind, nb, w, wrb, r0, r1, xt, xrb, yt, ys, &a);
        break;
    }
  }
}

#endif
