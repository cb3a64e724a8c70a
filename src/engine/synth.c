/* anyinfer_synth: writes a random-weight GGUF of a real model's layout (synth_shapes.c) with a
 * valid vocabulary (synth_vocab.c). Weights are a function of (seed, tensor name, row, column)
 * alone — a counter-based splitmix64 stream — so each tensor is generated row by row on every
 * core while the GGUF writer asks for it, and the file does not depend on the thread count.
 * Values are approximately N(0, 0.02) (the sum of four uniforms, Irwin-Hall), the initializer
 * scale of Llama-style models, which keeps activations finite; norms are 1. */
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "engine/quantize.h"
#include "engine/synth.h"
#include "format/gguf.h"
#include "models/whisper.h"

#define WEIGHT_STD 0.02f

void anyinfer_file_default_params(anyinfer_file_params *params) {
  memset(params, 0, sizeof *params);
  params->type = "F16"; /* convert_hf_to_gguf.py's default outtype */
  params->seed = 0;
}

/* splitmix64's output function (Steele, Lea, Flood 2014): a bijective mix of a counter. */
static uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static uint64_t hash_name(uint64_t seed, const char *name) {
  uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
  for (const char *p = name; *p; p++) h = (h ^ (uint8_t)*p) * 0x100000001b3ull;
  return mix64(seed ^ mix64(h));
}

struct synth_tensor {
  struct ai_synth_tensor t;
  enum ai_type type; /* as written */
  uint64_t key;      /* hash of (seed, name) */
  struct synth_job *job;
};

struct synth_job {
  const struct ai_synth_spec *spec;
  struct ai_threadpool *pool;
  float *scratch; /* max_ne0 floats per pool thread */
  struct synth_tensor *tensors;
};

/* Row `row` of a random tensor: element i is mix64(key + (row * ne0 + i + 1) * gamma). */
static void random_row(void *ctx, int64_t row, float *out) {
  const struct synth_tensor *st = ctx;
  const int64_t ne0 = st->t.ne[0];
  uint64_t base = st->key + (uint64_t)(row * ne0) * 0x9e3779b97f4a7c15ull;
  /* Four 16-bit uniforms (Irwin-Hall): their sum has mean 4 * 32767.5 and standard deviation
   * 65536 / sqrt(3). */
  const float scale = WEIGHT_STD * 1.7320508f / 65536.0f;
  for (int64_t i = 0; i < ne0; i++) {
    uint64_t z = mix64(base + (uint64_t)(i + 1) * 0x9e3779b97f4a7c15ull);
    float s = (float)(z & 0xffff) + (float)((z >> 16) & 0xffff) + (float)((z >> 32) & 0xffff) +
              (float)(z >> 48);
    out[i] = (s - 131070.0f) * scale;
  }
}

static anyinfer_status fill_tensor(void *user_data, void *dst, size_t bytes, struct ai_error *err) {
  struct synth_tensor *st = user_data;
  const struct ai_synth_tensor *t = &st->t;
  const int64_t n_rows = t->ne[1] * t->ne[2];
  size_t want = ai_type_row_bytes(st->type, t->ne[0]) * (size_t)n_rows;
  if (!ALWAYS(bytes == want))
    return ai_error_set(err, ANYINFER_E_INVAL, "synth: tensor '%s': asked for %zu bytes, has %zu",
                        t->name, bytes, want);
  if (t->fill == AI_SYNTH_RANDOM)
    return ai_convert_rows(st->job->pool, t->name, st->type, t->ne[0], n_rows, dst, random_row, st,
                           st->job->scratch, err);
  /* 1-D tensors are F32 (quantize.h): written directly. */
  float *f = dst;
  if (t->fill == AI_SYNTH_ONES) {
    for (int64_t i = 0; i < t->ne[0]; i++) f[i] = 1.0f;
  } else if (t->fill == AI_SYNTH_BIAS) {
    random_row(st, 0, f);
  } else {
    ai_synth_rope_freqs(st->job->spec, f);
  }
  return ANYINFER_OK;
}

