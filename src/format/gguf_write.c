/* GGUF writer: collects metadata and tensor descriptions, then writes a version-3 file in
 * llama.cpp's layout (gguf.h): each kv is encoded to its file bytes when it is set, so writing is
 * concatenation; tensor data is copied from the caller's buffer or produced by a fill callback
 * into one staging buffer sized for the largest filled tensor, then padded with zeros to the
 * alignment. The file is written under "<path>.tmp" and renamed into place on success. */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "format/gguf.h"
#include "tensor/types.h"

struct wkv {
  char *key;      /* NUL-terminated, owned */
  uint8_t *enc;   /* the whole record as stored: key string, u32 type, value; owned */
  size_t enc_len; /* bytes of enc */
};

struct wtensor {
  char name[AI_GGUF_MAX_NAME];
  int32_t type;
  uint32_t n_dims;
  int64_t ne[AI_GGUF_MAX_DIMS]; /* unused dims are 1 */
  uint64_t bytes;               /* unpadded data size */
  const void *data;             /* borrowed, or NULL when fill produces the bytes */
  ai_gguf_fill_fn fill;
  void *fill_user_data;
};

struct ai_gguf_writer {
  struct ai_alloc alloc;
  struct wkv *kv;
  size_t n_kv, cap_kv;
  struct wtensor *tensors;
  size_t n_tensors, cap_tensors;
  uint64_t alignment;  /* from general.alignment, else AI_GGUF_DEFAULT_ALIGNMENT */
  struct ai_error err; /* detail of the last failed set/add */
};

anyinfer_status ai_gguf_writer_create(const struct ai_alloc *alloc, struct ai_gguf_writer **out,
                                      struct ai_error *err) {
  struct ai_alloc al = alloc ? *alloc : ai_alloc_default();
  *out = ai_calloc(&al, 1, sizeof **out);
  if (!*out) return ai_error_set(err, ANYINFER_E_NOMEM, "gguf: cannot allocate a writer");
  (*out)->alloc = al;
  (*out)->alignment = AI_GGUF_DEFAULT_ALIGNMENT;
  ai_error_clear(&(*out)->err);
  return ANYINFER_OK;
}

void ai_gguf_writer_free(struct ai_gguf_writer *w) {
  if (!w) return;
  for (size_t i = 0; i < w->n_kv; i++) {
    ai_free(&w->alloc, w->kv[i].key);
    ai_free(&w->alloc, w->kv[i].enc);
  }
  ai_free(&w->alloc, w->kv);
  ai_free(&w->alloc, w->tensors);
  struct ai_alloc al = w->alloc;
  ai_free(&al, w);
}

const char *ai_gguf_writer_last_error(const struct ai_gguf_writer *w) {
  return w->err.msg;
}

/* ---- encoding values to their file bytes ---------------------------------------------------- */

/* Bytes v takes in the file after its u32 type tag (arrays: elem type + count + elements);
 * false on overflow, an unknown type or nesting deeper than the reader accepts. */
static bool value_size(const struct ai_gguf_value *v, int depth, size_t *out) {
  if (v->type == AI_GGUF_STRING) return ai_add_size(8, (size_t)v->v.str.len, out);
  if (v->type != AI_GGUF_ARRAY) {
    *out = ai_gguf_vtype_size(v->type);
    return *out != 0;
  }
  if (depth >= AI_GGUF_MAX_ARRAY_DEPTH || v->v.arr.count > SIZE_MAX) return false;
  size_t n = (size_t)v->v.arr.count, total = 12, each;
  enum ai_gguf_vtype t = v->v.arr.elem_type;
  if (t == AI_GGUF_STRING) {
    const struct ai_gguf_str *s = v->v.arr.elems;
    for (size_t i = 0; i < n; i++)
      if (!ai_add_size(total, 8, &total) || !ai_add_size(total, (size_t)s[i].len, &total))
        return false;
    return (*out = total), true;
  }
  if (t == AI_GGUF_ARRAY) {
    const struct ai_gguf_value *e = v->v.arr.elems;
    for (size_t i = 0; i < n; i++) {
      if (e[i].type != AI_GGUF_ARRAY || !value_size(&e[i], depth + 1, &each) ||
          !ai_add_size(total, each, &total))
        return false;
    }
    return (*out = total), true;
  }
  each = ai_gguf_vtype_size(t);
  return each != 0 && ai_mul_size(n, each, &each) && ai_add_size(total, each, out);
}

