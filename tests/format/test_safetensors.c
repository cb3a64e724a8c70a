/* safetensors header reader: exact fields of hand-written files (escapes, scalars, empty tensors,
 * metadata, padding), the unmapped-reader path, every validation rule giving E_FORMAT with a
 * message naming the field, truncations, and out-of-memory at every allocation. */
#include "check.h"
#include "format/safetensors.h"

static uint8_t buf[4096];
static struct ai_error err;

/* u64 length + header + data_bytes bytes of data (value i & 0xff at data byte i). */
static size_t make(const char *header, size_t data_bytes) {
  size_t n = strlen(header);
  for (int i = 0; i < 8; i++) buf[i] = (uint8_t)((uint64_t)n >> (8 * i));
  memcpy(buf + 8, header, n);
  for (size_t i = 0; i < data_bytes; i++) buf[8 + n + i] = (uint8_t)i;
  return 8 + n + data_bytes;
}

static anyinfer_status parse(size_t n, struct ai_safetensors **out) {
  struct ai_reader r = ai_mem_reader(buf, n);
  ai_error_clear(&err);
  return ai_safetensors_read(&r, NULL, out, &err);
}

/* The header must fail with E_FORMAT and a message containing want. */
static void expect_error(const char *header, size_t data_bytes, const char *want) {
  struct ai_safetensors *s = (struct ai_safetensors *)1;
  anyinfer_status st = parse(make(header, data_bytes), &s);
  CHECK_EQ(st, ANYINFER_E_FORMAT);
  CHECK(s == NULL);
  if (!strstr(err.msg, want)) {
    fprintf(stderr, "header %s\n  message '%s'\n  lacks '%s'\n", header, err.msg, want);
    CHECK(strstr(err.msg, want) != NULL);
  }
}

static const char kValid[] =
    "{\"__metadata__\":{\"format\":\"pt\",\"k\\\"ey\":\"v\\n\"},"
    " \"w\\u00e9\\ud83d\\ude00\" : {\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
    "\"b\":{\"shape\":[4],\"dtype\":\"BF16\",\"data_offsets\":[24,32],\"extra\":[1,{\"x\":null}]},"
    "\"s\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[32,40]},"
    "\"e\":{\"dtype\":\"F16\",\"shape\":[0,3],\"data_offsets\":[40,40]}}   ";

static void test_valid(void) {
  struct ai_safetensors *s = NULL;
  size_t n = make(kValid, 40);
  CHECK_EQ(parse(n, &s), ANYINFER_OK);
  if (!s) return;
  CHECK_EQ(s->header_bytes, strlen(kValid));
  CHECK_EQ(s->data_offset, 8 + strlen(kValid));
  CHECK_EQ(s->data_bytes, 40);
  CHECK_EQ(s->n_tensors, 4);
  CHECK_EQ(s->n_meta, 2);
  CHECK_STREQ(ai_safetensors_meta(s, "format"), "pt");
  CHECK_STREQ(ai_safetensors_meta(s, "k\"ey"), "v\n");
  CHECK(ai_safetensors_meta(s, "nope") == NULL);
  const struct ai_st_tensor *w = ai_safetensors_find(s, "w\xC3\xA9\xF0\x9F\x98\x80");
  CHECK(w != NULL);
  if (w) {
    CHECK_EQ(w->dtype, AI_ST_F32);
    CHECK_EQ(w->n_dims, 2);
    CHECK_EQ(w->shape[0], 2);
    CHECK_EQ(w->shape[1], 3);
    CHECK_EQ(w->n_elements, 6);
    CHECK_EQ(w->begin, 0);
    CHECK_EQ(w->end, 24);
  }
  const struct ai_st_tensor *b = ai_safetensors_find(s, "b");
  CHECK(b && b->dtype == AI_ST_BF16 && b->n_dims == 1 && b->shape[0] == 4 && b->begin == 24);
  const struct ai_st_tensor *sc = ai_safetensors_find(s, "s");
  CHECK(sc && sc->n_dims == 0 && sc->n_elements == 1 && sc->end - sc->begin == 8);
  const struct ai_st_tensor *e = ai_safetensors_find(s, "e");
  CHECK(e && e->n_elements == 0 && e->begin == 40 && e->end == 40);
  CHECK(ai_safetensors_find(s, "x") == NULL);
  CHECK_STREQ(s->tensors[0].name, "w\xC3\xA9\xF0\x9F\x98\x80"); /* file order */
  CHECK_STREQ(s->tensors[3].name, "e");
  ai_safetensors_free(s);

  ai_safetensors_free(NULL);

  s = NULL;
  CHECK_EQ(parse(make("{}", 0), &s), ANYINFER_OK);
  CHECK(s && s->n_tensors == 0 && s->n_meta == 0);
  ai_safetensors_free(s);
}