#define TRY(call)                     \
  do {                                \
    st = (call);                      \
    if (st != ANYINFER_OK) goto fail; \
  } while (0)

/* Hyperparameters and general.* keys, in convert_hf_to_gguf.py's order. */
static anyinfer_status set_hparams(struct ai_gguf_writer *w, const struct ai_synth_spec *s,
                                   const struct ai_ftype *ft) {
  anyinfer_status st;
  char key[96];
  const char *a = s->arch;
#define ARCH_KEY(suffix) (snprintf(key, sizeof key, "%s.%s", a, suffix), key)
  TRY(ai_gguf_set_str(w, "general.architecture", a));
  TRY(ai_gguf_set_str(w, "general.name", s->general_name));
  TRY(ai_gguf_set_u32(w, "general.alignment", AI_GGUF_DEFAULT_ALIGNMENT));
  if (s->n_mel > 0) {
    const struct ai_whisper_hparams hp = {.n_mel = s->n_mel,
                                          .n_audio_ctx = s->n_audio_ctx,
                                          .n_embd = s->n_embd,
                                          .n_enc_layer = s->n_layer,
                                          .n_enc_head = s->n_head,
                                          .n_enc_ff = s->n_ff,
                                          .n_text_ctx = s->n_ctx,
                                          .n_dec_layer = s->n_dec_layer,
                                          .n_dec_head = s->n_head,
                                          .n_dec_ff = s->n_ff,
                                          .norm_eps = s->rms_eps};
    TRY(ai_whisper_set_hparams(w, &hp));
    TRY(ai_gguf_set_u32(w, "general.file_type", ft->llama_ftype));
    return ANYINFER_OK;
  }
  TRY(ai_gguf_set_u32(w, ARCH_KEY("block_count"), (uint32_t)s->n_layer));
  TRY(ai_gguf_set_u32(w, ARCH_KEY("context_length"), (uint32_t)s->n_ctx));
  TRY(ai_gguf_set_u32(w, ARCH_KEY("embedding_length"), (uint32_t)s->n_embd));
  TRY(ai_gguf_set_u32(w, ARCH_KEY("feed_forward_length"), (uint32_t)s->n_ff));
  TRY(ai_gguf_set_u32(w, ARCH_KEY("attention.head_count"), (uint32_t)s->n_head));
  TRY(ai_gguf_set_u32(w, ARCH_KEY("attention.head_count_kv"), (uint32_t)s->n_head_kv));
  TRY(ai_gguf_set_f32(w, ARCH_KEY("rope.freq_base"), s->rope_base));
  TRY(ai_gguf_set_f32(w, ARCH_KEY("attention.layer_norm_rms_epsilon"), s->rms_eps));
  TRY(ai_gguf_set_u32(w, ARCH_KEY("rope.dimension_count"), (uint32_t)(s->n_embd / s->n_head)));
  TRY(ai_gguf_set_u32(w, ARCH_KEY("vocab_size"), (uint32_t)s->n_vocab));
#undef ARCH_KEY
  TRY(ai_gguf_set_u32(w, "general.file_type", ft->llama_ftype));
  if (ai_type_traits_get((int)ft->base) && ai_type_traits_get((int)ft->base)->is_quantized)
    TRY(ai_gguf_set_u32(w, "general.quantization_version", 2)); /* GGML_QNT_VERSION */
  if (s->rope_factor > 0.0f) {
    /* llama.cpp reads these factors from rope_freqs.weight only; the parameters that made them
     * are kept for readers that want them, under our own namespace so llama.cpp ignores them. */
    TRY(ai_gguf_set_str(w, "anyinfer.rope_scaling.type", "llama3"));
    TRY(ai_gguf_set_f32(w, "anyinfer.rope_scaling.factor", s->rope_factor));
    TRY(ai_gguf_set_f32(w, "anyinfer.rope_scaling.low_freq_factor", s->rope_low_freq));
    TRY(ai_gguf_set_f32(w, "anyinfer.rope_scaling.high_freq_factor", s->rope_high_freq));
    TRY(ai_gguf_set_u32(w, "anyinfer.rope_scaling.original_context_length",
                        (uint32_t)s->rope_orig_ctx));
  }
fail:
  return st;
}

