/* Jinja runtime values: the render arena, growable buffers, lists, ordered dicts, scopes, and the
 * text and JSON forms of a value as @huggingface/jinja produces them (runtime.ts toString and
 * toJSON). Evaluation is jinja_eval.c's job. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "text/jinja_internal.h"

struct jarena_chunk {
  struct jarena_chunk *next;
  size_t used, cap;
  max_align_t data[];
};

#define JARENA_CHUNK 65536

void *ai_jinja_arena_alloc(struct jarena *ar, size_t n) {
  size_t need = (n + 15) & ~(size_t)15;
  if (need < n) return NULL;
  struct jarena_chunk *c = ar->head;
  if (!c || c->cap - c->used < need) {
    size_t cap = need > JARENA_CHUNK ? need : JARENA_CHUNK, bytes;
    if (!ai_add_size(cap, sizeof *c, &bytes)) return NULL;
    if (bytes > ar->max_bytes || ar->used_bytes > ar->max_bytes - bytes) {
      ar->over_limit = true;
      return NULL;
    }
    c = ai_malloc(ar->a, bytes);
    if (!c) {
      ar->over_limit = false;
      return NULL;
    }
    ar->used_bytes += bytes;
    c->used = 0;
    c->cap = cap;
    /* a big block gets its own chunk behind the head so the head's free space stays usable */
    if (need > JARENA_CHUNK && ar->head) {
      c->next = ar->head->next;
      ar->head->next = c;
    } else {
      c->next = ar->head;
      ar->head = c;
    }
  }
  void *p = (char *)c->data + c->used;
  c->used += need;
  memset(p, 0, n);
  return p;
}

void ai_jinja_arena_free_all(struct jarena *ar) {
  struct jarena_chunk *c = ar->head;
  while (c) {
    struct jarena_chunk *next = c->next;
    ai_free(ar->a, c);
    c = next;
  }
  ar->head = NULL;
  ar->used_bytes = 0;
}

bool ai_jinja_buf_put(struct jarena *ar, struct jbuf *b, const char *s, size_t n) {
  if (n == 0) return true;
  if (b->cap - b->n < n + 1) {
    size_t cap = b->cap ? b->cap : 64;
    while (cap - b->n < n + 1) {
      if (cap > SIZE_MAX / 2) return false;
      cap *= 2;
    }
    char *p = ai_jinja_arena_alloc(ar, cap);
    if (!p) return false;
    if (b->n) memcpy(p, b->p, b->n);
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = '\0';
  return true;
}

struct jv ai_jinja_v_undef(void) {
  return (struct jv){.kind = JV_UNDEF};
}
struct jv ai_jinja_v_none(void) {
  return (struct jv){.kind = JV_NONE};
}
struct jv ai_jinja_v_bool(bool b) {
  return (struct jv){.kind = JV_BOOL, .b = b};
}
struct jv ai_jinja_v_int(int64_t i) {
  return (struct jv){.kind = JV_INT, .i = i};
}
struct jv ai_jinja_v_float(double f) {
  return (struct jv){.kind = JV_FLOAT, .f = f};
}
struct jv ai_jinja_v_str(const char *s, size_t n) {
  return (struct jv){.kind = JV_STR, .s = n ? s : "", .n = n};
}

bool ai_jinja_v_truthy(const struct jv *v) {
  switch (v->kind) {
    case JV_BOOL:
      return v->b;
    case JV_INT:
      return v->i != 0;
    case JV_FLOAT:
      return v->f != 0 && !isnan(v->f);
    case JV_STR:
      return v->n > 0;
    case JV_LIST:
      return v->l->n > 0;
    case JV_DICT:
      return v->d->n > 0;
    case JV_NS:
    case JV_FUNC:
    case JV_MACRO:
      return true;
    default:
      return false;
  }
}

bool ai_jinja_v_str_eq(const struct jv *v, const char *s) {
  size_t n = strlen(s);
  return v->kind == JV_STR && v->n == n && memcmp(v->s, s, n) == 0;
}

struct jlist *ai_jinja_list_new(struct jarena *ar) {
  return ai_jinja_arena_alloc(ar, sizeof(struct jlist));
}

bool ai_jinja_list_push(struct jarena *ar, struct jlist *l, struct jv v) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 8;
    struct jv *p = ai_jinja_arena_alloc(ar, cap * sizeof *p);
    if (!p) return false;
    if (l->n) memcpy(p, l->v, l->n * sizeof *p);
    l->v = p;
    l->cap = cap;
  }
  l->v[l->n++] = v;
  return true;
}

