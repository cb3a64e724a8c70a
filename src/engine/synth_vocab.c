/* Synthetic but valid vocabularies of a real model's size and special-token layout.
 *
 * SPM (llama.cpp "llama" tokenizer): <unk> <s> </s>, the 256 byte tokens <0x00>..<0xFF> (type
 * BYTE), then pieces: "▁", and for L = 1, 2, ...: every lowercase word of length L, then "▁" +
 * every word of length L, with descending scores. Every piece is its prefix plus one letter, so
 * SentencePiece's merging can reach each one.
 *
 * BPE (llama.cpp "gpt2" tokenizer): the 256 byte tokens in GPT-2's bytes_to_unicode order
 * (openai/gpt-2 src/encoder.py), then one token per merge, made of two earlier tokens: "Ġ" + a
 * letter, then for L = 2, 3, ...: every word of length L as (word minus last letter, last
 * letter), then "Ġ" + word the same way. Specials, numbered reserved tokens and "[PADn]" fillers
 * (convert_hf_to_gguf.py's name for ids no token uses) sit where the real model has them. */
#include <stdio.h>
#include <string.h>

#include "engine/synth.h"

enum { TYPE_NORMAL = 1, TYPE_UNKNOWN = 2, TYPE_CONTROL = 3, TYPE_UNUSED = 5, TYPE_BYTE = 6 };

struct builder {
  struct ai_synth_vocab *v;
  size_t used, cap; /* bytes of v->chars */
  int32_t n;        /* tokens so far */
};

/* Appends a NUL-terminated copy of s[0..len) to the character block. */
static const char *put(struct builder *b, const char *s, size_t len) {
  if (!ALWAYS(b->used + len + 1 <= b->cap)) return NULL;
  char *dst = b->v->chars + b->used;
  memcpy(dst, s, len);
  dst[len] = '\0';
  b->used += len + 1;
  return dst;
}

static bool add_token(struct builder *b, const char *s, size_t len, int32_t type, float score) {
  if (!ALWAYS(b->n < b->v->n_tokens)) return false;
  const char *p = put(b, s, len);
  if (!p) return false;
  b->v->tokens[b->n] = p;
  b->v->types[b->n] = type;
  if (b->v->scores) b->v->scores[b->n] = score;
  b->n++;
  return true;
}

/* Word number k of length len over 'a'..'z', lexicographic: k's base-26 digits. */
static void word(int64_t k, int len, char *out) {
  for (int i = len - 1; i >= 0; i--) {
    out[i] = (char)('a' + k % 26);
    k /= 26;
  }
}

static const char kSpace[] = "\xe2\x96\x81"; /* U+2581 "▁", SentencePiece's space */
static const char kGSpace[] = "\xc4\xa0";    /* U+0120 "Ġ", GPT-2's mapping of byte 0x20 */

/* Appends the UTF-8 encoding of code point c (< 0x800) to out; returns bytes written. */
static int utf8_2(unsigned c, char *out) {
  if (c < 0x80) {
    out[0] = (char)c;
    return 1;
  }
  out[0] = (char)(0xc0 | (c >> 6));
  out[1] = (char)(0x80 | (c & 0x3f));
  return 2;
}

static bool add_specials(struct builder *b, const struct ai_synth_spec *s, int32_t n_specials) {
  for (int32_t i = 0; i < n_specials; i++) {
    int32_t type = TYPE_CONTROL;
    if (s->vocab == AI_SYNTH_SPM && i == 0) type = TYPE_UNKNOWN; /* <unk> */
    if (!add_token(b, s->specials[i], strlen(s->specials[i]), type, 0.0f)) return false;
  }
  return true;
}

static bool add_spm_regular(struct builder *b, const struct ai_synth_spec *s) {
  for (int i = 0; i < 256; i++) {
    char name[8];
    snprintf(name, sizeof name, "<0x%02X>", i);
    if (!add_token(b, name, 6, TYPE_BYTE, 0.0f)) return false;
  }
  int32_t n_pieces = s->n_regular - 256, k = 0;
  if (n_pieces > 0 && !add_token(b, kSpace, 3, TYPE_NORMAL, -(float)k++)) return false;
  for (int len = 1; k < n_pieces; len++) {
    int64_t n_words = 1;
    for (int i = 0; i < len; i++) n_words *= 26;
    for (int pass = 0; pass < 2; pass++) { /* plain words, then "▁" + word */
      for (int64_t w = 0; w < n_words && k < n_pieces; w++) {
        char buf[32];
        size_t off = 0;
        if (pass == 1) {
          memcpy(buf, kSpace, 3);
          off = 3;
        }
        word(w, len, buf + off);
        if (!add_token(b, buf, off + (size_t)len, TYPE_NORMAL, -(float)k++)) return false;
      }
    }
  }
  return true;
}

static bool add_merge(struct builder *b, const char *left, size_t n_left, const char *right,
                      size_t n_right) {
  char buf[64];
  if (!ALWAYS(n_left + n_right + 1 < sizeof buf)) return false;
  memcpy(buf, left, n_left);
  buf[n_left] = ' ';
  memcpy(buf + n_left + 1, right, n_right);
  const char *m = put(b, buf, n_left + 1 + n_right);
  if (!m || !ALWAYS(b->v->n_merges < b->v->n_tokens)) return false;
  b->v->merges[b->v->n_merges++] = m;
  memcpy(buf, left, n_left);
  memcpy(buf + n_left, right, n_right);
  return add_token(b, buf, n_left + n_right, TYPE_NORMAL, 0.0f);
}

