/* Tests for anyinfer_synth (src/engine/synth*.c): parameter counts of the real layouts worked out
 * by hand from their shapes, llama.cpp's Q4_K_M type mix, files that read back with the exact
 * names, shapes, types and metadata, valid vocabularies, and determinism. */
#define _POSIX_C_SOURCE 200809L
#include <unistd.h>

#include "base/file.h"
#include "check.h"
#include "engine/quantize.h"
#include "engine/synth.h"
#include "format/gguf.h"

static char g_dir[256];

static const char *tmp_path(const char *name) {
  static char path[4][512];
  static int slot;
  char *p = path[slot++ % 4];
  snprintf(p, 512, "%s/%s", g_dir, name);
  return p;
}

static bool has_kquants(void) {
  const struct ai_type_traits *t4 = ai_type_traits_get(AI_TYPE_Q4_K);
  const struct ai_type_traits *t5 = ai_type_traits_get(AI_TYPE_Q5_K);
  const struct ai_type_traits *t6 = ai_type_traits_get(AI_TYPE_Q6_K);
  return t4 && t4->from_float && t5 && t5->from_float && t6 && t6->from_float;
}

static uint64_t n_params(const struct ai_synth_spec *s) {
  uint64_t n = 0;
  for (int32_t i = 0; i < ai_synth_tensor_count(s); i++) {
    struct ai_synth_tensor t;
    ai_synth_tensor_get(s, i, &t);
    n += (uint64_t)(t.ne[0] * t.ne[1] * t.ne[2]);
  }
  return n;
}

/* Expected counts, by hand (ne innermost first, kv_dim = head_dim * n_head_kv):
 * TinyLlama: embd 2048*32000 = 65,536,000, twice (untied output) = 131,072,000; per layer
 *   q 2048*2048 + k,v 2*2048*256 + o 2048*2048 + ffn 3*2048*5632 + norms 2*2048 = 44,044,288;
 *   x22 = 968,974,336; + output_norm 2048 -> 1,100,048,384.
 * Qwen2.5-0.5B: embd 896*151936 = 136,134,656 (tied); per layer q 802,816 + 896 bias,
 *   k,v 896*128 + 128 bias each, o 802,816, ffn 3*896*4864 = 13,074,432, norms 1,792
 *   -> 14,912,384; x24 = 357,897,216; + 896 -> 494,032,768.
 * Llama-3.2-1B: embd 2048*128256 = 262,668,288 (tied); per layer 2*4,194,304 + 2*1,048,576 +
 *   3*2048*8192 + 4,096 = 60,821,504; x16 = 973,144,064; + 2048 + rope_freqs 32
 *   -> 1,235,814,432.
 * SmolLM2-135M: embd 576*49152 = 28,311,552; per layer 2*331,776 + 2*110,592 + 3*576*1536 +
 *   1,152 = 3,540,096; x30 = 106,202,880; + 576 -> 134,515,008. */
