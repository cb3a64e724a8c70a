/* x86-64 variants of the float weight kernels (fp.c holds the references): register-tiled gemm
 * for F32 x F32, F16 x F16 and BF16 x BF16, and the F32 -> F16 / BF16 activation converters.
 *
 * A micro-kernel computes an R x T tile (R weight rows, T tokens) with R * T vector accumulators,
 * loading each weight vector once per T tokens and each activation vector once per R rows; the
 * products are summed in f32 (F16 and BF16 inputs are widened exactly to f32 first, as llama.cpp's
 * tinyBLAS does on CPUs without AVX512_FP16). With AVX512_BF16, vdpbf16ps multiplies BF16 pairs
 * directly (llama.cpp sgemm.cpp does the same); it treats denormal inputs as zero, which the
 * tolerance of the parity test covers. Decode (n_tok <= 2) uses taller tiles so that 8 weight rows
 * stream at once. Tails shorter than one vector use masked (AVX-512) or zero-padded (AVX2) loads.
 * Every tile function is always_inline with compile-time shape and loaders, as in qgemm_x86.h. */
#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#include <string.h>

#include "tensor/fp.h"
#include "tensor/quants.h"

#define AI_TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma,f16c")))
#define AI_TARGET_AVX512BF16 \
  __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16,avx2,fma,f16c")))
#define AI_TARGET_AVX2 __attribute__((target("avx2,fma,f16c")))
#define AI_INLINE      static inline __attribute__((always_inline))

bool ai_fp_cpu_has_avx512_bf16(void) {
  unsigned a, b, c, d;
  if (!__get_cpuid_count(7, 1, &a, &b, &c, &d)) return false;
  return (a >> 5) & 1u;
}

/* ---- AVX-512: 16 floats per vector ---------------------------------------------------------- */

/* 16 elements at p as f32; only lanes in m when !full (the others are zero). */
typedef __m512 (*ld512_fn)(const uint8_t *p, __mmask16 m, int full);

AI_INLINE AI_TARGET_AVX512 __m512 ld512_f32(const uint8_t *p, __mmask16 m, int full) {
  return full ? _mm512_loadu_ps(p) : _mm512_maskz_loadu_ps(m, p);
}

AI_INLINE AI_TARGET_AVX512 __m512 ld512_f16(const uint8_t *p, __mmask16 m, int full) {
  const __m256i h = full ? _mm256_loadu_si256((const __m256i *)p) : _mm256_maskz_loadu_epi16(m, p);
  return _mm512_cvtph_ps(h);
}

