/* K-quant super-blocks (QK_K = 256 elements): the block structs of llama.cpp's
 * ggml/src/ggml-common.h, bit for bit, and the scalar helpers the quantizers share. Each type's
 * file (q4_k.c, q5_k.c, q6_k.c, q8_k.c) documents its layout; SIMD drivers are in kquant_x86.h. */
#ifndef AI_TENSOR_KQUANT_COMMON_H
#define AI_TENSOR_KQUANT_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tensor/types.h"

#define AI_QK_K 256 /* elements per K-quant super-block (ggml-common.h QK_K) */
/* ggml-quants.c GROUP_MAX_EPS: a group whose largest magnitude is below this counts as zero. */
#define AI_KQUANT_GROUP_MAX_EPS 1e-15f

/* fp16 fields are raw IEEE binary16 bits (base/fp16.h converts them). */
struct ai_block_q4_k {
  uint16_t d;         /* fp16: super-block scale of the 6-bit sub-block scales */
  uint16_t dmin;      /* fp16: super-block scale of the 6-bit sub-block mins */
  uint8_t scales[12]; /* 8 scales and 8 mins, 6 bits each, packed as get_scale_min_k4 reads */
  uint8_t qs[128];    /* 4-bit quants: byte 32*j+l holds element 64j+l (low), 64j+32+l (high) */
};

struct ai_block_q5_k {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[12]; /* as in q4_K */
  uint8_t qh[32];     /* 5th bits: bit 2j of qh[l] -> element 64j+l, bit 2j+1 -> 64j+32+l */
  uint8_t qs[128];    /* low 4 bits, arranged as q4_K's qs */
};

struct ai_block_q6_k {
  uint8_t ql[128];   /* low 4 bits */
  uint8_t qh[64];    /* high 2 bits */
  int8_t scales[16]; /* one signed 8-bit scale per 16 elements */
  uint16_t d;        /* fp16 super-block scale */
};

struct ai_block_q8_k {
  float d;           /* scale (f32, not fp16) */
  int8_t qs[256];    /* quants */
  int16_t bsums[16]; /* sum of qs over each group of 16 */
};

_Static_assert(sizeof(struct ai_block_q4_k) == 144, "block_q4_K is 144 bytes");
_Static_assert(sizeof(struct ai_block_q5_k) == 176, "block_q5_K is 176 bytes");
_Static_assert(sizeof(struct ai_block_q6_k) == 210, "block_q6_K is 210 bytes");
_Static_assert(sizeof(struct ai_block_q8_k) == 292, "block_q8_K is 292 bytes");

/* Round to nearest, ties to even, for |f| <= 4194303: llama.cpp ggml-quants.c nearest_int (the
 * 1.5 * 2^23 trick). Kept bit-identical because quantizer output bytes depend on it. */
static inline int ai_kquant_nearest_int(float f) {
  float v = f + 12582912.f;
  int32_t i;
  memcpy(&i, &v, sizeof i);
  return (i & 0x007fffff) - 0x00400000;
}

/* Scale and min of sub-block j (0..7) from q4_K/q5_K's 12 packed bytes
 * (llama.cpp ggml-quants.c get_scale_min_k4). */
static inline void ai_kquant_scale_min_k4(int j, const uint8_t *q, uint8_t *d, uint8_t *m) {
  if (j < 4) {
    *d = q[j] & 63;
    *m = q[j + 4] & 63;
  } else {
    *d = (uint8_t)((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
    *m = (uint8_t)((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
  }
}

/* All 8 scales (out[0..7]) and 8 mins (out[8..15]) of a q4_K/q5_K block at once. */
static inline void ai_kquant_unpack_k4(const uint8_t *scales, uint8_t out[16]) {
  for (int j = 0; j < 8; j++) ai_kquant_scale_min_k4(j, scales, &out[j], &out[8 + j]);
}

/* Inverse of ai_kquant_scale_min_k4: packs 6-bit ls[j], lm[j] into 12 bytes. */
void ai_kquant_pack_k4(const uint8_t ls[8], const uint8_t lm[8], uint8_t out[12]);

/* llama.cpp make_qkx2_quants: asymmetric n-element quantization to [0, nmax] with weights,
 * searching nstep+1 candidate scales around nmax/(max-min). Writes levels to L, uses Laux as
 * scratch (n bytes), stores the (positive) min in *the_min; returns the scale. */
float ai_kquant_make_qkx2(int n, int nmax, const float *x, const float *weights, uint8_t *L,
                          float *the_min, uint8_t *Laux, float rmin, float rdelta, int nstep);

/* llama.cpp make_qx_quants with rmse_type 1 and no importance weights: symmetric quantization to
 * [-nmax, nmax-1], weights x^2, 19-step scale search. Writes L[i] = level + nmax. */
float ai_kquant_make_qx(int n, int nmax, const float *x, int8_t *L);

/* ai_gemm_fn over a vec_dot: y[t * y_stride + r] = dot(w row r, xq row t), one call per pair.
 * The reference gemm of every K-quant type. */
void ai_kquant_gemm_by_dot(ai_vec_dot_fn dot, int64_t k, const void *w, size_t w_row_bytes,
                           int64_t r0, int64_t r1, const void *xq, size_t xq_row_bytes,
                           int64_t n_tok, float *y, int64_t y_stride);

#endif
