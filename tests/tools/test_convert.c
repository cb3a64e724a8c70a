/* `anyinfer convert` end to end: the test writes small Hugging Face folders itself (config.json,
 * tokenizer.json, tokenizer_config.json, generation_config.json, safetensors bytes), runs the CLI
 * ($ANYINFER_BIN) and reads the GGUF back with the GGUF reader. Checked: tensor names, shapes and
 * types, metadata values, the llama Q/K row permutation against a hand-written order, llama3
 * rope_freqs against the formula evaluated here, bit-exact F32/F16/BF16 copies, quantized types
 * and error bounds, sharded = single-file output, tied embeddings, the engine loading the result,
 * and each bad input's message. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "base/fp16.h"
#include "check.h"
#include "format/gguf.h"
#include "tensor/types.h"

static char g_tmp[256];
static const char *g_bin;
static uint64_t g_seed = 0x5eed;

/* ---- writing HF folders -------------------------------------------------------------------- */

struct hf_t {
  char name[96];
  int n_dims;
  int64_t shape[2]; /* outermost first */
  float *f;         /* values, already rounded to the dtype the file stores */
  const char *dtype;
};

struct spec {
  const char *arch; /* architectures[0] */
  int vocab, embd, layers, ff, heads, kv_heads;
  bool bias, tied, llama3, linear;
  const char *dtype; /* F32, F16 or BF16 */
  int shards;        /* 1: model.safetensors; 2: index + two files */
};

struct model {
  struct hf_t t[64];
  int n;
};

static int64_t numel(const struct hf_t *t) {
  return t->n_dims == 1 ? t->shape[0] : t->shape[0] * t->shape[1];
}

static void add(struct model *m, const char *dtype, const char *name, int64_t rows, int64_t cols) {
  struct hf_t *t = &m->t[m->n++];
  snprintf(t->name, sizeof t->name, "%s", name);
  t->n_dims = cols ? 2 : 1;
  t->shape[0] = rows, t->shape[1] = cols;
  t->dtype = dtype;
  t->f = malloc((size_t)numel(t) * sizeof(float));
  for (int64_t i = 0; i < numel(t); i++) {
    float v = check_rand_f32(&g_seed);
    if (!strcmp(dtype, "F16")) v = ai_fp16_to_fp32(ai_fp32_to_fp16(v));
    if (!strcmp(dtype, "BF16")) v = ai_bf16_to_fp32(ai_fp32_to_bf16(v));
    t->f[i] = v;
  }
}

static void build(struct model *m, const struct spec *s) {
  int hd = s->embd / s->heads;
  char n[96];
  m->n = 0;
  add(m, s->dtype, "model.embed_tokens.weight", s->vocab, s->embd);
  for (int l = 0; l < s->layers; l++) {
#define L(suffix, r, c) \
  (snprintf(n, sizeof n, "model.layers.%d.%s", l, suffix), add(m, s->dtype, n, r, c))
    L("input_layernorm.weight", s->embd, 0);
    L("self_attn.q_proj.weight", s->heads * hd, s->embd);
    L("self_attn.k_proj.weight", s->kv_heads * hd, s->embd);
    L("self_attn.v_proj.weight", s->kv_heads * hd, s->embd);
    if (s->bias) {
      L("self_attn.q_proj.bias", s->heads * hd, 0);
      L("self_attn.k_proj.bias", s->kv_heads * hd, 0);
      L("self_attn.v_proj.bias", s->kv_heads * hd, 0);
    }
    L("self_attn.o_proj.weight", s->embd, s->heads * hd);
    L("post_attention_layernorm.weight", s->embd, 0);
    L("mlp.gate_proj.weight", s->ff, s->embd);
    L("mlp.up_proj.weight", s->ff, s->embd);
    L("mlp.down_proj.weight", s->embd, s->ff);
#undef L
  }
  add(m, s->dtype, "model.norm.weight", s->embd, 0);
  if (!s->tied) add(m, s->dtype, "lm_head.weight", s->vocab, s->embd);
}

static void free_model(struct model *m) {
  for (int i = 0; i < m->n; i++) free(m->t[i].f);
  m->n = 0;
}

static const struct hf_t *find(const struct model *m, const char *name) {
  for (int i = 0; i < m->n; i++)
    if (!strcmp(m->t[i].name, name)) return &m->t[i];
  return NULL;
}

static void write_text(const char *dir, const char *file, const char *text) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  FILE *f = fopen(path, "wb");
  CHECK(f != NULL);
  if (!f) return;
  fputs(text, f);
  fclose(f);
}

