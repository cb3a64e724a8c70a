/* Error detail formatting. */
#include "base/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

anyinfer_status ai_error_set(struct ai_error *err, anyinfer_status status, const char *fmt, ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    err->status = status;
  }
  return status;
}

void ai_error_clear(struct ai_error *err) {
  err->status = ANYINFER_OK;
  err->msg[0] = '\0';
}

void ai_error_copy_out(const struct ai_error *err, char *buf, size_t cap) {
  if (!buf || cap == 0) return;
  snprintf(buf, cap, "%s", err->msg);
}
