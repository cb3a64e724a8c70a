/* WebAssembly SIMD128 kernels for the K-quants: Q4_K, Q5_K, Q6_K x Q8_K gemm and dot, and the Q8_K
 * quantizer. Weight levels are widened to int16, scaled per group and multiplied with
 * i32x4.dot_i16x8_s; integer sums per block are exact, so results match the reference up to f32
 * accumulation across blocks. Layouts: q4_k.c, q5_k.c, q6_k.c, q8_k.c. */
#ifdef __wasm_simd128__

#include <string.h>
#include <wasm_simd128.h>

#include "base/fp16.h"
#include "tensor/kquant_common.h"
#include "tensor/q4_k.h"
#include "tensor/q5_k.h"
#include "tensor/q6_k.h"
#include "tensor/q8_k.h"

/* One token's Q8_K activations are widened to int16 once per call (kq_prep), then every row
 * reads them; rows are read start to end, one after the other (one stream: see qgemm_wasm.h).
 * Per 16 elements the levels (Q4_K 0..15, Q5_K 0..31, Q6_K 0..63) are multiplied by their
 * group's scale in int16 (|63 * 128| fits), so one i32x4 per block takes every pmaddwd and the
 * block's int32 sum is exact. */
#define KQ_ACT_BLOCKS 64 /* widened blocks per chunk: 32 KiB of stack, k = 16384 */

struct kq_acts {
  v128_t q[KQ_ACT_BLOCKS][32]; /* element 8v + i of a block in lane i of q[v] */
  float d[KQ_ACT_BLOCKS];
};

static void kq_prep(const struct ai_block_q8_k *y, int64_t n, struct kq_acts *a) {
  for (int64_t b = 0; b < n; b++) {
    for (int v = 0; v < 16; v++) {
      const v128_t q = wasm_v128_load(y[b].qs + 16 * v);
      a->q[b][2 * v] = wasm_i16x8_extend_low_i8x16(q);
      a->q[b][2 * v + 1] = wasm_i16x8_extend_high_i8x16(q);
    }
    a->d[b] = y[b].d;
  }
}

/* 16 levels (u8 lanes) of group g times the group's scale, dotted with elements 16g.. */
static inline v128_t kq_dot16(v128_t lv, int8_t scale, const v128_t *y) {
  const v128_t s = wasm_i16x8_splat(scale);
  return wasm_i32x4_add(
      wasm_i32x4_dot_i16x8(wasm_i16x8_mul(wasm_u16x8_extend_low_u8x16(lv), s), y[0]),
      wasm_i32x4_dot_i16x8(wasm_i16x8_mul(wasm_u16x8_extend_high_u8x16(lv), s), y[1]));
}

/* Q4_K and Q5_K (has_qh): 32 bytes of qs hold sub-blocks 2j (low nibbles) and 2j + 1 (high);
 * Q5_K's fifth bits for sub-block s are bit s of qh[l]. The minimum is taken out as
 * dmin * sum_s m_s * (bsum_2s + bsum_2s+1), one pmaddwd over the duplicated mins. */
/* ai_kquant_unpack_k4 (8 6-bit scales, then 8 mins) on 32-bit words, as ggml's x86 Q4_K dot does:
 * a dozen word ops instead of eight branchy byte extractions per block. */
static inline void unpack_k4(const uint8_t *scales, uint8_t out[16]) {
  uint32_t u[4];
  memcpy(u, scales, 12);
  u[3] = ((u[2] >> 4) & 0x0f0f0f0fu) | (((u[1] >> 6) & 0x03030303u) << 4);
  const uint32_t mins_lo = u[1] & 0x3f3f3f3fu;
  u[1] = (u[2] & 0x0f0f0f0fu) | (((u[0] >> 6) & 0x03030303u) << 4);
  u[2] = mins_lo;
  u[0] &= 0x3f3f3f3fu;
  memcpy(out, u, 16);
}

