/* Parser state shared by the expression parser (jinja_parse_expr.c) and the statement parser
 * (jinja_parse.c). Internal to src/text. */
#ifndef AI_TEXT_JINJA_PARSE_H
#define AI_TEXT_JINJA_PARSE_H

#include "text/jinja_internal.h"

struct parser {
  struct jarena *ar;
  const char *src;
  size_t src_len;
  const struct jtok *t;
  size_t n, i;
  int depth, max_depth;
  struct ai_error *err;
};

/* Node lists grow by doubling inside the arena. */
struct nlist {
  struct jnode **v;
  size_t n, cap;
};

/* Error at token `at`: "jinja: line L col C: <fmt with what>, found '<token>'". */
anyinfer_status ai_jp_perr(struct parser *ps, const struct jtok *at, const char *fmt,
                           const char *what);
anyinfer_status ai_jp_pnomem(struct parser *ps);
const struct jtok *ai_jp_peek(struct parser *ps, size_t k);
bool ai_jp_is_punct(const struct jtok *t, const char *s);
bool ai_jp_is_name(const struct jtok *t, const char *s);
anyinfer_status ai_jp_expect_punct(struct parser *ps, const char *s);
anyinfer_status ai_jp_expect_kind(struct parser *ps, enum jtok_kind kind, const char *spell);
struct jnode *ai_jp_node(struct parser *ps, uint8_t kind, uint32_t pos);
bool ai_jp_nl_push(struct parser *ps, struct nlist *l, struct jnode *nd);
/* One more level of nesting; an error past max_depth. Callers decrement ps->depth. */
anyinfer_status ai_jp_enter(struct parser *ps);
/* "(" args ")" with name=value keyword arguments as E_KWARG nodes. */
anyinfer_status ai_jp_parse_args(struct parser *ps, struct nlist *args);
/* A full expression, including `a if c else b` and `a if c`. */
anyinfer_status ai_jp_parse_expr(struct parser *ps, struct jnode **out);
/* A primary expression (name, literal, parenthesized) without postfix operators. */
anyinfer_status ai_jp_parse_primary(struct parser *ps, struct jnode **out);

#endif
