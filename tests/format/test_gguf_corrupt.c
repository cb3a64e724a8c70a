/* GGUF reader on damaged input: every truncation of a valid file fails with ANYINFER_E_FORMAT;
 * seeded random byte flips never crash (OK or an error with a message); absurd values each fail
 * fast with a message naming the field. Meant to run under ASan/UBSan (make test-asan). */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "format/gguf_bytes.h"

static struct ai_error err;

/* Reads buf and, on success, touches every string and element so ASan sees any bad pointer. */
static anyinfer_status parse(const uint8_t *buf, size_t n) {
  struct ai_reader r = ai_mem_reader(buf, n);
  struct ai_gguf *g = NULL;
  ai_error_clear(&err);
  anyinfer_status st = ai_gguf_read(&r, NULL, &g, &err);
  if (st != ANYINFER_OK) {
    CHECK(g == NULL);
    CHECK(err.msg[0] != '\0');
    return st;
  }
  size_t sum = 0;
  for (uint64_t i = 0; i < g->n_kv; i++) {
    sum += strlen(g->kv[i].key.data);
    const struct ai_gguf_value *v = &g->kv[i].value;
    if (v->type == AI_GGUF_STRING) sum += strlen(v->v.str.data);
    if (v->type == AI_GGUF_ARRAY && v->v.arr.elem_type == AI_GGUF_STRING)
      for (uint64_t j = 0; j < v->v.arr.count; j++)
        sum += strlen(((const struct ai_gguf_str *)v->v.arr.elems)[j].data);
  }
  for (uint64_t i = 0; i < g->n_tensors; i++) {
    const struct ai_gguf_tensor *t = &g->tensors[i];
    CHECK(t->offset + t->bytes <= g->file_size - g->data_offset);
    CHECK(ai_gguf_find_tensor(g, t->name.data) != NULL);
  }
  ai_gguf_free(g);
  return sum == SIZE_MAX ? ANYINFER_E_INVAL : ANYINFER_OK;
}

/* A valid file from the writer whose last tensor needs no padding, so any truncation breaks it. */
static uint8_t *valid_file(size_t *n) {
  char path[512];
  tmp_path(path, sizeof path, "corrupt_seed");
  struct ai_gguf_writer *w = NULL;
  static const char *const toks[] = {"<s>", "</s>", "hello", "world"};
  static const float data[16] = {1, 2, 3, 4, 5, 6, 7, 8};
  static uint8_t q8[34 * 4];
  uint8_t *file = NULL;
  anyinfer_status st = ai_gguf_writer_create(NULL, &w, &err);
  if (!st) st = ai_gguf_set_str(w, "general.architecture", "llama");
  if (!st) st = ai_gguf_set_u32(w, "llama.block_count", 2);
  if (!st) st = ai_gguf_set_f32(w, "llama.rope.freq_base", 10000.0f);
  if (!st) st = ai_gguf_set_arr(w, "tokenizer.ggml.tokens", AI_GGUF_STRING, toks, 4);
  if (!st) st = ai_gguf_set_arr(w, "tokenizer.ggml.scores", AI_GGUF_FLOAT32, data, 4);
  if (!st) st = ai_gguf_add_tensor(w, "a", AI_TYPE_F32, 2, (int64_t[]){3, 2}, data, 0, 0);
  if (!st) st = ai_gguf_add_tensor(w, "b", AI_TYPE_Q8_0, 1, (int64_t[]){64}, q8, 0, 0);
  if (!st) st = ai_gguf_add_tensor(w, "c", AI_TYPE_F32, 1, (int64_t[]){16}, data, 0, 0);
  if (!st) st = ai_gguf_write_file(w, path, NULL, NULL, &err);
  if (!st) file = read_all(path, n);
  CHECK(file != NULL);
  ai_gguf_writer_free(w);
  remove(path);
  return file;
}

