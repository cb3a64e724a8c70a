/* Metadata queries: GGUF key/value pairs rendered as text for `anyinfer info` and bindings. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "engine/engine.h"

size_t anyinfer_model_meta_count(const anyinfer_model *m) {
  return (size_t)m->gguf->n_kv;
}

const char *anyinfer_model_meta_key(const anyinfer_model *m, size_t i) {
  return i < m->gguf->n_kv ? m->gguf->kv[i].key.data : NULL;
}

const char *anyinfer_model_meta_str(const anyinfer_model *m, const char *key) {
  struct ai_gguf_str s;
  return ai_gguf_get_str(m->gguf, key, &s, NULL) == ANYINFER_OK ? s.data : NULL;
}

/* Appends to a bounded buffer, counting the length the whole text needs. */
struct text_out {
  char *buf;
  size_t cap, len;
};

static void out_printf(struct text_out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void out_printf(struct text_out *o, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  size_t room = o->len < o->cap ? o->cap - o->len : 0;
  int n = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
  va_end(ap);
  if (n > 0) o->len += (size_t)n;
}

static void render_scalar(struct text_out *o, enum ai_gguf_vtype type, const void *p) {
  switch (type) {
    case AI_GGUF_UINT8:
      out_printf(o, "%u", *(const uint8_t *)p);
      break;
    case AI_GGUF_INT8:
      out_printf(o, "%d", *(const int8_t *)p);
      break;
    case AI_GGUF_UINT16:
      out_printf(o, "%u", *(const uint16_t *)p);
      break;
    case AI_GGUF_INT16:
      out_printf(o, "%d", *(const int16_t *)p);
      break;
    case AI_GGUF_UINT32:
      out_printf(o, "%" PRIu32, *(const uint32_t *)p);
      break;
    case AI_GGUF_INT32:
      out_printf(o, "%" PRId32, *(const int32_t *)p);
      break;
    case AI_GGUF_UINT64:
      out_printf(o, "%" PRIu64, *(const uint64_t *)p);
      break;
    case AI_GGUF_INT64:
      out_printf(o, "%" PRId64, *(const int64_t *)p);
      break;
    case AI_GGUF_FLOAT32:
      out_printf(o, "%g", (double)*(const float *)p);
      break;
    case AI_GGUF_FLOAT64:
      out_printf(o, "%g", *(const double *)p);
      break;
    case AI_GGUF_BOOL:
      out_printf(o, "%s", *(const uint8_t *)p ? "true" : "false");
      break;
    case AI_GGUF_STRING:
      out_printf(o, "\"%s\"", ((const struct ai_gguf_str *)p)->data);
      break;
    case AI_GGUF_ARRAY:
      break;
  }
}

static void render_value(struct text_out *o, const struct ai_gguf_value *v, size_t max_items) {
  switch (v->type) {
    case AI_GGUF_STRING:
      out_printf(o, "%s", v->v.str.data);
      return;
    case AI_GGUF_BOOL:
      out_printf(o, "%s", v->v.b ? "true" : "false");
      return;
    case AI_GGUF_FLOAT32:
    case AI_GGUF_FLOAT64:
      out_printf(o, "%g", v->v.f64);
      return;
    case AI_GGUF_INT8:
    case AI_GGUF_INT16:
    case AI_GGUF_INT32:
    case AI_GGUF_INT64:
      out_printf(o, "%" PRId64, v->v.i64);
      return;
    case AI_GGUF_ARRAY:
      break;
    default:
      out_printf(o, "%" PRIu64, v->v.u64);
      return;
  }
  uint64_t n = v->v.arr.count, shown = max_items && n > max_items ? max_items : n;
  size_t elem = v->v.arr.elem_type == AI_GGUF_STRING  ? sizeof(struct ai_gguf_str)
                : v->v.arr.elem_type == AI_GGUF_ARRAY ? sizeof(struct ai_gguf_value)
                                                      : ai_gguf_vtype_size(v->v.arr.elem_type);
  out_printf(o, "[");
  for (uint64_t i = 0; i < shown; i++) {
    const char *p = (const char *)v->v.arr.elems + i * elem;
    if (i) out_printf(o, ", ");
    if (v->v.arr.elem_type == AI_GGUF_ARRAY)
      render_value(o, (const struct ai_gguf_value *)p, max_items);
    else
      render_scalar(o, v->v.arr.elem_type, p);
  }
  if (shown < n) out_printf(o, ", ... (%" PRIu64 " items)", n);
  out_printf(o, "]");
}

anyinfer_status anyinfer_model_meta_value(const anyinfer_model *m, size_t i, size_t max_items,
                                          char *buf, size_t cap, size_t *len) {
  if (i >= m->gguf->n_kv) return ANYINFER_E_RANGE;
  struct text_out o = {buf, cap, 0};
  if (cap) buf[0] = '\0';
  render_value(&o, &m->gguf->kv[i].value, max_items);
  if (len) *len = o.len;
  return o.len < cap ? ANYINFER_OK : ANYINFER_E_RANGE;
}
