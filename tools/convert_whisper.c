/* The Whisper half of the converter: Hugging Face WhisperForConditionalGeneration folders
 * (config.json, safetensors, tokenizer.json, generation_config.json, preprocessor_config.json)
 * -> GGUF with general.architecture "whisper". Keys and tensor names: docs/formats.md, "Whisper
 * in GGUF". The tensors stream through convert_tensors.c like every other model's. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audio/mel.h"
#include "convert_error.h"
#include "convert_hf.h"
#include "models/whisper.h"

#ifdef AI_HAVE_JANSSON
#include <jansson.h>
#endif

/* ---- names ----------------------------------------------------------------------------- */

/* Per-layer tensors: HF suffix after "model.{encoder,decoder}.layers.N.", GGUF suffix after
 * "{enc,dec}.blk.N.", and the HF shape in units of d_model (E) or ffn_dim (F). */
enum { E = -1, F = -2 };
static const struct {
  const char *hf, *gguf;
  int n_dims;
  int s0, s1;
  bool is_cross;
} kLayer[] = {
    {"self_attn_layer_norm.weight", "attn_norm.weight", 1, E, 0, false},
    {"self_attn_layer_norm.bias", "attn_norm.bias", 1, E, 0, false},
    {"self_attn.q_proj.weight", "attn_q.weight", 2, E, E, false},
    {"self_attn.q_proj.bias", "attn_q.bias", 1, E, 0, false},
    {"self_attn.k_proj.weight", "attn_k.weight", 2, E, E, false},
    {"self_attn.v_proj.weight", "attn_v.weight", 2, E, E, false},
    {"self_attn.v_proj.bias", "attn_v.bias", 1, E, 0, false},
    {"self_attn.out_proj.weight", "attn_output.weight", 2, E, E, false},
    {"self_attn.out_proj.bias", "attn_output.bias", 1, E, 0, false},
    {"encoder_attn_layer_norm.weight", "cross_attn_norm.weight", 1, E, 0, true},
    {"encoder_attn_layer_norm.bias", "cross_attn_norm.bias", 1, E, 0, true},
    {"encoder_attn.q_proj.weight", "cross_attn_q.weight", 2, E, E, true},
    {"encoder_attn.q_proj.bias", "cross_attn_q.bias", 1, E, 0, true},
    {"encoder_attn.k_proj.weight", "cross_attn_k.weight", 2, E, E, true},
    {"encoder_attn.v_proj.weight", "cross_attn_v.weight", 2, E, E, true},
    {"encoder_attn.v_proj.bias", "cross_attn_v.bias", 1, E, 0, true},
    {"encoder_attn.out_proj.weight", "cross_attn_output.weight", 2, E, E, true},
    {"encoder_attn.out_proj.bias", "cross_attn_output.bias", 1, E, 0, true},
    {"final_layer_norm.weight", "ffn_norm.weight", 1, E, 0, false},
    {"final_layer_norm.bias", "ffn_norm.bias", 1, E, 0, false},
    {"fc1.weight", "ffn_up.weight", 2, F, E, false},
    {"fc1.bias", "ffn_up.bias", 1, F, 0, false},
    {"fc2.weight", "ffn_down.weight", 2, E, F, false},
    {"fc2.bias", "ffn_down.bias", 1, E, 0, false},
};
#define N_LAYER (sizeof kLayer / sizeof kLayer[0])

/* Tensors outside the layers: HF name, GGUF name, HF shape (E, F as above; M n_mel, A audio
 * context, T text context, V vocabulary). */
enum { M = -3, A = -4, T = -5, V = -6 };
static const struct {
  const char *hf, *gguf;
  int n_dims;
  int s[3];
  bool is_decoder;
} kGlobal[] = {
    {"model.encoder.conv1.weight", "enc.conv1.weight", 3, {E, M, 3}, false},
    {"model.encoder.conv1.bias", "enc.conv1.bias", 1, {E}, false},
    {"model.encoder.conv2.weight", "enc.conv2.weight", 3, {E, E, 3}, false},
    {"model.encoder.conv2.bias", "enc.conv2.bias", 1, {E}, false},
    {"model.encoder.embed_positions.weight", "enc.position_embd.weight", 2, {A, E}, false},
    {"model.encoder.layer_norm.weight", "enc.output_norm.weight", 1, {E}, false},
    {"model.encoder.layer_norm.bias", "enc.output_norm.bias", 1, {E}, false},
    {"model.decoder.embed_tokens.weight", "dec.token_embd.weight", 2, {V, E}, true},
    {"model.decoder.embed_positions.weight", "dec.position_embd.weight", 2, {T, E}, true},
    {"model.decoder.layer_norm.weight", "dec.output_norm.weight", 1, {E}, true},
    {"model.decoder.layer_norm.bias", "dec.output_norm.bias", 1, {E}, true},
};
#define N_GLOBAL (sizeof kGlobal / sizeof kGlobal[0])

