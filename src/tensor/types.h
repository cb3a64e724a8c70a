/* Tensor element types: ids (the ggml_type values GGUF stores), one traits row per type, and the
 * CPU kernels picked once per ISA. Block layouts are llama.cpp's, bit for bit; each type's file
 * (q4_0.c, q4_k.c, ...) documents its layout. */
#ifndef AI_TENSOR_TYPES_H
#define AI_TENSOR_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Values are ggml_type ids as stored in GGUF tensor infos (ggml.h enum ggml_type). */
enum ai_type {
  AI_TYPE_F32 = 0,
  AI_TYPE_F16 = 1,
  AI_TYPE_Q4_0 = 2,
  AI_TYPE_Q4_1 = 3,
  AI_TYPE_Q5_0 = 6,
  AI_TYPE_Q5_1 = 7,
  AI_TYPE_Q8_0 = 8,
  AI_TYPE_Q8_1 = 9,
  AI_TYPE_Q2_K = 10,
  AI_TYPE_Q3_K = 11,
  AI_TYPE_Q4_K = 12,
  AI_TYPE_Q5_K = 13,
  AI_TYPE_Q6_K = 14,
  AI_TYPE_Q8_K = 15,
  AI_TYPE_BF16 = 30,
  AI_TYPE_COUNT = 40 /* bound for tables indexed by type; not a type */
};

/* Reference (scalar) kernels: the ground truth every fast variant is tested against.
 * n is a multiple of block_size. x/y are rows of blocks. */
typedef void (*ai_to_float_fn)(const void *x, float *y, int64_t n);
typedef void (*ai_from_float_fn)(const float *x, void *y, int64_t n);
/* *s = dot(x, y) over n elements; x of the weight type, y of its vec_dot_type. */
typedef void (*ai_vec_dot_fn)(int64_t n, float *s, const void *x, const void *y);

struct ai_type_traits {
  const char *name;   /* "Q4_0", as llama.cpp spells it */
  int64_t block_size; /* elements per block */
  size_t block_bytes; /* bytes per block */
  bool is_quantized;
  enum ai_type vec_dot_type;   /* activations are converted to this type for vec_dot */
  ai_to_float_fn to_float;     /* reference dequantize; NULL if unsupported */
  ai_from_float_fn from_float; /* reference quantize; NULL if unsupported */
  ai_vec_dot_fn vec_dot;       /* reference dot with vec_dot_type; NULL if unsupported */
};

/* Traits of a supported type, or NULL (unknown id, or a type we do not implement). */
const struct ai_type_traits *ai_type_traits_get(int type);
/* Type by its name ("Q4_K"), or -1. */
int ai_type_from_name(const char *name);
/* Bytes of a row of n elements; 0 if n is not a multiple of the block size or overflows. */
size_t ai_type_row_bytes(enum ai_type type, int64_t n);

/* Instruction sets with kernel variants. x86 ones are chosen at run time (function-level target
 * attributes); NEON and SIMD128 are baseline where they are built. */
enum ai_isa {
  AI_ISA_REF = 0,
  AI_ISA_AVX2,   /* AVX2 + FMA + F16C */
  AI_ISA_AVX512, /* AVX-512 F, BW, VL and VNNI (plus AVX2, FMA, F16C) */
  AI_ISA_NEON,
  AI_ISA_SIMD128
};

/* Best ISA this CPU and build support. */
enum ai_isa ai_isa_detect(void);
const char *ai_isa_name(enum ai_isa isa);

/* y[t * y_stride + r] = dot(row r of w, row t of xq) for r in [r0, r1), t in [0, n_tok).
 * w holds rows of k elements of the weight type, w_row_bytes apart; xq holds n_tok rows of k
 * elements of the vec_dot_type, xq_row_bytes apart. Never allocates; called per thread with a
 * disjoint row range. */
typedef void (*ai_gemm_fn)(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                           const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                           int64_t y_stride);

/* The CPU kernels for one weight type on one ISA; every pointer is non-NULL for a supported type
 * (the reference fills in where an ISA has no variant). */
struct ai_cpu_kernels {
  ai_to_float_fn to_float;       /* dequantize weight rows */
  ai_from_float_fn quantize_act; /* f32 activations -> vec_dot_type */
  ai_vec_dot_fn vec_dot;
  ai_gemm_fn gemm;
};

/* Fills *out for weight type on isa; false if the type is unsupported. isa must be one this CPU
 * runs (ai_isa_detect() or lower); an ISA with no variant for the type, or not built for this
 * target, gives the reference kernels. quantize_act converts f32 activations to the type's
 * vec_dot_type: Q8_0 for Q4_0/Q5_0/Q8_0, Q8_1 for Q4_1/Q5_1 (as llama.cpp), and the weight's own
 * type for F32/F16/BF16. The fast quantize_act writes the same bytes as the reference. */
bool ai_cpu_kernels_get(enum ai_type type, enum ai_isa isa, struct ai_cpu_kernels *out);

#endif
