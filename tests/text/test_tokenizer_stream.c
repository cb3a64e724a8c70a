/* Streaming detokenizer: a text with 1- to 4-byte UTF-8 sequences (and a ZWJ emoji sequence) is
 * pushed as tokens that split it at every byte position, with every piece length 1..4; each
 * emitted chunk must be complete UTF-8, and all chunks together the text. Invalid bytes pass
 * through raw; the leading-space rule matches ai_tokenizer_decode. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "text/tokenizer.h"

#define MAX_TOKENS 1024

static char texts[MAX_TOKENS][16];
static struct ai_gguf_str strs[MAX_TOKENS];
static int32_t types[MAX_TOKENS];
static size_t n_tokens;

static int32_t add_token(const char *s, size_t n, int32_t type) {
  for (size_t i = 0; i < n_tokens; i++)
    if (strs[i].len == n && memcmp(texts[i], s, n) == 0) return (int32_t)i;
  memcpy(texts[n_tokens], s, n);
  texts[n_tokens][n] = '\0';
  strs[n_tokens] = (struct ai_gguf_str){texts[n_tokens], n};
  types[n_tokens] = type;
  return (int32_t)n_tokens++;
}

/* true if s[0..n) is a sequence of complete, well-formed UTF-8 characters */
static bool is_complete_utf8(const uint8_t *s, size_t n) {
  for (size_t i = 0; i < n;) {
    size_t len = s[i] < 0x80         ? 1
                 : (s[i] >> 5) == 6  ? 2
                 : (s[i] >> 4) == 14 ? 3
                 : (s[i] >> 3) == 30 ? 4
                                     : 0;
    if (len == 0 || n - i < len) return false;
    for (size_t k = 1; k < len; k++)
      if ((s[i + k] & 0xc0) != 0x80) return false;
    i += len;
  }
  return true;
}

static const char text[] =
    "a\xC3\xA9\xE4\xB8\xAD\xF0\x9F\xA4\x96\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9 z";