static int64_t dim(const struct hf_config *c, int s, bool is_decoder) {
  switch (s) {
    case E:
      return c->n_embd;
    case F:
      return is_decoder ? c->n_ff : c->w_enc_ff;
    case M:
      return c->w_n_mel;
    case A:
      return c->w_audio_ctx;
    case T:
      return c->w_text_ctx;
    case V:
      return c->n_vocab;
    default:
      return s;
  }
}

int whisper_map_tensor(const struct hf_config *c, const char *hf, char *gguf, uint32_t *order,
                       uint32_t *n_dims, int64_t *shape, int64_t *layer) {
  *layer = -1;
  if (!strcmp(hf, "proj_out.weight")) return 0; /* tied to the token embedding */
  for (size_t i = 0; i < N_GLOBAL; i++) {
    if (strcmp(hf, kGlobal[i].hf) != 0) continue;
    snprintf(gguf, AI_GGUF_MAX_NAME, "%s", kGlobal[i].gguf);
    *order = kGlobal[i].is_decoder ? 0x80000000u + (uint32_t)i : (uint32_t)i;
    *n_dims = (uint32_t)kGlobal[i].n_dims;
    for (int d = 0; d < kGlobal[i].n_dims; d++)
      shape[d] = dim(c, kGlobal[i].s[d], kGlobal[i].is_decoder);
    return 1;
  }
  bool is_dec = !strncmp(hf, "model.decoder.layers.", 21);
  if (!is_dec && strncmp(hf, "model.encoder.layers.", 21) != 0) return -1;
  const char *p = hf + 21;
  int64_t n = 0;
  if (*p < '0' || *p > '9') return -1;
  while (*p >= '0' && *p <= '9' && n < 100000) n = n * 10 + (*p++ - '0');
  if (*p++ != '.') return -1;
  for (size_t i = 0; i < N_LAYER; i++) {
    if (strcmp(p, kLayer[i].hf) != 0 || (kLayer[i].is_cross && !is_dec)) continue;
    snprintf(gguf, AI_GGUF_MAX_NAME, "%s.blk.%lld.%s", is_dec ? "dec" : "enc", (long long)n,
             kLayer[i].gguf);
    *order = (is_dec ? 0x80000000u : 0) + 16 + (uint32_t)n * (uint32_t)N_LAYER + (uint32_t)i;
    *n_dims = (uint32_t)kLayer[i].n_dims;
    shape[0] = dim(c, kLayer[i].s0, is_dec);
    shape[1] = dim(c, kLayer[i].s1, is_dec);
    *layer = n;
    if (n >= (is_dec ? c->n_layer : c->w_enc_layer)) return -2;
    return 1;
  }
  return -1;
}

bool whisper_check_complete(const struct hf_model *m, const struct hf_config *c, const char *dir,
                            char *err, size_t cap) {
  size_t want = N_GLOBAL;
  for (size_t i = 0; i < N_LAYER; i++)
    want += (size_t)(c->w_enc_layer * !kLayer[i].is_cross + c->n_layer);
  if (m->n_tensors == want) return true;
  /* Name the first one missing. */
  char name[AI_GGUF_MAX_NAME];
  for (int64_t l = -1; l < c->w_enc_layer + c->n_layer; l++)
    for (size_t i = 0; i < (l < 0 ? N_GLOBAL : N_LAYER); i++) {
      bool is_dec = l >= c->w_enc_layer;
      if (l >= 0 && kLayer[i].is_cross && !is_dec) continue;
      if (l < 0)
        snprintf(name, sizeof name, "%s", kGlobal[i].gguf);
      else
        snprintf(name, sizeof name, "%s.blk.%lld.%s", is_dec ? "dec" : "enc",
                 (long long)(is_dec ? l - c->w_enc_layer : l), kLayer[i].gguf);
      bool found = false;
      for (size_t k = 0; k < m->n_tensors && !found; k++) found = !strcmp(m->tensors[k].name, name);
      if (!found)
        return convert_fail(err, cap, "%s: no safetensors file holds the tensor for '%s'", dir,
                            name);
    }
  return convert_fail(err, cap, "%s: %zu tensors, expected %zu", dir, m->n_tensors, want);
}

