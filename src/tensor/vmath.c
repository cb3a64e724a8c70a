/* Softmax exponentials, GELU and SiLU * up over float rows (see vmath.h): references, then AVX-512,
 * AVX2 and WebAssembly SIMD128. A tail shorter than one vector runs through masked (AVX-512) or
 * scalar-copied (AVX2, SIMD128) lanes of the same polynomial, so a row's result does not depend on
 * where the vector boundary falls. */
#include "tensor/vmath.h"

#include <math.h>
#include <string.h>

/* ---- references ---------------------------------------------------------------------------- */

float ai_softmax_exp_ref(float *x, int64_t n, float scale) {
  float max = -INFINITY;
  for (int64_t i = 0; i < n; i++)
    if (x[i] * scale > max) max = x[i] * scale;
  double sum = 0.0;
  for (int64_t i = 0; i < n; i++) {
    x[i] = expf(x[i] * scale - max);
    sum += x[i];
  }
  return (float)sum;
}

void ai_gelu_ref(const float *x, float *y, int64_t n) {
  for (int64_t i = 0; i < n; i++) y[i] = 0.5f * x[i] * (1.0f + erff(x[i] * 0.70710678118654752f));
}

void ai_silu_mul_ref(const float *g, const float *u, float *y, int64_t n) {
  for (int64_t i = 0; i < n; i++) y[i] = g[i] / (1.0f + expf(-g[i])) * u[i];
}

/* ---- polynomial constants (x86 and SIMD128 variants) --------------------------------------- */

/* Cephes expf constants: exp(x) = 2^n exp(r), n = round(x log2 e), r = x - n ln2 (in two parts),
 * exp(r) = 1 + r + r^2 (p0 r^5 + ... + p5). Inputs below -87.3 give 0. */
#define EXP_HI 88.3762626647949f
#define EXP_LO (-87.3365447505531f)
#define LOG2E  1.44269504088896341f
#define LN2_HI 0.693359375f
#define LN2_LO (-2.12194440e-4f)
#define EXP_P0 1.9875691500E-4f
#define EXP_P1 1.3981999507E-3f
#define EXP_P2 8.3334519073E-3f
#define EXP_P3 4.1665795894E-2f
#define EXP_P4 1.6666665459E-1f
#define EXP_P5 5.0000001201E-1f
/* Abramowitz & Stegun 7.1.26: erf(x) = 1 - t (a1 + t (a2 + t (a3 + t (a4 + t a5)))) e^{-x^2},
 * t = 1 / (1 + p x), x >= 0; odd in x. */
#define ERF_P  0.3275911f
#define ERF_A1 0.254829592f
#define ERF_A2 (-0.284496736f)
#define ERF_A3 1.421413741f
#define ERF_A4 (-1.453152027f)
#define ERF_A5 1.061405429f

/* ---- x86 ----------------------------------------------------------------------------------- */

#if defined(__x86_64__)
#include <immintrin.h>

#define AI_TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma")))
#define AI_TARGET_AVX2   __attribute__((target("avx2,fma")))

AI_TARGET_AVX512 static inline __m512 exp512(__m512 x) {
  x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(EXP_LO)), _mm512_set1_ps(EXP_HI));
  __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(LOG2E)),
                                  _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(LN2_HI), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(LN2_LO), r);
  __m512 p = _mm512_set1_ps(EXP_P0);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(EXP_P1));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(EXP_P2));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(EXP_P3));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(EXP_P4));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(EXP_P5));
  p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
  return _mm512_scalef_ps(p, n);
}