struct jdict *ai_jinja_dict_new(struct jarena *ar) {
  return ai_jinja_arena_alloc(ar, sizeof(struct jdict));
}

struct jv *ai_jinja_dict_get(const struct jdict *d, const char *k, size_t kn) {
  for (size_t i = 0; i < d->n; i++)
    if (d->keys[i].n == kn && memcmp(d->keys[i].s, k, kn) == 0) return &d->vals[i];
  return NULL;
}

bool ai_jinja_dict_set(struct jarena *ar, struct jdict *d, const char *k, size_t kn, struct jv v) {
  struct jv *slot = ai_jinja_dict_get(d, k, kn);
  if (slot) {
    *slot = v;
    return true;
  }
  if (d->n == d->cap) {
    size_t cap = d->cap ? d->cap * 2 : 8;
    struct jv *keys = ai_jinja_arena_alloc(ar, cap * sizeof *keys);
    struct jv *vals = ai_jinja_arena_alloc(ar, cap * sizeof *vals);
    if (!keys || !vals) return false;
    if (d->n) {
      memcpy(keys, d->keys, d->n * sizeof *keys);
      memcpy(vals, d->vals, d->n * sizeof *vals);
    }
    d->keys = keys;
    d->vals = vals;
    d->cap = cap;
  }
  d->keys[d->n] = ai_jinja_v_str(k, kn);
  d->vals[d->n++] = v;
  return true;
}

bool ai_jinja_v_equal(const struct jv *a, const struct jv *b) {
  bool an = a->kind == JV_INT || a->kind == JV_FLOAT || a->kind == JV_BOOL;
  bool bn = b->kind == JV_INT || b->kind == JV_FLOAT || b->kind == JV_BOOL;
  if (an && bn) {
    double x = a->kind == JV_INT ? (double)a->i : a->kind == JV_FLOAT ? a->f : a->b;
    double y = b->kind == JV_INT ? (double)b->i : b->kind == JV_FLOAT ? b->f : b->b;
    if (a->kind == JV_INT && b->kind == JV_INT) return a->i == b->i;
    return x == y;
  }
  bool a_nil = a->kind == JV_NONE || a->kind == JV_UNDEF;
  bool b_nil = b->kind == JV_NONE || b->kind == JV_UNDEF;
  if (a_nil || b_nil) return a_nil && b_nil; /* JS: null == undefined */
  if (a->kind == JV_STR && b->kind == JV_STR) return a->n == b->n && memcmp(a->s, b->s, a->n) == 0;
  /* containers compare by identity, as JavaScript objects do */
  if (a->kind == JV_LIST && b->kind == JV_LIST) return a->l == b->l;
  if ((a->kind == JV_DICT || a->kind == JV_NS) && a->kind == b->kind) return a->d == b->d;
  return false;
}

const char *ai_jinja_v_kind_name(const struct jv *v) {
  static const char *const names[] = {"undefined", "none",     "boolean", "integer",
                                      "float",     "string",   "list",    "dict",
                                      "namespace", "function", "macro"};
  return v->kind < sizeof names / sizeof names[0] ? names[v->kind] : "?";
}

/* JavaScript Number.prototype.toString for the doubles templates meet: integers print without
 * exponent up to 1e21, others with the shortest round-tripping precision. */
