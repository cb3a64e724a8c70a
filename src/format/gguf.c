/* GGUF reader: parses the header, metadata and tensor infos (layout in gguf.h, the rules we
 * enforce in docs/formats.md) into one struct ai_gguf whose strings and arrays live in arena
 * blocks it owns; tensor data is never read. Bytes come straight from memory when the reader has
 * them, else through a 64 KiB window of positioned reads. Numeric arrays are copied as stored, so
 * the host must be little-endian (x86, ARM, wasm32). Getters: gguf_get.c; writer: gguf_write.c. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "format/gguf.h"
#include "tensor/types.h"

#define WINDOW_BYTES (64u * 1024u)        /* one positioned read fills this much */
#define BLOCK_FIRST  (4u * 1024u)         /* first arena block; each next one doubles ... */
#define BLOCK_MAX    (4u * 1024u * 1024u) /* ... up to this */
#define MIN_KV_BYTES 13 /* u64 key length + u32 type + the smallest value (1 byte) */
#define MIN_TENSOR_BYTES                                                  \
  32 /* u64 name length + u32 n_dims + one u64 ne + u32 type + u64 offset \
      */

/* ---- arena: blocks chained from the newest; big requests get a block of their own ------------ */

struct block {
  struct block *next;
  size_t cap, used; /* bytes of data[] */
  union {
    uint64_t u;
    double d;
    void *p;
  } data[]; /* 8-byte aligned storage */
};

struct arena {
  const struct ai_alloc *alloc;
  struct block *head; /* small requests are carved from head */
  size_t next_cap;    /* size of the next shared block */
};

/* *out = n * each as a size_t; false if it does not fit (a 32-bit host reading a big file). */
static bool size_of(uint64_t n, size_t each, size_t *out) {
  return n <= SIZE_MAX && ai_mul_size((size_t)n, each, out);
}

static void *arena_alloc(struct arena *a, size_t n) {
  if (n == 0) n = 1;
  if (n > SIZE_MAX - 7 - sizeof(struct block)) return NULL;
  n = (n + 7) & ~(size_t)7;
  if (a->head && a->head->cap - a->head->used >= n) {
    void *p = (char *)a->head->data + a->head->used;
    a->head->used += n;
    return p;
  }
  bool is_own = n > a->next_cap / 4;
  size_t cap = is_own ? n : a->next_cap;
  struct block *b = ai_malloc(a->alloc, sizeof(struct block) + cap);
  if (!b) return NULL;
  b->cap = cap;
  b->used = n;
  if (is_own && a->head) { /* keep head's free space for the small requests that follow */
    b->next = a->head->next;
    a->head->next = b;
  } else {
    b->next = a->head;
    a->head = b;
    if (!is_own && a->next_cap < BLOCK_MAX) a->next_cap *= 2;
  }
  return b->data;
}

static void blocks_free(const struct ai_alloc *alloc, struct block *b) {
  while (b) {
    struct block *next = b->next;
    ai_free(alloc, b);
    b = next;
  }
}

/* ---- the parsed file: public struct first, then the private lookup tables ------------------- */

struct gguf_impl {
  struct ai_gguf pub;
  uint64_t *kv_slots;          /* open-addressing table of index + 1 (0: empty), kv_cap entries */
  uint64_t *tensor_slots;      /* same for tensor names */
  uint64_t kv_cap, tensor_cap; /* powers of two, 0 when there is nothing to index */
};

static uint64_t hash_bytes(const char *s, uint64_t n) { /* FNV-1a */
  uint64_t h = 0xcbf29ce484222325ull;
  for (uint64_t i = 0; i < n; i++) h = (h ^ (uint8_t)s[i]) * 0x100000001b3ull;
  return h;
}

static bool str_eq(const struct ai_gguf_str *s, const char *t, uint64_t n) {
  return s->len == n && memcmp(s->data, t, (size_t)n) == 0;
}

