/* Q5_K weights (llama.cpp block_q5_K, QK_K = 256, 176 bytes per block): reference
 * quantize, dequantize and dot with Q8_K in q5_k.c; AVX2/AVX-512 in kquant_x86.c; SIMD128 in
 * kquant_wasm.c. Fast variants read the file's blocks in place (no repacking). */
#ifndef AI_TENSOR_Q5_K_H
#define AI_TENSOR_Q5_K_H

#include <stddef.h>
#include <stdint.h>

#include "tensor/types.h"

/* f32 -> Q5_K, n a multiple of 256 (llama.cpp quantize_row_q5_K_ref, same bytes). */
void ai_q5_k_quantize_ref(const float *x, void *y, int64_t n);
/* Q5_K -> f32 (llama.cpp dequantize_row_q5_K). */
void ai_q5_k_dequantize_ref(const void *x, float *y, int64_t n);
/* *s = dot(x (Q5_K), y (Q8_K)) over n elements; integer sums per block, double across blocks. */
void ai_q5_k_vec_dot_ref(int64_t n, float *s, const void *x, const void *y);
/* ai_gemm_fn (tensor/types.h) over ai_q5_k_vec_dot_ref. */
void ai_q5_k_gemm_ref(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                      const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                      int64_t y_stride);

#if defined(__x86_64__) || defined(__i386__)
void ai_q5_k_vec_dot_avx2(int64_t n, float *s, const void *x, const void *y);
void ai_q5_k_gemm_avx2(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                       const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                       int64_t y_stride);
/* AVX-512 F/BW/VL + VNNI (AI_ISA_AVX512 as ai_isa_detect defines it). */
void ai_q5_k_vec_dot_avx512(int64_t n, float *s, const void *x, const void *y);
void ai_q5_k_gemm_avx512(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                         const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                         int64_t y_stride);
#endif
#ifdef __wasm_simd128__
void ai_q5_k_vec_dot_simd128(int64_t n, float *s, const void *x, const void *y);
void ai_q5_k_gemm_simd128(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                          const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                          int64_t y_stride);
#endif

#endif
