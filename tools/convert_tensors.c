/* The tensor half of the converter: finds the safetensors files, maps Hugging Face tensor names to
 * llama.cpp's (gguf-py tensor_mapping.py for LLAMA / QWEN2), checks dtypes and shapes against
 * config.json, and streams each tensor into the GGUF writer's fill callback: rows are read from
 * the mapped shard, permuted for llama's Q/K (convert_hf_to_gguf.py LlamaModel.permute) and
 * converted with the reference quantizers. Uses internal engine headers (see convert_hf.h). */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fp16.h"
#include "base/threadpool.h"
#include "convert_error.h"
#include "convert_hf.h"

#ifdef AI_HAVE_JANSSON
#include <jansson.h>
#endif

/* ---- names -------------------------------------------------------------------------------- */

/* Per-layer tensors: Hugging Face suffix after "model.layers.N.", GGUF suffix after "blk.N.". */
static const struct {
  const char *hf, *gguf;
} kLayerNames[] = {
    {"input_layernorm.weight", "attn_norm.weight"},
    {"self_attn.q_proj.weight", "attn_q.weight"},
    {"self_attn.q_proj.bias", "attn_q.bias"},
    {"self_attn.k_proj.weight", "attn_k.weight"},
    {"self_attn.k_proj.bias", "attn_k.bias"},
    {"self_attn.v_proj.weight", "attn_v.weight"},
    {"self_attn.v_proj.bias", "attn_v.bias"},
    {"self_attn.o_proj.weight", "attn_output.weight"},
    {"post_attention_layernorm.weight", "ffn_norm.weight"},
    {"mlp.gate_proj.weight", "ffn_gate.weight"},
    {"mlp.up_proj.weight", "ffn_up.weight"},
    {"mlp.down_proj.weight", "ffn_down.weight"},
};
#define N_LAYER_NAMES     (sizeof kLayerNames / sizeof kLayerNames[0])
#define ORDER_OUTPUT_NORM 0xfffffff0u
#define ORDER_OUTPUT      0xfffffff1u

/* Maps an HF name. Returns 1 (mapped: gguf, order, *layer and *slot set, slot = index in
 * kLayerNames or -1), 0 (a tensor llama.cpp skips too), -1 (unknown). */
static int map_name(const char *hf, char *gguf, uint32_t *order, int64_t *layer, int *slot) {
  *layer = -1, *slot = -1;
  if (!strcmp(hf, "model.embed_tokens.weight")) {
    snprintf(gguf, AI_GGUF_MAX_NAME, "token_embd.weight");
    *order = 0;
    return 1;
  }
  if (!strcmp(hf, "model.norm.weight")) {
    snprintf(gguf, AI_GGUF_MAX_NAME, "output_norm.weight");
    *order = ORDER_OUTPUT_NORM;
    return 1;
  }
  if (!strcmp(hf, "lm_head.weight")) {
    snprintf(gguf, AI_GGUF_MAX_NAME, "output.weight");
    *order = ORDER_OUTPUT;
    return 1;
  }
  if (strncmp(hf, "model.layers.", 13) != 0) return -1;
  const char *p = hf + 13;
  int64_t n = 0;
  if (*p < '0' || *p > '9') return -1;
  while (*p >= '0' && *p <= '9' && n < 1000000) n = n * 10 + (*p++ - '0');
  if (*p++ != '.') return -1;
  if (!strcmp(p, "self_attn.rotary_emb.inv_freq")) return 0; /* recomputed at load */
  for (size_t i = 0; i < N_LAYER_NAMES; i++) {
    if (strcmp(p, kLayerNames[i].hf) != 0) continue;
    snprintf(gguf, AI_GGUF_MAX_NAME, "blk.%lld.%s", (long long)n, kLayerNames[i].gguf);
    *order = 1 + (uint32_t)n * (uint32_t)N_LAYER_NAMES + (uint32_t)i;
    *layer = n, *slot = (int)i;
    return 1;
  }
  return -1;
}

