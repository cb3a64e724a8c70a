/* Tokenizer unit tests on hand-made vocabularies: SPM bigram merging, byte fallback, unknown
 * fallback, special/user-defined token splitting, BOS/EOS; byte-level BPE merge order and
 * pre-tokenizers (exact pre-token boundaries); pieces and decoding; error paths and
 * out-of-memory at every allocation. Expected ids are worked out by hand in the comments. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "text/tokenizer.h"
#include "text/tokenizer_impl.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))
#define SP      "\xE2\x96\x81" /* U+2581, SentencePiece's space */

static struct ai_gguf_str strs_buf[64];

static const struct ai_gguf_str *to_strs(const char *const *s, size_t n) {
  static struct ai_gguf_str out[2][64];
  static int which;
  which ^= 1;
  for (size_t i = 0; i < n; i++) out[which][i] = (struct ai_gguf_str){s[i], strlen(s[i])};
  return out[which];
}

/* ---- SPM vocabulary ----------------------------------------------------------------------
 * 0 <unk> (unknown), 1 <s>, 2 </s> (control), 3 "▁", 4..8 h e l o w, 9 "▁h" (-10), 10 "he" (-5),
 * 11 "ll" (-3), 12 "llo" (-4), 13 "▁he" (-6), 14 "▁hello" (-1), 15 <0xC3>, 16 <0xA9> (byte),
 * 17 "<user>" (user-defined) */
static const char *const spm_tokens[] = {
    "<unk>", "<s>", "</s>", SP,    "h",     "e",        "l",      "o",      "w",
    SP "h",  "he",  "ll",   "llo", SP "he", SP "hello", "<0xC3>", "<0xA9>", "<user>"};
static const float spm_scores[] = {0,   0,  0,  -1, -2, -2, -2, -2, -2,
                                   -10, -5, -3, -4, -6, -1, 0,  0,  0};
static const int32_t spm_types[] = {2, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 6, 6, 4};

static struct ai_vocab_desc spm_desc(void) {
  struct ai_vocab_desc d = {0};
  d.model = "llama";
  d.n_tokens = N_OF(spm_tokens);
  d.tokens = to_strs(spm_tokens, d.n_tokens);
  d.scores = spm_scores;
  d.token_types = spm_types;
  d.bos = 1, d.eos = 2, d.unk = 0, d.pad = -1, d.eot = -1, d.eom = -1;
  return d;
}

/* Encodes and compares with want[0..n_want). */
static void check_encode(const struct ai_tokenizer *t, const char *text, bool add_special,
                         bool parse_special, const int32_t *want, size_t n_want, int line) {
  int32_t got[128];
  size_t n = 0;
  struct ai_error err;
  anyinfer_status st =
      ai_tokenizer_encode(t, text, strlen(text), add_special, parse_special, got, 128, &n, &err);
  bool same = st == ANYINFER_OK && n == n_want && memcmp(got, want, n * sizeof *got) == 0;
  if (!same) {
    fprintf(stderr, "line %d: encode(\"%s\") status %d got", line, text, (int)st);
    for (size_t i = 0; i < n && i < 128; i++) fprintf(stderr, " %d", (int)got[i]);
    fprintf(stderr, ", want");
    for (size_t i = 0; i < n_want; i++) fprintf(stderr, " %d", (int)want[i]);
    fprintf(stderr, "\n");
  }
  CHECK(same);
}
#define ENC(t, text, as, ps, ...)                                        \
  do {                                                                   \
    static const int32_t want_[] = {__VA_ARGS__};                        \
    check_encode(t, text, as, ps, want_ + 1, N_OF(want_) - 1, __LINE__); \
  } while (0)

static void check_decode(const struct ai_tokenizer *t, const int32_t *ids, size_t n,
                         const char *want) {
  char buf[256];
  size_t len = 0;
  CHECK_EQ(ai_tokenizer_decode(t, ids, n, buf, sizeof buf - 1, &len), ANYINFER_OK);
  buf[len < sizeof buf ? len : sizeof buf - 1] = '\0';
  CHECK_STREQ(buf, want);
}