static float q45_row(int64_t nb, const uint8_t *blk, size_t bb, int has_qh,
                     const struct ai_block_q8_k *y, const struct kq_acts *a) {
  const v128_t m4 = wasm_i8x16_splat(0x0f), b4 = wasm_i8x16_splat(0x10);
  v128_t acc = wasm_f32x4_splat(0.0f);
  for (int64_t b = 0; b < nb; b++, blk += bb) {
    const struct ai_block_q4_k *x4 = (const void *)blk;
    const struct ai_block_q5_k *x5 = (const void *)blk;
    const uint8_t *qs = has_qh ? x5->qs : x4->qs;
    const v128_t *yq = a->q[b];
    uint8_t sm[16];
    unpack_k4(x4->scales, sm);
    v128_t sum = wasm_i32x4_splat(0);
    for (int j = 0; j < 4; j++) {
      for (int h = 0; h < 2; h++) {
        const v128_t c = wasm_v128_load(qs + 32 * j + 16 * h);
        v128_t lo = wasm_v128_and(c, m4), hi = wasm_v128_and(wasm_u16x8_shr(c, 4), m4);
        if (has_qh) { /* bit 2j (2j + 1) of each byte to bit 4; 16-bit shifts, masked per byte */
          const v128_t qh = wasm_v128_load(x5->qh + 16 * h);
          const int s0 = 2 * j, s1 = 2 * j + 1;
          lo = wasm_v128_or(
              lo,
              wasm_v128_and(s0 <= 4 ? wasm_i16x8_shl(qh, 4 - s0) : wasm_u16x8_shr(qh, s0 - 4), b4));
          hi = wasm_v128_or(
              hi,
              wasm_v128_and(s1 <= 4 ? wasm_i16x8_shl(qh, 4 - s1) : wasm_u16x8_shr(qh, s1 - 4), b4));
        }
        sum = wasm_i32x4_add(sum, kq_dot16(lo, (int8_t)sm[2 * j], yq + (64 * j + 16 * h) / 8));
        sum = wasm_i32x4_add(sum,
                             kq_dot16(hi, (int8_t)sm[2 * j + 1], yq + (64 * j + 32 + 16 * h) / 8));
      }
    }
    const v128_t mins = wasm_i8x16_shuffle(wasm_v128_load(sm), wasm_v128_load(sm), 8, 8, 9, 9, 10,
                                           10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15);
    const v128_t msum = wasm_i32x4_add(
        wasm_i32x4_dot_i16x8(wasm_u16x8_extend_low_u8x16(mins), wasm_v128_load(y[b].bsums)),
        wasm_i32x4_dot_i16x8(wasm_u16x8_extend_high_u8x16(mins), wasm_v128_load(y[b].bsums + 8)));
    const float dd = ai_fp16_to_fp32(x4->d) * a->d[b], dm = ai_fp16_to_fp32(x4->dmin) * a->d[b];
    acc = wasm_f32x4_add(
        acc, wasm_f32x4_sub(wasm_f32x4_mul(wasm_f32x4_convert_i32x4(sum), wasm_f32x4_splat(dd)),
                            wasm_f32x4_mul(wasm_f32x4_convert_i32x4(msum), wasm_f32x4_splat(dm))));
  }
  return wasm_f32x4_extract_lane(acc, 0) + wasm_f32x4_extract_lane(acc, 1) +
         wasm_f32x4_extract_lane(acc, 2) + wasm_f32x4_extract_lane(acc, 3);
}

