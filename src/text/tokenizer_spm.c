/* SentencePiece-style tokenization as llama.cpp's llm_tokenizer_spm_session: spaces escaped to
 * U+2581, an optional space prefix, then repeated merging of the adjacent pair whose
 * concatenation is the highest-scoring token (ties: leftmost first), and byte fallback
 * (<0xXX> tokens) for pieces that are not tokens. */
#include <string.h>

#include "text/tokenizer_impl.h"
#include "text/unicode.h"

static void try_add_bigram(const struct ai_tokenizer *t, const char *buf, struct tok_sym *sym,
                           struct tok_heap *h, int32_t left, int32_t right) {
  if (left < 0 || right < 0) return;
  size_t n = sym[left].n + sym[right].n;
  int32_t id = ai_tok_lookup(t, buf + sym[left].off, n);
  if (id < 0) return;
  ai_tok_heap_push(h, (struct tok_bigram){t->scores[id], left, right, (uint32_t)n});
}

anyinfer_status ai_tok_spm_fragment(const struct ai_tokenizer *t, const char *s, size_t n,
                                    bool add_prefix, struct tok_out *o, struct ai_error *err) {
  /* escaped text: every ' ' becomes "\xE2\x96\x81" (llama_escape_whitespace) */
  size_t cap, n_buf = 0;
  if (!ai_add_size(n, 1, &cap) || !ai_mul_size(cap, 3, &cap))
    return ai_error_set(err, ANYINFER_E_NOMEM, "tokenizer: text of %zu bytes too long", n);
  char *buf = ai_malloc(&t->alloc, cap);
  struct tok_sym *sym = NULL;
  struct tok_heap h = {0};
  anyinfer_status st = ANYINFER_OK;
  if (!buf) goto nomem;
  for (size_t i = 0; i < n + add_prefix; i++) {
    char c = (add_prefix && i == 0) ? ' ' : s[i - add_prefix];
    if (c == ' ') {
      memcpy(buf + n_buf, "\xE2\x96\x81", 3);
      n_buf += 3;
    } else {
      buf[n_buf++] = c;
    }
  }
  if (n_buf == 0) goto done;
  if (n_buf > INT32_MAX) {
    st = ai_error_set(err, ANYINFER_E_UNSUPPORTED,
                      "tokenizer: a text fragment of %zu bytes, at most 2^31 without special "
                      "tokens",
                      n_buf);
    goto done;
  }
  size_t n_cap;
  if (!ai_mul_size(n_buf, 3, &n_cap)) goto nomem;
  sym = ai_calloc(&t->alloc, n_buf, sizeof *sym);
  h.v = ai_calloc(&t->alloc, n_cap, sizeof *h.v);
  h.cap = n_cap;
  if (!sym || !h.v) goto nomem;
  /* one symbol per UTF-8 character, by the lead byte only (llama.cpp unicode_len_utf8) */
  int32_t n_sym = 0;
  for (size_t off = 0; off < n_buf;) {
    size_t len = ai_utf8_len((uint8_t)buf[off]);
    if (len > n_buf - off) len = n_buf - off;
    sym[n_sym] = (struct tok_sym){n_sym - 1, off + len == n_buf ? -1 : n_sym + 1, off, len, -1};
    off += len;
    n_sym++;
  }
  for (int32_t i = 1; i < n_sym; i++) try_add_bigram(t, buf, sym, &h, i - 1, i);
  while (h.n) {
    struct tok_bigram b = ai_tok_heap_pop(&h);
    struct tok_sym *l = &sym[b.left], *r = &sym[b.right];
    if (l->n == 0 || r->n == 0 || l->n + r->n != b.size) continue; /* stale */
    l->n += r->n;
    r->n = 0;
    l->next = r->next;
    if (r->next >= 0) sym[r->next].prev = b.left;
    try_add_bigram(t, buf, sym, &h, l->prev, b.left);
    try_add_bigram(t, buf, sym, &h, b.left, l->next);
  }
  /* every merged symbol is a token; single characters may not be: fall back to bytes
   * (llm_tokenizer_spm_session::resegment) */
  for (int32_t i = 0; i != -1; i = sym[i].next) {
    int32_t id = ai_tok_lookup(t, buf + sym[i].off, sym[i].n);
    if (id >= 0) {
      tok_out_push(o, id);
      continue;
    }
    for (size_t k = 0; k < sym[i].n; k++) {
      uint8_t byte = (uint8_t)buf[sym[i].off + k];
      int32_t bid = t->byte_token[byte] >= 0 ? t->byte_token[byte] : t->unk;
      if (bid < 0) {
        st = ai_error_set(err, ANYINFER_E_FORMAT,
                          "tokenizer: byte 0x%02X has no <0x%02X> token and the vocabulary "
                          "has no unknown token",
                          byte, byte);
        goto done;
      }
      tok_out_push(o, bid);
    }
  }
  goto done;
nomem:
  st = ai_error_set(err, ANYINFER_E_NOMEM, "tokenizer: out of memory for %zu bytes of text", n);
done:
  ai_free(&t->alloc, buf);
  ai_free(&t->alloc, sym);
  ai_free(&t->alloc, h.v);
  return st;
}