/* Index of the entry named (t, n) in slots, or -1; names[i] is entry i's name, stride apart. */
static int64_t slots_find(const uint64_t *slots, uint64_t cap, const void *entries, size_t stride,
                          const char *t, uint64_t n) {
  if (cap == 0) return -1;
  for (uint64_t i = hash_bytes(t, n) & (cap - 1);; i = (i + 1) & (cap - 1)) {
    if (slots[i] == 0) return -1;
    const struct ai_gguf_str *name =
        (const struct ai_gguf_str *)((const char *)entries + (slots[i] - 1) * stride);
    if (str_eq(name, t, n)) return (int64_t)(slots[i] - 1);
  }
}

/* Adds entry idx (named s) to slots; false if the name is already there. */
static bool slots_add(uint64_t *slots, uint64_t cap, const void *entries, size_t stride,
                      const struct ai_gguf_str *s, uint64_t idx) {
  if (slots_find(slots, cap, entries, stride, s->data, s->len) >= 0) return false;
  uint64_t i = hash_bytes(s->data, s->len) & (cap - 1);
  while (slots[i] != 0) i = (i + 1) & (cap - 1);
  slots[i] = idx + 1;
  return true;
}

/* A zeroed table for n names (load under one half), or NULL when n is 0. */
static uint64_t *slots_create(struct arena *a, uint64_t n, uint64_t *cap) {
  *cap = 0;
  if (n == 0) return NULL;
  uint64_t c = 8;
  while (c < 2 * n) c *= 2; /* n <= file bytes / 13, so 2n cannot overflow */
  size_t bytes;
  if (!size_of(c, sizeof(uint64_t), &bytes)) return NULL;
  uint64_t *s = arena_alloc(a, bytes);
  if (s) {
    memset(s, 0, bytes);
    *cap = c;
  }
  return s;
}

/* ---- cursor: sequential reads with bounds checks and error context -------------------------- */

struct cursor {
  const struct ai_reader *r;
  uint64_t pos, size;
  const uint8_t *mem; /* r->data, or NULL: read through window */
  uint8_t *window;    /* WINDOW_BYTES, holds [window_pos, window_pos + window_len) */
  uint64_t window_pos;
  size_t window_len;
  struct ai_error *err;
  char where[160]; /* the item being read: "kv 3 'general.name'" */
  int64_t elem;    /* array element being read, or -1 */
};

static anyinfer_status fail(struct cursor *c, anyinfer_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static anyinfer_status fail(struct cursor *c, anyinfer_status st, const char *fmt, ...) {
  char what[AI_ERROR_CAP];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  if (c->elem >= 0)
    return ai_error_set(c->err, st, "gguf: %s element %lld: %s", c->where, (long long)c->elem,
                        what);
  return ai_error_set(c->err, st, "gguf: %s: %s", c->where, what);
}

static anyinfer_status nomem(struct cursor *c, uint64_t bytes) {
  return fail(c, ANYINFER_E_NOMEM, "cannot allocate %llu bytes", (unsigned long long)bytes);
}

static uint64_t remaining(const struct cursor *c) {
  return c->size - c->pos;
}

/* Copies n bytes at the cursor into dst; `field` names them in the error. */
static anyinfer_status read_bytes(struct cursor *c, void *dst, uint64_t n, const char *field) {
  if (n > remaining(c))
    return fail(c, ANYINFER_E_FORMAT, "%s: needs %llu bytes at offset %llu, file has %llu", field,
                (unsigned long long)n, (unsigned long long)c->pos, (unsigned long long)c->size);
  uint8_t *out = dst;
  if (c->mem) {
    if (n) memcpy(out, c->mem + c->pos, (size_t)n);
    c->pos += n;
    return ANYINFER_OK;
  }
  while (n > 0) {
    if (c->pos >= c->window_pos && c->pos < c->window_pos + c->window_len) {
      size_t at = (size_t)(c->pos - c->window_pos);
      size_t take = c->window_len - at < n ? c->window_len - at : (size_t)n;
      memcpy(out, c->window + at, take);
      out += take;
      c->pos += take;
      n -= take;
      continue;
    }
    anyinfer_status st;
    if (n >= WINDOW_BYTES) { /* a big string or array: straight into its destination */
      st = ai_reader_read(c->r, c->pos, out, (size_t)n, c->err);
      if (st != ANYINFER_OK) return st;
      c->pos += n;
      return ANYINFER_OK;
    }
    uint64_t left = remaining(c);
    size_t len = left < WINDOW_BYTES ? (size_t)left : WINDOW_BYTES;
    st = ai_reader_read(c->r, c->pos, c->window, len, c->err);
    if (st != ANYINFER_OK) return st;
    c->window_pos = c->pos;
    c->window_len = len;
  }
  return ANYINFER_OK;
}

static uint64_t le(const uint8_t *b, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--) v = (v << 8) | b[i];
  return v;
}