/* Writes tensors [i0, i1) of m as one safetensors file. */
static void write_st(const char *path, const struct model *m, int i0, int i1) {
  char header[16384];
  size_t h = 0;
  uint64_t off = 0;
  h += (size_t)snprintf(header + h, sizeof header - h, "{\"__metadata__\":{\"format\":\"pt\"}");
  for (int i = i0; i < i1; i++) {
    const struct hf_t *t = &m->t[i];
    uint64_t bytes = (uint64_t)numel(t) * (strcmp(t->dtype, "F32") ? 2 : 4);
    if (t->n_dims == 2)
      h += (size_t)snprintf(
          header + h, sizeof header - h,
          ",\"%s\":{\"dtype\":\"%s\",\"shape\":[%lld,%lld],\"data_offsets\":[%llu,%llu]}", t->name,
          t->dtype, (long long)t->shape[0], (long long)t->shape[1], (unsigned long long)off,
          (unsigned long long)(off + bytes));
    else
      h += (size_t)snprintf(
          header + h, sizeof header - h,
          ",\"%s\":{\"dtype\":\"%s\",\"shape\":[%lld],\"data_offsets\":[%llu,%llu]}", t->name,
          t->dtype, (long long)t->shape[0], (unsigned long long)off,
          (unsigned long long)(off + bytes));
    off += bytes;
  }
  h += (size_t)snprintf(header + h, sizeof header - h, "}");
  while (h % 8) header[h++] = ' '; /* as the safetensors library pads */
  FILE *f = fopen(path, "wb");
  CHECK(f != NULL);
  if (!f) return;
  uint8_t len[8];
  for (int i = 0; i < 8; i++) len[i] = (uint8_t)((uint64_t)h >> (8 * i));
  fwrite(len, 1, 8, f);
  fwrite(header, 1, h, f);
  for (int i = i0; i < i1; i++) {
    const struct hf_t *t = &m->t[i];
    for (int64_t k = 0; k < numel(t); k++) {
      if (!strcmp(t->dtype, "F32")) {
        fwrite(&t->f[k], 4, 1, f);
      } else {
        uint16_t v = !strcmp(t->dtype, "F16") ? ai_fp32_to_fp16(t->f[k]) : ai_fp32_to_bf16(t->f[k]);
        fwrite(&v, 2, 1, f);
      }
    }
  }
  fclose(f);
}

/* A byte-level BPE tokenizer with 6 tokens (+ padding up to vocab_size). */
static const char kTokenizer[] =
    "{\"version\":\"1.0\",\"added_tokens\":[{\"id\":4,\"content\":\"<s>\",\"special\":true},"
    "{\"id\":5,\"content\":\"</s>\",\"special\":true}],"
    "\"pre_tokenizer\":{\"type\":\"ByteLevel\",\"add_prefix_space\":false},"
    "\"post_processor\":{\"type\":\"TemplateProcessing\",\"single\":[{\"SpecialToken\":{\"id\":"
    "\"<s>\",\"type_id\":0}},{\"Sequence\":{\"id\":\"A\",\"type_id\":0}}]},"
    "\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0,\"b\":1,\"ab\":2,\"\\u0120\":3},"
    "\"merges\":[\"a b\"]}}";

/* Writes a whole folder for s into dir (created). */
static void write_folder(const char *dir, const struct spec *s, struct model *m) {
  mkdir(dir, 0755);
  char cfg[2048];
  int hd = s->embd / s->heads;
  snprintf(cfg, sizeof cfg,
           "{\"architectures\":[\"%s\"],\"vocab_size\":%d,\"hidden_size\":%d,"
           "\"num_hidden_layers\":%d,\"intermediate_size\":%d,\"num_attention_heads\":%d,"
           "\"num_key_value_heads\":%d,\"max_position_embeddings\":%d,\"rms_norm_eps\":1e-06,"
           "\"rope_theta\":%s,\"tie_word_embeddings\":%s,\"torch_dtype\":\"float32\"%s%s}",
           s->arch, s->vocab, s->embd, s->layers, s->ff, s->heads, s->kv_heads, 4096,
           s->llama3 ? "10000.0" : "500000", s->tied ? "true" : "false",
           s->llama3   ? ",\"rope_scaling\":{\"rope_type\":\"llama3\",\"factor\":8.0,"
                         "\"low_freq_factor\":1.0,\"high_freq_factor\":4.0,"
                         "\"original_max_position_embeddings\":1024}"
           : s->linear ? ",\"rope_scaling\":{\"type\":\"linear\",\"factor\":2.0}"
                       : "",
           hd != 8 ? ",\"head_dim\":8" : "");
  write_text(dir, "config.json", cfg);
  write_text(dir, "tokenizer.json", kTokenizer);
  write_text(dir, "tokenizer_config.json",
             "{\"tokenizer_class\":\"PreTrainedTokenizerFast\",\"model_max_length\":"
             "1000000000000000019884624838656,\"chat_template\":\"{{ messages }}\"}");
  write_text(dir, "generation_config.json", "{\"bos_token_id\":4,\"eos_token_id\":[5,4]}");
  build(m, s);
  char path[512];
  if (s->shards == 1) {
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    write_st(path, m, 0, m->n);
    return;
  }
  int half = m->n / 2;
  snprintf(path, sizeof path, "%s/model-00001-of-00002.safetensors", dir);
  write_st(path, m, 0, half);
  snprintf(path, sizeof path, "%s/model-00002-of-00002.safetensors", dir);
  write_st(path, m, half, m->n);
  snprintf(path, sizeof path, "%s/model.safetensors.index.json", dir);
  FILE *f = fopen(path, "wb");
  if (!f) return;
  fprintf(f, "{\"metadata\":{\"total_size\":0},\"weight_map\":{");
  for (int i = 0; i < m->n; i++)
    fprintf(f, "%s\"%s\":\"model-0000%d-of-00002.safetensors\"", i ? "," : "", m->t[i].name,
            i < half ? 1 : 2);
  fprintf(f, "}}");
  fclose(f);
}

/* ---- running and reading ------------------------------------------------------------------- */

/* Runs `anyinfer convert dir out --type type`; returns the exit status, output in out_text. */
static int convert(const char *dir, const char *out, const char *type, char *out_text, size_t cap) {
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "'%s' convert '%s' '%s' --type %s 2>&1", g_bin, dir, out, type);
  FILE *p = popen(cmd, "r");
  if (!p) return -1;
  size_t n = fread(out_text, 1, cap - 1, p);
  out_text[n] = '\0';
  int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