static uint8_t *put_le(uint8_t *p, uint64_t v, int n) {
  for (int i = 0; i < n; i++) p[i] = (uint8_t)(v >> (8 * i));
  return p + n;
}

static uint8_t *put_str(uint8_t *p, const char *s, uint64_t len) {
  p = put_le(p, len, 8);
  if (len) memcpy(p, s, (size_t)len);
  return p + len;
}

/* Writes v after its type tag; value_size(v) said how many bytes. */
static uint8_t *put_value(uint8_t *p, const struct ai_gguf_value *v) {
  switch (v->type) {
    case AI_GGUF_UINT8:
    case AI_GGUF_UINT16:
    case AI_GGUF_UINT32:
    case AI_GGUF_UINT64:
      return put_le(p, v->v.u64, (int)ai_gguf_vtype_size(v->type));
    case AI_GGUF_INT8:
    case AI_GGUF_INT16:
    case AI_GGUF_INT32:
    case AI_GGUF_INT64:
      return put_le(p, (uint64_t)v->v.i64, (int)ai_gguf_vtype_size(v->type));
    case AI_GGUF_FLOAT32: {
      float f = (float)v->v.f64;
      uint32_t u;
      memcpy(&u, &f, 4);
      return put_le(p, u, 4);
    }
    case AI_GGUF_FLOAT64: {
      uint64_t u;
      memcpy(&u, &v->v.f64, 8);
      return put_le(p, u, 8);
    }
    case AI_GGUF_BOOL:
      return put_le(p, v->v.b ? 1 : 0, 1);
    case AI_GGUF_STRING:
      return put_str(p, v->v.str.data, v->v.str.len);
    case AI_GGUF_ARRAY:
      break;
  }
  enum ai_gguf_vtype t = v->v.arr.elem_type;
  size_t n = (size_t)v->v.arr.count;
  p = put_le(p, (uint32_t)t, 4);
  p = put_le(p, n, 8);
  if (t == AI_GGUF_STRING) {
    const struct ai_gguf_str *s = v->v.arr.elems;
    for (size_t i = 0; i < n; i++) p = put_str(p, s[i].data, s[i].len);
  } else if (t == AI_GGUF_ARRAY) {
    const struct ai_gguf_value *e = v->v.arr.elems;
    for (size_t i = 0; i < n; i++) p = put_value(p, &e[i]);
  } else if (n) { /* stored natively; the host is little-endian like the file */
    memcpy(p, v->v.arr.elems, n * ai_gguf_vtype_size(t));
    p += n * ai_gguf_vtype_size(t);
  }
  return p;
}

static anyinfer_status check_alignment(struct ai_gguf_writer *w, const struct ai_gguf_value *v) {
  if (v->type != AI_GGUF_UINT32)
    return ai_error_set(&w->err, ANYINFER_E_INVAL,
                        "gguf: general.alignment has type %s, must be u32",
                        ai_gguf_vtype_name(v->type));
  uint64_t a = v->v.u64;
  if (a == 0 || (a & (a - 1)) != 0 || a > AI_GGUF_MAX_ALIGNMENT)
    return ai_error_set(&w->err, ANYINFER_E_INVAL,
                        "gguf: general.alignment %llu is not a power of two in [1, %u]",
                        (unsigned long long)a, AI_GGUF_MAX_ALIGNMENT);
  return ANYINFER_OK;
}

