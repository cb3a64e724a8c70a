/* Jinja lexer: Hugging Face's preprocessing (trailing newline dropped, lstrip_blocks and
 * trim_blocks as the regexes of @huggingface/jinja src/lexer.ts `preprocess`), then text and tag
 * tokens with {%- -%} {{- -}} {#- -#} whitespace control. Every token keeps the byte offset of
 * its first character in the original source, so errors can name line and column. Parsing is
 * jinja_parse.c's job. */
#include <string.h>

#include "text/jinja_internal.h"

void ai_jinja_where(const char *src, size_t len, uint32_t pos, int *line, int *col) {
  int l = 1, c = 1;
  for (size_t i = 0; i < len && i < pos; i++) {
    if (src[i] == '\n') {
      l++;
      c = 1;
    } else if (((unsigned char)src[i] & 0xC0) != 0x80) {
      c++;
    }
  }
  *line = l;
  *col = c;
}

size_t ai_jinja_space_at(const char *s, size_t n) {
  if (n == 0) return 0;
  unsigned char c = (unsigned char)s[0];
  if (c == ' ' || (c >= 0x09 && c <= 0x0D)) return 1;
  if (c == 0xC2 && n >= 2 && (unsigned char)s[1] == 0xA0) return 2; /* U+00A0 */
  if (n < 3) return 0;
  unsigned char c1 = (unsigned char)s[1], c2 = (unsigned char)s[2];
  if (c == 0xE1 && c1 == 0x9A && c2 == 0x80) return 3; /* U+1680 */
  if (c == 0xE2 && c1 == 0x80 && (c2 <= 0x8A || c2 == 0xA8 || c2 == 0xA9 || c2 == 0xAF))
    return 3;                                          /* U+2000-200A 2028 2029 202F */
  if (c == 0xE2 && c1 == 0x81 && c2 == 0x9F) return 3; /* U+205F */
  if (c == 0xE3 && c1 == 0x80 && c2 == 0x80) return 3; /* U+3000 */
  if (c == 0xEF && c1 == 0xBB && c2 == 0xBF) return 3; /* U+FEFF */
  return 0;
}

size_t ai_jinja_space_before(const char *s, size_t n) {
  if (n == 0) return 0;
  size_t back = 1;
  while (back < 3 && back < n && ((unsigned char)s[n - back] & 0xC0) == 0x80) back++;
  size_t k = ai_jinja_space_at(s + n - back, back);
  return k == back ? k : 0;
}

struct lexer {
  struct jarena *ar;
  const char *p;       /* preprocessed text */
  const uint32_t *map; /* original offset of each byte of p */
  size_t n, i;
  struct jtok *toks;
  size_t n_toks, cap;
  const char *src;
  size_t src_len;
  struct ai_error *err;
};

static anyinfer_status lex_err(struct lexer *lx, size_t at, const char *what) {
  int line, col;
  uint32_t pos = at < lx->n ? lx->map[at] : (uint32_t)lx->src_len;
  ai_jinja_where(lx->src, lx->src_len, pos, &line, &col);
  return ai_error_set(lx->err, ANYINFER_E_TEMPLATE, "jinja: line %d col %d: %s", line, col, what);
}

static anyinfer_status nomem(struct lexer *lx) {
  if (lx->ar->over_limit)
    return ai_error_set(lx->err, ANYINFER_E_TEMPLATE,
                        "jinja: template needs more than %zu bytes of memory", lx->ar->max_bytes);
  return ai_error_set(lx->err, ANYINFER_E_NOMEM, "jinja: out of memory while lexing");
}