/* tokenizer.ggml.* keys as convert_hf_to_gguf.py writes them for SentencePiece ("llama") and
 * byte-level BPE ("gpt2") vocabularies. */
static anyinfer_status set_vocab(struct ai_gguf_writer *w, const struct ai_synth_spec *s,
                                 const struct ai_synth_vocab *v) {
  anyinfer_status st;
  const bool bpe = s->vocab == AI_SYNTH_BPE;
  TRY(ai_gguf_set_str(w, "tokenizer.ggml.model", bpe ? "gpt2" : "llama"));
  if (bpe) TRY(ai_gguf_set_str(w, "tokenizer.ggml.pre", s->pre));
  TRY(ai_gguf_set_arr(w, "tokenizer.ggml.tokens", AI_GGUF_STRING, v->tokens,
                      (uint64_t)v->n_tokens));
  if (!bpe)
    TRY(ai_gguf_set_arr(w, "tokenizer.ggml.scores", AI_GGUF_FLOAT32, v->scores,
                        (uint64_t)v->n_tokens));
  TRY(ai_gguf_set_arr(w, "tokenizer.ggml.token_type", AI_GGUF_INT32, v->types,
                      (uint64_t)v->n_tokens));
  if (bpe)
    TRY(ai_gguf_set_arr(w, "tokenizer.ggml.merges", AI_GGUF_STRING, v->merges,
                        (uint64_t)v->n_merges));
  if (s->bos >= 0) TRY(ai_gguf_set_u32(w, "tokenizer.ggml.bos_token_id", (uint32_t)s->bos));
  if (s->eos >= 0) TRY(ai_gguf_set_u32(w, "tokenizer.ggml.eos_token_id", (uint32_t)s->eos));
  if (!bpe) TRY(ai_gguf_set_u32(w, "tokenizer.ggml.unknown_token_id", 0));
  if (s->pad >= 0) TRY(ai_gguf_set_u32(w, "tokenizer.ggml.padding_token_id", (uint32_t)s->pad));
  TRY(ai_gguf_set_bool(w, "tokenizer.ggml.add_bos_token", s->add_bos));
  TRY(ai_gguf_set_bool(w, "tokenizer.ggml.add_eos_token", false));
  if (s->chat_template) TRY(ai_gguf_set_str(w, "tokenizer.chat_template", s->chat_template));
fail:
  return st;
}

