/* anyinfer_quantize, and what it shares with the synthesizer: the target table, llama.cpp's
 * per-tensor type choice (src/llama-quant.cpp llama_tensor_get_type, the subset for dense Llama
 * and Qwen2 models) and the parallel row converter. Requantizing streams one tensor at a time:
 * dequantize a row with the source type's reference to_float, quantize it with the target's
 * reference from_float, as the GGUF writer asks for the tensor. */
#include "engine/quantize.h"

#include <stdio.h>
#include <string.h>

#include "base/file.h"
#include "base/log.h"
#include "format/gguf.h"

/* llama_ftype values from llama.cpp include/llama.h. "Q4_K" and "Q5_K" here mean every weight of
 * that type but the output projection; they are recorded as MOSTLY_Q4_K_S / MOSTLY_Q5_K_S, the
 * llama_ftype whose name says "mostly Q4_K / Q5_K". */
static const struct ai_ftype kFtypes[] = {
    {"F32", AI_TYPE_F32, 0, false},     {"F16", AI_TYPE_F16, 1, false},
    {"BF16", AI_TYPE_BF16, 32, false},  {"Q8_0", AI_TYPE_Q8_0, 7, false},
    {"Q4_0", AI_TYPE_Q4_0, 2, false},   {"Q4_1", AI_TYPE_Q4_1, 3, false},
    {"Q5_0", AI_TYPE_Q5_0, 8, false},   {"Q5_1", AI_TYPE_Q5_1, 9, false},
    {"Q4_K", AI_TYPE_Q4_K, 14, false},  {"Q5_K", AI_TYPE_Q5_K, 16, false},
    {"Q6_K", AI_TYPE_Q6_K, 18, false},  {"Q4_K_M", AI_TYPE_Q4_K, 15, true},
    {"Q5_K_M", AI_TYPE_Q5_K, 17, true},
};

/* ASCII case-insensitive: "q4_k_m" names Q4_K_M, as llama-quantize accepts it. */
static bool ftype_name_is(const char *canonical, const char *name) {
  for (; *canonical && *name; canonical++, name++) {
    char c = *name >= 'a' && *name <= 'z' ? (char)(*name - 'a' + 'A') : *name;
    if (c != *canonical) return false;
  }
  return *canonical == *name;
}

const struct ai_ftype *ai_ftype_find(const char *name) {
  if (!name) return NULL;
  for (size_t i = 0; i < sizeof kFtypes / sizeof kFtypes[0]; i++)
    if (ftype_name_is(kFtypes[i].name, name)) return &kFtypes[i];
  return NULL;
}

const char *ai_ftype_names_joined(void) {
  return "F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K, Q4_K_M, Q5_K_M";
}

bool ai_ftype_use_more_bits(int32_t i_layer, int32_t n_layers) {
  /* C and C++ both truncate the division and the remainder toward zero, so this is bit for bit
   * llama.cpp's lambda, negative remainders for the first layers included. */
  return i_layer < n_layers / 8 || i_layer >= 7 * n_layers / 8 || (i_layer - n_layers / 8) % 3 == 2;
}

static int32_t layer_of(const char *name) {
  int32_t layer = 0;
  if (strncmp(name, "blk.", 4) != 0) return 0;
  for (const char *p = name + 4; *p >= '0' && *p <= '9' && layer < 1000000; p++)
    layer = layer * 10 + (*p - '0');
  return layer;
}

/* llama.cpp tensor_type_fallback: a row length the type's block does not divide. */
static enum ai_type fallback(enum ai_type t, int64_t ne0) {
  const struct ai_type_traits *tr = ai_type_traits_get((int)t);
  int64_t block = t == AI_TYPE_Q4_K || t == AI_TYPE_Q5_K || t == AI_TYPE_Q6_K ? 256
                  : tr                                                        ? tr->block_size
                                                                              : 1;
  if (ne0 % block == 0) return t;
  enum ai_type f = AI_TYPE_F16;
  if (t == AI_TYPE_Q4_K) f = AI_TYPE_Q5_0;
  if (t == AI_TYPE_Q5_K) f = AI_TYPE_Q5_1;
  if (t == AI_TYPE_Q6_K) f = AI_TYPE_Q8_0;
  return ne0 % 32 == 0 ? f : AI_TYPE_F16; /* Q5_0 / Q5_1 / Q8_0 blocks are 32 */
}

