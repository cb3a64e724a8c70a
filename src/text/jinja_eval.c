/* Jinja evaluator: runs the AST of jinja_parse*.c against a scope chain, writing text into the
 * current output buffer. Semantics follow @huggingface/jinja src/runtime.ts: loop scopes persist
 * across iterations, macros see their caller's scope, none/undefined render as "", `==` is
 * loose. Every statement and expression costs one step; steps, nesting depth, output bytes and
 * arena bytes are bounded (struct ai_jinja_limits). Filters and methods live in
 * jinja_filters.c, operators in jinja_ops.c, statements in jinja_exec.c. */
#include <string.h>

#include "text/jinja_internal.h"

void ai_jinja_default_limits(struct ai_jinja_limits *lim) {
  lim->max_output_bytes = (size_t)16 << 20;
  lim->max_memory_bytes = (size_t)256 << 20;
  lim->max_steps = 50000000;
  lim->max_depth = 200;
  lim->max_range = 1000000;
}

anyinfer_status ai_jinja_step(struct jctx *cx, uint32_t pos) {
  if (++cx->steps > cx->lim.max_steps)
    return ai_jinja_err(cx, pos, "template ran more than %llu steps",
                        (unsigned long long)cx->lim.max_steps);
  return ANYINFER_OK;
}

anyinfer_status ai_jinja_emit(struct jctx *cx, uint32_t pos, const char *s, size_t n) {
  if (n > cx->lim.max_output_bytes || cx->out->n > cx->lim.max_output_bytes - n)
    return ai_jinja_err(cx, pos, "output exceeds %zu bytes", cx->lim.max_output_bytes);
  if (!ai_jinja_buf_put(cx->ar, cx->out, s, n)) return ai_jinja_err_nomem(cx, pos);
  return ANYINFER_OK;
}

/* Evaluates call arguments: positional into a list, name=value into a dict. */
anyinfer_status ai_jinja_eval_args(struct jctx *cx, struct jscope *sc, struct jnode *const *args,
                                   size_t n, struct jargs *out) {
  memset(out, 0, sizeof *out);
  if (n == 0) return ANYINFER_OK;
  out->pos = ai_jinja_arena_alloc(cx->ar, n * sizeof *out->pos);
  if (!out->pos) return ai_jinja_err_nomem(cx, args[0]->pos);
  anyinfer_status st;
  for (size_t i = 0; i < n; i++) {
    struct jv v;
    const struct jnode *arg = args[i]->kind == E_KWARG ? args[i]->a : args[i];
    if ((st = ai_jinja_eval_expr(cx, sc, arg, &v)) != ANYINFER_OK) return st;
    if (args[i]->kind != E_KWARG) {
      if (out->kw)
        return ai_jinja_err(cx, args[i]->pos, "positional argument after keyword argument");
      out->pos[out->n_pos++] = v;
      continue;
    }
    if (!out->kw && !(out->kw = ai_jinja_dict_new(cx->ar)))
      return ai_jinja_err_nomem(cx, args[i]->pos);
    if (ai_jinja_dict_get(out->kw, args[i]->s, args[i]->slen))
      return ai_jinja_err(cx, args[i]->pos, "keyword argument '%s' given twice", args[i]->s);
    if (!ai_jinja_dict_set(cx->ar, out->kw, args[i]->s, args[i]->slen, v))
      return ai_jinja_err_nomem(cx, args[i]->pos);
  }
  return ANYINFER_OK;
}

/* Runs body with output captured into a fresh buffer; *out is the captured string. */
anyinfer_status ai_jinja_capture(struct jctx *cx, struct jscope *sc, struct jnode *const *body,
                                 size_t n, struct jv *out) {
  struct jbuf buf = {0}, *saved = cx->out;
  cx->out = &buf;
  anyinfer_status st = ai_jinja_exec_body(cx, sc, body, n);
  cx->out = saved;
  *out = ai_jinja_v_str(buf.p, buf.n);
  return st;
}

/* Calls a macro (N_MACRO) or a call block's `caller` (N_CALL_BLOCK): binds parameters in a new
 * scope over `parent`, runs the body, returns its output as a string. */
