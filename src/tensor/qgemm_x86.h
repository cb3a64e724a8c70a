/* The int8 kernels shared by the x86 variants of the 32-element block types (q4_0.c, q4_1.c,
 * q5_0.c, q5_1.c, q8_0.c): a tiled gemm for prompts (each family supplies a block decoder: its
 * weights as unsigned bytes (q4/q5) or signed bytes (q8_0) plus per-block scales) and a gemv for
 * decode (few tokens: AI_QGEMV_MAX_TOK*, qgemv.h), AVX-512 VNNI and AVX2 each. All read llama.cpp's
 * block layout in place (no repacking).
 *
 * Why the arithmetic is exact in int32: vpdpbusd multiplies unsigned by signed bytes. A Q4_0
 * weight is (q - 8) with q in 0..15, so dot(q - 8, y) = dot(q, y) - 8 * sum(y); the second term
 * is computed once per activation block (per token, shared by all rows of a tile) and used as the
 * dpbusd accumulator's start value. Q5_0 subtracts 16; Q8_0 weights are stored as w + 128 (xor
 * 0x80) and subtract 128 * sum(y). Q4_1/Q5_1 need no offset: their minimum m is added as m * s_y
 * with s_y from the Q8_1 activation block (llama.cpp's ggml_vec_dot_q4_1_q8_1 does the same).
 *
 * AVX2 has no vpdpbusd: maddubs + madd does the same sum; it would saturate int16 for Q8_0's
 * +128 bias, so Q8_0 uses the sign trick there instead (|w| * sign(y, w)).
 *
 * A micro-kernel computes an R x T tile (R weight rows, T tokens) with R * T float accumulators;
 * the weight rows of a tile stay in L1 while all tokens pass over them. Every function here is
 * always_inline and takes its shape and decoder as compile-time constants, so each family's
 * public gemm is a specialised copy. Only x86-64 builds include this. */
#ifndef AI_TENSOR_QGEMM_X86_H
#define AI_TENSOR_QGEMM_X86_H

#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "tensor/quants.h"

#define AI_TARGET_AVX512 \
  __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")))
#define AI_TARGET_AVX2 __attribute__((target("avx2,fma,f16c")))
#define AI_INLINE      static inline __attribute__((always_inline))

/* How the activations of a weight type are stored and combined. */
enum qact {
  QACT_Q8_0 = 0, /* block_q8_0; weights carry an integer offset (8, 16, 128) or none */
  QACT_Q8_1 = 1  /* block_q8_1; weights carry a float minimum m, added as m * s_y */
};

static inline uint16_t qx_rd16(const uint8_t *p) {
  uint16_t h;
  memcpy(&h, p, sizeof h);
  return h;
}

static inline uint32_t qx_rd32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

/* ---- AVX-512 VNNI: two blocks per 512-bit register ------------------------------------------ */

/* Two consecutive weight blocks (the second may be absent: then its lanes are zero). */
struct qw512 {
  __m512i q; /* 64 bytes: block b's 32 elements, then block b+1's */
  __m512 d;  /* lanes 0-7: scale of block b, lanes 8-15: of block b+1 */
  __m512 m;  /* the same for the minimum (Q4_1, Q5_1 only) */
};
typedef struct qw512 (*qw512_load_fn)(const uint8_t *blk, int two);

/* [f(h0) x 8, f(h1) x 8] from two fp16 values. */
AI_INLINE AI_TARGET_AVX512 __m512 qx512_scales(uint16_t h0, uint16_t h1) {
  const __m128 f = _mm_cvtph_ps(_mm_cvtsi32_si128((int)(h0 | (uint32_t)h1 << 16)));
  const __m512i idx = _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
  return _mm512_permutexvar_ps(idx, _mm512_castps128_ps512(f));
}

/* 32 bytes at p0, then 32 at p1 (zero when !two). */
AI_INLINE AI_TARGET_AVX512 __m512i qx512_load_2x32(const uint8_t *p0, const uint8_t *p1, int two) {
  const __m256i a = _mm256_loadu_si256((const __m256i *)p0);
  const __m256i b = two ? _mm256_loadu_si256((const __m256i *)p1) : _mm256_setzero_si256();
  return _mm512_inserti64x4(_mm512_castsi256_si512(a), b, 1);
}

/* The 32 4-bit values of two blocks whose qs[16] start at p0 and p1, in element order: low
 * nibbles of qs are elements 0..15, high nibbles 16..31. */
AI_INLINE AI_TARGET_AVX512 __m512i qx512_nibbles(const uint8_t *p0, const uint8_t *p1, int two) {
  const __m128i a = _mm_loadu_si128((const __m128i *)p0);
  const __m128i b = two ? _mm_loadu_si128((const __m128i *)p1) : _mm_setzero_si128();
  __m512i v = _mm512_castsi256_si512(_mm256_inserti128_si256(_mm256_castsi128_si256(a), b, 1));
  v = _mm512_shuffle_i64x2(v, v, _MM_SHUFFLE(1, 1, 0, 0)); /* [a, a, b, b] */
  const __m512i shift = _mm512_set_epi32(0x40004, 0x40004, 0x40004, 0x40004, 0, 0, 0, 0, 0x40004,
                                         0x40004, 0x40004, 0x40004, 0, 0, 0, 0);
  return _mm512_and_si512(_mm512_srlv_epi16(v, shift), _mm512_set1_epi8(0x0f));
}

/* One activation block pair of one token. */
struct qa512 {
  __m512i y;   /* 64 signed bytes */
  __m512 d;    /* scales, as qw512.d */
  __m512i off; /* Q8_0 with an offset: -offset * (partial sums of y), the dpbusd start value */
  __m512 s;    /* Q8_1: s_y / 8 per lane, so 8 lanes of m * s sum to m * s_y */
};

