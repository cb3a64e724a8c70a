/* Jinja statements: text, output, if, for (loop variable, else, filter, tuple unpacking), set
 * (names, tuples, namespace attributes, blocks), macro, call blocks, filter blocks, break and
 * continue; and ai_jinja_render, which lexes, parses and runs a template. Scoping as
 * @huggingface/jinja: `for` opens one scope for the whole loop, `if` opens none. */
#include <string.h>

#include "text/jinja_internal.h"

static anyinfer_status assign(struct jctx *cx, struct jscope *sc, const struct jnode *target,
                              const struct jv *v) {
  if (target->kind == E_NAME) {
    if (!ai_jinja_scope_set(cx->ar, sc, target->s, target->slen, *v))
      return ai_jinja_err_nomem(cx, target->pos);
    return ANYINFER_OK;
  }
  if (target->kind == E_TUPLE) {
    if (v->kind != JV_LIST)
      return ai_jinja_err(cx, target->pos, "cannot unpack a value of type %s",
                          ai_jinja_v_kind_name(v));
    if (v->l->n != target->n_body)
      return ai_jinja_err(cx, target->pos, "cannot unpack %zu values into %zu names", v->l->n,
                          target->n_body);
    for (size_t i = 0; i < target->n_body; i++) {
      anyinfer_status st = assign(cx, sc, target->body[i], &v->l->v[i]);
      if (st != ANYINFER_OK) return st;
    }
    return ANYINFER_OK;
  }
  /* E_ATTR on a name: namespace attribute */
  struct jv obj = ai_jinja_scope_get(sc, target->a->s, target->a->slen);
  if (obj.kind != JV_NS)
    return ai_jinja_err(cx, target->pos, "cannot set attribute '%s' on a %s (only on a namespace)",
                        target->s, ai_jinja_v_kind_name(&obj));
  if (!ai_jinja_dict_set(cx->ar, obj.d, target->s, target->slen, *v))
    return ai_jinja_err_nomem(cx, target->pos);
  return ANYINFER_OK;
}

static bool loop_set(struct jctx *cx, struct jdict *d, const char *k, struct jv v) {
  return ai_jinja_dict_set(cx->ar, d, k, strlen(k), v);
}

static anyinfer_status exec_for(struct jctx *cx, struct jscope *sc, const struct jnode *f) {
  struct jscope *lsc = ai_jinja_arena_alloc(cx->ar, sizeof *lsc);
  if (!lsc) return ai_jinja_err_nomem(cx, f->pos);
  lsc->parent = sc;
  struct jv it;
  anyinfer_status st = ai_jinja_eval_expr(cx, lsc, f->b, &it);
  if (st != ANYINFER_OK) return st;
  if (it.kind == JV_DICT) { /* iterating a dict yields its keys */
    struct jlist *keys = ai_jinja_list_new(cx->ar);
    if (!keys) return ai_jinja_err_nomem(cx, f->pos);
    for (size_t i = 0; i < it.d->n; i++)
      if (!ai_jinja_list_push(cx->ar, keys, it.d->keys[i])) return ai_jinja_err_nomem(cx, f->pos);
    it = (struct jv){.kind = JV_LIST, .l = keys};
  }
  if (it.kind != JV_LIST)
    return ai_jinja_err(cx, f->b->pos, "cannot loop over a value of type %s",
                        ai_jinja_v_kind_name(&it));
  struct jlist *items = it.l;
  if (f->c) { /* for x in xs if cond: filter first, so loop.length counts kept items */
    struct jscope *tsc = ai_jinja_arena_alloc(cx->ar, sizeof *tsc);
    items = ai_jinja_list_new(cx->ar);
    if (!tsc || !items) return ai_jinja_err_nomem(cx, f->pos);
    tsc->parent = lsc;
    for (size_t i = 0; i < it.l->n; i++) {
      struct jv keep;
      if ((st = assign(cx, tsc, f->a, &it.l->v[i])) != ANYINFER_OK) return st;
      if ((st = ai_jinja_eval_expr(cx, tsc, f->c, &keep)) != ANYINFER_OK) return st;
      if (ai_jinja_v_truthy(&keep) && !ai_jinja_list_push(cx->ar, items, it.l->v[i]))
        return ai_jinja_err_nomem(cx, f->pos);
    }
  }
  struct jdict *loop = ai_jinja_dict_new(cx->ar);
  if (!loop) return ai_jinja_err_nomem(cx, f->pos);
  struct jv loopv = {.kind = JV_DICT, .d = loop};
  bool none_ran = true;
  size_t n = items->n;
  for (size_t i = 0; i < n; i++) {
    bool ok = loop_set(cx, loop, "index", ai_jinja_v_int((int64_t)i + 1)) &&
              loop_set(cx, loop, "index0", ai_jinja_v_int((int64_t)i)) &&
              loop_set(cx, loop, "revindex", ai_jinja_v_int((int64_t)(n - i))) &&
              loop_set(cx, loop, "revindex0", ai_jinja_v_int((int64_t)(n - i - 1))) &&
              loop_set(cx, loop, "first", ai_jinja_v_bool(i == 0)) &&
              loop_set(cx, loop, "last", ai_jinja_v_bool(i == n - 1)) &&
              loop_set(cx, loop, "length", ai_jinja_v_int((int64_t)n)) &&
              loop_set(cx, loop, "previtem", i > 0 ? items->v[i - 1] : ai_jinja_v_undef()) &&
              loop_set(cx, loop, "nextitem", i + 1 < n ? items->v[i + 1] : ai_jinja_v_undef()) &&
              ai_jinja_scope_set(cx->ar, lsc, "loop", 4, loopv);
    if (!ok) return ai_jinja_err_nomem(cx, f->pos);
    if ((st = assign(cx, lsc, f->a, &items->v[i])) != ANYINFER_OK) return st;
    if ((st = ai_jinja_exec_body(cx, lsc, f->body, f->n_body)) != ANYINFER_OK) return st;
    int ctl = cx->loop_ctl;
    cx->loop_ctl = 0;
    if (ctl == 2) continue;
    if (ctl == 1) break;
    none_ran = false; /* as HF: an iteration that ends in break/continue does not count */
  }
  if (none_ran) return ai_jinja_exec_body(cx, lsc, f->alt, f->n_alt);
  return ANYINFER_OK;
}

