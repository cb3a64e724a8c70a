/* Byte-level BPE as llama.cpp's llm_tokenizer_bpe_session: the text is cut into pre-tokens
 * (tokenizer_pre.c), each pre-token's UTF-8 bytes are written in GPT-2's byte-to-unicode
 * alphabet, and within it the adjacent pair with the lowest merge rank is merged until none is
 * left (ties: leftmost first). With ignore_merges (llama3) a pre-token that is itself a token is
 * emitted whole. */
#include <string.h>

#include "text/tokenizer_impl.h"
#include "text/unicode.h"

static void add_bigram(const struct ai_tokenizer *t, struct tok_sym *sym, struct tok_heap *h,
                       int32_t left, int32_t right) {
  if (left < 0 || right < 0 || sym[left].id < 0 || sym[right].id < 0) return;
  uint64_t key = (uint64_t)sym[left].id << 32 | (uint32_t)sym[right].id;
  uint64_t x = key;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  size_t s = (size_t)x & t->merge_mask;
  while (t->merge_keys[s] != key) {
    if (t->merge_keys[s] == UINT64_MAX) return;
    s = (s + 1) & t->merge_mask;
  }
  ai_tok_heap_push(
      h, (struct tok_bigram){-(double)t->merge_rank[s], left, right, sym[left].n + sym[right].n});
}

/* Merges within enc[0..n) (one pre-token) and emits its tokens. sym/h are scratch sized for n. */
static void bpe_word(const struct ai_tokenizer *t, const char *enc, size_t n, struct tok_sym *sym,
                     struct tok_heap *h, struct tok_out *o) {
  if (t->ignore_merges) {
    int32_t id = ai_tok_lookup(t, enc, n);
    if (id >= 0) {
      tok_out_push(o, id);
      return;
    }
  }
  int32_t n_sym = 0;
  for (size_t off = 0; off < n;) {
    size_t len = ai_utf8_len((uint8_t)enc[off]);
    if (len > n - off) len = n - off;
    sym[n_sym] = (struct tok_sym){n_sym - 1, off + len == n ? -1 : n_sym + 1, off, len,
                                  ai_tok_lookup(t, enc + off, len)};
    off += len;
    n_sym++;
  }
  h->n = 0;
  for (int32_t i = 1; i < n_sym; i++) add_bigram(t, sym, h, i - 1, i);
  while (h->n) {
    struct tok_bigram b = ai_tok_heap_pop(h);
    struct tok_sym *l = &sym[b.left], *r = &sym[b.right];
    if (l->n == 0 || r->n == 0 || l->n + r->n != b.size) continue; /* stale */
    l->n += r->n;
    l->id = ai_tok_lookup(t, enc + l->off, l->n);
    r->n = 0;
    l->next = r->next;
    if (r->next >= 0) sym[r->next].prev = b.left;
    add_bigram(t, sym, h, l->prev, b.left);
    add_bigram(t, sym, h, b.left, l->next);
  }
  for (int32_t i = 0; i != -1; i = sym[i].next) {
    if (sym[i].id >= 0) {
      tok_out_push(o, sym[i].id);
      continue;
    }
    /* not a token: llama.cpp looks each byte up as a one-byte token and drops the misses */
    for (size_t k = 0; k < sym[i].n; k++) {
      int32_t id = ai_tok_lookup(t, enc + sym[i].off + k, 1);
      if (id >= 0) tok_out_push(o, id);
    }
  }
}

anyinfer_status ai_tok_bpe_fragment(const struct ai_tokenizer *t, const char *s, size_t n,
                                    struct tok_out *o, struct ai_error *err) {
  /* Scratch: code points, pre-token ends, the byte-mapped text (a malformed byte becomes
   * U+FFFD, 3 bytes, each mapped to a 2-byte character: at most 6 bytes per input byte) and
   * its offsets per code point, symbols and the heap. */
  size_t n_enc_cap;
  if (!ai_mul_size(n, 6, &n_enc_cap))
    return ai_error_set(err, ANYINFER_E_NOMEM, "tokenizer: text of %zu bytes too long", n);
  uint32_t *cpts = ai_calloc(&t->alloc, n, sizeof *cpts);
  size_t *ends = ai_calloc(&t->alloc, n, sizeof *ends);
  size_t *cpt_off = ai_calloc(&t->alloc, n + 1, sizeof *cpt_off);
  char *enc = ai_malloc(&t->alloc, n_enc_cap);
  struct tok_sym *sym = NULL;
  struct tok_heap h = {0};
  anyinfer_status st = ANYINFER_OK;
  if (!cpts || !ends || !cpt_off || !enc) goto nomem;
  size_t n_cpts = 0, n_enc = 0;
  for (size_t pos = 0; pos < n;) {
    uint32_t c = ai_utf8_decode((const uint8_t *)s, n, &pos);
    cpt_off[n_cpts] = n_enc;
    cpts[n_cpts++] = c;
    uint8_t u[4];
    size_t k = ai_utf8_encode(c, u);
    for (size_t j = 0; j < k; j++) {
      memcpy(enc + n_enc, t->byte_utf8[u[j]], t->byte_utf8_len[u[j]]);
      n_enc += t->byte_utf8_len[u[j]];
    }
  }
  cpt_off[n_cpts] = n_enc;
  size_t n_words = ai_tok_pre_split(t->pre, cpts, n_cpts, ends);
  /* symbols and heap sized for the longest pre-token: at most 3 bigrams per symbol */
  size_t max_word = 0, start = 0;
  for (size_t w = 0; w < n_words; w++) {
    size_t bytes = cpt_off[ends[w]] - cpt_off[start];
    if (bytes > max_word) max_word = bytes;
    start = ends[w];
  }
  if (max_word > INT32_MAX) {
    st = ai_error_set(err, ANYINFER_E_UNSUPPORTED,
                      "tokenizer: a pre-token of %zu bytes, at most 2^31", max_word);
    goto done;
  }
  sym = ai_calloc(&t->alloc, max_word, sizeof *sym);
  h.v = ai_calloc(&t->alloc, max_word * 3, sizeof *h.v);
  h.cap = max_word * 3;
  if (!sym || !h.v) goto nomem;
  start = 0;
  for (size_t w = 0; w < n_words; w++) {
    size_t a = cpt_off[start], b = cpt_off[ends[w]];
    bpe_word(t, enc + a, b - a, sym, &h, o);
    start = ends[w];
  }
  goto done;
nomem:
  st = ai_error_set(err, ANYINFER_E_NOMEM, "tokenizer: out of memory for %zu bytes of text", n);
done:
  ai_free(&t->alloc, cpts);
  ai_free(&t->alloc, ends);
  ai_free(&t->alloc, cpt_off);
  ai_free(&t->alloc, enc);
  ai_free(&t->alloc, sym);
  ai_free(&t->alloc, h.v);
  return st;
}
