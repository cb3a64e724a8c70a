/* whisper.cpp ggml-*.bin files: a small one written here from the documented layout
 * (format/ggml_whisper.h; whisper.cpp models/convert-pt-to-ggml.py) is parsed field by field;
 * every truncation of it and a few corruptions are clean errors; `anyinfer convert` turns it into
 * a GGUF that loads as a Whisper model, whose vocabulary has Whisper's specials at whisper.cpp's
 * ids and merges derived from the token ranks ("hello" -> "hell" "o"), and whose transcriber
 * encodes and decodes. */
#define _DEFAULT_SOURCE
#include <stdlib.h>
#include <unistd.h>

#include "anyinfer.h"
#include "base/fp16.h"
#include "check.h"
#include "format/ggml_whisper.h"

enum { E = 8, F = 32, M = 4, A = 4, T = 8, N_LANG = 2 };
#define N_TOK   259 /* 256 bytes, "he", "ll", "hell" */
#define N_VOCAB (N_TOK + 2 + N_LANG + 6 + 1501)

struct out {
  unsigned char *p;
  size_t n, cap;
};

static void put(struct out *o, const void *src, size_t n) {
  if (o->n + n > o->cap) {
    o->cap = (o->n + n) * 2;
    o->p = realloc(o->p, o->cap);
  }
  memcpy(o->p + o->n, src, n);
  o->n += n;
}

static void put_i32(struct out *o, int32_t v) {
  unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                        (unsigned char)(v >> 24)};
  put(o, b, 4);
}

static uint64_t rng = 99;

static void tensor(struct out *o, const char *name, int n_dims, int32_t ne0, int32_t ne1,
                   int32_t ne2, int type) {
  put_i32(o, n_dims);
  put_i32(o, (int32_t)strlen(name));
  put_i32(o, type);
  int32_t ne[3] = {ne0, ne1, ne2};
  for (int d = 0; d < n_dims; d++) put_i32(o, ne[d]);
  put(o, name, strlen(name));
  int64_t n = (int64_t)ne0 * (n_dims > 1 ? ne1 : 1) * (n_dims > 2 ? ne2 : 1);
  bool is_norm = strstr(name, "ln") && strstr(name, "weight");
  for (int64_t i = 0; i < n; i++) {
    float v = is_norm ? 1.0f : 0.2f * check_rand_f32(&rng);
    if (type == 1) {
      uint16_t h = ai_fp32_to_fp16(v);
      put(o, &h, 2);
    } else {
      put(o, &v, 4);
    }
  }
}

static void block(struct out *o, const char *stack, bool cross) {
  const char *attn[] = {"attn", "cross_attn"};
  char name[96];
  for (int a = 0; a < (cross ? 2 : 1); a++) {
    snprintf(name, sizeof name, "%s.blocks.0.%s_ln.weight", stack, attn[a]);
    tensor(o, name, 1, E, 1, 1, 0);
    snprintf(name, sizeof name, "%s.blocks.0.%s_ln.bias", stack, attn[a]);
    tensor(o, name, 1, E, 1, 1, 0);
    const char *proj[] = {"query", "key", "value", "out"};
    for (int k = 0; k < 4; k++) {
      snprintf(name, sizeof name, "%s.blocks.0.%s.%s.weight", stack, attn[a], proj[k]);
      tensor(o, name, 2, E, E, 1, 0);
      if (k == 1) continue;
      snprintf(name, sizeof name, "%s.blocks.0.%s.%s.bias", stack, attn[a], proj[k]);
      tensor(o, name, 1, E, 1, 1, 0);
    }
  }
  snprintf(name, sizeof name, "%s.blocks.0.mlp_ln.weight", stack);
  tensor(o, name, 1, E, 1, 1, 0);
  snprintf(name, sizeof name, "%s.blocks.0.mlp_ln.bias", stack);
  tensor(o, name, 1, E, 1, 1, 0);
  snprintf(name, sizeof name, "%s.blocks.0.mlp.0.weight", stack);
  tensor(o, name, 2, E, F, 1, 0);
  snprintf(name, sizeof name, "%s.blocks.0.mlp.0.bias", stack);
  tensor(o, name, 1, F, 1, 1, 0);
  snprintf(name, sizeof name, "%s.blocks.0.mlp.2.weight", stack);
  tensor(o, name, 2, F, E, 1, 0);
  snprintf(name, sizeof name, "%s.blocks.0.mlp.2.bias", stack);
  tensor(o, name, 1, E, 1, 1, 0);
}