AI_INLINE AI_TARGET_AVX512 struct qa512 qx512_load_act(const uint8_t *p, int two, enum qact act,
                                                       int offset) {
  struct qa512 a;
  const int bb = act == QACT_Q8_1 ? 36 : 34, qo = act == QACT_Q8_1 ? 4 : 2;
  a.y = qx512_load_2x32(p + qo, p + bb + qo, two);
  a.d = qx512_scales(qx_rd16(p), two ? qx_rd16(p + bb) : 0);
  const __m512i zero = _mm512_setzero_si512();
  a.off = zero;
  if (offset != 0) {
    a.off = _mm512_sub_epi32(zero, _mm512_dpbusd_epi32(zero, _mm512_set1_epi8((char)offset), a.y));
  }
  a.s = _mm512_setzero_ps();
  if (act == QACT_Q8_1) {
    a.s = _mm512_mul_ps(qx512_scales(qx_rd16(p + 2), two ? qx_rd16(p + bb + 2) : 0),
                        _mm512_set1_ps(0.125f));
  }
  return a;
}

/* acc[r][t] += weights of rows r x activations of tokens t, for one block pair. */
AI_INLINE AI_TARGET_AVX512 void qx512_step(const int R, const int T, qw512_load_fn load_w,
                                           const size_t w_bb, enum qact act, const int offset,
                                           const uint8_t *w, size_t w_row_bytes, const uint8_t *x,
                                           size_t x_row_bytes, int two, __m512 acc[4][4]) {
  struct qw512 wv[4];
#pragma GCC unroll 4
  for (int r = 0; r < R; r++) wv[r] = load_w(w + (size_t)r * w_row_bytes, two);
#pragma GCC unroll 4
  for (int t = 0; t < T; t++) {
    const struct qa512 a = qx512_load_act(x + (size_t)t * x_row_bytes, two, act, offset);
#pragma GCC unroll 4
    for (int r = 0; r < R; r++) {
      const __m512i dot = _mm512_dpbusd_epi32(a.off, wv[r].q, a.y);
      acc[r][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_mul_ps(wv[r].d, a.d), acc[r][t]);
      if (act == QACT_Q8_1) acc[r][t] = _mm512_fmadd_ps(wv[r].m, a.s, acc[r][t]);
    }
  }
  (void)w_bb;
}

/* y[t * y_stride + r] for the R rows at w and the T tokens at x. */
AI_INLINE AI_TARGET_AVX512 void qx512_tile(const int R, const int T, qw512_load_fn load_w,
                                           const size_t w_bb, enum qact act, const int offset,
                                           int64_t nb, const uint8_t *w, size_t w_row_bytes,
                                           const uint8_t *x, size_t x_row_bytes, float *y,
                                           int64_t y_stride) {
  const size_t x_bb = act == QACT_Q8_1 ? 36 : 34;
  __m512 acc[4][4];
#pragma GCC unroll 4
  for (int r = 0; r < R; r++) {
#pragma GCC unroll 4
    for (int t = 0; t < T; t++) acc[r][t] = _mm512_setzero_ps();
  }
  int64_t b = 0;
  for (; b + 2 <= nb; b += 2) {
    qx512_step(R, T, load_w, w_bb, act, offset, w + (size_t)b * w_bb, w_row_bytes,
               x + (size_t)b * x_bb, x_row_bytes, 1, acc);
  }
  if (b < nb) {
    qx512_step(R, T, load_w, w_bb, act, offset, w + (size_t)b * w_bb, w_row_bytes,
               x + (size_t)b * x_bb, x_row_bytes, 0, acc);
  }
#pragma GCC unroll 4
  for (int r = 0; r < R; r++) {
#pragma GCC unroll 4
    for (int t = 0; t < T; t++) y[t * y_stride + r] = _mm512_reduce_add_ps(acc[r][t]);
  }
}

/* All tokens for R rows starting at row r. */
AI_INLINE AI_TARGET_AVX512 void qx512_rows(const int R, qw512_load_fn load_w, const size_t w_bb,
                                           enum qact act, const int offset, int64_t nb,
                                           const uint8_t *w, size_t w_row_bytes, const uint8_t *x,
                                           size_t x_row_bytes, int64_t n_tok, float *y,
                                           int64_t y_stride) {
  int64_t t = 0;
  for (; t + 4 <= n_tok; t += 4) {
    qx512_tile(R, 4, load_w, w_bb, act, offset, nb, w, w_row_bytes, x + (size_t)t * x_row_bytes,
               x_row_bytes, y + t * y_stride, y_stride);
  }
  const uint8_t *xt = x + (size_t)t * x_row_bytes;
  float *yt = y + t * y_stride;
  switch (n_tok - t) {
    case 3:
      qx512_tile(R, 3, load_w, w_bb, act, offset, nb, w, w_row_bytes, xt, x_row_bytes, yt,
                 y_stride);
      break;
    case 2:
      qx512_tile(R, 2, load_w, w_bb, act, offset, nb, w, w_row_bytes, xt, x_row_bytes, yt,
                 y_stride);
      break;
    case 1:
      qx512_tile(R, 1, load_w, w_bb, act, offset, nb, w, w_row_bytes, xt, x_row_bytes, yt,
                 y_stride);
      break;
    default:
      break;
  }
}

/* The ai_gemm_fn contract (types.h) for one block type. */
AI_INLINE AI_TARGET_AVX512 void qx512_gemm(qw512_load_fn load_w, const size_t w_bb, enum qact act,
                                           const int offset, int64_t k, const void *vw,
                                           size_t w_row_bytes, int64_t r0, int64_t r1,
                                           const void *xq, size_t xq_row_bytes, int64_t n_tok,
                                           float *y, int64_t y_stride) {
  const uint8_t *w = vw;
  const int64_t nb = k / AI_QK;
  int64_t r = r0;
  for (; r + 4 <= r1; r += 4) {
    qx512_rows(4, load_w, w_bb, act, offset, nb, w + (size_t)r * w_row_bytes, w_row_bytes, xq,
               xq_row_bytes, n_tok, y + r, y_stride);
  }
  for (; r < r1; r++) {
    qx512_rows(1, load_w, w_bb, act, offset, nb, w + (size_t)r * w_row_bytes, w_row_bytes, xq,
               xq_row_bytes, n_tok, y + r, y_stride);
  }
}