anyinfer_status ai_gguf_set_value(struct ai_gguf_writer *w, const char *key,
                                  const struct ai_gguf_value *v) {
  bool is_alignment = strcmp(key, "general.alignment") == 0;
  if (is_alignment && check_alignment(w, v) != ANYINFER_OK) return w->err.status;
  size_t key_len = strlen(key), body, total;
  if (!value_size(v, 0, &body))
    return ai_error_set(&w->err, ANYINFER_E_INVAL,
                        "gguf: key '%s': value of type %s is malformed or nested deeper than %d",
                        key, ai_gguf_vtype_name(v->type), AI_GGUF_MAX_ARRAY_DEPTH);
  if (!ai_add_size(key_len, 12, &total) || !ai_add_size(total, body, &total))
    return ai_error_set(&w->err, ANYINFER_E_NOMEM, "gguf: key '%s': value too large", key);
  size_t i = 0;
  while (i < w->n_kv && strcmp(w->kv[i].key, key) != 0) i++;
  if (i == w->n_kv && w->n_kv == w->cap_kv) {
    size_t cap = w->cap_kv ? 2 * w->cap_kv : 16, bytes;
    struct wkv *kv =
        ai_mul_size(cap, sizeof *kv, &bytes) ? ai_realloc(&w->alloc, w->kv, bytes) : NULL;
    if (!kv) return ai_error_set(&w->err, ANYINFER_E_NOMEM, "gguf: cannot grow the kv list");
    w->kv = kv;
    w->cap_kv = cap;
  }
  uint8_t *enc = ai_malloc(&w->alloc, total);
  char *key_copy = i == w->n_kv ? ai_strndup(&w->alloc, key, key_len) : NULL;
  if (!enc || (i == w->n_kv && !key_copy)) {
    ai_free(&w->alloc, enc);
    ai_free(&w->alloc, key_copy);
    return ai_error_set(&w->err, ANYINFER_E_NOMEM, "gguf: key '%s': cannot allocate %zu bytes", key,
                        total);
  }
  uint8_t *p = put_str(enc, key, key_len);
  p = put_le(p, (uint32_t)v->type, 4);
  p = put_value(p, v);
  assert(p == enc + total);
  if (i == w->n_kv) {
    w->kv[i].key = key_copy;
    w->n_kv++;
  } else {
    ai_free(&w->alloc, w->kv[i].enc);
  }
  w->kv[i].enc = enc;
  w->kv[i].enc_len = total;
  if (is_alignment) w->alignment = v->v.u64;
  return ANYINFER_OK;
}

anyinfer_status ai_gguf_set_u32(struct ai_gguf_writer *w, const char *key, uint32_t v) {
  struct ai_gguf_value val = {.type = AI_GGUF_UINT32, .v.u64 = v};
  return ai_gguf_set_value(w, key, &val);
}

anyinfer_status ai_gguf_set_i32(struct ai_gguf_writer *w, const char *key, int32_t v) {
  struct ai_gguf_value val = {.type = AI_GGUF_INT32, .v.i64 = v};
  return ai_gguf_set_value(w, key, &val);
}

anyinfer_status ai_gguf_set_u64(struct ai_gguf_writer *w, const char *key, uint64_t v) {
  struct ai_gguf_value val = {.type = AI_GGUF_UINT64, .v.u64 = v};
  return ai_gguf_set_value(w, key, &val);
}

anyinfer_status ai_gguf_set_f32(struct ai_gguf_writer *w, const char *key, float v) {
  struct ai_gguf_value val = {.type = AI_GGUF_FLOAT32, .v.f64 = v};
  return ai_gguf_set_value(w, key, &val);
}

anyinfer_status ai_gguf_set_bool(struct ai_gguf_writer *w, const char *key, bool v) {
  struct ai_gguf_value val = {.type = AI_GGUF_BOOL, .v.b = v};
  return ai_gguf_set_value(w, key, &val);
}

anyinfer_status ai_gguf_set_str(struct ai_gguf_writer *w, const char *key, const char *v) {
  struct ai_gguf_value val = {.type = AI_GGUF_STRING, .v.str = {v, strlen(v)}};
  return ai_gguf_set_value(w, key, &val);
}

