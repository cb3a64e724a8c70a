/* Token ids back to text: single pieces (llama.cpp token_to_piece with special=true), whole
 * sequences (detokenize), and the UTF-8-safe streaming detokenizer. */
#include <string.h>

#include "text/tokenizer_impl.h"
#include "text/unicode.h"

/* Byte sink that stores what fits and counts everything; strip drops one leading ' '. */
struct sink {
  char *buf;
  size_t cap, n;
  bool strip;
};

static void put(struct sink *k, const char *s, size_t n) {
  if (k->strip && n > 0) {
    k->strip = false;
    if (s[0] == ' ') s++, n--;
  }
  for (size_t i = 0; i < n; i++, k->n++)
    if (k->n < k->cap) k->buf[k->n] = s[i];
}

static int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static void put_piece(const struct ai_tokenizer *t, int32_t id, struct sink *k) {
  const char *s = t->text + t->tok_off[id];
  size_t n = t->tok_len[id];
  switch (t->types[id]) {
    case AI_TOKEN_CONTROL:
    case AI_TOKEN_UNKNOWN:
    case AI_TOKEN_USER_DEFINED:
      put(k, s, n);
      return;
    case AI_TOKEN_BYTE: /* "<0xXX>" (llama_vocab::impl::token_to_byte) */
      if (n == 6 && hex_digit(s[3]) >= 0 && hex_digit(s[4]) >= 0) {
        char b = (char)(hex_digit(s[3]) * 16 + hex_digit(s[4]));
        put(k, &b, 1);
      }
      return;
    case AI_TOKEN_UNUSED:
      return;
    default:
      break;
  }
  if (t->kind == TOK_SPM) { /* llama_unescape_whitespace: U+2581 -> ' ' */
    size_t run = 0;
    for (size_t i = 0; i < n;) {
      if (n - i >= 3 && memcmp(s + i, "\xE2\x96\x81", 3) == 0) {
        put(k, s + run, i - run);
        put(k, " ", 1);
        i += 3;
        run = i;
      } else {
        i++;
      }
    }
    put(k, s + run, n - run);
    return;
  }
  /* llama_decode_text: each code point back to its byte. A code point outside GPT-2's map is
   * kept as UTF-8 (llama.cpp writes "[UNK_BYTE_0x..]" there). */
  for (size_t pos = 0; pos < n;) {
    size_t at = pos;
    uint32_t c = ai_utf8_decode((const uint8_t *)s, n, &pos);
    int b = c < 0x144 ? t->ucp_byte[c] : -1;
    if (b >= 0) {
      char ch = (char)b;
      put(k, &ch, 1);
    } else {
      put(k, s + at, pos - at);
    }
  }
}

anyinfer_status ai_tokenizer_piece(const struct ai_tokenizer *t, int32_t id, char *buf, size_t cap,
                                   size_t *len) {
  *len = 0;
  if (id < 0 || (size_t)id >= t->n_tokens) return ANYINFER_E_INVAL;
  struct sink k = {buf, buf ? cap : 0, 0, false};
  put_piece(t, id, &k);
  *len = k.n;
  return k.n > k.cap ? ANYINFER_E_RANGE : ANYINFER_OK;
}

anyinfer_status ai_tokenizer_decode(const struct ai_tokenizer *t, const int32_t *ids, size_t n,
                                    char *buf, size_t cap, size_t *len) {
  *len = 0;
  for (size_t i = 0; i < n; i++)
    if (ids[i] < 0 || (size_t)ids[i] >= t->n_tokens) return ANYINFER_E_INVAL;
  struct sink k = {buf, buf ? cap : 0, 0, t->add_space_prefix};
  for (size_t i = 0; i < n; i++) put_piece(t, ids[i], &k);
  *len = k.n;
  return k.n > k.cap ? ANYINFER_E_RANGE : ANYINFER_OK;
}

void ai_detok_stream_init(struct ai_detok_stream *s, const struct ai_tokenizer *t,
                          bool strip_leading_space) {
  memset(s, 0, sizeof *s);
  s->strip_first_space = strip_leading_space && t->add_space_prefix;
}

/* Bytes at the end of b[0..m) that start a UTF-8 sequence not yet complete (0..3). */
static size_t incomplete_tail(const uint8_t *b, size_t m) {
  for (size_t k = 1; k <= 3 && k <= m; k++) {
    uint8_t c = b[m - k];
    if ((c & 0xc0) == 0x80) continue;
    size_t need = (c >= 0xc2 && c <= 0xdf)   ? 2
                  : (c >= 0xe0 && c <= 0xef) ? 3
                  : (c >= 0xf0 && c <= 0xf4) ? 4
                                             : 1;
    return need > k ? k : 0;
  }
  return 0;
}

anyinfer_status ai_detok_stream_push(struct ai_detok_stream *s, const struct ai_tokenizer *t,
                                     int32_t id, char *buf, size_t cap, size_t *len) {
  *len = 0;
  if (id < 0 || (size_t)id >= t->n_tokens) return ANYINFER_E_INVAL;
  /* assemble held-back bytes + piece in buf, then keep back an incomplete tail */
  struct sink k = {buf, buf ? cap : 0, 0, false};
  put(&k, (const char *)s->pending, s->n_pending);
  k.strip = s->strip_first_space;
  put_piece(t, id, &k);
  if (k.n > k.cap) {
    *len = k.n;
    return ANYINFER_E_RANGE;
  }
  size_t hold = incomplete_tail((const uint8_t *)buf, k.n);
  memcpy(s->pending, buf + k.n - hold, hold);
  s->n_pending = (uint8_t)hold;
  s->strip_first_space = false;
  *len = k.n - hold;
  return ANYINFER_OK;
}

anyinfer_status ai_detok_stream_flush(struct ai_detok_stream *s, char *buf, size_t cap,
                                      size_t *len) {
  *len = s->n_pending;
  if (s->n_pending > cap) return ANYINFER_E_RANGE;
  memcpy(buf, s->pending, s->n_pending);
  s->n_pending = 0;
  return ANYINFER_OK;
}
