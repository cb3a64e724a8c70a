/* SIMD variants of the float weight kernels (F32, F16, BF16): x86 ones in fp_x86.c (function-level
 * target attributes, picked by kernels.c), SIMD128 ones in fp_wasm.c. The reference kernels they
 * are tested against are in fp.c and declared in quants.h. Every gemm here follows the ai_gemm_fn
 * contract of types.h; activations are in the weight's own type (F32, F16, BF16), and every
 * activation converter writes the same bytes as ai_from_float_f16_ref / ai_from_float_bf16_ref
 * (NaN payloads aside: F16C keeps the top payload bits, the reference writes one quiet NaN). */
#ifndef AI_TENSOR_FP_H
#define AI_TENSOR_FP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tensor/types.h"

#if defined(__x86_64__)
/* True when the CPU has AVX512_BF16 (CPUID.(EAX=7,ECX=1):EAX bit 5, Intel SDM vol. 2A table 3-8).
 * Meaningful only where ai_isa_detect() returned AI_ISA_AVX512 (that check covers the OS saving
 * the zmm state); it does not change what AI_ISA_AVX512 means. */
bool ai_fp_cpu_has_avx512_bf16(void);

/* _avx512: AVX-512 F/BW/VL + F16C + FMA (the AI_ISA_AVX512 level); _avx512bf16: additionally
 * AVX512_BF16 (vdpbf16ps); _avx2: AVX2 + FMA + F16C. */
void ai_dot_f32_f32_avx512(int64_t n, float *s, const void *x, const void *y);
void ai_gemm_f32_f32_avx512(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                            const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                            int64_t y_stride);
void ai_from_float_f16_avx512(const float *x, void *y, int64_t n);
void ai_dot_f16_f16_avx512(int64_t n, float *s, const void *x, const void *y);
void ai_gemm_f16_f16_avx512(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                            const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                            int64_t y_stride);
void ai_from_float_bf16_avx512(const float *x, void *y, int64_t n);
void ai_dot_bf16_bf16_avx512(int64_t n, float *s, const void *x, const void *y);
void ai_gemm_bf16_bf16_avx512(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                              const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                              int64_t y_stride);
void ai_dot_bf16_bf16_avx512bf16(int64_t n, float *s, const void *x, const void *y);
void ai_gemm_bf16_bf16_avx512bf16(int64_t k, const void *w, size_t w_row_bytes, int64_t r0,
                                  int64_t r1, const void *xq, size_t xq_row_bytes, int64_t n_tok,
                                  float *y, int64_t y_stride);

void ai_dot_f32_f32_avx2(int64_t n, float *s, const void *x, const void *y);
void ai_gemm_f32_f32_avx2(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                          const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                          int64_t y_stride);
void ai_from_float_f16_avx2(const float *x, void *y, int64_t n);
void ai_dot_f16_f16_avx2(int64_t n, float *s, const void *x, const void *y);
void ai_gemm_f16_f16_avx2(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                          const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                          int64_t y_stride);
void ai_from_float_bf16_avx2(const float *x, void *y, int64_t n);
void ai_dot_bf16_bf16_avx2(int64_t n, float *s, const void *x, const void *y);
void ai_gemm_bf16_bf16_avx2(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                            const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                            int64_t y_stride);
#endif

#ifdef __wasm_simd128__
void ai_dot_f32_f32_simd128(int64_t n, float *s, const void *x, const void *y);
void ai_gemm_f32_f32_simd128(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                             const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                             int64_t y_stride);
void ai_dot_f16_f16_simd128(int64_t n, float *s, const void *x, const void *y);
void ai_gemm_f16_f16_simd128(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                             const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                             int64_t y_stride);
void ai_dot_bf16_bf16_simd128(int64_t n, float *s, const void *x, const void *y);
void ai_gemm_bf16_bf16_simd128(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                               const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                               int64_t y_stride);
#endif

#endif
