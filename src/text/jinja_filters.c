/* Jinja filters and tests, as @huggingface/jinja runtime.ts applyFilter and Environment.TESTS:
 * safe, tojson, default, list, first, last, length/count, reverse, join, string, trim, upper,
 * lower, title, capitalize, replace, int, float, abs, items, indent, selectattr/rejectattr,
 * map(attribute=), unique. String/dict methods and global functions are in jinja_methods.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "text/jinja_internal.h"

static struct jv arg(const struct jargs *a, size_t i, const char *kw) {
  if (i < a->n_pos) return a->pos[i];
  struct jv *v = a->kw && kw ? ai_jinja_dict_get(a->kw, kw, strlen(kw)) : NULL;
  return v ? *v : ai_jinja_v_undef();
}

static size_t utf8_len(const struct jv *s) {
  size_t n = 0;
  for (size_t i = 0; i < s->n; i++) n += ((unsigned char)s->s[i] & 0xC0) != 0x80;
  return n;
}

static anyinfer_status str_out(struct jctx *cx, uint32_t at, struct jbuf *b, struct jv *out) {
  (void)cx;
  (void)at;
  *out = ai_jinja_v_str(b->p, b->n);
  return ANYINFER_OK;
}

/* Case mapping is ASCII only (templates apply it to role names and fixed words). Modes: 'U'
 * upper, 'L' lower, 'T' title (HF titleCase: first letter of each word up, the rest unchanged), 'C'
 * capitalize (HF: first character up, the rest unchanged). */
static anyinfer_status case_map(struct jctx *cx, uint32_t at, const struct jv *s, int mode,
                                struct jv *out) {
  char *p = ai_jinja_arena_alloc(cx->ar, s->n + 1);
  if (!p) return ai_jinja_err_nomem(cx, at);
  bool word_start = true;
  for (size_t i = 0; i < s->n; i++) {
    char c = s->s[i];
    bool upper = mode == 'U' || (mode == 'T' && word_start) || (mode == 'C' && i == 0);
    bool lower = mode == 'L';
    if (upper && c >= 'a' && c <= 'z') c = (char)(c - 32);
    if (lower && c >= 'A' && c <= 'Z') c = (char)(c + 32);
    bool alnum =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    word_start = !alnum;
    p[i] = c;
  }
  *out = ai_jinja_v_str(p, s->n);
  return ANYINFER_OK;
}

anyinfer_status ai_jinja_case(struct jctx *cx, uint32_t at, const struct jv *s, int mode,
                              struct jv *out) {
  return case_map(cx, at, s, mode, out);
}

static anyinfer_status trim(struct jctx *cx, const struct jv *s, struct jv *out) {
  size_t b = 0, e = s->n, k;
  while ((k = ai_jinja_space_at(s->s + b, e - b)) > 0) b += k;
  while (e > b && (k = ai_jinja_space_before(s->s + b, e - b)) > 0) e -= k;
  (void)cx;
  *out = ai_jinja_v_str(s->s + b, e - b);
  return ANYINFER_OK;
}

static anyinfer_status tojson(struct jctx *cx, uint32_t at, const struct jv *v,
                              const struct jargs *args, struct jv *out) {
  struct jv ind = arg(args, 99, "indent");
  if (ind.kind != JV_UNDEF && ind.kind != JV_NONE && ind.kind != JV_INT)
    return ai_jinja_err(cx, at, "tojson: indent must be an integer, got %s",
                        ai_jinja_v_kind_name(&ind));
  if (ind.kind == JV_INT && (ind.i < 0 || ind.i > 64))
    return ai_jinja_err(cx, at, "tojson: indent %lld out of range [0, 64]", (long long)ind.i);
  struct jbuf b = {0};
  bool bad = false;
  if (!ai_jinja_v_to_json(cx->ar, &b, v, ind.kind == JV_INT ? (int)ind.i : -1, 0, true, &bad))
    return bad ? ai_jinja_err(cx, at, "tojson: cannot serialize a %s", "function or macro")
               : ai_jinja_err_nomem(cx, at);
  return str_out(cx, at, &b, out);
}

