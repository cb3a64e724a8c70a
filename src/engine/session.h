/* The session handle, shared by session.c and generate.c. */
#ifndef AI_ENGINE_SESSION_H
#define AI_ENGINE_SESSION_H

#include "backend/backend.h"
#include "engine/engine.h"

struct anyinfer_session {
  const anyinfer_model *model;
  struct ai_alloc alloc;
  struct ai_backend backend;
  struct ai_llama_state state;
  int32_t n_ctx, n_batch, n_seq;
  int32_t *n_past; /* n_seq: tokens in each slot's KV cache */
  int32_t *tokens; /* n_seq × n_ctx: the tokens in each slot's cache (penalties, prefix reuse) */
  float *logits;   /* n_seq × n_vocab: row 0 the last token of a slot-0 eval, or row i item i's
                      last token after a batch */
  int32_t *batch_tokens; /* n_batch: a batch's tokens, concatenated in item order */
  bool has_logits;       /* row 0 holds slot 0's next-token logits */
  struct ai_error err;   /* detail of the last failed call */
};

/* Evaluates tokens after slot 0's cache in n_batch chunks; the last token's logits land in
 * s->logits, and, if all_out is non-NULL, every token's logits in all_out (n × n_vocab). */
anyinfer_status ai_session_eval(anyinfer_session *s, const int32_t *tokens, size_t n,
                                float *all_out);

#endif