/* The HF shape ([out, in] for a matrix) config.json implies for a mapped tensor. */
static uint32_t want_shape(const struct hf_config *c, int slot, const char *gguf, int64_t *s) {
  int64_t q = c->n_head * c->head_dim, kv = c->n_head_kv * c->head_dim;
  if (slot < 0) {
    if (!strcmp(gguf, "output_norm.weight")) return s[0] = c->n_embd, 1;
    return s[0] = c->n_vocab, s[1] = c->n_embd, 2; /* token_embd, output */
  }
  switch (slot) {
    case 0:
    case 8:
      return s[0] = c->n_embd, 1;
    case 1:
      return s[0] = q, s[1] = c->n_embd, 2;
    case 2:
      return s[0] = q, 1;
    case 3:
    case 5:
      return s[0] = kv, s[1] = c->n_embd, 2;
    case 4:
    case 6:
      return s[0] = kv, 1;
    case 7:
      return s[0] = c->n_embd, s[1] = q, 2;
    case 9:
    case 10:
      return s[0] = c->n_ff, s[1] = c->n_embd, 2;
    default:
      return s[0] = c->n_embd, s[1] = c->n_ff, 2;
  }
}

static void shape_text(char *buf, size_t cap, uint32_t n, const int64_t *s) {
  size_t k = (size_t)snprintf(buf, cap, "[");
  for (uint32_t d = 0; d < n && k < cap; d++)
    k += (size_t)snprintf(buf + k, cap - k, "%s%lld", d ? ", " : "", (long long)s[d]);
  if (k < cap) snprintf(buf + k, cap - k, "]");
}

/* ---- files --------------------------------------------------------------------------------- */

static bool exists(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f) fclose(f);
  return f != NULL;
}

