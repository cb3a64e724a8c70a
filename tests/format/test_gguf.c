/* GGUF reader and writer: a hand-spelled file (versions 2 and 3) as the layout reference, a
 * writer -> reader round trip of every value kind with data and padding checked byte by byte,
 * non-default alignment, getters, writer failures (cancel, bad path, fill error) and
 * allocation-failure loops for reading and writing. Corrupt inputs: test_gguf_corrupt.c. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "format/gguf_bytes.h"

static struct ai_error err;

/* A file spelled out byte by byte: 4 kvs (one nested array), 2 tensors. is_padded: the data
 * section as our writer and llama.cpp's write it (zero padding after each tensor, the last one
 * too); else padding bytes are not zero and the file ends at the last tensor's end. */
static void build_reference(struct gb *b, uint32_t version, bool is_padded) {
  gb_header(b, version, 2, 4);
  gb_kv_str(b, "general.architecture", "llama");
  gb_kv_u32(b, "llama.context_length", 4096);
  gb_str(b, "tokenizer.ggml.tokens"); /* array of 3 strings, one empty */
  gb_u32(b, AI_GGUF_ARRAY);
  gb_u32(b, AI_GGUF_STRING);
  gb_u64(b, 3);
  gb_str(b, "<s>");
  gb_str(b, "");
  gb_str(b, "h\xc3\xa9");
  gb_str(b, "nested"); /* [[1, 2], []] of i16 */
  gb_u32(b, AI_GGUF_ARRAY);
  gb_u32(b, AI_GGUF_ARRAY);
  gb_u64(b, 2);
  gb_u32(b, AI_GGUF_INT16);
  gb_u64(b, 2);
  gb_le(b, 1, 2);
  gb_le(b, (uint16_t)-2, 2);
  gb_u32(b, AI_GGUF_INT16);
  gb_u64(b, 0);
  gb_tensor(b, "a", 1, (int64_t[]){2}, AI_TYPE_F32, 0);     /* 8 bytes, padded to 32 */
  gb_tensor(b, "b", 2, (int64_t[]){3, 1}, AI_TYPE_F16, 32); /* 6 bytes */
  gb_pad(b, 32);
  for (int i = 0; i < 32 + 6; i++) gb_u8(b, (uint8_t)(is_padded && i % 32 >= 8 ? 0 : i));
  if (is_padded) gb_pad(b, 32);
}

/* The writer reproduces the hand-spelled file byte for byte. */
static void test_writer_bytes(void) {
  struct gb b = {0};
  build_reference(&b, 3, true);
  static const char *const toks[3] = {"<s>", "", "h\xc3\xa9"};
  static const int16_t row0[2] = {1, -2};
  struct ai_gguf_value rows[2] = {{.type = AI_GGUF_ARRAY}, {.type = AI_GGUF_ARRAY}};
  rows[0].v.arr.elem_type = AI_GGUF_INT16, rows[0].v.arr.count = 2, rows[0].v.arr.elems = row0;
  rows[1].v.arr.elem_type = AI_GGUF_INT16, rows[1].v.arr.count = 0;
  struct ai_gguf_value nested = {.type = AI_GGUF_ARRAY};
  nested.v.arr.elem_type = AI_GGUF_ARRAY, nested.v.arr.count = 2, nested.v.arr.elems = rows;
  uint8_t data[38];
  for (int i = 0; i < 38; i++) data[i] = (uint8_t)i;
  struct ai_gguf_writer *w = NULL;
  char path[512];
  tmp_path(path, sizeof path, "writer_bytes");
  CHECK_EQ(ai_gguf_writer_create(NULL, &w, &err), ANYINFER_OK);
  anyinfer_status st = ai_gguf_set_str(w, "general.architecture", "llama");
  if (!st) st = ai_gguf_set_u32(w, "llama.context_length", 4096);
  if (!st) st = ai_gguf_set_arr(w, "tokenizer.ggml.tokens", AI_GGUF_STRING, toks, 3);
  if (!st) st = ai_gguf_set_value(w, "nested", &nested);
  if (!st) st = ai_gguf_add_tensor(w, "a", AI_TYPE_F32, 1, (int64_t[]){2}, data, 0, 0);
  if (!st) st = ai_gguf_add_tensor(w, "b", AI_TYPE_F16, 2, (int64_t[]){3, 1}, data + 32, 0, 0);
  if (!st) st = ai_gguf_write_file(w, path, NULL, NULL, &err);
  CHECK_EQ(st, ANYINFER_OK);
  size_t n = 0;
  uint8_t *file = read_all(path, &n);
  CHECK_EQ(n, b.n);
  size_t first_diff = 0;
  while (file && first_diff < n && first_diff < b.n && file[first_diff] == b.p[first_diff])
    first_diff++;
  CHECK_EQ(first_diff, b.n);
  free(file);
  remove(path);
  ai_gguf_writer_free(w);
  gb_free(&b);
}

