/* ai_vocab_desc_from_gguf on GGUF files written with the GGUF writer: keys read, llama.cpp's
 * default ids, add_* flags, and each validation error naming its key. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "text/tokenizer.h"
#include "text/vocab_gguf.h"

#define SP_A "\342\226\201a" /* "▁a" (U+2581 in octal escapes) */
static const char *const tokens[] = {"<unk>", "<s>", "</s>", SP_A, "a"};
static const float scores[] = {0, 0, 0, -1, -2};
static const int32_t types[] = {2, 3, 3, 1, 1};

enum variant { V_OK, V_FLAGS, V_SCORES_SHORT, V_BOS_RANGE, V_NO_MODEL, V_BAD_TYPE };

/* Writes a small llama vocabulary with one defect (or none) to path. */
static bool write_vocab(const char *path, enum variant v) {
  struct ai_alloc a = ai_alloc_default();
  struct ai_error err;
  struct ai_gguf_writer *w = NULL;
  if (ai_gguf_writer_create(&a, &w, &err) != ANYINFER_OK) return false;
  int32_t ty[5];
  memcpy(ty, types, sizeof ty);
  if (v == V_BAD_TYPE) ty[4] = 7;
  anyinfer_status st = ai_gguf_set_str(w, "general.architecture", "llama");
  if (v != V_NO_MODEL && !st) st = ai_gguf_set_str(w, "tokenizer.ggml.model", "llama");
  if (!st) st = ai_gguf_set_arr(w, "tokenizer.ggml.tokens", AI_GGUF_STRING, tokens, 5);
  if (!st)
    st = ai_gguf_set_arr(w, "tokenizer.ggml.scores", AI_GGUF_FLOAT32, scores,
                         v == V_SCORES_SHORT ? 4 : 5);
  if (!st) st = ai_gguf_set_arr(w, "tokenizer.ggml.token_type", AI_GGUF_INT32, ty, 5);
  if (v == V_BOS_RANGE && !st) st = ai_gguf_set_u32(w, "tokenizer.ggml.bos_token_id", 5);
  if (v == V_FLAGS && !st) st = ai_gguf_set_u32(w, "tokenizer.ggml.eos_token_id", 4);
  if (v == V_FLAGS && !st) st = ai_gguf_set_bool(w, "tokenizer.ggml.add_bos_token", false);
  if (v == V_FLAGS && !st) st = ai_gguf_set_bool(w, "tokenizer.ggml.add_space_prefix", false);
  if (!st) st = ai_gguf_write_file(w, path, NULL, NULL, &err);
  ai_gguf_writer_free(w);
  return st == ANYINFER_OK;
}

/* Reads path and runs ai_vocab_desc_from_gguf; *g stays open for the caller to free. */
static anyinfer_status read_desc(const char *path, struct ai_file *f, struct ai_gguf **g,
                                 struct ai_vocab_desc *d, struct ai_error *err) {
  struct ai_alloc a = ai_alloc_default();
  *g = NULL;
  anyinfer_status st = ai_file_open(f, path, false, err);
  if (st) return st;
  struct ai_reader r = ai_file_reader(f);
  st = ai_gguf_read(&r, &a, g, err);
  if (st) return st;
  return ai_vocab_desc_from_gguf(*g, d, err);
}

int main(void) {
  char path[256];
  snprintf(path, sizeof path, "/tmp/anyinfer_test_vocab_%ld.gguf", (long)getpid());
  struct ai_alloc a = ai_alloc_default();
  struct ai_error err;
  struct ai_file f;
  struct ai_gguf *g;
  struct ai_vocab_desc d;

  CHECK(write_vocab(path, V_OK));
  CHECK_EQ(read_desc(path, &f, &g, &d, &err), ANYINFER_OK);
  CHECK_STREQ(d.model, "llama");
  CHECK(d.pre == NULL);
  CHECK_EQ(d.n_tokens, 5);
  CHECK_STREQ(d.tokens[3].data, SP_A);
  CHECK(d.scores && d.scores[4] == -2.0f);
  CHECK(d.token_types && d.token_types[0] == 2);
  CHECK_EQ(d.n_merges, 0);
  CHECK_EQ(d.bos, 1); /* llama.cpp's SPM defaults */
  CHECK_EQ(d.eos, 2);
  CHECK_EQ(d.unk, 0);
  CHECK_EQ(d.pad, -1);
  CHECK(!d.has_add_bos && !d.has_add_eos && !d.has_add_space_prefix);
  struct ai_tokenizer *t = NULL;
  CHECK_EQ(ai_tokenizer_create(&a, &d, &t, &err), ANYINFER_OK);
  if (t) {
    int32_t ids[8];
    size_t n = 0;
    CHECK_EQ(ai_tokenizer_encode(t, "a a", 3, true, false, ids, 8, &n, &err), ANYINFER_OK);
    CHECK(n == 3 && ids[0] == 1 && ids[1] == 3 && ids[2] == 3);
  }
  ai_tokenizer_free(t);
  ai_gguf_free(g);
  ai_file_close(&f);

  CHECK(write_vocab(path, V_FLAGS));
  CHECK_EQ(read_desc(path, &f, &g, &d, &err), ANYINFER_OK);
  CHECK_EQ(d.eos, 4);
  CHECK(d.has_add_bos && !d.add_bos);
  CHECK(d.has_add_space_prefix && !d.add_space_prefix);
  CHECK(!d.has_add_eos);
  ai_gguf_free(g);
  ai_file_close(&f);

  static const struct {
    enum variant v;
    const char *needle;
  } bad[] = {{V_SCORES_SHORT, "tokenizer.ggml.scores"},
             {V_BOS_RANGE, "tokenizer.ggml.bos_token_id"},
             {V_NO_MODEL, "tokenizer.ggml.model"},
             {V_BAD_TYPE, "tokenizer.ggml.token_type[4]"}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    CHECK(write_vocab(path, bad[i].v));
    CHECK_EQ(read_desc(path, &f, &g, &d, &err), ANYINFER_E_FORMAT);
    if (!strstr(err.msg, bad[i].needle)) fprintf(stderr, "message: %s\n", err.msg);
    CHECK(strstr(err.msg, bad[i].needle) != NULL);
    ai_gguf_free(g);
    ai_file_close(&f);
  }
  remove(path);
  return check_exit();
}
