/* Pre-tokenizers of byte-level BPE, hand-written matchers equivalent to the regexes llama.cpp's
 * llm_tokenizer_bpe uses per tokenizer.ggml.pre, transcribed from its unicode.cpp
 * (unicode_regex_split_custom_gpt2 / _llama3):
 *   gpt2:   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 *   llama3: (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
 *           ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
 *   qwen2:  the llama3 regex with \p{N} in place of \p{N}{1,3}
 *   smollm: \p{N} (each digit alone), then the gpt2 regex on the pieces in between. */
#include "text/tokenizer_impl.h"
#include "text/unicode.h"

/* A view of one chunk: positions outside [lo, hi) read as "out of range" (flags 0). */
struct chunk {
  const uint32_t *cpts;
  size_t lo, hi;
  size_t *ends;
  size_t n_ends;
  size_t prev_end;
};

#define OUT_OF_RANGE 0xFFFFFFFFu

static uint32_t cpt_at(const struct chunk *c, size_t pos) {
  return pos >= c->lo && pos < c->hi ? c->cpts[pos] : OUT_OF_RANGE;
}
static uint32_t flags_at(const struct chunk *c, size_t pos) {
  return pos >= c->lo && pos < c->hi ? ai_ucp_flags(c->cpts[pos]) : 0;
}
/* Ends a pre-token at end (if non-empty); returns its length. */
static size_t add_token(struct chunk *c, size_t end) {
  size_t len = end - c->prev_end;
  if (len > 0) c->ends[c->n_ends++] = end;
  c->prev_end = end;
  return len;
}
static uint32_t ascii_lower(uint32_t c) {
  /* only compared against ASCII letters, whose only upper-case forms are ASCII */
  return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

#define IS_L(f)  ((f)&AI_UCP_LETTER)
#define IS_N(f)  ((f)&AI_UCP_NUMBER)
#define IS_WS(f) ((f)&AI_UCP_WHITESPACE)
/* [^\s\p{L}\p{N}]: any code point in range that is none of the three */
#define IS_OTHER(f) (!((f) & (AI_UCP_LETTER | AI_UCP_NUMBER | AI_UCP_WHITESPACE)) && (f) != 0)

/* 's|'t|'re|'ve|'m|'ll|'d at pos; returns its length or 0. */
static size_t contraction(const struct chunk *c, size_t pos, bool any_case) {
  if (cpt_at(c, pos) != '\'' || pos + 1 >= c->hi) return 0;
  uint32_t n1 = cpt_at(c, pos + 1);
  if (any_case) n1 = ascii_lower(n1);
  if (n1 == 's' || n1 == 't' || n1 == 'm' || n1 == 'd') return 2;
  if (pos + 2 >= c->hi) return 0;
  uint32_t n2 = cpt_at(c, pos + 2);
  if (any_case) n2 = ascii_lower(n2);
  if ((n1 == 'r' && n2 == 'e') || (n1 == 'v' && n2 == 'e') || (n1 == 'l' && n2 == 'l')) return 3;
  return 0;
}

static void split_gpt2(struct chunk *c) {
  for (size_t pos = c->lo; pos < c->hi;) {
    uint32_t cpt = cpt_at(c, pos), flags = flags_at(c, pos);
    size_t k = contraction(c, pos, false);
    if (k) {
      pos += add_token(c, pos + k);
      continue;
    }
    uint32_t f2 = cpt == ' ' ? flags_at(c, pos + 1) : flags;
    if (IS_L(f2) || IS_N(f2) || IS_OTHER(f2)) { /* <space>?\p{L}+ | \p{N}+ | [^\s\p{L}\p{N}]+ */
      uint32_t cls = IS_L(f2) ? AI_UCP_LETTER : IS_N(f2) ? AI_UCP_NUMBER : 0;
      pos += (cpt == ' ');
      while (cls ? (f2 & cls) != 0 : IS_OTHER(f2)) f2 = flags_at(c, ++pos);
      add_token(c, pos);
      continue;
    }
    size_t n_ws = 0;
    while (IS_WS(flags_at(c, pos + n_ws))) n_ws++;
    if (n_ws > 1 && cpt_at(c, pos + n_ws) != OUT_OF_RANGE) { /* \s+(?!\S) */
      pos += n_ws - 1;
      add_token(c, pos);
      continue;
    }
    if (n_ws > 0) { /* \s+ */
      pos += n_ws;
      add_token(c, pos);
      continue;
    }
    add_token(c, ++pos); /* no match */
  }
}

static void split_llama3(struct chunk *c, size_t max_digits) {
  for (size_t pos = c->lo; pos < c->hi;) {
    uint32_t cpt = cpt_at(c, pos), flags = flags_at(c, pos);
    size_t k = contraction(c, pos, true);
    if (k) {
      pos += add_token(c, pos + k);
      continue;
    }
    /* [^\r\n\p{L}\p{N}]?\p{L}+ */
    if (!(cpt == '\r' || cpt == '\n' || IS_N(flags)) &&
        (IS_L(flags) || IS_L(flags_at(c, pos + 1)))) {
      pos++;
      while (IS_L(flags_at(c, pos))) pos++;
      add_token(c, pos);
      continue;
    }
    if (IS_N(flags)) { /* \p{N}{1,max_digits} */
      size_t ini = pos;
      while (IS_N(flags_at(c, pos))) {
        if (++pos - ini >= max_digits) {
          add_token(c, pos);
          ini = pos;
        }
      }
      add_token(c, pos);
      continue;
    }
    /* <space>?[^\s\p{L}\p{N}]+[\r\n]* */
    uint32_t f2 = cpt == ' ' ? flags_at(c, pos + 1) : flags;
    if (IS_OTHER(f2)) {
      pos += (cpt == ' ');
      while (IS_OTHER(f2)) f2 = flags_at(c, ++pos);
      uint32_t c2 = cpt_at(c, pos);
      while (c2 == '\r' || c2 == '\n') c2 = cpt_at(c, ++pos);
      add_token(c, pos);
      continue;
    }
    size_t n_ws = 0, last_rn = 0;
    while (IS_WS(flags_at(c, pos + n_ws))) {
      uint32_t c2 = cpt_at(c, pos + n_ws);
      if (c2 == '\r' || c2 == '\n') last_rn = pos + n_ws + 1;
      n_ws++;
    }
    if (last_rn > 0) { /* \s*[\r\n]+ */
      pos = last_rn;
      add_token(c, pos);
      continue;
    }
    if (n_ws > 1 && cpt_at(c, pos + n_ws) != OUT_OF_RANGE) { /* \s+(?!\S) */
      pos += n_ws - 1;
      add_token(c, pos);
      continue;
    }
    if (n_ws > 0) { /* \s+ */
      pos += n_ws;
      add_token(c, pos);
      continue;
    }
    add_token(c, ++pos); /* no match */
  }
}

size_t ai_tok_pre_split(enum tok_pre pre, const uint32_t *cpts, size_t n, size_t *ends) {
  struct chunk c = {cpts, 0, n, ends, 0, 0};
  switch (pre) {
    case TOK_PRE_LLAMA3:
      split_llama3(&c, 3);
      break;
    case TOK_PRE_QWEN2:
      split_llama3(&c, 1);
      break;
    case TOK_PRE_GPT2:
      split_gpt2(&c);
      break;
    case TOK_PRE_SMOLLM:
      /* each \p{N} is a chunk of its own; the runs between are split by the gpt2 regex */
      for (size_t i = 0; i < n;) {
        if (IS_N(ai_ucp_flags(cpts[i]))) {
          c.lo = i, c.hi = i + 1, c.prev_end = i;
          add_token(&c, i + 1);
          i++;
          continue;
        }
        size_t j = i;
        while (j < n && !IS_N(ai_ucp_flags(cpts[j]))) j++;
        c.lo = i, c.hi = j, c.prev_end = i;
        split_gpt2(&c);
        i = j;
      }
      break;
    case TOK_PRE_NONE:
      if (n) ends[c.n_ends++] = n;
      break;
  }
  return c.n_ends;
}