enum ai_type ai_ftype_tensor_type(const struct ai_ftype *ft, const char *name, uint32_t n_dims,
                                  const int64_t *ne, int32_t n_layer, bool has_output) {
  if (n_dims < 2) return AI_TYPE_F32;
  enum ai_type t = ft->base;
  const struct ai_type_traits *tr = ai_type_traits_get((int)t);
  bool is_output =
      strcmp(name, "output.weight") == 0 || (!has_output && strcmp(name, "token_embd.weight") == 0);
  /* Every quantized target keeps the output projection at Q6_K (Q8_0 stays Q8_0), as
   * llama-quantize does without --pure: it is the tensor whose rounding costs most accuracy. */
  if (is_output && tr && tr->is_quantized && t != AI_TYPE_Q8_0) {
    t = ne[0] % 256 != 0 ? AI_TYPE_Q8_0 : AI_TYPE_Q6_K; /* nx % qk_k of the default type */
  } else if (ft->is_mix && (strstr(name, "attn_v.weight") || strstr(name, "ffn_down")) &&
             ai_ftype_use_more_bits(layer_of(name), n_layer)) {
    t = AI_TYPE_Q6_K;
  }
  return fallback(t, ne[0]);
}

/* ---- parallel row conversion --------------------------------------------------------------- */

int ai_convert_threads(void) {
  return ai_cpu_count();
}

struct convert_task {
  ai_from_float_fn from_float;
  int64_t ne0, n_rows;
  size_t row_bytes;
  uint8_t *dst;
  ai_row_source_fn src;
  void *src_ctx;
  float *scratch;
};

static void convert_worker(int ith, int nth, void *arg) {
  struct convert_task *c = arg;
  int64_t r0 = c->n_rows * ith / nth, r1 = c->n_rows * (ith + 1) / nth;
  float *row = c->scratch + (size_t)ith * (size_t)c->ne0;
  for (int64_t r = r0; r < r1; r++) {
    c->src(c->src_ctx, r, row);
    c->from_float(row, c->dst + (size_t)r * c->row_bytes, c->ne0);
  }
}

anyinfer_status ai_convert_rows(struct ai_threadpool *pool, const char *tensor_name,
                                enum ai_type dst_type, int64_t ne0, int64_t n_rows, void *dst,
                                ai_row_source_fn src, void *src_ctx, float *scratch,
                                struct ai_error *err) {
  const struct ai_type_traits *tr = ai_type_traits_get((int)dst_type);
  if (!tr || !tr->from_float)
    return ai_error_set(err, ANYINFER_E_UNSUPPORTED,
                        "quantize: tensor '%s': no quantizer for type %s (id %d)", tensor_name,
                        tr ? tr->name : "?", (int)dst_type);
  struct convert_task c = {.from_float = tr->from_float,
                           .ne0 = ne0,
                           .n_rows = n_rows,
                           .row_bytes = ai_type_row_bytes(dst_type, ne0),
                           .dst = dst,
                           .src = src,
                           .src_ctx = src_ctx,
                           .scratch = scratch};
  if (c.row_bytes == 0)
    return ai_error_set(err, ANYINFER_E_INVAL,
                        "quantize: tensor '%s': row of %lld elements is not "
                        "a whole number of %s blocks",
                        tensor_name, (long long)ne0, tr->name);
  if (pool) {
    ai_threadpool_run(pool, convert_worker, &c);
  } else {
    convert_worker(0, 1, &c);
  }
  return ANYINFER_OK;
}

/* ---- anyinfer_quantize --------------------------------------------------------------------- */

struct qjob;

struct qtensor {
  const struct ai_gguf_tensor *src;
  enum ai_type type; /* written */
  int64_t n_rows;    /* ne[1] * ne[2] * ne[3] */
  size_t src_row_bytes;
  struct qjob *job;
  const uint8_t *src_data; /* set while filling */
};

struct qjob {
  const struct ai_gguf *g;
  const struct ai_reader *reader;
  struct ai_threadpool *pool;
  float *scratch;    /* max ne0 floats per thread */
  uint8_t *read_buf; /* largest source tensor, when the file is not mapped */
};

static void dequant_row(void *ctx, int64_t row, float *out) {
  const struct qtensor *q = ctx;
  const struct ai_type_traits *tr = ai_type_traits_get(q->src->type);
  tr->to_float(q->src_data + (size_t)row * q->src_row_bytes, out, q->src->ne[0]);
}