static bool add_shard(struct hf_model *m, const char *dir, const char *file, char *err,
                      size_t cap) {
  for (size_t i = 0; i < m->n_shards; i++) {
    const char *base = strrchr(m->shards[i].path, '/');
    if (base && !strcmp(base + 1, file)) return true;
  }
  if (strchr(file, '/') || !file[0])
    return convert_fail(
        err, cap, "%s/model.safetensors.index.json: shard name '%s' is not a file name", dir, file);
  struct hf_shard *grown = realloc(m->shards, (m->n_shards + 1) * sizeof *grown);
  if (!grown) return convert_fail(err, cap, "out of memory");
  m->shards = grown;
  struct hf_shard *s = &m->shards[m->n_shards++];
  memset(s, 0, sizeof *s);
  s->file.fd = -1;
  size_t n = strlen(dir) + strlen(file) + 2;
  if (!(s->path = malloc(n))) return convert_fail(err, cap, "out of memory");
  snprintf(s->path, n, "%s/%s", dir, file);
  struct ai_error e;
  ai_error_clear(&e);
  if (ai_file_open(&s->file, s->path, true, &e) != ANYINFER_OK)
    return convert_fail(err, cap, "%s", e.msg);
  s->reader = ai_file_reader(&s->file);
  struct ai_alloc a = ai_alloc_default();
  if (ai_safetensors_read(&s->reader, &a, &s->st, &e) != ANYINFER_OK)
    return convert_fail(err, cap, "%s: %s", s->path, e.msg);
  return true;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every *.safetensors of dir, in name order. */
static bool scan_dir(struct hf_model *m, const char *dir, char *err, size_t cap) {
  DIR *d = opendir(dir);
  if (!d) return convert_fail(err, cap, "%s: cannot open the folder", dir);
  char **names = NULL;
  size_t n = 0;
  bool ok = true;
  struct dirent *e;
  while (ok && (e = readdir(d)) != NULL) {
    size_t len = strlen(e->d_name);
    if (len < 12 || strcmp(e->d_name + len - 12, ".safetensors") != 0) continue;
    char **grown = realloc(names, (n + 1) * sizeof *names);
    if (grown) names = grown;
    if (!grown || !(names[n] = strdup(e->d_name)))
      ok = convert_fail(err, cap, "out of memory");
    else
      n++;
  }
  closedir(d);
  if (ok && n == 0)
    ok = convert_fail(
        err, cap, "%s: no model.safetensors.index.json, model.safetensors or *.safetensors file",
        dir);
  if (ok) qsort(names, n, sizeof *names, cmp_str);
  for (size_t i = 0; ok && i < n; i++) ok = add_shard(m, dir, names[i], err, cap);
  for (size_t i = 0; i < n; i++) free(names[i]);
  free(names);
  return ok;
}

#ifdef AI_HAVE_JANSSON
/* model.safetensors.index.json: opens each shard weight_map names, then checks every listed tensor
 * is in its shard. */
static bool open_index(struct hf_model *m, const char *dir, const char *path, char *err,
                       size_t cap) {
  json_error_t je;
  json_t *idx = json_load_file(path, 0, &je);
  if (!idx) return convert_fail(err, cap, "%s: line %d: %s", path, je.line, je.text);
  json_t *map = json_object_get(idx, "weight_map");
  bool ok = json_is_object(map) && json_object_size(map) > 0;
  if (!ok) convert_fail(err, cap, "%s: weight_map is missing or empty", path);
  const char *key;
  json_t *val;
  json_object_foreach(map, key, val) {
    if (!ok) break;
    if (!json_is_string(val)) {
      ok = convert_fail(err, cap, "%s: weight_map['%s'] is not a file name", path, key);
      break;
    }
    ok = add_shard(m, dir, json_string_value(val), err, cap);
  }
  json_object_foreach(map, key, val) {
    if (!ok) break;
    const char *file = json_string_value(val);
    for (size_t i = 0; i < m->n_shards; i++) {
      const char *base = strrchr(m->shards[i].path, '/') + 1;
      if (strcmp(base, file) == 0 && !ai_safetensors_find(m->shards[i].st, key))
        ok = convert_fail(err, cap, "%s: weight_map puts tensor '%s' in %s, which does not hold it",
                          path, key, m->shards[i].path);
    }
  }
  json_decref(idx);
  return ok;
}
#endif

static int cmp_order(const void *a, const void *b) {
  const struct hf_tensor *x = a, *y = b;
  return x->order < y->order ? -1 : x->order > y->order;
}

/* Maps and checks one safetensors tensor; appends it to m->tensors unless skipped. */
static bool plan_tensor(struct hf_model *m, const struct hf_config *c, const struct hf_shard *sh,
                        const struct ai_st_tensor *t, char *err, size_t cap) {
  struct hf_tensor h;
  memset(&h, 0, sizeof h);
  int64_t layer, want[3] = {0, 0, 0};
  int slot = -1;
  uint32_t nd = 0;
  int r = m->is_whisper ? whisper_map_tensor(c, t->name, h.name, &h.order, &nd, want, &layer)
                        : map_name(t->name, h.name, &h.order, &layer, &slot);
  if (r == 0) return true;
  if (r == -1)
    return convert_fail(err, cap, "%s: tensor '%s' has no llama.cpp name for a %s model", sh->path,
                        t->name, c->arch);
  if (r == -2 || (!m->is_whisper && layer >= c->n_layer))
    return convert_fail(err, cap,
                        "%s: tensor '%s' is in layer %lld, beyond config.json's layer count",
                        sh->path, t->name, (long long)layer);
  if (!strcmp(h.name, "output.weight") && c->tie_embeddings) return true; /* tied: not written */
  if (t->dtype != AI_ST_F32 && t->dtype != AI_ST_F16 && t->dtype != AI_ST_BF16)
    return convert_fail(err, cap,
                        "%s: tensor '%s' has dtype %s; only F32, F16 and BF16 are converted",
                        sh->path, t->name, ai_st_dtype_name(t->dtype));
  if (!m->is_whisper) nd = want_shape(c, slot, h.name, want);
  bool same_shape = t->n_dims == nd;
  for (uint32_t d = 0; same_shape && d < nd; d++) same_shape = t->shape[d] == want[d];
  if (!same_shape) {
    char got_s[128], want_s[64];
    shape_text(got_s, sizeof got_s, t->n_dims, t->shape);
    shape_text(want_s, sizeof want_s, nd, want);
    return convert_fail(err, cap,
                        "%s: tensor '%s' has shape %s, config.json implies %s (hidden_size %lld, "
                        "num_attention_heads %lld, num_key_value_heads %lld, head_dim %lld, "
                        "intermediate_size %lld, vocab_size %lld)",
                        sh->path, t->name, got_s, want_s, (long long)c->n_embd,
                        (long long)c->n_head, (long long)c->n_head_kv, (long long)c->head_dim,
                        (long long)c->n_ff, (long long)c->n_vocab);
  }
  for (size_t i = 0; i < m->n_tensors; i++)
    if (!strcmp(m->tensors[i].name, h.name))
      return convert_fail(err, cap, "%s: tensor '%s' appears again (already in %s)", sh->path,
                          t->name, m->tensors[i].shard->path);
  h.shard = sh, h.src = t, h.n_dims = nd, h.model = m;
  h.ne[0] = h.ne[1] = h.ne[2] = h.ne[3] = 1;
  h.n_rows = 1, h.ne0 = want[nd - 1];
  for (uint32_t d = 0; d < nd; d++) h.ne[d] = want[nd - 1 - d];
  for (uint32_t d = 0; d + 1 < nd; d++) h.n_rows *= want[d];
  bool is_q = slot == 1 || slot == 2, is_k = slot == 3 || slot == 4;
  if (!strcmp(c->arch, "llama") && (is_q || is_k)) { /* NeoX-style qwen2 keeps HF's order */
    h.permute_heads = is_q ? c->n_head : c->n_head_kv;
    if (nd == 1) h.n_rows = want[0], h.ne0 = 1; /* a bias: permute single elements */
  }
  struct hf_tensor *grown = realloc(m->tensors, (m->n_tensors + 1) * sizeof *grown);
  if (!grown) return convert_fail(err, cap, "out of memory");
  m->tensors = grown;
  m->tensors[m->n_tensors++] = h;
  return true;
}

/* Every tensor the forward pass needs must be there. */
static bool check_complete(const struct hf_model *m, const struct hf_config *c, const char *dir,
                           char *err, size_t cap) {
  if (m->is_whisper) return whisper_check_complete(m, c, dir, err, cap);
  char name[AI_GGUF_MAX_NAME];
  const bool qwen2 = !strcmp(c->arch, "qwen2");
  for (int64_t l = -1; l <= c->n_layer; l++) {
    for (size_t i = 0; i < (l < 0 || l == c->n_layer ? 1 : N_LAYER_NAMES); i++) {
      bool bias = strstr(kLayerNames[i].gguf, ".bias") != NULL;
      if (l >= 0 && l < c->n_layer && bias && !qwen2) continue;
      if (l < 0)
        snprintf(name, sizeof name, "token_embd.weight");
      else if (l == c->n_layer)
        snprintf(name, sizeof name, "output_norm.weight");
      else
        snprintf(name, sizeof name, "blk.%lld.%s", (long long)l, kLayerNames[i].gguf);
      bool found = false;
      for (size_t k = 0; k < m->n_tensors && !found; k++) found = !strcmp(m->tensors[k].name, name);
      if (!found)
        return convert_fail(err, cap, "%s: no safetensors file holds the tensor for '%s' (%s)", dir,
                            name,
                            l < 0             ? "model.embed_tokens.weight"
                            : l == c->n_layer ? "model.norm.weight"
                                              : kLayerNames[i].hf);
    }
  }
  return true;
}

bool hf_model_open(struct hf_model *m, const char *dir, const struct hf_config *c, char *err,
                   size_t cap) {
  memset(m, 0, sizeof *m);
  m->is_whisper = !strcmp(c->arch, "whisper");
  char path[4096];
  bool ok;
  snprintf(path, sizeof path, "%s/model.safetensors.index.json", dir);
  if (exists(path)) {
#ifdef AI_HAVE_JANSSON
    ok = open_index(m, dir, path, err, cap);
#else
    ok = convert_fail(err, cap, "%s: this anyinfer was built without jansson", path);
#endif
  } else {
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    ok = exists(path) ? add_shard(m, dir, "model.safetensors", err, cap)
                      : scan_dir(m, dir, err, cap);
  }
  for (size_t s = 0; ok && s < m->n_shards; s++)
    for (size_t i = 0; ok && i < m->shards[s].st->n_tensors; i++)
      ok = plan_tensor(m, c, &m->shards[s], &m->shards[s].st->tensors[i], err, cap);
  if (ok) ok = check_complete(m, c, dir, err, cap);
  if (!ok) {
    hf_model_close(m);
    return false;
  }
  qsort(m->tensors, m->n_tensors, sizeof *m->tensors, cmp_order);
  for (size_t i = 0; i < m->n_tensors; i++)
    m->has_output |= !strcmp(m->tensors[i].name, "output.weight");
  return true;
}

void hf_model_close(struct hf_model *m) {
  struct ai_alloc a = ai_alloc_default();
  for (size_t i = 0; i < m->n_shards; i++) {
    ai_safetensors_free(m->shards[i].st);
    ai_file_close(&m->shards[i].file);
    free(m->shards[i].path);
  }
  free(m->shards);
  free(m->tensors);
  ai_threadpool_free(m->pool);
  ai_free(&a, m->scratch);
  free(m->read_buf);
  memset(m, 0, sizeof *m);
}

/* ---- streaming ----------------------------------------------------------------------------- */

/* Source row of output row r: llama.cpp's permute, reshape(n_head, 2, rows/n_head/2, ...)
 * .swapaxes(1, 2): within a head, output row 2i+j takes HF row j*(head_rows/2)+i, turning the
 * rotate_half layout (first half, second half) into interleaved pairs. */
static int64_t src_row(const struct hf_tensor *t, int64_t r) {
  if (t->permute_heads <= 0) return r;
  int64_t hd = t->n_rows / t->permute_heads, h = r / hd, w = r % hd;
  return h * hd + (w % 2) * (hd / 2) + w / 2;
}

static void row_to_f32(void *ctx, int64_t row, float *out) {
  const struct hf_tensor *t = ctx;
  size_t es = ai_st_dtype_size(t->src->dtype);
  const uint8_t *p = t->data + (size_t)src_row(t, row) * (size_t)t->ne0 * es;
  for (int64_t i = 0; i < t->ne0; i++) {
    if (t->src->dtype == AI_ST_F32) {
      memcpy(&out[i], p + 4 * i, 4);
    } else {
      uint16_t h = (uint16_t)(p[2 * i] | p[2 * i + 1] << 8);
      out[i] = t->src->dtype == AI_ST_F16 ? ai_fp16_to_fp32(h) : ai_bf16_to_fp32(h);
    }
  }
}

static anyinfer_status fill(void *user_data, void *dst, size_t bytes, struct ai_error *err) {
  struct hf_tensor *t = user_data;
  struct hf_model *m = t->model;
  const struct hf_shard *sh = t->shard;
  uint64_t at = sh->st->data_offset + t->src->begin, n = t->src->end - t->src->begin;
  if (sh->reader.data) {
    t->data = sh->reader.data + at;
  } else {
    anyinfer_status st = ai_reader_read(&sh->reader, at, m->read_buf, (size_t)n, err);
    if (st != ANYINFER_OK) return st;
    t->data = m->read_buf;
  }
  size_t row_bytes = ai_type_row_bytes(t->type, t->ne0);
  if (!ALWAYS(row_bytes * (size_t)t->n_rows == bytes))
    return ai_error_set(err, ANYINFER_E_INVAL, "convert: tensor '%s': %zu bytes, want %zu", t->name,
                        bytes, row_bytes * (size_t)t->n_rows);
  bool same = (t->type == AI_TYPE_F32 && t->src->dtype == AI_ST_F32) ||
              (t->type == AI_TYPE_F16 && t->src->dtype == AI_ST_F16) ||
              (t->type == AI_TYPE_BF16 && t->src->dtype == AI_ST_BF16);
  if (same) { /* bit-exact copy (little-endian host, as the engine assumes) */
    for (int64_t r = 0; r < t->n_rows; r++)
      memcpy((uint8_t *)dst + (size_t)r * row_bytes, t->data + (size_t)src_row(t, r) * row_bytes,
             row_bytes);
    return ANYINFER_OK;
  }
  return ai_convert_rows(m->pool, t->name, t->type, t->ne0, t->n_rows, dst, row_to_f32, t,
                         m->scratch, err);
}

bool hf_model_add_tensors(struct hf_model *m, const struct ai_ftype *ft, int32_t n_layer,
                          struct ai_gguf_writer *w, char *err, size_t cap) {
  struct ai_alloc a = ai_alloc_default();
  struct ai_error e;
  ai_error_clear(&e);
  int64_t max_ne0 = 1;
  uint64_t max_src = 0;
  bool mapped = true;
  for (size_t i = 0; i < m->n_tensors; i++) {
    struct hf_tensor *t = &m->tensors[i];
    t->type = m->is_whisper
                  ? whisper_tensor_type(ft, t)
                  : ai_ftype_tensor_type(ft, t->name, t->n_dims, t->ne, n_layer, m->has_output);
    if (t->ne0 > max_ne0) max_ne0 = t->ne0;
    if (t->src->end - t->src->begin > max_src) max_src = t->src->end - t->src->begin;
    mapped &= t->shard->reader.data != NULL;
  }
  int threads = ai_convert_threads();
  if (threads > 1 && ai_threadpool_create(&a, threads, &m->pool, &e) != ANYINFER_OK)
    return convert_fail(err, cap, "%s", e.msg);
  if (!(m->scratch = ai_calloc(&a, (size_t)threads * (size_t)max_ne0, sizeof(float))) ||
      (!mapped && max_src && !(m->read_buf = malloc((size_t)max_src))))
    return convert_fail(err, cap, "out of memory for row buffers");
  for (size_t i = 0; i < m->n_tensors; i++) {
    struct hf_tensor *t = &m->tensors[i];
    if (ai_gguf_add_tensor(w, t->name, (int32_t)t->type, t->n_dims, t->ne, NULL, fill, t) !=
        ANYINFER_OK)
      return convert_fail(err, cap, "tensor '%s': %s", t->name, ai_gguf_writer_last_error(w));
  }
  return true;
}