/* ---- AVX-512 gemv: a few tokens, 16 blocks per step, one row at a time -------------------------
 *
 * Decode (n_tok = 1) reads every weight byte once, so the cost per block is what counts. The tile
 * above spends ~12 vector ops per block pair on one token; here a step of 16 blocks costs ~3 ops
 * per block: the activations are rearranged once per call (qxv_act) so that the weights need
 * only loads, one and/shift for the nibbles and two vpdpbusd per 4 blocks; the 16 per-block int32
 * dots are then folded into one register (9 unpack/add ops), scaled by 16 weight scales fetched
 * with one gather, and added with one fmadd. Measured on Zen 5 (bench_matmul, 256 MB of Q4_0):
 * 8 GB/s -> 26 GB/s per core. More rows per step was slower (two interleaved row streams at a
 * 1152-byte stride halve the rate), so each row runs alone; tokens share its decoded weights.
 *
 * Tried and dropped: 16 scalar loads for the scales instead of the gather (Q4_0 +4%, Q8_0 -30%;
 * both then run at ~30 GB/s per core, about what one core can stream here).
 *
 * The 16 dots of a step come out in "fold order": lane e holds block 4 * (e % 4) + e / 4 of the
 * step. Activation scales, offsets and s_y are stored in that order, and the weight scales are
 * gathered in it. */

enum qxv_kind { QXV_Q4_0, QXV_Q4_1, QXV_Q5_0, QXV_Q5_1, QXV_Q8_0 };

#define QXV_MAX_TOK 4 /* tokens per pass over the rows */
#define QXV_SLOTS                                                                \
  1024 /* activation blocks on the stack (45 KB), shared by the tokens of a pass \
        */

/* One pass's activations; token t uses blocks [t * ts, (t + 1) * ts), ts a multiple of 16. */
struct qxv_act {
  int8_t y[QXV_SLOTS * 32]; /* per 16 blocks, 512 bytes: see qxv_prep */
  float d[QXV_SLOTS];       /* d_y, fold order */
  int32_t off[QXV_SLOTS];   /* -offset * sum(y), fold order: the weights' integer offset */
  float s[QXV_SLOTS];       /* Q8_1 s_y (= d_y * sum(y)), fold order; weights with a minimum */
};

AI_INLINE int qxv_wbb(enum qxv_kind kind) { /* bytes per weight block */
  return kind == QXV_Q4_0   ? 18
         : kind == QXV_Q4_1 ? 20
         : kind == QXV_Q5_0 ? 22
         : kind == QXV_Q5_1 ? 24
                            : 34;
}
AI_INLINE int qxv_qs(enum qxv_kind kind) { /* offset of qs in a weight block */
  return kind == QXV_Q4_0 || kind == QXV_Q8_0 ? 2 : kind == QXV_Q4_1 ? 4 : kind == QXV_Q5_0 ? 6 : 8;
}
AI_INLINE int qxv_offset(enum qxv_kind kind) { /* integer offset of the unsigned weight values */
  return kind == QXV_Q4_0 ? 8 : kind == QXV_Q5_0 ? 16 : kind == QXV_Q8_0 ? 128 : 0;
}
AI_INLINE int qxv_q8_1(enum qxv_kind kind) {
  return kind == QXV_Q4_1 || kind == QXV_Q5_1;
}

/* Rearranges n activation blocks at x (Q8_0 or Q8_1 as the kind wants) into a, from slot a0 (a
 * multiple of 16), zero-filling to the next multiple of 16. Per 16 blocks, y holds for 4-bit
 * kinds four 128-byte parts, part k = [y[0..15] of blocks 4k..4k+3 | y[16..31] of the same], so
 * that lane L of a register of low (high) nibbles meets its block's elements; for Q8_0 weights it
 * is the blocks' 32 bytes in order. */
AI_INLINE AI_TARGET_AVX512 void qxv_prep(enum qxv_kind kind, const uint8_t *x, int64_t n,
                                         struct qxv_act *a, int64_t a0) {
  const int xbb = qxv_q8_1(kind) ? 36 : 34, xqs = qxv_q8_1(kind) ? 4 : 2;
  const int64_t n16 = (n + 15) / 16 * 16;
  for (int64_t j = 0; j < n16; j++) {
    const int64_t slot = a0 + j, g = slot / 16, e = 4 * (j % 4) + (j % 16) / 4;
    int8_t *yg = a->y + g * 512;
    __m256i q = _mm256_setzero_si256();
    float d = 0.0f, s = 0.0f;
    if (j < n) {
      const uint8_t *p = x + j * xbb;
      q = _mm256_loadu_si256((const __m256i *)(p + xqs));
      d = _cvtsh_ss(qx_rd16(p));
      if (qxv_q8_1(kind)) s = _cvtsh_ss(qx_rd16(p + 2));
    }
    if (kind == QXV_Q8_0) {
      _mm256_storeu_si256((__m256i *)(yg + 32 * (j % 16)), q);
    } else {
      int8_t *part = yg + 128 * ((j % 16) / 4) + 16 * (j % 4);
      _mm_storeu_si128((__m128i *)part, _mm256_castsi256_si128(q));
      _mm_storeu_si128((__m128i *)(part + 64), _mm256_extracti128_si256(q, 1));
    }
    /* sum(y) with vpdpbusd against ones, as the tile does */
    const __m256i sum8 = _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_set1_epi8(1), q);
    __m128i t = _mm_add_epi32(_mm256_castsi256_si128(sum8), _mm256_extracti128_si256(sum8, 1));
    t = _mm_add_epi32(t, _mm_shuffle_epi32(t, _MM_SHUFFLE(1, 0, 3, 2)));
    t = _mm_add_epi32(t, _mm_shuffle_epi32(t, _MM_SHUFFLE(2, 3, 0, 1)));
    a->d[g * 16 + e] = d;
    a->off[g * 16 + e] = -qxv_offset(kind) * _mm_cvtsi128_si32(t);
    a->s[g * 16 + e] = s;
  }
}

/* The qs of up to 4 blocks bb bytes apart, one per 128-bit lane (lanes past n are zero). */
AI_INLINE AI_TARGET_AVX512 __m512i qxv_lanes(const uint8_t *p, int bb, int n) {
  __m512i v = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)p));
  if (n > 1) v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(p + bb)), 1);
  if (n > 2) v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(p + 2 * bb)), 2);
  if (n > 3) v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(p + 3 * bb)), 3);
  return v;
}

