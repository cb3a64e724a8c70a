/* WebAssembly SIMD128 variants of the 32-element block types' kernels (qlegacy_wasm.c, driver in
 * qgemm_wasm.h). SIMD128 is baseline where it is built (-msimd128), so kernels.c lists these in
 * its kernels_simd128 table without run-time checks. The quantizers write the same bytes as
 * ai_quantize_q8_0_ref / ai_quantize_q8_1_ref; gemm follows the ai_gemm_fn contract (types.h). */
#ifndef AI_TENSOR_QUANTS_WASM_H
#define AI_TENSOR_QUANTS_WASM_H

#include <stddef.h>
#include <stdint.h>

#include "tensor/quants.h"

#ifdef __wasm_simd128__
void ai_quantize_q8_0_simd128(const float *x, void *y, int64_t n);
void ai_quantize_q8_1_simd128(const float *x, void *y, int64_t n);
void ai_dot_q4_0_q8_0_simd128(int64_t n, float *s, const void *x, const void *y);
void ai_gemm_q4_0_q8_0_simd128(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                               const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                               int64_t y_stride);
void ai_dot_q4_1_q8_1_simd128(int64_t n, float *s, const void *x, const void *y);
void ai_gemm_q4_1_q8_1_simd128(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                               const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                               int64_t y_stride);
void ai_dot_q5_0_q8_0_simd128(int64_t n, float *s, const void *x, const void *y);
void ai_gemm_q5_0_q8_0_simd128(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                               const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                               int64_t y_stride);
void ai_dot_q5_1_q8_1_simd128(int64_t n, float *s, const void *x, const void *y);
void ai_gemm_q5_1_q8_1_simd128(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                               const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                               int64_t y_stride);
void ai_dot_q8_0_q8_0_simd128(int64_t n, float *s, const void *x, const void *y);
void ai_gemm_q8_0_q8_0_simd128(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                               const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                               int64_t y_stride);
#endif

#endif