/* bf16 -> f32 is exact: the bf16 bits are the f32's upper half. */
AI_INLINE AI_TARGET_AVX512 __m512 ld512_bf16(const uint8_t *p, __mmask16 m, int full) {
  const __m256i h = full ? _mm256_loadu_si256((const __m256i *)p) : _mm256_maskz_loadu_epi16(m, p);
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

AI_INLINE AI_TARGET_AVX512 void step512(const int R, const int T, ld512_fn ld, const size_t esz,
                                        const uint8_t *w, size_t wrb, const uint8_t *x, size_t xrb,
                                        __mmask16 m, const int full, __m512 acc[8][6]) {
  __m512 wv[8];
#pragma GCC unroll 8
  for (int r = 0; r < R; r++) wv[r] = ld(w + (size_t)r * wrb, m, full);
#pragma GCC unroll 6
  for (int t = 0; t < T; t++) {
    const __m512 xv = ld(x + (size_t)t * xrb, m, full);
#pragma GCC unroll 8
    for (int r = 0; r < R; r++) acc[r][t] = _mm512_fmadd_ps(wv[r], xv, acc[r][t]);
  }
}

/* y[t * ys + r] = dot(row r at w, token t at x) for an R x T tile; esz bytes per element. */
AI_INLINE AI_TARGET_AVX512 void tile512(const int R, const int T, ld512_fn ld, const size_t esz,
                                        int64_t k, const uint8_t *w, size_t wrb, const uint8_t *x,
                                        size_t xrb, float *y, int64_t ys) {
  __m512 acc[8][6];
#pragma GCC unroll 8
  for (int r = 0; r < R; r++) {
#pragma GCC unroll 6
    for (int t = 0; t < T; t++) acc[r][t] = _mm512_setzero_ps();
  }
  int64_t i = 0;
  for (; i + 16 <= k; i += 16) {
    step512(R, T, ld, esz, w + (size_t)i * esz, wrb, x + (size_t)i * esz, xrb, 0xffff, 1, acc);
  }
  if (i < k) {
    const __mmask16 m = (__mmask16)((1u << (k - i)) - 1);
    step512(R, T, ld, esz, w + (size_t)i * esz, wrb, x + (size_t)i * esz, xrb, m, 0, acc);
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; r++) {
#pragma GCC unroll 6
    for (int t = 0; t < T; t++) y[t * ys + r] = _mm512_reduce_add_ps(acc[r][t]);
  }
}

/* All n_tok tokens for R rows: tiles of 6 tokens (4 x 6 accumulators + 4 weights + 1 activation
 * fit the 32 zmm registers), then the remainder. */
AI_INLINE AI_TARGET_AVX512 void rows512(const int R, ld512_fn ld, const size_t esz, int64_t k,
                                        const uint8_t *w, size_t wrb, const uint8_t *x, size_t xrb,
                                        int64_t n_tok, float *y, int64_t ys) {
  int64_t t = 0;
  for (; t + 6 <= n_tok; t += 6) {
    tile512(R, 6, ld, esz, k, w, wrb, x + (size_t)t * xrb, xrb, y + t * ys, ys);
  }
  const uint8_t *xt = x + (size_t)t * xrb;
  float *yt = y + t * ys;
  switch (n_tok - t) {
    case 5:
      tile512(R, 5, ld, esz, k, w, wrb, xt, xrb, yt, ys);
      break;
    case 4:
      tile512(R, 4, ld, esz, k, w, wrb, xt, xrb, yt, ys);
      break;
    case 3:
      tile512(R, 3, ld, esz, k, w, wrb, xt, xrb, yt, ys);
      break;
    case 2:
      tile512(R, 2, ld, esz, k, w, wrb, xt, xrb, yt, ys);
      break;
    case 1:
      tile512(R, 1, ld, esz, k, w, wrb, xt, xrb, yt, ys);
      break;
    default:
      break;
  }
}

AI_INLINE AI_TARGET_AVX512 void gemm512(ld512_fn ld, const size_t esz, int64_t k, const void *vw,
                                        size_t wrb, int64_t r0, int64_t r1, const void *xq,
                                        size_t xrb, int64_t n_tok, float *y, int64_t ys) {
  const uint8_t *w = vw;
  int64_t r = r0;
  if (n_tok <= 2) { /* decode: 8 rows stream at once (8 x 2 accumulators) */
    for (; r + 8 <= r1; r += 8) {
      rows512(8, ld, esz, k, w + (size_t)r * wrb, wrb, xq, xrb, n_tok, y + r, ys);
    }
  }
  for (; r + 4 <= r1; r += 4) {
    rows512(4, ld, esz, k, w + (size_t)r * wrb, wrb, xq, xrb, n_tok, y + r, ys);
  }
  for (; r < r1; r++) rows512(1, ld, esz, k, w + (size_t)r * wrb, wrb, xq, xrb, n_tok, y + r, ys);
}

AI_TARGET_AVX512 void ai_gemm_f32_f32_avx512(int64_t k, const void *w, size_t w_row_bytes,
                                             int64_t r0, int64_t r1, const void *xq,
                                             size_t xq_row_bytes, int64_t n_tok, float *y,
                                             int64_t y_stride) {
  gemm512(ld512_f32, 4, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
}

AI_TARGET_AVX512 void ai_gemm_f16_f16_avx512(int64_t k, const void *w, size_t w_row_bytes,
                                             int64_t r0, int64_t r1, const void *xq,
                                             size_t xq_row_bytes, int64_t n_tok, float *y,
                                             int64_t y_stride) {
  gemm512(ld512_f16, 2, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
}

AI_TARGET_AVX512 void ai_gemm_bf16_bf16_avx512(int64_t k, const void *w, size_t w_row_bytes,
                                               int64_t r0, int64_t r1, const void *xq,
                                               size_t xq_row_bytes, int64_t n_tok, float *y,
                                               int64_t y_stride) {
  gemm512(ld512_bf16, 2, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
}

void ai_dot_f32_f32_avx512(int64_t n, float *s, const void *x, const void *y) {
  ai_gemm_f32_f32_avx512(n, x, 0, 0, 1, y, 0, 1, s, 1);
}
void ai_dot_f16_f16_avx512(int64_t n, float *s, const void *x, const void *y) {
  ai_gemm_f16_f16_avx512(n, x, 0, 0, 1, y, 0, 1, s, 1);
}
void ai_dot_bf16_bf16_avx512(int64_t n, float *s, const void *x, const void *y) {
  ai_gemm_bf16_bf16_avx512(n, x, 0, 0, 1, y, 0, 1, s, 1);
}

/* F16C's round-to-nearest-even conversion is the reference's (base/fp16.h). */
AI_TARGET_AVX512 void ai_from_float_f16_avx512(const float *x, void *vy, int64_t n) {
  uint16_t *y = vy;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256i h =
        _mm512_cvtps_ph(_mm512_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    _mm256_storeu_si256((__m256i *)(y + i), h);
  }
  if (i < n) ai_from_float_f16_ref(x + i, y + i, n - i);
}

/* ai_fp32_to_bf16 in integer lanes: (x + 0x7fff + lsb) >> 16, NaN -> (x >> 16) | 64. Not
 * vcvtneps2bf16, which flushes denormals to zero. */
AI_TARGET_AVX512 void ai_from_float_bf16_avx512(const float *x, void *vy, int64_t n) {
  uint16_t *y = vy;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 v = _mm512_loadu_ps(x + i);
    const __m512i u = _mm512_castps_si512(v);
    const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
    __m512i r = _mm512_srli_epi32(
        _mm512_add_epi32(_mm512_add_epi32(u, _mm512_set1_epi32(0x7fff)), lsb), 16);
    const __mmask16 nan = _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
    r = _mm512_mask_or_epi32(r, nan, _mm512_srli_epi32(u, 16), _mm512_set1_epi32(64));
    _mm256_storeu_si256((__m256i *)(y + i), _mm512_cvtepi32_epi16(r));
  }
  if (i < n) ai_from_float_bf16_ref(x + i, y + i, n - i);
}

/* ---- AVX512_BF16: vdpbf16ps, 32 BF16 pairs per instruction ---------------------------------- */

AI_INLINE AI_TARGET_AVX512BF16 void step_bf16(const int R, const int T, const uint8_t *w,
                                              size_t wrb, const uint8_t *x, size_t xrb, __mmask32 m,
                                              const int full, __m512 acc[8][6]) {
  __m512i wv[8];
#pragma GCC unroll 8
  for (int r = 0; r < R; r++) {
    const uint8_t *p = w + (size_t)r * wrb;
    wv[r] = full ? _mm512_loadu_si512(p) : _mm512_maskz_loadu_epi16(m, p);
  }
#pragma GCC unroll 6
  for (int t = 0; t < T; t++) {
    const uint8_t *p = x + (size_t)t * xrb;
    const __m512i xv = full ? _mm512_loadu_si512(p) : _mm512_maskz_loadu_epi16(m, p);
#pragma GCC unroll 8
    for (int r = 0; r < R; r++) {
      acc[r][t] = _mm512_dpbf16_ps(acc[r][t], (__m512bh)wv[r], (__m512bh)xv);
    }
  }
}

AI_INLINE AI_TARGET_AVX512BF16 void tile_bf16(const int R, const int T, int64_t k, const uint8_t *w,
                                              size_t wrb, const uint8_t *x, size_t xrb, float *y,
                                              int64_t ys) {
  __m512 acc[8][6];
#pragma GCC unroll 8
  for (int r = 0; r < R; r++) {
#pragma GCC unroll 6
    for (int t = 0; t < T; t++) acc[r][t] = _mm512_setzero_ps();
  }
  int64_t i = 0;
  for (; i + 32 <= k; i += 32) {
    step_bf16(R, T, w + (size_t)i * 2, wrb, x + (size_t)i * 2, xrb, 0xffffffffu, 1, acc);
  }
  if (i < k) {
    const __mmask32 m = (__mmask32)((1ull << (k - i)) - 1);
    step_bf16(R, T, w + (size_t)i * 2, wrb, x + (size_t)i * 2, xrb, m, 0, acc);
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; r++) {
#pragma GCC unroll 6
    for (int t = 0; t < T; t++) y[t * ys + r] = _mm512_reduce_add_ps(acc[r][t]);
  }
}

AI_INLINE AI_TARGET_AVX512BF16 void rows_bf16(const int R, int64_t k, const uint8_t *w, size_t wrb,
                                              const uint8_t *x, size_t xrb, int64_t n_tok, float *y,
                                              int64_t ys) {
  int64_t t = 0;
  for (; t + 6 <= n_tok; t += 6)
    tile_bf16(R, 6, k, w, wrb, x + (size_t)t * xrb, xrb, y + t * ys, ys);
  const uint8_t *xt = x + (size_t)t * xrb;
  float *yt = y + t * ys;
  switch (n_tok - t) {
    case 5:
      tile_bf16(R, 5, k, w, wrb, xt, xrb, yt, ys);
      break;
    case 4:
      tile_bf16(R, 4, k, w, wrb, xt, xrb, yt, ys);
      break;
    case 3:
      tile_bf16(R, 3, k, w, wrb, xt, xrb, yt, ys);
      break;
    case 2:
      tile_bf16(R, 2, k, w, wrb, xt, xrb, yt, ys);
      break;
    case 1:
      tile_bf16(R, 1, k, w, wrb, xt, xrb, yt, ys);
      break;
    default:
      break;
  }
}

AI_TARGET_AVX512BF16 void ai_gemm_bf16_bf16_avx512bf16(int64_t k, const void *vw, size_t wrb,
                                                       int64_t r0, int64_t r1, const void *xq,
                                                       size_t xrb, int64_t n_tok, float *y,
                                                       int64_t ys) {
  const uint8_t *w = vw;
  int64_t r = r0;
  if (n_tok <= 2) {
    for (; r + 8 <= r1; r += 8)
      rows_bf16(8, k, w + (size_t)r * wrb, wrb, xq, xrb, n_tok, y + r, ys);
  }
  for (; r + 4 <= r1; r += 4) rows_bf16(4, k, w + (size_t)r * wrb, wrb, xq, xrb, n_tok, y + r, ys);
  for (; r < r1; r++) rows_bf16(1, k, w + (size_t)r * wrb, wrb, xq, xrb, n_tok, y + r, ys);
}

void ai_dot_bf16_bf16_avx512bf16(int64_t n, float *s, const void *x, const void *y) {
  ai_gemm_bf16_bf16_avx512bf16(n, x, 0, 0, 1, y, 0, 1, s, 1);
}

/* ---- AVX2: 8 floats per vector, 16 ymm registers -------------------------------------------- */

typedef __m256 (*ld256_fn)(const uint8_t *p);

AI_INLINE AI_TARGET_AVX2 __m256 ld256_f32(const uint8_t *p) {
  return _mm256_loadu_ps((const float *)p);
}
AI_INLINE AI_TARGET_AVX2 __m256 ld256_f16(const uint8_t *p) {
  return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p));
}
AI_INLINE AI_TARGET_AVX2 __m256 ld256_bf16(const uint8_t *p) {
  const __m256i v = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)p));
  return _mm256_castsi256_ps(_mm256_slli_epi32(v, 16));
}