/* Bit 4 of the 5-bit values: byte mask of the low (hi = 0) or high halves of qh of 4 blocks. */
AI_INLINE uint64_t qxv_qh_mask(const uint8_t *p, int bb, int n, int hi) {
  uint64_t m = 0;
  for (int l = 0; l < 4; l++) {
    if (l < n) m |= (uint64_t)((qx_rd32(p + l * bb) >> (hi ? 16 : 0)) & 0xffff) << (16 * l);
  }
  return m;
}

/* Four registers of per-block dword partial sums, lane L of z[k] from block 4k + L, folded into
 * one: lane e = the full dot of block 4 * (e % 4) + e / 4. */
AI_INLINE AI_TARGET_AVX512 __m512i qxv_fold(const __m512i z[4]) {
  const __m512i s01 =
      _mm512_add_epi32(_mm512_unpacklo_epi32(z[0], z[1]), _mm512_unpackhi_epi32(z[0], z[1]));
  const __m512i s23 =
      _mm512_add_epi32(_mm512_unpacklo_epi32(z[2], z[3]), _mm512_unpackhi_epi32(z[2], z[3]));
  return _mm512_add_epi32(_mm512_unpacklo_epi64(s01, s23), _mm512_unpackhi_epi64(s01, s23));
}

/* acc[t] += the T tokens' dots with the n <= 16 blocks at w (one row), activations of token t
 * from slot a0 + t * cb (cb: the token stride, a multiple of 16). */
AI_INLINE AI_TARGET_AVX512 void qxv_step(enum qxv_kind kind, const int T, const uint8_t *w,
                                         const struct qxv_act *a, int64_t a0, int64_t cb, int n,
                                         __m512 acc[QXV_MAX_TOK]) {
  const int bb = qxv_wbb(kind), qs = qxv_qs(kind);
  __m512i z[QXV_MAX_TOK][4];
  if (kind == QXV_Q8_0) {
    /* two blocks per register; lanes 0-1 and 2-3 (one block each) of a pair folded at once */
#pragma GCC unroll 4
    for (int k = 0; k < 4; k++) {
      __m512i v[2];
#pragma GCC unroll 2
      for (int h = 0; h < 2; h++) {
        const int j = 4 * k + 2 * h;
        const uint8_t *p = w + j * bb + qs;
        const __m256i q0 = j < n ? _mm256_loadu_si256((const __m256i *)p) : _mm256_setzero_si256();
        const __m256i q1 =
            j + 1 < n ? _mm256_loadu_si256((const __m256i *)(p + bb)) : _mm256_setzero_si256();
        v[h] = _mm512_xor_si512(_mm512_inserti64x4(_mm512_castsi256_si512(q0), q1, 1),
                                _mm512_set1_epi8((char)0x80));
      }
#pragma GCC unroll 4
      for (int t = 0; t < T; t++) {
        const int8_t *y = a->y + (a0 + t * cb) * 32 + 128 * k;
        const __m512i d0 = _mm512_dpbusd_epi32(_mm512_setzero_si512(), v[0], _mm512_loadu_si512(y));
        const __m512i d1 =
            _mm512_dpbusd_epi32(_mm512_setzero_si512(), v[1], _mm512_loadu_si512(y + 64));
        z[t][k] = _mm512_add_epi32(_mm512_shuffle_i32x4(d0, d1, 0x88),
                                   _mm512_shuffle_i32x4(d0, d1, 0xdd));
      }
    }
  } else {
    const __m512i m0f = _mm512_set1_epi8(0x0f);
#pragma GCC unroll 4
    for (int k = 0; k < 4; k++) {
      const int nk = n - 4 * k;
      const uint8_t *p = w + 4 * k * bb;
      __m512i v = nk > 0 ? qxv_lanes(p + qs, bb, nk) : _mm512_setzero_si512();
      __m512i lo = _mm512_and_si512(v, m0f), hi = _mm512_and_si512(_mm512_srli_epi16(v, 4), m0f);
      if (kind == QXV_Q5_0 || kind == QXV_Q5_1) {
        const int qh = kind == QXV_Q5_0 ? 2 : 4;
        const __m512i b4 = _mm512_set1_epi8(0x10);
        lo = _mm512_mask_add_epi8(lo, _cvtu64_mask64(qxv_qh_mask(p + qh, bb, nk, 0)), lo, b4);
        hi = _mm512_mask_add_epi8(hi, _cvtu64_mask64(qxv_qh_mask(p + qh, bb, nk, 1)), hi, b4);
      }
#pragma GCC unroll 4
      for (int t = 0; t < T; t++) {
        const int8_t *y = a->y + (a0 + t * cb) * 32 + 128 * k;
        z[t][k] = _mm512_dpbusd_epi32(_mm512_setzero_si512(), lo, _mm512_loadu_si512(y));
        z[t][k] = _mm512_dpbusd_epi32(z[t][k], hi, _mm512_loadu_si512(y + 64));
      }
    }
  }
  /* weight scale (and minimum) of each block in fold order: the dword at the block's start */
  const __m512i idx =
      _mm512_mullo_epi32(_mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15),
                         _mm512_set1_epi32(bb));
  __m512i g;
  if (n >= 16) {
    g = _mm512_i32gather_epi32(idx, w, 1);
  } else {
    const __mmask16 valid = _mm512_cmplt_epi32_mask(idx, _mm512_set1_epi32(n * bb));
    g = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), valid, idx, w, 1);
  }
  const __m512 dw = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(g));
  __m512 mw = _mm512_setzero_ps();
  if (qxv_q8_1(kind)) mw = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(_mm512_srli_epi32(g, 16)));
#pragma GCC unroll 4
  for (int t = 0; t < T; t++) {
    const int64_t at = a0 + t * cb;
    const __m512i dot = _mm512_add_epi32(qxv_fold(z[t]), _mm512_loadu_si512(a->off + at));
    acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_mul_ps(dw, _mm512_loadu_ps(a->d + at)),
                             acc[t]);
    if (qxv_q8_1(kind)) acc[t] = _mm512_fmadd_ps(mw, _mm512_loadu_ps(a->s + at), acc[t]);
  }
}