static void test_param_counts(void) {
  CHECK_EQ(n_params(ai_synth_find("tinyllama-1.1b")), 1100048384ull);
  CHECK_EQ(n_params(ai_synth_find("qwen2.5-0.5b")), 494032768ull);
  CHECK_EQ(n_params(ai_synth_find("llama-3.2-1b")), 1235814432ull);
  CHECK_EQ(n_params(ai_synth_find("smollm2-135m")), 134515008ull);
  CHECK(ai_synth_find("gpt-5") == NULL);
  const char *const *names = anyinfer_synth_names();
  int n = 0;
  for (; names[n]; n++) CHECK(ai_synth_find(names[n]) != NULL);
  CHECK_EQ(n, 8);
  /* Whisper tiny and base: transformers' num_parameters() of openai/whisper-{tiny,base}
   * (proj_out is tied): convolutions, positions, 4 (6) encoder and decoder layers, embedding. */
  CHECK_EQ(n_params(ai_synth_find("whisper-tiny")), 37760640ull);
  CHECK_EQ(n_params(ai_synth_find("whisper-base")), 72593920ull);

  /* TinyLlama's tensor list: spot checks of names and shapes. */
  const struct ai_synth_spec *s = ai_synth_find("tinyllama-1.1b");
  CHECK_EQ(ai_synth_tensor_count(s), 1 + 22 * 9 + 2);
  struct ai_synth_tensor t;
  ai_synth_tensor_get(s, 0, &t);
  CHECK_STREQ(t.name, "token_embd.weight");
  CHECK(t.ne[0] == 2048 && t.ne[1] == 32000 && t.n_dims == 2);
  ai_synth_tensor_get(s, 1 + 9 * 3 + 2, &t);
  CHECK_STREQ(t.name, "blk.3.attn_k.weight");
  CHECK(t.ne[0] == 2048 && t.ne[1] == 256);
  ai_synth_tensor_get(s, 1 + 9 * 21 + 8, &t);
  CHECK_STREQ(t.name, "blk.21.ffn_down.weight");
  CHECK(t.ne[0] == 5632 && t.ne[1] == 2048);
  ai_synth_tensor_get(s, 1 + 22 * 9 + 1, &t);
  CHECK_STREQ(t.name, "output.weight");

  /* Llama 3.2: rope_freqs first, head_dim/2 = 32 factors. With factor 32, low 1, high 4,
   * original context 8192: wavelengths under 2048 keep 1, over 8192 get 32. i = 0 has
   * wavelength 2*pi: factor 1. i = 31: freq = 500000^(-62/64), wavelength ~2.1e6: 32. */
  s = ai_synth_find("llama-3.2-1b");
  ai_synth_tensor_get(s, 0, &t);
  CHECK_STREQ(t.name, "rope_freqs.weight");
  CHECK(t.ne[0] == 32 && t.n_dims == 1);
  float f[32];
  ai_synth_rope_freqs(s, f);
  CHECK_EQ(f[0], 1.0f);
  CHECK_EQ(f[31], 32.0f);
  /* i = 20: freq = 500000^(-40/64) = 2.7384e-4, wavelength 22,945 > 8192 -> 32.
   * i = 16: freq = 500000^(-0.5) = 1.4142e-3, wavelength 4,442.9, in between:
   * smooth = (8192/4442.88 - 1) / 3 = 0.281283; 1 / ((1 - smooth)/32 + smooth) = 3.292262. */
  CHECK_EQ(f[20], 32.0f);
  CHECK_NEAR(f[16], 3.292262, 2e-5);
  CHECK(f[15] < f[16] && f[16] < f[17]);

  s = ai_synth_find("qwen2.5-0.5b");
  CHECK_EQ(ai_synth_tensor_count(s), 1 + 24 * 12 + 1);
  ai_synth_tensor_get(s, 1 + 2, &t);
  CHECK_STREQ(t.name, "blk.0.attn_q.bias");
  CHECK(t.ne[0] == 896 && t.n_dims == 1);
  ai_synth_tensor_get(s, 1 + 6, &t);
  CHECK_STREQ(t.name, "blk.0.attn_v.bias");
  CHECK(t.ne[0] == 128);
}

/* llama.cpp's Q4_K_M for TinyLlama (22 layers), from src/llama-quant.cpp:
 * use_more_bits(i, 22) = i < 22/8 (=2) || i >= 7*22/8 (=19) || (i - 2) % 3 == 2
 *   -> layers 0, 1, 4, 7, 10, 13, 16, 19, 20, 21.
 * attn_v.weight and ffn_down.weight of those layers: Q6_K; output.weight: Q6_K (2048 % 256 == 0);
 * token_embd.weight (untied, so not the output rule): Q4_K; every other 2-D weight: Q4_K;
 * 1-D norms: F32. */