static void test_spm(void) {
  struct ai_alloc a = ai_alloc_default();
  struct ai_vocab_desc d = spm_desc();
  struct ai_tokenizer *t = NULL;
  struct ai_error err;
  CHECK_EQ(ai_tokenizer_create(&a, &d, &t, &err), ANYINFER_OK);
  if (!t) return;
  /* "▁hello": ll(-3), then llo(-4), he(-5), ▁he(-6), ▁hello(-1); ▁h(-10) goes stale */
  ENC(t, "hello", false, false, -1, 14);
  /* SPM defaults: add_bos true, add_eos false */
  ENC(t, "hello", true, false, -1, 1, 14);
  ENC(t, "", true, false, -1, 1);
  ENC(t, "", false, false, -1);
  /* "▁hé": ▁h merges; é is no token, so its bytes C3 A9 fall back to <0xC3> <0xA9> */
  ENC(t, "h\xC3\xA9", false, false, -1, 9, 15, 16);
  /* "<s>" as plain text: ▁ alone, '<' 's' '>' have no byte tokens -> <unk> each; he + llo */
  ENC(t, "<s>hello", false, false, -1, 3, 0, 0, 0, 10, 12);
  /* parse_special splits <s>; the text after a special token gets the space prefix */
  ENC(t, "<s>hello", false, true, -1, 1, 14);
  /* user-defined tokens split even without parse_special */
  ENC(t, "hello<user>hello", false, false, -1, 14, 17, 14);
  /* a space in the text is escaped too: "▁hello▁hello" */
  ENC(t, "hello hello", false, false, -1, 14, 14);

  int32_t small[1];
  size_t n = 0;
  CHECK_EQ(ai_tokenizer_encode(t, "hello hello", 11, true, false, small, 1, &n, &err),
           ANYINFER_E_RANGE);
  CHECK_EQ(n, 3);
  CHECK_EQ(small[0], 1);
  CHECK_EQ(ai_tokenizer_encode(t, "hello", 5, true, false, NULL, 0, &n, &err), ANYINFER_E_RANGE);
  CHECK_EQ(n, 2);

  static const int32_t hello2[] = {14, 14};
  check_decode(t, hello2, 2, "hello hello");
  static const int32_t he_acute[] = {9, 15, 16};
  check_decode(t, he_acute, 3, "h\xC3\xA9");
  static const int32_t with_bos[] = {1, 14};
  check_decode(t, with_bos, 2, "<s> hello"); /* as llama.cpp: only the first piece is stripped */
  char piece[16];
  size_t len;
  CHECK_EQ(ai_tokenizer_piece(t, 14, piece, sizeof piece, &len), ANYINFER_OK);
  CHECK(len == 6 && memcmp(piece, " hello", 6) == 0);
  CHECK_EQ(ai_tokenizer_piece(t, 15, piece, sizeof piece, &len), ANYINFER_OK);
  CHECK(len == 1 && (uint8_t)piece[0] == 0xC3);
  CHECK_EQ(ai_tokenizer_piece(t, 1, piece, 2, &len), ANYINFER_E_RANGE);
  CHECK_EQ(len, 3);
  CHECK_EQ(ai_tokenizer_piece(t, 18, piece, sizeof piece, &len), ANYINFER_E_INVAL);
  CHECK_EQ(ai_tokenizer_piece(t, -1, piece, sizeof piece, &len), ANYINFER_E_INVAL);
  static const int32_t bad[] = {14, 99};
  CHECK_EQ(ai_tokenizer_decode(t, bad, 2, piece, sizeof piece, &len), ANYINFER_E_INVAL);
  CHECK_EQ(ai_tokenizer_decode(t, hello2, 2, piece, 4, &len), ANYINFER_E_RANGE);
  CHECK_EQ(len, 11);

  CHECK(ai_tokenizer_is_eog(t, 2));
  CHECK(!ai_tokenizer_is_eog(t, 1));
  CHECK(!ai_tokenizer_is_eog(t, -5));
  CHECK_EQ(ai_tokenizer_bos(t), 1);
  CHECK_EQ(ai_tokenizer_eos(t), 2);
  CHECK_EQ(ai_tokenizer_n_vocab(t), N_OF(spm_tokens));
  ai_tokenizer_free(t);

  /* add_space_prefix off, add_eos on, as the file may say */
  d.has_add_space_prefix = true, d.add_space_prefix = false;
  d.has_add_eos = true, d.add_eos = true;
  CHECK_EQ(ai_tokenizer_create(&a, &d, &t, &err), ANYINFER_OK);
  if (!t) return;
  ENC(t, "hello", true, false, -1, 1, 10, 12, 2); /* "hello": he, llo (no ▁) */
  static const int32_t hello[] = {14};
  check_decode(t, hello, 1, " hello"); /* no prefix, so nothing stripped */
  ai_tokenizer_free(t);
}

