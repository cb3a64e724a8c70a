/* Jinja statement parser: text, {{ output }}, and the {% %} statements chat templates use — set
 * (also `set ns.attr` and block set), if/elif/else, for/else (tuple targets, `for x in xs if c`),
 * macro, call, filter, break, continue; `generation`/`endgeneration` tags are dropped as
 * @huggingface/jinja's preprocess drops them. Expressions are jinja_parse_expr.c's job. */
#include <stdio.h>
#include <string.h>

#include "text/jinja_parse.h"

static anyinfer_status parse_body(struct parser *ps, struct nlist *out, const char *const *stops,
                                  const struct jtok *opener);

static bool is_stop(const struct jtok *t, const char *const *stops) {
  for (; stops && *stops; stops++)
    if (ai_jp_is_name(t, *stops)) return true;
  return false;
}

/* Consumes `{% name %}` that closes a block. */
static anyinfer_status end_tag(struct parser *ps, const char *name) {
  anyinfer_status st;
  if ((st = ai_jp_expect_kind(ps, TK_OPEN_STMT, "{%")) != ANYINFER_OK) return st;
  if (!ai_jp_is_name(ai_jp_peek(ps, 0), name))
    return ai_jp_perr(ps, ai_jp_peek(ps, 0), "expected '%s'", name);
  ps->i++;
  return ai_jp_expect_kind(ps, TK_CLOSE_STMT, "%}");
}

/* A comma-separated sequence of expressions: one expression, or an E_TUPLE of several. */
static anyinfer_status parse_seq(struct parser *ps, bool names_only, struct jnode **out) {
  const struct jtok *first = ai_jp_peek(ps, 0);
  struct nlist items = {0};
  anyinfer_status st;
  for (;;) {
    struct jnode *e;
    st = names_only ? ai_jp_parse_primary(ps, &e) : ai_jp_parse_expr(ps, &e);
    if (st != ANYINFER_OK) return st;
    if (names_only && e->kind != E_NAME)
      return ai_jp_perr(ps, first, "expected %s as loop variable", "a name");
    if (!ai_jp_nl_push(ps, &items, e)) return ai_jp_pnomem(ps);
    if (!ai_jp_is_punct(ai_jp_peek(ps, 0), ",")) break;
    ps->i++;
  }
  if (items.n == 1) {
    *out = items.v[0];
    return ANYINFER_OK;
  }
  struct jnode *t = ai_jp_node(ps, E_TUPLE, first->pos);
  if (!t) return ai_jp_pnomem(ps);
  t->body = items.v;
  t->n_body = items.n;
  *out = t;
  return ANYINFER_OK;
}

static anyinfer_status parse_set(struct parser *ps, const struct jtok *kw, struct jnode **out) {
  struct jnode *target, *nd;
  anyinfer_status st;
  if ((st = parse_seq(ps, false, &target)) != ANYINFER_OK) return st;
  bool ok = target->kind == E_NAME || (target->kind == E_ATTR && target->a->kind == E_NAME);
  if (target->kind == E_TUPLE) {
    ok = true;
    for (size_t i = 0; i < target->n_body; i++) ok = ok && target->body[i]->kind == E_NAME;
  }
  if (!ok) return ai_jp_perr(ps, kw, "cannot assign to this %s target", "set");
  if (ai_jp_is_punct(ai_jp_peek(ps, 0), "=")) {
    ps->i++;
    if (!(nd = ai_jp_node(ps, N_SET, kw->pos))) return ai_jp_pnomem(ps);
    nd->a = target;
    if ((st = parse_seq(ps, false, &nd->b)) != ANYINFER_OK) return st;
    if ((st = ai_jp_expect_kind(ps, TK_CLOSE_STMT, "%}")) != ANYINFER_OK) return st;
  } else {
    if ((st = ai_jp_expect_kind(ps, TK_CLOSE_STMT, "'=' or %}")) != ANYINFER_OK) return st;
    if (!(nd = ai_jp_node(ps, N_SET_BLOCK, kw->pos))) return ai_jp_pnomem(ps);
    nd->a = target;
    static const char *const stops[] = {"endset", NULL};
    struct nlist body = {0};
    if ((st = parse_body(ps, &body, stops, kw)) != ANYINFER_OK) return st;
    if ((st = end_tag(ps, "endset")) != ANYINFER_OK) return st;
    nd->body = body.v;
    nd->n_body = body.n;
  }
  *out = nd;
  return ANYINFER_OK;
}