static void test_reference_bytes(uint32_t version) {
  struct gb b = {0};
  build_reference(&b, version, false);
  struct ai_reader r = ai_mem_reader(b.p, b.n);
  struct ai_gguf *g = NULL;
  CHECK_EQ(ai_gguf_read(&r, NULL, &g, &err), ANYINFER_OK);
  if (!g) {
    fprintf(stderr, "reference v%u: %s\n", version, err.msg);
    gb_free(&b);
    return;
  }
  CHECK_EQ(g->version, version);
  CHECK_EQ(g->n_kv, 4);
  CHECK_EQ(g->n_tensors, 2);
  CHECK_EQ(g->alignment, 32);
  CHECK_EQ(g->data_offset, b.n - 38);
  CHECK_EQ(g->data_offset % 32, 0);
  CHECK_EQ(g->file_size, b.n);
  CHECK_STREQ(g->kv[0].key.data, "general.architecture");
  CHECK_EQ(g->kv[0].value.type, AI_GGUF_STRING);
  CHECK_STREQ(g->kv[0].value.v.str.data, "llama");
  CHECK_EQ(g->kv[0].value.v.str.len, 5);
  CHECK_EQ(g->kv[1].value.type, AI_GGUF_UINT32);
  CHECK_EQ(g->kv[1].value.v.u64, 4096);
  const struct ai_gguf_value *tok = &g->kv[2].value;
  CHECK_EQ(tok->type, AI_GGUF_ARRAY);
  CHECK_EQ(tok->v.arr.elem_type, AI_GGUF_STRING);
  CHECK_EQ(tok->v.arr.count, 3);
  const struct ai_gguf_str *s = tok->v.arr.elems;
  CHECK_STREQ(s[0].data, "<s>");
  CHECK_STREQ(s[1].data, "");
  CHECK_EQ(s[1].len, 0);
  CHECK_STREQ(s[2].data, "h\xc3\xa9");
  CHECK_EQ(s[2].len, 3);
  const struct ai_gguf_value *nest = &g->kv[3].value;
  CHECK_EQ(nest->v.arr.elem_type, AI_GGUF_ARRAY);
  CHECK_EQ(nest->v.arr.count, 2);
  const struct ai_gguf_value *inner = nest->v.arr.elems;
  CHECK_EQ(inner[0].type, AI_GGUF_ARRAY);
  CHECK_EQ(inner[0].v.arr.elem_type, AI_GGUF_INT16);
  CHECK_EQ(inner[0].v.arr.count, 2);
  CHECK_EQ(((const int16_t *)inner[0].v.arr.elems)[0], 1);
  CHECK_EQ(((const int16_t *)inner[0].v.arr.elems)[1], -2);
  CHECK_EQ(inner[1].v.arr.count, 0);
  const struct ai_gguf_tensor *ta = ai_gguf_find_tensor(g, "a");
  const struct ai_gguf_tensor *tb = ai_gguf_find_tensor(g, "b");
  CHECK(ta == &g->tensors[0] && tb == &g->tensors[1]);
  CHECK(ai_gguf_find_tensor(g, "c") == NULL);
  if (ta && tb) {
    CHECK_STREQ(ta->name.data, "a");
    CHECK_EQ(ta->n_dims, 1);
    CHECK_EQ(ta->ne[0], 2);
    CHECK_EQ(ta->ne[1], 1);
    CHECK_EQ(ta->ne[3], 1);
    CHECK_EQ(ta->type, AI_TYPE_F32);
    CHECK_EQ(ta->offset, 0);
    CHECK_EQ(ta->bytes, 8);
    CHECK_EQ(tb->n_dims, 2);
    CHECK_EQ(tb->ne[0], 3);
    CHECK_EQ(tb->type, AI_TYPE_F16);
    CHECK_EQ(tb->offset, 32);
    CHECK_EQ(tb->bytes, 6);
  }
  CHECK_EQ(ai_gguf_find_key(g, "llama.context_length"), 1);
  CHECK_EQ(ai_gguf_find_key(g, "llama.context"), -1);
  ai_gguf_free(g);
  gb_free(&b);
}