static anyinfer_status exec_call_block(struct jctx *cx, struct jscope *sc, const struct jnode *s) {
  struct jv caller = {.kind = JV_MACRO, .node = s, .closure = sc}, out;
  anyinfer_status st = ai_jinja_eval_call(cx, sc, s->a, &caller, &out);
  if (st != ANYINFER_OK) return st;
  return ai_jinja_emit(cx, s->pos, out.s, out.n);
}

static anyinfer_status exec_stmt(struct jctx *cx, struct jscope *sc, const struct jnode *s) {
  anyinfer_status st;
  struct jv v;
  switch (s->kind) {
    case N_TEXT:
      return ai_jinja_emit(cx, s->pos, s->s, s->slen);
    case N_OUTPUT: {
      if ((st = ai_jinja_eval_expr(cx, sc, s->a, &v)) != ANYINFER_OK) return st;
      if (v.kind == JV_STR) return ai_jinja_emit(cx, s->pos, v.s, v.n);
      struct jbuf b = {0};
      if (!ai_jinja_v_to_text(cx->ar, &b, &v)) return ai_jinja_err_nomem(cx, s->pos);
      return ai_jinja_emit(cx, s->pos, b.p, b.n);
    }
    case N_IF:
      if ((st = ai_jinja_eval_expr(cx, sc, s->a, &v)) != ANYINFER_OK) return st;
      return ai_jinja_v_truthy(&v) ? ai_jinja_exec_body(cx, sc, s->body, s->n_body)
                                   : ai_jinja_exec_body(cx, sc, s->alt, s->n_alt);
    case N_FOR:
      return exec_for(cx, sc, s);
    case N_SET:
      if ((st = ai_jinja_eval_expr(cx, sc, s->b, &v)) != ANYINFER_OK) return st;
      return assign(cx, sc, s->a, &v);
    case N_SET_BLOCK:
      if ((st = ai_jinja_capture(cx, sc, s->body, s->n_body, &v)) != ANYINFER_OK) return st;
      return assign(cx, sc, s->a, &v);
    case N_MACRO:
      v = (struct jv){.kind = JV_MACRO, .node = s};
      if (!ai_jinja_scope_set(cx->ar, sc, s->s, s->slen, v)) return ai_jinja_err_nomem(cx, s->pos);
      return ANYINFER_OK;
    case N_CALL_BLOCK:
      return exec_call_block(cx, sc, s);
    case N_FILTER_BLOCK: {
      struct jargs args;
      struct jv out;
      if ((st = ai_jinja_capture(cx, sc, s->body, s->n_body, &v)) != ANYINFER_OK) return st;
      if ((st = ai_jinja_eval_args(cx, sc, s->a->body, s->a->n_body, &args)) != ANYINFER_OK)
        return st;
      if ((st = ai_jinja_filter(cx, s->a->pos, s->a->s, &v, &args, &out)) != ANYINFER_OK) return st;
      struct jbuf b = {0};
      if (!ai_jinja_v_to_text(cx->ar, &b, &out)) return ai_jinja_err_nomem(cx, s->pos);
      return ai_jinja_emit(cx, s->pos, b.p, b.n);
    }
    case N_BREAK:
      cx->loop_ctl = 1;
      return ANYINFER_OK;
    case N_CONTINUE:
      cx->loop_ctl = 2;
      return ANYINFER_OK;
    default:
      return ai_jinja_err(cx, s->pos, "not a statement");
  }
}

