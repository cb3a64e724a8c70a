/* Jinja expression parser: tokens (jinja_lex.c) to expression nodes. Operator precedence
 * follows @huggingface/jinja src/parser.ts, lowest first: `x if c else y`, or, and, not,
 * comparisons and in / not in, + - ~, * / // %, **, is-tests, |filters, unary + -, then member
 * access, calls and literals. Statements are parsed in jinja_parse.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text/jinja_parse.h"

anyinfer_status ai_jp_perr(struct parser *ps, const struct jtok *at, const char *fmt,
                           const char *what) {
  int line, col;
  ai_jinja_where(ps->src, ps->src_len, at->pos, &line, &col);
  char msg[256];
  snprintf(msg, sizeof msg, fmt, what);
  const char *found = at->kind == TK_EOF ? "end of template" : at->text;
  return ai_error_set(ps->err, ANYINFER_E_TEMPLATE, "jinja: line %d col %d: %s, found '%.40s'",
                      line, col, msg, found);
}

anyinfer_status ai_jp_pnomem(struct parser *ps) {
  if (ps->ar->over_limit)
    return ai_error_set(ps->err, ANYINFER_E_TEMPLATE,
                        "jinja: template needs more than %zu bytes of memory", ps->ar->max_bytes);
  return ai_error_set(ps->err, ANYINFER_E_NOMEM, "jinja: out of memory while parsing");
}

const struct jtok *ai_jp_peek(struct parser *ps, size_t k) {
  size_t j = ps->i + k;
  return &ps->t[j < ps->n ? j : ps->n - 1];
}

bool ai_jp_is_punct(const struct jtok *t, const char *s) {
  return t->kind == TK_PUNCT && strcmp(t->text, s) == 0;
}
bool ai_jp_is_name(const struct jtok *t, const char *s) {
  return t->kind == TK_NAME && strcmp(t->text, s) == 0;
}

anyinfer_status ai_jp_expect_punct(struct parser *ps, const char *s) {
  if (!ai_jp_is_punct(ai_jp_peek(ps, 0), s))
    return ai_jp_perr(ps, ai_jp_peek(ps, 0), "expected '%s'", s);
  ps->i++;
  return ANYINFER_OK;
}

anyinfer_status ai_jp_expect_kind(struct parser *ps, enum jtok_kind kind, const char *spell) {
  if (ai_jp_peek(ps, 0)->kind != kind)
    return ai_jp_perr(ps, ai_jp_peek(ps, 0), "expected '%s'", spell);
  ps->i++;
  return ANYINFER_OK;
}

struct jnode *ai_jp_node(struct parser *ps, uint8_t kind, uint32_t pos) {
  struct jnode *nd = ai_jinja_arena_alloc(ps->ar, sizeof *nd);
  if (nd) {
    nd->kind = kind;
    nd->pos = pos;
  }
  return nd;
}

bool ai_jp_nl_push(struct parser *ps, struct nlist *l, struct jnode *nd) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 4;
    struct jnode **p = ai_jinja_arena_alloc(ps->ar, cap * sizeof *p);
    if (!p) return false;
    if (l->n) memcpy(p, l->v, l->n * sizeof *p);
    l->v = p;
    l->cap = cap;
  }
  l->v[l->n++] = nd;
  return true;
}

static anyinfer_status parse_or(struct parser *ps, struct jnode **out);

anyinfer_status ai_jp_enter(struct parser *ps) {
  if (++ps->depth > ps->max_depth)
    return ai_jp_perr(ps, ai_jp_peek(ps, 0), "nesting deeper than %s levels", "the allowed");
  return ANYINFER_OK;
}

anyinfer_status ai_jp_parse_args(struct parser *ps, struct nlist *args) {
  anyinfer_status st;
  if ((st = ai_jp_expect_punct(ps, "(")) != ANYINFER_OK) return st;
  while (!ai_jp_is_punct(ai_jp_peek(ps, 0), ")")) {
    const struct jtok *t = ai_jp_peek(ps, 0);
    struct jnode *arg;
    if (t->kind == TK_NAME && ai_jp_is_punct(ai_jp_peek(ps, 1), "=")) {
      ps->i += 2;
      if (!(arg = ai_jp_node(ps, E_KWARG, t->pos))) return ai_jp_pnomem(ps);
      arg->s = t->text;
      arg->slen = t->len;
      if ((st = ai_jp_parse_expr(ps, &arg->a)) != ANYINFER_OK) return st;
    } else if ((st = ai_jp_parse_expr(ps, &arg)) != ANYINFER_OK) {
      return st;
    }
    if (!ai_jp_nl_push(ps, args, arg)) return ai_jp_pnomem(ps);
    if (ai_jp_is_punct(ai_jp_peek(ps, 0), ",")) {
      ps->i++;
    } else if (!ai_jp_is_punct(ai_jp_peek(ps, 0), ")")) {
      return ai_jp_perr(ps, ai_jp_peek(ps, 0), "expected ',' or ')' in %s", "argument list");
    }
  }
  ps->i++;
  return ANYINFER_OK;
}

static anyinfer_status parse_subscript(struct parser *ps, struct jnode *obj, uint32_t pos,
                                       struct jnode **out) {
  struct jnode *parts[3] = {NULL, NULL, NULL};
  int n_parts = 0;
  bool is_slice = false;
  anyinfer_status st;
  while (!ai_jp_is_punct(ai_jp_peek(ps, 0), "]")) {
    if (n_parts >= 3)
      return ai_jp_perr(ps, ai_jp_peek(ps, 0), "a slice takes at most %s parts", "3");
    if (ai_jp_is_punct(ai_jp_peek(ps, 0), ":")) {
      ps->i++;
      n_parts++;
      is_slice = true;
      continue;
    }
    if ((st = ai_jp_parse_expr(ps, &parts[n_parts])) != ANYINFER_OK) return st;
    n_parts++;
    if (ai_jp_is_punct(ai_jp_peek(ps, 0), ":")) {
      ps->i++;
      is_slice = true;
    } else if (!ai_jp_is_punct(ai_jp_peek(ps, 0), "]")) {
      return ai_jp_perr(ps, ai_jp_peek(ps, 0), "expected ']' or ':' in %s", "subscript");
    }
  }
  if (n_parts == 0 && !is_slice) return ai_jp_perr(ps, ai_jp_peek(ps, 0), "empty %s", "subscript");
  ps->i++;
  struct jnode *nd = ai_jp_node(ps, is_slice ? E_SLICE : E_INDEX, pos);
  if (!nd) return ai_jp_pnomem(ps);
  nd->a = obj;
  nd->b = parts[0];
  nd->c = parts[1];
  nd->d = parts[2];
  *out = nd;
  return ANYINFER_OK;
}

/* primary, then any mix of .name, [subscript] and (call args). */
static anyinfer_status parse_postfix(struct parser *ps, struct jnode **out) {
  anyinfer_status st;
  struct jnode *e;
  if ((st = ai_jp_parse_primary(ps, &e)) != ANYINFER_OK) return st;
  for (;;) {
    const struct jtok *t = ai_jp_peek(ps, 0);
    if (ai_jp_is_punct(t, ".")) {
      const struct jtok *name = ai_jp_peek(ps, 1);
      if (name->kind != TK_NAME && name->kind != TK_INT)
        return ai_jp_perr(ps, name, "expected a name after %s", "'.'");
      ps->i += 2;
      struct jnode *nd = ai_jp_node(ps, name->kind == TK_NAME ? E_ATTR : E_INDEX, t->pos);
      if (!nd) return ai_jp_pnomem(ps);
      nd->a = e;
      if (name->kind == TK_NAME) {
        nd->s = name->text;
        nd->slen = name->len;
      } else {
        if (!(nd->b = ai_jp_node(ps, E_INT, name->pos))) return ai_jp_pnomem(ps);
        nd->b->i = strtoll(name->text, NULL, 10);
      }
      e = nd;
    } else if (ai_jp_is_punct(t, "[")) {
      ps->i++;
      if ((st = parse_subscript(ps, e, t->pos, &e)) != ANYINFER_OK) return st;
    } else if (ai_jp_is_punct(t, "(")) {
      struct jnode *nd = ai_jp_node(ps, E_CALL, t->pos);
      if (!nd) return ai_jp_pnomem(ps);
      struct nlist args = {0};
      if ((st = ai_jp_parse_args(ps, &args)) != ANYINFER_OK) return st;
      nd->a = e;
      nd->body = args.v;
      nd->n_body = args.n;
      e = nd;
    } else {
      break;
    }
  }
  *out = e;
  return ANYINFER_OK;
}