static void test_q4_k_m_tinyllama(void) {
  const struct ai_synth_spec *s = ai_synth_find("tinyllama-1.1b");
  const struct ai_ftype *ft = ai_ftype_find("Q4_K_M");
  CHECK(ft != NULL);
  if (!ft) return;
  CHECK_EQ(ft->llama_ftype, 15);
  static const int kMoreBits[] = {0, 1, 4, 7, 10, 13, 16, 19, 20, 21};
  int n_q6 = 0, n_q4 = 0, n_f32 = 0;
  for (int32_t i = 0; i < ai_synth_tensor_count(s); i++) {
    struct ai_synth_tensor t;
    ai_synth_tensor_get(s, i, &t);
    enum ai_type got = ai_ftype_tensor_type(ft, t.name, t.n_dims, t.ne, s->n_layer, !s->tied);
    enum ai_type want = AI_TYPE_Q4_K;
    if (t.n_dims == 1) want = AI_TYPE_F32;
    if (strcmp(t.name, "output.weight") == 0) want = AI_TYPE_Q6_K;
    for (size_t k = 0; k < sizeof kMoreBits / sizeof kMoreBits[0]; k++) {
      char v[48], d[48];
      snprintf(v, sizeof v, "blk.%d.attn_v.weight", kMoreBits[k]);
      snprintf(d, sizeof d, "blk.%d.ffn_down.weight", kMoreBits[k]);
      if (strcmp(t.name, v) == 0 || strcmp(t.name, d) == 0) want = AI_TYPE_Q6_K;
    }
    if (got != want) fprintf(stderr, "Q4_K_M %s: got %d want %d\n", t.name, got, want);
    CHECK_EQ(got, want);
    n_q6 += got == AI_TYPE_Q6_K;
    n_q4 += got == AI_TYPE_Q4_K;
    n_f32 += got == AI_TYPE_F32;
  }
  CHECK_EQ(n_q6, 21);              /* 10 attn_v + 10 ffn_down + output */
  CHECK_EQ(n_q4, 22 * 7 - 20 + 1); /* 7 weights per layer, minus the Q6_K ones, + token_embd */
  CHECK_EQ(n_f32, 22 * 2 + 1);

  /* Qwen2.5-0.5B (24 layers, n_embd 896 = 3.5 * 256): more bits on layers 0, 1, 2, 5, 8, 11,
   * 14, 17, 20, 21, 22, 23. Rows of 896 cannot be K-quants: Q4_K falls back to Q5_0, Q6_K to
   * Q8_0; the tied token_embd takes the output rule with 896 % 256 != 0: Q8_0. ffn_down rows
   * are 4864 = 19 * 256 long, so it keeps K-quants. */
  s = ai_synth_find("qwen2.5-0.5b");
  struct {
    const char *name;
    enum ai_type want;
  } cases[] = {
      {"token_embd.weight", AI_TYPE_Q8_0},     {"blk.0.attn_q.weight", AI_TYPE_Q5_0},
      {"blk.0.attn_v.weight", AI_TYPE_Q8_0},   {"blk.3.attn_v.weight", AI_TYPE_Q5_0},
      {"blk.5.attn_v.weight", AI_TYPE_Q8_0},   {"blk.5.ffn_down.weight", AI_TYPE_Q6_K},
      {"blk.6.ffn_down.weight", AI_TYPE_Q4_K}, {"blk.23.ffn_down.weight", AI_TYPE_Q6_K},
      {"blk.4.ffn_up.weight", AI_TYPE_Q5_0},   {"blk.4.attn_q.bias", AI_TYPE_F32},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    bool found = false;
    for (int32_t i = 0; i < ai_synth_tensor_count(s); i++) {
      struct ai_synth_tensor t;
      ai_synth_tensor_get(s, i, &t);
      if (strcmp(t.name, cases[c].name) != 0) continue;
      found = true;
      enum ai_type got = ai_ftype_tensor_type(ft, t.name, t.n_dims, t.ne, s->n_layer, !s->tied);
      if (got != cases[c].want) fprintf(stderr, "qwen Q4_K_M %s: got %d\n", t.name, got);
      CHECK_EQ(got, cases[c].want);
    }
    CHECK(found);
  }
  /* use_more_bits edge values straight from the formula. */
  CHECK(ai_ftype_use_more_bits(0, 2) == false && ai_ftype_use_more_bits(1, 2) == true);
  CHECK(ai_ftype_use_more_bits(5, 24) && !ai_ftype_use_more_bits(6, 24));
}

/* ---- files ---------------------------------------------------------------------------------- */

struct file {
  struct ai_file f;
  struct ai_reader r;
  struct ai_gguf *g;
};

static bool open_gguf(struct file *fl, const char *path) {
  struct ai_error err;
  struct ai_alloc a = ai_alloc_default();
  fl->g = NULL;
  fl->f.fd = -1;
  if (ai_file_open(&fl->f, path, true, &err) != ANYINFER_OK) {
    fprintf(stderr, "open %s: %s\n", path, err.msg);
    return false;
  }
  fl->r = ai_file_reader(&fl->f);
  if (ai_gguf_read(&fl->r, &a, &fl->g, &err) != ANYINFER_OK) {
    fprintf(stderr, "read %s: %s\n", path, err.msg);
    ai_file_close(&fl->f);
    return false;
  }
  return true;
}

static void close_gguf(struct file *fl) {
  ai_gguf_free(fl->g);
  ai_file_close(&fl->f);
}