static anyinfer_status read_u32(struct cursor *c, uint32_t *v, const char *field) {
  uint8_t b[4];
  anyinfer_status st = read_bytes(c, b, 4, field);
  *v = (uint32_t)le(b, 4);
  return st;
}

static anyinfer_status read_u64(struct cursor *c, uint64_t *v, const char *field) {
  uint8_t b[8];
  anyinfer_status st = read_bytes(c, b, 8, field);
  *v = le(b, 8);
  return st;
}

/* A u64-length-prefixed string of at most max_len bytes copied into the arena, NUL after it. */
static anyinfer_status read_str(struct cursor *c, struct arena *a, struct ai_gguf_str *s,
                                const char *field, uint64_t max_len) {
  uint64_t len;
  anyinfer_status st = read_u64(c, &len, field);
  if (st != ANYINFER_OK) return st;
  if (len > max_len)
    return fail(c, ANYINFER_E_FORMAT, "%s: length %llu, at most %llu", field,
                (unsigned long long)len, (unsigned long long)max_len);
  if (len > remaining(c))
    return fail(c, ANYINFER_E_FORMAT, "%s: string length %llu exceeds the %llu bytes left", field,
                (unsigned long long)len, (unsigned long long)remaining(c));
  size_t cap;
  char *d = size_of(len, 1, &cap) && ai_add_size(cap, 1, &cap) ? arena_alloc(a, cap) : NULL;
  if (!d) return nomem(c, len + 1);
  st = read_bytes(c, d, len, field);
  d[len] = '\0';
  s->data = d;
  s->len = len;
  return st;
}

/* ---- values ---------------------------------------------------------------------------------- */

size_t ai_gguf_vtype_size(enum ai_gguf_vtype t) {
  switch (t) {
    case AI_GGUF_UINT8:
    case AI_GGUF_INT8:
    case AI_GGUF_BOOL:
      return 1;
    case AI_GGUF_UINT16:
    case AI_GGUF_INT16:
      return 2;
    case AI_GGUF_UINT32:
    case AI_GGUF_INT32:
    case AI_GGUF_FLOAT32:
      return 4;
    case AI_GGUF_UINT64:
    case AI_GGUF_INT64:
    case AI_GGUF_FLOAT64:
      return 8;
    case AI_GGUF_STRING:
    case AI_GGUF_ARRAY:
      return 0;
  }
  return 0;
}

const char *ai_gguf_vtype_name(enum ai_gguf_vtype t) {
  static const char *const names[] = {"u8",   "i8",     "u16",   "i16", "u32", "i32", "f32",
                                      "bool", "string", "array", "u64", "i64", "f64"};
  return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "unknown";
}

static bool vtype_is_valid(uint32_t t) {
  return t <= AI_GGUF_FLOAT64;
}