/* No tensors: llama.cpp starts the data section right after the metadata, unpadded. */
static void test_reference_no_tensors(void) {
  struct gb b = {0};
  gb_header(&b, 3, 0, 1);
  gb_kv_u32(&b, "x", 7);
  struct ai_reader r = ai_mem_reader(b.p, b.n);
  struct ai_gguf *g = NULL;
  CHECK_EQ(ai_gguf_read(&r, NULL, &g, &err), ANYINFER_OK);
  if (g) {
    CHECK_EQ(g->n_tensors, 0);
    CHECK_EQ(g->data_offset, b.n);
    CHECK(ai_gguf_find_tensor(g, "x") == NULL);
  }
  ai_gguf_free(g);
  gb_free(&b);
}

/* ---- round trip ------------------------------------------------------------------------------ */

static const float f32_data[12] = {1, -2, 3.5f, 0, 1e-8f, -1e30f, 7, 8, 9, 10, 11, 12};
static const uint16_t f16_data[8] = {0x3c00, 0xbc00, 0, 0x7bff, 1, 2, 3, 0x8000};
static uint8_t q8_data[4 * 34]; /* 64x2 Q8_0: 2 blocks per row */

static anyinfer_status fill_pattern(void *user_data, void *dst, size_t bytes, struct ai_error *e) {
  int *calls = user_data;
  (*calls)++;
  for (size_t i = 0; i < bytes; i++) ((uint8_t *)dst)[i] = (uint8_t)(i * 7 + 1);
  return ANYINFER_OK;
}

static const char *const words[] = {"alpha", "", "\xe2\x82\xac", "a longer string with spaces"};

/* Every value kind, three data tensors and one filled one. alignment 0: the default. */
static anyinfer_status build_writer(const struct ai_alloc *alloc, uint32_t alignment,
                                    struct ai_gguf_writer **out, int *fill_calls) {
  struct ai_gguf_writer *w;
  anyinfer_status st = ai_gguf_writer_create(alloc, &w, &err);
  if (st != ANYINFER_OK) return st;
  struct ai_gguf_value v[6] = {{.type = AI_GGUF_UINT8, .v.u64 = 250},
                               {.type = AI_GGUF_INT8, .v.i64 = -120},
                               {.type = AI_GGUF_UINT16, .v.u64 = 65000},
                               {.type = AI_GGUF_INT16, .v.i64 = -32000},
                               {.type = AI_GGUF_INT64, .v.i64 = INT64_MIN + 5},
                               {.type = AI_GGUF_FLOAT64, .v.f64 = 3.141592653589793}};
  const char *vk[6] = {"t.u8", "t.i8", "t.u16", "t.i16", "t.i64", "t.f64"};
  static const int32_t ints[5] = {-1, 0, 1, INT32_MAX, INT32_MIN};
  static const float floats[3] = {0.5f, -0.25f, 1e10f};
  static const uint8_t bools[3] = {1, 0, 1};
  static const uint64_t u64s[2] = {UINT64_MAX, 42};
  static const int16_t row0[3] = {1, 2, 3}, row1[1] = {-4};
  struct ai_gguf_value rows[3] = {
      {.type = AI_GGUF_ARRAY}, {.type = AI_GGUF_ARRAY}, {.type = AI_GGUF_ARRAY}};
  rows[0].v.arr.elem_type = AI_GGUF_INT16, rows[0].v.arr.count = 3, rows[0].v.arr.elems = row0;
  rows[1].v.arr.elem_type = AI_GGUF_INT16, rows[1].v.arr.count = 1, rows[1].v.arr.elems = row1;
  rows[2].v.arr.elem_type = AI_GGUF_STRING, rows[2].v.arr.count = 0;
  struct ai_gguf_value nested = {.type = AI_GGUF_ARRAY};
  nested.v.arr.elem_type = AI_GGUF_ARRAY, nested.v.arr.count = 3, nested.v.arr.elems = rows;
  if (alignment) st = ai_gguf_set_u32(w, "general.alignment", alignment);
  if (!st) st = ai_gguf_set_str(w, "general.name", "round trip");
  if (!st) st = ai_gguf_set_u32(w, "t.u32", 4000000000u);
  if (!st) st = ai_gguf_set_i32(w, "t.i32", -7);
  if (!st) st = ai_gguf_set_u64(w, "t.u64", 1ull << 40);
  if (!st) st = ai_gguf_set_f32(w, "t.f32", 1.5f);
  if (!st) st = ai_gguf_set_bool(w, "t.bool", true);
  for (int i = 0; i < 6 && !st; i++) st = ai_gguf_set_value(w, vk[i], &v[i]);
  if (!st) st = ai_gguf_set_arr(w, "t.strs", AI_GGUF_STRING, words, 4);
  if (!st) st = ai_gguf_set_arr(w, "t.ints", AI_GGUF_INT32, ints, 5);
  if (!st) st = ai_gguf_set_arr(w, "t.floats", AI_GGUF_FLOAT32, floats, 3);
  if (!st) st = ai_gguf_set_arr(w, "t.bools", AI_GGUF_BOOL, bools, 3);
  if (!st) st = ai_gguf_set_arr(w, "t.u64s", AI_GGUF_UINT64, u64s, 2);
  if (!st) st = ai_gguf_set_arr(w, "t.empty", AI_GGUF_UINT8, NULL, 0);
  if (!st) st = ai_gguf_set_value(w, "t.nested", &nested);
  if (!st) st = ai_gguf_set_i32(w, "t.i32", -8); /* replaced in place */
  if (!st) st = ai_gguf_add_tensor(w, "f32", AI_TYPE_F32, 2, (int64_t[]){4, 3}, f32_data, 0, 0);
  if (!st) st = ai_gguf_add_tensor(w, "f16", AI_TYPE_F16, 1, (int64_t[]){8}, f16_data, 0, 0);
  if (!st) st = ai_gguf_add_tensor(w, "q8", AI_TYPE_Q8_0, 2, (int64_t[]){64, 2}, q8_data, 0, 0);
  if (!st)
    st = ai_gguf_add_tensor(w, "filled", AI_TYPE_Q8_0, 3, (int64_t[]){32, 1, 3}, NULL, fill_pattern,
                            fill_calls);
  if (st != ANYINFER_OK) {
    ai_gguf_writer_free(w);
    return st;
  }
  *out = w;
  return ANYINFER_OK;
}