struct out {
  struct ai_file f;
  struct ai_gguf *g;
};

static bool open_out(struct out *o, const char *path) {
  struct ai_error err;
  o->g = NULL;
  if (ai_file_open(&o->f, path, true, &err) != ANYINFER_OK) {
    fprintf(stderr, "%s\n", err.msg);
    return false;
  }
  struct ai_reader r = ai_file_reader(&o->f);
  if (ai_gguf_read(&r, NULL, &o->g, &err) != ANYINFER_OK) {
    fprintf(stderr, "%s\n", err.msg);
    ai_file_close(&o->f);
    return false;
  }
  return true;
}

static void close_out(struct out *o) {
  ai_gguf_free(o->g);
  ai_file_close(&o->f);
}

static const uint8_t *tdata(const struct out *o, const struct ai_gguf_tensor *t) {
  return o->f.map + o->g->data_offset + t->offset;
}

static uint32_t u32(const struct out *o, const char *key) {
  uint32_t v = 0xdeadbeef;
  CHECK_EQ(ai_gguf_get_u32(o->g, key, &v, NULL), ANYINFER_OK);
  return v;
}

static float f32(const struct out *o, const char *key) {
  float v = -1;
  CHECK_EQ(ai_gguf_get_f32(o->g, key, &v, NULL), ANYINFER_OK);
  return v;
}

static const char *str(const struct out *o, const char *key) {
  struct ai_gguf_str s = {"(absent)", 0};
  CHECK_EQ(ai_gguf_get_str(o->g, key, &s, NULL), ANYINFER_OK);
  return s.data;
}

/* HF row of GGUF row r for llama's Q/K permutation with head_dim 8, written out by hand:
 * reshape(n_head, 2, 4, cols).swapaxes(1, 2) puts, within each head, rows 0 4 1 5 2 6 3 7. */
static int64_t hand_perm(int64_t r) {
  static const int kHead8[8] = {0, 4, 1, 5, 2, 6, 3, 7};
  return (r / 8) * 8 + kHead8[r % 8];
}

/* Every HF tensor is in the output under its llama.cpp name with the reversed shape; F32 outputs
 * hold exactly the source values (permuted rows for llama's attn_q/attn_k). */
static void check_tensors(const struct out *o, const struct model *m, const struct spec *s,
                          bool exact_f32) {
  const bool llama = strcmp(s->arch, "Qwen2ForCausalLM") != 0;
  int n_expected = 0;
  for (int i = 0; i < m->n; i++) {
    const struct hf_t *t = &m->t[i];
    char name[96];
    int l = -1;
    char suffix[64] = "";
    if (!strcmp(t->name, "model.embed_tokens.weight"))
      snprintf(name, sizeof name, "token_embd.weight");
    else if (!strcmp(t->name, "model.norm.weight"))
      snprintf(name, sizeof name, "output_norm.weight");
    else if (!strcmp(t->name, "lm_head.weight"))
      snprintf(name, sizeof name, "output.weight");
    else {
      CHECK_EQ(sscanf(t->name, "model.layers.%d.%63s", &l, suffix), 2);
      static const char *const map[][2] = {{"input_layernorm.weight", "attn_norm.weight"},
                                           {"self_attn.q_proj.weight", "attn_q.weight"},
                                           {"self_attn.k_proj.weight", "attn_k.weight"},
                                           {"self_attn.v_proj.weight", "attn_v.weight"},
                                           {"self_attn.q_proj.bias", "attn_q.bias"},
                                           {"self_attn.k_proj.bias", "attn_k.bias"},
                                           {"self_attn.v_proj.bias", "attn_v.bias"},
                                           {"self_attn.o_proj.weight", "attn_output.weight"},
                                           {"post_attention_layernorm.weight", "ffn_norm.weight"},
                                           {"mlp.gate_proj.weight", "ffn_gate.weight"},
                                           {"mlp.up_proj.weight", "ffn_up.weight"},
                                           {"mlp.down_proj.weight", "ffn_down.weight"}};
      const char *g = NULL;
      for (size_t k = 0; k < sizeof map / sizeof map[0]; k++)
        if (!strcmp(suffix, map[k][0])) g = map[k][1];
      CHECK(g != NULL);
      snprintf(name, sizeof name, "blk.%d.%s", l, g ? g : "?");
    }
    n_expected++;
    const struct ai_gguf_tensor *gt = ai_gguf_find_tensor(o->g, name);
    if (!gt) {
      fprintf(stderr, "missing tensor %s\n", name);
      CHECK(gt != NULL);
      continue;
    }
    CHECK_EQ(gt->n_dims, t->n_dims);
    CHECK_EQ(gt->ne[0], t->n_dims == 2 ? t->shape[1] : t->shape[0]);
    if (t->n_dims == 2) CHECK_EQ(gt->ne[1], t->shape[0]);
    if (t->n_dims == 1) CHECK_EQ(gt->type, AI_TYPE_F32);
    bool permuted = llama && (strstr(name, "attn_q.") || strstr(name, "attn_k."));
    if (!exact_f32 || gt->type != AI_TYPE_F32) continue;
    const float *d = (const float *)tdata(o, gt);
    int64_t rows = t->shape[0], cols = t->n_dims == 2 ? t->shape[1] : 1;
    int bad = 0;
    for (int64_t r = 0; r < rows; r++)
      for (int64_t c = 0; c < cols; c++) {
        float want = t->f[(permuted ? hand_perm(r) : r) * cols + c];
        if (memcmp(&d[r * cols + c], &want, 4) != 0) bad++;
      }
    if (bad) fprintf(stderr, "tensor %s: %d values differ\n", name, bad);
    CHECK_EQ(bad, 0);
  }
  int rope = ai_gguf_find_tensor(o->g, "rope_freqs.weight") != NULL;
  CHECK_EQ((int64_t)o->g->n_tensors, n_expected + rope);
}

