/* The traits table: one row per supported type (block size, bytes per block, reference kernels),
 * indexed by type id, plus lookups by id and by name. CPU kernel selection per ISA is kernels.c. */
#include <stdint.h>
#include <string.h>

#include "base/alloc.h"
#include "tensor/kquant_common.h"
#include "tensor/q4_k.h"
#include "tensor/q5_k.h"
#include "tensor/q6_k.h"
#include "tensor/q8_k.h"
#include "tensor/quants.h"
#include "tensor/types.h"

/* One row per type. Another family adds its type with one line here (and one in kernels.c); the
 * K-quant rows (Q4_K, Q5_K, Q6_K, Q8_K) belong to q4_k.c ... q8_k.c and their header. */
/* clang-format off */
static const struct ai_type_traits traits[AI_TYPE_COUNT] = {
  [AI_TYPE_F32]  = {"F32",  1,     4,  false, AI_TYPE_F32,  ai_to_float_f32_ref,    ai_from_float_f32_ref,  ai_dot_f32_f32_ref},
  [AI_TYPE_F16]  = {"F16",  1,     2,  false, AI_TYPE_F16,  ai_to_float_f16_ref,    ai_from_float_f16_ref,  ai_dot_f16_f16_ref},
  [AI_TYPE_BF16] = {"BF16", 1,     2,  false, AI_TYPE_BF16, ai_to_float_bf16_ref,   ai_from_float_bf16_ref, ai_dot_bf16_bf16_ref},
  [AI_TYPE_Q4_0] = {"Q4_0", AI_QK, 18, true,  AI_TYPE_Q8_0, ai_dequantize_q4_0_ref, ai_quantize_q4_0_ref,   ai_dot_q4_0_q8_0_ref},
  [AI_TYPE_Q4_1] = {"Q4_1", AI_QK, 20, true,  AI_TYPE_Q8_1, ai_dequantize_q4_1_ref, ai_quantize_q4_1_ref,   ai_dot_q4_1_q8_1_ref},
  [AI_TYPE_Q5_0] = {"Q5_0", AI_QK, 22, true,  AI_TYPE_Q8_0, ai_dequantize_q5_0_ref, ai_quantize_q5_0_ref,   ai_dot_q5_0_q8_0_ref},
  [AI_TYPE_Q5_1] = {"Q5_1", AI_QK, 24, true,  AI_TYPE_Q8_1, ai_dequantize_q5_1_ref, ai_quantize_q5_1_ref,   ai_dot_q5_1_q8_1_ref},
  [AI_TYPE_Q8_0] = {"Q8_0", AI_QK, 34, true,  AI_TYPE_Q8_0, ai_dequantize_q8_0_ref, ai_quantize_q8_0_ref,   ai_dot_q8_0_q8_0_ref},
  /* Q8_1 is an activation type only: no dot of its own. */
  [AI_TYPE_Q8_1] = {"Q8_1", AI_QK, 36, true,  AI_TYPE_Q8_1, ai_dequantize_q8_1_ref, ai_quantize_q8_1_ref,   NULL},
  [AI_TYPE_Q4_K] = {"Q4_K", AI_QK_K, 144, true, AI_TYPE_Q8_K, ai_q4_k_dequantize_ref, ai_q4_k_quantize_ref,   ai_q4_k_vec_dot_ref},
  [AI_TYPE_Q5_K] = {"Q5_K", AI_QK_K, 176, true, AI_TYPE_Q8_K, ai_q5_k_dequantize_ref, ai_q5_k_quantize_ref,   ai_q5_k_vec_dot_ref},
  [AI_TYPE_Q6_K] = {"Q6_K", AI_QK_K, 210, true, AI_TYPE_Q8_K, ai_q6_k_dequantize_ref, ai_q6_k_quantize_ref,   ai_q6_k_vec_dot_ref},
  /* Q8_K is an activation type only (K-quant weights are dotted with it). */
  [AI_TYPE_Q8_K] = {"Q8_K", AI_QK_K, 292, true, AI_TYPE_Q8_K, ai_q8_k_dequantize_ref, ai_q8_k_quantize_ref,   NULL},
};
/* clang-format on */

const struct ai_type_traits *ai_type_traits_get(int type) {
  if (type < 0 || type >= AI_TYPE_COUNT || traits[type].name == NULL) return NULL;
  return &traits[type];
}

int ai_type_from_name(const char *name) {
  if (name == NULL) return -1;
  for (int t = 0; t < AI_TYPE_COUNT; t++) {
    if (traits[t].name != NULL && strcmp(traits[t].name, name) == 0) return t;
  }
  return -1;
}

size_t ai_type_row_bytes(enum ai_type type, int64_t n) {
  const struct ai_type_traits *tr = ai_type_traits_get((int)type);
  if (tr == NULL || n < 0 || n % tr->block_size != 0) return 0;
  const int64_t n_blocks = n / tr->block_size;
  size_t bytes;
  if ((uint64_t)n_blocks > SIZE_MAX || !ai_mul_size((size_t)n_blocks, tr->block_bytes, &bytes)) {
    return 0;
  }
  return bytes;
}
