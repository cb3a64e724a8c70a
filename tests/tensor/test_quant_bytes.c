/* Exact bytes of the reference quantizers on hand-made blocks, derived by hand from llama.cpp's
 * quantize_row_*_ref formulas (ggml-quants.c); and the traits table, names and row sizes. Scales
 * are chosen to be 1.0 or -1.0 so every quotient is exact: fp16(1.0) = 0x3c00, fp16(-1.0) =
 * 0xbc00, stored little-endian. */
#include "check.h"
#include "tensor/types.h"

static void check_bytes(const char *what, const uint8_t *got, const uint8_t *want, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (got[i] != want[i]) {
      fprintf(stderr, "%s: byte %zu is 0x%02x, expected 0x%02x\n", what, i, got[i], want[i]);
      CHECK(0);
      return;
    }
  }
  CHECK(1);
}

static void quantize(int type, const float *x, uint8_t *out) {
  const struct ai_type_traits *tr = ai_type_traits_get(type);
  CHECK(tr != NULL);
  if (tr != NULL) tr->from_float(x, out, 32);
}

/* Q8_0: amax = 127 -> d = 127/127 = 1, id = 1; q = roundf(x): 127, roundf(-63.5) = -64 (away
 * from zero), 0.5 -> 1, -0.5 -> -1, 2.5 -> 3 (not 2: roundf is not round-half-even), 0 -> 0. */
static void test_q8_0(void) {
  float x[32] = {127.0f, -63.5f, 0.5f, -0.5f, 2.5f};
  uint8_t want[34] = {0x00, 0x3c, 0x7f, 0xc0, 0x01, 0xff, 0x03};
  uint8_t got[34];
  quantize(AI_TYPE_Q8_0, x, got);
  check_bytes("q8_0", got, want, sizeof want);
}

/* Q8_1: the same qs as above; sum = 127 - 64 + 1 - 1 + 3 = 66, s = fp16(66 * 1.0): 66 = 1.03125 *
 * 2^6, exponent field 6 + 15 = 21 -> 21 << 10 = 0x5400, mantissa 0.03125 * 1024 = 0x20: 0x5420. */
static void test_q8_1(void) {
  float x[32] = {127.0f, -63.5f, 0.5f, -0.5f, 2.5f};
  uint8_t want[36] = {0x00, 0x3c, 0x20, 0x54, 0x7f, 0xc0, 0x01, 0xff, 0x03};
  uint8_t got[36];
  quantize(AI_TYPE_Q8_1, x, got);
  check_bytes("q8_1", got, want, sizeof want);
}

/* Q4_0, block A: max-abs value -8 (sign kept) -> d = -8 / -8 = 1, id = 1,
 * q = min(15, (int8_t)(x + 8.5)): x0 = -8 -> 0; x1 = 7 -> 15; x3 = 2.4 -> (int8_t)10.9 = 10;
 * x16 = -3 -> 5; x17 = 7.6 -> 16 -> clamped 15; zeros -> 8.
 * qs[j] = q[j] | q[j+16] << 4: qs0 = 0 | 5 << 4 = 0x50, qs1 = 0xff, qs2 = 0x88, qs3 = 0x8a.
 * Block B: x0 = 8 is found first, so max = 8 (x1 = -8 has equal magnitude, and the search
 * replaces only on a strictly larger one): d = -1 (0xbc00), id = -1; x0 -> -8 + 8.5 -> 0;
 * x1 -> 8 + 8.5 = 16 -> clamped 15. qs0 = 0x80, qs1 = 0x8f, the rest 0x88. */
static void test_q4_0(void) {
  float x[64] = {0};
  x[0] = -8.0f, x[1] = 7.0f, x[3] = 2.4f, x[16] = -3.0f, x[17] = 7.6f;
  x[32] = 8.0f, x[33] = -8.0f;
  uint8_t want[36];
  memset(want, 0x88, sizeof want);
  want[0] = 0x00, want[1] = 0x3c, want[2] = 0x50, want[3] = 0xff, want[4] = 0x88, want[5] = 0x8a;
  want[18] = 0x00, want[19] = 0xbc, want[20] = 0x80, want[21] = 0x8f;
  uint8_t got[36];
  const struct ai_type_traits *tr = ai_type_traits_get(AI_TYPE_Q4_0);
  tr->from_float(x, got, 64);
  check_bytes("q4_0", got, want, sizeof want);
}