static uint64_t pad(uint64_t x, uint64_t a) {
  return (x + a - 1) / a * a;
}

static void check_round_trip(const struct ai_gguf *g, const uint8_t *file, uint64_t align,
                             uint64_t n_kv) {
  CHECK_EQ(g->version, 3);
  CHECK_EQ(g->alignment, align);
  CHECK_EQ(g->n_kv, n_kv);
  uint32_t u32 = 0;
  int32_t i32 = 0;
  uint64_t u64 = 0;
  float f = 0;
  bool b = false;
  struct ai_gguf_str s = {0};
  CHECK_EQ(ai_gguf_get_str(g, "general.name", &s, &err), ANYINFER_OK);
  CHECK_STREQ(s.data, "round trip");
  CHECK_EQ(ai_gguf_get_u32(g, "t.u32", &u32, &err), ANYINFER_OK);
  CHECK_EQ(u32, 4000000000u);
  CHECK_EQ(ai_gguf_get_i32(g, "t.i32", &i32, &err), ANYINFER_OK);
  CHECK_EQ(i32, -8);
  CHECK_EQ(ai_gguf_get_u64(g, "t.u64", &u64, &err), ANYINFER_OK);
  CHECK_EQ(u64, 1ull << 40);
  CHECK_EQ(ai_gguf_get_f32(g, "t.f32", &f, &err), ANYINFER_OK);
  CHECK(f == 1.5f);
  CHECK_EQ(ai_gguf_get_bool(g, "t.bool", &b, &err), ANYINFER_OK);
  CHECK(b);
  int64_t k = ai_gguf_find_key(g, "t.u8");
  CHECK(k >= 0);
  if (k >= 0) {
    CHECK_EQ(g->kv[k].value.type, AI_GGUF_UINT8);
    CHECK_EQ(g->kv[k].value.v.u64, 250);
    CHECK_EQ(g->kv[k + 1].value.type, AI_GGUF_INT8);
    CHECK_EQ(g->kv[k + 1].value.v.i64, -120);
    CHECK_EQ(g->kv[k + 2].value.v.u64, 65000);
    CHECK_EQ(g->kv[k + 3].value.v.i64, -32000);
    CHECK_EQ(g->kv[k + 4].value.type, AI_GGUF_INT64);
    CHECK(g->kv[k + 4].value.v.i64 == INT64_MIN + 5);
    CHECK_EQ(g->kv[k + 5].value.type, AI_GGUF_FLOAT64);
    CHECK(g->kv[k + 5].value.v.f64 == 3.141592653589793);
  }
  const struct ai_gguf_value *a = NULL;
  CHECK_EQ(ai_gguf_get_arr(g, "t.strs", AI_GGUF_STRING, &a, &err), ANYINFER_OK);
  if (a) {
    CHECK_EQ(a->v.arr.count, 4);
    const struct ai_gguf_str *ss = a->v.arr.elems;
    for (int i = 0; i < 4; i++) {
      CHECK_STREQ(ss[i].data, words[i]);
      CHECK_EQ(ss[i].len, strlen(words[i]));
    }
  }
  CHECK_EQ(ai_gguf_get_arr(g, "t.ints", AI_GGUF_INT32, &a, &err), ANYINFER_OK);
  CHECK(a && a->v.arr.count == 5 && ((const int32_t *)a->v.arr.elems)[4] == INT32_MIN);
  CHECK_EQ(ai_gguf_get_arr(g, "t.floats", AI_GGUF_FLOAT32, &a, &err), ANYINFER_OK);
  CHECK(a && ((const float *)a->v.arr.elems)[2] == 1e10f);
  CHECK_EQ(ai_gguf_get_arr(g, "t.bools", AI_GGUF_BOOL, &a, &err), ANYINFER_OK);
  CHECK(a && a->v.arr.count == 3 && ((const uint8_t *)a->v.arr.elems)[1] == 0 &&
        ((const uint8_t *)a->v.arr.elems)[2] == 1);
  CHECK_EQ(ai_gguf_get_arr(g, "t.u64s", -1, &a, &err), ANYINFER_OK);
  CHECK(a && ((const uint64_t *)a->v.arr.elems)[0] == UINT64_MAX);
  CHECK_EQ(ai_gguf_get_arr(g, "t.empty", AI_GGUF_UINT8, &a, &err), ANYINFER_OK);
  CHECK(a && a->v.arr.count == 0);
  CHECK_EQ(ai_gguf_get_arr(g, "t.nested", AI_GGUF_ARRAY, &a, &err), ANYINFER_OK);
  if (a && a->v.arr.count == 3) {
    const struct ai_gguf_value *r = a->v.arr.elems;
    CHECK_EQ(r[0].v.arr.elem_type, AI_GGUF_INT16);
    CHECK_EQ(r[0].v.arr.count, 3);
    CHECK_EQ(((const int16_t *)r[0].v.arr.elems)[2], 3);
    CHECK_EQ(((const int16_t *)r[1].v.arr.elems)[0], -4);
    CHECK_EQ(r[2].v.arr.elem_type, AI_GGUF_STRING);
    CHECK_EQ(r[2].v.arr.count, 0);
  } else {
    CHECK(0 && "nested array missing");
  }
  /* tensors: sizes by hand from the block sizes, offsets the running padded sum */
  static const char *const names[4] = {"f32", "f16", "q8", "filled"};
  static const uint64_t bytes[4] = {48, 16, 4 * 34, 3 * 34};
  const void *src[4] = {f32_data, f16_data, q8_data, NULL};
  CHECK_EQ(g->n_tensors, 4);
  CHECK_EQ(g->data_offset % align, 0);
  uint64_t off = 0;
  for (int i = 0; i < 4 && g->n_tensors == 4; i++) {
    const struct ai_gguf_tensor *t = ai_gguf_find_tensor(g, names[i]);
    CHECK(t == &g->tensors[i]);
    if (!t) continue;
    CHECK_EQ(t->bytes, bytes[i]);
    CHECK_EQ(t->offset, off);
    const uint8_t *d = file + g->data_offset + t->offset;
    if (src[i]) {
      CHECK(memcmp(d, src[i], bytes[i]) == 0);
    } else {
      int bad = 0;
      for (uint64_t j = 0; j < bytes[i]; j++) bad += d[j] != (uint8_t)(j * 7 + 1);
      CHECK_EQ(bad, 0);
    }
    for (uint64_t j = bytes[i]; j < pad(bytes[i], align); j++) CHECK_EQ(d[j], 0);
    off = pad(off + bytes[i], align);
  }
  CHECK_EQ(g->tensors[0].ne[1], 3);
  CHECK_EQ(g->tensors[3].n_dims, 3);
  CHECK_EQ(g->tensors[3].ne[2], 3);
  CHECK_EQ(g->file_size, g->data_offset + off); /* the last tensor is padded too */
}