/* if / elif: an elif becomes a nested N_IF in alt; the outermost consumes endif. */
static anyinfer_status parse_if(struct parser *ps, const struct jtok *kw, bool outer,
                                struct jnode **out) {
  static const char *const stops[] = {"elif", "else", "endif", NULL};
  static const char *const else_stops[] = {"endif", NULL};
  anyinfer_status st;
  struct jnode *nd = ai_jp_node(ps, N_IF, kw->pos);
  if (!nd) return ai_jp_pnomem(ps);
  if ((st = ai_jp_parse_expr(ps, &nd->a)) != ANYINFER_OK) return st;
  if ((st = ai_jp_expect_kind(ps, TK_CLOSE_STMT, "%}")) != ANYINFER_OK) return st;
  struct nlist body = {0}, alt = {0};
  if ((st = parse_body(ps, &body, stops, kw)) != ANYINFER_OK) return st;
  const struct jtok *which = ai_jp_peek(ps, 1);
  if (ai_jp_is_name(which, "elif")) {
    ps->i += 2;
    struct jnode *sub;
    if ((st = ai_jp_enter(ps)) != ANYINFER_OK) return st;
    if ((st = parse_if(ps, which, false, &sub)) != ANYINFER_OK) return st;
    ps->depth--;
    if (!ai_jp_nl_push(ps, &alt, sub)) return ai_jp_pnomem(ps);
  } else if (ai_jp_is_name(which, "else")) {
    ps->i += 2;
    if ((st = ai_jp_expect_kind(ps, TK_CLOSE_STMT, "%}")) != ANYINFER_OK) return st;
    if ((st = parse_body(ps, &alt, else_stops, kw)) != ANYINFER_OK) return st;
  }
  if (outer && (st = end_tag(ps, "endif")) != ANYINFER_OK) return st;
  nd->body = body.v;
  nd->n_body = body.n;
  nd->alt = alt.v;
  nd->n_alt = alt.n;
  *out = nd;
  return ANYINFER_OK;
}

static anyinfer_status parse_for(struct parser *ps, const struct jtok *kw, struct jnode **out) {
  static const char *const stops[] = {"endfor", "else", NULL};
  static const char *const else_stops[] = {"endfor", NULL};
  anyinfer_status st;
  struct jnode *nd = ai_jp_node(ps, N_FOR, kw->pos);
  if (!nd) return ai_jp_pnomem(ps);
  if ((st = parse_seq(ps, true, &nd->a)) != ANYINFER_OK) return st;
  if (!ai_jp_is_name(ai_jp_peek(ps, 0), "in"))
    return ai_jp_perr(ps, ai_jp_peek(ps, 0), "expected '%s' after the loop variable", "in");
  ps->i++;
  if ((st = ai_jp_parse_expr(ps, &nd->b)) != ANYINFER_OK) return st;
  if (nd->b->kind == E_SELECT) { /* for x in xs if cond: a filtered loop */
    nd->c = nd->b->a;
    nd->b = nd->b->b;
  }
  if ((st = ai_jp_expect_kind(ps, TK_CLOSE_STMT, "%}")) != ANYINFER_OK) return st;
  struct nlist body = {0}, alt = {0};
  if ((st = parse_body(ps, &body, stops, kw)) != ANYINFER_OK) return st;
  if (ai_jp_is_name(ai_jp_peek(ps, 1), "else")) {
    ps->i += 2;
    if ((st = ai_jp_expect_kind(ps, TK_CLOSE_STMT, "%}")) != ANYINFER_OK) return st;
    if ((st = parse_body(ps, &alt, else_stops, kw)) != ANYINFER_OK) return st;
  }
  if ((st = end_tag(ps, "endfor")) != ANYINFER_OK) return st;
  nd->body = body.v;
  nd->n_body = body.n;
  nd->alt = alt.v;
  nd->n_alt = alt.n;
  *out = nd;
  return ANYINFER_OK;
}