/* Q4_1: min = -1, max = 14 -> d = 15 / 15 = 1, m = -1 (0xbc00); q = min(15, (int8_t)(x - min +
 * 0.5)): x0 = -1 -> 0; x1 = 14 -> 15; x2 = 2.5 -> (int8_t)4.0 = 4; x16 = 0.49 -> (int8_t)1.99 = 1;
 * x17 = 14 -> 15; the rest are -1 -> 0. qs0 = 0 | 1 << 4 = 0x10, qs1 = 0xff, qs2 = 0x04. */
static void test_q4_1(void) {
  float x[32];
  for (int i = 0; i < 32; i++) x[i] = -1.0f;
  x[1] = 14.0f, x[2] = 2.5f, x[16] = 0.49f, x[17] = 14.0f;
  uint8_t want[20] = {0x00, 0x3c, 0x00, 0xbc, 0x10, 0xff, 0x04};
  uint8_t got[20];
  quantize(AI_TYPE_Q4_1, x, got);
  check_bytes("q4_1", got, want, sizeof want);
}

/* Q5_0: max-abs -16 -> d = 1, q = min(31, (int8_t)(x + 16.5)): x0 = -16 -> 0; x1 = 15 -> 31;
 * x16 = -0.6 -> (int8_t)15.9 = 15; x17 = 1 -> 17; zeros -> 16.
 * qs[j] = (q[j] & 15) | (q[j+16] & 15) << 4: qs0 = 0 | 15 << 4 = 0xf0; qs1 = 15 | 1 << 4 = 0x1f;
 * the rest 0 | 0 = 0x00. qh bit e = q[e] >> 4: clear for e = 0 (q 0) and e = 16 (q 15), set for
 * every other element (16, 17 or 31): qh = 0xfffefffe, bytes fe ff fe ff. */
static void test_q5_0(void) {
  float x[32] = {0};
  x[0] = -16.0f, x[1] = 15.0f, x[16] = -0.6f, x[17] = 1.0f;
  uint8_t want[22] = {0x00, 0x3c, 0xfe, 0xff, 0xfe, 0xff, 0xf0, 0x1f};
  uint8_t got[22];
  quantize(AI_TYPE_Q5_0, x, got);
  check_bytes("q5_0", got, want, sizeof want);
}

/* Q5_1: min = -1, max = 30 -> d = 31 / 31 = 1, m = -1; q = (uint8_t)(x - min + 0.5): x0 = -1 ->
 * 0; x1 = 30 -> 31; x2 = 15 -> 16; x16 = 0.2 -> (uint8_t)1.7 = 1; x17 = 30 -> 31; the rest -1 ->
 * 0. qs0 = 0 | 1 << 4 = 0x10; qs1 = 15 | 15 << 4 = 0xff; qs2 = (16 & 15) | 0 = 0x00.
 * qh: bits 1 (31), 2 (16) and 17 (31): 0x00020006, bytes 06 00 02 00. */
static void test_q5_1(void) {
  float x[32];
  for (int i = 0; i < 32; i++) x[i] = -1.0f;
  x[1] = 30.0f, x[2] = 15.0f, x[16] = 0.2f, x[17] = 30.0f;
  uint8_t want[24] = {0x00, 0x3c, 0x00, 0xbc, 0x06, 0x00, 0x02, 0x00, 0x10, 0xff};
  uint8_t got[24];
  quantize(AI_TYPE_Q5_1, x, got);
  check_bytes("q5_1", got, want, sizeof want);
}

/* An all-zero block: id = 0 (no division by zero), every q is the zero point. Q4_0 and Q5_0 get
 * d = 0.0f / -8 = -0.0f, stored as fp16 0x8000, exactly as llama.cpp's formula does; Q8_0 gets
 * 0 / 127 = +0. */
static void test_zero_blocks(void) {
  float x[32] = {0};
  uint8_t q4[18], q5[22], q8[34];
  quantize(AI_TYPE_Q4_0, x, q4);
  quantize(AI_TYPE_Q5_0, x, q5);
  quantize(AI_TYPE_Q8_0, x, q8);
  uint8_t want4[18], want5[22] = {0}, want8[34] = {0};
  memset(want4, 0x88, sizeof want4);
  want4[0] = 0x00, want4[1] = 0x80;
  want5[1] = 0x80;
  want5[2] = want5[3] = want5[4] = want5[5] = 0xff; /* q = 16 everywhere: bit 4 set */
  check_bytes("q4_0 zero", q4, want4, sizeof want4);
  check_bytes("q5_0 zero", q5, want5, sizeof want5);
  check_bytes("q8_0 zero", q8, want8, sizeof want8);
}