/* y[t * y_stride + r] (+)= dots of rows [r0, r1) with blocks [0, n) of the T tokens in a;
 * is_first: store instead of add. */
AI_INLINE AI_TARGET_AVX512 void qxv_rows(enum qxv_kind kind, const int T, const uint8_t *w,
                                         size_t w_row_bytes, int64_t r0, int64_t r1,
                                         const struct qxv_act *a, int64_t cb, int64_t n, float *y,
                                         int64_t y_stride, int is_first) {
  const int bb = qxv_wbb(kind);
  for (int64_t r = r0; r < r1; r++) {
    const uint8_t *wr = w + (size_t)r * w_row_bytes;
    __m512 acc[QXV_MAX_TOK];
#pragma GCC unroll 4
    for (int t = 0; t < T; t++) acc[t] = _mm512_setzero_ps();
    int64_t j = 0;
    for (; j + 16 <= n; j += 16) qxv_step(kind, T, wr + (size_t)j * bb, a, j, cb, 16, acc);
    if (j < n) qxv_step(kind, T, wr + (size_t)j * bb, a, j, cb, (int)(n - j), acc);
#pragma GCC unroll 4
    for (int t = 0; t < T; t++) {
      const float v = _mm512_reduce_add_ps(acc[t]);
      y[t * y_stride + r] = is_first ? v : y[t * y_stride + r] + v;
    }
  }
}

/* T tokens over all rows, in chunks of blocks that fit the stack buffer. */
AI_INLINE AI_TARGET_AVX512 void qxv_pass(enum qxv_kind kind, const int T, int64_t k,
                                         const uint8_t *w, size_t w_row_bytes, int64_t r0,
                                         int64_t r1, const uint8_t *x, size_t x_row_bytes, float *y,
                                         int64_t y_stride) {
  struct qxv_act a;
  const int64_t nb = k / AI_QK, cb = QXV_SLOTS / T / 16 * 16;
  const size_t xbb = qxv_q8_1(kind) ? 36 : 34;
  for (int64_t c0 = 0; c0 < nb; c0 += cb) {
    const int64_t n = nb - c0 < cb ? nb - c0 : cb, ts = (n + 15) / 16 * 16; /* token stride */
#pragma GCC unroll 4
    for (int t = 0; t < T; t++) qxv_prep(kind, x + t * x_row_bytes + c0 * xbb, n, &a, t * ts);
    qxv_rows(kind, T, w + c0 * qxv_wbb(kind), w_row_bytes, r0, r1, &a, ts, n, y, y_stride, c0 == 0);
  }
}

/* The ai_gemm_fn contract (types.h) with the gemv kernel, QXV_MAX_TOK tokens per pass. */
AI_INLINE AI_TARGET_AVX512 void qxv_gemm(enum qxv_kind kind, int64_t k, const void *vw,
                                         size_t w_row_bytes, int64_t r0, int64_t r1, const void *xq,
                                         size_t xq_row_bytes, int64_t n_tok, float *y,
                                         int64_t y_stride) {
  const uint8_t *w = vw, *x = xq;
  for (int64_t t = 0; t < n_tok; t += QXV_MAX_TOK) {
    const uint8_t *xt = x + (size_t)t * xq_row_bytes;
    float *yt = y + t * y_stride;
    switch (n_tok - t) {
      case 1:
        qxv_pass(kind, 1, k, w, w_row_bytes, r0, r1, xt, xq_row_bytes, yt, y_stride);
        break;
      case 2:
        qxv_pass(kind, 2, k, w, w_row_bytes, r0, r1, xt, xq_row_bytes, yt, y_stride);
        break;
      case 3:
        qxv_pass(kind, 3, k, w, w_row_bytes, r0, r1, xt, xq_row_bytes, yt, y_stride);
        break;
      default:
        qxv_pass(kind, 4, k, w, w_row_bytes, r0, r1, xt, xq_row_bytes, yt, y_stride);
        break;
    }
  }
}

/* ---- AVX2: one block per 256-bit register, maddubs + madd instead of vpdpbusd ---------------- */

struct qw256 {
  __m256i q; /* 32 bytes: unsigned values, or signed ones for Q8_0 (w_signed) */
  __m256 d;  /* the block's scale in every lane */
  __m256 m;  /* its minimum (Q4_1, Q5_1 only) */
};
typedef struct qw256 (*qw256_load_fn)(const uint8_t *blk);

/* The 32 4-bit values of a block whose qs[16] start at p, in element order. */
AI_INLINE AI_TARGET_AVX2 __m256i qx256_nibbles(const uint8_t *p) {
  const __m128i v = _mm_loadu_si128((const __m128i *)p);
  const __m128i lo = _mm_and_si128(v, _mm_set1_epi8(0x0f));
  const __m128i hi = _mm_and_si128(_mm_srli_epi16(v, 4), _mm_set1_epi8(0x0f));
  return _mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1);
}

/* Byte e = 0x10 where bit e of qh is set (the fifth bit of Q5 elements). */
AI_INLINE AI_TARGET_AVX2 __m256i qx256_bit4(uint32_t qh) {
  const __m256i shuf =
      _mm256_setr_epi64x(0, 0x0101010101010101, 0x0202020202020202, 0x0303030303030303);
  const __m256i bit = _mm256_set1_epi64x((long long)0x8040201008040201ull);
  const __m256i v = _mm256_shuffle_epi8(_mm256_set1_epi32((int)qh), shuf);
  return _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(v, bit), bit), _mm256_set1_epi8(0x10));
}

AI_INLINE AI_TARGET_AVX2 __m256 qx256_scale(const uint8_t *p) {
  return _mm256_set1_ps(_cvtsh_ss(qx_rd16(p)));
}

struct qa256 {
  __m256i y;   /* 32 signed bytes */
  __m256 d;    /* scale */
  __m256i off; /* offset * (partial sums of y), subtracted from the dot */
  __m256 s;    /* Q8_1: s_y / 8 */
};