AI_TARGET_AVX512 float ai_softmax_exp_avx512(float *x, int64_t n, float scale) {
  const __m512 vs = _mm512_set1_ps(scale);
  __m512 vmax = _mm512_set1_ps(-INFINITY);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    vmax = _mm512_max_ps(vmax, _mm512_mul_ps(_mm512_loadu_ps(x + i), vs));
  __mmask16 tail = (__mmask16)((1u << (n - i)) - 1u);
  vmax =
      _mm512_mask_max_ps(vmax, tail, vmax, _mm512_mul_ps(_mm512_maskz_loadu_ps(tail, x + i), vs));
  const __m512 m = _mm512_set1_ps(_mm512_reduce_max_ps(vmax));
  __m512 sum = _mm512_setzero_ps();
  for (i = 0; i + 16 <= n; i += 16) {
    __m512 e = exp512(_mm512_fmsub_ps(_mm512_loadu_ps(x + i), vs, m));
    _mm512_storeu_ps(x + i, e);
    sum = _mm512_add_ps(sum, e);
  }
  if (tail) {
    __m512 e = exp512(_mm512_fmsub_ps(_mm512_maskz_loadu_ps(tail, x + i), vs, m));
    _mm512_mask_storeu_ps(x + i, tail, e);
    sum = _mm512_mask_add_ps(sum, tail, sum, e);
  }
  return _mm512_reduce_add_ps(sum);
}

AI_TARGET_AVX512 static inline __m512 gelu512(__m512 x) {
  const __m512 z = _mm512_mul_ps(x, _mm512_set1_ps(0.70710678118654752f));
  const __m512 az = _mm512_abs_ps(z);
  const __m512 t = _mm512_div_ps(_mm512_set1_ps(1.0f),
                                 _mm512_fmadd_ps(az, _mm512_set1_ps(ERF_P), _mm512_set1_ps(1.0f)));
  __m512 p = _mm512_fmadd_ps(t, _mm512_set1_ps(ERF_A5), _mm512_set1_ps(ERF_A4));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(ERF_A3));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(ERF_A2));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(ERF_A1));
  p = _mm512_mul_ps(p, t);
  const __m512 e = exp512(_mm512_sub_ps(_mm512_setzero_ps(), _mm512_mul_ps(az, az)));
  __m512 erf_abs = _mm512_fnmadd_ps(p, e, _mm512_set1_ps(1.0f));
  /* the sign of z onto erf(|z|) */
  __m512 erf_z = _mm512_castsi512_ps(_mm512_or_si512(
      _mm512_castps_si512(erf_abs),
      _mm512_and_si512(_mm512_castps_si512(z), _mm512_set1_epi32((int)0x80000000u))));
  return _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(0.5f), x),
                       _mm512_add_ps(_mm512_set1_ps(1.0f), erf_z));
}

AI_TARGET_AVX512 void ai_gelu_avx512(const float *x, float *y, int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, gelu512(_mm512_loadu_ps(x + i)));
  if (i < n) {
    __mmask16 tail = (__mmask16)((1u << (n - i)) - 1u);
    _mm512_mask_storeu_ps(y + i, tail, gelu512(_mm512_maskz_loadu_ps(tail, x + i)));
  }
}

AI_TARGET_AVX512 void ai_silu_mul_avx512(const float *g, const float *u, float *y, int64_t n) {
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = n - i >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - i)) - 1u);
    const __m512 vg = _mm512_maskz_loadu_ps(m, g + i), vu = _mm512_maskz_loadu_ps(m, u + i);
    const __m512 e = exp512(_mm512_sub_ps(_mm512_setzero_ps(), vg));
    _mm512_mask_storeu_ps(
        y + i, m, _mm512_div_ps(_mm512_mul_ps(vg, vu), _mm512_add_ps(_mm512_set1_ps(1.0f), e)));
  }
}

AI_TARGET_AVX2 static inline __m256 exp256(__m256 x) {
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(EXP_LO)), _mm256_set1_ps(EXP_HI));
  __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(LOG2E)),
                             _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(LN2_HI), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(LN2_LO), r);
  __m256 p = _mm256_set1_ps(EXP_P0);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EXP_P1));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EXP_P2));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EXP_P3));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EXP_P4));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EXP_P5));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  /* 2^n: n + 127 into the exponent field (n is in [-126, 128) after the clamp) */
  __m256i e =
      _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