static void test_traits(void) {
  /* block sizes and bytes of ggml-common.h */
  static const struct {
    int type;
    const char *name;
    int64_t block;
    size_t bytes;
  } rows[] = {{AI_TYPE_F32, "F32", 1, 4},     {AI_TYPE_F16, "F16", 1, 2},
              {AI_TYPE_BF16, "BF16", 1, 2},   {AI_TYPE_Q4_0, "Q4_0", 32, 18},
              {AI_TYPE_Q4_1, "Q4_1", 32, 20}, {AI_TYPE_Q5_0, "Q5_0", 32, 22},
              {AI_TYPE_Q5_1, "Q5_1", 32, 24}, {AI_TYPE_Q8_0, "Q8_0", 32, 34},
              {AI_TYPE_Q8_1, "Q8_1", 32, 36}};
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    const struct ai_type_traits *tr = ai_type_traits_get(rows[i].type);
    CHECK(tr != NULL);
    if (tr == NULL) continue;
    CHECK_STREQ(tr->name, rows[i].name);
    CHECK_EQ(tr->block_size, rows[i].block);
    CHECK_EQ(tr->block_bytes, rows[i].bytes);
    CHECK_EQ(ai_type_from_name(rows[i].name), rows[i].type);
    CHECK_EQ(ai_type_row_bytes((enum ai_type)rows[i].type, 64 * rows[i].block), 64 * rows[i].bytes);
  }
  CHECK_EQ(ai_type_traits_get(AI_TYPE_Q4_0)->vec_dot_type, AI_TYPE_Q8_0);
  CHECK_EQ(ai_type_traits_get(AI_TYPE_Q5_0)->vec_dot_type, AI_TYPE_Q8_0);
  CHECK_EQ(ai_type_traits_get(AI_TYPE_Q4_1)->vec_dot_type, AI_TYPE_Q8_1);
  CHECK_EQ(ai_type_traits_get(AI_TYPE_Q5_1)->vec_dot_type, AI_TYPE_Q8_1);
  /* unknown ids and names */
  CHECK(ai_type_traits_get(-1) == NULL);
  CHECK(ai_type_traits_get(4) == NULL); /* ggml's removed Q4_2 */
  CHECK(ai_type_traits_get(AI_TYPE_COUNT) == NULL);
  CHECK(ai_type_traits_get(1000) == NULL);
  CHECK_EQ(ai_type_from_name("Q4_2"), -1);
  CHECK_EQ(ai_type_from_name(""), -1);
  CHECK_EQ(ai_type_from_name(NULL), -1);
  /* row sizes: not a multiple of the block, negative, overflow */
  CHECK_EQ(ai_type_row_bytes(AI_TYPE_Q4_0, 33), 0);
  CHECK_EQ(ai_type_row_bytes(AI_TYPE_Q4_0, -32), 0);
  CHECK_EQ(ai_type_row_bytes(AI_TYPE_F32, INT64_MAX), 0);
  CHECK_EQ(ai_type_row_bytes((enum ai_type)4, 32), 0);
  CHECK_EQ(ai_type_row_bytes(AI_TYPE_Q8_0, 0), 0);
}

static void test_dispatch(void) {
  const enum ai_isa best = ai_isa_detect();
  CHECK(ai_isa_name(best) != NULL);
  CHECK_STREQ(ai_isa_name(AI_ISA_REF), "ref");
  CHECK_STREQ(ai_isa_name(AI_ISA_AVX512), "avx512");
  static const int types[] = {AI_TYPE_F32,  AI_TYPE_F16,  AI_TYPE_BF16, AI_TYPE_Q4_0,
                              AI_TYPE_Q4_1, AI_TYPE_Q5_0, AI_TYPE_Q5_1, AI_TYPE_Q8_0};
  for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
    struct ai_cpu_kernels k;
    memset(&k, 0, sizeof k);
    CHECK(ai_cpu_kernels_get((enum ai_type)types[i], best, &k));
    CHECK(k.to_float != NULL && k.quantize_act != NULL && k.vec_dot != NULL && k.gemm != NULL);
  }
  struct ai_cpu_kernels k;
  CHECK(!ai_cpu_kernels_get(AI_TYPE_Q8_1, best, &k)); /* activation type only */
  CHECK(!ai_cpu_kernels_get((enum ai_type)4, best, &k));
  CHECK(!ai_cpu_kernels_get(AI_TYPE_COUNT, best, &k));
}

int main(void) {
  test_q8_0();
  test_q8_1();
  test_q4_0();
  test_q4_1();
  test_q5_0();
  test_q5_1();
  test_zero_blocks();
  test_traits();
  test_dispatch();
  return check_exit();
}