static void check_metadata(const struct out *o, const struct spec *s, const char *name) {
  const char *a = strcmp(s->arch, "Qwen2ForCausalLM") ? "llama" : "qwen2";
  char k[128];
#define K(suffix) (snprintf(k, sizeof k, "%s.%s", a, suffix), k)
  CHECK_STREQ(str(o, "general.architecture"), a);
  CHECK_STREQ(str(o, "general.name"), name);
  CHECK_EQ(u32(o, K("block_count")), s->layers);
  CHECK_EQ(u32(o, K("context_length")), 4096);
  CHECK_EQ(u32(o, K("embedding_length")), s->embd);
  CHECK_EQ(u32(o, K("feed_forward_length")), s->ff);
  CHECK_EQ(u32(o, K("attention.head_count")), s->heads);
  CHECK_EQ(u32(o, K("attention.head_count_kv")), s->kv_heads);
  CHECK_EQ(u32(o, K("vocab_size")), s->vocab);
  CHECK_EQ(u32(o, K("rope.dimension_count")), 8);
  CHECK(f32(o, K("attention.layer_norm_rms_epsilon")) == 1e-6f);
  CHECK(f32(o, K("rope.freq_base")) == (s->llama3 ? 10000.0f : 500000.0f));
  CHECK_EQ(ai_gguf_find_key(o->g, K("attention.key_length")) >= 0, s->embd / s->heads != 8);
  if (s->linear) {
    CHECK_STREQ(str(o, K("rope.scaling.type")), "linear");
    CHECK(f32(o, K("rope.scaling.factor")) == 2.0f);
  } else {
    CHECK_EQ(ai_gguf_find_key(o->g, K("rope.scaling.type")), -1);
  }
#undef K
  CHECK_STREQ(str(o, "tokenizer.ggml.model"), "gpt2");
  CHECK_STREQ(str(o, "tokenizer.ggml.pre"), "gpt-2");
  CHECK_EQ(u32(o, "tokenizer.ggml.bos_token_id"), 4); /* generation_config.json */
  CHECK_EQ(u32(o, "tokenizer.ggml.eos_token_id"), 5); /* its first eos id */
  bool add_bos = false;
  CHECK_EQ(ai_gguf_get_bool(o->g, "tokenizer.ggml.add_bos_token", &add_bos, NULL), ANYINFER_OK);
  CHECK(add_bos); /* TemplateProcessing starts with <s> */
  CHECK_STREQ(str(o, "tokenizer.chat_template"), "{{ messages }}");
  const struct ai_gguf_value *tokens = NULL, *types = NULL;
  CHECK_EQ(ai_gguf_get_arr(o->g, "tokenizer.ggml.tokens", AI_GGUF_STRING, &tokens, NULL),
           ANYINFER_OK);
  CHECK_EQ(ai_gguf_get_arr(o->g, "tokenizer.ggml.token_type", AI_GGUF_INT32, &types, NULL),
           ANYINFER_OK);
  if (tokens && types) {
    CHECK_EQ(tokens->v.arr.count, s->vocab); /* padded to vocab_size */
    const struct ai_gguf_str *t = tokens->v.arr.elems;
    const int32_t *ty = types->v.arr.elems;
    CHECK_STREQ(t[2].data, "ab");
    CHECK_STREQ(t[4].data, "<s>");
    CHECK_EQ(ty[4], 3); /* CONTROL */
    CHECK_STREQ(t[s->vocab - 1].data, s->vocab == 8 ? "[PAD7]" : "?");
    CHECK_EQ(ty[s->vocab - 1], 5); /* UNUSED */
    CHECK_EQ(ty[0], 1);
  }
}

/* ---- cases ---------------------------------------------------------------------------------- */

static const struct spec kLlama = {
    "LlamaForCausalLM", 8, 32, 2, 64, 4, 2, false, false, false, false, "F32", 1};