static uint32_t get_u32(const struct ai_gguf *g, const char *key) {
  uint32_t v = 0xffffffffu;
  struct ai_error err;
  if (ai_gguf_get_u32(g, key, &v, &err) != ANYINFER_OK) fprintf(stderr, "%s: %s\n", key, err.msg);
  return v;
}

static float get_f32(const struct ai_gguf *g, const char *key) {
  float v = -1.0f;
  struct ai_error err;
  if (ai_gguf_get_f32(g, key, &v, &err) != ANYINFER_OK) fprintf(stderr, "%s: %s\n", key, err.msg);
  return v;
}

static const char *get_str(const struct ai_gguf *g, const char *key) {
  struct ai_gguf_str s = {NULL, 0};
  struct ai_error err;
  if (ai_gguf_get_str(g, key, &s, &err) != ANYINFER_OK) return NULL;
  return s.data;
}

static anyinfer_status synth(const char *name, const char *type, uint64_t seed, const char *path,
                             char *errbuf, size_t cap) {
  anyinfer_file_params p;
  anyinfer_file_default_params(&p);
  p.type = type;
  p.seed = seed;
  p.error_buf = errbuf;
  p.error_cap = cap;
  return anyinfer_synth(name, path, &p);
}

/* Expected type of a test-llama 2-D weight (rows of 64 or 128: never a K-quant) under each
 * target: K-quants take llama.cpp's fallbacks Q4_K -> Q5_0, Q5_K -> Q5_1, Q6_K -> Q8_0. Mixes:
 * output.weight -> Q8_0 (64 % 256 != 0); use_more_bits(i, 2) holds for layer 1 only, whose attn_v
 * and ffn_down want Q6_K -> Q8_0. */
static enum ai_type want_test_llama(const char *target, const char *name) {
  static const struct {
    const char *target;
    enum ai_type plain;
  } kPlain[] = {{"F32", AI_TYPE_F32},    {"F16", AI_TYPE_F16},   {"BF16", AI_TYPE_BF16},
                {"Q8_0", AI_TYPE_Q8_0},  {"Q4_0", AI_TYPE_Q4_0}, {"Q4_1", AI_TYPE_Q4_1},
                {"Q5_0", AI_TYPE_Q5_0},  {"Q5_1", AI_TYPE_Q5_1}, {"Q4_K", AI_TYPE_Q5_0},
                {"Q5_K", AI_TYPE_Q5_1},  {"Q6_K", AI_TYPE_Q8_0}, {"Q4_K_M", AI_TYPE_Q5_0},
                {"Q5_K_M", AI_TYPE_Q5_1}};
  enum ai_type plain = AI_TYPE_COUNT;
  for (size_t i = 0; i < sizeof kPlain / sizeof kPlain[0]; i++)
    if (strcmp(kPlain[i].target, target) == 0) plain = kPlain[i].plain;
  bool mix = strstr(target, "_M") != NULL;
  bool is_float = plain == AI_TYPE_F32 || plain == AI_TYPE_F16 || plain == AI_TYPE_BF16;
  /* Every quantized target keeps output.weight at Q6_K, which 64-wide rows turn into Q8_0. */
  if (!is_float && strcmp(name, "output.weight") == 0) return AI_TYPE_Q8_0;
  if (mix &&
      (strcmp(name, "blk.1.attn_v.weight") == 0 || strcmp(name, "blk.1.ffn_down.weight") == 0))
    return AI_TYPE_Q8_0;
  return plain;
}

