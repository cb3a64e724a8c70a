/* JSON prefix recognizer: a pushdown automaton over RFC 8259's grammar (sections 2-7), one byte
 * per transition, with the container stack as a bit set. Numbers end implicitly, so a byte that
 * cannot extend a complete number closes it and is then read as the next token. */
#include "text/json_grammar.h"

enum mode {
  M_VALUE,          /* a value must start (top level, after ':' or ',' in an array) */
  M_VALUE_OR_CLOSE, /* after '[': a value or ']' */
  M_KEY_OR_CLOSE,   /* after '{': a key string or '}' */
  M_KEY,            /* after ',' in an object: a key string */
  M_COLON,          /* after a key */
  M_AFTER_VALUE,    /* ',' or the container's close */
  M_STRING,         /* inside a string value */
  M_KEY_STRING,     /* inside a key */
  M_ESCAPE,         /* after '\' (sub: 0 value string, 1 key) */
  M_UNICODE,        /* \u digits (sub: digits left, +4 for a key) */
  M_NUMBER,         /* sub: enum number_part */
  M_LITERAL,        /* sub: bytes of literal matched */
  M_DONE,           /* the document is complete */
  M_ERROR,
};

enum number_part { N_MINUS, N_ZERO, N_INT, N_DOT, N_FRAC, N_EXP, N_EXP_SIGN, N_EXP_DIGITS };

static bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
static bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
static bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

void ai_json_init(struct ai_json_state *s, bool is_object_only) {
  *s = (struct ai_json_state){.mode = M_VALUE, .is_object_only = is_object_only};
}

bool ai_json_is_complete(const struct ai_json_state *s) {
  return s->mode == M_DONE;
}

/* A value just ended: back to the enclosing container, or the document is done. */
static void end_value(struct ai_json_state *s) {
  s->mode = s->depth == 0 ? M_DONE : M_AFTER_VALUE;
}

static bool open_container(struct ai_json_state *s, bool is_object) {
  if (s->depth >= AI_JSON_MAX_DEPTH) return false;
  uint64_t bit = (uint64_t)1 << s->depth;
  s->stack = is_object ? s->stack | bit : s->stack & ~bit;
  s->depth++;
  s->mode = is_object ? M_KEY_OR_CLOSE : M_VALUE_OR_CLOSE;
  return true;
}

static bool top_is_object(const struct ai_json_state *s) {
  return (s->stack >> (s->depth - 1)) & 1;
}

static bool close_container(struct ai_json_state *s, char c) {
  if (s->depth == 0 || (c == '}') != top_is_object(s)) return false;
  s->depth--;
  end_value(s);
  return true;
}

/* First byte of a value. */
static bool start_value(struct ai_json_state *s, char c) {
  if (s->is_object_only && s->depth == 0 && c != '{') return false;
  switch (c) {
    case '{':
      return open_container(s, true);
    case '[':
      return open_container(s, false);
    case '"':
      s->mode = M_STRING;
      return true;
    case '-':
      s->mode = M_NUMBER;
      s->sub = N_MINUS;
      return true;
    case 't':
      s->literal = "true";
      break;
    case 'f':
      s->literal = "false";
      break;
    case 'n':
      s->literal = "null";
      break;
    default:
      if (!is_digit(c)) return false;
      s->mode = M_NUMBER;
      s->sub = c == '0' ? N_ZERO : N_INT;
      return true;
  }
  s->mode = M_LITERAL;
  s->sub = 1;
  return true;
}

/* One byte inside a number; *is_consumed false when the number ended before c. */
static bool number_byte(struct ai_json_state *s, char c, bool *is_consumed) {
  *is_consumed = true;
  switch (s->sub) {
    case N_MINUS:
      if (!is_digit(c)) return false;
      s->sub = c == '0' ? N_ZERO : N_INT;
      return true;
    case N_ZERO:
    case N_INT:
      if (is_digit(c) && s->sub == N_INT) return true;
      if (c == '.') return s->sub = N_DOT, true;
      if (c == 'e' || c == 'E') return s->sub = N_EXP, true;
      break;
    case N_DOT:
      if (!is_digit(c)) return false;
      s->sub = N_FRAC;
      return true;
    case N_FRAC:
      if (is_digit(c)) return true;
      if (c == 'e' || c == 'E') return s->sub = N_EXP, true;
      break;
    case N_EXP:
      if (c == '+' || c == '-') return s->sub = N_EXP_SIGN, true;
      if (!is_digit(c)) return false;
      s->sub = N_EXP_DIGITS;
      return true;
    case N_EXP_SIGN:
      if (!is_digit(c)) return false;
      s->sub = N_EXP_DIGITS;
      return true;
    case N_EXP_DIGITS:
      if (is_digit(c)) return true;
      break;
  }
  *is_consumed = false;
  end_value(s);
  return true;
}

static bool feed_byte(struct ai_json_state *s, char c) {
  unsigned char u = (unsigned char)c;
  switch (s->mode) {
    case M_VALUE:
      return is_space(c) || start_value(s, c);
    case M_VALUE_OR_CLOSE:
      if (is_space(c)) return true;
      return c == ']' ? close_container(s, c) : start_value(s, c);
    case M_KEY_OR_CLOSE:
    case M_KEY:
      if (is_space(c)) return true;
      if (c == '}' && s->mode == M_KEY_OR_CLOSE) return close_container(s, c);
      if (c != '"') return false;
      s->mode = M_KEY_STRING;
      return true;
    case M_COLON:
      if (is_space(c)) return true;
      if (c != ':') return false;
      s->mode = M_VALUE;
      return true;
    case M_AFTER_VALUE:
      if (is_space(c)) return true;
      if (c == ']' || c == '}') return close_container(s, c);
      if (c != ',') return false;
      s->mode = top_is_object(s) ? M_KEY : M_VALUE;
      return true;
    case M_STRING:
    case M_KEY_STRING:
      if (u < 0x20) return false;
      if (c == '\\') {
        s->sub = s->mode == M_KEY_STRING;
        s->mode = M_ESCAPE;
      } else if (c == '"') {
        if (s->mode == M_KEY_STRING)
          s->mode = M_COLON;
        else
          end_value(s);
      }
      return true;
    case M_ESCAPE: {
      bool is_key = s->sub == 1;
      if (c == 'u') {
        s->mode = M_UNICODE;
        s->sub = (uint8_t)(4 + (is_key ? 4 : 0));
        return true;
      }
      for (const char *e = "\"\\/bfnrt"; *e; e++)
        if (c == *e) {
          s->mode = is_key ? M_KEY_STRING : M_STRING;
          return true;
        }
      return false;
    }
    case M_UNICODE: {
      if (!is_hex(c)) return false;
      bool is_key = s->sub > 4;
      s->sub--;
      if (s->sub == 0 || s->sub == 4) s->mode = is_key ? M_KEY_STRING : M_STRING;
      return true;
    }
    case M_LITERAL:
      if (c != s->literal[s->sub]) return false;
      if (s->literal[++s->sub] == '\0') end_value(s);
      return true;
    case M_DONE:
      return is_space(c);
    default:
      return false;
  }
}

bool ai_json_feed(struct ai_json_state *s, const char *bytes, size_t len) {
  for (size_t i = 0; i < len; i++) {
    if (s->mode == M_NUMBER) {
      bool is_consumed;
      if (!number_byte(s, bytes[i], &is_consumed)) goto fail;
      if (is_consumed) continue;
    }
    if (!feed_byte(s, bytes[i])) goto fail;
  }
  return true;
fail:
  s->mode = M_ERROR;
  return false;
}
