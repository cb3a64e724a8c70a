/* WebAssembly SIMD128 kernels for the K-quants: Q4_K, Q5_K, Q6_K x Q8_K dot (gemm = one dot per
 * row and token) and the Q8_K quantizer. Weight levels are widened to int16 and multiplied with
 * i32x4.dot_i16x8_s; integer sums per sub-block are exact, so results match the reference up to
 * f32 accumulation across blocks. Layouts: q4_k.c, q5_k.c, q6_k.c, q8_k.c. */
#ifdef __wasm_simd128__

#include <string.h>
#include <wasm_simd128.h>

#include "base/fp16.h"
#include "tensor/kquant_common.h"
#include "tensor/q4_k.h"
#include "tensor/q5_k.h"
#include "tensor/q6_k.h"
#include "tensor/q8_k.h"

/* Sum over 16 lanes of w (levels as unsigned or signed bytes, per is_signed) times a. */
static v128_t dot16(v128_t w, int is_signed, v128_t a) {
  const v128_t wl = is_signed ? wasm_i16x8_extend_low_i8x16(w) : wasm_u16x8_extend_low_u8x16(w);
  const v128_t wh = is_signed ? wasm_i16x8_extend_high_i8x16(w) : wasm_u16x8_extend_high_u8x16(w);
  return wasm_i32x4_add(wasm_i32x4_dot_i16x8(wl, wasm_i16x8_extend_low_i8x16(a)),
                        wasm_i32x4_dot_i16x8(wh, wasm_i16x8_extend_high_i8x16(a)));
}

static int32_t hsum_i32(v128_t v) {
  return wasm_i32x4_extract_lane(v, 0) + wasm_i32x4_extract_lane(v, 1) +
         wasm_i32x4_extract_lane(v, 2) + wasm_i32x4_extract_lane(v, 3);
}

/* Q4_K (has_qh = 0) and Q5_K (has_qh = 1): d, dmin, scales at the same offsets. */
static float dot_q45(int64_t nb, const uint8_t *blk, size_t bb, int has_qh,
                     const struct ai_block_q8_k *y) {
  float acc = 0;
  const v128_t m4 = wasm_i8x16_splat(0x0F), one = wasm_i8x16_splat(1);
  for (int64_t i = 0; i < nb; i++, blk += bb) {
    const struct ai_block_q4_k *x4 = (const void *)blk;
    const struct ai_block_q5_k *x5 = (const void *)blk;
    const uint8_t *qs = has_qh ? x5->qs : x4->qs;
    uint8_t sm[16];
    ai_kquant_unpack_k4(x4->scales, sm);
    int32_t sumi = 0, summ = 0;
    for (int j = 0; j < 8; j++) {
      v128_t s = wasm_i32x4_splat(0);
      for (int h = 0; h < 2; h++) {
        const v128_t c = wasm_v128_load(qs + 32 * (j / 2) + 16 * h);
        v128_t w = j % 2 ? wasm_u8x16_shr(c, 4) : wasm_v128_and(c, m4);
        if (has_qh) {
          const v128_t hb = wasm_v128_and(wasm_u8x16_shr(wasm_v128_load(x5->qh + 16 * h), j), one);
          w = wasm_v128_or(w, wasm_i8x16_shl(hb, 4));
        }
        s = wasm_i32x4_add(s, dot16(w, 0, wasm_v128_load(y[i].qs + 32 * j + 16 * h)));
      }
      sumi += sm[j] * hsum_i32(s);
      summ += sm[8 + j] * (y[i].bsums[2 * j] + y[i].bsums[2 * j + 1]);
    }
    acc += ai_fp16_to_fp32(x4->d) * y[i].d * (float)sumi -
           ai_fp16_to_fp32(x4->dmin) * y[i].d * (float)summ;
  }
  return acc;
}