static anyinfer_status parse_literal_seq(struct parser *ps, const char *close, uint8_t kind,
                                         uint32_t pos, struct jnode **out) {
  struct nlist items = {0}, vals = {0};
  anyinfer_status st;
  while (!ai_jp_is_punct(ai_jp_peek(ps, 0), close)) {
    struct jnode *item;
    if ((st = ai_jp_parse_expr(ps, &item)) != ANYINFER_OK) return st;
    if (!ai_jp_nl_push(ps, &items, item)) return ai_jp_pnomem(ps);
    if (kind == E_DICT) {
      if ((st = ai_jp_expect_punct(ps, ":")) != ANYINFER_OK) return st;
      if ((st = ai_jp_parse_expr(ps, &item)) != ANYINFER_OK) return st;
      if (!ai_jp_nl_push(ps, &vals, item)) return ai_jp_pnomem(ps);
    }
    if (ai_jp_is_punct(ai_jp_peek(ps, 0), ",")) {
      ps->i++;
    } else if (!ai_jp_is_punct(ai_jp_peek(ps, 0), close)) {
      return ai_jp_perr(ps, ai_jp_peek(ps, 0), "expected ',' or '%s'", close);
    }
  }
  ps->i++;
  struct jnode *nd = ai_jp_node(ps, kind, pos);
  if (!nd) return ai_jp_pnomem(ps);
  nd->body = items.v;
  nd->n_body = items.n;
  nd->alt = vals.v;
  nd->n_alt = vals.n;
  *out = nd;
  return ANYINFER_OK;
}