static void test_round_trip(uint32_t alignment) {
  for (size_t i = 0; i < sizeof q8_data; i++) q8_data[i] = (uint8_t)(i * 13);
  char path[512];
  tmp_path(path, sizeof path, "round_trip");
  struct ai_gguf_writer *w = NULL;
  int fill_calls = 0;
  CHECK_EQ(build_writer(NULL, alignment, &w, &fill_calls), ANYINFER_OK);
  if (!w) return;
  CHECK_EQ(ai_gguf_write_file(w, path, NULL, NULL, &err), ANYINFER_OK);
  CHECK_EQ(fill_calls, 1);
  ai_gguf_writer_free(w);
  size_t n = 0;
  uint8_t *file = read_all(path, &n);
  CHECK(file != NULL);
  uint64_t align = alignment ? alignment : 32;
  for (int mode = 0; mode < 3 && file; mode++) {
    /* memory, mapped file, positioned reads */
    struct ai_file f = {.fd = -1};
    struct ai_reader r = ai_mem_reader(file, n);
    if (mode > 0) {
      CHECK_EQ(ai_file_open(&f, path, mode == 1, &err), ANYINFER_OK);
      r = ai_file_reader(&f);
      CHECK(mode == 1 ? r.data != NULL : r.data == NULL);
    }
    struct ai_gguf *g = NULL;
    CHECK_EQ(ai_gguf_read(&r, NULL, &g, &err), ANYINFER_OK);
    if (g)
      check_round_trip(g, file, align, alignment ? 20 : 19);
    else
      fprintf(stderr, "round trip mode %d: %s\n", mode, err.msg);
    ai_gguf_free(g);
    ai_file_close(&f);
  }
  free(file);
  remove(path);
}