static bool add_bpe_regular(struct builder *b, const struct ai_synth_spec *s) {
  /* bytes_to_unicode: printable bytes map to themselves and come first, in byte order; the
   * other 68 map to U+0100.. in byte order. */
  for (int pass = 0; pass < 2; pass++) {
    unsigned n_other = 0;
    for (unsigned c = 0; c < 256; c++) {
      bool printable = (c >= 0x21 && c <= 0x7e) || (c >= 0xa1 && c <= 0xac) || c >= 0xae;
      char buf[4];
      int len;
      if (printable) {
        if (pass != 0) continue;
        len = utf8_2(c, buf);
      } else {
        unsigned cp = 256 + n_other++;
        if (pass != 1) continue;
        len = utf8_2(cp, buf);
      }
      if (!add_token(b, buf, (size_t)len, TYPE_NORMAL, 0.0f)) return false;
    }
  }
  int32_t n_merges = s->n_regular - 256, k = 0;
  for (int c = 0; c < 26 && k < n_merges; c++, k++) {
    char letter = (char)('a' + c);
    if (!add_merge(b, kGSpace, 2, &letter, 1)) return false;
  }
  for (int len = 2; k < n_merges; len++) {
    int64_t n_words = 1;
    for (int i = 0; i < len; i++) n_words *= 26;
    for (int pass = 0; pass < 2; pass++) { /* plain words, then "Ġ" + word */
      for (int64_t w = 0; w < n_words && k < n_merges; w++, k++) {
        char buf[32];
        size_t off = 0;
        if (pass == 1) {
          memcpy(buf, kGSpace, 2);
          off = 2;
        }
        word(w, len, buf + off);
        size_t n = off + (size_t)len;
        if (!add_merge(b, buf, n - 1, buf + n - 1, 1)) return false;
      }
    }
  }
  return true;
}

static bool add_tail(struct builder *b, const struct ai_synth_spec *s, int32_t n_reserved) {
  for (int32_t i = 0; i < n_reserved; i++) {
    char name[64];
    int len = s->n_mel > 0 ? snprintf(name, sizeof name, "<|%d.%02d|>", i / 50, i % 50 * 2)
                           : snprintf(name, sizeof name, s->reserved_fmt, s->reserved_first + i);
    if (!add_token(b, name, (size_t)len, TYPE_CONTROL, 0.0f)) return false;
  }
  for (int32_t i = 0; i < s->n_unused; i++) {
    char name[32];
    int len = snprintf(name, sizeof name, "[PAD%d]", b->n);
    if (!add_token(b, name, (size_t)len, TYPE_UNUSED, 0.0f)) return false;
  }
  return true;
}

anyinfer_status ai_synth_vocab_build(const struct ai_alloc *a, const struct ai_synth_spec *s,
                                     struct ai_synth_vocab *out, struct ai_error *err) {
  memset(out, 0, sizeof *out);
  out->alloc = *a;
  int32_t n_specials = 0;
  size_t special_chars = 0;
  while (s->specials && s->specials[n_specials])
    special_chars += strlen(s->specials[n_specials++]) + 1;
  int32_t n_reserved = s->n_vocab - s->n_regular - n_specials - s->n_unused;
  if (!ALWAYS(n_reserved >= 0 && (n_reserved == 0 || s->reserved_fmt || s->n_mel > 0)))
    return ai_error_set(err, ANYINFER_E_INVAL, "synth: '%s': vocabulary layout adds up to %d",
                        s->name, s->n_regular + n_specials + s->n_unused);
  const bool bpe = s->vocab == AI_SYNTH_BPE;
  out->n_tokens = s->n_vocab;
  /* Regular tokens and merges are at most 2 + 6 bytes ("Ġ" + 6 letters covers 26^6 words). */
  size_t cap = (size_t)s->n_vocab * 16 + (bpe ? (size_t)s->n_vocab * 20 : 0) + special_chars +
               (size_t)n_reserved * 40 + (size_t)s->n_unused * 16;
  out->chars = ai_malloc(a, cap);
  out->tokens = ai_calloc(a, (size_t)s->n_vocab, sizeof *out->tokens);
  out->types = ai_calloc(a, (size_t)s->n_vocab, sizeof *out->types);
  if (!bpe) out->scores = ai_calloc(a, (size_t)s->n_vocab, sizeof *out->scores);
  if (bpe) out->merges = ai_calloc(a, (size_t)s->n_vocab, sizeof *out->merges);
  if (!out->chars || !out->tokens || !out->types || (!bpe && !out->scores) ||
      (bpe && !out->merges)) {
    ai_synth_vocab_free(out);
    return ai_error_set(err, ANYINFER_E_NOMEM, "synth: '%s': out of memory for %d tokens", s->name,
                        s->n_vocab);
  }
  struct builder b = {.v = out, .cap = cap};
  bool ok = true;
  if (s->specials_first) ok = add_specials(&b, s, n_specials);
  if (ok) ok = bpe ? add_bpe_regular(&b, s) : add_spm_regular(&b, s);
  if (ok && !s->specials_first) ok = add_specials(&b, s, n_specials);
  if (ok) ok = add_tail(&b, s, n_reserved);
  if (!ok || !ALWAYS(b.n == s->n_vocab)) {
    ai_synth_vocab_free(out);
    return ai_error_set(err, ANYINFER_E_INVAL, "synth: '%s': built %d of %d tokens", s->name, b.n,
                        s->n_vocab);
  }
  return ANYINFER_OK;
}

void ai_synth_vocab_free(struct ai_synth_vocab *v) {
  if (!v) return;
  ai_free(&v->alloc, v->chars);
  ai_free(&v->alloc, (void *)v->tokens);
  ai_free(&v->alloc, v->types);
  ai_free(&v->alloc, v->scores);
  ai_free(&v->alloc, (void *)v->merges);
  memset(v, 0, sizeof *v);
}