static anyinfer_status fill_q(void *user_data, void *dst, size_t bytes, struct ai_error *err) {
  struct qtensor *q = user_data;
  struct qjob *job = q->job;
  const struct ai_gguf_tensor *t = q->src;
  uint64_t at = job->g->data_offset + t->offset;
  if (job->reader->data) {
    q->src_data = job->reader->data + at;
  } else {
    anyinfer_status st = ai_reader_read(job->reader, at, job->read_buf, (size_t)t->bytes, err);
    if (st != ANYINFER_OK) return st;
    q->src_data = job->read_buf;
  }
  if (q->type == (enum ai_type)t->type) { /* same type: the bytes as they are (llama.cpp too) */
    if (!ALWAYS(bytes == t->bytes))
      return ai_error_set(err, ANYINFER_E_INVAL, "quantize: tensor '%s': %zu bytes, want %llu",
                          t->name.data, bytes, (unsigned long long)t->bytes);
    memcpy(dst, q->src_data, bytes);
    return ANYINFER_OK;
  }
  return ai_convert_rows(job->pool, t->name.data, q->type, t->ne[0], q->n_rows, dst, dequant_row, q,
                         job->scratch, err);
}

/* Chooses each tensor's type and checks it can be converted. */
static anyinfer_status plan_tensors(const struct ai_gguf *g, const struct ai_ftype *ft,
                                    struct qtensor *qt, struct qjob *job, int64_t *max_ne0,
                                    uint64_t *max_bytes, struct ai_error *err) {
  uint32_t n_layer = 0;
  struct ai_gguf_str arch = {"", 0};
  anyinfer_status st = ai_gguf_get_str(g, "general.architecture", &arch, err);
  if (st == ANYINFER_OK) {
    char key[160];
    snprintf(key, sizeof key, "%s.block_count", arch.data);
    st = ai_gguf_get_u32(g, key, &n_layer, err);
  }
  if (st != ANYINFER_OK && ft->is_mix)
    return ai_error_set(err, ANYINFER_E_FORMAT,
                        "quantize: %s needs general.architecture and {arch}.block_count: %s",
                        ft->name, err->msg);
  const bool has_output = ai_gguf_find_tensor(g, "output.weight") != NULL;
  for (uint64_t i = 0; i < g->n_tensors; i++) {
    const struct ai_gguf_tensor *t = &g->tensors[i];
    const struct ai_type_traits *src = ai_type_traits_get(t->type);
    struct qtensor *q = &qt[i];
    q->src = t;
    q->job = job;
    q->n_rows = t->ne[1] * t->ne[2] * t->ne[3];
    q->type =
        ai_ftype_tensor_type(ft, t->name.data, t->n_dims, t->ne, (int32_t)n_layer, has_output);
    if (q->type != (enum ai_type)t->type && (!src || !src->to_float))
      return ai_error_set(err, ANYINFER_E_UNSUPPORTED,
                          "quantize: tensor '%s': cannot dequantize type %s (id %d)", t->name.data,
                          src ? src->name : "?", t->type);
    q->src_row_bytes = ai_type_row_bytes((enum ai_type)t->type, t->ne[0]);
    if (t->ne[0] > *max_ne0) *max_ne0 = t->ne[0];
    if (t->bytes > *max_bytes) *max_bytes = t->bytes;
  }
  return ANYINFER_OK;
}