static void test_llama_f32(void) {
  struct spec s = kLlama;
  struct model m;
  char dir[300], out[300], text[4096];
  snprintf(dir, sizeof dir, "%s/tiny-llama", g_tmp);
  snprintf(out, sizeof out, "%s/llama-f32.gguf", g_tmp);
  write_folder(dir, &s, &m);
  int rc = convert(dir, out, "f32", text, sizeof text);
  CHECK_EQ(rc, 0);
  if (rc) fprintf(stderr, "%s\n", text);
  struct out o;
  if (open_out(&o, out)) {
    check_tensors(&o, &m, &s, true);
    check_metadata(&o, &s, "tiny-llama");
    CHECK_EQ(u32(&o, "general.file_type"), 0);
    CHECK(ai_gguf_find_tensor(o.g, "output.weight") != NULL);
    CHECK(ai_gguf_find_tensor(o.g, "rope_freqs.weight") == NULL);
    CHECK_EQ(ai_gguf_find_key(o.g, "general.quantization_version"), -1);
    close_out(&o);
  }
  /* the engine loads it */
  char ebuf[512] = "";
  anyinfer_model_params mp;
  anyinfer_model_default_params(&mp);
  mp.error_buf = ebuf, mp.error_cap = sizeof ebuf;
  anyinfer_model *model = NULL;
  CHECK_EQ(anyinfer_model_load(out, &mp, &model), ANYINFER_OK);
  if (!model) fprintf(stderr, "load: %s\n", ebuf);
  anyinfer_model_free(model);

  /* upper-case type names, and Q8_0: 2-D weights Q8_0, 1-D F32, values within Q8_0's error */
  snprintf(out, sizeof out, "%s/llama-q8.gguf", g_tmp);
  CHECK_EQ(convert(dir, out, "Q8_0", text, sizeof text), 0);
  if (open_out(&o, out)) {
    CHECK_EQ(u32(&o, "general.file_type"), 7);
    CHECK_EQ(u32(&o, "general.quantization_version"), 2);
    const struct ai_gguf_tensor *q = ai_gguf_find_tensor(o.g, "blk.1.attn_q.weight");
    const struct ai_gguf_tensor *n = ai_gguf_find_tensor(o.g, "blk.1.attn_norm.weight");
    CHECK(q && q->type == AI_TYPE_Q8_0 && n && n->type == AI_TYPE_F32);
    const struct hf_t *src = find(&m, "model.layers.1.self_attn.q_proj.weight");
    if (q && src) {
      float row[32];
      double max_err = 0;
      const struct ai_type_traits *tr = ai_type_traits_get(AI_TYPE_Q8_0);
      for (int64_t r = 0; r < q->ne[1]; r++) {
        tr->to_float(tdata(&o, q) + r * ai_type_row_bytes(AI_TYPE_Q8_0, 32), row, 32);
        for (int c = 0; c < 32; c++) {
          double e = fabs(row[c] - src->f[hand_perm(r) * 32 + c]);
          if (e > max_err) max_err = e;
        }
      }
      /* half a step d = absmax/127 (absmax <= 1), plus 127 steps of d's F16 rounding (2^-11) */
      CHECK(max_err <= (0.5 + 127.0 / 2048) / 127 + 1e-6);
      CHECK(max_err > 0);
    }
    close_out(&o);
  }
  /* q4_k: rows of 32 are not whole 256-blocks, so llama.cpp's fallback Q5_0 applies */
  snprintf(out, sizeof out, "%s/llama-q4k.gguf", g_tmp);
  CHECK_EQ(convert(dir, out, "q4_k", text, sizeof text), 0);
  if (open_out(&o, out)) {
    const struct ai_gguf_tensor *q = ai_gguf_find_tensor(o.g, "blk.0.ffn_up.weight");
    CHECK(q && q->type == AI_TYPE_Q5_0);
    close_out(&o);
  }
  CHECK_EQ(convert(dir, out, "q3_k", text, sizeof text), 1);
  CHECK(strstr(text, "type 'q3_k' is not one of") != NULL);
  free_model(&m);
}

