#include "convert_error.h"

#include <stdarg.h>
#include <stdio.h>

bool convert_fail(char *err, size_t cap, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (err && cap) vsnprintf(err, cap, fmt, ap);
  va_end(ap);
  return false;
}