static void check_test_llama_file(const char *path, const char *target, uint32_t file_type) {
  struct file fl;
  if (!open_gguf(&fl, path)) {
    CHECK(!"open");
    return;
  }
  const struct ai_gguf *g = fl.g;
  CHECK_STREQ(get_str(g, "general.architecture"), "llama");
  CHECK_EQ(get_u32(g, "general.file_type"), file_type);
  CHECK_EQ(get_u32(g, "llama.block_count"), 2);
  CHECK_EQ(get_u32(g, "llama.embedding_length"), 64);
  CHECK_EQ(get_u32(g, "llama.feed_forward_length"), 128);
  CHECK_EQ(get_u32(g, "llama.attention.head_count"), 4);
  CHECK_EQ(get_u32(g, "llama.attention.head_count_kv"), 2);
  CHECK_EQ(get_u32(g, "llama.rope.dimension_count"), 16);
  CHECK_EQ(get_u32(g, "llama.context_length"), 2048);
  CHECK_EQ(get_u32(g, "llama.vocab_size"), 320);
  CHECK_EQ(get_f32(g, "llama.rope.freq_base"), 10000.0f);
  CHECK_EQ(get_f32(g, "llama.attention.layer_norm_rms_epsilon"), 1e-5f);
  CHECK_STREQ(get_str(g, "tokenizer.ggml.model"), "llama");
  CHECK_EQ(get_u32(g, "tokenizer.ggml.bos_token_id"), 1);
  CHECK_EQ(get_u32(g, "tokenizer.ggml.eos_token_id"), 2);
  CHECK(get_str(g, "tokenizer.chat_template") != NULL);
  const struct ai_gguf_value *arr = NULL;
  struct ai_error err;
  CHECK_EQ(ai_gguf_get_arr(g, "tokenizer.ggml.tokens", AI_GGUF_STRING, &arr, &err), ANYINFER_OK);
  if (arr) CHECK_EQ(arr->v.arr.count, 320);
  CHECK_EQ(ai_gguf_get_arr(g, "tokenizer.ggml.scores", AI_GGUF_FLOAT32, &arr, &err), ANYINFER_OK);
  CHECK_EQ(ai_gguf_get_arr(g, "tokenizer.ggml.token_type", AI_GGUF_INT32, &arr, &err), ANYINFER_OK);
  if (arr) CHECK_EQ(((const int32_t *)arr->v.arr.elems)[3], 6); /* <0x00> is a byte token */

  /* Tensors: exact list, shapes by hand (head_dim 16, kv dim 32). */
  struct {
    const char *name;
    int64_t ne0, ne1;
  } want[] = {{"token_embd.weight", 64, 320},
              {"blk.0.attn_norm.weight", 64, 0},
              {"blk.0.attn_q.weight", 64, 64},
              {"blk.0.attn_k.weight", 64, 32},
              {"blk.0.attn_v.weight", 64, 32},
              {"blk.0.attn_output.weight", 64, 64},
              {"blk.0.ffn_norm.weight", 64, 0},
              {"blk.0.ffn_gate.weight", 64, 128},
              {"blk.0.ffn_up.weight", 64, 128},
              {"blk.0.ffn_down.weight", 128, 64},
              {"blk.1.attn_norm.weight", 64, 0},
              {"blk.1.attn_q.weight", 64, 64},
              {"blk.1.attn_k.weight", 64, 32},
              {"blk.1.attn_v.weight", 64, 32},
              {"blk.1.attn_output.weight", 64, 64},
              {"blk.1.ffn_norm.weight", 64, 0},
              {"blk.1.ffn_gate.weight", 64, 128},
              {"blk.1.ffn_up.weight", 64, 128},
              {"blk.1.ffn_down.weight", 128, 64},
              {"output_norm.weight", 64, 0},
              {"output.weight", 64, 320}};
  const size_t n_want = sizeof want / sizeof want[0];
  CHECK_EQ(g->n_tensors, n_want);
  for (size_t i = 0; i < n_want && i < g->n_tensors; i++) {
    const struct ai_gguf_tensor *t = &g->tensors[i];
    CHECK_STREQ(t->name.data, want[i].name);
    CHECK_EQ(t->n_dims, want[i].ne1 ? 2 : 1);
    CHECK_EQ(t->ne[0], want[i].ne0);
    CHECK_EQ(t->ne[1], want[i].ne1 ? want[i].ne1 : 1);
    enum ai_type wt = want[i].ne1 ? want_test_llama(target, want[i].name) : AI_TYPE_F32;
    if (t->type != (int32_t)wt)
      fprintf(stderr, "%s %s: type %d, want %d\n", target, t->name.data, t->type, wt);
    CHECK_EQ(t->type, wt);
    /* Values: norms are exactly 1; weights dequantize to finite values of spread ~0.02. */
    const struct ai_type_traits *tr = ai_type_traits_get(t->type);
    if (!tr || !tr->to_float || !fl.r.data) continue;
    int64_t n = t->ne[0] * t->ne[1];
    float *x = malloc((size_t)n * sizeof *x);
    tr->to_float(fl.r.data + g->data_offset + t->offset, x, n);
    double sum2 = 0;
    int bad = 0;
    for (int64_t k = 0; k < n; k++) {
      if (!isfinite(x[k])) bad++;
      if (!want[i].ne1 && x[k] != 1.0f) bad++;
      sum2 += (double)x[k] * x[k];
    }
    CHECK_EQ(bad, 0);
    if (want[i].ne1) {
      double sd = sqrt(sum2 / (double)n);
      if (!(sd > 0.017 && sd < 0.023)) fprintf(stderr, "%s: sd %g\n", t->name.data, sd);
      CHECK(sd > 0.017 && sd < 0.023);
    }
    free(x);
  }
  close_gguf(&fl);
}