static void test_llama3_rope(void) {
  struct spec s = kLlama;
  s.llama3 = true;
  s.tied = true;
  s.dtype = "F16";
  struct model m;
  char dir[300], out[300], text[4096];
  snprintf(dir, sizeof dir, "%s/llama3-tied", g_tmp);
  snprintf(out, sizeof out, "%s/llama3.gguf", g_tmp);
  write_folder(dir, &s, &m);
  int rc = convert(dir, out, "f16", text, sizeof text);
  CHECK_EQ(rc, 0);
  if (rc) fprintf(stderr, "%s\n", text);
  struct out o;
  if (!open_out(&o, out)) return free_model(&m);
  check_tensors(&o, &m, &s, false);
  CHECK(ai_gguf_find_tensor(o.g, "output.weight") == NULL); /* tied */
  CHECK_EQ(u32(&o, "general.file_type"), 1);
  /* F16 source -> F16: the same bits, permuted rows for attn_k */
  const struct ai_gguf_tensor *k = ai_gguf_find_tensor(o.g, "blk.0.attn_k.weight");
  const struct hf_t *src = find(&m, "model.layers.0.self_attn.k_proj.weight");
  CHECK(k && k->type == AI_TYPE_F16);
  if (k && src) {
    const uint16_t *d = (const uint16_t *)tdata(&o, k);
    int bad = 0;
    for (int64_t r = 0; r < k->ne[1]; r++)
      for (int c = 0; c < 32; c++)
        bad += d[r * 32 + c] != ai_fp32_to_fp16(src->f[hand_perm(r) * 32 + c]);
    CHECK_EQ(bad, 0);
  }
  /* rope_freqs: theta 10000, head_dim 8 -> base frequencies 1, 0.1, 0.01, 0.001; wavelengths
   * 2pi/f against original context 1024 / high 4 = 256 and 1024 / low 1 = 1024 */
  const struct ai_gguf_tensor *rf = ai_gguf_find_tensor(o.g, "rope_freqs.weight");
  float rf_vals[4] = {0, 0, 0, 0};
  CHECK(rf && rf->type == AI_TYPE_F32 && rf->n_dims == 1 && rf->ne[0] == 4);
  if (rf) {
    const float *f = (const float *)tdata(&o, rf);
    double want[4];
    for (int i = 0; i < 4; i++) {
      double freq = pow(10000.0, -2.0 * i / 8.0), wl = 2 * 3.141592653589793 / freq;
      if (wl < 256)
        want[i] = 1;
      else if (wl > 1024)
        want[i] = 8;
      else {
        double sm = (1024 / wl - 1.0) / (4.0 - 1.0);
        want[i] = 1 / ((1 - sm) / 8 + sm);
      }
    }
    CHECK(want[0] == 1 && want[1] == 1 && want[2] > 1 && want[2] < 8 && want[3] == 8);
    for (int i = 0; i < 4; i++) CHECK_NEAR(f[i], want[i], 1e-5 * want[i]);
    memcpy(rf_vals, f, sizeof rf_vals);
  }
  close_out(&o);
  /* transformers 5 layout: rope settings in rope_parameters, template in chat_template.jinja */
  write_text(dir, "config.json",
             "{\"architectures\":[\"LlamaForCausalLM\"],\"vocab_size\":8,\"hidden_size\":32,"
             "\"num_hidden_layers\":2,\"intermediate_size\":64,\"num_attention_heads\":4,"
             "\"num_key_value_heads\":2,\"head_dim\":8,\"tie_word_embeddings\":true,"
             "\"rope_parameters\":{\"rope_theta\":10000.0,\"rope_type\":\"llama3\","
             "\"factor\":8.0,\"low_freq_factor\":1.0,\"high_freq_factor\":4.0,"
             "\"original_max_position_embeddings\":1024}}");
  write_text(dir, "tokenizer_config.json", "{\"bos_token\":\"<s>\"}");
  write_text(dir, "chat_template.jinja", "{{ bos_token }}{{ messages }}\n");
  snprintf(out, sizeof out, "%s/llama3-t5.gguf", g_tmp);
  rc = convert(dir, out, "f16", text, sizeof text);
  CHECK_EQ(rc, 0);
  if (rc) fprintf(stderr, "%s\n", text);
  struct out o5;
  if (open_out(&o5, out)) {
    CHECK_STREQ(str(&o5, "tokenizer.chat_template"), "{{ bos_token }}{{ messages }}\n");
    CHECK(f32(&o5, "llama.rope.freq_base") == 10000.0f);
    CHECK_EQ(u32(&o5, "llama.attention.key_length"), 8);
    const struct ai_gguf_tensor *r5 = ai_gguf_find_tensor(o5.g, "rope_freqs.weight");
    CHECK(r5 && r5->ne[0] == 4);
    if (r5) CHECK(!memcmp(tdata(&o5, r5), rf_vals, sizeof rf_vals));
    close_out(&o5);
  }
  free_model(&m);
}

static void test_qwen2_bias_sharded(void) {
  struct spec s = {"Qwen2ForCausalLM", 8, 32, 2, 64, 4, 2, true, false, false, true, "F32", 1};
  struct model m1, m2;
  char d1[300], d2[300], o1[300], o2[300], text[4096];
  snprintf(d1, sizeof d1, "%s/tiny-qwen2", g_tmp);
  snprintf(d2, sizeof d2, "%s/tiny-qwen2-sharded", g_tmp);
  snprintf(o1, sizeof o1, "%s/qwen2.gguf", g_tmp);
  snprintf(o2, sizeof o2, "%s/qwen2-sharded.gguf", g_tmp);
  uint64_t seed = g_seed;
  write_folder(d1, &s, &m1);
  s.shards = 2;
  g_seed = seed; /* the same values */
  write_folder(d2, &s, &m2);
  int rc = convert(d1, o1, "f32", text, sizeof text);
  CHECK_EQ(rc, 0);
  if (rc) fprintf(stderr, "%s\n", text);
  CHECK_EQ(convert(d2, o2, "f32", text, sizeof text), 0);
  struct out o;
  if (open_out(&o, o1)) {
    s.shards = 1;
    check_tensors(&o, &m1, &s, true); /* qwen2: no permutation */
    check_metadata(&o, &s, "tiny-qwen2");
    CHECK(ai_gguf_find_tensor(o.g, "blk.1.attn_k.bias") != NULL);
    close_out(&o);
  }
  struct out p;
  if (open_out(&o, o2)) {
    check_tensors(&o, &m2, &s, true);
    /* the sharded folder gives the same tensors, in the same order, as the single file */
    if (open_out(&p, o1)) {
      CHECK_EQ(o.g->n_tensors, p.g->n_tensors);
      for (uint64_t i = 0; i < o.g->n_tensors && i < p.g->n_tensors; i++) {
        CHECK_STREQ(o.g->tensors[i].name.data, p.g->tensors[i].name.data);
        CHECK(o.g->tensors[i].bytes == p.g->tensors[i].bytes &&
              !memcmp(tdata(&o, &o.g->tensors[i]), tdata(&p, &p.g->tensors[i]),
                      (size_t)p.g->tensors[i].bytes));
      }
      close_out(&p);
    }
    close_out(&o);
  }
  free_model(&m1);
  free_model(&m2);
}