AI_TARGET_AVX2 static inline __m256 gelu256(__m256 x) {
  const __m256 z = _mm256_mul_ps(x, _mm256_set1_ps(0.70710678118654752f));
  const __m256 sign = _mm256_castsi256_ps(_mm256_set1_epi32((int)0x80000000u));
  const __m256 az = _mm256_andnot_ps(sign, z);
  const __m256 t = _mm256_div_ps(_mm256_set1_ps(1.0f),
                                 _mm256_fmadd_ps(az, _mm256_set1_ps(ERF_P), _mm256_set1_ps(1.0f)));
  __m256 p = _mm256_fmadd_ps(t, _mm256_set1_ps(ERF_A5), _mm256_set1_ps(ERF_A4));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(ERF_A3));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(ERF_A2));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(ERF_A1));
  p = _mm256_mul_ps(p, t);
  const __m256 e = exp256(_mm256_sub_ps(_mm256_setzero_ps(), _mm256_mul_ps(az, az)));
  __m256 erf_z = _mm256_or_ps(_mm256_fnmadd_ps(p, e, _mm256_set1_ps(1.0f)), _mm256_and_ps(z, sign));
  return _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), x),
                       _mm256_add_ps(_mm256_set1_ps(1.0f), erf_z));
}

AI_TARGET_AVX2 float ai_softmax_exp_avx2(float *x, int64_t n, float scale) {
  const __m256 vs = _mm256_set1_ps(scale);
  float max = -INFINITY;
  int64_t i = 0;
  if (n >= 8) {
    __m256 vmax = _mm256_set1_ps(-INFINITY);
    for (; i + 8 <= n; i += 8)
      vmax = _mm256_max_ps(vmax, _mm256_mul_ps(_mm256_loadu_ps(x + i), vs));
    float lanes[8];
    _mm256_storeu_ps(lanes, vmax);
    for (int l = 0; l < 8; l++) max = lanes[l] > max ? lanes[l] : max;
  }
  for (; i < n; i++) max = x[i] * scale > max ? x[i] * scale : max;
  const __m256 m = _mm256_set1_ps(max);
  __m256 sum = _mm256_setzero_ps();
  for (i = 0; i + 8 <= n; i += 8) {
    __m256 e = exp256(_mm256_fmsub_ps(_mm256_loadu_ps(x + i), vs, m));
    _mm256_storeu_ps(x + i, e);
    sum = _mm256_add_ps(sum, e);
  }
  if (i < n) { /* the tail through one zero-padded vector; padding lanes are not summed */
    float buf[8] = {0};
    memcpy(buf, x + i, (size_t)(n - i) * sizeof(float));
    __m256 e = exp256(_mm256_fmsub_ps(_mm256_loadu_ps(buf), vs, m));
    _mm256_storeu_ps(buf, e);
    memcpy(x + i, buf, (size_t)(n - i) * sizeof(float));
    for (int64_t l = n - i; l < 8; l++) buf[l] = 0.0f;
    sum = _mm256_add_ps(sum, _mm256_loadu_ps(buf));
  }
  float lanes[8];
  _mm256_storeu_ps(lanes, sum);
  return lanes[0] + lanes[1] + lanes[2] + lanes[3] + lanes[4] + lanes[5] + lanes[6] + lanes[7];
}

AI_TARGET_AVX2 void ai_gelu_avx2(const float *x, float *y, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, gelu256(_mm256_loadu_ps(x + i)));
  if (i < n) {
    float buf[8] = {0};
    memcpy(buf, x + i, (size_t)(n - i) * sizeof(float));
    _mm256_storeu_ps(buf, gelu256(_mm256_loadu_ps(buf)));
    memcpy(y + i, buf, (size_t)(n - i) * sizeof(float));
  }
}
AI_TARGET_AVX2 static inline __m256 silu_mul256(__m256 g, __m256 u) {
  const __m256 e = exp256(_mm256_sub_ps(_mm256_setzero_ps(), g));
  return _mm256_div_ps(_mm256_mul_ps(g, u), _mm256_add_ps(_mm256_set1_ps(1.0f), e));
}