static void test_truncation(const uint8_t *file, size_t n) {
  CHECK_EQ(parse(file, n), ANYINFER_OK);
  struct ai_reader r = ai_mem_reader(file, n);
  struct ai_gguf *g = NULL;
  CHECK_EQ(ai_gguf_read(&r, NULL, &g, &err), ANYINFER_OK);
  size_t header = g ? (size_t)g->data_offset : n;
  ai_gguf_free(g);
  for (size_t cut = 0; cut < n; cut++) {
    if (cut > header && cut % (n / 64 + 1) != 0) continue;
    uint8_t *copy = malloc(cut ? cut : 1); /* exact size: ASan catches any read past it */
    memcpy(copy, file, cut);
    anyinfer_status st = parse(copy, cut);
    if (st != ANYINFER_E_FORMAT)
      fprintf(stderr, "truncated at %zu of %zu: status %d (%s)\n", cut, n, st, err.msg);
    CHECK_EQ(st, ANYINFER_E_FORMAT);
    free(copy);
  }
}

static void test_flips(const uint8_t *file, size_t n) {
  const uint64_t seed = 0x6775756620ull;
  uint64_t state = seed;
  uint8_t *copy = malloc(n);
  int n_ok = 0;
  for (int i = 0; i < 2000; i++) {
    memcpy(copy, file, n);
    int n_flips = 1 + (int)(check_rand_u64(&state) % 4);
    for (int k = 0; k < n_flips; k++) {
      uint64_t x = check_rand_u64(&state);
      copy[x % n] ^= (uint8_t)(1u << ((x >> 32) % 8));
      if (x >> 62 == 0) copy[(x >> 16) % n] = (uint8_t)(x >> 40); /* sometimes a whole byte */
    }
    int failures = check_failures;
    n_ok += parse(copy, n) == ANYINFER_OK;
    if (check_failures != failures)
      fprintf(stderr, "flip seed %llu, case %d\n", (unsigned long long)seed, i);
  }
  CHECK(n_ok > 0 && n_ok < 2000);
  free(copy);
}

/* ---- absurd values --------------------------------------------------------------------------- */

static void expect(struct gb *b, anyinfer_status want, const char *needle, int line) {
  anyinfer_status st = parse(b->p, b->n);
  if (st != want || !strstr(err.msg, needle))
    fprintf(stderr, "line %d: status %d, message \"%s\", wanted %d with \"%s\"\n", line, st,
            err.msg, want, needle);
  CHECK_EQ(st, want);
  CHECK(strstr(err.msg, needle) != NULL);
  gb_free(b);
}
#define EXPECT(b, want, needle) expect(b, want, needle, __LINE__)

/* Header with one kv (general.alignment when align != 0), tensors from the caller. */
static void start(struct gb *b, uint64_t n_tensors, uint32_t align) {
  gb_header(b, 3, n_tensors, align ? 1 : 0);
  if (align) gb_kv_u32(b, "general.alignment", align);
}

/* A file with one F32 tensor "t" of shape ne, type and offset as given, and data of `data` bytes
 * after the aligned tensor-info block. */
static void one_tensor(struct gb *b, uint32_t n_dims, const int64_t *ne, uint32_t type,
                       uint64_t offset, size_t data) {
  start(b, 1, 0);
  gb_tensor(b, "t", n_dims, ne, type, offset);
  gb_pad(b, 32);
  for (size_t i = 0; i < data; i++) gb_u8(b, 0);
}