anyinfer_status ai_jinja_call_macro(struct jctx *cx, uint32_t at, const struct jnode *m,
                                    struct jscope *parent, const struct jargs *args,
                                    const struct jv *caller, struct jv *out) {
  const char *name = m->kind == N_MACRO ? m->s : "caller";
  struct jscope *msc = ai_jinja_arena_alloc(cx->ar, sizeof *msc);
  if (!msc) return ai_jinja_err_nomem(cx, at);
  msc->parent = parent;
  if (args->n_pos > m->n_alt)
    return ai_jinja_err(cx, at, "macro '%s' takes at most %zu arguments, got %zu", name, m->n_alt,
                        args->n_pos);
  anyinfer_status st;
  for (size_t k = 0; args->kw && k < args->kw->n; k++) {
    bool known = false;
    for (size_t i = 0; i < m->n_alt; i++)
      known = known || (m->alt[i]->slen == args->kw->keys[k].n &&
                        memcmp(m->alt[i]->s, args->kw->keys[k].s, m->alt[i]->slen) == 0);
    if (!known)
      return ai_jinja_err(cx, at, "macro '%s' has no parameter '%.*s'", name,
                          (int)args->kw->keys[k].n, args->kw->keys[k].s);
  }
  for (int pass = 0; pass < 2; pass++) { /* bind all names first, then evaluate defaults */
    for (size_t i = 0; i < m->n_alt; i++) {
      const struct jnode *p = m->alt[i];
      struct jv *kw = args->kw ? ai_jinja_dict_get(args->kw, p->s, p->slen) : NULL;
      bool given = i < args->n_pos || kw;
      struct jv v = i < args->n_pos ? args->pos[i] : kw ? *kw : ai_jinja_v_undef();
      if (pass == 1 && (given || p->kind != E_KWARG)) continue;
      if (pass == 1 && (st = ai_jinja_eval_expr(cx, msc, p->a, &v)) != ANYINFER_OK) return st;
      if (!ai_jinja_scope_set(cx->ar, msc, p->s, p->slen, v)) return ai_jinja_err_nomem(cx, at);
    }
  }
  if (caller && !ai_jinja_scope_set(cx->ar, msc, "caller", 6, *caller))
    return ai_jinja_err_nomem(cx, at);
  if (++cx->depth > cx->lim.max_depth)
    return ai_jinja_err(cx, at, "macro calls nested deeper than %d", cx->lim.max_depth);
  st = ai_jinja_capture(cx, msc, m->body, m->n_body, out);
  cx->depth--;
  if (st == ANYINFER_OK && cx->loop_ctl)
    return ai_jinja_err(cx, at, "break or continue outside a loop");
  return st;
}

anyinfer_status ai_jinja_eval_call(struct jctx *cx, struct jscope *sc, const struct jnode *e,
                                   const struct jv *caller, struct jv *out) {
  struct jargs args;
  anyinfer_status st = ai_jinja_eval_args(cx, sc, e->body, e->n_body, &args);
  if (st != ANYINFER_OK) return st;
  struct jv fn;
  if (e->a->kind == E_ATTR) { /* obj.name(...): a method, or a macro stored in a dict */
    struct jv obj;
    if ((st = ai_jinja_eval_expr(cx, sc, e->a->a, &obj)) != ANYINFER_OK) return st;
    struct jv *member = (obj.kind == JV_DICT || obj.kind == JV_NS)
                            ? ai_jinja_dict_get(obj.d, e->a->s, e->a->slen)
                            : NULL;
    if (!member || (member->kind != JV_MACRO && member->kind != JV_FUNC)) {
      bool found = false;
      st = ai_jinja_method(cx, e->a->pos, &obj, e->a->s, &args, out, &found);
      if (st != ANYINFER_OK || found) return st;
      return ai_jinja_err(cx, e->a->pos, "%s has no method '%s'", ai_jinja_v_kind_name(&obj),
                          e->a->s);
    }
    fn = *member;
  } else if ((st = ai_jinja_eval_expr(cx, sc, e->a, &fn)) != ANYINFER_OK) {
    return st;
  }
  if (fn.kind == JV_MACRO)
    return ai_jinja_call_macro(cx, e->pos, fn.node, fn.closure ? fn.closure : sc, &args, caller,
                               out);
  if (fn.kind == JV_FUNC) return ai_jinja_call_builtin(cx, e->pos, (int)fn.i, &args, out);
  return ai_jinja_err(cx, e->pos, "cannot call a value of type %s", ai_jinja_v_kind_name(&fn));
}

