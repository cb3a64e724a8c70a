/* safetensors header reader: a small strict JSON reader for exactly the header's shape (an object
 * of tensor objects plus an optional "__metadata__" object of strings), then the checks of
 * safetensors.h. libc only, so the engine and wasm builds share it; the converter (tools/) uses it
 * too. Recursion is bounded: unknown values are skipped at most MAX_DEPTH levels deep. */
#include "format/safetensors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 4 /* header object > tensor object > value > nested value */

static const struct {
  const char *name;
  size_t size;
} kDtypes[AI_ST_DTYPE_COUNT] = {
    [AI_ST_BOOL] = {"BOOL", 1},       [AI_ST_U8] = {"U8", 1},           [AI_ST_I8] = {"I8", 1},
    [AI_ST_F8_E5M2] = {"F8_E5M2", 1}, [AI_ST_F8_E4M3] = {"F8_E4M3", 1}, [AI_ST_I16] = {"I16", 2},
    [AI_ST_U16] = {"U16", 2},         [AI_ST_F16] = {"F16", 2},         [AI_ST_BF16] = {"BF16", 2},
    [AI_ST_I32] = {"I32", 4},         [AI_ST_U32] = {"U32", 4},         [AI_ST_F32] = {"F32", 4},
    [AI_ST_F64] = {"F64", 8},         [AI_ST_I64] = {"I64", 8},         [AI_ST_U64] = {"U64", 8},
};

const char *ai_st_dtype_name(enum ai_st_dtype d) {
  return (unsigned)d < AI_ST_DTYPE_COUNT ? kDtypes[d].name : "?";
}

size_t ai_st_dtype_size(enum ai_st_dtype d) {
  return (unsigned)d < AI_ST_DTYPE_COUNT ? kDtypes[d].size : 0;
}

/* ---- JSON reading -------------------------------------------------------------------------- */

struct jr {
  const char *p, *end, *start;
  const struct ai_alloc *alloc;
  struct ai_error *err;
};

static anyinfer_status jfail(struct jr *j, const char *what) {
  return ai_error_set(j->err, ANYINFER_E_FORMAT, "safetensors: header byte %zu: %s",
                      (size_t)(j->p - j->start), what);
}

static void skip_ws(struct jr *j) {
  while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')) j->p++;
}

/* Consumes c after whitespace; false (and no error set) if the next byte is not c. */
static int accept(struct jr *j, char c) {
  skip_ws(j);
  if (j->p < j->end && *j->p == c) {
    j->p++;
    return 1;
  }
  return 0;
}

static anyinfer_status expect(struct jr *j, char c, const char *what) {
  return accept(j, c) ? ANYINFER_OK : jfail(j, what);
}

static int hex4(const char *s, uint32_t *out) {
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) {
    char c = s[i];
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (d < 0) return 0;
    v = v * 16 + (uint32_t)d;
  }
  *out = v;
  return 1;
}

