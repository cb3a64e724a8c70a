/* Weight-type plans shared by the quantizer (quantize.c) and the synthesizer (synth.c): the file
 * types a user can ask for, llama.cpp's per-tensor type choice for them, and the row converter
 * that turns f32 rows into any type on every core. */
#ifndef AI_ENGINE_QUANTIZE_H
#define AI_ENGINE_QUANTIZE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "base/threadpool.h"
#include "tensor/types.h"

/* One target a user can name ("Q4_K_M"). */
struct ai_ftype {
  const char *name;     /* as anyinfer_file_params.type spells it */
  enum ai_type base;    /* type of most 2-D weights */
  uint32_t llama_ftype; /* general.file_type: llama.cpp's enum llama_ftype value */
  bool is_mix;          /* Q4_K_M / Q5_K_M: llama.cpp's mix rules apply */
};

/* The target type named name, ASCII case-insensitively ("q4_k_m" is Q4_K_M); NULL if none. */
const struct ai_ftype *ai_ftype_find(const char *name);
/* NULL-terminated list of all names, for messages. */
const char *ai_ftype_names_joined(void);

/* The type a tensor gets under ft, llama.cpp's llama_tensor_get_type (src/llama-quant.cpp):
 * 1-D tensors stay F32; for every quantized target but Q8_0, output.weight (or token_embd.weight
 * when the model has no output.weight, i.e. tied embeddings) gets Q6_K; for a mix, attn_v /
 * ffn_down of the layers picked by use_more_bits get Q6_K too. A row length ne[0] the type's block
 * does not divide falls back as llama.cpp's tensor_type_fallback does: Q4_K -> Q5_0, Q5_K -> Q5_1,
 * Q6_K -> Q8_0, and F16 when even that does not divide (where llama.cpp would refuse a legacy type,
 * we use F16 too). n_layer is the model's block count; the layer comes from the "blk.N." name
 * prefix. */
enum ai_type ai_ftype_tensor_type(const struct ai_ftype *ft, const char *name, uint32_t n_dims,
                                  const int64_t *ne, int32_t n_layer, bool has_output);

/* llama.cpp's use_more_bits(i_layer, n_layers) (src/llama-quant.cpp). */
bool ai_ftype_use_more_bits(int32_t i_layer, int32_t n_layers);

/* Threads to convert rows with. 1 for now: ai_threadpool_run can hang when it runs before a
 * new worker has read the task generation (base/threadpool.c worker_main loads `seen` at thread
 * start), so the converters stay on the caller's thread until that is fixed. */
int ai_convert_threads(void);

/* Produces row `row` of a source tensor as ne0 floats into out. Called from several threads at
 * once with distinct rows; must not fail. */
typedef void (*ai_row_source_fn)(void *ctx, int64_t row, float *out);

/* Converts n_rows rows of ne0 elements from src into dst_type rows at dst (row_bytes apart),
 * with the reference quantizer (ai_type_traits_get(dst_type)->from_float), split over the pool's
 * threads. scratch holds ne0 floats per pool thread. pool may be NULL (caller's thread only).
 * ANYINFER_E_UNSUPPORTED if the type has no quantizer (message names the tensor). */
anyinfer_status ai_convert_rows(struct ai_threadpool *pool, const char *tensor_name,
                                enum ai_type dst_type, int64_t ne0, int64_t n_rows, void *dst,
                                ai_row_source_fn src, void *src_ctx, float *scratch,
                                struct ai_error *err);

#endif
