/* The generation loop of one session: evaluate the prompt, then step a generator (sample,
 * detokenize, hold back possible stop strings) and evaluate each sampled token — until EOG,
 * max_tokens, a stop string, the callback, or the end of the context. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <time.h>

#include "engine/session.h"

void anyinfer_sampler_default_params(anyinfer_sampler_params *p) {
  *p = (anyinfer_sampler_params){.temperature = 0.8f,
                                 .top_k = 40,
                                 .top_p = 0.95f,
                                 .min_p = 0.05f,
                                 .repeat_penalty = 1.0f,
                                 .repeat_last_n = 64,
                                 .seed = 0x5eed};
}

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Steps g until it is done; the stop reason, with *st set on an error. */
static anyinfer_stop_reason run_loop(anyinfer_session *s, anyinfer_generator *g,
                                     const anyinfer_generate_params *p, anyinfer_piece_fn on_piece,
                                     void *user_data, anyinfer_status *st) {
  anyinfer_step step;
  for (;;) {
    if ((*st = anyinfer_generator_step(g, s->logits, s->tokens, (size_t)s->n_past[0], &step))) {
      ai_error_set(&s->err, *st, "%s", anyinfer_generator_last_error(g));
      return ANYINFER_STOP_MAX_TOKENS;
    }
    if (p->on_token && !anyinfer_token_is_eog(s->model, step.token) &&
        !p->on_token(step.token, p->on_token_user_data))
      return ANYINFER_STOP_CALLBACK;
    if (step.len && on_piece && !on_piece(step.text, step.len, user_data))
      return ANYINFER_STOP_CALLBACK;
    if (step.is_done) return step.reason;
    if (s->n_past[0] >= s->n_ctx) {
      anyinfer_generator_finish(g, ANYINFER_STOP_CONTEXT, &step);
      if (step.len && on_piece) on_piece(step.text, step.len, user_data);
      return step.reason;
    }
    if ((*st = ai_session_eval(s, &step.token, 1, NULL))) return ANYINFER_STOP_MAX_TOKENS;
  }
}

anyinfer_status anyinfer_session_generate(anyinfer_session *s, const int32_t *prompt,
                                          size_t n_prompt, const anyinfer_generate_params *params,
                                          anyinfer_piece_fn on_piece, void *user_data,
                                          anyinfer_generate_result *result) {
  anyinfer_generate_params p;
  if (params)
    p = *params;
  else
    anyinfer_generate_default_params(&p);
  char msg[sizeof s->err.msg];
  p.error_buf = msg;
  p.error_cap = sizeof msg;
  ai_error_clear(&s->err);
  anyinfer_generate_result res = {.n_prompt_tokens = (int32_t)n_prompt};
  anyinfer_generator *g = NULL;
  anyinfer_status st;
  if (n_prompt == 0 && !s->has_logits) {
    st = ai_error_set(&s->err, ANYINFER_E_INVAL, "generate: empty prompt and no cached logits");
    goto done;
  }
  if (n_prompt > (size_t)(s->n_ctx - s->n_past[0])) {
    st = ai_error_set(&s->err, ANYINFER_E_CONTEXT_FULL,
                      "generate: prompt of %zu tokens does not fit: context %d, %d used", n_prompt,
                      s->n_ctx, s->n_past[0]);
    goto done;
  }
  if ((st = anyinfer_generator_create(s->model, &p, &g))) {
    ai_error_set(&s->err, st, "%s", msg);
    goto done;
  }
  double t0 = now_seconds();
  if (n_prompt > 0 && (st = ai_session_eval(s, prompt, n_prompt, NULL))) goto done;
  double t1 = now_seconds();
  res.prompt_seconds = t1 - t0;
  res.stop_reason = run_loop(s, g, &p, on_piece, user_data, &st);
  res.n_generated_tokens = anyinfer_generator_n_generated(g);
  res.generate_seconds = now_seconds() - t1;
done:
  anyinfer_generator_free(g);
  if (result) *result = res;
  return st;
}