static size_t put_utf8(char *o, uint32_t cp) {
  if (cp < 0x80) return o[0] = (char)cp, 1;
  if (cp < 0x800) return o[0] = (char)(0xC0 | (cp >> 6)), o[1] = (char)(0x80 | (cp & 0x3F)), 2;
  if (cp < 0x10000) {
    o[0] = (char)(0xE0 | (cp >> 12));
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (char)(0xF0 | (cp >> 18));
  o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  o[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* Decodes \uXXXX (and a following low surrogate) at j->p (just past the 'u'). */
static anyinfer_status unicode_escape(struct jr *j, uint32_t *cp) {
  if (j->end - j->p < 4 || !hex4(j->p, cp)) return jfail(j, "bad \\u escape");
  j->p += 4;
  if (*cp >= 0xDC00 && *cp <= 0xDFFF) return jfail(j, "lone low surrogate in \\u escape");
  if (*cp >= 0xD800 && *cp <= 0xDBFF) {
    uint32_t lo;
    if (j->end - j->p < 6 || j->p[0] != '\\' || j->p[1] != 'u' || !hex4(j->p + 2, &lo) ||
        lo < 0xDC00 || lo > 0xDFFF)
      return jfail(j, "high surrogate without a low surrogate in \\u escape");
    j->p += 6;
    *cp = 0x10000 + ((*cp - 0xD800) << 10) + (lo - 0xDC00);
  }
  if (*cp == 0) return jfail(j, "\\u0000 in a string");
  return ANYINFER_OK;
}

/* Parses a string at j->p. out NULL: validate and skip. Else *out is a NUL-terminated copy
 * allocated from j->alloc (decoded text is never longer than its JSON spelling). */
static anyinfer_status parse_string(struct jr *j, char **out) {
  if (!accept(j, '"')) return jfail(j, "expected a string");
  const char *s = j->p;
  while (j->p < j->end && *j->p != '"') j->p += *j->p == '\\' && j->p + 1 < j->end ? 2 : 1;
  if (j->p >= j->end) return jfail(j, "unterminated string");
  const char *e = j->p;
  j->p = s;
  char *o = NULL;
  size_t n = 0;
  if (out) {
    o = ai_malloc(j->alloc, (size_t)(e - s) + 1);
    if (!o) return ai_error_set(j->err, ANYINFER_E_NOMEM, "safetensors: out of memory");
  }
  anyinfer_status st = ANYINFER_OK;
  while (j->p < e && st == ANYINFER_OK) {
    unsigned char c = (unsigned char)*j->p++;
    uint32_t cp = c;
    if (c < 0x20) {
      st = jfail(j, "control character in a string");
    } else if (c == '\\') {
      char x = *j->p++;
      switch (x) {
        case '"':
        case '\\':
        case '/':
          cp = (uint32_t)x;
          break;
        case 'b':
          cp = '\b';
          break;
        case 'f':
          cp = '\f';
          break;
        case 'n':
          cp = '\n';
          break;
        case 'r':
          cp = '\r';
          break;
        case 't':
          cp = '\t';
          break;
        case 'u':
          st = unicode_escape(j, &cp);
          break;
        default:
          st = jfail(j, "bad escape in a string");
      }
      if (st == ANYINFER_OK && o) n += put_utf8(o + n, cp);
      continue;
    }
    if (o) o[n++] = (char)c;
  }
  if (st == ANYINFER_OK && j->p != e) st = jfail(j, "escape runs past the end of a string");
  if (st != ANYINFER_OK) {
    ai_free(j->alloc, o);
    return st;
  }
  j->p = e + 1;
  if (o) o[n] = '\0', *out = o;
  return ANYINFER_OK;
}

/* A non-negative integer without sign, fraction or exponent, at most 2^63 - 1. */
static anyinfer_status parse_uint(struct jr *j, const char *field, uint64_t *out) {
  skip_ws(j);
  const char *s = j->p;
  uint64_t v = 0;
  while (j->p < j->end && *j->p >= '0' && *j->p <= '9') {
    uint64_t d = (uint64_t)(*j->p - '0');
    if (v > (UINT64_C(0x7fffffffffffffff) - d) / 10)
      return ai_error_set(j->err, ANYINFER_E_FORMAT,
                          "safetensors: header byte %zu: %s exceeds 2^63", (size_t)(s - j->start),
                          field);
    v = v * 10 + d;
    j->p++;
  }
  if (j->p == s || (j->p - s > 1 && *s == '0') ||
      (j->p < j->end && (*j->p == '.' || *j->p == 'e' || *j->p == 'E'))) {
    j->p = s;
    return ai_error_set(j->err, ANYINFER_E_FORMAT,
                        "safetensors: header byte %zu: %s must be a non-negative integer",
                        (size_t)(s - j->start), field);
  }
  *out = v;
  return ANYINFER_OK;
}

/* Skips one JSON number (RFC 8259 grammar). */
static anyinfer_status skip_number(struct jr *j) {
  const char *p = j->p;
  if (p < j->end && *p == '-') p++;
  if (p < j->end && *p == '0') {
    p++;
  } else if (p < j->end && *p >= '1' && *p <= '9') {
    while (p < j->end && *p >= '0' && *p <= '9') p++;
  } else {
    return jfail(j, "expected a value");
  }
  if (p < j->end && *p == '.') {
    if (++p >= j->end || *p < '0' || *p > '9') return jfail(j, "bad number");
    while (p < j->end && *p >= '0' && *p <= '9') p++;
  }
  if (p < j->end && (*p == 'e' || *p == 'E')) {
    p++;
    if (p < j->end && (*p == '+' || *p == '-')) p++;
    if (p >= j->end || *p < '0' || *p > '9') return jfail(j, "bad number");
    while (p < j->end && *p >= '0' && *p <= '9') p++;
  }
  j->p = p;
  return ANYINFER_OK;
}

static anyinfer_status skip_value(struct jr *j, int depth) {
  skip_ws(j);
  if (j->p >= j->end) return jfail(j, "expected a value");
  char c = *j->p;
  if (c == '"') return parse_string(j, NULL);
  if (c == '{' || c == '[') {
    if (depth >= MAX_DEPTH) return jfail(j, "values nested too deep");
    char close = c == '{' ? '}' : ']';
    j->p++;
    if (accept(j, close)) return ANYINFER_OK;
    do {
      anyinfer_status st;
      if (c == '{') {
        if ((st = parse_string(j, NULL)) || (st = expect(j, ':', "expected ':'"))) return st;
      }
      if ((st = skip_value(j, depth + 1))) return st;
    } while (accept(j, ','));
    return expect(j, close, c == '{' ? "expected ',' or '}'" : "expected ',' or ']'");
  }
  static const char *const words[] = {"true", "false", "null"};
  for (int i = 0; i < 3; i++) {
    size_t n = strlen(words[i]);
    if ((size_t)(j->end - j->p) >= n && memcmp(j->p, words[i], n) == 0) {
      j->p += n;
      return ANYINFER_OK;
    }
  }
  return skip_number(j);
}

/* ---- the header's shape ------------------------------------------------------------------- */

static anyinfer_status parse_dtype(struct jr *j, struct ai_st_tensor *t) {
  char *s = NULL;
  anyinfer_status st = parse_string(j, &s);
  if (st) return st;
  for (int d = 0; d < AI_ST_DTYPE_COUNT; d++) {
    if (strcmp(s, kDtypes[d].name) == 0) {
      t->dtype = (enum ai_st_dtype)d;
      ai_free(j->alloc, s);
      return ANYINFER_OK;
    }
  }
  st = ai_error_set(j->err, ANYINFER_E_FORMAT,
                    "safetensors: tensor '%.200s': dtype '%.40s' is not a safetensors dtype "
                    "(BOOL, U8, I8, F8_E5M2, F8_E4M3, I16, U16, F16, BF16, I32, U32, F32, F64, "
                    "I64, U64)",
                    t->name, s);
  ai_free(j->alloc, s);
  return st;
}

static anyinfer_status parse_shape(struct jr *j, struct ai_st_tensor *t) {
  anyinfer_status st = expect(j, '[', "shape must be an array");
  if (st) return st;
  t->n_elements = 1;
  if (accept(j, ']')) return ANYINFER_OK;
  do {
    uint64_t d;
    if ((st = parse_uint(j, "shape dimension", &d))) return st;
    if (t->n_dims == AI_ST_MAX_DIMS)
      return ai_error_set(j->err, ANYINFER_E_FORMAT,
                          "safetensors: tensor '%.200s': more than %d dims", t->name,
                          AI_ST_MAX_DIMS);
    t->shape[t->n_dims++] = (int64_t)d;
    if (d != 0 && (uint64_t)t->n_elements > UINT64_C(0x7fffffffffffffff) / d)
      return ai_error_set(j->err, ANYINFER_E_FORMAT,
                          "safetensors: tensor '%.200s': shape has more than 2^63 elements",
                          t->name);
    t->n_elements = (int64_t)((uint64_t)t->n_elements * d);
  } while (accept(j, ','));
  return expect(j, ']', "expected ',' or ']' in shape");
}

static anyinfer_status parse_offsets(struct jr *j, struct ai_st_tensor *t) {
  anyinfer_status st;
  if ((st = expect(j, '[', "data_offsets must be an array of 2 integers")) ||
      (st = parse_uint(j, "data_offsets[0]", &t->begin)) ||
      (st = expect(j, ',', "data_offsets must be an array of 2 integers")) ||
      (st = parse_uint(j, "data_offsets[1]", &t->end)) ||
      (st = expect(j, ']', "data_offsets must be an array of 2 integers")))
    return st;
  return ANYINFER_OK;
}

/* The object after a tensor's name. */
static anyinfer_status parse_tensor(struct jr *j, struct ai_st_tensor *t) {
  anyinfer_status st = expect(j, '{', "a tensor entry must be an object");
  int seen = 0; /* bits: 1 dtype, 2 shape, 4 data_offsets */
  if (st || accept(j, '}')) goto check;
  do {
    char *key = NULL;
    if ((st = parse_string(j, &key))) return st;
    int bit = !strcmp(key, "dtype")          ? 1
              : !strcmp(key, "shape")        ? 2
              : !strcmp(key, "data_offsets") ? 4
                                             : 0;
    ai_free(j->alloc, key);
    if ((st = expect(j, ':', "expected ':'"))) return st;
    if (bit & seen)
      return ai_error_set(j->err, ANYINFER_E_FORMAT, "safetensors: tensor '%.200s': %s given twice",
                          t->name,
                          bit == 1   ? "dtype"
                          : bit == 2 ? "shape"
                                     : "data_offsets");
    seen |= bit;
    st = bit == 1   ? parse_dtype(j, t)
         : bit == 2 ? parse_shape(j, t)
         : bit == 4 ? parse_offsets(j, t)
                    : skip_value(j, 2);
    if (st) return st;
  } while (accept(j, ','));
  if ((st = expect(j, '}', "expected ',' or '}' in a tensor entry"))) return st;
check:
  if (st) return st;
  if (seen != 7)
    return ai_error_set(j->err, ANYINFER_E_FORMAT, "safetensors: tensor '%.200s': '%s' is missing",
                        t->name,
                        !(seen & 1)   ? "dtype"
                        : !(seen & 2) ? "shape"
                                      : "data_offsets");
  return ANYINFER_OK;
}

static anyinfer_status parse_metadata(struct jr *j, struct ai_safetensors *s) {
  anyinfer_status st = expect(j, '{', "__metadata__ must be an object of strings");
  if (st || accept(j, '}')) return st;
  do {
    struct ai_st_meta m = {NULL, NULL};
    if ((st = parse_string(j, &m.key))) return st;
    if ((st = expect(j, ':', "expected ':'")) || (st = parse_string(j, &m.value))) {
      if (st == ANYINFER_E_FORMAT && strstr(j->err->msg, "expected a string"))
        ai_error_set(j->err, ANYINFER_E_FORMAT,
                     "safetensors: __metadata__ '%.200s': value must be a string", m.key);
      ai_free(j->alloc, m.key);
      return st;
    }
    struct ai_st_meta *grown = ai_realloc(j->alloc, s->meta, (s->n_meta + 1) * sizeof *s->meta);
    if (!grown) {
      ai_free(j->alloc, m.key);
      ai_free(j->alloc, m.value);
      return ai_error_set(j->err, ANYINFER_E_NOMEM, "safetensors: out of memory");
    }
    s->meta = grown;
    s->meta[s->n_meta++] = m;
  } while (accept(j, ','));
  return expect(j, '}', "expected ',' or '}' in __metadata__");
}

static anyinfer_status parse_header(struct jr *j, struct ai_safetensors *s) {
  anyinfer_status st = expect(j, '{', "the header must be a JSON object");
  int has_meta = 0;
  if (st || accept(j, '}')) goto end;
  do {
    char *name = NULL;
    if ((st = parse_string(j, &name))) return st;
    if ((st = expect(j, ':', "expected ':'"))) {
      ai_free(j->alloc, name);
      return st;
    }
    if (strcmp(name, "__metadata__") == 0) {
      ai_free(j->alloc, name);
      if (has_meta++)
        return ai_error_set(j->err, ANYINFER_E_FORMAT, "safetensors: __metadata__ given twice");
      if ((st = parse_metadata(j, s))) return st;
      continue;
    }
    struct ai_st_tensor *grown =
        ai_realloc(j->alloc, s->tensors, (s->n_tensors + 1) * sizeof *s->tensors);
    if (!grown) {
      ai_free(j->alloc, name);
      return ai_error_set(j->err, ANYINFER_E_NOMEM, "safetensors: out of memory");
    }
    s->tensors = grown;
    struct ai_st_tensor *t = &s->tensors[s->n_tensors++];
    memset(t, 0, sizeof *t);
    t->name = name;
    if (name[0] == '\0')
      return ai_error_set(j->err, ANYINFER_E_FORMAT, "safetensors: tensor %zu has an empty name",
                          s->n_tensors - 1);
    if ((st = parse_tensor(j, t))) return st;
  } while (accept(j, ','));
  st = expect(j, '}', "expected ',' or '}' after a tensor entry");
end:
  if (st) return st;
  skip_ws(j);
  if (j->p != j->end) return jfail(j, "bytes after the header object");
  return ANYINFER_OK;
}

/* ---- validation ---------------------------------------------------------------------------- */

static int cmp_by_begin(const void *a, const void *b) {
  const struct ai_st_tensor *x = *(const struct ai_st_tensor *const *)a;
  const struct ai_st_tensor *y = *(const struct ai_st_tensor *const *)b;
  return x->begin < y->begin ? -1 : x->begin > y->begin ? 1 : 0;
}

static int cmp_by_name(const void *a, const void *b) {
  return strcmp((*(const struct ai_st_tensor *const *)a)->name,
                (*(const struct ai_st_tensor *const *)b)->name);
}

static anyinfer_status validate(struct ai_safetensors *s, struct ai_error *err) {
  for (size_t i = 0; i < s->n_tensors; i++) {
    const struct ai_st_tensor *t = &s->tensors[i];
    if (t->begin > t->end || t->end > s->data_bytes)
      return ai_error_set(err, ANYINFER_E_FORMAT,
                          "safetensors: tensor '%.200s': data_offsets [%llu, %llu] outside the "
                          "%llu data bytes",
                          t->name, (unsigned long long)t->begin, (unsigned long long)t->end,
                          (unsigned long long)s->data_bytes);
    uint64_t want;
    if (__builtin_mul_overflow((uint64_t)t->n_elements, ai_st_dtype_size(t->dtype), &want) ||
        want != t->end - t->begin) {
      char shape[200];
      size_t n = 0;
      shape[0] = '\0';
      for (uint32_t d = 0; d < t->n_dims && n < sizeof shape - 24; d++)
        n += (size_t)snprintf(shape + n, sizeof shape - n, "%s%lld", d ? ", " : "",
                              (long long)t->shape[d]);
      return ai_error_set(err, ANYINFER_E_FORMAT,
                          "safetensors: tensor '%.200s': data_offsets [%llu, %llu] hold %llu "
                          "bytes, shape [%s] of %s needs %llu%s",
                          t->name, (unsigned long long)t->begin, (unsigned long long)t->end,
                          (unsigned long long)(t->end - t->begin), shape,
                          ai_st_dtype_name(t->dtype), (unsigned long long)want,
                          want == t->end - t->begin ? " (overflow)" : "");
    }
  }
  if (s->n_tensors < 2) return ANYINFER_OK;
  const struct ai_st_tensor **order = ai_calloc(&s->alloc, s->n_tensors, sizeof *order);
  if (!order) return ai_error_set(err, ANYINFER_E_NOMEM, "safetensors: out of memory");
  for (size_t i = 0; i < s->n_tensors; i++) order[i] = &s->tensors[i];
  anyinfer_status st = ANYINFER_OK;
  qsort(order, s->n_tensors, sizeof *order, cmp_by_name);
  for (size_t i = 1; i < s->n_tensors && st == ANYINFER_OK; i++)
    if (strcmp(order[i - 1]->name, order[i]->name) == 0)
      st = ai_error_set(err, ANYINFER_E_FORMAT, "safetensors: tensor '%.200s' appears twice",
                        order[i]->name);
  qsort(order, s->n_tensors, sizeof *order, cmp_by_begin);
  const struct ai_st_tensor *prev = NULL;
  for (size_t i = 0; i < s->n_tensors && st == ANYINFER_OK; i++) {
    const struct ai_st_tensor *t = order[i];
    if (t->begin == t->end) continue; /* an empty tensor occupies no bytes */
    if (prev && t->begin < prev->end)
      st = ai_error_set(err, ANYINFER_E_FORMAT,
                        "safetensors: tensors '%.200s' [%llu, %llu] and '%.200s' [%llu, %llu] "
                        "overlap",
                        prev->name, (unsigned long long)prev->begin, (unsigned long long)prev->end,
                        t->name, (unsigned long long)t->begin, (unsigned long long)t->end);
    prev = t;
  }
  ai_free(&s->alloc, order);
  return st;
}

void ai_safetensors_free(struct ai_safetensors *s) {
  if (!s) return;
  struct ai_alloc a = s->alloc;
  for (size_t i = 0; i < s->n_tensors; i++) ai_free(&a, s->tensors[i].name);
  for (size_t i = 0; i < s->n_meta; i++) {
    ai_free(&a, s->meta[i].key);
    ai_free(&a, s->meta[i].value);
  }
  ai_free(&a, s->tensors);
  ai_free(&a, s->meta);
  ai_free(&a, s);
}

anyinfer_status ai_safetensors_read(const struct ai_reader *r, const struct ai_alloc *alloc,
                                    struct ai_safetensors **out, struct ai_error *err) {
  *out = NULL;
  struct ai_alloc a = alloc ? *alloc : ai_alloc_default();
  uint8_t len8[8];
  if (r->size < 8)
    return ai_error_set(err, ANYINFER_E_FORMAT,
                        "safetensors: file of %llu bytes is shorter than the 8-byte header length",
                        (unsigned long long)r->size);
  anyinfer_status st = ai_reader_read(r, 0, len8, 8, err);
  if (st) return st;
  uint64_t n = 0;
  for (int i = 7; i >= 0; i--) n = n << 8 | len8[i];
  if (n < 2 || n >= AI_ST_MAX_HEADER)
    return ai_error_set(err, ANYINFER_E_FORMAT,
                        "safetensors: header length %llu, must be in [2, %u)",
                        (unsigned long long)n, AI_ST_MAX_HEADER);
  if (n > r->size - 8)
    return ai_error_set(err, ANYINFER_E_FORMAT,
                        "safetensors: header length %llu runs past the end of the file (%llu "
                        "bytes after the length)",
                        (unsigned long long)n, (unsigned long long)(r->size - 8));
  struct ai_safetensors *s = ai_calloc(&a, 1, sizeof *s);
  char *copy = NULL;
  if (!s) return ai_error_set(err, ANYINFER_E_NOMEM, "safetensors: out of memory");
  s->alloc = a;
  s->header_bytes = n;
  s->data_offset = 8 + n;
  s->data_bytes = r->size - 8 - n;
  const char *text = r->data ? (const char *)r->data + 8 : NULL;
  if (!text) {
    if (!(copy = ai_malloc(&a, (size_t)n))) {
      st = ai_error_set(err, ANYINFER_E_NOMEM, "safetensors: out of memory for a %llu-byte header",
                        (unsigned long long)n);
      goto done;
    }
    if ((st = ai_reader_read(r, 8, copy, (size_t)n, err))) goto done;
    text = copy;
  }
  struct jr j = {.p = text, .end = text + n, .start = text, .alloc = &s->alloc, .err = err};
  if ((st = parse_header(&j, s)) == ANYINFER_OK) st = validate(s, err);
done:
  ai_free(&a, copy);
  if (st != ANYINFER_OK) {
    ai_safetensors_free(s);
    return st;
  }
  *out = s;
  return ANYINFER_OK;
}

const struct ai_st_tensor *ai_safetensors_find(const struct ai_safetensors *s, const char *name) {
  for (size_t i = 0; s && name && i < s->n_tensors; i++)
    if (strcmp(s->tensors[i].name, name) == 0) return &s->tensors[i];
  return NULL;
}

const char *ai_safetensors_meta(const struct ai_safetensors *s, const char *key) {
  for (size_t i = 0; s && key && i < s->n_meta; i++)
    if (strcmp(s->meta[i].key, key) == 0) return s->meta[i].value;
  return NULL;
}