static void test_bf16(void) {
  struct spec s = kLlama;
  s.dtype = "BF16";
  struct model m;
  char dir[300], out[300], text[4096];
  snprintf(dir, sizeof dir, "%s/tiny-bf16", g_tmp);
  write_folder(dir, &s, &m);
  snprintf(out, sizeof out, "%s/bf16.gguf", g_tmp);
  int rc = convert(dir, out, "BF16", text, sizeof text);
  CHECK_EQ(rc, 0);
  if (rc) fprintf(stderr, "%s\n", text);
  struct out o;
  if (open_out(&o, out)) {
    const struct ai_gguf_tensor *t = ai_gguf_find_tensor(o.g, "blk.0.ffn_down.weight");
    const struct hf_t *src = find(&m, "model.layers.0.mlp.down_proj.weight");
    CHECK(t && t->type == AI_TYPE_BF16);
    int bad = 0;
    for (int64_t i = 0; t && src && i < numel(src); i++)
      bad += ((const uint16_t *)tdata(&o, t))[i] != ai_fp32_to_bf16(src->f[i]);
    CHECK_EQ(bad, 0);
    CHECK_EQ(u32(&o, "general.file_type"), 32);
    close_out(&o);
  }
  /* BF16 -> F32: exact widening */
  snprintf(out, sizeof out, "%s/bf16-f32.gguf", g_tmp);
  CHECK_EQ(convert(dir, out, "f32", text, sizeof text), 0);
  if (open_out(&o, out)) {
    check_tensors(&o, &m, &s, true);
    close_out(&o);
  }
  free_model(&m);
}

/* A Unigram tokenizer.json (what `tokenizers` trains as SentencePiece-style Unigram) becomes a
 * "llama" vocabulary with the log-probabilities as scores. */
static void test_unigram(void) {
  struct spec s = kLlama;
  struct model m;
  char dir[300], out[300], text[4096];
  snprintf(dir, sizeof dir, "%s/tiny-unigram", g_tmp);
  snprintf(out, sizeof out, "%s/unigram.gguf", g_tmp);
  write_folder(dir, &s, &m);
  write_text(dir, "tokenizer.json",
             "{\"added_tokens\":[{\"id\":0,\"content\":\"<unk>\",\"special\":true},"
             "{\"id\":1,\"content\":\"<s>\",\"special\":true},"
             "{\"id\":2,\"content\":\"</s>\",\"special\":true}],\"normalizer\":null,"
             "\"pre_tokenizer\":{\"type\":\"Metaspace\",\"replacement\":\"\\u2581\","
             "\"prepend_scheme\":\"always\",\"split\":true},"
             "\"model\":{\"type\":\"Unigram\",\"unk_id\":0,\"vocab\":[[\"<unk>\",0.0],"
             "[\"<s>\",0.0],[\"</s>\",0.0],[\"\\u2581a\",-1.5],[\"b\",-2.25],[\"<0x41>\",-9.0]],"
             "\"byte_fallback\":true}}");
  write_text(dir, "tokenizer_config.json",
             "{\"bos_token\":\"<s>\",\"eos_token\":\"</s>\",\"unk_token\":\"<unk>\","
             "\"add_bos_token\":true,\"add_eos_token\":false}");
  int rc = convert(dir, out, "f32", text, sizeof text);
  CHECK_EQ(rc, 0);
  if (rc) fprintf(stderr, "%s\n", text);
  struct out o;
  if (open_out(&o, out)) {
    CHECK_STREQ(str(&o, "tokenizer.ggml.model"), "llama");
    CHECK_STREQ(str(&o, "tokenizer.ggml.pre"), "default");
    CHECK_EQ(u32(&o, "tokenizer.ggml.bos_token_id"), 1);
    CHECK_EQ(u32(&o, "tokenizer.ggml.eos_token_id"), 2);
    CHECK_EQ(u32(&o, "tokenizer.ggml.unknown_token_id"), 0);
    bool b = false;
    CHECK_EQ(ai_gguf_get_bool(o.g, "tokenizer.ggml.add_space_prefix", &b, NULL), ANYINFER_OK);
    CHECK(b);
    const struct ai_gguf_value *tok = NULL, *sc = NULL, *ty = NULL;
    CHECK_EQ(ai_gguf_get_arr(o.g, "tokenizer.ggml.tokens", AI_GGUF_STRING, &tok, NULL),
             ANYINFER_OK);
    CHECK_EQ(ai_gguf_get_arr(o.g, "tokenizer.ggml.scores", AI_GGUF_FLOAT32, &sc, NULL),
             ANYINFER_OK);
    CHECK_EQ(ai_gguf_get_arr(o.g, "tokenizer.ggml.token_type", AI_GGUF_INT32, &ty, NULL),
             ANYINFER_OK);
    if (tok && sc && ty) {
      CHECK_EQ(tok->v.arr.count, 8);
      const struct ai_gguf_str *t = tok->v.arr.elems;
      const float *f = sc->v.arr.elems;
      const int32_t *y = ty->v.arr.elems;
      CHECK_STREQ(t[3].data,
                  "\xE2\x96\x81"
                  "a");
      CHECK(f[3] == -1.5f && f[4] == -2.25f && f[5] == -9.0f);
      static const int32_t want[8] = {2, 3, 3, 1, 1, 6, 5, 5}; /* UNKNOWN CONTROL .. BYTE UNUSED */
      for (int i = 0; i < 8; i++) CHECK_EQ(y[i], want[i]);
      CHECK_STREQ(t[7].data, "[PAD7]");
    }
    close_out(&o);
  }
  free_model(&m);
}

/* Runs convert on dir and expects exit 1 and each of want in the message. */
static void expect_fail(const char *dir, const char *want1, const char *want2) {
  char out[300], text[4096];
  snprintf(out, sizeof out, "%s/bad.gguf", g_tmp);
  CHECK_EQ(convert(dir, out, "f16", text, sizeof text), 1);
  if (!strstr(text, want1) || (want2 && !strstr(text, want2))) {
    fprintf(stderr, "message: %s  wanted: '%s' and '%s'\n", text, want1, want2 ? want2 : "");
    CHECK(strstr(text, want1) != NULL && (!want2 || strstr(text, want2) != NULL));
  }
  struct stat sb;
  CHECK(stat(out, &sb) != 0); /* no half-written output */
}

