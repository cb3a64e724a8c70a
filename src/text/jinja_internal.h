/* Shared internals of the Jinja-subset interpreter: the arena every render allocates from,
 * tokens, AST nodes, runtime values and the render context. Only jinja_*.c include this; other
 * modules use jinja.h; chat.c drives a render through ai_jinja_render. The behaviour follows
 * @huggingface/jinja 0.5 (the renderer Hugging Face's JS stack uses for chat templates), which is
 * what the parity test compares against. */
#ifndef AI_TEXT_JINJA_INTERNAL_H
#define AI_TEXT_JINJA_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/alloc.h"
#include "base/error.h"
#include "text/jinja.h"

/* ---- arena: one per render; everything below lives in it and is freed at once ---- */
struct jarena_chunk;
struct jarena {
  const struct ai_alloc *a;
  struct jarena_chunk *head;
  size_t used_bytes; /* bytes requested from a so far */
  size_t max_bytes;  /* limit; exceeding it is a template error, not a crash */
  bool over_limit;   /* the last failure was the limit, not the allocator */
};

void *ai_jinja_arena_alloc(struct jarena *ar, size_t n); /* zeroed; NULL on failure */
void ai_jinja_arena_free_all(struct jarena *ar);

/* Growable byte buffer inside the arena. */
struct jbuf {
  char *p;
  size_t n, cap;
};
bool ai_jinja_buf_put(struct jarena *ar, struct jbuf *b, const char *s, size_t n);

/* ---- tokens ---- */
enum jtok_kind {
  TK_EOF,
  TK_TEXT,
  TK_OPEN_STMT,
  TK_CLOSE_STMT,
  TK_OPEN_EXPR,
  TK_CLOSE_EXPR,
  TK_NAME,
  TK_INT,
  TK_FLOAT,
  TK_STRING,
  TK_PUNCT /* ( ) [ ] { } , . : | = and operators; text holds the spelling */
};

struct jtok {
  enum jtok_kind kind;
  const char *text; /* NUL-terminated, in the arena (unescaped for strings) */
  size_t len;
  uint32_t pos; /* byte offset in the original source */
};

/* Lexes src into *toks (arena). Returns OK or E_TEMPLATE/E_NOMEM with err set. */
anyinfer_status ai_jinja_lex(struct jarena *ar, const char *src, size_t len, struct jtok **toks,
                             size_t *n_toks, struct ai_error *err);

/* "line L col C" for an offset into src. */
void ai_jinja_where(const char *src, size_t len, uint32_t pos, int *line, int *col);

/* ---- AST ---- */
enum jnode_kind {
  /* statements */
  N_TEXT,         /* s */
  N_OUTPUT,       /* a */
  N_IF,           /* a cond, body, alt */
  N_FOR,          /* a target, b iterable, c filter cond (or NULL), body, alt (else) */
  N_SET,          /* a target, b value */
  N_SET_BLOCK,    /* a target, body */
  N_MACRO,        /* s name, body, params (E_NAME / E_KWARG) */
  N_CALL_BLOCK,   /* a call expr, body, params (caller's) */
  N_FILTER_BLOCK, /* a filter expr with NULL operand, body */
  N_BREAK,
  N_CONTINUE,
  /* expressions */
  E_STR,     /* s */
  E_INT,     /* i */
  E_FLOAT,   /* f */
  E_NAME,    /* s */
  E_LIST,    /* body = items */
  E_TUPLE,   /* body = items */
  E_DICT,    /* body = keys, alt = values */
  E_ATTR,    /* a object, s name */
  E_INDEX,   /* a object, b index */
  E_SLICE,   /* a object, b start, c stop, d step (each may be NULL) */
  E_CALL,    /* a callee, body = args (E_KWARG for keyword args) */
  E_KWARG,   /* s name, a value */
  E_FILTER,  /* a operand, s name, body = args */
  E_TEST,    /* a operand, s name, op = negated */
  E_UNARY,   /* op '-', '+', '!' (not), a */
  E_BINARY,  /* op (see jop), a, b */
  E_TERNARY, /* a cond, b then, c else */
  E_SELECT   /* b value, a cond: `value if cond` without else */
};

enum jop {
  OP_ADD = 1,
  OP_SUB,
  OP_MUL,
  OP_DIV,
  OP_FLOORDIV,
  OP_MOD,
  OP_POW,
  OP_CONCAT,
  OP_EQ,
  OP_NE,
  OP_LT,
  OP_LE,
  OP_GT,
  OP_GE,
  OP_IN,
  OP_NOT_IN,
  OP_AND,
  OP_OR
};

