/* The metadata half of the converter: reads config.json, writes llama.cpp's keys as
 * convert_hf_to_gguf.py does (TextModel / LlamaModel / Qwen2Model set_gguf_parameters; the list
 * is in docs/formats.md, "Hugging Face -> GGUF"), computes llama3's rope_freqs.weight
 * (LlamaModel.generate_extra_tensors), adds the tokenizer (hf_vocab.c) and the tensors
 * (convert_tensors.c), and writes the file. Uses internal engine headers (see convert_hf.h). */
#define _POSIX_C_SOURCE 200809L
#include "convert_hf.h"
#include "convert_error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hf_vocab.h"

#ifdef AI_HAVE_JANSSON
#include <jansson.h>
#endif

#ifdef AI_HAVE_JANSSON

static const struct {
  const char *hf, *arch;
} kArchs[] = {
    {"LlamaForCausalLM", "llama"},
    {"MistralForCausalLM", "llama"},
    {"Qwen2ForCausalLM", "qwen2"},
    {"WhisperForConditionalGeneration", "whisper"},
};

/* rope_scaling of config.json. */
struct rope_scaling {
  int kind; /* 0 none, 1 linear, 2 llama3 */
  double factor, low_freq_factor, high_freq_factor, original_ctx;
};

struct cfg_reader {
  json_t *cfg;
  const char *path;
  char *err;
  size_t cap;
};

/* An integer key in [1, 2^31): required, or def when absent (def < 0: required). */
static bool get_int(struct cfg_reader *r, const char *key, int64_t def, int64_t *out) {
  json_t *v = json_object_get(r->cfg, key);
  if (!v || json_is_null(v)) {
    if (def < 0) return convert_fail(r->err, r->cap, "%s: '%s' is missing", r->path, key);
    *out = def;
    return true;
  }
  if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > INT32_MAX)
    return convert_fail(r->err, r->cap, "%s: '%s' must be an integer in [1, 2^31), not %s", r->path,
                        key, json_is_integer(v) ? "out of range" : "of another type");
  *out = json_integer_value(v);
  return true;
}

/* A positive number key, or def when absent. */
static bool get_num(struct cfg_reader *r, json_t *obj, const char *key, double def, double *out) {
  json_t *v = json_object_get(obj, key);
  if (!v || json_is_null(v)) return *out = def, true;
  if (!json_is_number(v) || !(json_number_value(v) > 0))
    return convert_fail(r->err, r->cap, "%s: '%s' must be a positive number", r->path, key);
  *out = json_number_value(v);
  return true;
}

static bool read_rope_scaling(struct cfg_reader *r, struct rope_scaling *rs) {
  memset(rs, 0, sizeof *rs);
  json_t *s = json_object_get(r->cfg, "rope_scaling");
  bool is_params = !s || json_is_null(s);
  if (is_params) s = json_object_get(r->cfg, "rope_parameters"); /* transformers 5 */
  if (!s || json_is_null(s)) return true;
  const char *type = json_string_value(json_object_get(s, "rope_type"));
  if (!type) type = json_string_value(json_object_get(s, "type"));
  if (!type && is_params && json_is_object(s)) return true; /* only rope_theta */
  if (!json_is_object(s) || !type)
    return convert_fail(r->err, r->cap, "%s: rope_scaling must be an object with rope_type",
                        r->path);
  if (!strcmp(type, "default")) return true;
  if (!strcmp(type, "linear")) {
    rs->kind = 1;
    if (!json_is_number(json_object_get(s, "factor")))
      return convert_fail(r->err, r->cap, "%s: rope_scaling 'linear' needs a factor", r->path);
    return get_num(r, s, "factor", 1.0, &rs->factor);
  }
  if (!strcmp(type, "llama3")) {
    /* defaults as convert_hf_to_gguf.py LlamaModel.generate_extra_tensors */
    rs->kind = 2;
    if (!get_num(r, s, "factor", 8.0, &rs->factor) ||
        !get_num(r, s, "low_freq_factor", 1.0, &rs->low_freq_factor) ||
        !get_num(r, s, "high_freq_factor", 4.0, &rs->high_freq_factor) ||
        !get_num(r, s, "original_max_position_embeddings", 8192.0, &rs->original_ctx))
      return false;
    if (rs->low_freq_factor == rs->high_freq_factor)
      return convert_fail(r->err, r->cap,
                          "%s: rope_scaling low_freq_factor == high_freq_factor (%g)", r->path,
                          rs->low_freq_factor);
    return true;
  }
  return convert_fail(r->err, r->cap,
                      "%s: rope_scaling type '%s' is not supported (linear, llama3, default)",
                      r->path, type);
}

