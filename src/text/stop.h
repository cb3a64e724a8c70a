/* Stop strings over streamed text: holds back the text that might still become a stop string,
 * and reports the first stop string that completes, so the text before it is emitted and the
 * stop string itself never is. Matching is on bytes; fed whole UTF-8 sequences, every boundary
 * it emits at is a character boundary (a held suffix starts where a stop string starts). */
#ifndef AI_TEXT_STOP_H
#define AI_TEXT_STOP_H

#include <stdbool.h>
#include <stddef.h>

#include "anyinfer.h"
#include "base/alloc.h"
#include "base/error.h"

struct ai_stop_matcher;

/* What one feed (or the flush) lets the caller emit. */
struct ai_stop_result {
  const char *text; /* bytes safe to emit now; owned by the matcher, valid until its next call */
  size_t len;       /* may be 0 */
  bool stopped;     /* a stop string completed; text is everything before it */
  size_t i_stop;    /* which stop string (index into the list given at create), when stopped */
};

/* Copies the n_stops strings (empty strings are ignored). On success *out is owned by the
 * caller (ai_stop_free). ANYINFER_E_INVAL: stops NULL with n_stops > 0 or a NULL entry;
 * ANYINFER_E_NOMEM. */
anyinfer_status ai_stop_create(const struct ai_alloc *a, const char *const *stops, size_t n_stops,
                               struct ai_stop_matcher **out, struct ai_error *err);
/* NULL is allowed. */
void ai_stop_free(struct ai_stop_matcher *m);
/* Forgets held text and a completed stop, for the next generation. */
void ai_stop_reset(struct ai_stop_matcher *m);

/* Appends piece[0..len) to the text held back from earlier pieces and reports what is safe to
 * emit. After a stop completed, further feeds emit nothing and report stopped again. Allocates
 * only when the held text plus a piece outgrows the buffer sized at create.
 * ANYINFER_E_NOMEM (nothing consumed). */
anyinfer_status ai_stop_feed(struct ai_stop_matcher *m, const char *piece, size_t len,
                             struct ai_stop_result *out, struct ai_error *err);

/* End of the stream: the held text can no longer become a stop string, so it is all emitted. */
void ai_stop_flush(struct ai_stop_matcher *m, struct ai_stop_result *out);

#endif