static void test_test_llama_types(void) {
  static const struct {
    const char *type;
    uint32_t ftype;
  } kTypes[] = {{"F32", 0},   {"F16", 1},     {"BF16", 32},  {"Q8_0", 7},  {"Q4_0", 2},
                {"Q4_1", 3},  {"Q5_0", 8},    {"Q5_1", 9},   {"Q4_K", 14}, {"Q5_K", 16},
                {"Q6_K", 18}, {"Q4_K_M", 15}, {"Q5_K_M", 17}};
  for (size_t i = 0; i < sizeof kTypes / sizeof kTypes[0]; i++) {
    const char *path = tmp_path("test-llama.gguf");
    char errbuf[256] = "";
    anyinfer_status st = synth("test-llama", kTypes[i].type, 7, path, errbuf, sizeof errbuf);
    if (st != ANYINFER_OK) fprintf(stderr, "synth %s: %s\n", kTypes[i].type, errbuf);
    CHECK_EQ(st, ANYINFER_OK);
    if (st == ANYINFER_OK) check_test_llama_file(path, kTypes[i].type, kTypes[i].ftype);
    unlink(path);
  }
}

/* test-qwen2: BPE metadata, biases, tied output; under Q4_K_M its ffn_down rows (256) are the
 * only K-quant rows: Q6_K on layer 1 (use_more_bits(1, 2)), Q4_K on layer 0. */
static void test_test_qwen2(void) {
  const char *path = tmp_path("test-qwen2.gguf");
  char errbuf[256] = "";
  const char *type = has_kquants() ? "Q4_K_M" : "Q8_0";
  if (!has_kquants()) printf("SKIP: K-quant traits not present; test-qwen2 checked in Q8_0\n");
  anyinfer_status st = synth("test-qwen2", type, 1, path, errbuf, sizeof errbuf);
  if (st != ANYINFER_OK) fprintf(stderr, "synth test-qwen2: %s\n", errbuf);
  CHECK_EQ(st, ANYINFER_OK);
  struct file fl;
  if (st != ANYINFER_OK || !open_gguf(&fl, path)) return;
  const struct ai_gguf *g = fl.g;
  CHECK_STREQ(get_str(g, "general.architecture"), "qwen2");
  CHECK_STREQ(get_str(g, "tokenizer.ggml.model"), "gpt2");
  CHECK_STREQ(get_str(g, "tokenizer.ggml.pre"), "qwen2");
  CHECK_EQ(get_u32(g, "qwen2.embedding_length"), 128);
  CHECK_EQ(get_f32(g, "qwen2.rope.freq_base"), 1000000.0f);
  CHECK_EQ(get_f32(g, "qwen2.attention.layer_norm_rms_epsilon"), 1e-6f);
  CHECK_EQ(get_u32(g, "tokenizer.ggml.eos_token_id"), 599);
  const struct ai_gguf_value *arr = NULL;
  struct ai_error err;
  CHECK_EQ(ai_gguf_get_arr(g, "tokenizer.ggml.merges", AI_GGUF_STRING, &arr, &err), ANYINFER_OK);
  if (arr) CHECK_EQ(arr->v.arr.count, 597 - 256);
  CHECK_EQ(ai_gguf_get_arr(g, "tokenizer.ggml.tokens", AI_GGUF_STRING, &arr, &err), ANYINFER_OK);
  if (arr) {
    const struct ai_gguf_str *tok = arr->v.arr.elems;
    CHECK_STREQ(tok[598].data, "<|im_start|>");
    CHECK_STREQ(tok[0].data, "!");
  }
  CHECK(ai_gguf_find_tensor(g, "output.weight") == NULL);
  const struct ai_gguf_tensor *b = ai_gguf_find_tensor(g, "blk.1.attn_k.bias");
  CHECK(b && b->n_dims == 1 && b->ne[0] == 64 && b->type == AI_TYPE_F32);
  const struct ai_gguf_tensor *d0 = ai_gguf_find_tensor(g, "blk.0.ffn_down.weight");
  const struct ai_gguf_tensor *d1 = ai_gguf_find_tensor(g, "blk.1.ffn_down.weight");
  const struct ai_gguf_tensor *e = ai_gguf_find_tensor(g, "token_embd.weight");
  CHECK(d0 && d1 && e);
  if (d0 && d1 && e && has_kquants()) {
    CHECK_EQ(d0->type, AI_TYPE_Q4_K);
    CHECK_EQ(d1->type, AI_TYPE_Q6_K);
    CHECK_EQ(e->type, AI_TYPE_Q8_0); /* tied: output rule, 128 % 256 != 0 */
  }
  close_gguf(&fl);
  unlink(path);
}

