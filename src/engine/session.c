/* Sessions: the KV cache and activations of one conversation on one backend, and evaluation of
 * tokens into it. */
#include "engine/session.h"

#include <string.h>

#include "backend/cpu/cpu_backend.h"
#include "base/threadpool.h"

/* Default batch: 256 tokens keep activation scratch near 30 MiB for 1B-class models while
 * giving the gemm kernels full tiles. */
#define DEFAULT_N_BATCH 256
#define DEFAULT_MAX_CTX 4096

void anyinfer_session_default_params(anyinfer_session_params *p) {
  *p = (anyinfer_session_params){
      .n_ctx = 0, .n_batch = DEFAULT_N_BATCH, .n_threads = 0, .backend = "cpu"};
}

anyinfer_status anyinfer_session_create(const anyinfer_model *model,
                                        const anyinfer_session_params *params,
                                        anyinfer_session **out) {
  anyinfer_session_params defaults;
  anyinfer_session_default_params(&defaults);
  const anyinfer_session_params *p = params ? params : &defaults;
  struct ai_error err;
  ai_error_clear(&err);
  anyinfer_status st;
  *out = NULL;
  if (!model->has_weights) {
    st = ai_error_set(&err, ANYINFER_E_INVAL, "session: the model was loaded without weights");
    goto fail_early;
  }
  const struct ai_llama_hparams *hp = &model->llama.hp;
  int32_t n_ctx = p->n_ctx > 0                        ? p->n_ctx
                  : hp->n_ctx_train < DEFAULT_MAX_CTX ? hp->n_ctx_train
                                                      : DEFAULT_MAX_CTX;
  int32_t n_batch = p->n_batch > 0 ? p->n_batch : DEFAULT_N_BATCH;
  if (n_batch > n_ctx) n_batch = n_ctx;
  int n_threads = p->n_threads > 0 ? p->n_threads : ai_cpu_count();
  if (n_ctx < 1 || n_ctx > (1 << 24) || p->n_threads < 0 || p->n_batch < 0) {
    st = ai_error_set(&err, ANYINFER_E_INVAL,
                      "session: n_ctx %d, n_batch %d, n_threads %d out of range", p->n_ctx,
                      p->n_batch, p->n_threads);
    goto fail_early;
  }
  if (p->backend && strcmp(p->backend, "cpu") != 0) {
    st = ai_error_set(&err, ANYINFER_E_UNSUPPORTED, "session: backend '%s' is not available (cpu)",
                      p->backend);
    goto fail_early;
  }
  anyinfer_session *s = ai_calloc(&model->alloc, 1, sizeof *s);
  if (!s) {
    st = ai_error_set(&err, ANYINFER_E_NOMEM, "session: out of memory");
    goto fail_early;
  }
  s->model = model;
  s->alloc = model->alloc;
  s->n_ctx = n_ctx;
  s->n_batch = n_batch;
  struct ai_cpu_backend_params bp = {
      .n_threads = n_threads,
      .max_k = hp->n_ff > hp->n_embd ? hp->n_ff : hp->n_embd,
      .max_tok = n_batch,
      .max_ctx = n_ctx,
      .isa = ai_isa_detect(),
  };
  s->tokens = ai_calloc(&s->alloc, (size_t)n_ctx, sizeof *s->tokens);
  s->logits = ai_calloc(&s->alloc, (size_t)hp->n_vocab, sizeof *s->logits);
  if (!s->tokens || !s->logits) {
    st = ai_error_set(&err, ANYINFER_E_NOMEM, "session: out of memory");
    goto fail;
  }
  if ((st = ai_cpu_backend_create(&s->alloc, &bp, &s->backend, &err)) ||
      (st = ai_llama_state_create(&model->llama, &s->backend, model->weights, model->weights_bytes,
                                  n_ctx, n_batch, &s->state, &err)))
    goto fail;
  ai_log(&model->log, ANYINFER_LOG_DEBUG, "session: cpu backend (%s), %d threads, n_ctx %d",
         ai_isa_name(bp.isa), n_threads, n_ctx);
  *out = s;
  return ANYINFER_OK;
fail:
  anyinfer_session_free(s);
fail_early:
  ai_log(&model->log, ANYINFER_LOG_ERROR, "%s", err.msg);
  return st;
}

