/* Block layouts of the 32-element quant types (llama.cpp ggml-common.h, bit for bit) and the
 * kernels of every family file in src/tensor/ that types.c and kernels.c put into their tables.
 * K-quant families (q4_k.c, ...) declare theirs in their own header. */
#ifndef AI_TENSOR_QUANTS_H
#define AI_TENSOR_QUANTS_H

#include <stddef.h>
#include <stdint.h>

#include "tensor/types.h"

#define AI_QK 32 /* elements per block of Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1 (ggml QK4_0 etc.) */

/* fp16 scale fields are raw IEEE binary16 bits (ggml_half). */
struct ai_block_q4_0 {
  uint16_t d;            /* scale */
  uint8_t qs[AI_QK / 2]; /* byte j: element j in the low nibble, element j+16 in the high one */
};
struct ai_block_q4_1 {
  uint16_t d, m; /* scale, minimum: x = q*d + m */
  uint8_t qs[AI_QK / 2];
};
struct ai_block_q5_0 {
  uint16_t d;
  uint8_t qh[4]; /* little-endian u32: bit j is bit 4 of element j */
  uint8_t qs[AI_QK / 2];
};
struct ai_block_q5_1 {
  uint16_t d, m;
  uint8_t qh[4];
  uint8_t qs[AI_QK / 2];
};
struct ai_block_q8_0 {
  uint16_t d;
  int8_t qs[AI_QK];
};
struct ai_block_q8_1 {
  uint16_t d; /* scale */
  uint16_t s; /* d * sum(qs), as fp16 (ggml block_q8_1.s) */
  int8_t qs[AI_QK];
};

_Static_assert(sizeof(struct ai_block_q4_0) == 18, "block_q4_0 layout");
_Static_assert(sizeof(struct ai_block_q4_1) == 20, "block_q4_1 layout");
_Static_assert(sizeof(struct ai_block_q5_0) == 22, "block_q5_0 layout");
_Static_assert(sizeof(struct ai_block_q5_1) == 24, "block_q5_1 layout");
_Static_assert(sizeof(struct ai_block_q8_0) == 34, "block_q8_0 layout");
_Static_assert(sizeof(struct ai_block_q8_1) == 36, "block_q8_1 layout");

/* The gemm every reference row set uses: one vec_dot per (row, token). */
static inline void ai_gemm_by_dot(ai_vec_dot_fn dot, int64_t k, const void *w, size_t w_row_bytes,
                                  int64_t r0, int64_t r1, const void *xq, size_t xq_row_bytes,
                                  int64_t n_tok, float *y, int64_t y_stride) {
  for (int64_t t = 0; t < n_tok; t++) {
    const char *xt = (const char *)xq + (size_t)t * xq_row_bytes;
    for (int64_t r = r0; r < r1; r++) {
      dot(k, &y[t * y_stride + r], (const char *)w + (size_t)r * w_row_bytes, xt);
    }
  }
}

/* ---- fp.c: F32, F16, BF16 weights (activations F32, F16, BF16) ---------------------------- */
void ai_to_float_f32_ref(const void *x, float *y, int64_t n);
void ai_from_float_f32_ref(const float *x, void *y, int64_t n);
void ai_dot_f32_f32_ref(int64_t n, float *s, const void *x, const void *y);
void ai_gemm_f32_f32_ref(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                         const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                         int64_t y_stride);
void ai_to_float_f16_ref(const void *x, float *y, int64_t n);
void ai_from_float_f16_ref(const float *x, void *y, int64_t n);
void ai_dot_f16_f16_ref(int64_t n, float *s, const void *x, const void *y);
void ai_gemm_f16_f16_ref(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                         const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                         int64_t y_stride);
void ai_to_float_bf16_ref(const void *x, float *y, int64_t n);
void ai_from_float_bf16_ref(const float *x, void *y, int64_t n);
void ai_dot_bf16_bf16_ref(int64_t n, float *s, const void *x, const void *y);
void ai_gemm_bf16_bf16_ref(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                           const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                           int64_t y_stride);

/* ---- q8_0.c / q8_1.c: 8-bit types, also the activation formats ---------------------------- */
void ai_dequantize_q8_0_ref(const void *x, float *y, int64_t n);
void ai_quantize_q8_0_ref(const float *x, void *y, int64_t n);
void ai_dot_q8_0_q8_0_ref(int64_t n, float *s, const void *x, const void *y);
void ai_gemm_q8_0_q8_0_ref(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                           const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                           int64_t y_stride);
void ai_dequantize_q8_1_ref(const void *x, float *y, int64_t n);
void ai_quantize_q8_1_ref(const float *x, void *y, int64_t n);

