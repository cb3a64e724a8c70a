/* Transcribers: the activations and caches of Whisper's encoder and decoder on one backend, and
 * the low-level encode / decode calls (benchmarks, tests). The decoding loop is transcribe.c. */
#include <string.h>

#include "backend/cpu/cpu_backend.h"
#include "base/threadpool.h"
#include "engine/transcriber.h"

#define DEFAULT_MAX_BEAMS 5

struct whisper_build {
  const anyinfer_model *model;
  int32_t n_seq;
  struct ai_whisper_state *state;
};

static anyinfer_status whisper_build(void *ctx, struct ai_backend *b, struct ai_error *err) {
  const struct whisper_build *wb = ctx;
  const struct ai_whisper *w = &wb->model->whisper;
  return ai_whisper_state_create(w, b, wb->model->weights, wb->model->weights_bytes, wb->n_seq,
                                 w->hp.n_text_ctx, 1, wb->state, err);
}

static void whisper_drop(void *ctx) {
  ai_whisper_state_destroy(((const struct whisper_build *)ctx)->state);
}

void anyinfer_transcriber_default_params(anyinfer_transcriber_params *p) {
  *p = (anyinfer_transcriber_params){
      .n_threads = 0, .max_beams = DEFAULT_MAX_BEAMS, .backend = "cpu"};
}

anyinfer_status anyinfer_transcriber_create(const anyinfer_model *model,
                                            const anyinfer_transcriber_params *params,
                                            anyinfer_transcriber **out) {
  anyinfer_transcriber_params defaults;
  anyinfer_transcriber_default_params(&defaults);
  const anyinfer_transcriber_params *p = params ? params : &defaults;
  struct ai_error err;
  ai_error_clear(&err);
  anyinfer_status st;
  anyinfer_transcriber *t = NULL;
  *out = NULL;
  if (!model->has_weights || !model->is_whisper) {
    st = ai_error_set(&err, ANYINFER_E_INVAL, "transcriber: the model is %s, not a Whisper model",
                      model->has_weights ? model->info.architecture : "loaded without weights");
    goto fail;
  }
  if (p->n_threads < 0 || p->max_beams < 1 || p->max_beams > 16) {
    st = ai_error_set(&err, ANYINFER_E_INVAL,
                      "transcriber: n_threads %d (>= 0), max_beams %d (1..16)", p->n_threads,
                      p->max_beams);
    goto fail;
  }
  t = ai_calloc(&model->alloc, 1, sizeof *t);
  if (!t) {
    st = ai_error_set(&err, ANYINFER_E_NOMEM, "transcriber: out of memory");
    goto fail;
  }
  t->model = model;
  t->alloc = model->alloc;
  t->max_beams = p->max_beams;
  t->n_threads = p->n_threads > 0 ? p->n_threads : ai_cpu_count();
  const struct ai_whisper_hparams *hp = &model->whisper.hp;
  struct ai_cpu_backend_params bp = {.n_threads = t->n_threads, .isa = ai_isa_detect()};
  ai_whisper_backend_limits(hp, &bp.max_k, &bp.max_tok, &bp.max_ctx, &bp.max_head_dim);
  t->logits = ai_calloc(&t->alloc, (size_t)p->max_beams * (size_t)hp->n_vocab, sizeof(float));
  if (!t->logits) {
    st = ai_error_set(&err, ANYINFER_E_NOMEM, "transcriber: out of memory");
    goto fail;
  }
  if ((st = ai_whisper_vocab_init(model->gguf, &t->vocab, &err))) goto fail;
  /* Decoder slots: two per beam (beam search alternates halves); batches up to the whole text
   * context (a prompt of earlier text plus the start sequence). */
  int32_t n_seq = 2 * p->max_beams;
  struct whisper_build wb = {model, n_seq, &t->state};
  const struct ai_state_builder sb = {whisper_build, whisper_drop, &wb};
  if ((st = ai_engine_open_backend(model, &t->alloc, "transcriber", p->backend, &bp, &sb,
                                   &t->backend, &err)))
    goto fail;
  ai_log(&model->log, ANYINFER_LOG_DEBUG,
         "transcriber: %s backend (CPU side: %s, %d threads), %d beams", t->backend.ops->name,
         ai_isa_name(bp.isa), t->n_threads, p->max_beams);
  *out = t;
  return ANYINFER_OK;
fail:
  ai_log(&model->log, ANYINFER_LOG_ERROR, "%s", err.msg);
  anyinfer_transcriber_free(t);
  return st;
}

void anyinfer_transcriber_free(anyinfer_transcriber *t) {
  if (!t) return;
  struct ai_alloc alloc = t->alloc;
  ai_whisper_state_destroy(&t->state);
  ai_backend_free(&t->backend);
  ai_free(&alloc, t->logits);
  ai_free(&alloc, t);
}

const char *anyinfer_transcriber_last_error(const anyinfer_transcriber *t) {
  return t->err.msg;
}

const char *anyinfer_transcriber_backend(const anyinfer_transcriber *t) {
  return t->backend.ops->name;
}

anyinfer_status anyinfer_transcriber_encode(anyinfer_transcriber *t, const float *mel,
                                            size_t n_floats) {
  const struct ai_whisper_hparams *hp = &t->model->whisper.hp;
  size_t want = (size_t)hp->n_mel * 2 * (size_t)hp->n_audio_ctx;
  ai_error_clear(&t->err);
  if (!mel || n_floats != want)
    return ai_error_set(&t->err, ANYINFER_E_INVAL,
                        "transcriber: %zu mel values, the model takes %d bins x %d frames = %zu",
                        n_floats, hp->n_mel, 2 * hp->n_audio_ctx, want);
  ai_whisper_encode(&t->model->whisper, &t->state, mel);
  t->has_window = true;
  return ANYINFER_OK;
}

anyinfer_status anyinfer_transcriber_decode(anyinfer_transcriber *t, const int32_t *tokens,
                                            size_t n_tokens, int32_t pos, const float **logits) {
  const struct ai_whisper_hparams *hp = &t->model->whisper.hp;
  ai_error_clear(&t->err);
  if (!t->has_window)
    return ai_error_set(&t->err, ANYINFER_E_INVAL, "transcriber: decode before any encode");
  if (n_tokens < 1 || pos < 0 || (int64_t)pos + (int64_t)n_tokens > hp->n_text_ctx)
    return ai_error_set(&t->err, ANYINFER_E_CONTEXT_FULL,
                        "transcriber: %zu tokens at position %d, the decoder holds %d", n_tokens,
                        pos, hp->n_text_ctx);
  for (size_t i = 0; i < n_tokens; i++)
    if (tokens[i] < 0 || tokens[i] >= hp->n_vocab)
      return ai_error_set(&t->err, ANYINFER_E_INVAL, "transcriber: token %d out of range [0, %d)",
                          tokens[i], hp->n_vocab);
  ai_whisper_decode(&t->model->whisper, &t->state, 0, tokens, (int32_t)n_tokens, pos, false,
                    t->logits);
  if (logits) *logits = t->logits;
  return ANYINFER_OK;
}