/* Decodes a scalar of type t from its little-endian bytes b into v. */
static void scalar_decode(enum ai_gguf_vtype t, const uint8_t *b, struct ai_gguf_value *v) {
  v->type = t;
  switch (t) {
    case AI_GGUF_UINT8:
    case AI_GGUF_UINT16:
    case AI_GGUF_UINT32:
    case AI_GGUF_UINT64:
      v->v.u64 = le(b, (int)ai_gguf_vtype_size(t));
      break;
    case AI_GGUF_INT8:
      v->v.i64 = (int8_t)b[0];
      break;
    case AI_GGUF_INT16:
      v->v.i64 = (int16_t)(uint16_t)le(b, 2);
      break;
    case AI_GGUF_INT32:
      v->v.i64 = (int32_t)(uint32_t)le(b, 4);
      break;
    case AI_GGUF_INT64:
      v->v.i64 = (int64_t)le(b, 8);
      break;
    case AI_GGUF_FLOAT32: {
      uint32_t u = (uint32_t)le(b, 4);
      float f;
      memcpy(&f, &u, 4);
      v->v.f64 = f;
      break;
    }
    case AI_GGUF_FLOAT64: {
      uint64_t u = le(b, 8);
      memcpy(&v->v.f64, &u, 8);
      break;
    }
    case AI_GGUF_BOOL:
      v->v.b = b[0] != 0;
      break; /* llama.cpp: any nonzero byte is true */
    case AI_GGUF_STRING:
    case AI_GGUF_ARRAY:
      break;
  }
}

static anyinfer_status read_array(struct cursor *c, struct arena *a, uint32_t elem_type,
                                  uint64_t count, int depth, struct ai_gguf_value *out);

/* A value of type t (already read) at the cursor. */
static anyinfer_status read_value(struct cursor *c, struct arena *a, uint32_t t, int depth,
                                  struct ai_gguf_value *out) {
  if (!vtype_is_valid(t))
    return fail(c, ANYINFER_E_FORMAT, "value type %u unknown, must be 0..12", t);
  if (t == AI_GGUF_STRING) {
    out->type = AI_GGUF_STRING;
    return read_str(c, a, &out->v.str, "string value", UINT64_MAX);
  }
  if (t == AI_GGUF_ARRAY) {
    uint32_t elem_type;
    uint64_t count;
    anyinfer_status st = read_u32(c, &elem_type, "array element type");
    if (st == ANYINFER_OK) st = read_u64(c, &count, "array count");
    if (st != ANYINFER_OK) return st;
    return read_array(c, a, elem_type, count, depth + 1, out);
  }
  uint8_t b[8];
  anyinfer_status st = read_bytes(c, b, ai_gguf_vtype_size(t), "value");
  if (st == ANYINFER_OK) scalar_decode(t, b, out);
  return st;
}