static bool push(struct lexer *lx, enum jtok_kind kind, const char *text, size_t len, size_t at) {
  if (lx->n_toks == lx->cap) {
    size_t cap = lx->cap ? lx->cap * 2 : 64;
    struct jtok *t = ai_jinja_arena_alloc(lx->ar, cap * sizeof *t);
    if (!t) return false;
    if (lx->n_toks) memcpy(t, lx->toks, lx->n_toks * sizeof *t);
    lx->toks = t;
    lx->cap = cap;
  }
  char *copy = ai_jinja_arena_alloc(lx->ar, len + 1);
  if (!copy) return false;
  memcpy(copy, text, len);
  lx->toks[lx->n_toks++] =
      (struct jtok){kind, copy, len, at < lx->n ? lx->map[at] : (uint32_t)lx->src_len};
  return true;
}

/* {%- {{- {#-: trimEnd the text token before, dropping it when it becomes empty. */
static void strip_trailing(struct lexer *lx) {
  if (lx->n_toks == 0 || lx->toks[lx->n_toks - 1].kind != TK_TEXT) return;
  struct jtok *t = &lx->toks[lx->n_toks - 1];
  size_t k;
  while ((k = ai_jinja_space_before(t->text, t->len)) > 0) t->len -= k;
  if (t->len == 0) lx->n_toks--;
}