struct jnode {
  uint8_t kind;
  uint8_t op;
  uint32_t pos; /* byte offset in the original source, for error messages */
  struct jnode *a, *b, *c, *d;
  struct jnode **body;
  size_t n_body;
  struct jnode **alt;
  size_t n_alt;
  const char *s; /* NUL-terminated */
  size_t slen;
  int64_t i;
  double f;
};

/* Parses tokens into a list of statements (arena). */
anyinfer_status ai_jinja_parse_tokens(struct jarena *ar, const char *src, size_t src_len,
                                      const struct jtok *toks, size_t n_toks, int max_depth,
                                      struct jnode ***body, size_t *n_body, struct ai_error *err);

/* ---- values ---- */
enum jv_kind {
  JV_UNDEF,
  JV_NONE,
  JV_BOOL,
  JV_INT,
  JV_FLOAT,
  JV_STR,
  JV_LIST,
  JV_DICT,
  JV_NS,
  JV_FUNC,
  JV_MACRO
};

enum jfunc { FN_RANGE = 1, FN_NAMESPACE, FN_RAISE, FN_STRFTIME };

struct jlist;
struct jdict;
struct jv {
  uint8_t kind;
  bool b;
  int64_t i; /* JV_INT; JV_FUNC: enum jfunc */
  double f;
  const char *s;            /* JV_STR: bytes (not necessarily NUL-terminated) */
  size_t n;                 /* JV_STR: length in bytes */
  struct jlist *l;          /* JV_LIST */
  struct jdict *d;          /* JV_DICT, JV_NS */
  const struct jnode *node; /* JV_MACRO: N_MACRO, or N_CALL_BLOCK for `caller` */
  struct jscope *closure;   /* JV_MACRO of `caller`: scope of the call block */
};

struct jlist {
  struct jv *v;
  size_t n, cap;
};
struct jdict {
  struct jv *keys; /* JV_STR each */
  struct jv *vals;
  size_t n, cap;
};

struct jv ai_jinja_v_undef(void);
struct jv ai_jinja_v_none(void);
struct jv ai_jinja_v_bool(bool b);
struct jv ai_jinja_v_int(int64_t i);
struct jv ai_jinja_v_float(double f);
struct jv ai_jinja_v_str(const char *s, size_t n);
bool ai_jinja_v_truthy(const struct jv *v);
bool ai_jinja_v_str_eq(const struct jv *v, const char *s);
struct jlist *ai_jinja_list_new(struct jarena *ar);
bool ai_jinja_list_push(struct jarena *ar, struct jlist *l, struct jv v);
struct jdict *ai_jinja_dict_new(struct jarena *ar);
bool ai_jinja_dict_set(struct jarena *ar, struct jdict *d, const char *k, size_t kn, struct jv v);
struct jv *ai_jinja_dict_get(const struct jdict *d, const char *k, size_t kn); /* NULL if absent */
/* Loose equality as @huggingface/jinja's `==` (JS `==` on the underlying values). */
bool ai_jinja_v_equal(const struct jv *a, const struct jv *b);
const char *ai_jinja_v_kind_name(const struct jv *v);

/* Appends the text form of v (HF rendering: none/undefined render as "", booleans as
 * "true"/"false", floats with ".0", lists/dicts as JSON). */
bool ai_jinja_v_to_text(struct jarena *ar, struct jbuf *out, const struct jv *v);
/* JSON as HF's toJSON; indent < 0 means none. Fails only on functions (returns false, *bad set). */
bool ai_jinja_v_to_json(struct jarena *ar, struct jbuf *out, const struct jv *v, int indent,
                        int depth, bool undefined_as_null, bool *bad);

/* ---- render context ---- */
struct jvar {
  const char *name;
  size_t nlen;
  struct jv v;
};
struct jscope {
  struct jscope *parent;
  struct jvar *vars;
  size_t n, cap;
};

struct jctx {
  struct jarena *ar;
  const char *src; /* original template source, for positions */
  size_t src_len;
  struct ai_jinja_limits lim;
  struct jbuf *out; /* current output (a set block or macro call swaps it) */
  size_t total_out; /* bytes written to the top-level output */
  uint64_t steps;
  int depth;
  int loop_ctl; /* 0, 1 break, 2 continue */
  struct ai_error *err;
};