static anyinfer_status read_array(struct cursor *c, struct arena *a, uint32_t elem_type,
                                  uint64_t count, int depth, struct ai_gguf_value *out) {
  if (!vtype_is_valid(elem_type))
    return fail(c, ANYINFER_E_FORMAT, "array element type %u unknown, must be 0..12", elem_type);
  if (depth > AI_GGUF_MAX_ARRAY_DEPTH)
    return fail(c, ANYINFER_E_FORMAT, "arrays nested %d deep, at most %d", depth,
                AI_GGUF_MAX_ARRAY_DEPTH);
  size_t stored, min_bytes; /* per element: bytes in memory, least bytes in the file */
  if (elem_type == AI_GGUF_STRING) {
    stored = sizeof(struct ai_gguf_str);
    min_bytes = 8;
  } else if (elem_type == AI_GGUF_ARRAY) {
    stored = sizeof(struct ai_gguf_value);
    min_bytes = 12;
  } else {
    stored = min_bytes = ai_gguf_vtype_size(elem_type);
  }
  if (count > remaining(c) / min_bytes)
    return fail(c, ANYINFER_E_FORMAT, "array count %llu of %s exceeds the %llu bytes left",
                (unsigned long long)count, ai_gguf_vtype_name(elem_type),
                (unsigned long long)remaining(c));
  out->type = AI_GGUF_ARRAY;
  out->v.arr.elem_type = elem_type;
  out->v.arr.count = count;
  out->v.arr.elems = NULL;
  if (count == 0) return ANYINFER_OK;
  size_t bytes;
  void *elems = size_of(count, stored, &bytes) ? arena_alloc(a, bytes) : NULL;
  if (!elems) return nomem(c, count * stored); /* count <= file bytes: no wrap in u64 */
  out->v.arr.elems = elems;
  anyinfer_status st = ANYINFER_OK;
  int64_t outer = c->elem;
  if (elem_type == AI_GGUF_STRING) {
    struct ai_gguf_str *s = elems;
    for (uint64_t i = 0; i < count && st == ANYINFER_OK; i++) {
      c->elem = (int64_t)i;
      st = read_str(c, a, &s[i], "string", UINT64_MAX);
    }
  } else if (elem_type == AI_GGUF_ARRAY) {
    struct ai_gguf_value *v = elems;
    for (uint64_t i = 0; i < count && st == ANYINFER_OK; i++) {
      c->elem = (int64_t)i;
      uint32_t t;
      uint64_t n;
      st = read_u32(c, &t, "nested array element type");
      if (st == ANYINFER_OK) st = read_u64(c, &n, "nested array count");
      if (st == ANYINFER_OK) st = read_array(c, a, t, n, depth + 1, &v[i]);
    }
  } else {
    st = read_bytes(c, elems, bytes, "array elements");
    if (st == ANYINFER_OK && elem_type == AI_GGUF_BOOL) {
      uint8_t *b = elems;
      for (size_t i = 0; i < bytes; i++) b[i] = b[i] != 0;
    }
  }
  if (st == ANYINFER_OK) c->elem = outer;
  return st;
}

/* ---- header, metadata, tensor infos ------------------------------------------------------- */

static void where_named(struct cursor *c, const char *kind, uint64_t i,
                        const struct ai_gguf_str *s) {
  snprintf(c->where, sizeof c->where, "%s %llu '%.64s'", kind, (unsigned long long)i, s->data);
}

static anyinfer_status read_header(struct cursor *c, struct ai_gguf *g) {
  snprintf(c->where, sizeof c->where, "header");
  uint8_t magic[4];
  anyinfer_status st = read_bytes(c, magic, 4, "magic");
  if (st != ANYINFER_OK) return st;
  if (memcmp(magic, "GGUF", 4) != 0)
    return fail(c, ANYINFER_E_FORMAT, "magic is %02x %02x %02x %02x, expected \"GGUF\"", magic[0],
                magic[1], magic[2], magic[3]);
  st = read_u32(c, &g->version, "version");
  if (st != ANYINFER_OK) return st;
  if (g->version == 1)
    return fail(c, ANYINFER_E_FORMAT, "version 1 (GGUFv1) is no longer supported, only 2 and 3");
  if (g->version != 0 && (g->version & 0xffffu) == 0)
    return fail(c, ANYINFER_E_FORMAT,
                "version 0x%08x: a big-endian file? only little-endian "
                "versions 2 and 3 are supported",
                g->version);
  if (g->version != 2 && g->version != 3)
    return fail(c, ANYINFER_E_FORMAT, "version %u unsupported, must be 2 or 3", g->version);
  st = read_u64(c, &g->n_tensors, "n_tensors");
  if (st == ANYINFER_OK) st = read_u64(c, &g->n_kv, "n_kv");
  if (st != ANYINFER_OK) return st;
  if (g->n_kv > remaining(c) / MIN_KV_BYTES)
    return fail(c, ANYINFER_E_FORMAT, "n_kv %llu exceeds the %llu bytes left",
                (unsigned long long)g->n_kv, (unsigned long long)remaining(c));
  if (g->n_tensors > remaining(c) / MIN_TENSOR_BYTES)
    return fail(c, ANYINFER_E_FORMAT, "n_tensors %llu exceeds the %llu bytes left",
                (unsigned long long)g->n_tensors, (unsigned long long)remaining(c));
  return ANYINFER_OK;
}