anyinfer_status ai_jp_parse_primary(struct parser *ps, struct jnode **out) {
  const struct jtok *t = ai_jp_peek(ps, 0);
  anyinfer_status st;
  struct jnode *nd = NULL;
  if ((st = ai_jp_enter(ps)) != ANYINFER_OK) return st;
  ps->i++;
  switch (t->kind) {
    case TK_INT: {
      if (!(nd = ai_jp_node(ps, E_INT, t->pos))) return ai_jp_pnomem(ps);
      errno = 0;
      nd->i = strtoll(t->text, NULL, 10);
      if (errno == ERANGE) return ai_jp_perr(ps, t, "integer literal %s out of range", t->text);
      break;
    }
    case TK_FLOAT:
      if (!(nd = ai_jp_node(ps, E_FLOAT, t->pos))) return ai_jp_pnomem(ps);
      nd->f = strtod(t->text, NULL);
      break;
    case TK_STRING: {
      struct jbuf b = {0};
      if (!ai_jinja_buf_put(ps->ar, &b, t->text, t->len)) return ai_jp_pnomem(ps);
      while (ai_jp_peek(ps, 0)->kind == TK_STRING) { /* 'a' 'b' is 'ab' */
        if (!ai_jinja_buf_put(ps->ar, &b, ai_jp_peek(ps, 0)->text, ai_jp_peek(ps, 0)->len))
          return ai_jp_pnomem(ps);
        ps->i++;
      }
      if (!(nd = ai_jp_node(ps, E_STR, t->pos))) return ai_jp_pnomem(ps);
      nd->s = b.p ? b.p : "";
      nd->slen = b.n;
      break;
    }
    case TK_NAME:
      if (!(nd = ai_jp_node(ps, E_NAME, t->pos))) return ai_jp_pnomem(ps);
      nd->s = t->text;
      nd->slen = t->len;
      break;
    case TK_PUNCT:
      if (strcmp(t->text, "(") == 0) {
        if ((st = ai_jp_parse_expr(ps, &nd)) != ANYINFER_OK) return st;
        if (ai_jp_is_punct(ai_jp_peek(ps, 0), ",")) { /* (a, b) is a tuple */
          struct nlist items = {0};
          if (!ai_jp_nl_push(ps, &items, nd)) return ai_jp_pnomem(ps);
          while (ai_jp_is_punct(ai_jp_peek(ps, 0), ",")) {
            ps->i++;
            if (ai_jp_is_punct(ai_jp_peek(ps, 0), ")")) break;
            if ((st = ai_jp_parse_expr(ps, &nd)) != ANYINFER_OK) return st;
            if (!ai_jp_nl_push(ps, &items, nd)) return ai_jp_pnomem(ps);
          }
          if (!(nd = ai_jp_node(ps, E_TUPLE, t->pos))) return ai_jp_pnomem(ps);
          nd->body = items.v;
          nd->n_body = items.n;
        }
        if ((st = ai_jp_expect_punct(ps, ")")) != ANYINFER_OK) return st;
        break;
      }
      if (strcmp(t->text, "[") == 0) {
        if ((st = parse_literal_seq(ps, "]", E_LIST, t->pos, &nd)) != ANYINFER_OK) return st;
        break;
      }
      if (strcmp(t->text, "{") == 0) {
        if ((st = parse_literal_seq(ps, "}", E_DICT, t->pos, &nd)) != ANYINFER_OK) return st;
        break;
      }
      /* fall through */
    default:
      return ai_jp_perr(ps, t, "expected an %s", "expression");
  }
  ps->depth--;
  *out = nd;
  return ANYINFER_OK;
}