static anyinfer_status join(struct jctx *cx, uint32_t at, const struct jv *v,
                            const struct jargs *args, struct jv *out) {
  struct jv sep = arg(args, 0, "d");
  if (sep.kind == JV_UNDEF) sep = ai_jinja_v_str("", 0);
  if (sep.kind != JV_STR) return ai_jinja_err(cx, at, "join: separator must be a string");
  struct jbuf b = {0};
  if (v->kind == JV_STR) {
    for (size_t i = 0; i < v->n; i++) {
      if (i && ((unsigned char)v->s[i] & 0xC0) != 0x80 &&
          !ai_jinja_buf_put(cx->ar, &b, sep.s, sep.n))
        return ai_jinja_err_nomem(cx, at);
      if (!ai_jinja_buf_put(cx->ar, &b, v->s + i, 1)) return ai_jinja_err_nomem(cx, at);
    }
    return str_out(cx, at, &b, out);
  }
  if (v->kind != JV_LIST)
    return ai_jinja_err(cx, at, "join: cannot join a %s", ai_jinja_v_kind_name(v));
  for (size_t i = 0; i < v->l->n; i++) {
    if (i && !ai_jinja_buf_put(cx->ar, &b, sep.s, sep.n)) return ai_jinja_err_nomem(cx, at);
    if (!ai_jinja_v_to_text(cx->ar, &b, &v->l->v[i])) return ai_jinja_err_nomem(cx, at);
  }
  return str_out(cx, at, &b, out);
}

static anyinfer_status indent(struct jctx *cx, uint32_t at, const struct jv *v,
                              const struct jargs *args, struct jv *out) {
  struct jv w = arg(args, 0, "width"), first = arg(args, 1, "first"), blank = arg(args, 2, "blank");
  int64_t width = w.kind == JV_INT ? w.i : 4;
  if (width < 0 || width > 256)
    return ai_jinja_err(cx, at, "indent: width %lld out of range", (long long)width);
  struct jbuf b = {0};
  size_t line = 0, start = 0;
  for (size_t i = 0; i <= v->n; i++) {
    if (i < v->n && v->s[i] != '\n') continue;
    bool pad = (line > 0 || ai_jinja_v_truthy(&first)) && (i > start || ai_jinja_v_truthy(&blank));
    for (int64_t k = 0; pad && k < width; k++)
      if (!ai_jinja_buf_put(cx->ar, &b, " ", 1)) return ai_jinja_err_nomem(cx, at);
    if (!ai_jinja_buf_put(cx->ar, &b, v->s + start, i - start)) return ai_jinja_err_nomem(cx, at);
    if (i < v->n && !ai_jinja_buf_put(cx->ar, &b, "\n", 1)) return ai_jinja_err_nomem(cx, at);
    start = i + 1;
    line++;
  }
  return str_out(cx, at, &b, out);
}

/* Value at a dotted attribute path ("function.name"), as HF getAttributeValue. */
static struct jv attr_path(const struct jv *item, const struct jv *path) {
  struct jv cur = *item;
  size_t i = 0;
  while (i <= path->n) {
    size_t j = i;
    while (j < path->n && path->s[j] != '.') j++;
    if (cur.kind == JV_DICT || cur.kind == JV_NS) {
      struct jv *v = ai_jinja_dict_get(cur.d, path->s + i, j - i);
      cur = v ? *v : ai_jinja_v_undef();
    } else if (cur.kind == JV_LIST) {
      char *end;
      char tmp[24];
      size_t k = j - i < sizeof tmp - 1 ? j - i : sizeof tmp - 1;
      memcpy(tmp, path->s + i, k);
      tmp[k] = '\0';
      long idx = strtol(tmp, &end, 10);
      cur = (end != tmp && idx >= 0 && (size_t)idx < cur.l->n) ? cur.l->v[idx] : ai_jinja_v_undef();
    } else {
      return ai_jinja_v_undef();
    }
    i = j + 1;
  }
  return cur;
}

