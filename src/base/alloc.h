/* The allocator every engine allocation goes through: a realloc-shaped hook handed to the model
 * at creation (lua.h lua_Alloc), so out-of-memory can be injected in tests. Sizes that come from
 * untrusted input are multiplied with ai_mul_size, never with `*`. */
#ifndef AI_BASE_ALLOC_H
#define AI_BASE_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "anyinfer.h"

struct ai_alloc {
  anyinfer_alloc_fn fn; /* never NULL once initialized */
  void *user_data;
};

/* The C library's realloc/free. */
struct ai_alloc ai_alloc_default(void);
/* fn NULL selects the default. */
struct ai_alloc ai_alloc_make(anyinfer_alloc_fn fn, void *user_data);

/* NULL on failure or n == 0. */
void *ai_malloc(const struct ai_alloc *a, size_t n);
/* Zeroed; NULL on failure, overflow of count*size, or a zero size. */
void *ai_calloc(const struct ai_alloc *a, size_t count, size_t size);
/* NULL on failure; *p is then unchanged. */
void *ai_realloc(const struct ai_alloc *a, void *p, size_t n);
/* NULL is allowed. */
void ai_free(const struct ai_alloc *a, void *p);
/* A NUL-terminated copy of s[0..n). */
char *ai_strndup(const struct ai_alloc *a, const char *s, size_t n);

/* *out = a * b; false on overflow. */
static inline bool ai_mul_size(size_t a, size_t b, size_t *out) {
  return !__builtin_mul_overflow(a, b, out);
}
/* *out = a + b; false on overflow. */
static inline bool ai_add_size(size_t a, size_t b, size_t *out) {
  return !__builtin_add_overflow(a, b, out);
}

/* Fault injection for tests: an allocator that fails the fail_at-th call (1-based) that
 * allocates, and counts live blocks so a test can assert nothing leaked. */
struct ai_alloc_fault {
  uint64_t n_calls; /* allocating calls so far */
  uint64_t fail_at; /* 0: never fail */
  int64_t n_live;   /* blocks allocated and not yet freed */
};
void *ai_alloc_fault_fn(void *ptr, size_t size, void *user_data);

#endif