static anyinfer_status read_kvs(struct cursor *c, struct arena *a, struct gguf_impl *impl) {
  struct ai_gguf *g = &impl->pub;
  if (g->n_kv == 0) return ANYINFER_OK;
  size_t bytes;
  g->kv = size_of(g->n_kv, sizeof *g->kv, &bytes) ? arena_alloc(a, bytes) : NULL;
  impl->kv_slots = slots_create(a, g->n_kv, &impl->kv_cap);
  if (!g->kv || !impl->kv_slots) return nomem(c, g->n_kv * sizeof *g->kv);
  for (uint64_t i = 0; i < g->n_kv; i++) {
    struct ai_gguf_kv *kv = &g->kv[i];
    snprintf(c->where, sizeof c->where, "kv %llu", (unsigned long long)i);
    anyinfer_status st = read_str(c, a, &kv->key, "key", UINT64_MAX);
    if (st != ANYINFER_OK) return st;
    where_named(c, "kv", i, &kv->key);
    if (!slots_add(impl->kv_slots, impl->kv_cap, g->kv, sizeof *g->kv, &kv->key, i))
      return fail(c, ANYINFER_E_FORMAT, "duplicate key (kv %lld has it too)",
                  (long long)slots_find(impl->kv_slots, impl->kv_cap, g->kv, sizeof *g->kv,
                                        kv->key.data, kv->key.len));
    uint32_t t;
    st = read_u32(c, &t, "value type");
    if (st == ANYINFER_OK) st = read_value(c, a, t, 0, &kv->value);
    if (st != ANYINFER_OK) return st;
  }
  return ANYINFER_OK;
}

static anyinfer_status read_alignment(struct cursor *c, struct gguf_impl *impl) {
  struct ai_gguf *g = &impl->pub;
  g->alignment = AI_GGUF_DEFAULT_ALIGNMENT;
  int64_t i = ai_gguf_find_key(g, "general.alignment");
  if (i < 0) return ANYINFER_OK;
  where_named(c, "kv", (uint64_t)i, &g->kv[i].key);
  const struct ai_gguf_value *v = &g->kv[i].value;
  if (v->type != AI_GGUF_UINT32)
    return fail(c, ANYINFER_E_FORMAT, "general.alignment has type %s, must be u32",
                ai_gguf_vtype_name(v->type));
  if (v->v.u64 == 0 || (v->v.u64 & (v->v.u64 - 1)) != 0 || v->v.u64 > AI_GGUF_MAX_ALIGNMENT)
    return fail(c, ANYINFER_E_FORMAT, "general.alignment %llu is not a power of two in [1, %u]",
                (unsigned long long)v->v.u64, AI_GGUF_MAX_ALIGNMENT);
  g->alignment = v->v.u64;
  return ANYINFER_OK;
}