static bool read_config(const char *dir, json_t **cfg_out, struct hf_config *c,
                        struct rope_scaling *rs, char *err, size_t cap) {
  char path[4096];
  snprintf(path, sizeof path, "%s/config.json", dir);
  json_error_t je;
  json_t *cfg = *cfg_out = json_load_file(path, 0, &je);
  if (!cfg) return convert_fail(err, cap, "%s: %s", path, je.text);
  struct cfg_reader r = {cfg, path, err, cap};
  memset(c, 0, sizeof *c);
  json_t *archs = json_object_get(cfg, "architectures");
  const char *hf = json_string_value(json_array_get(archs, 0));
  for (size_t i = 0; hf && i < sizeof kArchs / sizeof kArchs[0]; i++)
    if (!strcmp(hf, kArchs[i].hf)) c->arch = kArchs[i].arch;
  if (!c->arch)
    return convert_fail(err, cap,
                        "%s: architectures[0] '%s' is not supported (LlamaForCausalLM, "
                        "MistralForCausalLM, Qwen2ForCausalLM, WhisperForConditionalGeneration)",
                        path, hf ? hf : "(missing)");
  if (!strcmp(c->arch, "whisper")) return whisper_read_config(cfg, path, c, err, cap);
  if (!get_int(&r, "vocab_size", -1, &c->n_vocab) || !get_int(&r, "hidden_size", -1, &c->n_embd) ||
      !get_int(&r, "num_hidden_layers", -1, &c->n_layer) ||
      !get_int(&r, "intermediate_size", -1, &c->n_ff) ||
      !get_int(&r, "num_attention_heads", -1, &c->n_head) ||
      !get_int(&r, "num_key_value_heads", c->n_head, &c->n_head_kv))
    return false;
  c->has_head_dim = json_is_integer(json_object_get(cfg, "head_dim"));
  if (!get_int(&r, "head_dim", c->n_embd / c->n_head, &c->head_dim)) return false;
  if (!c->has_head_dim && c->n_embd % c->n_head != 0)
    return convert_fail(err, cap,
                        "%s: hidden_size %lld is not a multiple of num_attention_heads %lld", path,
                        (long long)c->n_embd, (long long)c->n_head);
  if (c->n_head % c->n_head_kv != 0 || c->head_dim % 2 != 0 || c->head_dim < 2)
    return convert_fail(
        err, cap,
        "%s: num_attention_heads %lld must be a multiple of num_key_value_heads %lld and "
        "head_dim %lld even",
        path, (long long)c->n_head, (long long)c->n_head_kv, (long long)c->head_dim);
  json_t *tie = json_object_get(cfg, "tie_word_embeddings");
  /* transformers' PretrainedConfig default is true; Llama/Qwen2 configs always say */
  c->tie_embeddings = tie ? json_is_true(tie) : false;
  return read_rope_scaling(&r, rs);
}

/* llama3 rope frequency factors, convert_hf_to_gguf.py LlamaModel.generate_extra_tensors: for
 * each base frequency f_i = 1 / theta^(2i/d) (float32, as torch computes it), a wavelength
 * 2*pi/f_i shorter than original_ctx/high_freq_factor keeps factor 1, one longer than
 * original_ctx/low_freq_factor gets `factor`, and one between interpolates
 * 1 / ((1 - s)/factor + s) with s = (original_ctx/wavelen - low) / (high - low). */
static void llama3_factors(const struct rope_scaling *rs, double theta, int64_t head_dim,
                           float *out) {
  const float low_wavelen = (float)(rs->original_ctx / rs->low_freq_factor);
  const float high_wavelen = (float)(rs->original_ctx / rs->high_freq_factor);
  for (int64_t i = 0; i < head_dim / 2; i++) {
    float expo = (float)(2 * i) / (float)head_dim;
    float freq = 1.0f / powf((float)theta, expo);
    float wavelen = (float)(2.0 * 3.14159265358979323846) / freq; /* 2 * math.pi */
    if (wavelen < high_wavelen) {
      out[i] = 1.0f;
    } else if (wavelen > low_wavelen) {
      out[i] = (float)rs->factor;
    } else {
      float smooth = ((float)rs->original_ctx / wavelen - (float)rs->low_freq_factor) /
                     (float)(rs->high_freq_factor - rs->low_freq_factor);
      out[i] = 1.0f / ((1.0f - smooth) / (float)rs->factor + smooth);
    }
  }
}