AI_TARGET_AVX2 void ai_silu_mul_avx2(const float *g, const float *u, float *y, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(y + i, silu_mul256(_mm256_loadu_ps(g + i), _mm256_loadu_ps(u + i)));
  if (i < n) {
    float bg[8] = {0}, bu[8] = {0};
    memcpy(bg, g + i, (size_t)(n - i) * sizeof(float));
    memcpy(bu, u + i, (size_t)(n - i) * sizeof(float));
    _mm256_storeu_ps(bg, silu_mul256(_mm256_loadu_ps(bg), _mm256_loadu_ps(bu)));
    memcpy(y + i, bg, (size_t)(n - i) * sizeof(float));
  }
}
#endif

/* ---- WebAssembly SIMD128 (no FMA: multiply, then add) --------------------------------------- */

#ifdef __wasm_simd128__
#include <wasm_simd128.h>

static inline v128_t exp128(v128_t x) {
  x = wasm_f32x4_min(wasm_f32x4_max(x, wasm_f32x4_splat(EXP_LO)), wasm_f32x4_splat(EXP_HI));
  const v128_t n = wasm_f32x4_nearest(wasm_f32x4_mul(x, wasm_f32x4_splat(LOG2E)));
  v128_t r = wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(LN2_HI)));
  r = wasm_f32x4_sub(r, wasm_f32x4_mul(n, wasm_f32x4_splat(LN2_LO)));
  v128_t p = wasm_f32x4_splat(EXP_P0);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(EXP_P1));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(EXP_P2));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(EXP_P3));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(EXP_P4));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(EXP_P5));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, wasm_f32x4_mul(r, r)),
                     wasm_f32x4_add(r, wasm_f32x4_splat(1.0f)));
  /* 2^n: n + 127 into the exponent field (n is in [-126, 128) after the clamp) */
  const v128_t e =
      wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
  return wasm_f32x4_mul(p, e);
}

static inline v128_t gelu128(v128_t x) {
  const v128_t z = wasm_f32x4_mul(x, wasm_f32x4_splat(0.70710678118654752f));
  const v128_t az = wasm_f32x4_abs(z);
  const v128_t t = wasm_f32x4_div(
      wasm_f32x4_splat(1.0f),
      wasm_f32x4_add(wasm_f32x4_mul(az, wasm_f32x4_splat(ERF_P)), wasm_f32x4_splat(1.0f)));
  v128_t p = wasm_f32x4_add(wasm_f32x4_mul(t, wasm_f32x4_splat(ERF_A5)), wasm_f32x4_splat(ERF_A4));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, t), wasm_f32x4_splat(ERF_A3));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, t), wasm_f32x4_splat(ERF_A2));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, t), wasm_f32x4_splat(ERF_A1));
  p = wasm_f32x4_mul(p, t);
  const v128_t e = exp128(wasm_f32x4_neg(wasm_f32x4_mul(az, az)));
  const v128_t erf_z =
      wasm_v128_or(wasm_f32x4_sub(wasm_f32x4_splat(1.0f), wasm_f32x4_mul(p, e)),
                   wasm_v128_and(z, wasm_i32x4_splat(INT32_MIN))); /* the sign of z */
  return wasm_f32x4_mul(wasm_f32x4_mul(wasm_f32x4_splat(0.5f), x),
                        wasm_f32x4_add(wasm_f32x4_splat(1.0f), erf_z));
}

static float hsum128(v128_t v) {
  return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) +
         wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3);
}

