/* The per-token step of generation, shared by anyinfer_session_generate and any caller that runs
 * its own (batched) forward passes: an optional JSON constraint masks the logits, the sampler
 * draws, the detokenizer releases whole UTF-8 sequences, the stop matcher holds back what might
 * become a stop string. The model's logits come in; text and a stop decision go out. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/engine.h"
#include "text/json_grammar.h"
#include "text/sampler.h"
#include "text/stop.h"

struct anyinfer_generator {
  const anyinfer_model *model;
  struct ai_alloc alloc;
  struct ai_sampler *sampler;
  struct ai_stop_matcher *stop;
  struct ai_detok_stream detok;
  int32_t max_tokens;   /* -1: no limit */
  int32_t n_generated;  /* tokens sampled, EOG excluded */
  bool has_logprobs;    /* steps compute log-probabilities */
  int32_t top_logprobs; /* alternatives per step */
  bool is_done;
  bool is_json;              /* JSON-object constraint on */
  struct ai_json_state json; /* the text so far, when is_json */
  float *masked;             /* n_vocab: the constrained logits, when is_json */
  char *text;                /* the current step's text */
  size_t text_len, text_cap;
  struct ai_error err;
};

void anyinfer_generate_default_params(anyinfer_generate_params *p) {
  *p = (anyinfer_generate_params){.max_tokens = -1};
  anyinfer_sampler_default_params(&p->sampler);
}

/* Room for a piece plus an incomplete UTF-8 sequence held by the detokenizer. */
#define PIECE_CAP 256

anyinfer_status anyinfer_generator_create(const anyinfer_model *model,
                                          const anyinfer_generate_params *params,
                                          anyinfer_generator **out) {
  anyinfer_generate_params defaults;
  anyinfer_generate_default_params(&defaults);
  const anyinfer_generate_params *p = params ? params : &defaults;
  struct ai_error err;
  ai_error_clear(&err);
  anyinfer_status st;
  *out = NULL;
  int32_t n_vocab = (int32_t)ai_tokenizer_n_vocab(model->tokenizer);
  anyinfer_generator *g = ai_calloc(&model->alloc, 1, sizeof *g);
  if (!g) {
    st = ai_error_set(&err, ANYINFER_E_NOMEM, "generator: out of memory");
    goto fail;
  }
  *g = (anyinfer_generator){.model = model,
                            .alloc = model->alloc,
                            .max_tokens = p->max_tokens,
                            .has_logprobs = p->has_logprobs,
                            .top_logprobs = p->top_logprobs,
                            .is_json = p->is_json_object,
                            .text_cap = PIECE_CAP * 2};
  if (p->top_logprobs < 0 || p->top_logprobs > ANYINFER_MAX_TOP_LOGPROBS) {
    st = ai_error_set(&err, ANYINFER_E_INVAL, "generator: top_logprobs %d, must be in [0, %d]",
                      p->top_logprobs, ANYINFER_MAX_TOP_LOGPROBS);
    goto fail;
  }
  if ((st = ai_sampler_create(&g->alloc, &p->sampler, n_vocab, &g->sampler, &err)) ||
      (st = ai_stop_create(&g->alloc, p->stop, p->n_stop, &g->stop, &err)))
    goto fail;
  g->text = ai_malloc(&g->alloc, g->text_cap);
  if (g->is_json) g->masked = ai_calloc(&g->alloc, (size_t)n_vocab, sizeof *g->masked);
  if (!g->text || (g->is_json && !g->masked)) {
    st = ai_error_set(&err, ANYINFER_E_NOMEM, "generator: out of memory");
    goto fail;
  }
  ai_json_init(&g->json, true);
  ai_detok_stream_init(&g->detok, model->tokenizer, false);
  *out = g;
  return ANYINFER_OK;
fail:
  anyinfer_generator_free(g);
  if (p->error_buf && p->error_cap) snprintf(p->error_buf, p->error_cap, "%s", err.msg);
  ai_log(&model->log, ANYINFER_LOG_ERROR, "%s", err.msg);
  return st;
}

void anyinfer_generator_free(anyinfer_generator *g) {
  if (!g) return;
  struct ai_alloc alloc = g->alloc;
  ai_sampler_free(g->sampler);
  ai_stop_free(g->stop);
  ai_free(&alloc, g->masked);
  ai_free(&alloc, g->text);
  ai_free(&alloc, g);
}

const char *anyinfer_generator_last_error(const anyinfer_generator *g) {
  return g->err.msg;
}

int32_t anyinfer_generator_n_generated(const anyinfer_generator *g) {
  return g->n_generated;
}

/* Appends to the step's text; ANYINFER_E_NOMEM leaves it unchanged. */
static anyinfer_status append_text(anyinfer_generator *g, const char *text, size_t len) {
  if (len == 0) return ANYINFER_OK;
  if (g->text_len + len > g->text_cap) {
    size_t cap = (g->text_len + len) * 2;
    char *grown = ai_realloc(&g->alloc, g->text, cap);
    if (!grown) return ai_error_set(&g->err, ANYINFER_E_NOMEM, "generator: out of memory");
    g->text = grown;
    g->text_cap = cap;
  }
  memcpy(g->text + g->text_len, text, len);
  g->text_len += len;
  return ANYINFER_OK;
}

/* Feeds a piece through the stop matcher; *is_stopped when a stop string completed. */
static anyinfer_status feed_stop(anyinfer_generator *g, const char *piece, size_t len,
                                 bool *is_stopped) {
  struct ai_stop_result r;
  anyinfer_status st = ai_stop_feed(g->stop, piece, len, &r, &g->err);
  if (st) return st;
  *is_stopped = r.stopped;
  return append_text(g, r.text, r.len);
}

