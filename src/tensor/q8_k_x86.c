/* Q8_K activation quantizers for x86 (AVX2, AVX-512), byte-identical to ai_q8_k_quantize_ref
 * (q8_k.c): the K-quant matmuls quantize every activation row with these before the dot. */
#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "tensor/kquant_common.h"
#include "tensor/q8_k.h"

#define TARGET_AVX2 __attribute__((target("avx2,fma,f16c")))
#define TARGET_AVX512 \
  __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq,avx512vnni")))
#define INLINE inline __attribute__((always_inline))

/* Byte-identical to ai_q8_k_quantize_ref: the same f32 max, the same f32 product x * (-127/max)
 * rounded to nearest even (vcvtps2dq under the default MXCSR, as nearest_int for |v| < 2^22),
 * and max taken from the first element of largest magnitude, as the scalar loop does. */

/* -127 / (the first element of magnitude amax), as the reference's strict-greater scan picks. */
static float q8_iscale(const float *x, float amax) {
  int j = 0;
  while (j < AI_QK_K - 1 && !(x[j] == amax || x[j] == -amax)) j++;
  return -127.f / x[j];
}

static void q8_bsums(struct ai_block_q8_k *y) {
  for (int g = 0; g < AI_QK_K / 16; g++) {
    int s = 0;
    for (int l = 0; l < 16; l++) s += y->qs[16 * g + l];
    y->bsums[g] = (int16_t)s;
  }
}

/* q8_iscale with 16 compares at a time. */
static INLINE TARGET_AVX512 float q8_iscale512(const float *x, float amax) {
  const __m512 va = _mm512_set1_ps(amax);
  for (int j = 0; j < AI_QK_K; j += 16) {
    const __mmask16 eq = _mm512_cmp_ps_mask(_mm512_abs_ps(_mm512_loadu_ps(x + j)), va, _CMP_EQ_OQ);
    if (eq) return -127.f / x[j + __builtin_ctz(eq)];
  }
  return -127.f / x[AI_QK_K - 1];
}

/* q8_bsums from the stored quants: vpdpbusd with ones sums 4 bytes per int32 lane, two in-lane
 * shuffles finish each 16-byte group (one 128-bit lane), and lane 0 of every group is gathered and
 * truncated to int16 as the reference's cast does. */
static INLINE TARGET_AVX512 void q8_bsums512(struct ai_block_q8_k *y) {
  const __m512i ones = _mm512_set1_epi8(1);
  __m512i s[4];
  for (int c = 0; c < 4; c++) {
    __m512i d =
        _mm512_dpbusd_epi32(_mm512_setzero_si512(), ones, _mm512_loadu_si512(y->qs + 64 * c));
    d = _mm512_add_epi32(d, _mm512_shuffle_epi32(d, _MM_PERM_BADC));
    s[c] = _mm512_add_epi32(d, _mm512_shuffle_epi32(d, _MM_PERM_CDAB));
  }
  const __m512i idx = _mm512_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28, 0, 0, 0, 0, 0, 0, 0, 0);
  const __m512i lo = _mm512_permutex2var_epi32(s[0], idx, s[1]); /* groups 0..7 in lanes 0..7 */
  const __m512i hi = _mm512_permutex2var_epi32(s[2], idx, s[3]); /* groups 8..15 */
  const __m512i all = _mm512_inserti64x4(lo, _mm512_castsi512_si256(hi), 1);
  _mm256_storeu_si256((__m256i *)y->bsums, _mm512_cvtepi32_epi16(all));
}

TARGET_AVX512 void ai_q8_k_quantize_avx512(const float *x, void *vy, int64_t n) {
  struct ai_block_q8_k *y = vy;
  for (int64_t i = 0; i < n / AI_QK_K; i++, x += AI_QK_K) {
    __m512 vmax = _mm512_setzero_ps();
    for (int j = 0; j < AI_QK_K; j += 16)
      vmax = _mm512_max_ps(vmax, _mm512_abs_ps(_mm512_loadu_ps(x + j)));
    const float amax = _mm512_reduce_max_ps(vmax);
    if (!amax) {
      memset(&y[i], 0, sizeof y[i]);
      continue;
    }
    const float iscale = q8_iscale512(x, amax);
    const __m512 vs = _mm512_set1_ps(iscale);
    const __m512i top = _mm512_set1_epi32(127);
    for (int j = 0; j < AI_QK_K; j += 16) {
      const __m512i v = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(x + j), vs));
      _mm_storeu_si128((__m128i *)(y[i].qs + j), _mm512_cvtsepi32_epi8(_mm512_min_epi32(v, top)));
    }
    q8_bsums512(&y[i]);
    y[i].d = 1 / iscale;
  }
}

TARGET_AVX2 void ai_q8_k_quantize_avx2(const float *x, void *vy, int64_t n) {
  struct ai_block_q8_k *y = vy;
  const __m256 sign = _mm256_set1_ps(-0.0f);
  for (int64_t i = 0; i < n / AI_QK_K; i++, x += AI_QK_K) {
    __m256 vmax = _mm256_setzero_ps();
    for (int j = 0; j < AI_QK_K; j += 8) {
      vmax = _mm256_max_ps(vmax, _mm256_andnot_ps(sign, _mm256_loadu_ps(x + j)));
    }
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(vmax), _mm256_extractf128_ps(vmax, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    const float amax = _mm_cvtss_f32(m);
    if (!amax) {
      memset(&y[i], 0, sizeof y[i]);
      continue;
    }
    const float iscale = q8_iscale(x, amax);
    const __m256 vs = _mm256_set1_ps(iscale);
    const __m256i top = _mm256_set1_epi32(127);
    for (int j = 0; j < AI_QK_K; j += 32) {
      __m256i v[4];
      for (int u = 0; u < 4; u++) {
        v[u] = _mm256_min_epi32(
            _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + j + 8 * u), vs)), top);
      }
      /* packs work per 128-bit lane: restore element order with one dword permute. */
      const __m256i p16a = _mm256_packs_epi32(v[0], v[1]), p16b = _mm256_packs_epi32(v[2], v[3]);
      const __m256i p8 = _mm256_packs_epi16(p16a, p16b);
      const __m256i ordered =
          _mm256_permutevar8x32_epi32(p8, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
      _mm256_storeu_si256((__m256i *)(y[i].qs + j), ordered);
    }
    q8_bsums(&y[i]);
    y[i].d = 1 / iscale;
  }
}

#endif