anyinfer_status ai_gguf_set_arr(struct ai_gguf_writer *w, const char *key,
                                enum ai_gguf_vtype elem_type, const void *elems, uint64_t count) {
  struct ai_gguf_value val = {.type = AI_GGUF_ARRAY};
  val.v.arr.elem_type = elem_type;
  val.v.arr.count = count;
  val.v.arr.elems = elems;
  if (elem_type == AI_GGUF_ARRAY || (elem_type != AI_GGUF_STRING && !ai_gguf_vtype_size(elem_type)))
    return ai_error_set(&w->err, ANYINFER_E_INVAL,
                        "gguf: key '%s': set_arr takes scalars or strings, not %s (use set_value)",
                        key, ai_gguf_vtype_name(elem_type));
  if (elem_type != AI_GGUF_STRING || count == 0) return ai_gguf_set_value(w, key, &val);
  /* C strings: a temporary ai_gguf_str view of them */
  size_t bytes;
  struct ai_gguf_str *s = count <= SIZE_MAX && ai_mul_size((size_t)count, sizeof *s, &bytes)
                              ? ai_malloc(&w->alloc, bytes)
                              : NULL;
  if (!s)
    return ai_error_set(&w->err, ANYINFER_E_NOMEM, "gguf: key '%s': %llu strings", key,
                        (unsigned long long)count);
  const char *const *strs = elems;
  for (size_t i = 0; i < count; i++) s[i] = (struct ai_gguf_str){strs[i], strlen(strs[i])};
  val.v.arr.elems = s;
  anyinfer_status st = ai_gguf_set_value(w, key, &val);
  ai_free(&w->alloc, s);
  return st;
}

/* ---- tensors ----------------------------------------------------------------------------------
 */

anyinfer_status ai_gguf_add_tensor(struct ai_gguf_writer *w, const char *name, int32_t type,
                                   uint32_t n_dims, const int64_t *ne, const void *data,
                                   ai_gguf_fill_fn fill, void *fill_user_data) {
  struct ai_error *err = &w->err;
  size_t len = strlen(name);
  if (len >= AI_GGUF_MAX_NAME)
    return ai_error_set(err, ANYINFER_E_INVAL,
                        "gguf: tensor '%.64s...': name length %zu, at most %d", name, len,
                        AI_GGUF_MAX_NAME - 1);
  for (size_t i = 0; i < w->n_tensors; i++)
    if (strcmp(w->tensors[i].name, name) == 0)
      return ai_error_set(err, ANYINFER_E_INVAL, "gguf: tensor '%s' added twice", name);
  if (n_dims < 1 || n_dims > AI_GGUF_MAX_DIMS)
    return ai_error_set(err, ANYINFER_E_INVAL, "gguf: tensor '%s': n_dims %u, must be 1..%d", name,
                        n_dims, AI_GGUF_MAX_DIMS);
  if ((data == NULL) == (fill == NULL))
    return ai_error_set(err, ANYINFER_E_INVAL,
                        "gguf: tensor '%s': give exactly one of data and fill", name);
  const struct ai_type_traits *tr = ai_type_traits_get(type);
  if (!tr)
    return ai_error_set(err, ANYINFER_E_INVAL, "gguf: tensor '%s': type %d not supported", name,
                        type);
  struct wtensor t = {
      .type = type, .n_dims = n_dims, .data = data, .fill = fill, .fill_user_data = fill_user_data};
  memcpy(t.name, name, len + 1);
  int64_t n_elems = 1;
  for (uint32_t d = 0; d < AI_GGUF_MAX_DIMS; d++) {
    t.ne[d] = d < n_dims ? ne[d] : 1;
    if (t.ne[d] < 0 || __builtin_mul_overflow(n_elems, t.ne[d], &n_elems))
      return ai_error_set(err, ANYINFER_E_INVAL,
                          "gguf: tensor '%s': ne[%u] = %lld is negative or overflows", name, d,
                          (long long)t.ne[d]);
  }
  if (t.ne[0] % tr->block_size != 0)
    return ai_error_set(err, ANYINFER_E_INVAL,
                        "gguf: tensor '%s': ne[0] = %lld is not a multiple of %s block size %lld",
                        name, (long long)t.ne[0], tr->name, (long long)tr->block_size);
  if (__builtin_mul_overflow((uint64_t)(n_elems / tr->block_size), (uint64_t)tr->block_bytes,
                             &t.bytes) ||
      t.bytes > SIZE_MAX)
    return ai_error_set(err, ANYINFER_E_INVAL, "gguf: tensor '%s': size overflows", name);
  if (w->n_tensors == w->cap_tensors) {
    size_t cap = w->cap_tensors ? 2 * w->cap_tensors : 16, bytes;
    struct wtensor *ts =
        ai_mul_size(cap, sizeof *ts, &bytes) ? ai_realloc(&w->alloc, w->tensors, bytes) : NULL;
    if (!ts) return ai_error_set(err, ANYINFER_E_NOMEM, "gguf: cannot grow the tensor list");
    w->tensors = ts;
    w->cap_tensors = cap;
  }
  w->tensors[w->n_tensors++] = t;
  return ANYINFER_OK;
}