int main(void) {
  struct ai_alloc a = ai_alloc_default();
  int32_t byte_id[256];
  for (int b = 0; b < 256; b++) {
    char name[8];
    snprintf(name, sizeof name, "<0x%02X>", b);
    byte_id[b] = add_token(name, 6, 6);
  }
  int32_t space_id = add_token("\xE2\x96\x81", 3, 1);
  size_t n = strlen(text);
  /* a normal token for every substring of 2..4 bytes */
  for (size_t i = 0; i < n; i++)
    for (size_t k = 2; k <= 4 && i + k <= n; k++) add_token(text + i, k, 1);
  struct ai_vocab_desc d = {0};
  d.model = "llama";
  d.n_tokens = n_tokens;
  d.tokens = strs;
  d.token_types = types;
  d.bos = d.eos = d.unk = d.pad = d.eot = d.eom = -1;
  struct ai_tokenizer *t = NULL;
  struct ai_error err;
  CHECK_EQ(ai_tokenizer_create(&a, &d, &t, &err), ANYINFER_OK);
  if (!t) return check_exit();

  for (size_t i = 0; i < n; i++) {
    for (size_t k = 1; k <= 4 && i + k <= n; k++) {
      int32_t ids[64];
      size_t n_ids = 0;
      for (size_t j = 0; j < i; j++) ids[n_ids++] = byte_id[(uint8_t)text[j]];
      ids[n_ids++] = k == 1 ? byte_id[(uint8_t)text[i]] : add_token(text + i, k, 1);
      for (size_t j = i + k; j < n; j++) ids[n_ids++] = byte_id[(uint8_t)text[j]];
      CHECK(n_tokens <= MAX_TOKENS);
      struct ai_detok_stream s;
      ai_detok_stream_init(&s, t, true);
      char out[128], chunk[16];
      size_t n_out = 0, len;
      bool all_complete = true;
      for (size_t j = 0; j < n_ids; j++) {
        CHECK_EQ(ai_detok_stream_push(&s, t, ids[j], chunk, sizeof chunk, &len), ANYINFER_OK);
        all_complete &= is_complete_utf8((const uint8_t *)chunk, len);
        memcpy(out + n_out, chunk, len);
        n_out += len;
      }
      CHECK(all_complete);
      CHECK_EQ(ai_detok_stream_flush(&s, chunk, sizeof chunk, &len), ANYINFER_OK);
      CHECK_EQ(len, 0);
      CHECK(n_out == n && memcmp(out, text, n) == 0);
    }
  }

  /* invalid bytes: a stray continuation, a lead cut short by 'c', a truncated 4-byte tail */
  static const uint8_t bad[] = {'a', 0x80, 'b', 0xE2, 0x82, 'c', 0xF0, 0x9F, 0xA4};
  struct ai_detok_stream s;
  ai_detok_stream_init(&s, t, false);
  char out[32], chunk[16];
  size_t n_out = 0, len;
  for (size_t j = 0; j < sizeof bad; j++) {
    CHECK_EQ(ai_detok_stream_push(&s, t, byte_id[bad[j]], chunk, sizeof chunk, &len), ANYINFER_OK);
    memcpy(out + n_out, chunk, len);
    n_out += len;
  }
  CHECK_EQ(n_out, 6); /* the last three bytes could still become a character */
  CHECK_EQ(ai_detok_stream_flush(&s, chunk, 2, &len), ANYINFER_E_RANGE);
  CHECK_EQ(ai_detok_stream_flush(&s, chunk, sizeof chunk, &len), ANYINFER_OK);
  CHECK_EQ(len, 3);
  memcpy(out + n_out, chunk, len);
  n_out += len;
  CHECK(n_out == sizeof bad && memcmp(out, bad, sizeof bad) == 0);

  /* leading space: stripped for the first piece only when asked, as ai_tokenizer_decode */
  int32_t ids[3] = {space_id, byte_id['x'], space_id};
  char dec[8];
  size_t dec_len;
  CHECK_EQ(ai_tokenizer_decode(t, ids, 3, dec, sizeof dec, &dec_len), ANYINFER_OK);
  CHECK(dec_len == 2 && memcmp(dec, "x ", 2) == 0);
  for (int strip = 0; strip < 2; strip++) {
    ai_detok_stream_init(&s, t, strip);
    n_out = 0;
    for (int j = 0; j < 3; j++) {
      CHECK_EQ(ai_detok_stream_push(&s, t, ids[j], chunk, sizeof chunk, &len), ANYINFER_OK);
      memcpy(out + n_out, chunk, len);
      n_out += len;
    }
    CHECK(strip ? (n_out == 2 && memcmp(out, "x ", 2) == 0)
                : (n_out == 3 && memcmp(out, " x ", 3) == 0));
  }

  /* errors: a bad id, and a buffer too small leaves the stream unchanged */
  ai_detok_stream_init(&s, t, false);
  CHECK_EQ(ai_detok_stream_push(&s, t, -1, chunk, sizeof chunk, &len), ANYINFER_E_INVAL);
  CHECK_EQ(ai_detok_stream_push(&s, t, (int32_t)n_tokens, chunk, sizeof chunk, &len),
           ANYINFER_E_INVAL);
  CHECK_EQ(ai_detok_stream_push(&s, t, byte_id[0xE4], chunk, sizeof chunk, &len), ANYINFER_OK);
  CHECK_EQ(len, 0);
  int32_t two = add_token(text + 4, 2, 1); /* B8 AD: completes 中 */
  CHECK(two < (int32_t)ai_tokenizer_n_vocab(t));
  CHECK_EQ(ai_detok_stream_push(&s, t, two, chunk, 2, &len), ANYINFER_E_RANGE);
  CHECK_EQ(len, 3);
  CHECK_EQ(ai_detok_stream_push(&s, t, two, chunk, 3, &len), ANYINFER_OK);
  CHECK(len == 3 && memcmp(chunk, "\xE4\xB8\xAD", 3) == 0);
  ai_tokenizer_free(t);
  return check_exit();
}