static anyinfer_status select_attr(struct jctx *cx, uint32_t at, bool select, const struct jv *v,
                                   const struct jargs *args, struct jv *out) {
  struct jv name = arg(args, 0, NULL), test = arg(args, 1, NULL), val = arg(args, 2, NULL);
  if (name.kind != JV_STR || (test.kind != JV_UNDEF && test.kind != JV_STR))
    return ai_jinja_err(cx, at, "%s: arguments must be strings",
                        select ? "selectattr" : "rejectattr");
  struct jlist *l = ai_jinja_list_new(cx->ar);
  if (!l) return ai_jinja_err_nomem(cx, at);
  for (size_t i = 0; i < v->l->n; i++) {
    const struct jv *item = &v->l->v[i];
    if (item->kind != JV_DICT && item->kind != JV_NS)
      return ai_jinja_err(cx, at, "%s: items must be dicts, got %s",
                          select ? "selectattr" : "rejectattr", ai_jinja_v_kind_name(item));
    struct jv *a = ai_jinja_dict_get(item->d, name.s, name.n);
    bool r = false;
    if (a && test.kind == JV_UNDEF) {
      r = ai_jinja_v_truthy(a);
    } else if (a && (ai_jinja_v_str_eq(&test, "equalto") || ai_jinja_v_str_eq(&test, "eq") ||
                     ai_jinja_v_str_eq(&test, "=="))) {
      r = ai_jinja_v_equal(a, &val);
    } else if (a && (ai_jinja_v_str_eq(&test, "ne") || ai_jinja_v_str_eq(&test, "!="))) {
      r = !ai_jinja_v_equal(a, &val);
    } else if (a) {
      char tname[32];
      size_t k = test.n < sizeof tname - 1 ? test.n : sizeof tname - 1;
      memcpy(tname, test.s, k);
      tname[k] = '\0';
      anyinfer_status st = ai_jinja_test(cx, at, tname, a, &r);
      if (st != ANYINFER_OK) return st;
    }
    if (r == select && !ai_jinja_list_push(cx->ar, l, *item)) return ai_jinja_err_nomem(cx, at);
  }
  *out = (struct jv){.kind = JV_LIST, .l = l};
  return ANYINFER_OK;
}

static anyinfer_status map_attr(struct jctx *cx, uint32_t at, const struct jv *v,
                                const struct jargs *args, struct jv *out) {
  struct jv name = arg(args, 99, "attribute"), def = arg(args, 99, "default");
  if (name.kind != JV_STR)
    return ai_jinja_err(cx, at, "map: only map(attribute='name') is supported");
  struct jlist *l = ai_jinja_list_new(cx->ar);
  if (!l) return ai_jinja_err_nomem(cx, at);
  for (size_t i = 0; i < v->l->n; i++) {
    if (v->l->v[i].kind != JV_DICT && v->l->v[i].kind != JV_NS)
      return ai_jinja_err(cx, at, "map: items must be dicts, got %s",
                          ai_jinja_v_kind_name(&v->l->v[i]));
    struct jv a = attr_path(&v->l->v[i], &name);
    if (!ai_jinja_list_push(cx->ar, l, a.kind == JV_UNDEF ? def : a))
      return ai_jinja_err_nomem(cx, at);
  }
  *out = (struct jv){.kind = JV_LIST, .l = l};
  return ANYINFER_OK;
}

static anyinfer_status list_filter(struct jctx *cx, uint32_t at, const char *name,
                                   const struct jv *v, const struct jargs *args, struct jv *out,
                                   bool *done) {
  *done = true;
  size_t n = v->l->n;
  if (strcmp(name, "list") == 0) {
    *out = *v;
  } else if (strcmp(name, "first") == 0 || strcmp(name, "last") == 0) {
    *out = n == 0 ? ai_jinja_v_undef() : v->l->v[name[0] == 'f' ? 0 : n - 1];
  } else if (strcmp(name, "length") == 0 || strcmp(name, "count") == 0) {
    *out = ai_jinja_v_int((int64_t)n);
  } else if (strcmp(name, "reverse") == 0 || strcmp(name, "unique") == 0) {
    struct jlist *l = ai_jinja_list_new(cx->ar);
    if (!l) return ai_jinja_err_nomem(cx, at);
    for (size_t i = 0; i < n; i++) {
      struct jv x = v->l->v[name[0] == 'r' ? n - 1 - i : i];
      bool seen = false;
      for (size_t k = 0; name[0] == 'u' && k < l->n && !seen; k++)
        seen = ai_jinja_v_equal(&l->v[k], &x);
      if (!seen && !ai_jinja_list_push(cx->ar, l, x)) return ai_jinja_err_nomem(cx, at);
    }
    *out = (struct jv){.kind = JV_LIST, .l = l};
  } else if (strcmp(name, "selectattr") == 0 || strcmp(name, "rejectattr") == 0) {
    return select_attr(cx, at, name[0] == 's', v, args, out);
  } else if (strcmp(name, "map") == 0) {
    return map_attr(cx, at, v, args, out);
  } else {
    *done = false;
  }
  return ANYINFER_OK;
}