static float dot_q6(int64_t nb, const struct ai_block_q6_k *x, const struct ai_block_q8_k *y) {
  float acc = 0;
  const v128_t m4 = wasm_i8x16_splat(0x0F), m3 = wasm_i8x16_splat(3), k32 = wasm_i8x16_splat(32);
  for (int64_t i = 0; i < nb; i++) {
    int32_t sumi = 0;
    for (int s = 0; s < 8; s++) { /* elements 32s..32s+31: groups 2s, 2s+1 */
      const int h = s / 4, quarter = s % 4;
      for (int g = 0; g < 2; g++) {
        const v128_t ql = wasm_v128_load(x[i].ql + 64 * h + 32 * (quarter & 1) + 16 * g);
        const v128_t lo = quarter >= 2 ? wasm_u8x16_shr(ql, 4) : wasm_v128_and(ql, m4);
        const v128_t qh = wasm_v128_load(x[i].qh + 32 * h + 16 * g);
        const v128_t hi = wasm_v128_and(wasm_u8x16_shr(qh, 2 * quarter), m3);
        const v128_t w = wasm_i8x16_sub(wasm_v128_or(lo, wasm_i8x16_shl(hi, 4)), k32);
        const v128_t d = dot16(w, 1, wasm_v128_load(y[i].qs + 32 * s + 16 * g));
        sumi += x[i].scales[2 * s + g] * hsum_i32(d);
      }
    }
    acc += ai_fp16_to_fp32(x[i].d) * y[i].d * (float)sumi;
  }
  return acc;
}

void ai_q4_k_vec_dot_simd128(int64_t n, float *s, const void *x, const void *y) {
  *s = dot_q45(n / AI_QK_K, x, sizeof(struct ai_block_q4_k), 0, y);
}
void ai_q5_k_vec_dot_simd128(int64_t n, float *s, const void *x, const void *y) {
  *s = dot_q45(n / AI_QK_K, x, sizeof(struct ai_block_q5_k), 1, y);
}
void ai_q6_k_vec_dot_simd128(int64_t n, float *s, const void *x, const void *y) {
  *s = dot_q6(n / AI_QK_K, x, y);
}

void ai_q4_k_gemm_simd128(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                          const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                          int64_t y_stride) {
  ai_kquant_gemm_by_dot(ai_q4_k_vec_dot_simd128, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok,
                        y, y_stride);
}
void ai_q5_k_gemm_simd128(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                          const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                          int64_t y_stride) {
  ai_kquant_gemm_by_dot(ai_q5_k_vec_dot_simd128, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok,
                        y, y_stride);
}
void ai_q6_k_gemm_simd128(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                          const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                          int64_t y_stride) {
  ai_kquant_gemm_by_dot(ai_q6_k_vec_dot_simd128, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok,
                        y, y_stride);
}

/* Byte-identical to ai_q8_k_quantize_ref: same max, same f32 products, and wasm's
 * i32x4.trunc_sat of (v rounded by f32x4.nearest), which rounds ties to even as nearest_int. */
void ai_q8_k_quantize_simd128(const float *x, void *vy, int64_t n) {
  struct ai_block_q8_k *y = vy;
  for (int64_t i = 0; i < n / AI_QK_K; i++, x += AI_QK_K) {
    v128_t vmax = wasm_f32x4_splat(0);
    for (int j = 0; j < AI_QK_K; j += 4)
      vmax = wasm_f32x4_pmax(vmax, wasm_f32x4_abs(wasm_v128_load(x + j)));
    float m[4];
    wasm_v128_store(m, vmax);
    float amax = m[0];
    for (int l = 1; l < 4; l++) amax = m[l] > amax ? m[l] : amax;
    if (!amax) {
      memset(&y[i], 0, sizeof y[i]);
      continue;
    }
    int j0 = 0; /* the first element of largest magnitude, as the reference's scan picks */
    while (j0 < AI_QK_K - 1 && !(x[j0] == amax || x[j0] == -amax)) j0++;
    const float iscale = -127.f / x[j0];
    const v128_t vs = wasm_f32x4_splat(iscale), top = wasm_i32x4_splat(127);
    for (int j = 0; j < AI_QK_K; j += 16) {
      v128_t q[4];
      for (int u = 0; u < 4; u++) {
        const v128_t v = wasm_f32x4_nearest(wasm_f32x4_mul(wasm_v128_load(x + j + 4 * u), vs));
        q[u] = wasm_i32x4_min(wasm_i32x4_trunc_sat_f32x4(v), top);
      }
      const v128_t p16a = wasm_i16x8_narrow_i32x4(q[0], q[1]);
      const v128_t p16b = wasm_i16x8_narrow_i32x4(q[2], q[3]);
      wasm_v128_store(y[i].qs + j, wasm_i8x16_narrow_i16x8(p16a, p16b));
    }
    for (int g = 0; g < AI_QK_K / 16; g++) {
      int s = 0;
      for (int l = 0; l < 16; l++) s += y[i].qs[16 * g + l];
      y[i].bsums[g] = (int16_t)s;
    }
    y[i].d = 1 / iscale;
  }
}

#endif