/* ---- byte-level BPE vocabulary ------------------------------------------------------------
 * texts in GPT-2's byte alphabet: "Ġ" is U+0120, the space byte */
#define G "\xC4\xA0"
static const char *const bpe_tokens[] = {
    "h",   "e",  "l",     "o",      "w",       "r", "d", "he", "ll", "hell",    "hello", G,
    G "w", "or", G "wor", G "worl", G "world", "1", "2", "3",  "12", "<|end|>", "<x>"};
static const int32_t bpe_types[] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
                                    1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 4};
static const char *const bpe_merges[] = {"h e", "l l",    "he ll",   "hell o",   G " w",
                                         "o r", G "w or", G "wor l", G "worl d", "1 2"};

static struct ai_vocab_desc bpe_desc(const char *pre) {
  struct ai_vocab_desc d = {0};
  d.model = "gpt2";
  d.pre = pre;
  d.n_tokens = N_OF(bpe_tokens);
  d.tokens = to_strs(bpe_tokens, d.n_tokens);
  d.token_types = bpe_types;
  d.n_merges = N_OF(bpe_merges);
  for (size_t i = 0; i < d.n_merges; i++)
    strs_buf[i] = (struct ai_gguf_str){bpe_merges[i], strlen(bpe_merges[i])};
  d.merges = strs_buf;
  d.bos = d.eos = d.unk = d.pad = d.eot = d.eom = -1;
  return d;
}

static void test_bpe(void) {
  struct ai_alloc a = ai_alloc_default();
  struct ai_vocab_desc d = bpe_desc("gpt-2");
  struct ai_tokenizer *t = NULL;
  struct ai_error err;
  CHECK_EQ(ai_tokenizer_create(&a, &d, &t, &err), ANYINFER_OK);
  if (!t) return;
  /* "hello" | " world": he(0), ll(1), hell(2), hello(3); Ġw(4), or(5), Ġwor(6), ... */
  ENC(t, "hello world", true, false, -1, 10, 16); /* gpt-2: no BOS by default */
  /* gpt2 keeps digits together: "123" -> 12 + 3 */
  ENC(t, "123", false, false, -1, 20, 19);
  /* é = C3 A9 -> "Ã©": not tokens, and neither are their single bytes: dropped as llama.cpp */
  ENC(t, "\xC3\xA9", false, false, -1);
  /* control text is plain without parse_special: "<|" and the 'n' have no tokens and drop out */
  ENC(t, "hello<|end|>", false, false, -1, 10, 1, 6);
  ENC(t, "hello<|end|>", false, true, -1, 10, 21);
  ai_tokenizer_free(t);

  /* qwen2: one digit per pre-token, so 1 and 2 never merge */
  d = bpe_desc("qwen2");
  CHECK_EQ(ai_tokenizer_create(&a, &d, &t, &err), ANYINFER_OK);
  if (!t) return;
  ENC(t, "123", false, false, -1, 17, 18, 19);
  ENC(t, "hello<|end|> world", false, true, -1, 10, 21, 16);
  ENC(t, "hello<x> world", false, false, -1, 10, 22, 16);
  CHECK(ai_tokenizer_is_eog(t, 21)); /* "<|end|>" is end of generation by its text */
  static const int32_t hw[] = {10, 16, 21};
  check_decode(t, hw, 3, "hello world<|end|>");
  char piece[8];
  size_t len;
  CHECK_EQ(ai_tokenizer_piece(t, 11, piece, sizeof piece, &len), ANYINFER_OK);
  CHECK(len == 1 && piece[0] == ' ');
  ai_tokenizer_free(t);

  /* llama3: add_bos defaults to true */
  d = bpe_desc("llama-bpe");
  d.bos = 21;
  CHECK_EQ(ai_tokenizer_create(&a, &d, &t, &err), ANYINFER_OK);
  if (!t) return;
  CHECK(ai_tokenizer_add_bos(t));
  ENC(t, "hello", true, false, -1, 21, 10);
  ai_tokenizer_free(t);
}