/* A reader whose bytes are not in memory: exercises the copy-the-header path. */
static const uint8_t *g_src;
static anyinfer_status copy_read(const struct ai_reader *r, uint64_t off, void *dst, size_t n,
                                 struct ai_error *e) {
  if (off > r->size || n > r->size - off) return ai_error_set(e, ANYINFER_E_FORMAT, "past end");
  memcpy(dst, g_src + off, n);
  return ANYINFER_OK;
}

static void test_unmapped(void) {
  size_t n = make(kValid, 40);
  g_src = buf;
  struct ai_reader r = {copy_read, NULL, n, NULL};
  struct ai_safetensors *s = NULL;
  CHECK_EQ(ai_safetensors_read(&r, NULL, &s, &err), ANYINFER_OK);
  CHECK(s && s->n_tensors == 4 && ai_safetensors_find(s, "b") != NULL);
  ai_safetensors_free(s);
}

static void test_length_errors(void) {
  struct ai_safetensors *s = NULL;
  buf[0] = 1;
  CHECK_EQ(parse(5, &s), ANYINFER_E_FORMAT);
  CHECK(strstr(err.msg, "shorter than the 8-byte header length") != NULL);
  make("{}", 0);
  buf[0] = 1; /* N = 1 */
  CHECK_EQ(parse(10, &s), ANYINFER_E_FORMAT);
  CHECK(strstr(err.msg, "header length 1, must be in [2, 100000000)") != NULL);
  memset(buf, 0, 8);
  buf[0] = 0x00, buf[1] = 0xe1, buf[2] = 0xf5, buf[3] = 0x05; /* 100,000,000 */
  CHECK_EQ(parse(100, &s), ANYINFER_E_FORMAT);
  CHECK(strstr(err.msg, "header length 100000000, must be in") != NULL);
  memset(buf, 0xff, 8);
  CHECK_EQ(parse(100, &s), ANYINFER_E_FORMAT);
  CHECK(strstr(err.msg, "header length 18446744073709551615") != NULL);
  size_t n = make(kValid, 40);
  CHECK_EQ(parse(8 + strlen(kValid) - 1, &s), ANYINFER_E_FORMAT); /* truncated header */
  CHECK(strstr(err.msg, "runs past the end of the file") != NULL);
  CHECK(s == NULL);
  /* every truncation of a valid file fails with a message */
  for (size_t cut = 0; cut < n; cut++) {
    s = NULL;
    anyinfer_status st = parse(cut, &s);
    CHECK_EQ(st, ANYINFER_E_FORMAT);
    CHECK(s == NULL && err.msg[0] != '\0');
  }
}