/* dot(row of nb blocks at x, the widened token at a) */
static float q6_row(int64_t nb, const struct ai_block_q6_k *x, const struct ai_block_q8_k *y,
                    const struct kq_acts *a) {
  const v128_t m4 = wasm_i8x16_splat(0x0f), m30 = wasm_i8x16_splat(0x30);
  v128_t acc = wasm_f32x4_splat(0.0f);
  for (int64_t b = 0; b < nb; b++) {
    const v128_t *yq = a->q[b];
    v128_t sum = wasm_i32x4_splat(0);
    for (int h = 0; h < 2; h++) {        /* elements 128h.. */
      for (int l = 0; l < 32; l += 16) { /* ql[l], ql[l + 32], qh[l]: elements l, +32, +64, +96 */
        const v128_t qa = wasm_v128_load(x[b].ql + 64 * h + l);
        const v128_t qb = wasm_v128_load(x[b].ql + 64 * h + 32 + l);
        const v128_t qh = wasm_v128_load(x[b].qh + 32 * h + l);
        /* the 16-bit shifts move bits across bytes only where the mask clears them */
        const v128_t l0 =
            wasm_v128_or(wasm_v128_and(qa, m4), wasm_v128_and(wasm_i16x8_shl(qh, 4), m30));
        const v128_t l1 =
            wasm_v128_or(wasm_v128_and(qb, m4), wasm_v128_and(wasm_i16x8_shl(qh, 2), m30));
        const v128_t l2 =
            wasm_v128_or(wasm_v128_and(wasm_u16x8_shr(qa, 4), m4), wasm_v128_and(qh, m30));
        const v128_t l3 = wasm_v128_or(wasm_v128_and(wasm_u16x8_shr(qb, 4), m4),
                                       wasm_v128_and(wasm_u16x8_shr(qh, 2), m30));
        const int e = 128 * h + l, g = e / 16; /* first element and group of l0 */
        sum = wasm_i32x4_add(sum, kq_dot16(l0, x[b].scales[g], yq + e / 8));
        sum = wasm_i32x4_add(sum, kq_dot16(l1, x[b].scales[g + 2], yq + (e + 32) / 8));
        sum = wasm_i32x4_add(sum, kq_dot16(l2, x[b].scales[g + 4], yq + (e + 64) / 8));
        sum = wasm_i32x4_add(sum, kq_dot16(l3, x[b].scales[g + 6], yq + (e + 96) / 8));
      }
    }
    /* 32 * sum_g scale_g * bsum_g, from the 16 scales widened to int16 */
    const v128_t sc = wasm_v128_load(x[b].scales);
    const v128_t off = wasm_i32x4_add(
        wasm_i32x4_dot_i16x8(wasm_i16x8_extend_low_i8x16(sc), wasm_v128_load(y[b].bsums)),
        wasm_i32x4_dot_i16x8(wasm_i16x8_extend_high_i8x16(sc), wasm_v128_load(y[b].bsums + 8)));
    sum = wasm_i32x4_sub(sum, wasm_i32x4_shl(off, 5));
    const float d = ai_fp16_to_fp32(x[b].d) * a->d[b];
    acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_f32x4_convert_i32x4(sum), wasm_f32x4_splat(d)));
  }
  return wasm_f32x4_extract_lane(acc, 0) + wasm_f32x4_extract_lane(acc, 1) +
         wasm_f32x4_extract_lane(acc, 2) + wasm_f32x4_extract_lane(acc, 3);
}

/* The ai_gemm_fn contract (types.h) for the K-quant kind (4, 5 or 6). */
static void kq_gemm(int kind, int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                    const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                    int64_t y_stride) {
  const size_t bb = kind == 4   ? sizeof(struct ai_block_q4_k)
                    : kind == 5 ? sizeof(struct ai_block_q5_k)
                                : sizeof(struct ai_block_q6_k);
  const int64_t nb = k / AI_QK_K;
  struct kq_acts a;
  for (int64_t t = 0; t < n_tok; t++) {
    const struct ai_block_q8_k *yt = (const void *)((const char *)xq + (size_t)t * xq_row_bytes);
    for (int64_t b0 = 0; b0 < nb; b0 += KQ_ACT_BLOCKS) {
      const int64_t n = nb - b0 < KQ_ACT_BLOCKS ? nb - b0 : KQ_ACT_BLOCKS;
      kq_prep(yt + b0, n, &a);
      for (int64_t r = r0; r < r1; r++) {
        const uint8_t *row = (const uint8_t *)w + (size_t)r * w_row_bytes + (size_t)b0 * bb;
        const float s = kind == 6 ? q6_row(n, (const void *)row, yt + b0, &a)
                                  : q45_row(n, row, bb, kind == 5, yt + b0, &a);
        y[t * y_stride + r] = b0 == 0 ? s : y[t * y_stride + r] + s;
      }
    }
  }
}

void ai_q4_k_vec_dot_simd128(int64_t n, float *s, const void *x, const void *y) {
  kq_gemm(4, n, x, 0, 0, 1, y, 0, 1, s, 1);
}
void ai_q5_k_vec_dot_simd128(int64_t n, float *s, const void *x, const void *y) {
  kq_gemm(5, n, x, 0, 0, 1, y, 0, 1, s, 1);
}
void ai_q6_k_vec_dot_simd128(int64_t n, float *s, const void *x, const void *y) {
  kq_gemm(6, n, x, 0, 0, 1, y, 0, 1, s, 1);
}
void ai_q4_k_gemm_simd128(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                          const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                          int64_t y_stride) {
  kq_gemm(4, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
}
void ai_q5_k_gemm_simd128(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                          const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                          int64_t y_stride) {
  kq_gemm(5, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
}
void ai_q6_k_gemm_simd128(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                          const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                          int64_t y_stride) {
  kq_gemm(6, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
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