static anyinfer_status synth_write(const struct ai_synth_spec *spec, const struct ai_ftype *ft,
                                   const char *out_path, const anyinfer_file_params *params,
                                   const struct ai_log *log, struct ai_error *err) {
  struct ai_alloc alloc = ai_alloc_default();
  struct ai_gguf_writer *w = NULL;
  struct ai_synth_vocab vocab;
  memset(&vocab, 0, sizeof vocab);
  struct synth_job job = {.spec = spec};
  const int32_t n_tensors = ai_synth_tensor_count(spec);
  anyinfer_status st = ai_gguf_writer_create(&alloc, &w, err);
  if (st != ANYINFER_OK) return st;
  st = set_hparams(w, spec, ft);
  if (st == ANYINFER_OK)
    st = ai_synth_vocab_build(&alloc, spec, &vocab, err);
  else
    ai_error_set(err, st, "synth: '%s': setting metadata: %s", spec->name, anyinfer_status_str(st));
  if (st != ANYINFER_OK) goto done;
  st = set_vocab(w, spec, &vocab);
  if (st != ANYINFER_OK) {
    ai_error_set(err, st, "synth: '%s': setting the vocabulary: %s", spec->name,
                 anyinfer_status_str(st));
    goto done;
  }

  int threads = ai_convert_threads();
  if (threads > 1) {
    st = ai_threadpool_create(&alloc, threads, &job.pool, err);
    if (st != ANYINFER_OK) goto done;
  }
  int64_t max_ne0 = spec->n_ff > spec->n_embd ? spec->n_ff : spec->n_embd;
  job.scratch = ai_calloc(&alloc, (size_t)threads * (size_t)max_ne0, sizeof(float));
  job.tensors = ai_calloc(&alloc, (size_t)n_tensors, sizeof *job.tensors);
  if (!job.scratch || !job.tensors) {
    st = ai_error_set(err, ANYINFER_E_NOMEM, "synth: '%s': out of memory", spec->name);
    goto done;
  }
  const bool has_output = !spec->tied;
  for (int32_t i = 0; i < n_tensors; i++) {
    struct synth_tensor *t = &job.tensors[i];
    ai_synth_tensor_get(spec, i, &t->t);
    t->type = spec->n_mel > 0 ? ai_whisper_tensor_type(ft->base, t->t.name, t->t.n_dims, t->t.ne[0])
                              : ai_ftype_tensor_type(ft, t->t.name, t->t.n_dims, t->t.ne,
                                                     spec->n_layer, has_output);
    t->key = hash_name(params->seed, t->t.name);
    t->job = &job;
    if (t->type != ft->base && t->t.n_dims >= 2)
      ai_log(log, ANYINFER_LOG_DEBUG, "synth: %s -> %s", t->t.name,
             ai_type_traits_get((int)t->type) ? ai_type_traits_get((int)t->type)->name : "?");
    st = ai_gguf_add_tensor(w, t->t.name, (int32_t)t->type, t->t.n_dims, t->t.ne, NULL, fill_tensor,
                            t);
    if (st != ANYINFER_OK) {
      ai_error_set(err, st, "synth: adding tensor '%s' of type %d failed: %s", t->t.name,
                   (int)t->type, anyinfer_status_str(st));
      goto done;
    }
  }
  st = ai_gguf_write_file(w, out_path, params->progress, params->progress_user_data, err);
done:
  ai_gguf_writer_free(w);
  ai_synth_vocab_free(&vocab);
  ai_threadpool_free(job.pool);
  ai_free(&alloc, job.scratch);
  ai_free(&alloc, job.tensors);
  return st;
}

anyinfer_status anyinfer_synth(const char *name, const char *out_path,
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
  const struct ai_synth_spec *spec = ai_synth_find(name);
  const struct ai_ftype *ft = ai_ftype_find(params->type);
  if (!spec) {
    st = ai_error_set(&err, ANYINFER_E_INVAL,
                      "synth: unknown model '%s'; known: tinyllama-1.1b, qwen2.5-0.5b, "
                      "llama-3.2-1b, smollm2-135m, test-llama, test-qwen2, whisper-tiny, "
                      "whisper-base",
                      name ? name : "(null)");
  } else if (!ft) {
    st = ai_error_set(&err, ANYINFER_E_INVAL, "synth: unknown type '%s'; known: %s",
                      params->type ? params->type : "(null)", ai_ftype_names_joined());
  } else if (!out_path) {
    st = ai_error_set(&err, ANYINFER_E_INVAL, "synth: out_path is NULL");
  } else {
    ai_log(&log, ANYINFER_LOG_INFO, "synth: writing %s (%s, seed %llu) to %s", spec->name, ft->name,
           (unsigned long long)params->seed, out_path);
    st = synth_write(spec, ft, out_path, params, &log, &err);
  }
  if (st != ANYINFER_OK) {
    ai_error_copy_out(&err, params->error_buf, params->error_cap);
    ai_log(&log, ANYINFER_LOG_ERROR, "%s", err.msg);
  }
  return st;
}
