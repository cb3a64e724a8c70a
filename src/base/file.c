/* POSIX file access. mmap is used natively; on WASI (no mmap) every read is a pread. */
#define _POSIX_C_SOURCE 200809L
#include "base/file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef __wasi__
#include <sys/mman.h>
#define AI_HAVE_MMAP 1
#endif

anyinfer_status ai_file_open(struct ai_file *f, const char *path, bool want_map,
                             struct ai_error *err) {
  f->fd = -1;
  f->size = 0;
  f->map = NULL;
  int fd = open(path, O_RDONLY);
  if (fd < 0) return ai_error_set(err, ANYINFER_E_IO, "%s: %s", path, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return ai_error_set(err, ANYINFER_E_IO, "%s: not a regular file", path);
  }
  f->fd = fd;
  f->size = (uint64_t)st.st_size;
#ifdef AI_HAVE_MMAP
  if (want_map && f->size > 0 && f->size <= SIZE_MAX) {
    void *p = mmap(NULL, (size_t)f->size, PROT_READ, MAP_SHARED, fd, 0);
    if (p != MAP_FAILED) f->map = p;
  }
#else
  (void)want_map;
#endif
  return ANYINFER_OK;
}

anyinfer_status ai_file_read_at(const struct ai_file *f, uint64_t offset, void *dst, size_t n,
                                struct ai_error *err) {
  if (offset > f->size || n > f->size - offset)
    return ai_error_set(err, ANYINFER_E_FORMAT,
                        "read of %zu bytes at offset %llu past end of file (%llu bytes)", n,
                        (unsigned long long)offset, (unsigned long long)f->size);
  if (f->map) {
    memcpy(dst, f->map + offset, n);
    return ANYINFER_OK;
  }
  uint8_t *out = dst;
  while (n > 0) {
    ssize_t got = pread(f->fd, out, n, (off_t)offset);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0)
      return ai_error_set(err, ANYINFER_E_IO, "read at offset %llu: %s", (unsigned long long)offset,
                          got < 0 ? strerror(errno) : "end of file");
    out += got;
    offset += (uint64_t)got;
    n -= (size_t)got;
  }
  return ANYINFER_OK;
}

void ai_file_close(struct ai_file *f) {
#ifdef AI_HAVE_MMAP
  if (f->map) munmap((void *)f->map, (size_t)f->size);
#endif
  if (f->fd >= 0) close(f->fd);
  f->fd = -1;
  f->map = NULL;
  f->size = 0;
}

static anyinfer_status file_read_at(const struct ai_reader *r, uint64_t offset, void *dst, size_t n,
                                    struct ai_error *err) {
  return ai_file_read_at(r->ctx, offset, dst, n, err);
}

struct ai_reader ai_file_reader(struct ai_file *f) {
  return (struct ai_reader){file_read_at, f, f->size, f->map};
}

static anyinfer_status mem_read_at(const struct ai_reader *r, uint64_t offset, void *dst, size_t n,
                                   struct ai_error *err) {
  if (offset > r->size || n > r->size - offset)
    return ai_error_set(err, ANYINFER_E_FORMAT,
                        "read of %zu bytes at offset %llu past end of data (%llu bytes)", n,
                        (unsigned long long)offset, (unsigned long long)r->size);
  if (n) memcpy(dst, r->data + offset, n);
  return ANYINFER_OK;
}

struct ai_reader ai_mem_reader(const void *data, size_t size) {
  return (struct ai_reader){mem_read_at, NULL, size, data};
}
