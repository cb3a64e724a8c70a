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
  int32_t n_ctx, n_batch;
  int32_t n_past;  /* tokens in the KV cache */
  int32_t *tokens; /* n_ctx: the tokens in the cache, for repetition penalties */
  float *logits;   /* n_vocab: logits of the last evaluated token */
  bool has_logits;
  struct ai_error err; /* detail of the last failed call */
};

/* Evaluates tokens after the cache in n_batch chunks; the last token's logits land in s->logits,
 * and, if all_out is non-NULL, every token's logits in all_out (n × n_vocab). */
anyinfer_status ai_session_eval(anyinfer_session *s, const int32_t *tokens, size_t n,
                                float *all_out);

#endif
