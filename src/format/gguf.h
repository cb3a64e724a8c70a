/* GGUF (versions 2 and 3) reading and writing, llama.cpp's layout rules.
 *
 * Byte layout (little-endian):
 *   u32 magic "GGUF" | u32 version | u64 n_tensors | u64 n_kv
 *   n_kv × { string key | u32 value_type | value }
 *   n_tensors × { string name | u32 n_dims | u64 ne[n_dims] | u32 type | u64 offset }
 *   padding to general.alignment (default 32) | tensor data
 * string = u64 length + bytes (no NUL); array value = u32 elem_type + u64 count + elems.
 * Tensor offsets are relative to the start of the data section, each a multiple of the
 * alignment, in file order, each tensor's bytes padded to the alignment (as llama.cpp writes).
 *
 * Every count, length and offset is checked against the bytes that remain before it is used;
 * errors name the field ("gguf: kv 12 'tokenizer.ggml.tokens': array count 9e18 exceeds file").
 */
#ifndef AI_FORMAT_GGUF_H
#define AI_FORMAT_GGUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/alloc.h"
#include "base/error.h"
#include "base/file.h"

#define AI_GGUF_DEFAULT_ALIGNMENT 32
#define AI_GGUF_MAX_DIMS          4
#define AI_GGUF_MAX_ALIGNMENT     (1u << 20) /* llama.cpp gguf.cpp GGUF_MAX_ALIGNMENT */
#define AI_GGUF_MAX_NAME          64         /* tensor names are shorter (ggml.h GGML_MAX_NAME) */
#define AI_GGUF_MAX_ARRAY_DEPTH   8 /* arrays nested deeper are refused (bounds recursion) */

/* gguf_type values (GGUF spec). */
enum ai_gguf_vtype {
  AI_GGUF_UINT8 = 0,
  AI_GGUF_INT8 = 1,
  AI_GGUF_UINT16 = 2,
  AI_GGUF_INT16 = 3,
  AI_GGUF_UINT32 = 4,
  AI_GGUF_INT32 = 5,
  AI_GGUF_FLOAT32 = 6,
  AI_GGUF_BOOL = 7,
  AI_GGUF_STRING = 8,
  AI_GGUF_ARRAY = 9,
  AI_GGUF_UINT64 = 10,
  AI_GGUF_INT64 = 11,
  AI_GGUF_FLOAT64 = 12,
};

struct ai_gguf_str {
  const char *data; /* NUL-terminated copy owned by the ai_gguf; may contain inner NULs */
  uint64_t len;     /* bytes, excluding the NUL */
};

/* One value. Scalars are widened into the union; arrays keep their element type and point at
 * elements stored natively (u8..f64 as C arrays, bool as uint8_t, strings as ai_gguf_str).
 * Nested arrays are arrays whose elements are struct ai_gguf_value (at most
 * AI_GGUF_MAX_ARRAY_DEPTH levels). An empty array has elems NULL. */
struct ai_gguf_value {
  enum ai_gguf_vtype type;
  union {
    uint64_t u64; /* UINT8/16/32/64 */
    int64_t i64;  /* INT8/16/32/64 */
    double f64;   /* FLOAT32/64 */
    bool b;       /* BOOL */
    struct ai_gguf_str str;
    struct {
      enum ai_gguf_vtype elem_type;
      uint64_t count;
      const void *elems;
    } arr;
  } v;
};

struct ai_gguf_kv {
  struct ai_gguf_str key;
  struct ai_gguf_value value;
};

struct ai_gguf_tensor {
  struct ai_gguf_str name;
  uint32_t n_dims;              /* 1..4 */
  int64_t ne[AI_GGUF_MAX_DIMS]; /* elements per dimension, innermost first; unused dims are 1 */
  int32_t type;                 /* ggml type id (enum ai_type) */
  uint64_t offset;              /* bytes from the start of the data section */
  uint64_t bytes;               /* size of the data */
};

struct ai_gguf {
  struct ai_alloc alloc;
  uint32_t version; /* 2 or 3 */
  uint64_t n_kv;
  struct ai_gguf_kv *kv; /* n_kv, file order */
  uint64_t n_tensors;
  struct ai_gguf_tensor *tensors; /* n_tensors, file order */
  uint64_t alignment;             /* general.alignment or 32; a power of two */
  uint64_t data_offset;           /* absolute file offset of the data section */
  uint64_t file_size;
  /* private: storage owned by this struct (arena blocks) */
  void *storage;
};

/* Parses the header, metadata and tensor infos of r, and checks every tensor lies inside the
 * file (the rules: docs/formats.md, "GGUF"). Tensor data is not read. alloc NULL: the C library;
 * every allocation, including the returned struct, goes through it. On success *out is owned by the
 * caller (ai_gguf_free); on failure *out is NULL and nothing stays allocated. ANYINFER_E_FORMAT:
 * bad magic/version, truncated or inconsistent bytes (message names the field);
 * ANYINFER_E_UNSUPPORTED: a tensor type we have no traits for; ANYINFER_E_NOMEM. */
anyinfer_status ai_gguf_read(const struct ai_reader *r, const struct ai_alloc *alloc,
                             struct ai_gguf **out, struct ai_error *err);
void ai_gguf_free(struct ai_gguf *g);