anyinfer_status ai_jinja_exec_body(struct jctx *cx, struct jscope *sc, struct jnode *const *body,
                                   size_t n) {
  if (++cx->depth > cx->lim.max_depth)
    return ai_jinja_err(cx, n ? body[0]->pos : 0, "blocks nested deeper than %d",
                        cx->lim.max_depth);
  anyinfer_status st = ANYINFER_OK;
  for (size_t i = 0; i < n && st == ANYINFER_OK && !cx->loop_ctl; i++) {
    st = ai_jinja_step(cx, body[i]->pos);
    if (st == ANYINFER_OK) st = exec_stmt(cx, sc, body[i]);
  }
  cx->depth--;
  return st;
}

static bool set_builtins(struct jarena *ar, struct jscope *sc) {
  static const struct {
    const char *name;
    int fn;
  } fns[] = {{"range", FN_RANGE},
             {"namespace", FN_NAMESPACE},
             {"raise_exception", FN_RAISE},
             {"strftime_now", FN_STRFTIME}};
  bool ok = ai_jinja_scope_set(ar, sc, "true", 4, ai_jinja_v_bool(true)) &&
            ai_jinja_scope_set(ar, sc, "false", 5, ai_jinja_v_bool(false)) &&
            ai_jinja_scope_set(ar, sc, "none", 4, ai_jinja_v_none()) &&
            ai_jinja_scope_set(ar, sc, "True", 4, ai_jinja_v_bool(true)) &&
            ai_jinja_scope_set(ar, sc, "False", 5, ai_jinja_v_bool(false)) &&
            ai_jinja_scope_set(ar, sc, "None", 4, ai_jinja_v_none());
  for (size_t i = 0; ok && i < sizeof fns / sizeof fns[0]; i++)
    ok = ai_jinja_scope_set(ar, sc, fns[i].name, strlen(fns[i].name),
                            (struct jv){.kind = JV_FUNC, .i = fns[i].fn});
  return ok;
}

anyinfer_status ai_jinja_render(struct jarena *ar, const char *src, size_t len, struct jscope *vars,
                                const struct ai_jinja_limits *lim, struct jbuf *out,
                                struct ai_error *err) {
  struct jtok *toks;
  size_t n_toks, n_body;
  struct jnode **body;
  anyinfer_status st = ai_jinja_lex(ar, src, len, &toks, &n_toks, err);
  if (st != ANYINFER_OK) return st;
  st = ai_jinja_parse_tokens(ar, src, len, toks, n_toks, lim->max_depth, &body, &n_body, err);
  if (st != ANYINFER_OK) return st;
  struct jctx cx = {.ar = ar, .src = src, .src_len = len, .lim = *lim, .out = out, .err = err};
  struct jscope *globals = ai_jinja_arena_alloc(ar, sizeof *globals);
  if (!globals || !set_builtins(ar, globals)) return ai_jinja_err_nomem(&cx, 0);
  vars->parent = globals;
  st = ai_jinja_exec_body(&cx, vars, body, n_body);
  if (st == ANYINFER_OK && cx.loop_ctl)
    return ai_jinja_err(&cx, 0, "break or continue outside a loop");
  if (st == ANYINFER_OK && !out->p && !ai_jinja_buf_put(ar, out, "", 0))
    return ai_jinja_err_nomem(&cx, 0);
  return st;
}