static void test_absurd(void) {
  struct gb b = {0};
  gb_bytes(&b, "GGUX", 4);
  gb_u32(&b, 3);
  gb_u64(&b, 0);
  gb_u64(&b, 0);
  EXPECT(&b, ANYINFER_E_FORMAT, "magic");
  gb_header(&b, 1, 0, 0);
  EXPECT(&b, ANYINFER_E_FORMAT, "version 1");
  gb_header(&b, 4, 0, 0);
  EXPECT(&b, ANYINFER_E_FORMAT, "version 4");
  gb_header(&b, 0x03000000, 0, 0);
  EXPECT(&b, ANYINFER_E_FORMAT, "big-endian");

  gb_header(&b, 3, 0, 1ull << 63);
  EXPECT(&b, ANYINFER_E_FORMAT, "n_kv 9223372036854775808");
  gb_header(&b, 3, UINT64_MAX, 0);
  EXPECT(&b, ANYINFER_E_FORMAT, "n_tensors 18446744073709551615");
  gb_header(&b, 3, 0, 2); /* more kvs than bytes for them */
  gb_kv_u32(&b, "a", 1);
  EXPECT(&b, ANYINFER_E_FORMAT, "n_kv 2");

  gb_header(&b, 3, 0, 1);
  gb_u64(&b, 1000); /* key length beyond the file */
  gb_bytes(&b, "abcdefgh", 8);
  EXPECT(&b, ANYINFER_E_FORMAT, "kv 0: key: string length 1000");
  gb_header(&b, 3, 0, 1);
  gb_str(&b, "s");
  gb_u32(&b, AI_GGUF_STRING);
  gb_u64(&b, UINT64_MAX);
  gb_u64(&b, 0);
  EXPECT(&b, ANYINFER_E_FORMAT, "kv 0 's': string value: string length 18446744073709551615");
  gb_header(&b, 3, 0, 1);
  gb_str(&b, "arr");
  gb_u32(&b, AI_GGUF_ARRAY);
  gb_u32(&b, AI_GGUF_UINT32);
  gb_u64(&b, 1ull << 62);
  gb_u64(&b, 0);
  EXPECT(&b, ANYINFER_E_FORMAT, "kv 0 'arr': array count 4611686018427387904 of u32");
  gb_header(&b, 3, 0, 1);
  gb_str(&b, "toks");
  gb_u32(&b, AI_GGUF_ARRAY);
  gb_u32(&b, AI_GGUF_STRING);
  gb_u64(&b, 3);
  gb_str(&b, "x");
  gb_u64(&b, 99);
  gb_str(&b, "y");
  EXPECT(&b, ANYINFER_E_FORMAT, "kv 0 'toks' element 1: string: string length 99");
  gb_header(&b, 3, 0, 1);
  gb_str(&b, "k");
  gb_u32(&b, 13);
  gb_u64(&b, 0);
  EXPECT(&b, ANYINFER_E_FORMAT, "kv 0 'k': value type 13 unknown");
  gb_header(&b, 3, 0, 1);
  gb_str(&b, "k");
  gb_u32(&b, AI_GGUF_ARRAY);
  gb_u32(&b, 0xffffffffu);
  gb_u64(&b, 1);
  EXPECT(&b, ANYINFER_E_FORMAT, "array element type 4294967295 unknown");
  gb_header(&b, 3, 0, 1); /* arrays nested one level deeper than allowed */
  gb_str(&b, "deep");
  gb_u32(&b, AI_GGUF_ARRAY);
  for (int d = 0; d < AI_GGUF_MAX_ARRAY_DEPTH; d++) {
    gb_u32(&b, AI_GGUF_ARRAY);
    gb_u64(&b, 1);
  }
  gb_u32(&b, AI_GGUF_UINT8);
  gb_u64(&b, 0);
  EXPECT(&b, ANYINFER_E_FORMAT, "nested 9 deep, at most 8");
  gb_header(&b, 3, 0, 2);
  gb_kv_u32(&b, "dup", 1);
  gb_kv_u32(&b, "dup", 2);
  EXPECT(&b, ANYINFER_E_FORMAT, "kv 1 'dup': duplicate key");

  start(&b, 0, 3);
  EXPECT(&b, ANYINFER_E_FORMAT, "general.alignment 3 is not a power of two");
  gb_header(&b, 3, 0, 1);
  gb_kv_u32(&b, "general.alignment", 0);
  EXPECT(&b, ANYINFER_E_FORMAT, "general.alignment 0 is not a power of two");
  start(&b, 0, 1u << 21);
  EXPECT(&b, ANYINFER_E_FORMAT, "general.alignment 2097152");
  gb_header(&b, 3, 0, 1);
  gb_str(&b, "general.alignment");
  gb_u32(&b, AI_GGUF_UINT64);
  gb_u64(&b, 32);
  EXPECT(&b, ANYINFER_E_FORMAT, "general.alignment has type u64, must be u32");

  one_tensor(&b, 5, (int64_t[]){1, 1, 1, 1, 1}, AI_TYPE_F32, 0, 4);
  EXPECT(&b, ANYINFER_E_FORMAT, "tensor 0 't': n_dims 5, must be 1..4");
  one_tensor(&b, 0, NULL, AI_TYPE_F32, 0, 4);
  EXPECT(&b, ANYINFER_E_FORMAT, "n_dims 0");
  one_tensor(&b, 2, (int64_t[]){4, -1}, AI_TYPE_F32, 0, 16);
  EXPECT(&b, ANYINFER_E_FORMAT, "tensor 0 't': ne[1] = -1 is negative");
  one_tensor(&b, 4, (int64_t[]){1ll << 20, 1ll << 20, 1ll << 20, 1ll << 20}, AI_TYPE_F32, 0, 4);
  EXPECT(&b, ANYINFER_E_FORMAT, "tensor 0 't': ne product");
  one_tensor(&b, 2, (int64_t[]){1ll << 40, 1ll << 22}, AI_TYPE_F32, 0, 4);
  EXPECT(&b, ANYINFER_E_FORMAT, "size in bytes of 4611686018427387904 F32 elements overflows");
  one_tensor(&b, 1, (int64_t[]){4}, 99, 0, 16);
  EXPECT(&b, ANYINFER_E_FORMAT, "tensor 0 't': type 99 unknown");
  one_tensor(&b, 1, (int64_t[]){4}, 4, 0, 16); /* 4 was Q4_2, removed from ggml */
  EXPECT(&b, ANYINFER_E_UNSUPPORTED, "tensor 0 't': type 4 not supported");
  one_tensor(&b, 1, (int64_t[]){48}, AI_TYPE_Q8_0, 0, 64);
  EXPECT(&b, ANYINFER_E_FORMAT, "ne[0] = 48 is not a multiple of Q8_0 block size 32");
  one_tensor(&b, 1, (int64_t[]){4}, AI_TYPE_F32, 0, 15);
  EXPECT(&b, ANYINFER_E_FORMAT, "tensor 0 't': data at offset 0 + 16 bytes extends past the end");
  one_tensor(&b, 1, (int64_t[]){4}, AI_TYPE_F32, 1ull << 60, 16);
  EXPECT(&b, ANYINFER_E_FORMAT, "offset 1152921504606846976, expected 0");
  one_tensor(&b, 1, (int64_t[]){4}, AI_TYPE_F32, 8, 16);
  EXPECT(&b, ANYINFER_E_FORMAT, "tensor 0 't': offset 8 is not a multiple of alignment 32");

  start(&b, 2, 0); /* second tensor not at the padded end of the first */
  gb_tensor(&b, "t0", 1, (int64_t[]){4}, AI_TYPE_F32, 0);
  gb_tensor(&b, "t1", 1, (int64_t[]){4}, AI_TYPE_F32, 64);
  gb_pad(&b, 32);
  for (int i = 0; i < 96; i++) gb_u8(&b, 0);
  EXPECT(&b, ANYINFER_E_FORMAT, "tensor 1 't1': offset 64, expected 32");
  start(&b, 2, 0);
  gb_tensor(&b, "t0", 1, (int64_t[]){4}, AI_TYPE_F32, 0);
  gb_tensor(&b, "t0", 1, (int64_t[]){4}, AI_TYPE_F32, 32);
  gb_pad(&b, 32);
  for (int i = 0; i < 64; i++) gb_u8(&b, 0);
  EXPECT(&b, ANYINFER_E_FORMAT, "tensor 1 't0': duplicate tensor name");
  char name[65];
  memset(name, 'x', 64);
  name[64] = '\0';
  start(&b, 1, 0);
  gb_tensor(&b, name, 1, (int64_t[]){4}, AI_TYPE_F32, 0);
  gb_pad(&b, 32);
  for (int i = 0; i < 16; i++) gb_u8(&b, 0);
  EXPECT(&b, ANYINFER_E_FORMAT, "tensor 0: name: length 64, at most 63");
  start(&b, 1, 0); /* the aligned data section would start past the end */
  gb_tensor(&b, "t", 1, (int64_t[]){0}, AI_TYPE_F32, 0);
  EXPECT(&b, ANYINFER_E_FORMAT, "data section");

  /* limits that are fine: a 63-byte name, ne 0, alignment 1 */
  name[63] = '\0';
  start(&b, 2, 1);
  gb_tensor(&b, name, 1, (int64_t[]){0}, AI_TYPE_F32, 0);
  gb_tensor(&b, "t", 2, (int64_t[]){1, 1}, AI_TYPE_F32, 0);
  for (int i = 0; i < 4; i++) gb_u8(&b, 0);
  CHECK_EQ(parse(b.p, b.n), ANYINFER_OK);
  gb_free(&b);
}

int main(void) {
  size_t n = 0;
  uint8_t *file = valid_file(&n);
  if (file) {
    test_truncation(file, n);
    test_flips(file, n);
  }
  free(file);
  test_absurd();
  return check_exit();
}