static struct out make_file(void) {
  struct out o = {0};
  put_i32(&o, (int32_t)AI_GGML_MAGIC);
  const int32_t hp[11] = {N_VOCAB, A, E, 2, 1, T, E, 2, 1, M, 1};
  for (int i = 0; i < 11; i++) put_i32(&o, hp[i]);
  put_i32(&o, M);
  put_i32(&o, 201);
  for (int i = 0; i < M * 201; i++) {
    float f = (float)(i % 201) / 201.0f;
    put(&o, &f, 4);
  }
  put_i32(&o, N_TOK);
  for (int b = 0; b < 256; b++) {
    unsigned char c = (unsigned char)b;
    put_i32(&o, 1);
    put(&o, &c, 1);
  }
  const char *merged[] = {"he", "ll", "hell"};
  for (int i = 0; i < 3; i++) {
    put_i32(&o, (int32_t)strlen(merged[i]));
    put(&o, merged[i], strlen(merged[i]));
  }
  tensor(&o, "encoder.positional_embedding", 2, E, A, 1, 0);
  tensor(&o, "encoder.conv1.weight", 3, 3, M, E, 1);
  tensor(&o, "encoder.conv1.bias", 2, 1, E, 1, 0);
  tensor(&o, "encoder.conv2.weight", 3, 3, E, E, 1);
  tensor(&o, "encoder.conv2.bias", 2, 1, E, 1, 0);
  block(&o, "encoder", false);
  tensor(&o, "encoder.ln_post.weight", 1, E, 1, 1, 0);
  tensor(&o, "encoder.ln_post.bias", 1, E, 1, 1, 0);
  tensor(&o, "decoder.positional_embedding", 2, E, T, 1, 0);
  tensor(&o, "decoder.token_embedding.weight", 2, E, N_VOCAB, 1, 0);
  block(&o, "decoder", true);
  tensor(&o, "decoder.ln.weight", 1, E, 1, 1, 0);
  tensor(&o, "decoder.ln.bias", 1, E, 1, 1, 0);
  return o;
}

static void test_parse(const struct out *o) {
  struct ai_reader r = ai_mem_reader(o->p, o->n);
  struct ai_ggml_whisper g;
  struct ai_error err;
  ai_error_clear(&err);
  CHECK_EQ(ai_ggml_whisper_read(&r, NULL, &g, &err), ANYINFER_OK);
  CHECK_EQ(g.hp.n_vocab, N_VOCAB);
  CHECK_EQ(g.hp.n_audio_state, E);
  CHECK_EQ(g.hp.n_mels, M);
  CHECK_EQ(g.hp.ftype, 1);
  CHECK_EQ(g.n_tokens, N_TOK);
  CHECK_EQ(g.token_len[258], 4);
  CHECK(memcmp(o->p + g.token_offset[258], "hell", 4) == 0);
  CHECK_EQ(g.filters_offset, 4 + 11 * 4 + 8);
  CHECK_EQ(g.n_tensors, 11 + 15 + 24);
  const struct ai_ggml_tensor *conv = &g.tensors[1];
  CHECK_STREQ(conv->name, "encoder.conv1.weight");
  CHECK(conv->n_dims == 3 && conv->ne[0] == 3 && conv->ne[1] == M && conv->ne[2] == E);
  CHECK_EQ(conv->type, 1);
  CHECK_EQ(conv->bytes, 3 * M * E * 2);
  const struct ai_ggml_tensor *last = &g.tensors[g.n_tensors - 1];
  CHECK_EQ(last->offset + last->bytes, o->n);
  ai_ggml_whisper_free(&g);

  /* every truncation is a clean error, never a crash */
  size_t n_fail = 0;
  for (size_t n = 0; n < o->n; n += n < 5000 ? 1 : 97) {
    struct ai_reader t = ai_mem_reader(o->p, n);
    ai_error_clear(&err);
    anyinfer_status st = ai_ggml_whisper_read(&t, NULL, &g, &err);
    if (st == ANYINFER_OK) ai_ggml_whisper_free(&g);
    /* a cut exactly between two tensors is a valid (shorter) file */
    n_fail += st != ANYINFER_OK;
    CHECK(st == ANYINFER_OK || (err.msg[0] && st == ANYINFER_E_FORMAT));
  }
  CHECK(n_fail > 0);
  /* corruptions: magic, a negative dimension, an unknown type, a huge token count */
  const struct {
    size_t at;
    int32_t v;
    anyinfer_status want;
    const char *msg;
  } bad[] = {{0, 0x46554747, ANYINFER_E_FORMAT, "magic"},
             {4 + 2 * 4, -3, ANYINFER_E_FORMAT, "n_audio_state"},
             {4 + 11 * 4 + 8 + M * 201 * 4, 1 << 30, ANYINFER_E_FORMAT, "tokens"}};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    unsigned char *copy = malloc(o->n);
    memcpy(copy, o->p, o->n);
    memcpy(copy + bad[i].at, &bad[i].v, 4);
    struct ai_reader t = ai_mem_reader(copy, o->n);
    ai_error_clear(&err);
    CHECK_EQ(ai_ggml_whisper_read(&t, NULL, &g, &err), bad[i].want);
    CHECK(strstr(err.msg, bad[i].msg) != NULL);
    free(copy);
  }
}