/* Shape, type and byte size of one tensor info; the name is already read. */
static anyinfer_status read_tensor_shape(struct cursor *c, struct ai_gguf_tensor *t) {
  anyinfer_status st = read_u32(c, &t->n_dims, "n_dims");
  if (st != ANYINFER_OK) return st;
  if (t->n_dims < 1 || t->n_dims > AI_GGUF_MAX_DIMS)
    return fail(c, ANYINFER_E_FORMAT, "n_dims %u, must be 1..%d", t->n_dims, AI_GGUF_MAX_DIMS);
  int64_t n_elems = 1;
  for (uint32_t d = 0; d < AI_GGUF_MAX_DIMS; d++) {
    t->ne[d] = 1;
    if (d >= t->n_dims) continue;
    uint64_t u;
    st = read_u64(c, &u, "ne");
    if (st != ANYINFER_OK) return st;
    t->ne[d] = (int64_t)u;
    if (t->ne[d] < 0)
      return fail(c, ANYINFER_E_FORMAT, "ne[%u] = %lld is negative", d, (long long)t->ne[d]);
  }
  for (uint32_t d = 0; d < AI_GGUF_MAX_DIMS; d++) {
    if (__builtin_mul_overflow(n_elems, t->ne[d], &n_elems))
      return fail(c, ANYINFER_E_FORMAT, "ne product %lld x %lld x %lld x %lld overflows int64",
                  (long long)t->ne[0], (long long)t->ne[1], (long long)t->ne[2],
                  (long long)t->ne[3]);
  }
  uint32_t type;
  st = read_u32(c, &type, "type");
  if (st != ANYINFER_OK) return st;
  if (type >= AI_TYPE_COUNT)
    return fail(c, ANYINFER_E_FORMAT, "type %u unknown, must be below %d", type, AI_TYPE_COUNT);
  t->type = (int32_t)type;
  const struct ai_type_traits *tr = ai_type_traits_get(t->type);
  if (!tr) return fail(c, ANYINFER_E_UNSUPPORTED, "type %u not supported", type);
  if (t->ne[0] % tr->block_size != 0)
    return fail(c, ANYINFER_E_FORMAT, "ne[0] = %lld is not a multiple of %s block size %lld",
                (long long)t->ne[0], tr->name, (long long)tr->block_size);
  if (__builtin_mul_overflow((uint64_t)(n_elems / tr->block_size), (uint64_t)tr->block_bytes,
                             &t->bytes))
    return fail(c, ANYINFER_E_FORMAT, "size in bytes of %lld %s elements overflows",
                (long long)n_elems, tr->name);
  return read_u64(c, &t->offset, "offset");
}

static anyinfer_status read_tensor_infos(struct cursor *c, struct arena *a,
                                         struct gguf_impl *impl) {
  struct ai_gguf *g = &impl->pub;
  if (g->n_tensors == 0) return ANYINFER_OK;
  size_t bytes;
  g->tensors = size_of(g->n_tensors, sizeof *g->tensors, &bytes) ? arena_alloc(a, bytes) : NULL;
  impl->tensor_slots = slots_create(a, g->n_tensors, &impl->tensor_cap);
  if (!g->tensors || !impl->tensor_slots) return nomem(c, g->n_tensors * sizeof *g->tensors);
  for (uint64_t i = 0; i < g->n_tensors; i++) {
    struct ai_gguf_tensor *t = &g->tensors[i];
    snprintf(c->where, sizeof c->where, "tensor %llu", (unsigned long long)i);
    anyinfer_status st = read_str(c, a, &t->name, "name", AI_GGUF_MAX_NAME - 1);
    if (st != ANYINFER_OK) return st;
    where_named(c, "tensor", i, &t->name);
    if (!slots_add(impl->tensor_slots, impl->tensor_cap, g->tensors, sizeof *g->tensors, &t->name,
                   i))
      return fail(c, ANYINFER_E_FORMAT, "duplicate tensor name");
    st = read_tensor_shape(c, t);
    if (st != ANYINFER_OK) return st;
  }
  return ANYINFER_OK;
}

static uint64_t pad_to(uint64_t x, uint64_t alignment, bool *ok) {
  uint64_t r = x % alignment;
  if (r == 0) return x;
  if (x > UINT64_MAX - (alignment - r)) *ok = false;
  return x + (alignment - r);
}