/* Records an error "jinja: line L col C: <msg>" at node position pos. Returns E_TEMPLATE. */
anyinfer_status ai_jinja_err(struct jctx *cx, uint32_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The error for a failed arena allocation (limit or allocator). */
anyinfer_status ai_jinja_err_nomem(struct jctx *cx, uint32_t pos);

bool ai_jinja_scope_set(struct jarena *ar, struct jscope *sc, const char *name, size_t nlen,
                        struct jv v);
struct jv ai_jinja_scope_get(const struct jscope *sc, const char *name, size_t nlen);

anyinfer_status ai_jinja_eval_expr(struct jctx *cx, struct jscope *sc, const struct jnode *e,
                                   struct jv *out);
anyinfer_status ai_jinja_exec_body(struct jctx *cx, struct jscope *sc, struct jnode *const *body,
                                   size_t n);

/* jinja_eval.c helpers shared with jinja_exec.c. */
anyinfer_status ai_jinja_step(struct jctx *cx, uint32_t pos); /* counts one step */
anyinfer_status ai_jinja_emit(struct jctx *cx, uint32_t pos, const char *s, size_t n);
struct jargs;
anyinfer_status ai_jinja_eval_args(struct jctx *cx, struct jscope *sc, struct jnode *const *args,
                                   size_t n, struct jargs *out);
/* Runs body with output captured; *out is the captured text as a string value. */
anyinfer_status ai_jinja_capture(struct jctx *cx, struct jscope *sc, struct jnode *const *body,
                                 size_t n, struct jv *out);
/* Calls macro m (N_MACRO, or N_CALL_BLOCK for `caller`) in a scope over parent. */
anyinfer_status ai_jinja_call_macro(struct jctx *cx, uint32_t at, const struct jnode *m,
                                    struct jscope *parent, const struct jargs *args,
                                    const struct jv *caller, struct jv *out);
/* Evaluates call expression e; caller (may be NULL) is bound as `caller` in a called macro. */
anyinfer_status ai_jinja_eval_call(struct jctx *cx, struct jscope *sc, const struct jnode *e,
                                   const struct jv *caller, struct jv *out);
/* Binary operator op (enum jop, not and/or) as @huggingface/jinja evaluateBinaryExpression. */
anyinfer_status ai_jinja_binary(struct jctx *cx, uint32_t at, int op, const struct jv *a,
                                const struct jv *b, struct jv *out);
/* Lexes, parses and renders src with the variables of `vars` (whose parent must be NULL; the
 * render links it under a scope of built-ins) into *out. */
anyinfer_status ai_jinja_render(struct jarena *ar, const char *src, size_t len, struct jscope *vars,
                                const struct ai_jinja_limits *lim, struct jbuf *out,
                                struct ai_error *err);

/* Filters, tests, methods and global functions (jinja_filters.c). args are evaluated; kw holds
 * the keyword arguments (may be NULL). */
struct jargs {
  struct jv *pos;
  size_t n_pos;
  struct jdict *kw;
};
anyinfer_status ai_jinja_filter(struct jctx *cx, uint32_t at, const char *name, struct jv *val,
                                const struct jargs *args, struct jv *out);
anyinfer_status ai_jinja_test(struct jctx *cx, uint32_t at, const char *name, const struct jv *val,
                              bool *out);
/* Method call obj.name(args). *found false when obj has no such method. */
anyinfer_status ai_jinja_method(struct jctx *cx, uint32_t at, const struct jv *obj,
                                const char *name, const struct jargs *args, struct jv *out,
                                bool *found);
/* ASCII case mapping of s: mode 'U' upper, 'L' lower, 'T' title, 'C' capitalize (HF rules). */
anyinfer_status ai_jinja_case(struct jctx *cx, uint32_t at, const struct jv *s, int mode,
                              struct jv *out);
anyinfer_status ai_jinja_call_builtin(struct jctx *cx, uint32_t at, int fn,
                                      const struct jargs *args, struct jv *out);

/* Unicode whitespace as JavaScript's \s: length of the whitespace character at s (0 if none). */
size_t ai_jinja_space_at(const char *s, size_t n);
/* Length of whitespace ending at s[n-1] (0 if none). */
size_t ai_jinja_space_before(const char *s, size_t n);

#endif