static anyinfer_status parse_unary(struct parser *ps, struct jnode **out) {
  const struct jtok *t = ai_jp_peek(ps, 0);
  if (ai_jp_is_punct(t, "-") || ai_jp_is_punct(t, "+")) {
    anyinfer_status st;
    if ((st = ai_jp_enter(ps)) != ANYINFER_OK) return st;
    ps->i++;
    struct jnode *nd = ai_jp_node(ps, E_UNARY, t->pos);
    if (!nd) return ai_jp_pnomem(ps);
    nd->op = (uint8_t)t->text[0];
    if ((st = parse_unary(ps, &nd->a)) != ANYINFER_OK) return st;
    ps->depth--;
    *out = nd;
    return ANYINFER_OK;
  }
  return parse_postfix(ps, out);
}

static anyinfer_status parse_filter(struct parser *ps, struct jnode **out) {
  anyinfer_status st;
  if ((st = parse_unary(ps, out)) != ANYINFER_OK) return st;
  while (ai_jp_is_punct(ai_jp_peek(ps, 0), "|")) {
    const struct jtok *name = ai_jp_peek(ps, 1);
    if (name->kind != TK_NAME)
      return ai_jp_perr(ps, name, "expected a filter name after %s", "'|'");
    ps->i += 2;
    struct jnode *nd = ai_jp_node(ps, E_FILTER, name->pos);
    if (!nd) return ai_jp_pnomem(ps);
    nd->a = *out;
    nd->s = name->text;
    nd->slen = name->len;
    if (ai_jp_is_punct(ai_jp_peek(ps, 0), "(")) {
      struct nlist args = {0};
      if ((st = ai_jp_parse_args(ps, &args)) != ANYINFER_OK) return st;
      nd->body = args.v;
      nd->n_body = args.n;
    }
    *out = nd;
  }
  return ANYINFER_OK;
}

static anyinfer_status parse_test(struct parser *ps, struct jnode **out) {
  anyinfer_status st;
  if ((st = parse_filter(ps, out)) != ANYINFER_OK) return st;
  while (ai_jp_is_name(ai_jp_peek(ps, 0), "is")) {
    ps->i++;
    bool negate = ai_jp_is_name(ai_jp_peek(ps, 0), "not");
    if (negate) ps->i++;
    const struct jtok *name = ai_jp_peek(ps, 0);
    if (name->kind != TK_NAME) return ai_jp_perr(ps, name, "expected a test name after %s", "'is'");
    ps->i++;
    struct jnode *nd = ai_jp_node(ps, E_TEST, name->pos);
    if (!nd) return ai_jp_pnomem(ps);
    nd->a = *out;
    nd->s = name->text;
    nd->slen = name->len;
    nd->op = negate;
    *out = nd;
  }
  return ANYINFER_OK;
}

/* Binary levels from ** up to comparisons share one loop, driven by this table. */
struct binop {
  const char *spell;
  uint8_t op;
};
static const struct binop pow_ops[] = {{"**", OP_POW}, {NULL, 0}};
static const struct binop mul_ops[] = {
    {"*", OP_MUL}, {"/", OP_DIV}, {"//", OP_FLOORDIV}, {"%", OP_MOD}, {NULL, 0}};
static const struct binop add_ops[] = {{"+", OP_ADD}, {"-", OP_SUB}, {"~", OP_CONCAT}, {NULL, 0}};
static const struct binop cmp_ops[] = {{"==", OP_EQ}, {"!=", OP_NE}, {"<", OP_LT}, {"<=", OP_LE},
                                       {">", OP_GT},  {">=", OP_GE}, {NULL, 0}};