/* Pre-token boundaries (code point end indices) of one ASCII text. */
static void check_pre(enum tok_pre pre, const char *text, const char *const *want, size_t n_want,
                      int line) {
  uint32_t cpts[128];
  size_t ends[128], n = strlen(text);
  for (size_t i = 0; i < n; i++) cpts[i] = (uint8_t)text[i];
  size_t n_ends = ai_tok_pre_split(pre, cpts, n, ends);
  bool same = n_ends == n_want;
  for (size_t i = 0, start = 0; same && i < n_ends; start = ends[i], i++)
    same =
        strlen(want[i]) == ends[i] - start && memcmp(want[i], text + start, ends[i] - start) == 0;
  if (!same) {
    fprintf(stderr, "line %d: pre %d of \"%s\":", line, (int)pre, text);
    for (size_t i = 0, start = 0; i < n_ends; start = ends[i], i++)
      fprintf(stderr, " [%.*s]", (int)(ends[i] - start), text + start);
    fprintf(stderr, "\n");
  }
  CHECK(same);
}
#define PRE(pre, text, ...)                             \
  do {                                                  \
    static const char *const want_[] = {__VA_ARGS__};   \
    check_pre(pre, text, want_, N_OF(want_), __LINE__); \
  } while (0)

static void test_pre(void) {
  const char *s = "Hello  world\n\n 123456 it's";
  PRE(TOK_PRE_LLAMA3, s, "Hello", " ", " world", "\n\n", " ", "123", "456", " it", "'s");
  PRE(TOK_PRE_QWEN2, s, "Hello", " ", " world", "\n\n", " ", "1", "2", "3", "4", "5", "6", " it",
      "'s");
  PRE(TOK_PRE_GPT2, s, "Hello", " ", " world", "\n\n", " 123456", " it", "'s");
  PRE(TOK_PRE_SMOLLM, s, "Hello", " ", " world", "\n\n ", "1", "2", "3", "4", "5", "6", " it",
      "'s");
  /* case-insensitive contractions only in llama3; punctuation runs keep trailing newlines */
  PRE(TOK_PRE_LLAMA3, "IT'S ok!!\n\nx", "IT", "'S", " ok", "!!\n\n", "x");
  PRE(TOK_PRE_GPT2, "IT'S ok!!\n\nx", "IT", "'", "S", " ok", "!!", "\n", "\n", "x");
  /* trailing whitespace run stays whole; a lone space before a letter joins it */
  PRE(TOK_PRE_LLAMA3, "a   ", "a", "   ");
  PRE(TOK_PRE_LLAMA3, "\tx", "\tx");
  PRE(TOK_PRE_GPT2, "\tx", "\t", "x");
}