void anyinfer_session_free(anyinfer_session *s) {
  if (!s) return;
  struct ai_alloc alloc = s->alloc;
  ai_llama_state_destroy(&s->state);
  ai_backend_free(&s->backend);
  ai_free(&alloc, s->tokens);
  ai_free(&alloc, s->logits);
  ai_free(&alloc, s);
}

const char *anyinfer_session_last_error(const anyinfer_session *s) {
  return s->err.msg;
}

int32_t anyinfer_session_n_past(const anyinfer_session *s) {
  return s->n_past;
}

int32_t anyinfer_session_n_ctx(const anyinfer_session *s) {
  return s->n_ctx;
}

anyinfer_status anyinfer_session_truncate(anyinfer_session *s, int32_t n_past) {
  if (n_past < 0 || n_past > s->n_past)
    return ai_error_set(&s->err, ANYINFER_E_INVAL, "session: truncate to %d, cache holds %d",
                        n_past, s->n_past);
  s->n_past = n_past;
  s->has_logits = false;
  return ANYINFER_OK;
}

struct logits_sink {
  anyinfer_session *s;
  float *all_out; /* every token's logits, or NULL */
  int64_t base;   /* batch offset within the call */
  int64_t last;   /* index of the call's last token */
};

static void take_logits(const float *logits, int64_t t0, int64_t n, void *user_data) {
  struct logits_sink *k = user_data;
  size_t n_vocab = (size_t)k->s->model->llama.hp.n_vocab;
  if (k->all_out)
    memcpy(k->all_out + (size_t)(k->base + t0) * n_vocab, logits,
           (size_t)n * n_vocab * sizeof(float));
  if (k->base + t0 + n - 1 == k->last)
    memcpy(k->s->logits, logits + (size_t)(n - 1) * n_vocab, n_vocab * sizeof(float));
}

anyinfer_status ai_session_eval(anyinfer_session *s, const int32_t *tokens, size_t n,
                                float *all_out) {
  int32_t n_vocab = s->model->llama.hp.n_vocab;
  if (n == 0) return ai_error_set(&s->err, ANYINFER_E_INVAL, "session: no tokens to evaluate");
  if (n > (size_t)(s->n_ctx - s->n_past))
    return ai_error_set(&s->err, ANYINFER_E_CONTEXT_FULL,
                        "session: %zu tokens do not fit: %d of %d context positions are used", n,
                        s->n_past, s->n_ctx);
  for (size_t i = 0; i < n; i++)
    if (tokens[i] < 0 || tokens[i] >= n_vocab)
      return ai_error_set(&s->err, ANYINFER_E_INVAL, "session: token %d at %zu, vocabulary has %d",
                          tokens[i], i, n_vocab);
  struct logits_sink sink = {s, all_out, 0, (int64_t)n - 1};
  for (size_t done = 0; done < n;) {
    int32_t chunk = (int32_t)(n - done < (size_t)s->n_batch ? n - done : (size_t)s->n_batch);
    sink.base = (int64_t)done;
    bool last_chunk = done + (size_t)chunk == n;
    /* Only the call's last token needs logits, unless every token's are asked for. */
    bool wants_logits = all_out || last_chunk;
    ai_llama_forward(&s->model->llama, &s->state, tokens + done, chunk, s->n_past, all_out != NULL,
                     wants_logits ? take_logits : NULL, &sink);
    memcpy(s->tokens + s->n_past, tokens + done, (size_t)chunk * sizeof *tokens);
    s->n_past += chunk;
    done += (size_t)chunk;
  }
  s->has_logits = true;
  return ANYINFER_OK;
}

anyinfer_status anyinfer_session_decode(anyinfer_session *s, const int32_t *tokens, size_t n_tokens,
                                        const float **logits) {
  anyinfer_status st = ai_session_eval(s, tokens, n_tokens, NULL);
  if (logits) *logits = st == ANYINFER_OK ? s->logits : NULL;
  return st;
}

anyinfer_status anyinfer_session_decode_all(anyinfer_session *s, const int32_t *tokens,
                                            size_t n_tokens, float *out) {
  if (!out) return ai_error_set(&s->err, ANYINFER_E_INVAL, "session: out must not be NULL");
  return ai_session_eval(s, tokens, n_tokens, out);
}
