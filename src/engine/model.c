/* Model loading: open (and map) the GGUF file, parse it, build the tokenizer, find the weights.
 * Also the read-only queries on a loaded model: info, metadata, tensors. */
#include <stdio.h>
#include <string.h>

#include "engine/engine.h"
#include "text/vocab_gguf.h"

void anyinfer_model_default_params(anyinfer_model_params *p) {
  *p = (anyinfer_model_params){.log_level = ANYINFER_LOG_INFO, .use_mmap = true};
}

/* llama.cpp's LLAMA_FTYPE values (llama.h enum llama_ftype), as general.file_type stores them. */
static const char *file_type_name(uint32_t ftype) {
  switch (ftype) {
    case 0:
      return "F32";
    case 1:
      return "F16";
    case 2:
      return "Q4_0";
    case 3:
      return "Q4_1";
    case 7:
      return "Q8_0";
    case 8:
      return "Q5_0";
    case 9:
      return "Q5_1";
    case 10:
      return "Q2_K";
    case 11:
      return "Q3_K_S";
    case 12:
      return "Q3_K_M";
    case 13:
      return "Q3_K_L";
    case 14:
      return "Q4_K_S";
    case 15:
      return "Q4_K_M";
    case 16:
      return "Q5_K_S";
    case 17:
      return "Q5_K_M";
    case 18:
      return "Q6_K";
    case 32:
      return "BF16";
    default:
      return NULL;
  }
}

static void fill_info(anyinfer_model *m) {
  anyinfer_model_info *info = &m->info;
  struct ai_gguf_str s;
  info->architecture = ai_gguf_get_str(m->gguf, "general.architecture", &s, NULL) ? "" : s.data;
  info->name = ai_gguf_get_str(m->gguf, "general.name", &s, NULL) ? "" : s.data;
  info->file_bytes = m->file.size;
  info->gguf_version = m->gguf->version;
  uint64_t most = 0, by_type[AI_TYPE_COUNT] = {0};
  for (uint64_t i = 0; i < m->gguf->n_tensors; i++) {
    const struct ai_gguf_tensor *t = &m->gguf->tensors[i];
    uint64_t n = (uint64_t)t->ne[0] * (uint64_t)t->ne[1] * (uint64_t)t->ne[2] * (uint64_t)t->ne[3];
    info->n_params += n;
    if (t->n_dims >= 2) by_type[t->type] += n;
  }
  uint32_t ftype;
  const char *name = ai_gguf_get_u32(m->gguf, "general.file_type", &ftype, NULL) == ANYINFER_OK
                         ? file_type_name(ftype)
                         : NULL;
  for (int t = 0; !name && t < AI_TYPE_COUNT; t++)
    if (by_type[t] > most)
      most = by_type[t],
      snprintf(m->file_type, sizeof m->file_type, "%s", ai_type_traits_get(t)->name);
  if (name) snprintf(m->file_type, sizeof m->file_type, "%s", name);
  info->file_type = m->file_type;
  info->n_vocab = (int32_t)ai_tokenizer_n_vocab(m->tokenizer);
  info->bos_token = ai_tokenizer_bos(m->tokenizer);
  info->eos_token = ai_tokenizer_eos(m->tokenizer);
  info->has_weights = m->has_weights;
  if (m->has_weights && m->is_whisper) {
    const struct ai_whisper_hparams *hp = &m->whisper.hp;
    info->n_ctx_train = hp->n_text_ctx;
    info->n_embd = hp->n_embd;
    info->n_layer = hp->n_dec_layer;
    info->n_head = info->n_head_kv = hp->n_dec_head;
  } else if (m->has_weights) {
    const struct ai_llama_hparams *hp = &m->llama.hp;
    info->n_ctx_train = hp->n_ctx_train;
    info->n_embd = hp->n_embd;
    info->n_layer = hp->n_layer;
    info->n_head = hp->n_head;
    info->n_head_kv = hp->n_head_kv;
  }
}

/* Reads every page once, so the first forward pass does not pay for page faults and the
 * progress bar shows the real cost of loading. */
static anyinfer_status touch_weights(const anyinfer_model *m, const anyinfer_model_params *p) {
  const volatile unsigned char *bytes = m->weights;
  const size_t page = 4096, step = (size_t)64 << 20;
  unsigned sum = 0;
  for (size_t done = 0; done < m->weights_bytes; done += step) {
    size_t end = done + step < m->weights_bytes ? done + step : m->weights_bytes;
    for (size_t i = done; i < end; i += page) sum += bytes[i];
    if (p->progress && !p->progress((float)end / (float)m->weights_bytes, p->progress_user_data))
      return ANYINFER_E_CANCELLED;
  }
  (void)sum;
  return ANYINFER_OK;
}