/* general.name: the folder's last path component. */
static void model_name(const char *dir, char *out, size_t cap) {
  size_t n = strlen(dir);
  while (n > 1 && dir[n - 1] == '/') n--;
  size_t b = n;
  while (b > 0 && dir[b - 1] != '/') b--;
  snprintf(out, cap, "%.*s", (int)(n - b), dir + b);
}

struct job {
  json_t *cfg;
  struct hf_config c;
  struct rope_scaling rs;
  struct hf_vocab vocab;
  bool has_vocab;
  struct hf_model model;
  bool has_model;
  struct ai_gguf_writer *w;
  float *rope_freqs;
  float *mel_filters;
};

static bool set_metadata(struct job *j, const char *dir, const struct ai_ftype *ft, char *err,
                         size_t cap) {
  const struct hf_config *c = &j->c;
  struct ai_gguf_writer *w = j->w;
  char key[128], name[256];
  double eps = 1e-5, theta = 10000.0;
  struct cfg_reader r = {j->cfg, "config.json", err, cap};
  /* transformers 5 keeps rope_theta inside rope_parameters */
  json_t *rope_obj = json_is_number(json_object_get(j->cfg, "rope_theta"))
                         ? j->cfg
                         : json_object_get(j->cfg, "rope_parameters");
  if (!get_num(&r, j->cfg, "rms_norm_eps", 1e-5, &eps) ||
      !get_num(&r, rope_obj, "rope_theta", 10000.0, &theta))
    return false;
  json_t *ctx = json_object_get(j->cfg, "max_position_embeddings");
  model_name(dir, name, sizeof name);
  anyinfer_status st = ai_gguf_set_str(w, "general.architecture", c->arch);
#define SET(call) \
  if (st == ANYINFER_OK) st = (call)
#define KEY(suffix) (snprintf(key, sizeof key, "%s." suffix, c->arch), key)
  SET(ai_gguf_set_str(w, "general.name", name));
  SET(ai_gguf_set_u32(w, KEY("block_count"), (uint32_t)c->n_layer));
  if (json_is_integer(ctx) && json_integer_value(ctx) > 0 && json_integer_value(ctx) <= UINT32_MAX)
    SET(ai_gguf_set_u32(w, KEY("context_length"), (uint32_t)json_integer_value(ctx)));
  SET(ai_gguf_set_u32(w, KEY("embedding_length"), (uint32_t)c->n_embd));
  SET(ai_gguf_set_u32(w, KEY("feed_forward_length"), (uint32_t)c->n_ff));
  SET(ai_gguf_set_u32(w, KEY("attention.head_count"), (uint32_t)c->n_head));
  SET(ai_gguf_set_u32(w, KEY("attention.head_count_kv"), (uint32_t)c->n_head_kv));
  SET(ai_gguf_set_f32(w, KEY("rope.freq_base"), (float)theta));
  SET(ai_gguf_set_f32(w, KEY("attention.layer_norm_rms_epsilon"), (float)eps));
  if (c->has_head_dim) {
    SET(ai_gguf_set_u32(w, KEY("attention.key_length"), (uint32_t)c->head_dim));
    SET(ai_gguf_set_u32(w, KEY("attention.value_length"), (uint32_t)c->head_dim));
  }
  SET(ai_gguf_set_u32(w, "general.file_type", ft->llama_ftype));
  SET(ai_gguf_set_u32(w, KEY("vocab_size"), (uint32_t)c->n_vocab));
  SET(ai_gguf_set_u32(w, KEY("rope.dimension_count"), (uint32_t)c->head_dim));
  if (j->rs.kind == 1) {
    SET(ai_gguf_set_str(w, KEY("rope.scaling.type"), "linear"));
    SET(ai_gguf_set_f32(w, KEY("rope.scaling.factor"), (float)j->rs.factor));
  }
  const struct ai_type_traits *base = ai_type_traits_get((int)ft->base);
  if (base && base->is_quantized) SET(ai_gguf_set_u32(w, "general.quantization_version", 2));
#undef KEY
#undef SET
  if (st != ANYINFER_OK)
    return convert_fail(err, cap, "cannot set metadata: %s", ai_gguf_writer_last_error(w));
  if (j->rs.kind == 2) {
    int64_t ne = c->head_dim / 2;
    if (!(j->rope_freqs = malloc((size_t)ne * sizeof(float))))
      return convert_fail(err, cap, "out of memory");
    llama3_factors(&j->rs, theta, c->head_dim, j->rope_freqs);
    if (ai_gguf_add_tensor(w, "rope_freqs.weight", AI_TYPE_F32, 1, &ne, j->rope_freqs, NULL,
                           NULL) != ANYINFER_OK)
      return convert_fail(err, cap, "rope_freqs.weight: %s", ai_gguf_writer_last_error(w));
  }
  return true;
}

