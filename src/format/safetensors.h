/* safetensors reading: the header of one file, validated; tensor bytes stay where they are.
 *
 * Byte layout (https://github.com/huggingface/safetensors, "Format"):
 *   u64 little-endian N | N bytes of UTF-8 JSON header | data
 * header = {"<name>": {"dtype": "F32", "shape": [d0, d1, ...], "data_offsets": [begin, end]},
 *           ..., "__metadata__": {"<key>": "<string>", ...}}   (__metadata__ optional)
 * Offsets are relative to the start of the data (8 + N). shape is outermost dimension first
 * (row-major, as PyTorch), the reverse of GGUF's ne[].
 *
 * Rules (docs/formats.md, "safetensors"): 2 <= N < 100,000,000 (the reference implementation's
 * MAX_HEADER_SIZE) and 8 + N <= file size; the JSON is one object, strict (no trailing commas,
 * no comments, no NaN), nested at most 4 deep; names unique and non-empty; dtype one of the
 * known names; shape at most AI_ST_MAX_DIMS non-negative integers; 0 <= begin <= end <= data size;
 * end - begin == product(shape) x dtype size; no two tensors' byte ranges overlap. Errors name
 * the field and the values ("safetensors: tensor 'w': data_offsets [0, 10] hold 10 bytes,
 * shape [2, 3] of F32 needs 24").
 */
#ifndef AI_FORMAT_SAFETENSORS_H
#define AI_FORMAT_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "base/alloc.h"
#include "base/error.h"
#include "base/file.h"

#define AI_ST_MAX_HEADER 100000000u /* safetensors MAX_HEADER_SIZE */
#define AI_ST_MAX_DIMS   8

/* The dtypes the format names (safetensors Dtype). */
enum ai_st_dtype {
  AI_ST_BOOL,
  AI_ST_U8,
  AI_ST_I8,
  AI_ST_F8_E5M2,
  AI_ST_F8_E4M3,
  AI_ST_I16,
  AI_ST_U16,
  AI_ST_F16,
  AI_ST_BF16,
  AI_ST_I32,
  AI_ST_U32,
  AI_ST_F32,
  AI_ST_F64,
  AI_ST_I64,
  AI_ST_U64,
  AI_ST_DTYPE_COUNT
};

struct ai_st_tensor {
  char *name; /* NUL-terminated, owned by the ai_safetensors */
  enum ai_st_dtype dtype;
  uint32_t n_dims;               /* 0 (a scalar) .. AI_ST_MAX_DIMS */
  int64_t shape[AI_ST_MAX_DIMS]; /* outermost first, as the file stores it */
  int64_t n_elements;            /* product of shape (1 for a scalar) */
  uint64_t begin, end;           /* byte range relative to data_offset */
};

struct ai_st_meta {
  char *key, *value; /* NUL-terminated, owned by the ai_safetensors */
};

struct ai_safetensors {
  struct ai_alloc alloc;
  uint64_t header_bytes; /* N */
  uint64_t data_offset;  /* 8 + N: absolute offset of the data */
  uint64_t data_bytes;   /* file size - data_offset */
  size_t n_tensors;
  struct ai_st_tensor *tensors; /* file order */
  size_t n_meta;
  struct ai_st_meta *meta; /* __metadata__ entries, file order */
};

/* Parses and validates the header of r (the rules above). alloc NULL: the C library. On success
 * *out is owned by the caller (ai_safetensors_free); on failure *out is NULL and nothing stays
 * allocated. ANYINFER_E_FORMAT (message names the field and the value), ANYINFER_E_NOMEM, or the
 * reader's status. */
anyinfer_status ai_safetensors_read(const struct ai_reader *r, const struct ai_alloc *alloc,
                                    struct ai_safetensors **out, struct ai_error *err);
/* NULL is allowed. */
void ai_safetensors_free(struct ai_safetensors *st);

/* Tensor by name, or NULL. */
const struct ai_st_tensor *ai_safetensors_find(const struct ai_safetensors *st, const char *name);
/* Value of a __metadata__ key, or NULL. */
const char *ai_safetensors_meta(const struct ai_safetensors *st, const char *key);

/* "F32" for AI_ST_F32; "?" for a value out of range. */
const char *ai_st_dtype_name(enum ai_st_dtype d);
/* Bytes per element (1 for BOOL and the F8 types); 0 for a value out of range. */
size_t ai_st_dtype_size(enum ai_st_dtype d);

#endif