enum ai_type whisper_tensor_type(const struct ai_ftype *ft, const struct hf_tensor *t) {
  return ai_whisper_tensor_type(ft->base, t->name, t->n_dims, t->ne[0]);
}

/* ---- config and metadata (read with jansson) ------------------------------------------ */
#ifdef AI_HAVE_JANSSON
static bool get_pos(json_t *cfg, const char *path, const char *key, int64_t *out, char *err,
                    size_t cap) {
  json_t *v = json_object_get(cfg, key);
  if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > (1 << 24))
    return convert_fail(err, cap, "%s: '%s' is missing or not an integer in [1, 2^24]", path, key);
  *out = json_integer_value(v);
  return true;
}

bool whisper_read_config(json_t *cfg, const char *path, struct hf_config *c, char *err,
                         size_t cap) {
  int64_t dec_heads;
  if (!get_pos(cfg, path, "vocab_size", &c->n_vocab, err, cap) ||
      !get_pos(cfg, path, "d_model", &c->n_embd, err, cap) ||
      !get_pos(cfg, path, "num_mel_bins", &c->w_n_mel, err, cap) ||
      !get_pos(cfg, path, "max_source_positions", &c->w_audio_ctx, err, cap) ||
      !get_pos(cfg, path, "max_target_positions", &c->w_text_ctx, err, cap) ||
      !get_pos(cfg, path, "encoder_layers", &c->w_enc_layer, err, cap) ||
      !get_pos(cfg, path, "encoder_attention_heads", &c->w_enc_head, err, cap) ||
      !get_pos(cfg, path, "encoder_ffn_dim", &c->w_enc_ff, err, cap) ||
      !get_pos(cfg, path, "decoder_layers", &c->n_layer, err, cap) ||
      !get_pos(cfg, path, "decoder_attention_heads", &dec_heads, err, cap) ||
      !get_pos(cfg, path, "decoder_ffn_dim", &c->n_ff, err, cap))
    return false;
  c->n_head = c->n_head_kv = dec_heads;
  if (c->n_embd % c->n_head || c->n_embd % c->w_enc_head)
    return convert_fail(err, cap, "%s: d_model %lld is not a multiple of the head counts %lld/%lld",
                        path, (long long)c->n_embd, (long long)c->w_enc_head, (long long)c->n_head);
  c->head_dim = c->n_embd / c->n_head;
  json_t *act = json_object_get(cfg, "activation_function");
  if (act && (!json_is_string(act) || strcmp(json_string_value(act), "gelu") != 0))
    return convert_fail(err, cap, "%s: activation_function '%s' is not supported (gelu)", path,
                        json_is_string(act) ? json_string_value(act) : "?");
  json_t *scale = json_object_get(cfg, "scale_embedding");
  if (json_is_true(scale))
    return convert_fail(err, cap, "%s: scale_embedding true is not supported (Whisper has false)",
                        path);
  c->tie_embeddings = true;
  return true;
}

/* An array of token ids from generation_config.json as a GGUF INT32 array (absent: skipped). */
static bool set_ids(struct ai_gguf_writer *w, json_t *gen, const char *key, const char *gguf_key,
                    int64_t n_vocab, char *err, size_t cap) {
  json_t *arr = json_object_get(gen, key);
  if (!json_is_array(arr)) return true;
  size_t n = json_array_size(arr);
  int32_t *ids = malloc((n ? n : 1) * sizeof *ids);
  if (!ids) return convert_fail(err, cap, "out of memory");
  for (size_t i = 0; i < n; i++) {
    json_t *v = json_array_get(arr, i);
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) >= n_vocab) {
      free(ids);
      return convert_fail(err, cap, "generation_config.json: %s[%zu] is not a token id below %lld",
                          key, i, (long long)n_vocab);
    }
    ids[i] = (int32_t)json_integer_value(v);
  }
  struct ai_gguf_value val = {.type = AI_GGUF_ARRAY};
  val.v.arr.elem_type = AI_GGUF_INT32, val.v.arr.count = n, val.v.arr.elems = n ? ids : NULL;
  bool ok = ai_gguf_set_value(w, gguf_key, &val) == ANYINFER_OK;
  free(ids);
  return ok || convert_fail(err, cap, "%s: %s", gguf_key, ai_gguf_writer_last_error(w));
}

/* The mel_filters tensor [201, n_mel] (row m: the filter of mel bin m): preprocessor_config.json's
 * mel_filters ([201][n_mel], transformers' layout) when it has them, else librosa's slaney
 * filters computed as Whisper's feature extractor does (audio/mel.h). */
