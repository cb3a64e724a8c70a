/* Allocation through the per-model hook. */
#include "base/alloc.h"

#include <stdlib.h>
#include <string.h>

static void *libc_alloc(void *ptr, size_t size, void *user_data) {
  (void)user_data;
  if (size == 0) {
    free(ptr);
    return NULL;
  }
  return realloc(ptr, size);
}

struct ai_alloc ai_alloc_default(void) {
  return (struct ai_alloc){libc_alloc, NULL};
}

struct ai_alloc ai_alloc_make(anyinfer_alloc_fn fn, void *user_data) {
  return fn ? (struct ai_alloc){fn, user_data} : ai_alloc_default();
}

void *ai_malloc(const struct ai_alloc *a, size_t n) {
  return n ? a->fn(NULL, n, a->user_data) : NULL;
}

void *ai_calloc(const struct ai_alloc *a, size_t count, size_t size) {
  size_t n;
  if (!ai_mul_size(count, size, &n) || n == 0) return NULL;
  void *p = a->fn(NULL, n, a->user_data);
  if (p) memset(p, 0, n);
  return p;
}

void *ai_realloc(const struct ai_alloc *a, void *p, size_t n) {
  return n ? a->fn(p, n, a->user_data) : NULL;
}

void ai_free(const struct ai_alloc *a, void *p) {
  if (p) a->fn(p, 0, a->user_data);
}

char *ai_strndup(const struct ai_alloc *a, const char *s, size_t n) {
  size_t cap;
  if (!ai_add_size(n, 1, &cap)) return NULL;
  char *d = ai_malloc(a, cap);
  if (!d) return NULL;
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

void *ai_alloc_fault_fn(void *ptr, size_t size, void *user_data) {
  struct ai_alloc_fault *f = user_data;
  if (size == 0) {
    if (ptr) f->n_live--;
    free(ptr);
    return NULL;
  }
  f->n_calls++;
  if (f->fail_at != 0 && f->n_calls == f->fail_at) return NULL;
  void *p = realloc(ptr, size);
  if (p && !ptr) f->n_live++;
  return p;
}
