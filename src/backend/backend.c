/* Backend wrappers and tensor view helpers shared by every backend. */
#include "backend/backend.h"

#include "base/alloc.h"

void ai_backend_sync(const struct ai_backend *b) {
  if (b->ops->sync) b->ops->sync(b->ctx);
}

void ai_backend_free(struct ai_backend *b) {
  if (b && b->ops) b->ops->free(b->ctx);
  if (b) *b = (struct ai_backend){0};
}

size_t ai_tensor_packed_bytes(enum ai_type type, const int64_t ne[4]) {
  size_t row = ai_type_row_bytes(type, ne[0]), n = row;
  for (int i = 1; i < 4; i++)
    if (ne[i] < 0 || !ai_mul_size(n, (size_t)ne[i], &n)) return 0;
  return n;
}

struct ai_tensor ai_tensor_make(enum ai_type type, struct ai_buffer *buf, size_t offset, int n_dims,
                                const int64_t *ne) {
  struct ai_tensor t = {.type = type, .buffer = buf, .offset = offset};
  for (int i = 0; i < 4; i++) t.ne[i] = i < n_dims ? ne[i] : 1;
  const struct ai_type_traits *tr = ai_type_traits_get(type);
  t.nb[0] = tr->block_bytes;
  t.nb[1] = ai_type_row_bytes(type, t.ne[0]);
  for (int i = 2; i < 4; i++) t.nb[i] = t.nb[i - 1] * (size_t)t.ne[i - 1];
  return t;
}

void ai_conv1d_matmul_views(const struct ai_tensor *w, const struct ai_tensor *cols, int64_t t_out,
                            struct ai_tensor *w2, struct ai_tensor *cols_view) {
  const int64_t kc = w->ne[0] * w->ne[1];
  *cols_view = *cols;
  cols_view->ne[0] = kc;
  cols_view->ne[1] = t_out;
  cols_view->nb[1] = (size_t)kc * sizeof(float);
  cols_view->nb[2] = cols_view->nb[3] = cols_view->nb[1] * (size_t)t_out;
  *w2 = *w;
  w2->ne[0] = kc;
  w2->ne[1] = w->ne[2];
  w2->ne[2] = 1;
  w2->nb[1] = w->nb[2];
  w2->nb[2] = w2->nb[3] = w->nb[3];
}
