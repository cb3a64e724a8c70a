/* The generation loop: evaluate the prompt, then sample, detokenize (never splitting a UTF-8
 * sequence), hold back possible stop-string prefixes, stream text, and evaluate the sampled
 * token — until EOG, max_tokens, a stop string, the callback, or the end of the context. */
#define _POSIX_C_SOURCE 200809L
#include <time.h>

#include "engine/session.h"
#include "text/sampler.h"
#include "text/stop.h"

void anyinfer_sampler_default_params(anyinfer_sampler_params *p) {
  *p = (anyinfer_sampler_params){.temperature = 0.8f,
                                 .top_k = 40,
                                 .top_p = 0.95f,
                                 .min_p = 0.05f,
                                 .repeat_penalty = 1.0f,
                                 .repeat_last_n = 64,
                                 .seed = 0x5eed};
}

void anyinfer_generate_default_params(anyinfer_generate_params *p) {
  *p = (anyinfer_generate_params){.max_tokens = -1};
  anyinfer_sampler_default_params(&p->sampler);
}

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct generation {
  anyinfer_session *s;
  struct ai_sampler *sampler;
  struct ai_stop_matcher *stop;
  struct ai_detok_stream detok;
  anyinfer_piece_fn on_piece;
  void *user_data;
  anyinfer_token_fn on_token;
  void *on_token_user_data;
};

/* Passes text through the stop matcher to the callback. Returns false when generation must end,
 * with *reason set. */
static bool emit(struct generation *g, const char *text, size_t len, bool is_final,
                 anyinfer_stop_reason *reason) {
  struct ai_stop_result r;
  if (is_final)
    ai_stop_flush(g->stop, &r);
  else if (ai_stop_feed(g->stop, text, len, &r, &g->s->err) != ANYINFER_OK)
    return false;
  if (r.len && g->on_piece && !g->on_piece(r.text, r.len, g->user_data)) {
    *reason = ANYINFER_STOP_CALLBACK;
    return false;
  }
  if (r.stopped) {
    *reason = ANYINFER_STOP_STRING;
    return false;
  }
  return true;
}

static anyinfer_stop_reason run_loop(struct generation *g, int32_t max_tokens, int32_t *n_generated,
                                     anyinfer_status *st) {
  anyinfer_session *s = g->s;
  const struct ai_tokenizer *tok = s->model->tokenizer;
  anyinfer_stop_reason reason = ANYINFER_STOP_MAX_TOKENS;
  char piece[256];
  for (;;) {
    if (max_tokens >= 0 && *n_generated >= max_tokens) break;
    int32_t window = s->n_past;
    int32_t token = ai_sampler_sample(g->sampler, s->logits, s->tokens, (size_t)window);
    if (ai_tokenizer_is_eog(tok, token)) {
      reason = ANYINFER_STOP_EOG;
      break;
    }
    (*n_generated)++;
    if (g->on_token && !g->on_token(token, g->on_token_user_data)) return ANYINFER_STOP_CALLBACK;
    size_t len = 0;
    if ((*st = ai_detok_stream_push(&g->detok, tok, token, piece, sizeof piece, &len)) ||
        !emit(g, piece, len, false, &reason)) {
      if (*st == ANYINFER_OK && s->err.status != ANYINFER_OK && reason == ANYINFER_STOP_MAX_TOKENS)
        *st = s->err.status;
      return reason;
    }
    if (max_tokens >= 0 && *n_generated >= max_tokens) break;
    if (s->n_past >= s->n_ctx) {
      reason = ANYINFER_STOP_CONTEXT;
      break;
    }
    if ((*st = ai_session_eval(s, &token, 1, NULL))) return reason;
  }
  size_t len = 0;
  if (ai_detok_stream_flush(&g->detok, piece, sizeof piece, &len) == ANYINFER_OK && len)
    if (!emit(g, piece, len, false, &reason)) return reason;
  emit(g, NULL, 0, true, &reason);
  return reason;
}

anyinfer_status anyinfer_session_generate(anyinfer_session *s, const int32_t *prompt,
                                          size_t n_prompt, const anyinfer_generate_params *params,
                                          anyinfer_piece_fn on_piece, void *user_data,
                                          anyinfer_generate_result *result) {
  anyinfer_generate_params defaults;
  anyinfer_generate_default_params(&defaults);
  const anyinfer_generate_params *p = params ? params : &defaults;
  ai_error_clear(&s->err);
  anyinfer_generate_result res = {.n_prompt_tokens = (int32_t)n_prompt};
  struct generation g = {.s = s,
                         .on_piece = on_piece,
                         .user_data = user_data,
                         .on_token = p->on_token,
                         .on_token_user_data = p->on_token_user_data};
  anyinfer_status st;
  if (n_prompt == 0 && !s->has_logits) {
    st = ai_error_set(&s->err, ANYINFER_E_INVAL, "generate: empty prompt and no cached logits");
    goto done;
  }
  if (n_prompt > (size_t)(s->n_ctx - s->n_past)) {
    st = ai_error_set(&s->err, ANYINFER_E_CONTEXT_FULL,
                      "generate: prompt of %zu tokens does not fit: context %d, %d used", n_prompt,
                      s->n_ctx, s->n_past);
    goto done;
  }
  if ((st = ai_sampler_create(&s->alloc, &p->sampler, s->model->llama.hp.n_vocab, &g.sampler,
                              &s->err)) ||
      (st = ai_stop_create(&s->alloc, p->stop, p->n_stop, &g.stop, &s->err)))
    goto done;
  ai_detok_stream_init(&g.detok, s->model->tokenizer, false);
  double t0 = now_seconds();
  if (n_prompt > 0 && (st = ai_session_eval(s, prompt, n_prompt, NULL))) goto done;
  double t1 = now_seconds();
  res.prompt_seconds = t1 - t0;
  res.stop_reason = run_loop(&g, p->max_tokens, &res.n_generated_tokens, &st);
  res.generate_seconds = now_seconds() - t1;
done:
  ai_stop_free(g.stop);
  ai_sampler_free(g.sampler);
  if (result) *result = res;
  return st;
}