static bool add_mel_filters(const char *dir, const struct hf_config *c, struct ai_gguf_writer *w,
                            float **filters, char *err, size_t cap) {
  char path[4096];
  snprintf(path, sizeof path, "%s/preprocessor_config.json", dir);
  if (!(*filters = malloc(201 * (size_t)c->w_n_mel * sizeof **filters)))
    return convert_fail(err, cap, "out of memory");
  json_error_t je;
  json_t *pp = json_load_file(path, 0, &je);
  json_t *mf = json_object_get(pp, "mel_filters");
  bool ok = true;
  if (json_is_array(mf)) {
    size_t n_freq = json_array_size(mf);
    if (n_freq != 201)
      ok = convert_fail(err, cap, "%s: mel_filters has %zu rows, expected 201", path, n_freq);
    for (size_t f = 0; ok && f < 201; f++) {
      json_t *row = json_array_get(mf, f);
      if (json_array_size(row) != (size_t)c->w_n_mel) {
        ok = convert_fail(err, cap, "%s: mel_filters[%zu] has %zu values, num_mel_bins is %lld",
                          path, f, json_array_size(row), (long long)c->w_n_mel);
        break;
      }
      for (int64_t mb = 0; mb < c->w_n_mel; mb++)
        (*filters)[mb * 201 + (int64_t)f] =
            (float)json_number_value(json_array_get(row, (size_t)mb));
    }
  } else {
    struct ai_error e;
    ai_error_clear(&e);
    if (ai_mel_filters_slaney((int)c->w_n_mel, AI_MEL_N_FFT, 16000, *filters, &e) != ANYINFER_OK)
      ok = convert_fail(err, cap, "mel filters: %s", e.msg);
  }
  json_decref(pp);
  int64_t ne[2] = {201, c->w_n_mel};
  if (ok && ai_gguf_add_tensor(w, "mel_filters", AI_TYPE_F32, 2, ne, *filters, NULL, NULL))
    ok = convert_fail(err, cap, "mel_filters: %s", ai_gguf_writer_last_error(w));
  return ok;
}

bool whisper_set_metadata(const char *dir, const char *name, const struct hf_config *c,
                          const struct ai_ftype *ft, struct ai_gguf_writer *w, float **mel_filters,
                          char *err, size_t cap) {
  anyinfer_status st = ai_gguf_set_str(w, "general.architecture", "whisper");
#define SET(call) \
  if (st == ANYINFER_OK) st = (call)
  SET(ai_gguf_set_str(w, "general.name", name));
  SET(ai_gguf_set_u32(w, "general.file_type", ft->llama_ftype));
  const struct ai_whisper_hparams hp = {
      .n_mel = (int32_t)c->w_n_mel,
      .n_audio_ctx = (int32_t)c->w_audio_ctx,
      .n_embd = (int32_t)c->n_embd,
      .n_enc_layer = (int32_t)c->w_enc_layer,
      .n_enc_head = (int32_t)c->w_enc_head,
      .n_enc_ff = (int32_t)c->w_enc_ff,
      .n_text_ctx = (int32_t)c->w_text_ctx,
      .n_dec_layer = (int32_t)c->n_layer,
      .n_dec_head = (int32_t)c->n_head,
      .n_dec_ff = (int32_t)c->n_ff,
      .norm_eps = 1e-5f, /* torch.nn.LayerNorm's default, which Whisper uses */
  };
  SET(ai_whisper_set_hparams(w, &hp));
  const struct ai_type_traits *base = ai_type_traits_get((int)ft->base);
  if (base && base->is_quantized) SET(ai_gguf_set_u32(w, "general.quantization_version", 2));
#undef SET
  if (st != ANYINFER_OK)
    return convert_fail(err, cap, "cannot set metadata: %s", ai_gguf_writer_last_error(w));
  char path[4096];
  snprintf(path, sizeof path, "%s/generation_config.json", dir);
  json_error_t je;
  json_t *gen = json_load_file(path, 0, &je);
  bool ok = !gen ||
            (set_ids(w, gen, "suppress_tokens", "whisper.suppress_tokens", c->n_vocab, err, cap) &&
             set_ids(w, gen, "begin_suppress_tokens", "whisper.begin_suppress_tokens", c->n_vocab,
                     err, cap));
  json_decref(gen);
  return ok && add_mel_filters(dir, c, w, mel_filters, err, cap);
}

#endif
