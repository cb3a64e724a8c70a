/* CPU kernel selection: one static const row per (ISA, weight type). A row's NULL entries fall
 * back to the reference row, so an ISA lists only the kernels it actually speeds up. The caller
 * picks the ISA once (ai_isa_detect) and keeps the filled struct: no per-call feature checks. */
#include "tensor/fp.h"
#include "tensor/q4_k.h"
#include "tensor/q5_k.h"
#include "tensor/q6_k.h"
#include "tensor/q8_k.h"
#include "tensor/quants.h"
#include "tensor/quants_wasm.h"
#include "tensor/types.h"

/* Reference kernels: every supported weight type has a full row. Another family (the K-quants)
 * adds its type with one line in each table below; types.c holds its traits row. */
/* clang-format off */
static const struct ai_cpu_kernels kernels_ref[AI_TYPE_COUNT] = {
  [AI_TYPE_F32]  = {ai_to_float_f32_ref,    ai_from_float_f32_ref,  ai_dot_f32_f32_ref,   ai_gemm_f32_f32_ref},
  [AI_TYPE_F16]  = {ai_to_float_f16_ref,    ai_from_float_f16_ref,  ai_dot_f16_f16_ref,   ai_gemm_f16_f16_ref},
  [AI_TYPE_BF16] = {ai_to_float_bf16_ref,   ai_from_float_bf16_ref, ai_dot_bf16_bf16_ref, ai_gemm_bf16_bf16_ref},
  [AI_TYPE_Q4_0] = {ai_dequantize_q4_0_ref, ai_quantize_q8_0_ref,   ai_dot_q4_0_q8_0_ref, ai_gemm_q4_0_q8_0_ref},
  [AI_TYPE_Q4_1] = {ai_dequantize_q4_1_ref, ai_quantize_q8_1_ref,   ai_dot_q4_1_q8_1_ref, ai_gemm_q4_1_q8_1_ref},
  [AI_TYPE_Q5_0] = {ai_dequantize_q5_0_ref, ai_quantize_q8_0_ref,   ai_dot_q5_0_q8_0_ref, ai_gemm_q5_0_q8_0_ref},
  [AI_TYPE_Q5_1] = {ai_dequantize_q5_1_ref, ai_quantize_q8_1_ref,   ai_dot_q5_1_q8_1_ref, ai_gemm_q5_1_q8_1_ref},
  [AI_TYPE_Q8_0] = {ai_dequantize_q8_0_ref, ai_quantize_q8_0_ref,   ai_dot_q8_0_q8_0_ref, ai_gemm_q8_0_q8_0_ref},
  [AI_TYPE_Q4_K] = {ai_q4_k_dequantize_ref, ai_q8_k_quantize_ref,   ai_q4_k_vec_dot_ref,  ai_q4_k_gemm_ref},
  [AI_TYPE_Q5_K] = {ai_q5_k_dequantize_ref, ai_q8_k_quantize_ref,   ai_q5_k_vec_dot_ref,  ai_q5_k_gemm_ref},
  [AI_TYPE_Q6_K] = {ai_q6_k_dequantize_ref, ai_q8_k_quantize_ref,   ai_q6_k_vec_dot_ref,  ai_q6_k_gemm_ref},
};
/* clang-format on */

