/* Q8_K: the 8-bit activation type that K-quant weights are multiplied with (llama.cpp
 * block_q8_K). Reference quantize/dequantize here; SIMD quantizers in q8_k_x86.c and kquant_wasm.c,
 * each byte-identical to the reference. */
#ifndef AI_TENSOR_Q8_K_H
#define AI_TENSOR_Q8_K_H

#include <stdint.h>

#include "tensor/types.h"

/* f32 -> Q8_K, n a multiple of 256 (llama.cpp quantize_row_q8_K_ref, bsums filled; an all-zero
 * block gets d = 0 and zero quants and sums). */
void ai_q8_k_quantize_ref(const float *x, void *y, int64_t n);
/* Q8_K -> f32 (llama.cpp dequantize_row_q8_K). */
void ai_q8_k_dequantize_ref(const void *x, float *y, int64_t n);

#if defined(__x86_64__) || defined(__i386__)
void ai_q8_k_quantize_avx2(const float *x, void *y, int64_t n);
void ai_q8_k_quantize_avx512(const float *x, void *y, int64_t n);
#endif
#ifdef __wasm_simd128__
void ai_q8_k_quantize_simd128(const float *x, void *y, int64_t n);
#endif

#endif