AI_INLINE AI_TARGET_AVX2 struct qa256 qx256_load_act(const uint8_t *p, enum qact act, int offset) {
  struct qa256 a;
  a.y = _mm256_loadu_si256((const __m256i *)(p + (act == QACT_Q8_1 ? 4 : 2)));
  a.d = qx256_scale(p);
  a.off = _mm256_setzero_si256();
  if (offset != 0) { /* offset <= 16 here, so maddubs cannot saturate: 16 * 128 * 2 */
    a.off = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_set1_epi8((char)offset), a.y),
                              _mm256_set1_epi16(1));
  }
  a.s = _mm256_setzero_ps();
  if (act == QACT_Q8_1) a.s = _mm256_mul_ps(qx256_scale(p + 2), _mm256_set1_ps(0.125f));
  return a;
}

AI_INLINE AI_TARGET_AVX2 float qx256_hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

/* y[t * y_stride + r] for R <= 4 rows and T <= 2 tokens (16 ymm registers bound the tile). */
AI_INLINE AI_TARGET_AVX2 void qx256_tile(const int R, const int T, qw256_load_fn load_w,
                                         const size_t w_bb, const int w_signed, enum qact act,
                                         const int offset, int64_t nb, const uint8_t *w,
                                         size_t w_row_bytes, const uint8_t *x, size_t x_row_bytes,
                                         float *y, int64_t y_stride) {
  const size_t x_bb = act == QACT_Q8_1 ? 36 : 34;
  const __m256i ones = _mm256_set1_epi16(1);
  __m256 acc[4][2];
#pragma GCC unroll 4
  for (int r = 0; r < R; r++) {
#pragma GCC unroll 2
    for (int t = 0; t < T; t++) acc[r][t] = _mm256_setzero_ps();
  }
  for (int64_t b = 0; b < nb; b++) {
    struct qw256 wv[4];
#pragma GCC unroll 4
    for (int r = 0; r < R; r++) wv[r] = load_w(w + (size_t)r * w_row_bytes + (size_t)b * w_bb);
#pragma GCC unroll 2
    for (int t = 0; t < T; t++) {
      const struct qa256 a =
          qx256_load_act(x + (size_t)t * x_row_bytes + (size_t)b * x_bb, act, offset);
#pragma GCC unroll 4
      for (int r = 0; r < R; r++) {
        __m256i dot;
        if (w_signed) { /* |w| * sign(y, w): maddubs needs its first operand unsigned */
          dot = _mm256_maddubs_epi16(_mm256_sign_epi8(wv[r].q, wv[r].q),
                                     _mm256_sign_epi8(a.y, wv[r].q));
        } else {
          dot = _mm256_maddubs_epi16(wv[r].q, a.y);
        }
        dot = _mm256_sub_epi32(_mm256_madd_epi16(dot, ones), a.off);
        acc[r][t] =
            _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_mul_ps(wv[r].d, a.d), acc[r][t]);
        if (act == QACT_Q8_1) acc[r][t] = _mm256_fmadd_ps(wv[r].m, a.s, acc[r][t]);
      }
    }
  }
#pragma GCC unroll 4
  for (int r = 0; r < R; r++) {
#pragma GCC unroll 2
    for (int t = 0; t < T; t++) y[t * y_stride + r] = qx256_hsum(acc[r][t]);
  }
}

AI_INLINE AI_TARGET_AVX2 void qx256_rows(const int R, qw256_load_fn load_w, const size_t w_bb,
                                         const int w_signed, enum qact act, const int offset,
                                         int64_t nb, const uint8_t *w, size_t w_row_bytes,
                                         const uint8_t *x, size_t x_row_bytes, int64_t n_tok,
                                         float *y, int64_t y_stride) {
  int64_t t = 0;
  for (; t + 2 <= n_tok; t += 2) {
    qx256_tile(R, 2, load_w, w_bb, w_signed, act, offset, nb, w, w_row_bytes,
               x + (size_t)t * x_row_bytes, x_row_bytes, y + t * y_stride, y_stride);
  }
  if (t < n_tok) {
    qx256_tile(R, 1, load_w, w_bb, w_signed, act, offset, nb, w, w_row_bytes,
               x + (size_t)t * x_row_bytes, x_row_bytes, y + t * y_stride, y_stride);
  }
}

/* The ai_gemm_fn contract (types.h) for one block type. */
AI_INLINE AI_TARGET_AVX2 void qx256_gemm(qw256_load_fn load_w, const size_t w_bb,
                                         const int w_signed, enum qact act, const int offset,
                                         int64_t k, const void *vw, size_t w_row_bytes, int64_t r0,
                                         int64_t r1, const void *xq, size_t xq_row_bytes,
                                         int64_t n_tok, float *y, int64_t y_stride) {
  const uint8_t *w = vw;
  const int64_t nb = k / AI_QK;
  int64_t r = r0;
  for (; r + 4 <= r1; r += 4) {
    qx256_rows(4, load_w, w_bb, w_signed, act, offset, nb, w + (size_t)r * w_row_bytes, w_row_bytes,
               xq, xq_row_bytes, n_tok, y + r, y_stride);
  }
  for (; r < r1; r++) {
    qx256_rows(1, load_w, w_bb, w_signed, act, offset, nb, w + (size_t)r * w_row_bytes, w_row_bytes,
               xq, xq_row_bytes, n_tok, y + r, y_stride);
  }
}

/* ---- AVX2 gemv: the AVX-512 gemv's scheme on 256-bit registers ---------------------------------
 * A step is 8 blocks: two per register (one per 128-bit lane), maddubs + madd instead of
 * vpdpbusd (Q8_0 with the sign trick, as the tile), the same unpack fold (lane e = block
 * 2 * (e % 4) + e / 4 of the step), scales by an 8-lane gather. Activations use struct qxv_act
 * with 8-block parts: per 2 blocks 64 bytes [y[0..15] of both | y[16..31] of both]; for Q8_0
 * weights the blocks' 32 bytes in order. */