#if defined(__x86_64__)
/* clang-format off */
static const struct ai_cpu_kernels kernels_avx512[AI_TYPE_COUNT] = {
  [AI_TYPE_F32]  = {NULL, NULL,                      ai_dot_f32_f32_avx512,   ai_gemm_f32_f32_avx512},
  [AI_TYPE_F16]  = {NULL, ai_from_float_f16_avx512,  ai_dot_f16_f16_avx512,   ai_gemm_f16_f16_avx512},
  [AI_TYPE_BF16] = {NULL, ai_from_float_bf16_avx512, ai_dot_bf16_bf16_avx512, ai_gemm_bf16_bf16_avx512},
  [AI_TYPE_Q4_0] = {NULL, ai_quantize_q8_0_avx512, ai_dot_q4_0_q8_0_avx512, ai_gemm_q4_0_q8_0_avx512},
  [AI_TYPE_Q8_0] = {NULL, ai_quantize_q8_0_avx512, ai_dot_q8_0_q8_0_avx512, ai_gemm_q8_0_q8_0_avx512},
  [AI_TYPE_Q4_1] = {NULL, ai_quantize_q8_1_avx512, ai_dot_q4_1_q8_1_avx512, ai_gemm_q4_1_q8_1_avx512},
  [AI_TYPE_Q5_0] = {NULL, ai_quantize_q8_0_avx512, ai_dot_q5_0_q8_0_avx512, ai_gemm_q5_0_q8_0_avx512},
  [AI_TYPE_Q5_1] = {NULL, ai_quantize_q8_1_avx512, ai_dot_q5_1_q8_1_avx512, ai_gemm_q5_1_q8_1_avx512},
  [AI_TYPE_Q4_K] = {NULL, ai_q8_k_quantize_avx512, ai_q4_k_vec_dot_avx512,  ai_q4_k_gemm_avx512},
  [AI_TYPE_Q5_K] = {NULL, ai_q8_k_quantize_avx512, ai_q5_k_vec_dot_avx512,  ai_q5_k_gemm_avx512},
  [AI_TYPE_Q6_K] = {NULL, ai_q8_k_quantize_avx512, ai_q6_k_vec_dot_avx512,  ai_q6_k_gemm_avx512},
};
/* clang-format on */

/* AVX2 keeps the reference activation quantizer (its cost is k per token, not rows x k). */
/* clang-format off */
static const struct ai_cpu_kernels kernels_avx2[AI_TYPE_COUNT] = {
  [AI_TYPE_F32]  = {NULL, NULL,                    ai_dot_f32_f32_avx2,   ai_gemm_f32_f32_avx2},
  [AI_TYPE_F16]  = {NULL, ai_from_float_f16_avx2,  ai_dot_f16_f16_avx2,   ai_gemm_f16_f16_avx2},
  [AI_TYPE_BF16] = {NULL, ai_from_float_bf16_avx2, ai_dot_bf16_bf16_avx2, ai_gemm_bf16_bf16_avx2},
  [AI_TYPE_Q4_0] = {NULL, NULL, ai_dot_q4_0_q8_0_avx2, ai_gemm_q4_0_q8_0_avx2},
  [AI_TYPE_Q4_1] = {NULL, NULL, ai_dot_q4_1_q8_1_avx2, ai_gemm_q4_1_q8_1_avx2},
  [AI_TYPE_Q5_0] = {NULL, NULL, ai_dot_q5_0_q8_0_avx2, ai_gemm_q5_0_q8_0_avx2},
  [AI_TYPE_Q5_1] = {NULL, NULL, ai_dot_q5_1_q8_1_avx2, ai_gemm_q5_1_q8_1_avx2},
  [AI_TYPE_Q8_0] = {NULL, NULL, ai_dot_q8_0_q8_0_avx2, ai_gemm_q8_0_q8_0_avx2},
  [AI_TYPE_Q4_K] = {NULL, ai_q8_k_quantize_avx2, ai_q4_k_vec_dot_avx2, ai_q4_k_gemm_avx2},
  [AI_TYPE_Q5_K] = {NULL, ai_q8_k_quantize_avx2, ai_q5_k_vec_dot_avx2, ai_q5_k_gemm_avx2},
  [AI_TYPE_Q6_K] = {NULL, ai_q8_k_quantize_avx2, ai_q6_k_vec_dot_avx2, ai_q6_k_gemm_avx2},
};
/* clang-format on */
#endif

