/* libFuzzer target for the GGUF reader: parses the input from memory and, on success, walks every
 * kv (strings, arrays, nested arrays) and tensor, so a bad pointer or length shows up under ASan.
 * The reader must return OK or an error with a message; it must never crash, hang or leak. */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "format/gguf.h"

static size_t touch_str(const struct ai_gguf_str *s) {
  assert(s->data[s->len] == '\0');
  return strlen(s->data) + (s->len ? (uint8_t)s->data[s->len - 1] : 0);
}

static size_t touch_value(const struct ai_gguf_value *v) {
  if (v->type == AI_GGUF_STRING) return touch_str(&v->v.str);
  if (v->type == AI_GGUF_BOOL) return v->v.b;
  if (v->type != AI_GGUF_ARRAY) return (size_t)v->v.u64; /* f64 read as bits: fine */
  size_t sum = 0, n = (size_t)v->v.arr.count;
  if (v->v.arr.elem_type == AI_GGUF_STRING) {
    const struct ai_gguf_str *s = v->v.arr.elems;
    for (size_t i = 0; i < n; i++) sum += touch_str(&s[i]);
  } else if (v->v.arr.elem_type == AI_GGUF_ARRAY) {
    const struct ai_gguf_value *e = v->v.arr.elems;
    for (size_t i = 0; i < n; i++) sum += touch_value(&e[i]);
  } else {
    const uint8_t *b = v->v.arr.elems;
    size_t bytes = n * ai_gguf_vtype_size(v->v.arr.elem_type);
    for (size_t i = 0; i < bytes; i++) sum += b[i];
  }
  return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct ai_reader r = ai_mem_reader(data, size);
  struct ai_gguf *g = NULL;
  struct ai_error err;
  ai_error_clear(&err);
  anyinfer_status st = ai_gguf_read(&r, NULL, &g, &err);
  if (st != ANYINFER_OK) {
    assert(g == NULL && err.msg[0] != '\0' && err.status == st);
    return 0;
  }
  volatile size_t sum = 0;
  for (uint64_t i = 0; i < g->n_kv; i++) {
    sum += touch_str(&g->kv[i].key);
    sum += touch_value(&g->kv[i].value);
    if (strlen(g->kv[i].key.data) == g->kv[i].key.len) /* names with a NUL inside: unreachable */
      assert(ai_gguf_find_key(g, g->kv[i].key.data) >= 0);
  }
  for (uint64_t i = 0; i < g->n_tensors; i++) {
    const struct ai_gguf_tensor *t = &g->tensors[i];
    sum += touch_str(&t->name);
    if (strlen(t->name.data) == t->name.len) assert(ai_gguf_find_tensor(g, t->name.data) != NULL);
    assert(t->n_dims >= 1 && t->n_dims <= AI_GGUF_MAX_DIMS);
    assert(t->offset % g->alignment == 0);
    assert(g->data_offset <= g->file_size && t->bytes <= g->file_size - g->data_offset &&
           t->offset <= g->file_size - g->data_offset - t->bytes);
    if (t->bytes) sum += data[g->data_offset + t->offset + t->bytes - 1];
  }
  (void)sum;
  ai_gguf_free(g);
  return 0;
}