static bool same_file(const char *a, const char *b) {
  FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
  bool same = fa && fb;
  while (same) {
    int ca = fgetc(fa), cb = fgetc(fb);
    if (ca != cb) same = false;
    if (ca == EOF || cb == EOF) break;
  }
  if (fa) fclose(fa);
  if (fb) fclose(fb);
  return same;
}

static void test_determinism(void) {
  const char *a = tmp_path("det-a.gguf"), *b = tmp_path("det-b.gguf"), *c = tmp_path("det-c.gguf");
  char errbuf[256];
  CHECK_EQ(synth("test-llama", "Q4_0", 11, a, errbuf, sizeof errbuf), ANYINFER_OK);
  CHECK_EQ(synth("test-llama", "Q4_0", 11, b, errbuf, sizeof errbuf), ANYINFER_OK);
  CHECK_EQ(synth("test-llama", "Q4_0", 12, c, errbuf, sizeof errbuf), ANYINFER_OK);
  CHECK(same_file(a, b));
  CHECK(!same_file(a, c));
  unlink(a);
  unlink(b);
  unlink(c);
}

static void test_errors(void) {
  char errbuf[256] = "";
  const char *path = tmp_path("never.gguf");
  CHECK_EQ(synth("gpt-5", "Q4_0", 0, path, errbuf, sizeof errbuf), ANYINFER_E_INVAL);
  CHECK(strstr(errbuf, "'gpt-5'") != NULL);
  CHECK_EQ(synth("test-llama", "Q3_K", 0, path, errbuf, sizeof errbuf), ANYINFER_E_INVAL);
  CHECK(strstr(errbuf, "'Q3_K'") != NULL);
  CHECK(access(path, F_OK) != 0);
  CHECK_EQ(anyinfer_synth("test-llama", NULL, NULL), ANYINFER_E_INVAL);
}

/* ---- vocabularies --------------------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool in_sorted(const char **sorted, int32_t n, const char *s) {
  return bsearch(&s, sorted, (size_t)n, sizeof *sorted, cmp_str) != NULL;
}

/* GPT-2's bytes_to_unicode (openai/gpt-2 src/encoder.py), written out again for the check. */
static void byte_char(int b, char *out) {
  static int map[256];
  static bool ready;
  if (!ready) {
    int n = 0;
    for (int c = 0; c < 256; c++) {
      bool keep = (c >= '!' && c <= '~') || (c >= 0xa1 && c <= 0xac) || (c >= 0xae && c <= 0xff);
      map[c] = keep ? c : 256 + n++;
    }
    ready = true;
  }
  int cp = map[b];
  if (cp < 0x80) {
    out[0] = (char)cp;
    out[1] = 0;
  } else {
    out[0] = (char)(0xc0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3f));
    out[2] = 0;
  }
}