/* Index of key, or -1. */
int64_t ai_gguf_find_key(const struct ai_gguf *g, const char *key);
/* Tensor by name, or NULL. */
const struct ai_gguf_tensor *ai_gguf_find_tensor(const struct ai_gguf *g, const char *name);

/* Typed getters. ANYINFER_E_NOT_FOUND if the key is absent (*out untouched, so a caller may
 * preset a default); ANYINFER_E_FORMAT if present with another type or a value out of range
 * (integers convert between widths and signedness when the value fits). */
anyinfer_status ai_gguf_get_u32(const struct ai_gguf *g, const char *key, uint32_t *out,
                                struct ai_error *err);
anyinfer_status ai_gguf_get_i32(const struct ai_gguf *g, const char *key, int32_t *out,
                                struct ai_error *err);
anyinfer_status ai_gguf_get_u64(const struct ai_gguf *g, const char *key, uint64_t *out,
                                struct ai_error *err);
anyinfer_status ai_gguf_get_f32(const struct ai_gguf *g, const char *key, float *out,
                                struct ai_error *err);
anyinfer_status ai_gguf_get_bool(const struct ai_gguf *g, const char *key, bool *out,
                                 struct ai_error *err);
anyinfer_status ai_gguf_get_str(const struct ai_gguf *g, const char *key, struct ai_gguf_str *out,
                                struct ai_error *err);
/* An array value; elem_type must match want_elem_type (or pass -1 to accept any). */
anyinfer_status ai_gguf_get_arr(const struct ai_gguf *g, const char *key, int want_elem_type,
                                const struct ai_gguf_value **out, struct ai_error *err);

/* Size in bytes of one element of a scalar array type (0 for STRING/ARRAY). */
size_t ai_gguf_vtype_size(enum ai_gguf_vtype t);
const char *ai_gguf_vtype_name(enum ai_gguf_vtype t);

/* ---- writing ------------------------------------------------------------------------------ */

struct ai_gguf_writer;

/* Produces a tensor's bytes while the file is written, so huge synthetic or quantized tensors
 * never sit in memory whole: writes exactly `bytes` bytes into dst. */
typedef anyinfer_status (*ai_gguf_fill_fn)(void *user_data, void *dst, size_t bytes,
                                           struct ai_error *err);

anyinfer_status ai_gguf_writer_create(const struct ai_alloc *alloc, struct ai_gguf_writer **out,
                                      struct ai_error *err);
void ai_gguf_writer_free(struct ai_gguf_writer *w);
/* Message of the last failed set/add call on w ("" if none); valid until the next call on w.
 * Setters and add_tensor return ANYINFER_E_INVAL (bad name, shape or type) or ANYINFER_E_NOMEM. */
const char *ai_gguf_writer_last_error(const struct ai_gguf_writer *w);

/* Setters copy key and value. Setting a key twice replaces the value in place (order kept). */
anyinfer_status ai_gguf_set_u32(struct ai_gguf_writer *w, const char *key, uint32_t v);
anyinfer_status ai_gguf_set_i32(struct ai_gguf_writer *w, const char *key, int32_t v);
anyinfer_status ai_gguf_set_u64(struct ai_gguf_writer *w, const char *key, uint64_t v);
anyinfer_status ai_gguf_set_f32(struct ai_gguf_writer *w, const char *key, float v);
anyinfer_status ai_gguf_set_bool(struct ai_gguf_writer *w, const char *key, bool v);
anyinfer_status ai_gguf_set_str(struct ai_gguf_writer *w, const char *key, const char *v);
/* Array of scalars (elems: count values of elem_type, C layout) or of strings
 * (elem_type STRING, elems: const char *const[count]). */
anyinfer_status ai_gguf_set_arr(struct ai_gguf_writer *w, const char *key,
                                enum ai_gguf_vtype elem_type, const void *elems, uint64_t count);
/* Copies any value (incl. nested arrays) from a parsed file: what quantize uses to keep metadata.
 */
anyinfer_status ai_gguf_set_value(struct ai_gguf_writer *w, const char *key,
                                  const struct ai_gguf_value *v);

/* Adds a tensor whose bytes come from data (borrowed until write returns) or, when data is NULL,
 * from fill(fill_user_data, ...). bytes must equal the type's row size × rows. fill is called
 * once per ai_gguf_write_file, in tensor order, with a staging buffer the writer allocates
 * once at the size of the largest filled tensor. */
anyinfer_status ai_gguf_add_tensor(struct ai_gguf_writer *w, const char *name, int32_t type,
                                   uint32_t n_dims, const int64_t *ne, const void *data,
                                   ai_gguf_fill_fn fill, void *fill_user_data);

/* Writes a version-3 file to path (through "<path>.tmp", renamed on success; on failure the
 * temporary file is removed, so a failed write never leaves a half file). progress may be NULL;
 * it gets the fraction of the file's bytes written after the header and after each tensor.
 * ANYINFER_E_IO (create/write/rename; message names the path), ANYINFER_E_CANCELLED (progress
 * returned false), ANYINFER_E_NOMEM, or the status of a failed fill callback. */
anyinfer_status ai_gguf_write_file(struct ai_gguf_writer *w, const char *path,
                                   anyinfer_progress_fn progress, void *progress_user_data,
                                   struct ai_error *err);

#endif
