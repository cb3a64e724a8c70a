/* Error detail carried beside a status: the message names the place, the value found and the
 * value allowed (shared/STYLE.md §2). Every internal call that can fail takes a struct ai_error. */
#ifndef AI_BASE_ERROR_H
#define AI_BASE_ERROR_H

#include "anyinfer.h"

#define AI_ERROR_CAP 512

struct ai_error {
  anyinfer_status status;
  char msg[AI_ERROR_CAP]; /* NUL-terminated; "" when no error was set */
};

/* Records status and a printf-style message in err (which may be NULL); returns status, so a
 * failing path reads `return ai_error_set(err, ANYINFER_E_FORMAT, "gguf: ...", ...);`. */
anyinfer_status ai_error_set(struct ai_error *err, anyinfer_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

void ai_error_clear(struct ai_error *err);

/* Copies err's message into a caller buffer (params' error_buf/error_cap); buf may be NULL. */
void ai_error_copy_out(const struct ai_error *err, char *buf, size_t cap);

/* ALWAYS(x)/NEVER(x): a "cannot happen, but must not crash a server" check. Asserts in debug
 * builds; in release it is the plain condition, so the caller's error branch runs.
 * (SQLite sqliteInt.h, the ALWAYS/NEVER block.) */
#ifdef NDEBUG
#define ALWAYS(x) (x)
#define NEVER(x)  (x)
#else
#include <assert.h>
#define ALWAYS(x) ((x) ? 1 : (assert(0 && #x), 0))
#define NEVER(x)  ((x) ? (assert(0 && "NEVER(" #x ")"), 1) : 0)
#endif

#endif