static void test_errors(void) {
  struct ai_alloc a = ai_alloc_default();
  struct ai_tokenizer *t = (struct ai_tokenizer *)1;
  struct ai_error err;
  struct ai_vocab_desc d = spm_desc();
  d.model = "bert";
  CHECK_EQ(ai_tokenizer_create(&a, &d, &t, &err), ANYINFER_E_UNSUPPORTED);
  CHECK(t == NULL);
  CHECK(strstr(err.msg, "bert") != NULL);
  d = spm_desc();
  d.bos = 99;
  CHECK_EQ(ai_tokenizer_create(&a, &d, &t, &err), ANYINFER_E_FORMAT);
  CHECK(strstr(err.msg, "bos") && strstr(err.msg, "99"));
  d = spm_desc();
  int32_t types[N_OF(spm_types)];
  memcpy(types, spm_types, sizeof types);
  types[5] = 9;
  d.token_types = types;
  CHECK_EQ(ai_tokenizer_create(&a, &d, &t, &err), ANYINFER_E_FORMAT);
  d = spm_desc();
  d.n_tokens = 0;
  CHECK_EQ(ai_tokenizer_create(&a, &d, &t, &err), ANYINFER_E_FORMAT);
  d = bpe_desc(NULL);
  CHECK_EQ(ai_tokenizer_create(&a, &d, &t, &err), ANYINFER_E_UNSUPPORTED);
  d = bpe_desc("no-such-pre");
  CHECK_EQ(ai_tokenizer_create(&a, &d, &t, &err), ANYINFER_E_UNSUPPORTED);
  CHECK(strstr(err.msg, "no-such-pre") != NULL);
  d = bpe_desc("gpt-2");
  struct ai_gguf_str bad_merge = {"hello", 5};
  d.merges = &bad_merge;
  d.n_merges = 1;
  CHECK_EQ(ai_tokenizer_create(&a, &d, &t, &err), ANYINFER_E_FORMAT);
  CHECK(strstr(err.msg, "merge 0") != NULL);
  ai_tokenizer_free(NULL);

  /* SPM byte fallback with neither byte tokens nor <unk> */
  d = spm_desc();
  d.unk = -1;
  types[0] = 1, types[5] = 1;
  d.token_types = types;
  CHECK_EQ(ai_tokenizer_create(&a, &d, &t, &err), ANYINFER_OK);
  if (t) {
    int32_t ids[8];
    size_t n;
    CHECK_EQ(ai_tokenizer_encode(t, "x", 1, false, false, ids, 8, &n, &err), ANYINFER_E_FORMAT);
    CHECK(strstr(err.msg, "0x78") != NULL);
    ai_tokenizer_free(t);
  }
}

/* Every allocation of create and encode fails once: NOMEM, nothing leaked. */
static void test_out_of_memory(void) {
  for (int which = 0; which < 2; which++) {
    struct ai_vocab_desc d = which ? bpe_desc("llama-bpe") : spm_desc();
    bool done = false;
    for (uint64_t k = 1; k < 200 && !done; k++) {
      struct ai_alloc_fault f = {0, k, 0};
      struct ai_alloc a = ai_alloc_make(ai_alloc_fault_fn, &f);
      struct ai_tokenizer *t = NULL;
      struct ai_error err;
      anyinfer_status st = ai_tokenizer_create(&a, &d, &t, &err);
      if (st == ANYINFER_OK) {
        int32_t ids[32];
        size_t n;
        const char *text = "<s>hello world h\xC3\xA9";
        st = ai_tokenizer_encode(t, text, strlen(text), true, true, ids, 32, &n, &err);
        done = st == ANYINFER_OK;
        ai_tokenizer_free(t);
      }
      if (!done) CHECK_EQ(st, ANYINFER_E_NOMEM);
      CHECK_EQ(f.n_live, 0);
    }
    CHECK(done);
  }
}

int main(void) {
  test_spm();
  test_bpe();
  test_pre();
  test_errors();
  test_out_of_memory();
  return check_exit();
}