float ai_softmax_exp_simd128(float *x, int64_t n, float scale) {
  const v128_t vs = wasm_f32x4_splat(scale);
  float max = -INFINITY;
  int64_t i = 0;
  if (n >= 4) {
    v128_t vmax = wasm_f32x4_splat(-INFINITY);
    for (; i + 4 <= n; i += 4)
      vmax = wasm_f32x4_max(vmax, wasm_f32x4_mul(wasm_v128_load(x + i), vs));
    for (int l = 0; l < 4; l++) {
      const float m = l == 0   ? wasm_f32x4_extract_lane(vmax, 0)
                      : l == 1 ? wasm_f32x4_extract_lane(vmax, 1)
                      : l == 2 ? wasm_f32x4_extract_lane(vmax, 2)
                               : wasm_f32x4_extract_lane(vmax, 3);
      max = m > max ? m : max;
    }
  }
  for (; i < n; i++) max = x[i] * scale > max ? x[i] * scale : max;
  const v128_t m = wasm_f32x4_splat(max);
  v128_t sum = wasm_f32x4_splat(0.0f);
  for (i = 0; i + 4 <= n; i += 4) {
    const v128_t e = exp128(wasm_f32x4_sub(wasm_f32x4_mul(wasm_v128_load(x + i), vs), m));
    wasm_v128_store(x + i, e);
    sum = wasm_f32x4_add(sum, e);
  }
  if (i < n) { /* the tail through one zero-padded vector; padding lanes are not summed */
    float buf[4] = {0};
    memcpy(buf, x + i, (size_t)(n - i) * sizeof(float));
    wasm_v128_store(buf, exp128(wasm_f32x4_sub(wasm_f32x4_mul(wasm_v128_load(buf), vs), m)));
    memcpy(x + i, buf, (size_t)(n - i) * sizeof(float));
    for (int64_t l = n - i; l < 4; l++) buf[l] = 0.0f;
    sum = wasm_f32x4_add(sum, wasm_v128_load(buf));
  }
  return hsum128(sum);
}

static inline v128_t silu_mul128(v128_t g, v128_t u) {
  const v128_t e = exp128(wasm_f32x4_neg(g));
  return wasm_f32x4_div(wasm_f32x4_mul(g, u), wasm_f32x4_add(wasm_f32x4_splat(1.0f), e));
}

void ai_silu_mul_simd128(const float *g, const float *u, float *y, int64_t n) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4)
    wasm_v128_store(y + i, silu_mul128(wasm_v128_load(g + i), wasm_v128_load(u + i)));
  if (i < n) {
    float bg[4] = {0}, bu[4] = {0};
    memcpy(bg, g + i, (size_t)(n - i) * sizeof(float));
    memcpy(bu, u + i, (size_t)(n - i) * sizeof(float));
    wasm_v128_store(bg, silu_mul128(wasm_v128_load(bg), wasm_v128_load(bu)));
    memcpy(y + i, bg, (size_t)(n - i) * sizeof(float));
  }
}

void ai_gelu_simd128(const float *x, float *y, int64_t n) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(y + i, gelu128(wasm_v128_load(x + i)));
  if (i < n) {
    float buf[4] = {0};
    memcpy(buf, x + i, (size_t)(n - i) * sizeof(float));
    wasm_v128_store(buf, gelu128(wasm_v128_load(buf)));
    memcpy(y + i, buf, (size_t)(n - i) * sizeof(float));
  }
}
#endif

void ai_vmath_kernels_get(enum ai_isa isa, struct ai_vmath_kernels *out) {
  *out = (struct ai_vmath_kernels){ai_softmax_exp_ref, ai_gelu_ref, ai_silu_mul_ref};
#if defined(__x86_64__)
  if (isa == AI_ISA_AVX512)
    *out = (struct ai_vmath_kernels){ai_softmax_exp_avx512, ai_gelu_avx512, ai_silu_mul_avx512};
  if (isa == AI_ISA_AVX2)
    *out = (struct ai_vmath_kernels){ai_softmax_exp_avx2, ai_gelu_avx2, ai_silu_mul_avx2};
#elif defined(__wasm_simd128__)
  if (isa == AI_ISA_SIMD128)
    *out = (struct ai_vmath_kernels){ai_softmax_exp_simd128, ai_gelu_simd128, ai_silu_mul_simd128};
#else
  (void)isa;
#endif
}