static void test_errors(void) {
  struct spec s = kLlama;
  struct model m;
  char dir[300], path[400];
  snprintf(dir, sizeof dir, "%s/bad", g_tmp);
  write_folder(dir, &s, &m);
  snprintf(path, sizeof path, "%s/config.json", dir);
  remove(path);
  expect_fail(dir, "bad/config.json", "unable to open");
  write_text(dir, "config.json", "{\"architectures\":[\"GPT2LMHeadModel\"]}");
  expect_fail(dir, "architectures[0] 'GPT2LMHeadModel' is not supported", "config.json");
  /* a config whose hidden_size disagrees with the tensors */
  write_text(dir, "config.json",
             "{\"architectures\":[\"LlamaForCausalLM\"],\"vocab_size\":8,\"hidden_size\":64,"
             "\"num_hidden_layers\":2,\"intermediate_size\":64,\"num_attention_heads\":8,"
             "\"num_key_value_heads\":4}");
  expect_fail(dir,
              "model.safetensors: tensor 'model.embed_tokens.weight' has shape [8, 32], "
              "config.json implies [8, 64]",
              NULL);
  write_text(dir, "config.json",
             "{\"architectures\":[\"LlamaForCausalLM\"],\"vocab_size\":8,\"hidden_size\":32,"
             "\"num_hidden_layers\":3,\"intermediate_size\":64,\"num_attention_heads\":4,"
             "\"num_key_value_heads\":2}");
  expect_fail(dir, "no safetensors file holds the tensor for 'blk.2.attn_norm.weight'",
              "input_layernorm.weight");
  write_text(dir, "config.json",
             "{\"architectures\":[\"LlamaForCausalLM\"],\"vocab_size\":4,\"hidden_size\":32,"
             "\"num_hidden_layers\":2,\"intermediate_size\":64,\"num_attention_heads\":4,"
             "\"num_key_value_heads\":2}");
  expect_fail(dir, "tokenizer.json has 6 tokens, more than the model's 4", NULL);
  write_text(dir, "config.json", "{\"architectures\":[\"LlamaForCausalLM\"],\"vocab_size\":8}");
  expect_fail(dir, "config.json: 'hidden_size' is missing", NULL);
  write_text(dir, "config.json",
             "{\"architectures\":[\"LlamaForCausalLM\"],\"vocab_size\":8,\"hidden_size\":32,"
             "\"num_hidden_layers\":2,\"intermediate_size\":64,\"num_attention_heads\":4,"
             "\"num_key_value_heads\":2}");
  /* safetensors damage: truncated header, header length beyond the file, a wrong dtype */
  snprintf(path, sizeof path, "%s/model.safetensors", dir);
  FILE *f = fopen(path, "wb");
  fwrite("\x10\x00\x00", 1, 3, f);
  fclose(f);
  expect_fail(dir, "model.safetensors: safetensors: file of 3 bytes is shorter", NULL);
  f = fopen(path, "wb");
  fwrite("\x00\x10\x00\x00\x00\x00\x00\x00{}", 1, 10, f);
  fclose(f);
  expect_fail(dir, "model.safetensors: safetensors: header length 4096 runs past the end", NULL);
  struct model one = {.n = 0};
  add(&one, "F32", "model.embed_tokens.weight", 8, 32);
  one.t[0].dtype = "F16";
  write_st(path, &one, 0, 1);
  f = fopen(path, "r+b"); /* retag F16 as I16: same size, unsupported dtype */
  char hdr[200];
  size_t n = fread(hdr, 1, sizeof hdr, f);
  for (size_t i = 0; i + 5 <= n; i++)
    if (!memcmp(hdr + i, "\"F16\"", 5))
      fseek(f, (long)i + 1, SEEK_SET), fwrite("I16", 1, 3, f), i = n;
  fclose(f);
  expect_fail(dir, "tensor 'model.embed_tokens.weight' has dtype I16; only F32, F16 and BF16",
              "model.safetensors");
  write_st(path, &one, 0, 1);
  expect_fail(dir, "no safetensors file holds the tensor for 'blk.0.attn_norm.weight'",
              "input_layernorm.weight");
  remove(path);
  expect_fail(dir, "no model.safetensors.index.json, model.safetensors or *.safetensors", NULL);
  snprintf(path, sizeof path, "%s/tokenizer.json", dir);
  remove(path);
  expect_fail(dir, "tokenizer.json", "unable to open");
  free_model(&one);
  free_model(&m);
}

int main(void) {
  g_bin = getenv("ANYINFER_BIN");
  if (!g_bin) {
    fprintf(stderr, "ANYINFER_BIN is not set (ctest sets it to the anyinfer CLI)\n");
    return 1;
  }
  snprintf(g_tmp, sizeof g_tmp, "/tmp/anyinfer_convert_XXXXXX");
  if (!mkdtemp(g_tmp)) return 1;
  test_llama_f32();
  test_llama3_rope();
  test_qwen2_bias_sharded();
  test_bf16();
  test_unigram();
  test_errors();
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_tmp);
  if (check_failures == 0 && system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", g_tmp);
  if (check_failures) fprintf(stderr, "files kept in %s (seed 0x5eed)\n", g_tmp);
  return check_exit();
}