/* ---- getters --------------------------------------------------------------------------------- */

static void test_getters(void) {
  struct gb b = {0};
  gb_header(&b, 3, 0, 6);
  gb_kv_u32(&b, "big", 3000000000u);
  gb_str(&b, "neg");
  gb_u32(&b, AI_GGUF_INT8);
  gb_u8(&b, 0xff);
  gb_str(&b, "f64");
  gb_u32(&b, AI_GGUF_FLOAT64);
  gb_u64(&b, 0x3ff8000000000000ull); /* 1.5 */
  gb_kv_str(&b, "s", "x");
  gb_str(&b, "bool2"); /* a bool byte of 2 reads as true, as in llama.cpp */
  gb_u32(&b, AI_GGUF_BOOL);
  gb_u8(&b, 2);
  gb_str(&b, "bools"); /* bool array elements are stored as 0/1 */
  gb_u32(&b, AI_GGUF_ARRAY);
  gb_u32(&b, AI_GGUF_BOOL);
  gb_u64(&b, 3);
  gb_u8(&b, 2);
  gb_u8(&b, 0);
  gb_u8(&b, 255);
  struct ai_reader r = ai_mem_reader(b.p, b.n);
  struct ai_gguf *g = NULL;
  CHECK_EQ(ai_gguf_read(&r, NULL, &g, &err), ANYINFER_OK);
  if (g) {
    uint32_t u32 = 99;
    int32_t i32 = 99;
    uint64_t u64 = 99;
    float f = 0;
    bool bo = false;
    struct ai_gguf_str s;
    const struct ai_gguf_value *a;
    CHECK_EQ(ai_gguf_get_u32(g, "missing", &u32, &err), ANYINFER_E_NOT_FOUND);
    CHECK_EQ(u32, 99);
    CHECK_EQ(ai_gguf_get_u32(g, "big", &u32, &err), ANYINFER_OK);
    CHECK_EQ(u32, 3000000000u);
    CHECK_EQ(ai_gguf_get_i32(g, "big", &i32, &err), ANYINFER_E_FORMAT);
    CHECK(strstr(err.msg, "'big'") != NULL);
    CHECK_EQ(i32, 99);
    CHECK_EQ(ai_gguf_get_u64(g, "big", &u64, &err), ANYINFER_OK);
    CHECK_EQ(u64, 3000000000u);
    CHECK_EQ(ai_gguf_get_i32(g, "neg", &i32, &err), ANYINFER_OK);
    CHECK_EQ(i32, -1);
    CHECK_EQ(ai_gguf_get_u32(g, "neg", &u32, &err), ANYINFER_E_FORMAT);
    CHECK_EQ(ai_gguf_get_u64(g, "neg", &u64, &err), ANYINFER_E_FORMAT);
    CHECK_EQ(ai_gguf_get_f32(g, "f64", &f, &err), ANYINFER_OK);
    CHECK(f == 1.5f);
    CHECK_EQ(ai_gguf_get_f32(g, "big", &f, &err), ANYINFER_E_FORMAT);
    CHECK_EQ(ai_gguf_get_u32(g, "s", &u32, &err), ANYINFER_E_FORMAT);
    CHECK(strstr(err.msg, "string") != NULL);
    CHECK_EQ(ai_gguf_get_str(g, "big", &s, &err), ANYINFER_E_FORMAT);
    CHECK_EQ(ai_gguf_get_arr(g, "s", -1, &a, &err), ANYINFER_E_FORMAT);
    CHECK_EQ(ai_gguf_get_bool(g, "bool2", &bo, &err), ANYINFER_OK);
    CHECK(bo);
    CHECK_EQ(ai_gguf_get_bool(g, "s", &bo, &err), ANYINFER_E_FORMAT);
    CHECK_EQ(ai_gguf_get_arr(g, "bools", AI_GGUF_BOOL, &a, &err), ANYINFER_OK);
    CHECK(a && memcmp(a->v.arr.elems, "\1\0\1", 3) == 0);
    CHECK_EQ(ai_gguf_get_arr(g, "bools", AI_GGUF_UINT8, &a, &err), ANYINFER_E_FORMAT);
    CHECK(strstr(err.msg, "array of bool, expected u8") != NULL);
  }
  ai_gguf_free(g);
  gb_free(&b);
  CHECK_EQ(ai_gguf_vtype_size(AI_GGUF_UINT16), 2);
  CHECK_EQ(ai_gguf_vtype_size(AI_GGUF_FLOAT64), 8);
  CHECK_EQ(ai_gguf_vtype_size(AI_GGUF_STRING), 0);
  CHECK_STREQ(ai_gguf_vtype_name(AI_GGUF_BOOL), "bool");
  CHECK_STREQ(ai_gguf_vtype_name((enum ai_gguf_vtype)77), "unknown");
}