/* Characters of a UTF-8 string as offsets: idx[k] is where code point k starts. */
static size_t utf8_index(struct jctx *cx, const struct jv *s, size_t **idx) {
  size_t n = 0;
  for (size_t i = 0; i < s->n; i++) n += ((unsigned char)s->s[i] & 0xC0) != 0x80;
  *idx = ai_jinja_arena_alloc(cx->ar, (n + 1) * sizeof **idx);
  if (!*idx) return SIZE_MAX;
  size_t k = 0;
  for (size_t i = 0; i < s->n; i++)
    if (((unsigned char)s->s[i] & 0xC0) != 0x80) (*idx)[k++] = i;
  (*idx)[n] = s->n;
  return n;
}

static anyinfer_status eval_index(struct jctx *cx, uint32_t at, const struct jv *obj,
                                  const struct jv *key, struct jv *out) {
  *out = ai_jinja_v_undef();
  if (obj->kind == JV_DICT || obj->kind == JV_NS) {
    if (key->kind != JV_STR)
      return ai_jinja_err(cx, at, "dict keys are strings, got %s", ai_jinja_v_kind_name(key));
    struct jv *v = ai_jinja_dict_get(obj->d, key->s, key->n);
    if (v) *out = *v;
    return ANYINFER_OK;
  }
  if ((obj->kind != JV_LIST && obj->kind != JV_STR) || key->kind != JV_INT) return ANYINFER_OK;
  int64_t i = key->i;
  if (obj->kind == JV_LIST) {
    int64_t n = (int64_t)obj->l->n;
    if (i < 0) i += n;
    if (i >= 0 && i < n) *out = obj->l->v[i];
    return ANYINFER_OK;
  }
  size_t *idx, n = utf8_index(cx, obj, &idx);
  if (n == SIZE_MAX) return ai_jinja_err_nomem(cx, at);
  if (i < 0) i += (int64_t)n;
  if (i >= 0 && i < (int64_t)n) *out = ai_jinja_v_str(obj->s + idx[i], idx[i + 1] - idx[i]);
  return ANYINFER_OK;
}

/* Python slice semantics, as @huggingface/jinja src/utils.ts slice(). */
static anyinfer_status eval_slice(struct jctx *cx, struct jscope *sc, const struct jnode *e,
                                  const struct jv *obj, struct jv *out) {
  int64_t v[3] = {0, 0, 1};
  bool has[3] = {false, false, false};
  const struct jnode *parts[3] = {e->b, e->c, e->d};
  anyinfer_status st;
  for (int k = 0; k < 3; k++) {
    if (!parts[k]) continue;
    struct jv x;
    if ((st = ai_jinja_eval_expr(cx, sc, parts[k], &x)) != ANYINFER_OK) return st;
    if (x.kind == JV_UNDEF) continue;
    if (x.kind != JV_INT) return ai_jinja_err(cx, parts[k]->pos, "slice bounds must be integers");
    v[k] = x.i;
    has[k] = true;
  }
  if (v[2] == 0) return ai_jinja_err(cx, e->pos, "slice step cannot be zero");
  if (obj->kind != JV_LIST && obj->kind != JV_STR)
    return ai_jinja_err(cx, e->pos, "cannot slice a value of type %s", ai_jinja_v_kind_name(obj));
  size_t *idx = NULL;
  int64_t len = obj->kind == JV_LIST ? (int64_t)obj->l->n : (int64_t)utf8_index(cx, obj, &idx);
  if (obj->kind == JV_STR && !idx) return ai_jinja_err_nomem(cx, e->pos);
  int64_t start, stop, stepv = v[2];
  if (stepv > 0) {
    start = !has[0] ? 0 : v[0] < 0 ? (len + v[0] > 0 ? len + v[0] : 0) : (v[0] < len ? v[0] : len);
    stop = !has[1] ? len : v[1] < 0 ? (len + v[1] > 0 ? len + v[1] : 0) : (v[1] < len ? v[1] : len);
  } else {
    start = !has[0]    ? len - 1
            : v[0] < 0 ? (len + v[0] > -1 ? len + v[0] : -1)
                       : (v[0] < len - 1 ? v[0] : len - 1);
    stop = !has[1]     ? -1
           : v[1] < -1 ? (len + v[1] > -1 ? len + v[1] : -1)
                       : (v[1] < len - 1 ? v[1] : len - 1);
  }
  struct jlist *l = obj->kind == JV_LIST ? ai_jinja_list_new(cx->ar) : NULL;
  struct jbuf b = {0};
  if (obj->kind == JV_LIST && !l) return ai_jinja_err_nomem(cx, e->pos);
  for (int64_t i = start; stepv > 0 ? i < stop : i > stop; i += stepv) {
    bool ok = l ? ai_jinja_list_push(cx->ar, l, obj->l->v[i])
                : ai_jinja_buf_put(cx->ar, &b, obj->s + idx[i], idx[i + 1] - idx[i]);
    if (!ok) return ai_jinja_err_nomem(cx, e->pos);
  }
  if (l) {
    *out = (struct jv){.kind = JV_LIST, .l = l};
  } else {
    *out = ai_jinja_v_str(b.p, b.n);
  }
  return ANYINFER_OK;
}