/* The types `convert` offers ("q4_k_m" names Q4_K_M). */
static const struct ai_ftype *find_type(const char *type) {
  static const char *const allowed[] = {"F32",  "F16",  "BF16", "Q8_0",
                                        "Q4_0", "Q4_K", "Q6_K", "Q4_K_M"};
  const struct ai_ftype *ft = ai_ftype_find(type);
  for (size_t i = 0; ft && i < sizeof allowed / sizeof allowed[0]; i++)
    if (!strcmp(ft->name, allowed[i])) return ft;
  return NULL;
}

bool hf_convert(const struct hf_convert_params *p, char *err, size_t cap) {
  const struct ai_ftype *ft = find_type(p->type ? p->type : "F16");
  if (!ft)
    return convert_fail(err, cap, "type '%s' is not one of f32 f16 bf16 q8_0 q4_0 q4_k q6_k q4_k_m",
                        p->type);
  struct job j;
  memset(&j, 0, sizeof j);
  struct ai_alloc a = ai_alloc_default();
  struct ai_error e;
  ai_error_clear(&e);
  bool ok = read_config(p->dir, &j.cfg, &j.c, &j.rs, err, cap);
  if (ok && (ok = hf_vocab_load(p->dir, j.c.arch, &j.vocab, err, cap))) {
    j.has_vocab = true;
    ok = hf_vocab_pad(&j.vocab, (size_t)j.c.n_vocab, err, cap);
    if (!ok) {
      char tmp[512];
      snprintf(tmp, sizeof tmp, "%s/tokenizer.json: %s (config.json vocab_size)", p->dir, err);
      convert_fail(err, cap, "%s", tmp);
    }
  }
  if (ok && (ok = hf_model_open(&j.model, p->dir, &j.c, err, cap))) j.has_model = true;
  if (ok && ai_gguf_writer_create(&a, &j.w, &e) != ANYINFER_OK)
    ok = convert_fail(err, cap, "%s", e.msg);
  char name[256];
  model_name(p->dir, name, sizeof name);
  if (ok && !strcmp(j.c.arch, "whisper"))
    ok = whisper_set_metadata(p->dir, name, &j.c, ft, j.w, &j.mel_filters, err, cap);
  else if (ok)
    ok = set_metadata(&j, p->dir, ft, err, cap);
  if (ok) ok = hf_vocab_set_gguf(&j.vocab, j.w, err, cap);
  if (ok) ok = hf_model_add_tensors(&j.model, ft, (int32_t)j.c.n_layer, j.w, err, cap);
  if (ok &&
      ai_gguf_write_file(j.w, p->out_path, p->progress, p->progress_user_data, &e) != ANYINFER_OK)
    ok = convert_fail(err, cap, "%s", e.msg);
  ai_gguf_writer_free(j.w);
  if (j.has_model) hf_model_close(&j.model);
  if (j.has_vocab) hf_vocab_free(&j.vocab);
  free(j.rope_freqs);
  free(j.mel_filters);
  json_decref(j.cfg);
  return ok;
}

#else

bool hf_convert(const struct hf_convert_params *p, char *err, size_t cap) {
  return convert_fail(
      err, cap, "this anyinfer was built without jansson (native builds only); cannot convert %s",
      p->dir);
}

#endif