/* ---- q4_0.c, q4_1.c, q5_0.c, q5_1.c ------------------------------------------------------ */
void ai_dequantize_q4_0_ref(const void *x, float *y, int64_t n);
void ai_quantize_q4_0_ref(const float *x, void *y, int64_t n);
void ai_dot_q4_0_q8_0_ref(int64_t n, float *s, const void *x, const void *y);
void ai_gemm_q4_0_q8_0_ref(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                           const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                           int64_t y_stride);
void ai_dequantize_q4_1_ref(const void *x, float *y, int64_t n);
void ai_quantize_q4_1_ref(const float *x, void *y, int64_t n);
void ai_dot_q4_1_q8_1_ref(int64_t n, float *s, const void *x, const void *y);
void ai_gemm_q4_1_q8_1_ref(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                           const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                           int64_t y_stride);
void ai_dequantize_q5_0_ref(const void *x, float *y, int64_t n);
void ai_quantize_q5_0_ref(const float *x, void *y, int64_t n);
void ai_dot_q5_0_q8_0_ref(int64_t n, float *s, const void *x, const void *y);
void ai_gemm_q5_0_q8_0_ref(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                           const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                           int64_t y_stride);
void ai_dequantize_q5_1_ref(const void *x, float *y, int64_t n);
void ai_quantize_q5_1_ref(const float *x, void *y, int64_t n);
void ai_dot_q5_1_q8_1_ref(int64_t n, float *s, const void *x, const void *y);
void ai_gemm_q5_1_q8_1_ref(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                           const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                           int64_t y_stride);

/* ---- x86-64 variants (function-level target attributes; call only where ai_isa_detect allows)
 * _avx512: AVX-512 F/BW/VL + VNNI; _avx2: AVX2 + FMA + F16C. */
#if defined(__x86_64__)
int ai_quantize_block_q8_avx512(const float *x, float *d_out, int8_t *qs); /* returns sum(qs) */
void ai_quantize_q8_0_avx512(const float *x, void *y, int64_t n);
void ai_quantize_q8_1_avx512(const float *x, void *y, int64_t n);
void ai_dot_q8_0_q8_0_avx512(int64_t n, float *s, const void *x, const void *y);
void ai_gemm_q8_0_q8_0_avx512(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                              const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                              int64_t y_stride);
void ai_dot_q4_0_q8_0_avx512(int64_t n, float *s, const void *x, const void *y);
void ai_gemm_q4_0_q8_0_avx512(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                              const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                              int64_t y_stride);
void ai_dot_q4_1_q8_1_avx512(int64_t n, float *s, const void *x, const void *y);
void ai_gemm_q4_1_q8_1_avx512(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                              const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                              int64_t y_stride);
void ai_dot_q5_0_q8_0_avx512(int64_t n, float *s, const void *x, const void *y);
void ai_gemm_q5_0_q8_0_avx512(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                              const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                              int64_t y_stride);
void ai_dot_q5_1_q8_1_avx512(int64_t n, float *s, const void *x, const void *y);
void ai_gemm_q5_1_q8_1_avx512(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                              const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                              int64_t y_stride);
void ai_dot_q4_0_q8_0_avx2(int64_t n, float *s, const void *x, const void *y);
void ai_gemm_q4_0_q8_0_avx2(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                            const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                            int64_t y_stride);
void ai_dot_q4_1_q8_1_avx2(int64_t n, float *s, const void *x, const void *y);
void ai_gemm_q4_1_q8_1_avx2(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                            const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                            int64_t y_stride);
void ai_dot_q5_0_q8_0_avx2(int64_t n, float *s, const void *x, const void *y);
void ai_gemm_q5_0_q8_0_avx2(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                            const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                            int64_t y_stride);
void ai_dot_q5_1_q8_1_avx2(int64_t n, float *s, const void *x, const void *y);
void ai_gemm_q5_1_q8_1_avx2(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                            const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                            int64_t y_stride);
void ai_dot_q8_0_q8_0_avx2(int64_t n, float *s, const void *x, const void *y);
void ai_gemm_q8_0_q8_0_avx2(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                            const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                            int64_t y_stride);
#endif

#endif