static int format_double(char *buf, size_t cap, double f) {
  if (isnan(f)) return snprintf(buf, cap, "NaN");
  if (isinf(f)) return snprintf(buf, cap, f < 0 ? "-Infinity" : "Infinity");
  if (f == floor(f) && fabs(f) < 1e21) return snprintf(buf, cap, "%.0f", f);
  for (int prec = 1; prec <= 17; prec++) {
    snprintf(buf, cap, "%.*g", prec, f);
    double back = 0;
    if (sscanf(buf, "%lf", &back) == 1 && back == f) break;
  }
  return (int)strlen(buf);
}

static bool put_number(struct jarena *ar, struct jbuf *out, const struct jv *v, bool float_dot) {
  char buf[64];
  int n;
  if (v->kind == JV_INT) {
    n = snprintf(buf, sizeof buf, "%lld", (long long)v->i);
  } else if (float_dot && v->f == 0 && signbit(v->f)) {
    n = snprintf(buf, sizeof buf, "-0.0");
  } else {
    n = format_double(buf, sizeof buf, v->f);
    if (float_dot && isfinite(v->f) && v->f == floor(v->f) && fabs(v->f) < 1e21)
      n += snprintf(buf + n, sizeof buf - (size_t)n, ".0");
  }
  return ai_jinja_buf_put(ar, out, buf, (size_t)n);
}

static bool put_json_string(struct jarena *ar, struct jbuf *out, const char *s, size_t n) {
  if (!ai_jinja_buf_put(ar, out, "\"", 1)) return false;
  size_t run = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    const char *esc = NULL;
    char tmp[8];
    switch (c) {
      case '"':
        esc = "\\\"";
        break;
      case '\\':
        esc = "\\\\";
        break;
      case '\n':
        esc = "\\n";
        break;
      case '\r':
        esc = "\\r";
        break;
      case '\t':
        esc = "\\t";
        break;
      case '\b':
        esc = "\\b";
        break;
      case '\f':
        esc = "\\f";
        break;
      default:
        if (c < 0x20) {
          snprintf(tmp, sizeof tmp, "\\u%04x", c);
          esc = tmp;
        }
    }
    if (!esc) continue;
    if (!ai_jinja_buf_put(ar, out, s + run, i - run) ||
        !ai_jinja_buf_put(ar, out, esc, strlen(esc)))
      return false;
    run = i + 1;
  }
  return ai_jinja_buf_put(ar, out, s + run, n - run) && ai_jinja_buf_put(ar, out, "\"", 1);
}

static bool put_pad(struct jarena *ar, struct jbuf *out, int indent, int depth) {
  if (!ai_jinja_buf_put(ar, out, "\n", 1)) return false;
  for (int k = 0; k < indent * depth; k++)
    if (!ai_jinja_buf_put(ar, out, " ", 1)) return false;
  return true;
}

bool ai_jinja_v_to_json(struct jarena *ar, struct jbuf *out, const struct jv *v, int indent,
                        int depth, bool undefined_as_null, bool *bad) {
  const char *item_sep = indent > 0 ? "," : ", ";
  switch (v->kind) {
    case JV_NONE:
      return ai_jinja_buf_put(ar, out, "null", 4);
    case JV_UNDEF:
      return undefined_as_null ? ai_jinja_buf_put(ar, out, "null", 4)
                               : ai_jinja_buf_put(ar, out, "undefined", 9);
    case JV_BOOL:
      return v->b ? ai_jinja_buf_put(ar, out, "true", 4) : ai_jinja_buf_put(ar, out, "false", 5);
    case JV_INT:
    case JV_FLOAT:
      if (v->kind == JV_FLOAT && !isfinite(v->f)) return ai_jinja_buf_put(ar, out, "null", 4);
      return put_number(ar, out, v, false);
    case JV_STR:
      return put_json_string(ar, out, v->s, v->n);
    case JV_LIST: {
      if (!ai_jinja_buf_put(ar, out, "[", 1)) return false;
      for (size_t i = 0; i < v->l->n; i++) {
        if (i && !ai_jinja_buf_put(ar, out, item_sep, strlen(item_sep))) return false;
        if (indent > 0 && !put_pad(ar, out, indent, depth + 1)) return false;
        if (!ai_jinja_v_to_json(ar, out, &v->l->v[i], indent, depth + 1, undefined_as_null, bad))
          return false;
      }
      if (indent > 0 && v->l->n > 0 && !put_pad(ar, out, indent, depth)) return false;
      return ai_jinja_buf_put(ar, out, "]", 1);
    }
    case JV_DICT:
    case JV_NS: {
      if (!ai_jinja_buf_put(ar, out, "{", 1)) return false;
      for (size_t i = 0; i < v->d->n; i++) {
        if (i && !ai_jinja_buf_put(ar, out, item_sep, strlen(item_sep))) return false;
        if (indent > 0 && !put_pad(ar, out, indent, depth + 1)) return false;
        if (!put_json_string(ar, out, v->d->keys[i].s, v->d->keys[i].n) ||
            !ai_jinja_buf_put(ar, out, ": ", 2) ||
            !ai_jinja_v_to_json(ar, out, &v->d->vals[i], indent, depth + 1, undefined_as_null, bad))
          return false;
      }
      if (indent > 0 && v->d->n > 0 && !put_pad(ar, out, indent, depth)) return false;
      return ai_jinja_buf_put(ar, out, "}", 1);
    }
    default:
      *bad = true;
      return false;
  }
}