static void check_vocab(const char *name) {
  const struct ai_synth_spec *s = ai_synth_find(name);
  struct ai_alloc a = ai_alloc_default();
  struct ai_synth_vocab v;
  struct ai_error err;
  CHECK_EQ(ai_synth_vocab_build(&a, s, &v, &err), ANYINFER_OK);
  CHECK_EQ(v.n_tokens, s->n_vocab);
  const char **sorted = malloc((size_t)v.n_tokens * sizeof *sorted);
  memcpy(sorted, v.tokens, (size_t)v.n_tokens * sizeof *sorted);
  qsort(sorted, (size_t)v.n_tokens, sizeof *sorted, cmp_str);
  int dups = 0;
  for (int32_t i = 1; i < v.n_tokens; i++) dups += strcmp(sorted[i - 1], sorted[i]) == 0;
  CHECK_EQ(dups, 0);
  if (s->vocab == AI_SYNTH_SPM) {
    for (int b = 0; b < 256; b++) {
      char want[8];
      snprintf(want, sizeof want, "<0x%02X>", b);
      CHECK_STREQ(v.tokens[3 + b], want);
      CHECK_EQ(v.types[3 + b], 6);
    }
    CHECK_STREQ(v.tokens[0], "<unk>");
    CHECK_EQ(v.types[0], 2);
    CHECK_STREQ(v.tokens[1], "<s>");
    CHECK_STREQ(v.tokens[259], "\xe2\x96\x81");
    /* Every piece longer than one character is an existing piece plus one letter, and scores
     * descend. */
    int bad = 0;
    for (int32_t i = 260; i < v.n_tokens; i++) {
      size_t len = strlen(v.tokens[i]);
      char prefix[32];
      memcpy(prefix, v.tokens[i], len - 1);
      prefix[len - 1] = 0;
      if (len > 1 && strcmp(prefix, "\xe2\x96") != 0 && !in_sorted(sorted, v.n_tokens, prefix))
        bad++;
      if (!(v.scores[i] < v.scores[i - 1])) bad++;
    }
    CHECK_EQ(bad, 0);
  } else {
    CHECK(v.scores == NULL);
    for (int b = 0; b < 256; b++) {
      char c[4];
      byte_char(b, c);
      CHECK(in_sorted(sorted, v.n_tokens, c));
    }
    int bad = 0;
    for (int32_t m = 0; m < v.n_merges; m++) {
      const char *sp = strchr(v.merges[m], ' ');
      if (!sp) {
        bad++;
        continue;
      }
      char left[64], right[64], both[128];
      snprintf(left, sizeof left, "%.*s", (int)(sp - v.merges[m]), v.merges[m]);
      snprintf(right, sizeof right, "%s", sp + 1);
      snprintf(both, sizeof both, "%s%s", left, right);
      if (!in_sorted(sorted, v.n_tokens, left) || !in_sorted(sorted, v.n_tokens, right) ||
          !in_sorted(sorted, v.n_tokens, both))
        bad++;
    }
    CHECK_EQ(bad, 0);
    CHECK_EQ(v.n_merges, s->n_regular - 256);
  }
  free(sorted);
  if (strcmp(name, "qwen2.5-0.5b") == 0) {
    CHECK_STREQ(v.tokens[151643], "<|endoftext|>");
    CHECK_STREQ(v.tokens[151644], "<|im_start|>");
    CHECK_STREQ(v.tokens[151645], "<|im_end|>");
    CHECK_STREQ(v.tokens[151664], "<|file_sep|>");
    CHECK_STREQ(v.tokens[151935], "[PAD151935]");
    CHECK_EQ(v.types[151644], 3);
    CHECK_EQ(v.types[151935], 5);
  } else if (strcmp(name, "llama-3.2-1b") == 0) {
    CHECK_STREQ(v.tokens[128000], "<|begin_of_text|>");
    CHECK_STREQ(v.tokens[128009], "<|eot_id|>");
    CHECK_STREQ(v.tokens[128011], "<|reserved_special_token_3|>");
    CHECK_STREQ(v.tokens[128255], "<|reserved_special_token_247|>");
    CHECK_EQ(v.types[128255], 3);
  } else if (strcmp(name, "smollm2-135m") == 0) {
    CHECK_STREQ(v.tokens[0], "<|endoftext|>");
    CHECK_STREQ(v.tokens[2], "<|im_end|>");
    CHECK_STREQ(v.tokens[16], "<empty_output>");
    CHECK_STREQ(v.tokens[17], "!");
  }
  ai_synth_vocab_free(&v);
}

static void test_vocabs(void) {
  const char *const *names = anyinfer_synth_names();
  for (int i = 0; names[i]; i++) check_vocab(names[i]);
}

int main(void) {
  const char *tmp = getenv("TMPDIR");
  snprintf(g_dir, sizeof g_dir, "%s", tmp && *tmp ? tmp : "/tmp");
  char sub[64];
  snprintf(sub, sizeof sub, "/anyinfer-synth-%ld", (long)getpid());
  strncat(g_dir, sub, sizeof g_dir - strlen(g_dir) - 1);
  char cmd[400];
  snprintf(cmd, sizeof cmd, "mkdir -p '%s'", g_dir);
  if (system(cmd) != 0) return 1;
  test_param_counts();
  test_q4_k_m_tinyllama();
  test_test_llama_types();
  test_test_qwen2();
  test_determinism();
  test_errors();
  test_vocabs();
  rmdir(g_dir);
  return check_exit();
}
