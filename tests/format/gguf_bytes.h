/* Test helpers for GGUF: a byte builder that spells files out in explicit little-endian bytes
 * (independent of the writer, so it is the reference for the layout), and file helpers. Shared by
 * test_gguf.c and test_gguf_corrupt.c, which define _POSIX_C_SOURCE first. */
#ifndef AI_TESTS_GGUF_BYTES_H
#define AI_TESTS_GGUF_BYTES_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format/gguf.h"
#include "tensor/types.h"

struct gb {
  uint8_t *p;
  size_t n, cap;
};

static inline void gb_bytes(struct gb *b, const void *d, size_t n) {
  if (b->n + n > b->cap) {
    b->cap = (b->n + n) * 2 + 64;
    b->p = realloc(b->p, b->cap);
    if (!b->p) abort();
  }
  memcpy(b->p + b->n, d, n);
  b->n += n;
}

static inline void gb_le(struct gb *b, uint64_t v, int n) {
  uint8_t t[8];
  for (int i = 0; i < n; i++) t[i] = (uint8_t)(v >> (8 * i));
  gb_bytes(b, t, (size_t)n);
}

static inline void gb_u8(struct gb *b, uint8_t v) {
  gb_le(b, v, 1);
}
static inline void gb_u32(struct gb *b, uint32_t v) {
  gb_le(b, v, 4);
}
static inline void gb_u64(struct gb *b, uint64_t v) {
  gb_le(b, v, 8);
}
static inline void gb_str(struct gb *b, const char *s) {
  gb_u64(b, strlen(s));
  gb_bytes(b, s, strlen(s));
}
static inline void gb_pad(struct gb *b, size_t align) {
  while (b->n % align) gb_u8(b, 0);
}
static inline void gb_header(struct gb *b, uint32_t version, uint64_t n_tensors, uint64_t n_kv) {
  gb_bytes(b, "GGUF", 4);
  gb_u32(b, version);
  gb_u64(b, n_tensors);
  gb_u64(b, n_kv);
}
static inline void gb_kv_u32(struct gb *b, const char *key, uint32_t v) {
  gb_str(b, key);
  gb_u32(b, AI_GGUF_UINT32);
  gb_u32(b, v);
}
static inline void gb_kv_str(struct gb *b, const char *key, const char *v) {
  gb_str(b, key);
  gb_u32(b, AI_GGUF_STRING);
  gb_str(b, v);
}
static inline void gb_tensor(struct gb *b, const char *name, uint32_t n_dims, const int64_t *ne,
                             uint32_t type, uint64_t offset) {
  gb_str(b, name);
  gb_u32(b, n_dims);
  for (uint32_t d = 0; d < n_dims; d++) gb_u64(b, (uint64_t)ne[d]);
  gb_u32(b, type);
  gb_u64(b, offset);
}
static inline void gb_free(struct gb *b) {
  free(b->p);
  b->p = NULL;
  b->n = b->cap = 0;
}

/* A scratch path unique to this process, in the build folder when ctest gives one. */
static inline void tmp_path(char *buf, size_t cap, const char *name) {
  const char *dir = getenv("ANYINFER_BUILD");
  snprintf(buf, cap, "%s/%s.%ld.gguf", dir ? dir : "/tmp", name, (long)getpid());
}

/* Whole file into malloc'd memory; NULL if it cannot be read. */
static inline uint8_t *read_all(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *p = malloc(len > 0 ? (size_t)len : 1);
  *n = p ? fread(p, 1, (size_t)len, f) : 0;
  fclose(f);
  return p;
}

static inline int file_exists(const char *path) {
  return access(path, F_OK) == 0;
}

#endif