static anyinfer_status eval_expr_inner(struct jctx *cx, struct jscope *sc, const struct jnode *e,
                                       struct jv *out) {
  anyinfer_status st;
  struct jv a, b;
  switch (e->kind) {
    case E_STR:
      *out = ai_jinja_v_str(e->s, e->slen);
      return ANYINFER_OK;
    case E_INT:
      *out = ai_jinja_v_int(e->i);
      return ANYINFER_OK;
    case E_FLOAT:
      *out = ai_jinja_v_float(e->f);
      return ANYINFER_OK;
    case E_NAME:
      *out = ai_jinja_scope_get(sc, e->s, e->slen);
      return ANYINFER_OK;
    case E_LIST:
    case E_TUPLE: {
      struct jlist *l = ai_jinja_list_new(cx->ar);
      if (!l) return ai_jinja_err_nomem(cx, e->pos);
      for (size_t i = 0; i < e->n_body; i++) {
        if ((st = ai_jinja_eval_expr(cx, sc, e->body[i], &a)) != ANYINFER_OK) return st;
        if (!ai_jinja_list_push(cx->ar, l, a)) return ai_jinja_err_nomem(cx, e->pos);
      }
      *out = (struct jv){.kind = JV_LIST, .l = l};
      return ANYINFER_OK;
    }
    case E_DICT: {
      struct jdict *d = ai_jinja_dict_new(cx->ar);
      if (!d) return ai_jinja_err_nomem(cx, e->pos);
      for (size_t i = 0; i < e->n_body; i++) {
        if ((st = ai_jinja_eval_expr(cx, sc, e->body[i], &a)) != ANYINFER_OK) return st;
        if (a.kind != JV_STR)
          return ai_jinja_err(cx, e->body[i]->pos, "dict keys must be strings, got %s",
                              ai_jinja_v_kind_name(&a));
        if ((st = ai_jinja_eval_expr(cx, sc, e->alt[i], &b)) != ANYINFER_OK) return st;
        if (!ai_jinja_dict_set(cx->ar, d, a.s, a.n, b)) return ai_jinja_err_nomem(cx, e->pos);
      }
      *out = (struct jv){.kind = JV_DICT, .d = d};
      return ANYINFER_OK;
    }
    case E_ATTR:
      if ((st = ai_jinja_eval_expr(cx, sc, e->a, &a)) != ANYINFER_OK) return st;
      b = ai_jinja_v_str(e->s, e->slen);
      if (a.kind != JV_DICT && a.kind != JV_NS) {
        *out = ai_jinja_v_undef();
        return ANYINFER_OK;
      }
      return eval_index(cx, e->pos, &a, &b, out);
    case E_INDEX:
      if ((st = ai_jinja_eval_expr(cx, sc, e->a, &a)) != ANYINFER_OK) return st;
      if ((st = ai_jinja_eval_expr(cx, sc, e->b, &b)) != ANYINFER_OK) return st;
      return eval_index(cx, e->pos, &a, &b, out);
    case E_SLICE:
      if ((st = ai_jinja_eval_expr(cx, sc, e->a, &a)) != ANYINFER_OK) return st;
      return eval_slice(cx, sc, e, &a, out);
    case E_CALL:
      return ai_jinja_eval_call(cx, sc, e, NULL, out);
    case E_FILTER: {
      struct jargs args;
      if ((st = ai_jinja_eval_expr(cx, sc, e->a, &a)) != ANYINFER_OK) return st;
      if ((st = ai_jinja_eval_args(cx, sc, e->body, e->n_body, &args)) != ANYINFER_OK) return st;
      return ai_jinja_filter(cx, e->pos, e->s, &a, &args, out);
    }
    case E_TEST: {
      bool r;
      if ((st = ai_jinja_eval_expr(cx, sc, e->a, &a)) != ANYINFER_OK) return st;
      if ((st = ai_jinja_test(cx, e->pos, e->s, &a, &r)) != ANYINFER_OK) return st;
      *out = ai_jinja_v_bool(e->op ? !r : r);
      return ANYINFER_OK;
    }
    case E_UNARY:
      if ((st = ai_jinja_eval_expr(cx, sc, e->a, &a)) != ANYINFER_OK) return st;
      if (e->op == '!') {
        *out = ai_jinja_v_bool(!ai_jinja_v_truthy(&a));
      } else if (a.kind == JV_FLOAT) {
        *out = ai_jinja_v_float(e->op == '-' ? -a.f : a.f);
      } else if (a.kind == JV_INT || a.kind == JV_BOOL) {
        int64_t v = a.kind == JV_BOOL ? a.b : a.i;
        if (e->op == '-' && v == INT64_MIN) return ai_jinja_err(cx, e->pos, "integer overflow");
        *out = ai_jinja_v_int(e->op == '-' ? -v : v);
      } else {
        return ai_jinja_err(cx, e->pos, "unary '%c' needs a number, got %s", e->op,
                            ai_jinja_v_kind_name(&a));
      }
      return ANYINFER_OK;
    case E_BINARY:
      if ((st = ai_jinja_eval_expr(cx, sc, e->a, &a)) != ANYINFER_OK) return st;
      if (e->op == OP_AND || e->op == OP_OR) {
        if (ai_jinja_v_truthy(&a) == (e->op == OP_OR)) {
          *out = a;
          return ANYINFER_OK;
        }
        return ai_jinja_eval_expr(cx, sc, e->b, out);
      }
      if ((st = ai_jinja_eval_expr(cx, sc, e->b, &b)) != ANYINFER_OK) return st;
      return ai_jinja_binary(cx, e->pos, e->op, &a, &b, out);
    case E_TERNARY:
    case E_SELECT:
      if ((st = ai_jinja_eval_expr(cx, sc, e->a, &a)) != ANYINFER_OK) return st;
      if (ai_jinja_v_truthy(&a)) return ai_jinja_eval_expr(cx, sc, e->b, out);
      if (e->kind == E_SELECT) {
        *out = ai_jinja_v_undef();
        return ANYINFER_OK;
      }
      return ai_jinja_eval_expr(cx, sc, e->c, out);
    default:
      return ai_jinja_err(cx, e->pos, "not an expression");
  }
}

anyinfer_status ai_jinja_eval_expr(struct jctx *cx, struct jscope *sc, const struct jnode *e,
                                   struct jv *out) {
  anyinfer_status st = ai_jinja_step(cx, e->pos);
  if (st != ANYINFER_OK) return st;
  if (++cx->depth > cx->lim.max_depth)
    return ai_jinja_err(cx, e->pos, "expression nested deeper than %d", cx->lim.max_depth);
  st = eval_expr_inner(cx, sc, e, out);
  cx->depth--;
  return st;
}