AI_INLINE AI_TARGET_AVX2 void qxv256_prep(enum qxv_kind kind, const uint8_t *x, int64_t n,
                                          struct qxv_act *a, int64_t a0) {
  const int xbb = qxv_q8_1(kind) ? 36 : 34, xqs = qxv_q8_1(kind) ? 4 : 2;
  const int64_t n8 = (n + 7) / 8 * 8;
  for (int64_t j = 0; j < n8; j++) {
    const int64_t slot = a0 + j, e = 4 * (j % 2) + (j % 8) / 2;
    int8_t *yb = a->y + (slot - j % 8) * 32;
    __m256i q = _mm256_setzero_si256();
    float d = 0.0f, s = 0.0f;
    if (j < n) {
      const uint8_t *p = x + j * xbb;
      q = _mm256_loadu_si256((const __m256i *)(p + xqs));
      d = _cvtsh_ss(qx_rd16(p));
      if (qxv_q8_1(kind)) s = _cvtsh_ss(qx_rd16(p + 2));
    }
    if (kind == QXV_Q8_0) {
      _mm256_storeu_si256((__m256i *)(yb + 32 * (j % 8)), q);
    } else {
      int8_t *part = yb + 64 * ((j % 8) / 2) + 16 * (j % 2);
      _mm_storeu_si128((__m128i *)part, _mm256_castsi256_si128(q));
      _mm_storeu_si128((__m128i *)(part + 32), _mm256_extracti128_si256(q, 1));
    }
    const __m256i s16 = _mm256_maddubs_epi16(_mm256_set1_epi8(1), q);
    const __m256i s32 = _mm256_madd_epi16(s16, _mm256_set1_epi16(1));
    __m128i t = _mm_add_epi32(_mm256_castsi256_si128(s32), _mm256_extracti128_si256(s32, 1));
    t = _mm_add_epi32(t, _mm_shuffle_epi32(t, _MM_SHUFFLE(1, 0, 3, 2)));
    t = _mm_add_epi32(t, _mm_shuffle_epi32(t, _MM_SHUFFLE(2, 3, 0, 1)));
    a->d[a0 + (j - j % 8) + e] = d;
    a->off[a0 + (j - j % 8) + e] = kind == QXV_Q8_0 ? 0 : -qxv_offset(kind) * _mm_cvtsi128_si32(t);
    a->s[a0 + (j - j % 8) + e] = s;
  }
}

AI_INLINE AI_TARGET_AVX2 __m256i qxv256_fold(const __m256i z[4]) {
  const __m256i s01 =
      _mm256_add_epi32(_mm256_unpacklo_epi32(z[0], z[1]), _mm256_unpackhi_epi32(z[0], z[1]));
  const __m256i s23 =
      _mm256_add_epi32(_mm256_unpacklo_epi32(z[2], z[3]), _mm256_unpackhi_epi32(z[2], z[3]));
  return _mm256_add_epi32(_mm256_unpacklo_epi64(s01, s23), _mm256_unpackhi_epi64(s01, s23));
}

/* acc[t] += the T tokens' dots with the n <= 8 blocks at w (one row); as qxv_step. */
AI_INLINE AI_TARGET_AVX2 void qxv256_step(enum qxv_kind kind, const int T, const uint8_t *w,
                                          const struct qxv_act *a, int64_t a0, int64_t cb, int n,
                                          __m256 acc[QXV_MAX_TOK]) {
  const int bb = qxv_wbb(kind), qs = qxv_qs(kind);
  const __m256i ones = _mm256_set1_epi16(1);
  __m256i z[QXV_MAX_TOK][4];
#pragma GCC unroll 4
  for (int k = 0; k < 4; k++) {
    const uint8_t *p = w + 2 * k * bb;
    if (kind == QXV_Q8_0) {
      const __m256i w0 =
          2 * k < n ? _mm256_loadu_si256((const __m256i *)(p + qs)) : _mm256_setzero_si256();
      const __m256i w1 = 2 * k + 1 < n ? _mm256_loadu_si256((const __m256i *)(p + bb + qs))
                                       : _mm256_setzero_si256();
#pragma GCC unroll 4
      for (int t = 0; t < T; t++) {
        const int8_t *y = a->y + (a0 + t * cb) * 32 + 64 * k;
        const __m256i y0 = _mm256_loadu_si256((const __m256i *)y);
        const __m256i y1 = _mm256_loadu_si256((const __m256i *)(y + 32));
        const __m256i d0 = _mm256_madd_epi16(
            _mm256_maddubs_epi16(_mm256_sign_epi8(w0, w0), _mm256_sign_epi8(y0, w0)), ones);
        const __m256i d1 = _mm256_madd_epi16(
            _mm256_maddubs_epi16(_mm256_sign_epi8(w1, w1), _mm256_sign_epi8(y1, w1)), ones);
        z[t][k] = _mm256_add_epi32(_mm256_permute2x128_si256(d0, d1, 0x20),
                                   _mm256_permute2x128_si256(d0, d1, 0x31));
      }
    } else {
      const __m256i m0f = _mm256_set1_epi8(0x0f);
      const __m128i q0 =
          2 * k < n ? _mm_loadu_si128((const __m128i *)(p + qs)) : _mm_setzero_si128();
      const __m128i q1 =
          2 * k + 1 < n ? _mm_loadu_si128((const __m128i *)(p + bb + qs)) : _mm_setzero_si128();
      const __m256i v = _mm256_inserti128_si256(_mm256_castsi128_si256(q0), q1, 1);
      __m256i lo = _mm256_and_si256(v, m0f), hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), m0f);
      if (kind == QXV_Q5_0 || kind == QXV_Q5_1) {
        const int qh = kind == QXV_Q5_0 ? 2 : 4;
        const __m256i b0 = qx256_bit4(2 * k < n ? qx_rd32(p + qh) : 0);
        const __m256i b1 = qx256_bit4(2 * k + 1 < n ? qx_rd32(p + bb + qh) : 0);
        lo = _mm256_or_si256(lo, _mm256_permute2x128_si256(b0, b1, 0x20));
        hi = _mm256_or_si256(hi, _mm256_permute2x128_si256(b0, b1, 0x31));
      }
#pragma GCC unroll 4
      for (int t = 0; t < T; t++) {
        const int8_t *y = a->y + (a0 + t * cb) * 32 + 64 * k;
        const __m256i p16 = _mm256_add_epi16(
            _mm256_maddubs_epi16(lo, _mm256_loadu_si256((const __m256i *)y)),
            _mm256_maddubs_epi16(hi, _mm256_loadu_si256((const __m256i *)(y + 32))));
        z[t][k] = _mm256_madd_epi16(p16, ones);
      }
    }
  }
  const __m256i idx =
      _mm256_mullo_epi32(_mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7), _mm256_set1_epi32(bb));
  __m256i g;
  if (n >= 8) {
    g = _mm256_i32gather_epi32((const int *)w, idx, 1);
  } else {
    const __m256i valid = _mm256_cmpgt_epi32(_mm256_set1_epi32(n * bb), idx);
    g = _mm256_mask_i32gather_epi32(_mm256_setzero_si256(), (const int *)w, idx, valid, 1);
  }
  /* low (scale) and high (minimum) halves of the 8 dwords, packed for vcvtph2ps */
  const __m256i lo16 = _mm256_setr_epi8(0, 1, 4, 5, 8, 9, 12, 13, -1, -1, -1, -1, -1, -1, -1, -1, 0,
                                        1, 4, 5, 8, 9, 12, 13, -1, -1, -1, -1, -1, -1, -1, -1);
  const __m256 dw = _mm256_cvtph_ps(_mm256_castsi256_si128(
      _mm256_permute4x64_epi64(_mm256_shuffle_epi8(g, lo16), _MM_SHUFFLE(3, 1, 2, 0))));
  __m256 mw = _mm256_setzero_ps();
  if (qxv_q8_1(kind)) {
    const __m256i g_hi = _mm256_srli_epi32(g, 16);
    mw = _mm256_cvtph_ps(_mm256_castsi256_si128(
        _mm256_permute4x64_epi64(_mm256_shuffle_epi8(g_hi, lo16), _MM_SHUFFLE(3, 1, 2, 0))));
  }
