/* Sessions: the KV cache and activations of one conversation on one backend, and evaluation of
 * tokens into it. */
#include "engine/session.h"

#include <stdio.h>
#include <string.h>

#include "backend/cpu/cpu_backend.h"
#include "backend/webgpu/webgpu_backend.h"
#include "base/threadpool.h"

/* Default batch: 256 tokens keep activation scratch near 30 MiB for 1B-class models while
 * giving the gemm kernels full tiles. */
#define DEFAULT_N_BATCH 256
#define DEFAULT_MAX_CTX 4096
/* Slots are for server-style batching; beyond a few hundred the per-step overhead dominates. */
#define MAX_SEQ 256

struct llama_build {
  const anyinfer_model *model;
  int32_t n_ctx, n_batch, n_seq;
  struct ai_llama_state *state;
};

static anyinfer_status llama_build(void *ctx, struct ai_backend *b, struct ai_error *err) {
  const struct llama_build *lb = ctx;
  return ai_llama_state_create(&lb->model->llama, b, lb->model->weights, lb->model->weights_bytes,
                               lb->n_ctx, lb->n_batch, lb->n_seq, lb->state, err);
}

static void llama_drop(void *ctx) {
  ai_llama_state_destroy(((const struct llama_build *)ctx)->state);
}

void anyinfer_session_default_params(anyinfer_session_params *p) {
  *p = (anyinfer_session_params){
      .n_ctx = 0, .n_batch = DEFAULT_N_BATCH, .n_seq = 1, .n_threads = 0, .backend = "cpu"};
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
  if (model->is_whisper) {
    st = ai_error_set(&err, ANYINFER_E_UNSUPPORTED,
                      "session: a whisper model transcribes (anyinfer_transcriber_create)");
    goto fail_early;
  }
  const struct ai_llama_hparams *hp = &model->llama.hp;
  int32_t n_ctx = p->n_ctx > 0                        ? p->n_ctx
                  : hp->n_ctx_train < DEFAULT_MAX_CTX ? hp->n_ctx_train
                                                      : DEFAULT_MAX_CTX;
  int32_t n_batch = p->n_batch > 0 ? p->n_batch : DEFAULT_N_BATCH;
  if (n_batch > n_ctx) n_batch = n_ctx;
  int n_threads = p->n_threads > 0 ? p->n_threads : ai_cpu_count();
  int32_t n_seq = p->n_seq > 0 ? p->n_seq : 1;
  if (n_ctx < 1 || n_ctx > (1 << 24) || p->n_threads < 0 || p->n_batch < 0 || p->n_seq < 0 ||
      p->n_seq > MAX_SEQ) {
    st = ai_error_set(&err, ANYINFER_E_INVAL,
                      "session: n_ctx %d, n_batch %d, n_seq %d (at most %d), n_threads %d out of "
                      "range",
                      p->n_ctx, p->n_batch, p->n_seq, MAX_SEQ, p->n_threads);
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
  s->n_seq = n_seq;
  struct ai_cpu_backend_params bp = {
      .n_threads = n_threads,
      .max_k = hp->n_ff > hp->n_embd ? hp->n_ff : hp->n_embd,
      .max_tok = n_batch,
      .max_ctx = n_ctx,
      .isa = ai_isa_detect(),
  };
  s->n_past = ai_calloc(&s->alloc, (size_t)n_seq, sizeof *s->n_past);
  s->tokens = ai_calloc(&s->alloc, (size_t)n_ctx * (size_t)n_seq, sizeof *s->tokens);
  s->logits = ai_calloc(&s->alloc, (size_t)hp->n_vocab * (size_t)n_seq, sizeof *s->logits);
  s->batch_tokens = ai_calloc(&s->alloc, (size_t)n_batch, sizeof *s->batch_tokens);
  if (!s->n_past || !s->tokens || !s->logits || !s->batch_tokens) {
    st = ai_error_set(&err, ANYINFER_E_NOMEM, "session: out of memory");
    goto fail;
  }
  struct llama_build lb = {model, n_ctx, n_batch, n_seq, &s->state};
  const struct ai_state_builder sb = {llama_build, llama_drop, &lb};
  if ((st = ai_engine_open_backend(model, &s->alloc, "session", p->backend, &bp, &sb, &s->backend,
                                   &err)))
    goto fail;
  ai_log(&model->log, ANYINFER_LOG_DEBUG,
         "session: %s backend (CPU side: %s, %d threads), n_ctx %d, %d slots", s->backend.ops->name,
         ai_isa_name(bp.isa), n_threads, n_ctx, n_seq);
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
  ai_free(&alloc, s->n_past);
  ai_free(&alloc, s->batch_tokens);
  ai_free(&alloc, s->tokens);
  ai_free(&alloc, s->logits);
  ai_free(&alloc, s);
}

const char *anyinfer_session_last_error(const anyinfer_session *s) {
  return s->err.msg;
}

int32_t anyinfer_session_n_past(const anyinfer_session *s) {
  return s->n_past[0];
}

int32_t anyinfer_session_n_ctx(const anyinfer_session *s) {
  return s->n_ctx;
}
const char *anyinfer_session_backend(const anyinfer_session *s) {
  return s->backend.ops->name;
}

anyinfer_status anyinfer_devices_describe(char *buf, size_t cap, size_t *len) {
  struct ai_error err;
  ai_error_clear(&err);
  anyinfer_status st = ai_webgpu_describe(buf, cap, &err);
  if (st) snprintf(buf, cap, "%s\n", err.msg);
  if (len) *len = cap ? strlen(buf) : 0;
  return st;
}

int32_t anyinfer_session_n_seq(const anyinfer_session *s) {
  return s->n_seq;
}

int32_t anyinfer_session_n_batch(const anyinfer_session *s) {
  return s->n_batch;
}

int32_t anyinfer_session_seq_n_past(const anyinfer_session *s, int32_t seq) {
  return seq >= 0 && seq < s->n_seq ? s->n_past[seq] : 0;
}

const int32_t *anyinfer_session_seq_tokens(const anyinfer_session *s, int32_t seq) {
  return seq >= 0 && seq < s->n_seq ? s->tokens + (size_t)seq * (size_t)s->n_ctx : NULL;
}

anyinfer_status anyinfer_session_seq_truncate(anyinfer_session *s, int32_t seq, int32_t n_past) {
  if (seq < 0 || seq >= s->n_seq)
    return ai_error_set(&s->err, ANYINFER_E_INVAL, "session: slot %d, session has %d", seq,
                        s->n_seq);
  if (n_past < 0 || n_past > s->n_past[seq])
    return ai_error_set(&s->err, ANYINFER_E_INVAL,
                        "session: truncate slot %d to %d, its cache holds %d", seq, n_past,
                        s->n_past[seq]);
  s->n_past[seq] = n_past;
  if (seq == 0) s->has_logits = false;
  return ANYINFER_OK;
}

anyinfer_status anyinfer_session_truncate(anyinfer_session *s, int32_t n_past) {
  return anyinfer_session_seq_truncate(s, 0, n_past);
}

struct logits_sink {
  anyinfer_session *s;
  float *all_out; /* every token's logits, or NULL: each sequence's last goes to s->logits */
  int64_t base;   /* batch offset within the call */
  int64_t last;   /* index of the call's last token */
};

static void take_logits(const float *logits, int64_t r0, int64_t n, void *user_data) {
  struct logits_sink *k = user_data;
  size_t n_vocab = (size_t)k->s->model->llama.hp.n_vocab;
  if (!k->all_out) {
    memcpy(k->s->logits + (size_t)r0 * n_vocab, logits, (size_t)n * n_vocab * sizeof(float));
    return;
  }
  memcpy(k->all_out + (size_t)(k->base + r0) * n_vocab, logits,
         (size_t)n * n_vocab * sizeof(float));
  if (k->base + r0 + n - 1 == k->last)
    memcpy(k->s->logits, logits + (size_t)(n - 1) * n_vocab, n_vocab * sizeof(float));
}

/* ANYINFER_E_INVAL naming the first token outside the vocabulary. */
static anyinfer_status check_tokens(anyinfer_session *s, const int32_t *tokens, size_t n) {
  int32_t n_vocab = s->model->llama.hp.n_vocab;
  for (size_t i = 0; i < n; i++)
    if (tokens[i] < 0 || tokens[i] >= n_vocab)
      return ai_error_set(&s->err, ANYINFER_E_INVAL, "session: token %d at %zu, vocabulary has %d",
                          tokens[i], i, n_vocab);
  return ANYINFER_OK;
}

/* Records that tokens[0..n) now follow slot seq's cache. */
static void append_tokens(anyinfer_session *s, int32_t seq, const int32_t *tokens, int32_t n) {
  memcpy(s->tokens + (size_t)seq * (size_t)s->n_ctx + s->n_past[seq], tokens,
         (size_t)n * sizeof *tokens);
  s->n_past[seq] += n;
}

anyinfer_status ai_session_eval(anyinfer_session *s, const int32_t *tokens, size_t n,
                                float *all_out) {
  anyinfer_status st;
  if (n == 0) return ai_error_set(&s->err, ANYINFER_E_INVAL, "session: no tokens to evaluate");
  if (n > (size_t)(s->n_ctx - s->n_past[0]))
    return ai_error_set(&s->err, ANYINFER_E_CONTEXT_FULL,
                        "session: %zu tokens do not fit: %d of %d context positions are used", n,
                        s->n_past[0], s->n_ctx);
  if ((st = check_tokens(s, tokens, n))) return st;
  struct logits_sink sink = {s, all_out, 0, (int64_t)n - 1};
  for (size_t done = 0; done < n;) {
    int32_t chunk = (int32_t)(n - done < (size_t)s->n_batch ? n - done : (size_t)s->n_batch);
    sink.base = (int64_t)done;
    bool last_chunk = done + (size_t)chunk == n;
    /* Only the call's last token needs logits, unless every token's are asked for. */
    bool wants_logits = all_out || last_chunk;
    struct ai_llama_seq seq = {.slot = 0, .pos0 = s->n_past[0], .n_tok = chunk};
    ai_llama_forward(&s->model->llama, &s->state, tokens + done, &seq, 1, all_out != NULL,
                     wants_logits ? take_logits : NULL, &sink);
    append_tokens(s, 0, tokens + done, chunk);
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

/* Checks a batch before anything is evaluated; fills seqs and the concatenated token list. */
static anyinfer_status plan_batch(anyinfer_session *s, const anyinfer_batch_item *items,
                                  size_t n_items, struct ai_llama_seq *seqs, int32_t *all) {
  anyinfer_status st;
  if (n_items == 0 || n_items > (size_t)s->n_seq)
    return ai_error_set(&s->err, ANYINFER_E_INVAL, "session: batch of %zu items, 1 to %d allowed",
                        n_items, s->n_seq);
  int64_t n_tok = 0;
  for (size_t i = 0; i < n_items; i++) {
    const anyinfer_batch_item *it = &items[i];
    if (it->seq < 0 || it->seq >= s->n_seq || it->n_tokens < 1 || !it->tokens)
      return ai_error_set(&s->err, ANYINFER_E_INVAL,
                          "session: batch item %zu: slot %d (of %d), %d tokens", i, it->seq,
                          s->n_seq, it->n_tokens);
    for (size_t j = 0; j < i; j++)
      if (items[j].seq == it->seq)
        return ai_error_set(&s->err, ANYINFER_E_INVAL,
                            "session: batch items %zu and %zu both use slot %d", j, i, it->seq);
    n_tok += it->n_tokens;
    if (n_tok > s->n_batch)
      return ai_error_set(&s->err, ANYINFER_E_INVAL,
                          "session: batch holds more than n_batch %d tokens", s->n_batch);
    if (it->n_tokens > s->n_ctx - s->n_past[it->seq])
      return ai_error_set(&s->err, ANYINFER_E_CONTEXT_FULL,
                          "session: batch item %zu: %d tokens do not fit slot %d: %d of %d "
                          "positions are used",
                          i, it->n_tokens, it->seq, s->n_past[it->seq], s->n_ctx);
    if ((st = check_tokens(s, it->tokens, (size_t)it->n_tokens))) return st;
    memcpy(all + n_tok - it->n_tokens, it->tokens, (size_t)it->n_tokens * sizeof *all);
    seqs[i] =
        (struct ai_llama_seq){.slot = it->seq, .pos0 = s->n_past[it->seq], .n_tok = it->n_tokens};
  }
  return ANYINFER_OK;
}

anyinfer_status anyinfer_session_decode_batch(anyinfer_session *s, const anyinfer_batch_item *items,
                                              size_t n_items, const float **logits) {
  struct ai_llama_seq seqs[MAX_SEQ];
  int32_t *all = s->batch_tokens;
  if (logits) *logits = NULL;
  anyinfer_status st = plan_batch(s, items, n_items, seqs, all);
  if (st) return st;
  struct logits_sink sink = {s, NULL, 0, 0};
  ai_llama_forward(&s->model->llama, &s->state, all, seqs, (int32_t)n_items, false, take_logits,
                   &sink);
  for (size_t i = 0; i < n_items; i++)
    append_tokens(s, items[i].seq, items[i].tokens, items[i].n_tokens);
  s->has_logits = false;
  if (logits) *logits = s->logits;
  return ANYINFER_OK;
}