static anyinfer_status check_params(struct parser *ps, const struct jtok *kw, struct nlist *p) {
  for (size_t i = 0; i < p->n; i++)
    if (p->v[i]->kind != E_NAME && p->v[i]->kind != E_KWARG)
      return ai_jp_perr(ps, kw, "%s parameters must be names or name=default", kw->text);
  return ANYINFER_OK;
}

/* macro name(params) ... endmacro; call[(params)] name(args) ... endcall. */
static anyinfer_status parse_macro_or_call(struct parser *ps, const struct jtok *kw, bool is_call,
                                           struct jnode **out) {
  static const char *const macro_stops[] = {"endmacro", NULL};
  static const char *const call_stops[] = {"endcall", NULL};
  anyinfer_status st;
  struct jnode *nd = ai_jp_node(ps, is_call ? N_CALL_BLOCK : N_MACRO, kw->pos);
  if (!nd) return ai_jp_pnomem(ps);
  struct nlist params = {0}, body = {0};
  if (is_call && ai_jp_is_punct(ai_jp_peek(ps, 0), "(")) {
    if ((st = ai_jp_parse_args(ps, &params)) != ANYINFER_OK) return st;
  }
  const struct jtok *name = ai_jp_peek(ps, 0);
  if (name->kind != TK_NAME) return ai_jp_perr(ps, name, "expected a name after '%s'", kw->text);
  ps->i++;
  if (is_call) {
    struct jnode *callee = ai_jp_node(ps, E_NAME, name->pos);
    struct jnode *call = ai_jp_node(ps, E_CALL, name->pos);
    if (!callee || !call) return ai_jp_pnomem(ps);
    callee->s = name->text;
    callee->slen = name->len;
    call->a = callee;
    struct nlist args = {0};
    if ((st = ai_jp_parse_args(ps, &args)) != ANYINFER_OK) return st;
    call->body = args.v;
    call->n_body = args.n;
    nd->a = call;
  } else {
    nd->s = name->text;
    nd->slen = name->len;
    if ((st = ai_jp_parse_args(ps, &params)) != ANYINFER_OK) return st;
  }
  if ((st = check_params(ps, kw, &params)) != ANYINFER_OK) return st;
  if ((st = ai_jp_expect_kind(ps, TK_CLOSE_STMT, "%}")) != ANYINFER_OK) return st;
  if ((st = parse_body(ps, &body, is_call ? call_stops : macro_stops, kw)) != ANYINFER_OK)
    return st;
  if ((st = end_tag(ps, is_call ? "endcall" : "endmacro")) != ANYINFER_OK) return st;
  nd->body = body.v;
  nd->n_body = body.n;
  nd->alt = params.v;
  nd->n_alt = params.n;
  *out = nd;
  return ANYINFER_OK;
}

static anyinfer_status parse_filter_block(struct parser *ps, const struct jtok *kw,
                                          struct jnode **out) {
  static const char *const stops[] = {"endfilter", NULL};
  anyinfer_status st;
  const struct jtok *name = ai_jp_peek(ps, 0);
  if (name->kind != TK_NAME)
    return ai_jp_perr(ps, name, "expected a filter name after %s", "'filter'");
  ps->i++;
  struct jnode *nd = ai_jp_node(ps, N_FILTER_BLOCK, kw->pos);
  struct jnode *f = ai_jp_node(ps, E_FILTER, name->pos);
  if (!nd || !f) return ai_jp_pnomem(ps);
  f->s = name->text;
  f->slen = name->len;
  if (ai_jp_is_punct(ai_jp_peek(ps, 0), "(")) {
    struct nlist args = {0};
    if ((st = ai_jp_parse_args(ps, &args)) != ANYINFER_OK) return st;
    f->body = args.v;
    f->n_body = args.n;
  }
  if ((st = ai_jp_expect_kind(ps, TK_CLOSE_STMT, "%}")) != ANYINFER_OK) return st;
  struct nlist body = {0};
  if ((st = parse_body(ps, &body, stops, kw)) != ANYINFER_OK) return st;
  if ((st = end_tag(ps, "endfilter")) != ANYINFER_OK) return st;
  nd->a = f;
  nd->body = body.v;
  nd->n_body = body.n;
  *out = nd;
  return ANYINFER_OK;
}

