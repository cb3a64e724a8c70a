/* Typed getters over a parsed GGUF (gguf.c): look a key up, check its type, convert integers
 * between widths and signedness when the value fits. */
#include "format/gguf.h"

static anyinfer_status get_value(const struct ai_gguf *g, const char *key,
                                 const struct ai_gguf_value **v, struct ai_error *err) {
  int64_t i = ai_gguf_find_key(g, key);
  if (i < 0) return ai_error_set(err, ANYINFER_E_NOT_FOUND, "gguf: key '%s' not found", key);
  *v = &g->kv[i].value;
  return ANYINFER_OK;
}

static anyinfer_status wrong_type(const char *key, const struct ai_gguf_value *v, const char *want,
                                  struct ai_error *err) {
  return ai_error_set(err, ANYINFER_E_FORMAT, "gguf: key '%s' has type %s, expected %s", key,
                      ai_gguf_vtype_name(v->type), want);
}

static bool is_unsigned(enum ai_gguf_vtype t) {
  return t == AI_GGUF_UINT8 || t == AI_GGUF_UINT16 || t == AI_GGUF_UINT32 || t == AI_GGUF_UINT64;
}

static bool is_signed(enum ai_gguf_vtype t) {
  return t == AI_GGUF_INT8 || t == AI_GGUF_INT16 || t == AI_GGUF_INT32 || t == AI_GGUF_INT64;
}

/* An integer value checked against [lo, hi]; want names the type for the message. */
static anyinfer_status get_int(const struct ai_gguf *g, const char *key, int64_t lo, uint64_t hi,
                               const char *want, uint64_t *u, int64_t *s, struct ai_error *err) {
  const struct ai_gguf_value *v = NULL;
  anyinfer_status st = get_value(g, key, &v, err);
  if (st != ANYINFER_OK) return st;
  if (is_unsigned(v->type)) {
    if (v->v.u64 > hi)
      return ai_error_set(err, ANYINFER_E_FORMAT, "gguf: key '%s' = %llu does not fit %s", key,
                          (unsigned long long)v->v.u64, want);
    *u = v->v.u64;
    *s = (int64_t)v->v.u64;
    return ANYINFER_OK;
  }
  if (!is_signed(v->type)) return wrong_type(key, v, want, err);
  if (v->v.i64 < lo || (v->v.i64 > 0 && (uint64_t)v->v.i64 > hi))
    return ai_error_set(err, ANYINFER_E_FORMAT, "gguf: key '%s' = %lld does not fit %s", key,
                        (long long)v->v.i64, want);
  *u = (uint64_t)v->v.i64;
  *s = v->v.i64;
  return ANYINFER_OK;
}

anyinfer_status ai_gguf_get_u32(const struct ai_gguf *g, const char *key, uint32_t *out,
                                struct ai_error *err) {
  uint64_t u = 0;
  int64_t s = 0;
  anyinfer_status st = get_int(g, key, 0, UINT32_MAX, "u32", &u, &s, err);
  if (st == ANYINFER_OK) *out = (uint32_t)u;
  return st;
}

anyinfer_status ai_gguf_get_i32(const struct ai_gguf *g, const char *key, int32_t *out,
                                struct ai_error *err) {
  uint64_t u = 0;
  int64_t s = 0;
  anyinfer_status st = get_int(g, key, INT32_MIN, INT32_MAX, "i32", &u, &s, err);
  if (st == ANYINFER_OK) *out = (int32_t)s;
  return st;
}

anyinfer_status ai_gguf_get_u64(const struct ai_gguf *g, const char *key, uint64_t *out,
                                struct ai_error *err) {
  uint64_t u = 0;
  int64_t s = 0;
  anyinfer_status st = get_int(g, key, 0, UINT64_MAX, "u64", &u, &s, err);
  if (st == ANYINFER_OK) *out = u;
  return st;
}

anyinfer_status ai_gguf_get_f32(const struct ai_gguf *g, const char *key, float *out,
                                struct ai_error *err) {
  const struct ai_gguf_value *v = NULL;
  anyinfer_status st = get_value(g, key, &v, err);
  if (st != ANYINFER_OK) return st;
  if (v->type != AI_GGUF_FLOAT32 && v->type != AI_GGUF_FLOAT64)
    return wrong_type(key, v, "f32", err);
  *out = (float)v->v.f64;
  return ANYINFER_OK;
}

anyinfer_status ai_gguf_get_bool(const struct ai_gguf *g, const char *key, bool *out,
                                 struct ai_error *err) {
  const struct ai_gguf_value *v = NULL;
  anyinfer_status st = get_value(g, key, &v, err);
  if (st != ANYINFER_OK) return st;
  if (v->type != AI_GGUF_BOOL) return wrong_type(key, v, "bool", err);
  *out = v->v.b;
  return ANYINFER_OK;
}

anyinfer_status ai_gguf_get_str(const struct ai_gguf *g, const char *key, struct ai_gguf_str *out,
                                struct ai_error *err) {
  const struct ai_gguf_value *v = NULL;
  anyinfer_status st = get_value(g, key, &v, err);
  if (st != ANYINFER_OK) return st;
  if (v->type != AI_GGUF_STRING) return wrong_type(key, v, "string", err);
  *out = v->v.str;
  return ANYINFER_OK;
}

anyinfer_status ai_gguf_get_arr(const struct ai_gguf *g, const char *key, int want_elem_type,
                                const struct ai_gguf_value **out, struct ai_error *err) {
  const struct ai_gguf_value *v = NULL;
  anyinfer_status st = get_value(g, key, &v, err);
  if (st != ANYINFER_OK) return st;
  if (v->type != AI_GGUF_ARRAY) return wrong_type(key, v, "array", err);
  if (want_elem_type >= 0 && v->v.arr.elem_type != (enum ai_gguf_vtype)want_elem_type)
    return ai_error_set(err, ANYINFER_E_FORMAT, "gguf: key '%s' is an array of %s, expected %s",
                        key, ai_gguf_vtype_name(v->v.arr.elem_type),
                        ai_gguf_vtype_name((enum ai_gguf_vtype)want_elem_type));
  *out = v;
  return ANYINFER_OK;
}