static anyinfer_status str_filter(struct jctx *cx, uint32_t at, const char *name,
                                  const struct jv *v, const struct jargs *args, struct jv *out,
                                  bool *done) {
  *done = true;
  if (strcmp(name, "length") == 0 || strcmp(name, "count") == 0) {
    *out = ai_jinja_v_int((int64_t)utf8_len(v));
    return ANYINFER_OK;
  }
  if (strcmp(name, "upper") == 0) return case_map(cx, at, v, 'U', out);
  if (strcmp(name, "lower") == 0) return case_map(cx, at, v, 'L', out);
  if (strcmp(name, "title") == 0) return case_map(cx, at, v, 'T', out);
  if (strcmp(name, "capitalize") == 0) return case_map(cx, at, v, 'C', out);
  if (strcmp(name, "trim") == 0) return trim(cx, v, out);
  if (strcmp(name, "indent") == 0) return indent(cx, at, v, args, out);
  if (strcmp(name, "replace") == 0) {
    bool found;
    return ai_jinja_method(cx, at, v, "replace", args, out, &found);
  }
  if (strcmp(name, "first") == 0 || strcmp(name, "last") == 0) {
    struct jv idx = ai_jinja_v_int(name[0] == 'f' ? 0 : -1);
    struct jargs one = {.pos = &idx, .n_pos = 1};
    bool found;
    return ai_jinja_method(cx, at, v, "__getitem__", &one, out, &found);
  }
  if (strcmp(name, "list") == 0) {
    struct jlist *l = ai_jinja_list_new(cx->ar);
    if (!l) return ai_jinja_err_nomem(cx, at);
    for (size_t i = 0, j; i < v->n; i = j) {
      for (j = i + 1; j < v->n && ((unsigned char)v->s[j] & 0xC0) == 0x80; j++) continue;
      if (!ai_jinja_list_push(cx->ar, l, ai_jinja_v_str(v->s + i, j - i)))
        return ai_jinja_err_nomem(cx, at);
    }
    *out = (struct jv){.kind = JV_LIST, .l = l};
    return ANYINFER_OK;
  }
  *done = false;
  return ANYINFER_OK;
}

static anyinfer_status to_number(struct jctx *cx, uint32_t at, bool to_int, const struct jv *v,
                                 const struct jargs *args, struct jv *out) {
  struct jv def = arg(args, 0, "default");
  if (def.kind == JV_UNDEF) def = to_int ? ai_jinja_v_int(0) : ai_jinja_v_float(0);
  if (v->kind == JV_BOOL) {
    *out = to_int ? ai_jinja_v_int(v->b) : ai_jinja_v_float(v->b);
  } else if (v->kind == JV_INT || v->kind == JV_FLOAT) {
    double f = v->kind == JV_INT ? (double)v->i : v->f;
    if (to_int && v->kind == JV_FLOAT && !(fabs(f) < 9.2e18))
      return ai_jinja_err(cx, at, "int: %g out of range", f);
    *out =
        to_int ? (v->kind == JV_INT ? *v : ai_jinja_v_int((int64_t)floor(f))) : ai_jinja_v_float(f);
  } else if (v->kind == JV_STR) {
    char tmp[64];
    size_t k = v->n < sizeof tmp - 1 ? v->n : sizeof tmp - 1;
    memcpy(tmp, v->s, k);
    tmp[k] = '\0';
    char *end;
    if (to_int) {
      long long i = strtoll(tmp, &end, 10);
      *out = end == tmp ? def : ai_jinja_v_int(i);
    } else {
      double f = strtod(tmp, &end);
      *out = end == tmp ? def : ai_jinja_v_float(f);
    }
  } else {
    return ai_jinja_err(cx, at, "cannot convert a %s to a number", ai_jinja_v_kind_name(v));
  }
  return ANYINFER_OK;
}