#ifdef __wasm_simd128__
/* SIMD128 is baseline in a -msimd128 build; F16/BF16 keep the reference activation converters. */
/* clang-format off */
static const struct ai_cpu_kernels kernels_simd128[AI_TYPE_COUNT] = {
  [AI_TYPE_F32]  = {NULL, NULL,                     ai_dot_f32_f32_simd128,   ai_gemm_f32_f32_simd128},
  [AI_TYPE_F16]  = {NULL, NULL,                     ai_dot_f16_f16_simd128,   ai_gemm_f16_f16_simd128},
  [AI_TYPE_BF16] = {NULL, NULL,                     ai_dot_bf16_bf16_simd128, ai_gemm_bf16_bf16_simd128},
  [AI_TYPE_Q4_0] = {NULL, ai_quantize_q8_0_simd128, ai_dot_q4_0_q8_0_simd128, ai_gemm_q4_0_q8_0_simd128},
  [AI_TYPE_Q4_1] = {NULL, ai_quantize_q8_1_simd128, ai_dot_q4_1_q8_1_simd128, ai_gemm_q4_1_q8_1_simd128},
  [AI_TYPE_Q5_0] = {NULL, ai_quantize_q8_0_simd128, ai_dot_q5_0_q8_0_simd128, ai_gemm_q5_0_q8_0_simd128},
  [AI_TYPE_Q5_1] = {NULL, ai_quantize_q8_1_simd128, ai_dot_q5_1_q8_1_simd128, ai_gemm_q5_1_q8_1_simd128},
  [AI_TYPE_Q8_0] = {NULL, ai_quantize_q8_0_simd128, ai_dot_q8_0_q8_0_simd128, ai_gemm_q8_0_q8_0_simd128},
  [AI_TYPE_Q4_K] = {NULL, ai_q8_k_quantize_simd128, ai_q4_k_vec_dot_simd128,  ai_q4_k_gemm_simd128},
  [AI_TYPE_Q5_K] = {NULL, ai_q8_k_quantize_simd128, ai_q5_k_vec_dot_simd128,  ai_q5_k_gemm_simd128},
  [AI_TYPE_Q6_K] = {NULL, ai_q8_k_quantize_simd128, ai_q6_k_vec_dot_simd128,  ai_q6_k_gemm_simd128},
};
/* clang-format on */
#endif

static const struct ai_cpu_kernels *isa_table(enum ai_isa isa) {
  switch (isa) {
#if defined(__x86_64__)
    case AI_ISA_AVX512: return kernels_avx512;
    case AI_ISA_AVX2: return kernels_avx2;
#endif
#ifdef __wasm_simd128__
    case AI_ISA_SIMD128: return kernels_simd128;
#endif
    default: return NULL;
  }
}

bool ai_cpu_kernels_get(enum ai_type type, enum ai_isa isa, struct ai_cpu_kernels *out) {
  if ((int)type < 0 || type >= AI_TYPE_COUNT || kernels_ref[type].gemm == NULL) return false;
  const struct ai_cpu_kernels *ref = &kernels_ref[type];
  const struct ai_cpu_kernels *table = isa_table(isa);
  const struct ai_cpu_kernels *fast = table != NULL ? &table[type] : ref;
  out->to_float = fast->to_float != NULL ? fast->to_float : ref->to_float;
  out->quantize_act = fast->quantize_act != NULL ? fast->quantize_act : ref->quantize_act;
  out->vec_dot = fast->vec_dot != NULL ? fast->vec_dot : ref->vec_dot;
  out->gemm = fast->gemm != NULL ? fast->gemm : ref->gemm;
#if defined(__x86_64__)
  /* AVX512_BF16 is not part of AI_ISA_AVX512 (Ice Lake lacks it, Zen 4 and Sapphire Rapids have
   * it), so BF16 weights take vdpbf16ps only where CPUID says so: checked here, once per fill. */
  if (isa == AI_ISA_AVX512 && type == AI_TYPE_BF16 && ai_fp_cpu_has_avx512_bf16()) {
    out->vec_dot = ai_dot_bf16_bf16_avx512bf16;
    out->gemm = ai_gemm_bf16_bf16_avx512bf16;
  }
#endif
  return true;
}
