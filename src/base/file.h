/* Read-only file access: memory-mapped where the platform has mmap, positioned reads elsewhere
 * (WASI), and an in-memory source for fuzzing and tests. Parsers read through struct ai_reader
 * so they never care which. */
#ifndef AI_BASE_FILE_H
#define AI_BASE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

struct ai_file {
  int fd;             /* -1 when closed */
  uint64_t size;      /* bytes in the file */
  const uint8_t *map; /* whole file mapped read-only, or NULL when read with pread */
};

/* Opens path; maps it when want_map and the platform can. ANYINFER_E_IO names the path and the
 * system's reason. */
anyinfer_status ai_file_open(struct ai_file *f, const char *path, bool want_map,
                             struct ai_error *err);
/* Reads n bytes at offset; ANYINFER_E_FORMAT if they extend past the end of the file. */
anyinfer_status ai_file_read_at(const struct ai_file *f, uint64_t offset, void *dst, size_t n,
                                struct ai_error *err);
/* Safe on a closed or zeroed-and-fd=-1 file. */
void ai_file_close(struct ai_file *f);

/* Random access to bytes of known size. read_at must fail (not crash) for ranges past size. */
struct ai_reader {
  anyinfer_status (*read_at)(const struct ai_reader *r, uint64_t offset, void *dst, size_t n,
                             struct ai_error *err);
  void *ctx; /* the source's own state */
  uint64_t size;
  const uint8_t *data; /* all bytes in memory (mapped file or buffer), or NULL */
};

/* Reads n bytes at offset of r; ANYINFER_E_FORMAT for a range past r->size. */
static inline anyinfer_status ai_reader_read(const struct ai_reader *r, uint64_t offset, void *dst,
                                             size_t n, struct ai_error *err) {
  return r->read_at(r, offset, dst, n, err);
}

/* Reader over an open file; f must outlive the reader. */
struct ai_reader ai_file_reader(struct ai_file *f);

/* Reader over a caller-owned buffer (fuzz targets, tests). */
struct ai_reader ai_mem_reader(const void *data, size_t size);

#endif
