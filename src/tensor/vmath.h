/* Elementwise math over float rows: the exponential inside a softmax, the exact (erf) GELU, and
 * SwiGLU's SiLU(gate) * up.
 * vmath.c holds the scalar references (libm's expf and erff) and the x86 and SIMD128 variants,
 * which use polynomial approximations: exp by range reduction to 2^n * exp(r), |r| <= ln2/2, with a
 * degree-6 polynomial (Cephes expf, relative error ~1.2e-7); erf by Abramowitz & Stegun 7.1.26
 * (absolute error <= 1.5e-7) over that exp. */
#ifndef AI_TENSOR_VMATH_H
#define AI_TENSOR_VMATH_H

#include <stdint.h>

#include "tensor/types.h"

/* x[i] = exp(x[i] * scale - m) with m = max_i x[i] * scale (scale > 0); returns sum_i x[i]. */
typedef float (*ai_softmax_exp_fn)(float *x, int64_t n, float scale);
/* y[i] = 0.5 x[i] (1 + erf(x[i] / sqrt 2)); y may alias x. */
typedef void (*ai_gelu_fn)(const float *x, float *y, int64_t n);
/* y[i] = g[i] / (1 + exp(-g[i])) * u[i]; y may alias g or u. */
typedef void (*ai_silu_mul_fn)(const float *g, const float *u, float *y, int64_t n);

struct ai_vmath_kernels {
  ai_softmax_exp_fn softmax_exp;
  ai_gelu_fn gelu;
  ai_silu_mul_fn silu_mul;
};

/* The kernels for isa (one this CPU runs); the references where isa has no variant. */
void ai_vmath_kernels_get(enum ai_isa isa, struct ai_vmath_kernels *out);

float ai_softmax_exp_ref(float *x, int64_t n, float scale);
void ai_gelu_ref(const float *x, float *y, int64_t n);
void ai_silu_mul_ref(const float *g, const float *u, float *y, int64_t n);
#if defined(__x86_64__)
float ai_softmax_exp_avx512(float *x, int64_t n, float scale);
void ai_gelu_avx512(const float *x, float *y, int64_t n);
void ai_silu_mul_avx512(const float *g, const float *u, float *y, int64_t n);
float ai_softmax_exp_avx2(float *x, int64_t n, float scale);
void ai_gelu_avx2(const float *x, float *y, int64_t n);
void ai_silu_mul_avx2(const float *g, const float *u, float *y, int64_t n);
#endif
#ifdef __wasm_simd128__
float ai_softmax_exp_simd128(float *x, int64_t n, float scale);
void ai_gelu_simd128(const float *x, float *y, int64_t n);
void ai_silu_mul_simd128(const float *g, const float *u, float *y, int64_t n);
#endif

#endif