static void skip_space(struct lexer *lx) {
  size_t k;
  while ((k = ai_jinja_space_at(lx->p + lx->i, lx->n - lx->i)) > 0) lx->i += k;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static size_t put_utf8(char *o, uint32_t cp) {
  if (cp < 0x80) {
    o[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (char)(0xC0 | (cp >> 6));
    o[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  o[0] = (char)(0xE0 | (cp >> 12));
  o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
  o[2] = (char)(0x80 | (cp & 0x3F));
  return 3;
}

static anyinfer_status lex_string(struct lexer *lx) {
  size_t start = lx->i;
  char quote = lx->p[lx->i++];
  char *buf = ai_jinja_arena_alloc(lx->ar, lx->n - lx->i + 1);
  if (!buf) return nomem(lx);
  size_t o = 0;
  for (;;) {
    if (lx->i >= lx->n) return lex_err(lx, start, "unterminated string literal");
    char c = lx->p[lx->i];
    if (c == quote) break;
    if (c != '\\') {
      buf[o++] = c;
      lx->i++;
      continue;
    }
    if (lx->i + 1 >= lx->n) return lex_err(lx, start, "unterminated string literal");
    char e = lx->p[lx->i + 1];
    lx->i += 2;
    const char *from = "ntrbfv'\"\\", *to = "\n\t\r\b\f\v'\"\\";
    const char *hit = strchr(from, e);
    if (e != '\0' && hit) {
      buf[o++] = to[hit - from];
    } else if (e == 'x' || e == 'u') {
      size_t digits = e == 'x' ? 2 : 4;
      uint32_t cp = 0;
      for (size_t k = 0; k < digits; k++) {
        int h = lx->i + k < lx->n ? hexval(lx->p[lx->i + k]) : -1;
        if (h < 0) return lex_err(lx, lx->i - 2, "invalid hexadecimal escape in string literal");
        cp = cp * 16 + (uint32_t)h;
      }
      lx->i += digits;
      o += put_utf8(buf + o, cp);
    } else {
      return lex_err(lx, lx->i - 2, "unknown escape sequence in string literal");
    }
  }
  lx->i++; /* closing quote */
  if (!push(lx, TK_STRING, buf, o, start)) return nomem(lx);
  return ANYINFER_OK;
}

static bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
static bool is_word(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* Operators and punctuation, longest first where one is a prefix of another
 * (@huggingface/jinja ORDERED_MAPPING_TABLE). */
static const char *const puncts[] = {"(", ")",  "{",  "}",  "[",  "]", ",", ".", ":",
                                     "|", "<=", ">=", "==", "!=", "<", ">", "+", "-",
                                     "~", "**", "*",  "//", "/",  "%", "=", NULL};

static anyinfer_status lex_tag_token(struct lexer *lx, int *curly, bool *in_tag) {
  const char *s = lx->p + lx->i;
  size_t left = lx->n - lx->i, at = lx->i;
  struct {
    const char *spell;
    enum jtok_kind kind;
  } ctl[] = {
      {"{%", TK_OPEN_STMT}, {"%}", TK_CLOSE_STMT}, {"{{", TK_OPEN_EXPR}, {"}}", TK_CLOSE_EXPR}};
  for (size_t k = 0; k < 4; k++) {
    if (left < 2 || memcmp(s, ctl[k].spell, 2) != 0) continue;
    if (ctl[k].kind == TK_CLOSE_EXPR && *curly > 0) continue;
    if (!push(lx, ctl[k].kind, ctl[k].spell, 2, at)) return nomem(lx);
    lx->i += 2;
    *in_tag = ctl[k].kind == TK_OPEN_STMT || ctl[k].kind == TK_OPEN_EXPR;
    if (ctl[k].kind == TK_OPEN_EXPR) *curly = 0;
    return ANYINFER_OK;
  }
  for (size_t k = 0; puncts[k]; k++) {
    size_t pl = strlen(puncts[k]);
    if (left < pl || memcmp(s, puncts[k], pl) != 0) continue;
    if (!push(lx, TK_PUNCT, puncts[k], pl, at)) return nomem(lx);
    if (s[0] == '{') ++*curly;
    if (s[0] == '}') --*curly;
    lx->i += pl;
    return ANYINFER_OK;
  }
  if (s[0] == '\'' || s[0] == '"') return lex_string(lx);
  if (is_digit(s[0])) {
    size_t j = 0;
    while (j < left && is_digit(s[j])) j++;
    bool after_dot = lx->n_toks > 0 && lx->toks[lx->n_toks - 1].kind == TK_PUNCT &&
                     lx->toks[lx->n_toks - 1].text[0] == '.';
    enum jtok_kind kind = TK_INT;
    if (!after_dot && j + 1 < left && s[j] == '.' && is_digit(s[j + 1])) {
      j++;
      while (j < left && is_digit(s[j])) j++;
      kind = TK_FLOAT;
    }
    if (!push(lx, kind, s, j, at)) return nomem(lx);
    lx->i += j;
    return ANYINFER_OK;
  }
  if (is_word(s[0])) {
    size_t j = 0;
    while (j < left && is_word(s[j])) j++;
    if (!push(lx, TK_NAME, s, j, at)) return nomem(lx);
    lx->i += j;
    return ANYINFER_OK;
  }
  return lex_err(lx, at, "unexpected character in tag");
}

static anyinfer_status lex_comment(struct lexer *lx) {
  size_t start = lx->i;
  lx->i += 2;
  bool strip_before = lx->i < lx->n && lx->p[lx->i] == '-';
  size_t j = lx->i;
  while (j + 1 < lx->n && !(lx->p[j] == '#' && lx->p[j + 1] == '}')) j++;
  if (j + 1 >= lx->n) return lex_err(lx, start, "comment '{#' is never closed with '#}'");
  bool strip_after = j > lx->i && lx->p[j - 1] == '-';
  if (strip_before) strip_trailing(lx);
  lx->i = j + 2;
  if (strip_after) skip_space(lx);
  return ANYINFER_OK;
}

static anyinfer_status tokenize(struct lexer *lx) {
  bool in_tag = false;
  int curly = 0;
  while (lx->i < lx->n) {
    const char *s = lx->p + lx->i;
    size_t left = lx->n - lx->i;
    if (!in_tag) {
      size_t j = 0;
      while (j < left && !(s[j] == '{' && j + 1 < left &&
                           (s[j + 1] == '%' || s[j + 1] == '{' || s[j + 1] == '#')))
        j++;
      if (j > 0) {
        if (!push(lx, TK_TEXT, s, j, lx->i)) return nomem(lx);
        lx->i += j;
        continue;
      }
    }
    anyinfer_status st;
    if (left >= 2 && s[0] == '{' && s[1] == '#') {
      if ((st = lex_comment(lx)) != ANYINFER_OK) return st;
      continue;
    }
    if (left >= 3 && s[0] == '{' && (s[1] == '%' || s[1] == '{') && s[2] == '-') {
      strip_trailing(lx);
      if (!push(lx, s[1] == '%' ? TK_OPEN_STMT : TK_OPEN_EXPR, s, 2, lx->i)) return nomem(lx);
      lx->i += 3;
      in_tag = true;
      curly = 0;
      continue;
    }
    skip_space(lx);
    if (lx->i >= lx->n) break;
    s = lx->p + lx->i;
    left = lx->n - lx->i;
    if (left >= 3 && s[0] == '-' &&
        ((s[1] == '%' && s[2] == '}') || (s[1] == '}' && s[2] == '}'))) {
      if (!push(lx, s[1] == '%' ? TK_CLOSE_STMT : TK_CLOSE_EXPR, s + 1, 2, lx->i)) return nomem(lx);
      lx->i += 3;
      skip_space(lx);
      in_tag = false;
      continue;
    }
    if ((st = lex_tag_token(lx, &curly, &in_tag)) != ANYINFER_OK) return st;
  }
  if (!push(lx, TK_EOF, "", 0, lx->n)) return nomem(lx);
  return ANYINFER_OK;
}

static bool line_start(const char *p, size_t i) {
  if (i == 0) return true;
  char c = p[i - 1];
  if (c == '\n' || c == '\r') return true;
  /* U+2028 / U+2029 end lines for JavaScript's multiline ^ */
  return i >= 3 && (unsigned char)p[i - 3] == 0xE2 && (unsigned char)p[i - 2] == 0x80 &&
         ((unsigned char)c == 0xA8 || (unsigned char)c == 0xA9);
}

anyinfer_status ai_jinja_lex(struct jarena *ar, const char *src, size_t len, struct jtok **toks,
                             size_t *n_toks, struct ai_error *err) {
  struct lexer lx = {.ar = ar, .src = src, .src_len = len, .err = err};
  if (len > UINT32_MAX - 1)
    return ai_error_set(err, ANYINFER_E_TEMPLATE, "jinja: template of %zu bytes, at most %u", len,
                        UINT32_MAX - 1);
  size_t n = len;
  if (n > 0 && src[n - 1] == '\n') n--; /* keep_trailing_newline=False */
  char *p1 = ai_jinja_arena_alloc(ar, n + 1), *p2 = ai_jinja_arena_alloc(ar, n + 1);
  uint32_t *m1 = ai_jinja_arena_alloc(ar, (n + 1) * sizeof *m1),
           *m2 = ai_jinja_arena_alloc(ar, (n + 1) * sizeof *m2);
  if (!p1 || !p2 || !m1 || !m2) return nomem(&lx);
  /* lstrip_blocks: /^[ \t]*({[#%-])/gm -> "$1" */
  size_t w = 0;
  for (size_t i = 0; i < n;) {
    if (line_start(src, i)) {
      size_t j = i;
      while (j < n && (src[j] == ' ' || src[j] == '\t')) j++;
      if (j > i && j + 1 < n && src[j] == '{' &&
          (src[j + 1] == '#' || src[j + 1] == '%' || src[j + 1] == '-'))
        i = j;
    }
    p1[w] = src[i];
    m1[w++] = (uint32_t)i++;
  }
  /* trim_blocks: /([#%-]})\n/g -> "$1", matched against the text above */
  size_t w2 = 0;
  for (size_t i = 0; i < w; i++) {
    if (p1[i] == '\n' && i >= 2 && p1[i - 1] == '}' &&
        (p1[i - 2] == '#' || p1[i - 2] == '%' || p1[i - 2] == '-'))
      continue;
    p2[w2] = p1[i];
    m2[w2++] = m1[i];
  }
  lx.p = p2;
  lx.map = m2;
  lx.n = w2;
  anyinfer_status st = tokenize(&lx);
  if (st != ANYINFER_OK) return st;
  *toks = lx.toks;
  *n_toks = lx.n_toks;
  return ANYINFER_OK;
}