static anyinfer_status quantize_file(const char *in_path, const char *out_path,
                                     const struct ai_ftype *ft, const anyinfer_file_params *params,
                                     struct ai_error *err) {
  struct ai_alloc alloc = ai_alloc_default();
  struct ai_file f = {.fd = -1};
  struct ai_gguf *g = NULL;
  struct ai_gguf_writer *w = NULL;
  struct qtensor *qt = NULL;
  struct qjob job;
  memset(&job, 0, sizeof job);
  anyinfer_status st = ai_file_open(&f, in_path, true, err);
  if (st != ANYINFER_OK) return st;
  struct ai_reader reader = ai_file_reader(&f);
  job.reader = &reader;
  st = ai_gguf_read(&reader, &alloc, &g, err);
  if (st != ANYINFER_OK) goto done;
  job.g = g;
  qt = ai_calloc(&alloc, g->n_tensors ? (size_t)g->n_tensors : 1, sizeof *qt);
  if (!qt) {
    st = ai_error_set(err, ANYINFER_E_NOMEM, "quantize: out of memory for %llu tensors",
                      (unsigned long long)g->n_tensors);
    goto done;
  }
  int64_t max_ne0 = 1;
  uint64_t max_bytes = 0;
  st = plan_tensors(g, ft, qt, &job, &max_ne0, &max_bytes, err);
  if (st != ANYINFER_OK) goto done;
  int threads = ai_convert_threads();
  if (threads > 1) {
    st = ai_threadpool_create(&alloc, threads, &job.pool, err);
    if (st != ANYINFER_OK) goto done;
  }
  job.scratch = ai_calloc(&alloc, (size_t)threads * (size_t)max_ne0, sizeof(float));
  if (!reader.data && max_bytes) job.read_buf = ai_malloc(&alloc, (size_t)max_bytes);
  if (!job.scratch || (!reader.data && max_bytes && !job.read_buf)) {
    st = ai_error_set(err, ANYINFER_E_NOMEM, "quantize: out of memory for row buffers");
    goto done;
  }

  st = ai_gguf_writer_create(&alloc, &w, err);
  if (st != ANYINFER_OK) goto done;
  for (uint64_t i = 0; i < g->n_kv && st == ANYINFER_OK; i++)
    st = ai_gguf_set_value(w, g->kv[i].key.data, &g->kv[i].value);
  if (st == ANYINFER_OK) st = ai_gguf_set_u32(w, "general.file_type", ft->llama_ftype);
  const struct ai_type_traits *base = ai_type_traits_get((int)ft->base);
  if (st == ANYINFER_OK && base && base->is_quantized)
    st = ai_gguf_set_u32(w, "general.quantization_version", 2); /* GGML_QNT_VERSION */
  if (st != ANYINFER_OK) {
    ai_error_set(err, st, "quantize: copying metadata of '%s': %s", in_path,
                 anyinfer_status_str(st));
    goto done;
  }
  for (uint64_t i = 0; i < g->n_tensors; i++) {
    const struct ai_gguf_tensor *t = qt[i].src;
    st = ai_gguf_add_tensor(w, t->name.data, (int32_t)qt[i].type, t->n_dims, t->ne, NULL, fill_q,
                            &qt[i]);
    if (st != ANYINFER_OK) {
      ai_error_set(err, st, "quantize: adding tensor '%s': %s", t->name.data,
                   anyinfer_status_str(st));
      goto done;
    }
  }
  st = ai_gguf_write_file(w, out_path, params->progress, params->progress_user_data, err);
done:
  ai_gguf_writer_free(w);
  ai_threadpool_free(job.pool);
  ai_free(&alloc, job.scratch);
  ai_free(&alloc, job.read_buf);
  ai_free(&alloc, qt);
  ai_gguf_free(g);
  ai_file_close(&f);
  return st;
}

anyinfer_status anyinfer_quantize(const char *in_path, const char *out_path,
                                  const anyinfer_file_params *params) {
  anyinfer_file_params defaults;
  if (!params) {
    anyinfer_file_default_params(&defaults);
    params = &defaults;
  }
  struct ai_log log = {params->log, params->log_user_data, ANYINFER_LOG_INFO};
  struct ai_error err;
  ai_error_clear(&err);
  anyinfer_status st;
  const struct ai_ftype *ft = ai_ftype_find(params->type);
  if (!ft) {
    st = ai_error_set(&err, ANYINFER_E_INVAL, "quantize: unknown type '%s'; known: %s",
                      params->type ? params->type : "(null)", ai_ftype_names_joined());
  } else if (!in_path || !out_path) {
    st = ai_error_set(&err, ANYINFER_E_INVAL, "quantize: %s path is NULL",
                      in_path ? "output" : "input");
  } else {
    ai_log(&log, ANYINFER_LOG_INFO, "quantize: %s -> %s (%s)", in_path, out_path, ft->name);
    st = quantize_file(in_path, out_path, ft, params, &err);
  }
  if (st != ANYINFER_OK) {
    ai_error_copy_out(&err, params->error_buf, params->error_cap);
    ai_log(&log, ANYINFER_LOG_ERROR, "%s", err.msg);
  }
  return st;
}