static const struct binop *const levels[] = {cmp_ops, add_ops, mul_ops, pow_ops};

static anyinfer_status parse_level(struct parser *ps, int level, struct jnode **out) {
  anyinfer_status st;
  if (level == 4) return parse_test(ps, out);
  if ((st = parse_level(ps, level + 1, out)) != ANYINFER_OK) return st;
  for (;;) {
    const struct jtok *t = ai_jp_peek(ps, 0);
    uint8_t op = 0;
    size_t skip = 1;
    for (const struct binop *b = levels[level]; b->spell; b++)
      if (ai_jp_is_punct(t, b->spell)) op = b->op;
    if (level == 0 && ai_jp_is_name(t, "in")) op = OP_IN;
    if (level == 0 && ai_jp_is_name(t, "not") && ai_jp_is_name(ai_jp_peek(ps, 1), "in")) {
      op = OP_NOT_IN;
      skip = 2;
    }
    if (!op) return ANYINFER_OK;
    if ((st = ai_jp_enter(ps)) != ANYINFER_OK) return st;
    ps->i += skip;
    struct jnode *nd = ai_jp_node(ps, E_BINARY, t->pos);
    if (!nd) return ai_jp_pnomem(ps);
    nd->op = op;
    nd->a = *out;
    if ((st = parse_level(ps, level + 1, &nd->b)) != ANYINFER_OK) return st;
    ps->depth--;
    *out = nd;
  }
}

static anyinfer_status parse_not(struct parser *ps, struct jnode **out) {
  const struct jtok *t = ai_jp_peek(ps, 0);
  if (!ai_jp_is_name(t, "not")) return parse_level(ps, 0, out);
  anyinfer_status st;
  if ((st = ai_jp_enter(ps)) != ANYINFER_OK) return st;
  ps->i++;
  struct jnode *nd = ai_jp_node(ps, E_UNARY, t->pos);
  if (!nd) return ai_jp_pnomem(ps);
  nd->op = '!';
  if ((st = parse_not(ps, &nd->a)) != ANYINFER_OK) return st;
  ps->depth--;
  *out = nd;
  return ANYINFER_OK;
}

static anyinfer_status parse_logic(struct parser *ps, bool is_or, struct jnode **out) {
  anyinfer_status st;
  if ((st = is_or ? parse_logic(ps, false, out) : parse_not(ps, out)) != ANYINFER_OK) return st;
  while (ai_jp_is_name(ai_jp_peek(ps, 0), is_or ? "or" : "and")) {
    const struct jtok *t = ai_jp_peek(ps, 0);
    if ((st = ai_jp_enter(ps)) != ANYINFER_OK) return st;
    ps->i++;
    struct jnode *nd = ai_jp_node(ps, E_BINARY, t->pos);
    if (!nd) return ai_jp_pnomem(ps);
    nd->op = is_or ? OP_OR : OP_AND;
    nd->a = *out;
    if ((st = is_or ? parse_logic(ps, false, &nd->b) : parse_not(ps, &nd->b)) != ANYINFER_OK)
      return st;
    ps->depth--;
    *out = nd;
  }
  return ANYINFER_OK;
}

static anyinfer_status parse_or(struct parser *ps, struct jnode **out) {
  return parse_logic(ps, true, out);
}

anyinfer_status ai_jp_parse_expr(struct parser *ps, struct jnode **out) {
  anyinfer_status st;
  if ((st = ai_jp_enter(ps)) != ANYINFER_OK) return st;
  if ((st = parse_or(ps, out)) != ANYINFER_OK) return st;
  if (ai_jp_is_name(ai_jp_peek(ps, 0), "if")) {
    const struct jtok *t = ai_jp_peek(ps, 0);
    ps->i++;
    struct jnode *nd = ai_jp_node(ps, E_SELECT, t->pos);
    if (!nd) return ai_jp_pnomem(ps);
    nd->b = *out;
    if ((st = parse_or(ps, &nd->a)) != ANYINFER_OK) return st;
    if (ai_jp_is_name(ai_jp_peek(ps, 0), "else")) {
      ps->i++;
      nd->kind = E_TERNARY;
      if ((st = ai_jp_parse_expr(ps, &nd->c)) != ANYINFER_OK) return st;
    }
    *out = nd;
  }
  ps->depth--;
  return ANYINFER_OK;
}