/* ---- writing the file ------------------------------------------------------------------------ */

struct out {
  FILE *f;
  const char *path; /* the temporary name, for messages */
  uint64_t written, total;
  anyinfer_progress_fn progress;
  void *progress_user_data;
  struct ai_error *err;
};

static anyinfer_status out_write(struct out *o, const void *p, size_t n) {
  if (n && fwrite(p, 1, n, o->f) != n)
    return ai_error_set(o->err, ANYINFER_E_IO, "gguf: writing %s: %s", o->path, strerror(errno));
  o->written += n;
  return ANYINFER_OK;
}

static anyinfer_status out_zeros(struct out *o, uint64_t n) {
  static const uint8_t zeros[64];
  anyinfer_status st = ANYINFER_OK;
  while (n > 0 && st == ANYINFER_OK) {
    size_t k = n < sizeof zeros ? (size_t)n : sizeof zeros;
    st = out_write(o, zeros, k);
    n -= k;
  }
  return st;
}

static anyinfer_status out_progress(struct out *o) {
  if (o->progress && !o->progress(o->total ? (float)((double)o->written / (double)o->total) : 1.0f,
                                  o->progress_user_data))
    return ai_error_set(o->err, ANYINFER_E_CANCELLED, "gguf: writing %s cancelled by the caller",
                        o->path);
  return ANYINFER_OK;
}

static uint64_t pad_bytes(uint64_t x, uint64_t alignment) {
  return (alignment - x % alignment) % alignment;
}

/* Header, metadata, tensor infos and the padding before the data section. */
static anyinfer_status write_header(struct ai_gguf_writer *w, struct out *o) {
  uint8_t b[8 + AI_GGUF_MAX_NAME + 8], *p = b; /* the longest piece: a tensor name */
  memcpy(p, "GGUF", 4);
  p = put_le(p + 4, 3, 4);
  p = put_le(p, w->n_tensors, 8);
  p = put_le(p, w->n_kv, 8);
  anyinfer_status st = out_write(o, b, (size_t)(p - b));
  for (size_t i = 0; i < w->n_kv && st == ANYINFER_OK; i++)
    st = out_write(o, w->kv[i].enc, w->kv[i].enc_len);
  uint64_t offset = 0;
  for (size_t i = 0; i < w->n_tensors && st == ANYINFER_OK; i++) {
    const struct wtensor *t = &w->tensors[i];
    p = put_str(b, t->name, strlen(t->name));
    st = out_write(o, b, (size_t)(p - b));
    p = put_le(b, t->n_dims, 4);
    for (uint32_t d = 0; d < t->n_dims; d++) p = put_le(p, (uint64_t)t->ne[d], 8);
    p = put_le(p, (uint32_t)t->type, 4);
    p = put_le(p, offset, 8);
    if (st == ANYINFER_OK) st = out_write(o, b, (size_t)(p - b));
    offset += t->bytes + pad_bytes(t->bytes, w->alignment);
  }
  if (st == ANYINFER_OK) st = out_zeros(o, pad_bytes(o->written, w->alignment));
  return st;
}

