/* The converters' error reporting: they return false with a message in a caller's buffer. */
#ifndef AI_TOOLS_CONVERT_ERROR_H
#define AI_TOOLS_CONVERT_ERROR_H

#include <stdbool.h>
#include <stddef.h>

/* Writes the formatted message into err (at most cap bytes, NUL-terminated; nothing if err is
 * NULL or cap 0) and returns false, so a failing step reads `return convert_fail(...)`. */
bool convert_fail(char *err, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
