/* Jinja binary operators, as @huggingface/jinja runtime.ts evaluateBinaryExpression: loose ==,
 * errors on undefined/none operands, numeric arithmetic (int stays int, `/` is float, `%` keeps
 * the dividend's sign like JavaScript), `+` concatenates lists and (with any string operand)
 * text, `~` always concatenates text, `in` on lists, strings and dict keys. */
#include <math.h>
#include <string.h>

#include "text/jinja_internal.h"

static const char *op_name(int op) {
  static const char *const names[] = {"?",  "+",  "-", "*",  "/", "//", "%",  "**",    "~",
                                      "==", "!=", "<", "<=", ">", ">=", "in", "not in"};
  return op >= 0 && op < (int)(sizeof names / sizeof names[0]) ? names[op] : "?";
}

static bool is_num(const struct jv *v) {
  return v->kind == JV_INT || v->kind == JV_FLOAT;
}
static double num(const struct jv *v) {
  return v->kind == JV_INT ? (double)v->i : v->kind == JV_FLOAT ? v->f : (double)v->b;
}

static anyinfer_status concat(struct jctx *cx, uint32_t at, const struct jv *a, const struct jv *b,
                              struct jv *out) {
  struct jbuf buf = {0};
  if (!ai_jinja_v_to_text(cx->ar, &buf, a) || !ai_jinja_v_to_text(cx->ar, &buf, b))
    return ai_jinja_err_nomem(cx, at);
  *out = ai_jinja_v_str(buf.p, buf.n);
  return ANYINFER_OK;
}

static anyinfer_status arith(struct jctx *cx, uint32_t at, int op, const struct jv *a,
                             const struct jv *b, struct jv *out) {
  bool ints = a->kind == JV_INT && b->kind == JV_INT;
  double x = num(a), y = num(b);
  switch (op) {
    case OP_LT:
      *out = ai_jinja_v_bool(x < y);
      return ANYINFER_OK;
    case OP_LE:
      *out = ai_jinja_v_bool(x <= y);
      return ANYINFER_OK;
    case OP_GT:
      *out = ai_jinja_v_bool(x > y);
      return ANYINFER_OK;
    case OP_GE:
      *out = ai_jinja_v_bool(x >= y);
      return ANYINFER_OK;
    case OP_DIV:
      if (y == 0) return ai_jinja_err(cx, at, "division by zero");
      *out = ai_jinja_v_float(x / y);
      return ANYINFER_OK;
    default:
      break;
  }
  if (ints) {
    int64_t r = 0, p = a->i, q = b->i;
    bool ovf = false;
    switch (op) {
      case OP_ADD:
        ovf = __builtin_add_overflow(p, q, &r);
        break;
      case OP_SUB:
        ovf = __builtin_sub_overflow(p, q, &r);
        break;
      case OP_MUL:
        ovf = __builtin_mul_overflow(p, q, &r);
        break;
      case OP_FLOORDIV:
      case OP_MOD:
        if (q == 0) return ai_jinja_err(cx, at, "division by zero");
        if (p == INT64_MIN && q == -1) {
          ovf = true;
          break;
        }
        if (op == OP_MOD) {
          r = p % q;
        } else {
          r = p / q;
          if ((p % q != 0) && ((p < 0) != (q < 0))) r--;
        }
        break;
      default:
        return ai_jinja_err(cx, at, "unsupported operator '%s' for numbers", op_name(op));
    }
    if (ovf) return ai_jinja_err(cx, at, "integer overflow in '%s'", op_name(op));
    *out = ai_jinja_v_int(r);
    return ANYINFER_OK;
  }
  double r;
  switch (op) {
    case OP_ADD:
      r = x + y;
      break;
    case OP_SUB:
      r = x - y;
      break;
    case OP_MUL:
      r = x * y;
      break;
    case OP_FLOORDIV:
      if (y == 0) return ai_jinja_err(cx, at, "division by zero");
      r = floor(x / y);
      break;
    case OP_MOD:
      if (y == 0) return ai_jinja_err(cx, at, "division by zero");
      r = fmod(x, y);
      break;
    default:
      return ai_jinja_err(cx, at, "unsupported operator '%s' for numbers", op_name(op));
  }
  *out = ai_jinja_v_float(r);
  return ANYINFER_OK;
}