bool ai_jinja_v_to_text(struct jarena *ar, struct jbuf *out, const struct jv *v) {
  bool bad = false;
  switch (v->kind) {
    case JV_UNDEF:
    case JV_NONE:
      return true;
    case JV_BOOL:
      return v->b ? ai_jinja_buf_put(ar, out, "true", 4) : ai_jinja_buf_put(ar, out, "false", 5);
    case JV_INT:
    case JV_FLOAT:
      return put_number(ar, out, v, v->kind == JV_FLOAT);
    case JV_STR:
      return ai_jinja_buf_put(ar, out, v->s, v->n);
    case JV_LIST:
    case JV_DICT:
    case JV_NS:
      return ai_jinja_v_to_json(ar, out, v, -1, 0, false, &bad);
    default:
      return ai_jinja_buf_put(ar, out, "[function]", 10);
  }
}

bool ai_jinja_scope_set(struct jarena *ar, struct jscope *sc, const char *name, size_t nlen,
                        struct jv v) {
  for (size_t i = 0; i < sc->n; i++) {
    if (sc->vars[i].nlen == nlen && memcmp(sc->vars[i].name, name, nlen) == 0) {
      sc->vars[i].v = v;
      return true;
    }
  }
  if (sc->n == sc->cap) {
    size_t cap = sc->cap ? sc->cap * 2 : 8;
    struct jvar *p = ai_jinja_arena_alloc(ar, cap * sizeof *p);
    if (!p) return false;
    if (sc->n) memcpy(p, sc->vars, sc->n * sizeof *p);
    sc->vars = p;
    sc->cap = cap;
  }
  sc->vars[sc->n++] = (struct jvar){name, nlen, v};
  return true;
}

struct jv ai_jinja_scope_get(const struct jscope *sc, const char *name, size_t nlen) {
  for (; sc; sc = sc->parent)
    for (size_t i = 0; i < sc->n; i++)
      if (sc->vars[i].nlen == nlen && memcmp(sc->vars[i].name, name, nlen) == 0)
        return sc->vars[i].v;
  return ai_jinja_v_undef();
}

anyinfer_status ai_jinja_err(struct jctx *cx, uint32_t pos, const char *fmt, ...) {
  char msg[AI_ERROR_CAP];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  int line, col;
  ai_jinja_where(cx->src, cx->src_len, pos, &line, &col);
  return ai_error_set(cx->err, ANYINFER_E_TEMPLATE, "jinja: line %d col %d: %s", line, col, msg);
}

anyinfer_status ai_jinja_err_nomem(struct jctx *cx, uint32_t pos) {
  if (cx->ar->over_limit)
    return ai_jinja_err(cx, pos, "render needs more than %zu bytes of memory", cx->ar->max_bytes);
  return ai_error_set(cx->err, ANYINFER_E_NOMEM, "jinja: out of memory while rendering");
}