static void test_convert(const struct out *o) {
  const char *bin = getenv("ANYINFER_BIN");
  CHECK(bin != NULL);
  if (!bin) return;
  char dir[] = "/tmp/anyinfer_ggml_XXXXXX", in[128], out[128], cmd[512];
  CHECK(mkdtemp(dir) != NULL);
  snprintf(in, sizeof in, "%s/ggml-test.bin", dir);
  snprintf(out, sizeof out, "%s/test.gguf", dir);
  FILE *f = fopen(in, "wb");
  CHECK(f && fwrite(o->p, 1, o->n, f) == o->n);
  if (f) fclose(f);
  snprintf(cmd, sizeof cmd, "'%s' convert '%s' '%s' 2>/dev/null", bin, in, out);
  CHECK_EQ(system(cmd), 0);
  anyinfer_model_params mp;
  anyinfer_model_default_params(&mp);
  mp.log_level = ANYINFER_LOG_WARN;
  anyinfer_model *m = NULL;
  CHECK_EQ(anyinfer_model_load(out, &mp, &m), ANYINFER_OK);
  if (m) {
    anyinfer_model_info info;
    anyinfer_model_get_info(m, &info);
    CHECK_STREQ(info.architecture, "whisper");
    CHECK_EQ(info.n_vocab, N_VOCAB);
    CHECK_EQ(info.eos_token, N_TOK);
    int32_t ids[8];
    size_t n = 0;
    CHECK_EQ(anyinfer_tokenize(m, "hello", 5, false, false, ids, 8, &n), ANYINFER_OK);
    CHECK_EQ(n, 2);
    CHECK_EQ(ids[0], 258);
    CHECK_EQ(ids[1], 'o');
    char piece[32];
    size_t len;
    CHECK_EQ(anyinfer_token_to_piece(m, N_TOK + 1, piece, sizeof piece, &len), ANYINFER_OK);
    CHECK(len == 21 && memcmp(piece, "<|startoftranscript|>", 21) == 0);
    CHECK_EQ(anyinfer_token_to_piece(m, N_VOCAB - 1, piece, sizeof piece, &len), ANYINFER_OK);
    CHECK(len == 9 && memcmp(piece, "<|30.00|>", 9) == 0);
    anyinfer_transcriber *tr = NULL;
    CHECK_EQ(anyinfer_transcriber_create(m, NULL, &tr), ANYINFER_OK);
    float mel[M * 2 * A] = {0};
    const float *logits = NULL;
    int32_t sot = N_TOK + 1;
    CHECK_EQ(anyinfer_transcriber_encode(tr, mel, M * 2 * A), ANYINFER_OK);
    CHECK_EQ(anyinfer_transcriber_decode(tr, &sot, 1, 0, &logits), ANYINFER_OK);
    CHECK(logits && logits[0] == logits[0]);
    anyinfer_transcriber_free(tr);
    anyinfer_model_free(m);
  }
  /* a ggml file handed to the loader directly says what to do */
  anyinfer_model *direct = NULL;
  char msg[256] = "";
  mp.error_buf = msg, mp.error_cap = sizeof msg;
  mp.log_level = ANYINFER_LOG_ERROR;
  CHECK(anyinfer_model_load(in, &mp, &direct) != ANYINFER_OK);
  CHECK(strstr(msg, "anyinfer convert") != NULL);
  remove(in);
  remove(out);
  rmdir(dir);
}

int main(void) {
  struct out o = make_file();
  test_parse(&o);
  test_convert(&o);
  free(o.p);
  return check_exit();
}