/* Data section start, and each tensor at the running sum of padded sizes inside the file. */
static anyinfer_status check_layout(struct cursor *c, struct ai_gguf *g) {
  g->data_offset = c->pos; /* llama.cpp pads only when there are tensors */
  if (g->n_tensors == 0) return ANYINFER_OK;
  bool ok = true;
  g->data_offset = pad_to(c->pos, g->alignment, &ok);
  snprintf(c->where, sizeof c->where, "data section");
  if (!ok || g->data_offset > g->file_size)
    return fail(c, ANYINFER_E_FORMAT,
                "starts at %llu (tensor infos end at %llu, aligned to %llu), "
                "past the end of the file (%llu bytes)",
                (unsigned long long)g->data_offset, (unsigned long long)c->pos,
                (unsigned long long)g->alignment, (unsigned long long)g->file_size);
  uint64_t expect = 0, room = g->file_size - g->data_offset;
  for (uint64_t i = 0; i < g->n_tensors; i++) {
    const struct ai_gguf_tensor *t = &g->tensors[i];
    where_named(c, "tensor", i, &t->name);
    if (t->offset % g->alignment != 0)
      return fail(c, ANYINFER_E_FORMAT, "offset %llu is not a multiple of alignment %llu",
                  (unsigned long long)t->offset, (unsigned long long)g->alignment);
    if (t->offset != expect)
      return fail(c, ANYINFER_E_FORMAT,
                  "offset %llu, expected %llu (the padded sizes of the tensors before it)",
                  (unsigned long long)t->offset, (unsigned long long)expect);
    if (t->bytes > room || t->offset > room - t->bytes)
      return fail(c, ANYINFER_E_FORMAT,
                  "data at offset %llu + %llu bytes extends past the end of the file (%llu bytes "
                  "of data)",
                  (unsigned long long)t->offset, (unsigned long long)t->bytes,
                  (unsigned long long)room);
    expect = pad_to(t->offset + t->bytes, g->alignment, &ok);
    if (!ok) return fail(c, ANYINFER_E_FORMAT, "padded end overflows");
  }
  return ANYINFER_OK;
}

anyinfer_status ai_gguf_read(const struct ai_reader *r, const struct ai_alloc *alloc,
                             struct ai_gguf **out, struct ai_error *err) {
  *out = NULL;
  struct ai_alloc al = alloc ? *alloc : ai_alloc_default();
  struct cursor c = {.r = r, .size = r->size, .mem = r->data, .err = err, .elem = -1};
  struct gguf_impl *impl = ai_calloc(&al, 1, sizeof *impl);
  if (!impl) return ai_error_set(err, ANYINFER_E_NOMEM, "gguf: cannot allocate the header");
  impl->pub.alloc = al;
  impl->pub.file_size = r->size;
  struct arena a = {&impl->pub.alloc, NULL, BLOCK_FIRST};
  anyinfer_status st = ANYINFER_OK;
  if (!c.mem) {
    c.window = ai_malloc(&al, WINDOW_BYTES);
    if (!c.window) st = ai_error_set(err, ANYINFER_E_NOMEM, "gguf: cannot allocate read window");
  }
  if (st == ANYINFER_OK) st = read_header(&c, &impl->pub);
  if (st == ANYINFER_OK) st = read_kvs(&c, &a, impl);
  if (st == ANYINFER_OK) st = read_alignment(&c, impl);
  if (st == ANYINFER_OK) st = read_tensor_infos(&c, &a, impl);
  if (st == ANYINFER_OK) st = check_layout(&c, &impl->pub);
  ai_free(&al, c.window);
  if (st != ANYINFER_OK) {
    blocks_free(&al, a.head);
    ai_free(&al, impl);
    return st;
  }
  impl->pub.storage = a.head;
  *out = &impl->pub;
  return ANYINFER_OK;
}

void ai_gguf_free(struct ai_gguf *g) {
  if (!g) return;
  struct ai_alloc al = g->alloc;
  blocks_free(&al, g->storage);
  ai_free(&al, g);
}

int64_t ai_gguf_find_key(const struct ai_gguf *g, const char *key) {
  const struct gguf_impl *impl = (const struct gguf_impl *)g;
  return slots_find(impl->kv_slots, impl->kv_cap, g->kv, sizeof *g->kv, key, strlen(key));
}

const struct ai_gguf_tensor *ai_gguf_find_tensor(const struct ai_gguf *g, const char *name) {
  const struct gguf_impl *impl = (const struct gguf_impl *)g;
  int64_t i = slots_find(impl->tensor_slots, impl->tensor_cap, g->tensors, sizeof *g->tensors, name,
                         strlen(name));
  return i < 0 ? NULL : &g->tensors[i];
}