anyinfer_status ai_jinja_filter(struct jctx *cx, uint32_t at, const char *name, struct jv *v,
                                const struct jargs *args, struct jv *out) {
  anyinfer_status st;
  bool done = false;
  if (strcmp(name, "safe") == 0) {
    *out = *v;
    return ANYINFER_OK;
  }
  if (strcmp(name, "tojson") == 0) return tojson(cx, at, v, args, out);
  if (strcmp(name, "default") == 0 || strcmp(name, "d") == 0) {
    struct jv def = arg(args, 0, "default_value"), boolean = arg(args, 1, "boolean");
    if (def.kind == JV_UNDEF) def = ai_jinja_v_str("", 0);
    bool use = v->kind == JV_UNDEF || (ai_jinja_v_truthy(&boolean) && !ai_jinja_v_truthy(v));
    *out = use ? def : *v;
    return ANYINFER_OK;
  }
  if (strcmp(name, "string") == 0) {
    struct jbuf b = {0};
    if (!ai_jinja_v_to_text(cx->ar, &b, v)) return ai_jinja_err_nomem(cx, at);
    return str_out(cx, at, &b, out);
  }
  if (strcmp(name, "join") == 0) return join(cx, at, v, args, out);
  if (strcmp(name, "int") == 0 || strcmp(name, "float") == 0)
    return to_number(cx, at, name[0] == 'i', v, args, out);
  if (v->kind == JV_LIST) {
    if ((st = list_filter(cx, at, name, v, args, out, &done)) != ANYINFER_OK || done) return st;
  } else if (v->kind == JV_STR) {
    if ((st = str_filter(cx, at, name, v, args, out, &done)) != ANYINFER_OK || done) return st;
  } else if (v->kind == JV_DICT) {
    if (strcmp(name, "length") == 0 || strcmp(name, "count") == 0) {
      *out = ai_jinja_v_int((int64_t)v->d->n);
      return ANYINFER_OK;
    }
    if (strcmp(name, "items") == 0 || strcmp(name, "keys") == 0 || strcmp(name, "values") == 0) {
      bool found;
      return ai_jinja_method(cx, at, v, name, args, out, &found);
    }
  } else if ((v->kind == JV_INT || v->kind == JV_FLOAT) && strcmp(name, "abs") == 0) {
    if (v->kind == JV_INT && v->i == INT64_MIN)
      return ai_jinja_err(cx, at, "abs: integer overflow");
    *out =
        v->kind == JV_INT ? ai_jinja_v_int(v->i < 0 ? -v->i : v->i) : ai_jinja_v_float(fabs(v->f));
    return ANYINFER_OK;
  }
  static const char *const known[] = {
      "length",     "count", "first", "last",   "list",  "reverse",    "unique", "selectattr",
      "rejectattr", "map",   "upper", "lower",  "title", "capitalize", "trim",   "indent",
      "replace",    "items", "keys",  "values", "abs",   NULL};
  for (const char *const *k = known; *k; k++)
    if (strcmp(*k, name) == 0)
      return ai_jinja_err(cx, at, "filter '%s' cannot be applied to a %s", name,
                          ai_jinja_v_kind_name(v));
  return ai_jinja_err(cx, at, "unknown filter '%s'", name);
}

anyinfer_status ai_jinja_test(struct jctx *cx, uint32_t at, const char *name, const struct jv *v,
                              bool *out) {
  int k = v->kind;
  if (strcmp(name, "defined") == 0)
    *out = k != JV_UNDEF;
  else if (strcmp(name, "undefined") == 0)
    *out = k == JV_UNDEF;
  else if (strcmp(name, "none") == 0)
    *out = k == JV_NONE;
  else if (strcmp(name, "boolean") == 0)
    *out = k == JV_BOOL;
  else if (strcmp(name, "true") == 0)
    *out = k == JV_BOOL && v->b;
  else if (strcmp(name, "false") == 0)
    *out = k == JV_BOOL && !v->b;
  else if (strcmp(name, "string") == 0)
    *out = k == JV_STR;
  else if (strcmp(name, "number") == 0)
    *out = k == JV_INT || k == JV_FLOAT;
  else if (strcmp(name, "integer") == 0)
    *out = k == JV_INT;
  else if (strcmp(name, "float") == 0)
    *out = k == JV_FLOAT;
  else if (strcmp(name, "iterable") == 0)
    *out = k == JV_LIST || k == JV_STR;
  else if (strcmp(name, "mapping") == 0)
    *out = k == JV_DICT;
  else if (strcmp(name, "sequence") == 0)
    *out = k == JV_LIST || k == JV_DICT || k == JV_STR;
  else if (strcmp(name, "callable") == 0)
    *out = k == JV_FUNC || k == JV_MACRO;
  else if (strcmp(name, "odd") == 0 || strcmp(name, "even") == 0) {
    if (k != JV_INT)
      return ai_jinja_err(cx, at, "test '%s' needs an integer, got %s", name,
                          ai_jinja_v_kind_name(v));
    *out = (v->i % 2 != 0) == (name[0] == 'o');
  } else if (strcmp(name, "lower") == 0 || strcmp(name, "upper") == 0) {
    struct jv m;
    if (k != JV_STR) {
      *out = false;
      return ANYINFER_OK;
    }
    anyinfer_status st = case_map(cx, at, v, name[0] == 'l' ? 'L' : 'U', &m);
    if (st != ANYINFER_OK) return st;
    *out = memcmp(m.s, v->s, v->n) == 0;
  } else {
    return ai_jinja_err(cx, at, "unknown test '%s'", name);
  }
  return ANYINFER_OK;
}