static anyinfer_status power(struct jctx *cx, uint32_t at, const struct jv *a, const struct jv *b,
                             struct jv *out) {
  double x = num(a), y = num(b);
  if (x == 0 && y < 0) return ai_jinja_err(cx, at, "0 cannot be raised to a negative power");
  double r = pow(x, y);
  if (!isfinite(r)) return ai_jinja_err(cx, at, "'**' result is not a finite number");
  bool is_float = a->kind == JV_FLOAT || b->kind == JV_FLOAT || y < 0;
  if (!is_float && fabs(r) >= 9.2e18) return ai_jinja_err(cx, at, "integer overflow in '**'");
  *out = is_float ? ai_jinja_v_float(r) : ai_jinja_v_int((int64_t)r);
  return ANYINFER_OK;
}

static bool str_contains(const struct jv *hay, const struct jv *needle) {
  if (needle->n == 0) return true;
  for (size_t i = 0; i + needle->n <= hay->n; i++)
    if (memcmp(hay->s + i, needle->s, needle->n) == 0) return true;
  return false;
}

anyinfer_status ai_jinja_binary(struct jctx *cx, uint32_t at, int op, const struct jv *a,
                                const struct jv *b, struct jv *out) {
  if (op == OP_EQ || op == OP_NE) {
    bool eq = ai_jinja_v_equal(a, b);
    *out = ai_jinja_v_bool(op == OP_EQ ? eq : !eq);
    return ANYINFER_OK;
  }
  bool is_in = op == OP_IN || op == OP_NOT_IN;
  if (a->kind == JV_UNDEF || b->kind == JV_UNDEF) {
    if (b->kind == JV_UNDEF && is_in) {
      *out = ai_jinja_v_bool(op == OP_NOT_IN);
      return ANYINFER_OK;
    }
    return ai_jinja_err(cx, at, "cannot apply '%s' to an undefined value", op_name(op));
  }
  if (a->kind == JV_NONE || b->kind == JV_NONE)
    return ai_jinja_err(cx, at, "cannot apply '%s' to none", op_name(op));
  if (op == OP_CONCAT) return concat(cx, at, a, b, out);
  bool an = is_num(a) || a->kind == JV_BOOL, bn = is_num(b) || b->kind == JV_BOOL;
  if (op == OP_POW && an && bn) return power(cx, at, a, b, out);
  if (is_num(a) && is_num(b)) return arith(cx, at, op, a, b, out);
  if (a->kind == JV_LIST && b->kind == JV_LIST && op == OP_ADD) {
    struct jlist *l = ai_jinja_list_new(cx->ar);
    if (!l) return ai_jinja_err_nomem(cx, at);
    for (size_t i = 0; i < a->l->n; i++)
      if (!ai_jinja_list_push(cx->ar, l, a->l->v[i])) return ai_jinja_err_nomem(cx, at);
    for (size_t i = 0; i < b->l->n; i++)
      if (!ai_jinja_list_push(cx->ar, l, b->l->v[i])) return ai_jinja_err_nomem(cx, at);
    *out = (struct jv){.kind = JV_LIST, .l = l};
    return ANYINFER_OK;
  }
  if (b->kind == JV_LIST && is_in) {
    bool found = false;
    for (size_t i = 0; i < b->l->n && !found; i++) found = ai_jinja_v_equal(a, &b->l->v[i]);
    *out = ai_jinja_v_bool(found == (op == OP_IN));
    return ANYINFER_OK;
  }
  if ((a->kind == JV_STR || b->kind == JV_STR) && op == OP_ADD) return concat(cx, at, a, b, out);
  if (a->kind == JV_STR && b->kind == JV_STR && is_in) {
    *out = ai_jinja_v_bool(str_contains(b, a) == (op == OP_IN));
    return ANYINFER_OK;
  }
  if (a->kind == JV_STR && (b->kind == JV_DICT || b->kind == JV_NS) && is_in) {
    *out = ai_jinja_v_bool((ai_jinja_dict_get(b->d, a->s, a->n) != NULL) == (op == OP_IN));
    return ANYINFER_OK;
  }
  return ai_jinja_err(cx, at, "unsupported operator '%s' between %s and %s", op_name(op),
                      ai_jinja_v_kind_name(a), ai_jinja_v_kind_name(b));
}