/* Total bytes of the file, so progress can report a fraction; false on overflow. */
static bool file_size(const struct ai_gguf_writer *w, uint64_t *out) {
  uint64_t n = 24;
  for (size_t i = 0; i < w->n_kv; i++) n += w->kv[i].enc_len;
  for (size_t i = 0; i < w->n_tensors; i++)
    n += 8 + strlen(w->tensors[i].name) + 4 + 8 * w->tensors[i].n_dims + 4 + 8;
  n += pad_bytes(n, w->alignment);
  for (size_t i = 0; i < w->n_tensors; i++) {
    uint64_t b = w->tensors[i].bytes;
    if (__builtin_add_overflow(b, pad_bytes(b, w->alignment), &b) ||
        __builtin_add_overflow(n, b, &n))
      return false;
  }
  *out = n;
  return true;
}

static anyinfer_status write_data(struct ai_gguf_writer *w, struct out *o, uint8_t *staging) {
  anyinfer_status st = out_progress(o);
  for (size_t i = 0; i < w->n_tensors && st == ANYINFER_OK; i++) {
    const struct wtensor *t = &w->tensors[i];
    const void *src = t->data;
    if (!src) {
      st = t->fill(t->fill_user_data, staging, (size_t)t->bytes, o->err);
      src = staging;
    }
    if (st == ANYINFER_OK) st = out_write(o, src, (size_t)t->bytes);
    if (st == ANYINFER_OK) st = out_zeros(o, pad_bytes(t->bytes, w->alignment));
    if (st == ANYINFER_OK) st = out_progress(o);
  }
  return st;
}

anyinfer_status ai_gguf_write_file(struct ai_gguf_writer *w, const char *path,
                                   anyinfer_progress_fn progress, void *progress_user_data,
                                   struct ai_error *err) {
  struct out o = {.progress = progress, .progress_user_data = progress_user_data, .err = err};
  if (!file_size(w, &o.total))
    return ai_error_set(err, ANYINFER_E_INVAL, "gguf: %s: file size overflows", path);
  uint64_t staging_bytes = 0;
  for (size_t i = 0; i < w->n_tensors; i++)
    if (!w->tensors[i].data && w->tensors[i].bytes > staging_bytes)
      staging_bytes = w->tensors[i].bytes;
  if (staging_bytes > SIZE_MAX)
    return ai_error_set(err, ANYINFER_E_NOMEM, "gguf: tensor of %llu bytes does not fit memory",
                        (unsigned long long)staging_bytes);
  size_t path_len = strlen(path);
  char *tmp = ai_malloc(&w->alloc, path_len + 5);
  uint8_t *staging = staging_bytes ? ai_malloc(&w->alloc, (size_t)staging_bytes) : NULL;
  anyinfer_status st = ANYINFER_OK;
  if (!tmp || (staging_bytes && !staging)) {
    st = ai_error_set(err, ANYINFER_E_NOMEM, "gguf: %s: cannot allocate %llu bytes of staging",
                      path, (unsigned long long)staging_bytes);
    goto fail;
  }
  memcpy(tmp, path, path_len);
  memcpy(tmp + path_len, ".tmp", 5);
  o.path = tmp;
  o.f = fopen(tmp, "wb");
  if (!o.f) {
    st = ai_error_set(err, ANYINFER_E_IO, "gguf: cannot create %s: %s", tmp, strerror(errno));
    goto fail;
  }
  st = write_header(w, &o);
  if (st == ANYINFER_OK) st = write_data(w, &o, staging);
  int closed = fclose(o.f);
  if (st == ANYINFER_OK && closed != 0)
    st = ai_error_set(err, ANYINFER_E_IO, "gguf: closing %s: %s", tmp, strerror(errno));
  if (st == ANYINFER_OK && rename(tmp, path) != 0)
    st =
        ai_error_set(err, ANYINFER_E_IO, "gguf: renaming %s to %s: %s", tmp, path, strerror(errno));
  if (st != ANYINFER_OK) remove(tmp);
fail:
  ai_free(&w->alloc, staging);
  ai_free(&w->alloc, tmp);
  return st;
}