/* ---- writer failures ------------------------------------------------------------------------- */

static bool cancel_second(float fraction, void *user_data) {
  int *calls = user_data;
  CHECK(fraction >= 0 && fraction <= 1);
  return ++*calls < 2;
}

static bool record_progress(float fraction, void *user_data) {
  float *last = user_data;
  CHECK(fraction >= *last);
  *last = fraction;
  return true;
}

static anyinfer_status fill_fail(void *user_data, void *dst, size_t bytes, struct ai_error *e) {
  return ai_error_set(e, ANYINFER_E_IO, "test fill failed");
}

static void test_writer_errors(void) {
  char path[512], tmp[520];
  tmp_path(path, sizeof path, "writer_errors");
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  struct ai_gguf_writer *w = NULL;
  int fill_calls = 0, calls = 0;
  CHECK_EQ(build_writer(NULL, 0, &w, &fill_calls), ANYINFER_OK);
  if (!w) return;
  CHECK_EQ(ai_gguf_write_file(w, path, cancel_second, &calls, &err), ANYINFER_E_CANCELLED);
  CHECK(!file_exists(path) && !file_exists(tmp));
  float last = -1;
  CHECK_EQ(ai_gguf_write_file(w, path, record_progress, &last, &err), ANYINFER_OK);
  CHECK(last == 1.0f);
  remove(path);
  CHECK_EQ(ai_gguf_write_file(w, "/nonexistent-dir/x.gguf", NULL, NULL, &err), ANYINFER_E_IO);
  CHECK(strstr(err.msg, "/nonexistent-dir/x.gguf.tmp") != NULL);
  /* invalid additions say why and change nothing */
  CHECK_EQ(ai_gguf_add_tensor(w, "f32", AI_TYPE_F32, 1, (int64_t[]){1}, f32_data, 0, 0),
           ANYINFER_E_INVAL);
  CHECK(strstr(ai_gguf_writer_last_error(w), "twice") != NULL);
  CHECK_EQ(ai_gguf_add_tensor(w, "x", AI_TYPE_Q8_0, 1, (int64_t[]){33}, q8_data, 0, 0),
           ANYINFER_E_INVAL);
  CHECK(strstr(ai_gguf_writer_last_error(w), "block size 32") != NULL);
  CHECK_EQ(ai_gguf_add_tensor(w, "x", AI_TYPE_F32, 5, (int64_t[]){1, 1, 1, 1, 1}, f32_data, 0, 0),
           ANYINFER_E_INVAL);
  CHECK_EQ(ai_gguf_add_tensor(w, "x", 99, 1, (int64_t[]){1}, f32_data, 0, 0), ANYINFER_E_INVAL);
  CHECK_EQ(ai_gguf_add_tensor(w, "x", AI_TYPE_F32, 1, (int64_t[]){-1}, f32_data, 0, 0),
           ANYINFER_E_INVAL);
  CHECK_EQ(ai_gguf_add_tensor(w, "x", AI_TYPE_F32, 1, (int64_t[]){1}, NULL, 0, 0),
           ANYINFER_E_INVAL);
  char long_name[80];
  memset(long_name, 'n', 64);
  long_name[64] = '\0';
  CHECK_EQ(ai_gguf_add_tensor(w, long_name, AI_TYPE_F32, 1, (int64_t[]){1}, f32_data, 0, 0),
           ANYINFER_E_INVAL);
  long_name[63] = '\0'; /* 63 bytes is the longest allowed */
  CHECK_EQ(ai_gguf_add_tensor(w, long_name, AI_TYPE_F32, 1, (int64_t[]){1}, f32_data, 0, 0),
           ANYINFER_OK);
  CHECK_EQ(ai_gguf_set_u32(w, "general.alignment", 0), ANYINFER_E_INVAL);
  CHECK_EQ(ai_gguf_set_u32(w, "general.alignment", 48), ANYINFER_E_INVAL);
  CHECK(strstr(ai_gguf_writer_last_error(w), "general.alignment 48") != NULL);
  CHECK_EQ(ai_gguf_set_u64(w, "general.alignment", 64), ANYINFER_E_INVAL);
  CHECK_EQ(ai_gguf_set_arr(w, "k", AI_GGUF_ARRAY, NULL, 0), ANYINFER_E_INVAL);
  CHECK_EQ(ai_gguf_add_tensor(w, "bad fill", AI_TYPE_F32, 1, (int64_t[]){4}, NULL, fill_fail, 0),
           ANYINFER_OK);
  CHECK_EQ(ai_gguf_write_file(w, path, NULL, NULL, &err), ANYINFER_E_IO);
  CHECK_STREQ(err.msg, "test fill failed");
  CHECK(!file_exists(path) && !file_exists(tmp));
  ai_gguf_writer_free(w);
  ai_gguf_writer_free(NULL);
  ai_gguf_free(NULL);
}