static void test_rule_errors(void) {
  const char *t = "\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]";
  char h[512];
  expect_error("[]", 0, "the header must be a JSON object");
  expect_error("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},}", 8,
               "expected a string");
  expect_error("{\"a\":{\"dtype\":\"F12\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8,
               "tensor 'a': dtype 'F12' is not a safetensors dtype");
  expect_error("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8,
               "shape dimension must be a non-negative integer");
  expect_error("{\"a\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}", 8,
               "shape dimension must be a non-negative integer");
  expect_error("{\"a\":{\"dtype\":\"F32\",\"shape\":[02],\"data_offsets\":[0,8]}}", 8,
               "shape dimension must be a non-negative integer");
  expect_error("{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,2],\"data_offsets\":[0,8]}}",
               8, "tensor 'a': more than 8 dims");
  expect_error(
      "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}", 8,
      "tensor 'a': shape has more than 2^63 elements");
  expect_error(
      "{\"a\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,8]}}", 8,
      "shape dimension exceeds 2^63");
  expect_error("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8,9]}}", 8,
               "data_offsets must be an array of 2 integers");
  expect_error("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8,
               "tensor 'a': data_offsets [8, 0] outside the 8 data bytes");
  expect_error("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,16]}}", 8,
               "tensor 'a': data_offsets [0, 16] outside the 8 data bytes");
  expect_error("{\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,8]}}", 8,
               "tensor 'a': data_offsets [0, 8] hold 8 bytes, shape [2, 3] of F32 needs 24");
  expect_error(
      "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
      "\"b\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[4,12]}}",
      12, "tensors 'a' [0, 8] and 'b' [4, 12] overlap");
  snprintf(h, sizeof h, "{\"a\":{%s},\"a\":{%s}}", t, t);
  expect_error(h, 8, "tensor 'a' appears twice");
  snprintf(h, sizeof h,
           "{\"a\":{%s},\"b\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,8]},"
           "\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}",
           t);
  expect_error(h, 8, "tensor 'a' appears twice");
  expect_error("{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8,
               "tensor 'a': 'dtype' is missing");
  expect_error("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", 8,
               "tensor 'a': 'shape' is missing");
  expect_error("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8,
               "tensor 'a': 'data_offsets' is missing");
  expect_error("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
               8, "tensor 'a': dtype given twice");
  expect_error("{\"a\":3}", 0, "a tensor entry must be an object");
  expect_error("{\"\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8,
               "tensor 0 has an empty name");
  expect_error("{\"__metadata__\":{\"k\":1}}", 0, "__metadata__ 'k': value must be a string");
  expect_error("{\"__metadata__\":{},\"__metadata__\":{}}", 0, "__metadata__ given twice");
  expect_error("{\"a\":{\"x\":[[[[1]]]],\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
               8, "values nested too deep");
  expect_error("{\"a\":{\"x\":nul,\"dtype\":\"F32\"}}", 0, "expected a value");
  expect_error("{\"a\":{\"x\":1.,\"dtype\":\"F32\"}}", 0, "bad number");
  expect_error("{} x", 0, "bytes after the header object");
  expect_error("{\"a", 0, "unterminated string");
  expect_error("{\"a\\u0000\":{}}", 0, "\\u0000 in a string");
  expect_error("{\"a\\udc00\":{}}", 0, "lone low surrogate");
  expect_error("{\"a\\ud800x\":{}}", 0, "high surrogate without a low surrogate");
  expect_error("{\"a\\q\":{}}", 0, "bad escape in a string");
  expect_error("{\"a\\u12\":{}}", 0, "bad \\u escape");
  expect_error("{\"a\tb\":{}}", 0, "control character in a string");
  expect_error("{\"a\" {}}", 0, "expected ':'");
}

static void test_oom(void) {
  size_t n = make(kValid, 40);
  for (uint64_t fail_at = 1;; fail_at++) {
    struct ai_alloc_fault f = {0, fail_at, 0};
    struct ai_alloc a = ai_alloc_make(ai_alloc_fault_fn, &f);
    struct ai_reader r = ai_mem_reader(buf, n);
    struct ai_safetensors *s = NULL;
    ai_error_clear(&err);
    anyinfer_status st = ai_safetensors_read(&r, &a, &s, &err);
    if (st == ANYINFER_OK) {
      CHECK(s != NULL);
      ai_safetensors_free(s);
      CHECK_EQ(f.n_live, 0);
      CHECK(fail_at > 5);
      break;
    }
    CHECK_EQ(st, ANYINFER_E_NOMEM);
    CHECK(s == NULL);
    CHECK_EQ(f.n_live, 0);
    if (fail_at > 1000) break;
  }
}

static void test_dtypes(void) {
  CHECK_STREQ(ai_st_dtype_name(AI_ST_BF16), "BF16");
  CHECK_EQ(ai_st_dtype_size(AI_ST_BF16), 2);
  CHECK_EQ(ai_st_dtype_size(AI_ST_F64), 8);
  CHECK_EQ(ai_st_dtype_size(AI_ST_F8_E4M3), 1);
  CHECK_STREQ(ai_st_dtype_name(AI_ST_DTYPE_COUNT), "?");
  CHECK_EQ(ai_st_dtype_size(AI_ST_DTYPE_COUNT), 0);
}

int main(void) {
  test_valid();
  test_unmapped();
  test_length_errors();
  test_rule_errors();
  test_oom();
  test_dtypes();
  return check_exit();
}