static void set_out(anyinfer_generator *g, anyinfer_step *out) {
  out->text = g->text;
  out->len = g->text_len;
  out->is_done = g->is_done;
}

/* Ends generation: the held-back text joins the step's text. */
static void end_generation(anyinfer_generator *g, anyinfer_stop_reason reason, anyinfer_step *out) {
  g->is_done = true;
  out->reason = reason;
  char held[8];
  size_t len = 0;
  bool is_stopped = false;
  if (ai_detok_stream_flush(&g->detok, held, sizeof held, &len) == ANYINFER_OK && len &&
      feed_stop(g, held, len, &is_stopped) == ANYINFER_OK && is_stopped)
    out->reason = ANYINFER_STOP_STRING;
  if (!is_stopped) {
    struct ai_stop_result r;
    ai_stop_flush(g->stop, &r);
    /* Out of memory here loses only the held tail; the reason still stands. */
    (void)append_text(g, r.text, r.len);
  }
}

void anyinfer_generator_finish(anyinfer_generator *g, anyinfer_stop_reason reason,
                               anyinfer_step *out) {
  *out = (anyinfer_step){.token = -1, .reason = reason};
  g->text_len = 0;
  if (!g->is_done) end_generation(g, reason, out);
  set_out(g, out);
}

/* Masks every token whose bytes cannot continue the JSON text so far. Returns the logits to
 * sample from. */
static const float *constrain(anyinfer_generator *g, const float *logits) {
  const struct ai_tokenizer *tok = g->model->tokenizer;
  int32_t n_vocab = (int32_t)ai_tokenizer_n_vocab(tok);
  char piece[PIECE_CAP];
  for (int32_t t = 0; t < n_vocab; t++) {
    size_t len = 0;
    struct ai_json_state trial = g->json;
    bool is_allowed = !ai_tokenizer_is_eog(tok, t) &&
                      ai_tokenizer_piece(tok, t, piece, sizeof piece, &len) == ANYINFER_OK &&
                      len > 0 && ai_json_feed(&trial, piece, len);
    g->masked[t] = is_allowed ? logits[t] : -INFINITY;
  }
  return g->masked;
}

/* Log-softmax of token and the top n alternatives of logits. */
static void fill_logprobs(const anyinfer_generator *g, const float *logits, anyinfer_step *out) {
  int32_t n_vocab = (int32_t)ai_tokenizer_n_vocab(g->model->tokenizer);
  float max = -INFINITY;
  for (int32_t t = 0; t < n_vocab; t++)
    if (logits[t] > max) max = logits[t];
  double sum = 0;
  for (int32_t t = 0; t < n_vocab; t++) sum += exp((double)logits[t] - max);
  float log_z = max + (float)log(sum);
  out->logprob = logits[out->token] - log_z;
  out->n_top = 0;
  int32_t k = g->top_logprobs;
  for (int32_t t = 0; t < n_vocab && k > 0; t++) {
    float lp = logits[t] - log_z;
    if (logits[t] == -INFINITY || (out->n_top == k && lp <= out->top[k - 1].logprob)) continue;
    int32_t i = out->n_top < k ? out->n_top++ : k - 1; /* insertion sort into the top k */
    for (; i > 0 && out->top[i - 1].logprob < lp; i--) out->top[i] = out->top[i - 1];
    out->top[i] = (anyinfer_token_logprob){t, lp};
  }
}

anyinfer_status anyinfer_generator_step(anyinfer_generator *g, const float *logits,
                                        const int32_t *history, size_t n_history,
                                        anyinfer_step *out) {
  const struct ai_tokenizer *tok = g->model->tokenizer;
  ai_error_clear(&g->err);
  *out = (anyinfer_step){.token = -1, .reason = ANYINFER_STOP_MAX_TOKENS};
  g->text_len = 0;
  if (g->is_done) return ai_error_set(&g->err, ANYINFER_E_INVAL, "generator: already done");
  const float *l = g->is_json ? constrain(g, logits) : logits;
  out->token = ai_sampler_sample(g->sampler, l, history, n_history);
  if (out->token < 0)
    return ai_error_set(&g->err, ANYINFER_E_INVAL,
                        "generator: no token can be drawn (every logit is -inf after bias%s)",
                        g->is_json ? " and the JSON constraint" : "");
  if (g->has_logprobs) fill_logprobs(g, l, out);
  if (ai_tokenizer_is_eog(tok, out->token)) {
    end_generation(g, ANYINFER_STOP_EOG, out);
    set_out(g, out);
    return ANYINFER_OK;
  }
  g->n_generated++;
  char piece[PIECE_CAP];
  size_t len = 0;
  bool is_stopped = false;
  anyinfer_status st = ai_detok_stream_push(&g->detok, tok, out->token, piece, sizeof piece, &len);
  if (st)
    return ai_error_set(&g->err, st, "generator: token %d: piece over %d bytes", out->token,
                        PIECE_CAP);
  if ((st = feed_stop(g, piece, len, &is_stopped))) return st;
  if (g->is_json) {
    size_t raw = 0;
    if (ai_tokenizer_piece(tok, out->token, piece, sizeof piece, &raw) == ANYINFER_OK)
      ai_json_feed(&g->json, piece, raw);
  }
  if (is_stopped) {
    g->is_done = true;
    out->reason = ANYINFER_STOP_STRING;
  } else if (g->is_json && ai_json_is_complete(&g->json)) {
    end_generation(g, ANYINFER_STOP_EOG, out);
  } else if (g->max_tokens >= 0 && g->n_generated >= g->max_tokens) {
    end_generation(g, ANYINFER_STOP_MAX_TOKENS, out);
  }
  set_out(g, out);
  return ANYINFER_OK;
}
