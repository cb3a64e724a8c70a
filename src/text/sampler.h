/* Token sampling from logits: llama.cpp's common sampler chain (common/sampling.cpp) in one pass —
 * logit bias, penalties, top-k, top-p, min-p, temperature, softmax, seeded draw. The sampler owns
 * its PRNG and every buffer, sized at create, so sampling a token never allocates. */
#ifndef AI_TEXT_SAMPLER_H
#define AI_TEXT_SAMPLER_H

#include <stddef.h>
#include <stdint.h>

#include "anyinfer.h"
#include "base/alloc.h"
#include "base/error.h"

struct ai_sampler;

/* Creates a sampler over a vocabulary of n_vocab tokens with params p (non-NULL; callers fill it
 * with anyinfer_sampler_default_params first). The logit bias list is copied. On success *out is
 * owned by the caller (ai_sampler_free); on failure *out is NULL and nothing stays allocated.
 * ANYINFER_E_INVAL: n_vocab < 1, a bias token outside [0, n_vocab), top_k < 0, top_p or min_p
 * outside [0, 1], repeat_penalty <= 0, or a NaN parameter (the message names it);
 * ANYINFER_E_NOMEM. */
anyinfer_status ai_sampler_create(const struct ai_alloc *a, const anyinfer_sampler_params *p,
                                  int32_t n_vocab, struct ai_sampler **out, struct ai_error *err);
/* NULL is allowed. */
void ai_sampler_free(struct ai_sampler *s);

/* Picks the next token from logits[n_vocab] (not modified). history holds the tokens so far,
 * oldest first; the penalties look at its last repeat_last_n entries (all when repeat_last_n < 0;
 * ids outside the vocabulary are ignored). Never allocates. Returns a token id in [0, n_vocab),
 * or -1 when every logit is -INFINITY or NaN after the bias (no token can be drawn). Advances the
 * sampler's PRNG once per call when it draws (temperature > 0). */
int32_t ai_sampler_sample(struct ai_sampler *s, const float *logits, const int32_t *history,
                          size_t n_history);

/* Restarts the PRNG from seed, as if the sampler had been created with it. */
void ai_sampler_reseed(struct ai_sampler *s, uint64_t seed);

#endif