static anyinfer_status load_weights(anyinfer_model *m, const anyinfer_model_params *p,
                                    struct ai_error *err) {
  uint64_t data_bytes = m->file.size - m->gguf->data_offset;
  if (data_bytes > SIZE_MAX)
    return ai_error_set(err, ANYINFER_E_NOMEM, "model: %llu bytes of weights exceed memory",
                        (unsigned long long)data_bytes);
  m->weights_bytes = (size_t)data_bytes;
  if (m->file.map) {
    m->weights = m->file.map + m->gguf->data_offset;
  } else {
    m->weights_owned = ai_malloc(&m->alloc, m->weights_bytes ? m->weights_bytes : 1);
    if (!m->weights_owned)
      return ai_error_set(err, ANYINFER_E_NOMEM, "model: cannot allocate %zu bytes of weights",
                          m->weights_bytes);
    anyinfer_status st =
        ai_file_read_at(&m->file, m->gguf->data_offset, m->weights_owned, m->weights_bytes, err);
    if (st) return st;
    m->weights = m->weights_owned;
  }
  struct ai_gguf_str arch;
  m->is_whisper = ai_gguf_get_str(m->gguf, "general.architecture", &arch, NULL) == ANYINFER_OK &&
                  strcmp(arch.data, "whisper") == 0;
  anyinfer_status st = m->is_whisper ? ai_whisper_load(m->gguf, &m->alloc, &m->whisper, err)
                                     : ai_llama_load(m->gguf, &m->alloc, &m->llama, err);
  if (st) return st;
  m->has_weights = true;
  if (touch_weights(m, p) != ANYINFER_OK)
    return ai_error_set(err, ANYINFER_E_CANCELLED, "model: loading cancelled");
  return ANYINFER_OK;
}

anyinfer_status anyinfer_model_load(const char *path, const anyinfer_model_params *params,
                                    anyinfer_model **out) {
  anyinfer_model_params defaults;
  anyinfer_model_default_params(&defaults);
  const anyinfer_model_params *p = params ? params : &defaults;
  struct ai_alloc alloc = ai_alloc_make(p->alloc, p->alloc_user_data);
  struct ai_error err;
  ai_error_clear(&err);
  anyinfer_status st;
  if (out) *out = NULL;
  if (!path || !out) {
    st = ai_error_set(&err, ANYINFER_E_INVAL, "model: path and out must not be NULL");
    ai_error_copy_out(&err, p->error_buf, p->error_cap);
    return st;
  }
  anyinfer_model *m = ai_calloc(&alloc, 1, sizeof *m);
  if (!m) {
    st = ai_error_set(&err, ANYINFER_E_NOMEM, "model: out of memory");
    ai_error_copy_out(&err, p->error_buf, p->error_cap);
    return st;
  }
  m->alloc = alloc;
  m->log = (struct ai_log){p->log, p->log_user_data, p->log_level};
  m->file.fd = -1;
  if ((st = ai_file_open(&m->file, path, p->use_mmap, &err))) goto fail;
  struct ai_reader reader = ai_file_reader(&m->file);
  unsigned char magic[4];
  if (reader.size >= 4 && ai_reader_read(&reader, 0, magic, 4, NULL) == ANYINFER_OK &&
      !memcmp(magic, "lmgg", 4)) { /* 0x67676d6c little-endian: a whisper.cpp model */
    st = ai_error_set(&err, ANYINFER_E_UNSUPPORTED,
                      "model: %s is a whisper.cpp ggml file; convert it once with `anyinfer "
                      "convert %s OUT.gguf`",
                      path, path);
    goto fail;
  }
  if ((st = ai_gguf_read(&reader, &alloc, &m->gguf, &err))) goto fail;
  struct ai_vocab_desc vocab;
  if ((st = ai_vocab_desc_from_gguf(m->gguf, &vocab, &err)) ||
      (st = ai_tokenizer_create(&alloc, &vocab, &m->tokenizer, &err)))
    goto fail;
  if (!p->vocab_only && m->gguf->n_tensors > 0 && (st = load_weights(m, p, &err))) goto fail;
  fill_info(m);
  ai_log(&m->log, ANYINFER_LOG_INFO, "loaded %s: %s %s, %llu tensors, %s", path,
         m->info.architecture, m->file_type, (unsigned long long)m->gguf->n_tensors,
         m->file.map ? "mapped" : "read into memory");
  *out = m;
  return ANYINFER_OK;
fail:
  ai_log(&m->log, ANYINFER_LOG_ERROR, "%s", err.msg);
  ai_error_copy_out(&err, p->error_buf, p->error_cap);
  anyinfer_model_free(m);
  return st;
}

void anyinfer_model_free(anyinfer_model *m) {
  if (!m) return;
  struct ai_alloc alloc = m->alloc;
  ai_llama_unload(&m->llama);
  ai_whisper_unload(&m->whisper);
  ai_tokenizer_free(m->tokenizer);
  ai_gguf_free(m->gguf);
  ai_free(&alloc, m->weights_owned);
  ai_file_close(&m->file);
  ai_free(&alloc, m);
}

void anyinfer_model_get_info(const anyinfer_model *m, anyinfer_model_info *info) {
  *info = m->info;
}

size_t anyinfer_model_tensor_count(const anyinfer_model *m) {
  return (size_t)m->gguf->n_tensors;
}

anyinfer_status anyinfer_model_tensor_get(const anyinfer_model *m, size_t i,
                                          anyinfer_tensor_info *info) {
  if (i >= m->gguf->n_tensors) return ANYINFER_E_RANGE;
  const struct ai_gguf_tensor *t = &m->gguf->tensors[i];
  *info = (anyinfer_tensor_info){.name = t->name.data,
                                 .type = ai_type_traits_get(t->type)->name,
                                 .n_dims = (int32_t)t->n_dims,
                                 .offset = m->gguf->data_offset + t->offset,
                                 .bytes = t->bytes};
  memcpy(info->ne, t->ne, sizeof info->ne);
  return ANYINFER_OK;
}
