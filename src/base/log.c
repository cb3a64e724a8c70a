/* Formats one log line and hands it to the callback. */
#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>

void ai_log(const struct ai_log *log, anyinfer_log_level level, const char *fmt, ...) {
  if (!log || !log->fn || level > log->level) return;
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  log->fn(level, line, log->user_data);
}
