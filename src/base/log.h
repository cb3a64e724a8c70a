/* Logging through the per-model callback; the engine never writes to stdout or stderr. */
#ifndef AI_BASE_LOG_H
#define AI_BASE_LOG_H

#include "anyinfer.h"

struct ai_log {
  anyinfer_log_fn fn; /* NULL: logging off */
  void *user_data;
  anyinfer_log_level level; /* lines above this level are dropped */
};

void ai_log(const struct ai_log *log, anyinfer_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