#pragma GCC unroll 4
  for (int t = 0; t < T; t++) {
    const int64_t at = a0 + t * cb;
    const __m256i dot =
        _mm256_add_epi32(qxv256_fold(z[t]), _mm256_loadu_si256((const __m256i *)(a->off + at)));
    acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_mul_ps(dw, _mm256_loadu_ps(a->d + at)),
                             acc[t]);
    if (qxv_q8_1(kind)) acc[t] = _mm256_fmadd_ps(mw, _mm256_loadu_ps(a->s + at), acc[t]);
  }
}

AI_INLINE AI_TARGET_AVX2 void qxv256_rows(enum qxv_kind kind, const int T, const uint8_t *w,
                                          size_t w_row_bytes, int64_t r0, int64_t r1,
                                          const struct qxv_act *a, int64_t cb, int64_t n, float *y,
                                          int64_t y_stride, int is_first) {
  const int bb = qxv_wbb(kind);
  for (int64_t r = r0; r < r1; r++) {
    const uint8_t *wr = w + (size_t)r * w_row_bytes;
    __m256 acc[QXV_MAX_TOK];
#pragma GCC unroll 4
    for (int t = 0; t < T; t++) acc[t] = _mm256_setzero_ps();
    int64_t j = 0;
    for (; j + 8 <= n; j += 8) qxv256_step(kind, T, wr + (size_t)j * bb, a, j, cb, 8, acc);
    if (j < n) qxv256_step(kind, T, wr + (size_t)j * bb, a, j, cb, (int)(n - j), acc);
#pragma GCC unroll 4
    for (int t = 0; t < T; t++) {
      const float v = qx256_hsum(acc[t]);
      y[t * y_stride + r] = is_first ? v : y[t * y_stride + r] + v;
    }
  }
}

AI_INLINE AI_TARGET_AVX2 void qxv256_pass(enum qxv_kind kind, const int T, int64_t k,
                                          const uint8_t *w, size_t w_row_bytes, int64_t r0,
                                          int64_t r1, const uint8_t *x, size_t x_row_bytes,
                                          float *y, int64_t y_stride) {
  struct qxv_act a;
  const int64_t nb = k / AI_QK, cb = QXV_SLOTS / T / 16 * 16;
  const size_t xbb = qxv_q8_1(kind) ? 36 : 34;
  for (int64_t c0 = 0; c0 < nb; c0 += cb) {
    const int64_t n = nb - c0 < cb ? nb - c0 : cb, ts = (n + 7) / 8 * 8; /* token stride */
#pragma GCC unroll 4
    for (int t = 0; t < T; t++) qxv256_prep(kind, x + t * x_row_bytes + c0 * xbb, n, &a, t * ts);
    qxv256_rows(kind, T, w + c0 * qxv_wbb(kind), w_row_bytes, r0, r1, &a, ts, n, y, y_stride,
                c0 == 0);
  }
}

/* The ai_gemm_fn contract (types.h) with the AVX2 gemv, QXV_MAX_TOK tokens per pass. */
AI_INLINE AI_TARGET_AVX2 void qxv256_gemm(enum qxv_kind kind, int64_t k, const void *vw,
                                          size_t w_row_bytes, int64_t r0, int64_t r1,
                                          const void *xq, size_t xq_row_bytes, int64_t n_tok,
                                          float *y, int64_t y_stride) {
  const uint8_t *w = vw, *x = xq;
  for (int64_t t = 0; t < n_tok; t += QXV_MAX_TOK) {
    const uint8_t *xt = x + (size_t)t * xq_row_bytes;
    float *yt = y + t * y_stride;
    switch (n_tok - t) {
      case 1:
        qxv256_pass(kind, 1, k, w, w_row_bytes, r0, r1, xt, xq_row_bytes, yt, y_stride);
        break;
      case 2:
        qxv256_pass(kind, 2, k, w, w_row_bytes, r0, r1, xt, xq_row_bytes, yt, y_stride);
        break;
      case 3:
        qxv256_pass(kind, 3, k, w, w_row_bytes, r0, r1, xt, xq_row_bytes, yt, y_stride);
        break;
      default:
        qxv256_pass(kind, 4, k, w, w_row_bytes, r0, r1, xt, xq_row_bytes, yt, y_stride);
        break;
    }
  }
}

#endif