/* ---- allocation failures --------------------------------------------------------------------- */

static void test_read_oom(const char *path) {
  for (int mode = 0; mode < 2; mode++) {
    struct ai_file f = {.fd = -1};
    if (ai_file_open(&f, path, mode == 0, &err) != ANYINFER_OK) {
      CHECK(0 && "cannot open the round-trip file");
      return;
    }
    struct ai_reader r = ai_file_reader(&f);
    anyinfer_status st = ANYINFER_E_NOMEM;
    uint64_t n = 1;
    for (; st != ANYINFER_OK && n < 1000; n++) {
      struct ai_alloc_fault fault = {.fail_at = n};
      struct ai_alloc a = ai_alloc_make(ai_alloc_fault_fn, &fault);
      struct ai_gguf *g = NULL;
      st = ai_gguf_read(&r, &a, &g, &err);
      if (st != ANYINFER_OK) {
        CHECK_EQ(st, ANYINFER_E_NOMEM);
        CHECK(g == NULL);
      }
      ai_gguf_free(g);
      CHECK_EQ(fault.n_live, 0);
    }
    CHECK(n > 2 && st == ANYINFER_OK);
    ai_file_close(&f);
  }
}

static void test_write_oom(void) {
  char path[512];
  tmp_path(path, sizeof path, "write_oom");
  anyinfer_status st = ANYINFER_E_NOMEM;
  uint64_t n = 1;
  for (; st != ANYINFER_OK && n < 1000; n++) {
    struct ai_alloc_fault fault = {.fail_at = n};
    struct ai_alloc a = ai_alloc_make(ai_alloc_fault_fn, &fault);
    struct ai_gguf_writer *w = NULL;
    int fill_calls = 0;
    st = build_writer(&a, 64, &w, &fill_calls);
    if (st == ANYINFER_OK) st = ai_gguf_write_file(w, path, NULL, NULL, &err);
    if (st != ANYINFER_OK) {
      CHECK_EQ(st, ANYINFER_E_NOMEM);
      CHECK(!file_exists(path));
    } else {
      test_read_oom(path);
    }
    ai_gguf_writer_free(w);
    CHECK_EQ(fault.n_live, 0);
  }
  CHECK(n > 2 && st == ANYINFER_OK);
  remove(path);
}

int main(void) {
  ai_error_clear(&err);
  test_reference_bytes(2);
  test_reference_bytes(3);
  test_reference_no_tensors();
  test_writer_bytes();
  test_round_trip(0);
  test_round_trip(64);
  test_round_trip(1);
  test_getters();
  test_writer_errors();
  test_write_oom();
  return check_exit();
}