/* After `{%`: one statement. *out stays NULL for tags that produce nothing. */
static anyinfer_status parse_statement(struct parser *ps, struct jnode **out) {
  const struct jtok *kw = ai_jp_peek(ps, 0);
  anyinfer_status st;
  *out = NULL;
  if (kw->kind != TK_NAME) return ai_jp_perr(ps, kw, "expected a %s name after '{%%'", "statement");
  ps->i++;
  if ((st = ai_jp_enter(ps)) != ANYINFER_OK) return st;
  if (strcmp(kw->text, "set") == 0) {
    st = parse_set(ps, kw, out);
  } else if (strcmp(kw->text, "if") == 0) {
    st = parse_if(ps, kw, true, out);
  } else if (strcmp(kw->text, "for") == 0) {
    st = parse_for(ps, kw, out);
  } else if (strcmp(kw->text, "macro") == 0 || strcmp(kw->text, "call") == 0) {
    st = parse_macro_or_call(ps, kw, kw->text[0] == 'c', out);
  } else if (strcmp(kw->text, "filter") == 0) {
    st = parse_filter_block(ps, kw, out);
  } else if (strcmp(kw->text, "break") == 0 || strcmp(kw->text, "continue") == 0) {
    if (!(*out = ai_jp_node(ps, kw->text[0] == 'b' ? N_BREAK : N_CONTINUE, kw->pos)))
      return ai_jp_pnomem(ps);
    st = ai_jp_expect_kind(ps, TK_CLOSE_STMT, "%}");
  } else if (strcmp(kw->text, "generation") == 0 || strcmp(kw->text, "endgeneration") == 0) {
    st = ai_jp_expect_kind(ps, TK_CLOSE_STMT, "%}");
  } else {
    return ai_jp_perr(ps, kw, "unknown statement '%s'", kw->text);
  }
  ps->depth--;
  return st;
}

/* Statements until EOF (stops NULL) or until `{% <stop> ...` (left unconsumed). */
static anyinfer_status parse_body(struct parser *ps, struct nlist *out, const char *const *stops,
                                  const struct jtok *opener) {
  anyinfer_status st;
  for (;;) {
    const struct jtok *t = ai_jp_peek(ps, 0);
    struct jnode *nd = NULL;
    switch (t->kind) {
      case TK_EOF:
        if (!stops) return ANYINFER_OK;
        return ai_jp_perr(ps, opener, "'%s' block is never closed", opener->text);
      case TK_TEXT:
        if (!(nd = ai_jp_node(ps, N_TEXT, t->pos))) return ai_jp_pnomem(ps);
        nd->s = t->text;
        nd->slen = t->len;
        ps->i++;
        break;
      case TK_OPEN_EXPR:
        ps->i++;
        if (!(nd = ai_jp_node(ps, N_OUTPUT, t->pos))) return ai_jp_pnomem(ps);
        if ((st = ai_jp_parse_expr(ps, &nd->a)) != ANYINFER_OK) return st;
        if ((st = ai_jp_expect_kind(ps, TK_CLOSE_EXPR, "}}")) != ANYINFER_OK) return st;
        break;
      case TK_OPEN_STMT:
        if (is_stop(ai_jp_peek(ps, 1), stops)) return ANYINFER_OK;
        ps->i++;
        if ((st = parse_statement(ps, &nd)) != ANYINFER_OK) return st;
        break;
      default:
        return ai_jp_perr(ps, t, "unexpected %s outside a tag", "token");
    }
    if (nd && !ai_jp_nl_push(ps, out, nd)) return ai_jp_pnomem(ps);
  }
}

anyinfer_status ai_jinja_parse_tokens(struct jarena *ar, const char *src, size_t src_len,
                                      const struct jtok *toks, size_t n_toks, int max_depth,
                                      struct jnode ***body, size_t *n_body, struct ai_error *err) {
  struct parser ps = {.ar = ar,
                      .src = src,
                      .src_len = src_len,
                      .t = toks,
                      .n = n_toks,
                      .max_depth = max_depth,
                      .err = err};
  struct nlist l = {0};
  anyinfer_status st = parse_body(&ps, &l, NULL, NULL);
  if (st != ANYINFER_OK) return st;
  *body = l.v;
  *n_body = l.n;
  return ANYINFER_OK;
}