AI_INLINE AI_TARGET_AVX2 void step256(const int R, const int T, ld256_fn ld, const uint8_t *w,
                                      size_t wrb, const uint8_t *x, size_t xrb, __m256 acc[4][2]) {
  __m256 wv[4];
#pragma GCC unroll 4
  for (int r = 0; r < R; r++) wv[r] = ld(w + (size_t)r * wrb);
#pragma GCC unroll 2
  for (int t = 0; t < T; t++) {
    const __m256 xv = ld(x + (size_t)t * xrb);
#pragma GCC unroll 4
    for (int r = 0; r < R; r++) acc[r][t] = _mm256_fmadd_ps(wv[r], xv, acc[r][t]);
  }
}

AI_INLINE AI_TARGET_AVX2 float hsum256(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

/* R <= 4 rows x T <= 2 tokens: 8 accumulators + 4 weights + 1 activation of 16 registers. The
 * tail under 8 elements is copied into zeroed buffers (AVX2 has no 16-bit masked load). */
AI_INLINE AI_TARGET_AVX2 void tile256(const int R, const int T, ld256_fn ld, const size_t esz,
                                      int64_t k, const uint8_t *w, size_t wrb, const uint8_t *x,
                                      size_t xrb, float *y, int64_t ys) {
  __m256 acc[4][2];
#pragma GCC unroll 4
  for (int r = 0; r < R; r++) {
#pragma GCC unroll 2
    for (int t = 0; t < T; t++) acc[r][t] = _mm256_setzero_ps();
  }
  int64_t i = 0;
  for (; i + 8 <= k; i += 8)
    step256(R, T, ld, w + (size_t)i * esz, wrb, x + (size_t)i * esz, xrb, acc);
  if (i < k) {
    uint8_t wt[4][32], xt[2][32];
    const size_t rem = (size_t)(k - i) * esz;
    memset(wt, 0, sizeof wt);
    memset(xt, 0, sizeof xt);
    for (int r = 0; r < R; r++) memcpy(wt[r], w + (size_t)r * wrb + (size_t)i * esz, rem);
    for (int t = 0; t < T; t++) memcpy(xt[t], x + (size_t)t * xrb + (size_t)i * esz, rem);
    step256(R, T, ld, wt[0], 32, xt[0], 32, acc);
  }
#pragma GCC unroll 4
  for (int r = 0; r < R; r++) {
#pragma GCC unroll 2
    for (int t = 0; t < T; t++) y[t * ys + r] = hsum256(acc[r][t]);
  }
}

AI_INLINE AI_TARGET_AVX2 void gemm256(ld256_fn ld, const size_t esz, int64_t k, const void *vw,
                                      size_t wrb, int64_t r0, int64_t r1, const void *xq,
                                      size_t xrb, int64_t n_tok, float *y, int64_t ys) {
  const uint8_t *w = vw;
  const uint8_t *x = xq;
  int64_t r = r0;
  for (; r + 4 <= r1; r += 4) {
    const uint8_t *wr = w + (size_t)r * wrb;
    int64_t t = 0;
    for (; t + 2 <= n_tok; t += 2)
      tile256(4, 2, ld, esz, k, wr, wrb, x + (size_t)t * xrb, xrb, y + t * ys + r, ys);
    if (t < n_tok) tile256(4, 1, ld, esz, k, wr, wrb, x + (size_t)t * xrb, xrb, y + t * ys + r, ys);
  }
  for (; r < r1; r++) {
    const uint8_t *wr = w + (size_t)r * wrb;
    int64_t t = 0;
    for (; t + 2 <= n_tok; t += 2)
      tile256(1, 2, ld, esz, k, wr, wrb, x + (size_t)t * xrb, xrb, y + t * ys + r, ys);
    if (t < n_tok) tile256(1, 1, ld, esz, k, wr, wrb, x + (size_t)t * xrb, xrb, y + t * ys + r, ys);
  }
}

AI_TARGET_AVX2 void ai_gemm_f32_f32_avx2(int64_t k, const void *w, size_t w_row_bytes, int64_t r0,
                                         int64_t r1, const void *xq, size_t xq_row_bytes,
                                         int64_t n_tok, float *y, int64_t y_stride) {
  gemm256(ld256_f32, 4, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
}

AI_TARGET_AVX2 void ai_gemm_f16_f16_avx2(int64_t k, const void *w, size_t w_row_bytes, int64_t r0,
                                         int64_t r1, const void *xq, size_t xq_row_bytes,
                                         int64_t n_tok, float *y, int64_t y_stride) {
  gemm256(ld256_f16, 2, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
}

AI_TARGET_AVX2 void ai_gemm_bf16_bf16_avx2(int64_t k, const void *w, size_t w_row_bytes, int64_t r0,
                                           int64_t r1, const void *xq, size_t xq_row_bytes,
                                           int64_t n_tok, float *y, int64_t y_stride) {
  gemm256(ld256_bf16, 2, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
}

void ai_dot_f32_f32_avx2(int64_t n, float *s, const void *x, const void *y) {
  ai_gemm_f32_f32_avx2(n, x, 0, 0, 1, y, 0, 1, s, 1);
}
void ai_dot_f16_f16_avx2(int64_t n, float *s, const void *x, const void *y) {
  ai_gemm_f16_f16_avx2(n, x, 0, 0, 1, y, 0, 1, s, 1);
}
void ai_dot_bf16_bf16_avx2(int64_t n, float *s, const void *x, const void *y) {
  ai_gemm_bf16_bf16_avx2(n, x, 0, 0, 1, y, 0, 1, s, 1);
}

AI_TARGET_AVX2 void ai_from_float_f16_avx2(const float *x, void *vy, int64_t n) {
  uint16_t *y = vy;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i h =
        _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    _mm_storeu_si128((__m128i *)(y + i), h);
  }
  if (i < n) ai_from_float_f16_ref(x + i, y + i, n - i);
}

/* As ai_from_float_bf16_avx512. */
AI_TARGET_AVX2 void ai_from_float_bf16_avx2(const float *x, void *vy, int64_t n) {
  uint16_t *y = vy;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    const __m256i u = _mm256_castps_si256(v);
    const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(1));
    const __m256i r = _mm256_srli_epi32(
        _mm256_add_epi32(_mm256_add_epi32(u, _mm256_set1_epi32(0x7fff)), lsb), 16);
    const __m256i q = _mm256_or_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(64));
    const __m256i nan = _mm256_castps_si256(_mm256_cmp_ps(v, v, _CMP_UNORD_Q));
    const __m256i b = _mm256_blendv_epi8(r, q, nan); /* 16-bit values in 32-bit lanes */
    const __m128i p = _mm_packus_epi32(_mm256_castsi256_si128(b), _mm256_extracti128_si256(b, 1));
    _mm_storeu_si128((__m128i *)(y + i), p);
  }
  if (i < n) ai_from_float_bf16_ref(x + i, y + i, n - i);
}

#endif
