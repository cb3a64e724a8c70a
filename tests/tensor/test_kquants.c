/* K-quant kernels (Q4_K, Q5_K, Q6_K weights; Q8_K activations): hand-built blocks dequantize to
 * the values the layout defines; constructed inputs quantize to bytes derived by hand; round-trip
 * error bounds; the reference dot against a double-precision dequantize-and-multiply; every SIMD
 * variant against the reference at odd sizes; fast Q8_K quantizers byte-identical; the kernels
 * kernels.c selects per ISA. */
#include <stdbool.h>

#include "base/fp16.h"
#include "check.h"
#include "tensor/kquant_common.h"
#include "tensor/q4_k.h"
#include "tensor/q5_k.h"
#include "tensor/q6_k.h"
#include "tensor/q8_k.h"

static uint64_t seed = 0x6b71756e7473ull; /* printed on failure */

struct kq_type {
  const char *name;
  size_t block_bytes;
  ai_from_float_fn quantize;
  ai_to_float_fn dequantize;
  ai_vec_dot_fn dot;
  ai_gemm_fn gemm;
  double max_rel_rmse; /* bound on sqrt(sum (x - x')^2 / sum x^2) for Gaussian-like data */
};

/* Round-trip bounds: ~10% above what the llama.cpp algorithms reach on this data over seeds
 * (measured 0.070-0.073, 0.035-0.037, 0.017-0.018 for 4, 5, 6 bits: halving per extra bit). */
static const struct kq_type types[] = {
    {"Q4_K", 144, ai_q4_k_quantize_ref, ai_q4_k_dequantize_ref, ai_q4_k_vec_dot_ref,
     ai_q4_k_gemm_ref, 0.080},
    {"Q5_K", 176, ai_q5_k_quantize_ref, ai_q5_k_dequantize_ref, ai_q5_k_vec_dot_ref,
     ai_q5_k_gemm_ref, 0.040},
    {"Q6_K", 210, ai_q6_k_quantize_ref, ai_q6_k_dequantize_ref, ai_q6_k_vec_dot_ref,
     ai_q6_k_gemm_ref, 0.020},
};
enum { N_TYPES = sizeof types / sizeof types[0] };

/* A fast variant of one type's dot and gemm. */
struct kq_variant {
  const char *name;
  int type; /* index into types[] */
  bool (*available)(void);
  ai_vec_dot_fn dot;
  ai_gemm_fn gemm;
};

/* Fast vs reference dot: both sum exact int32 per block; the fast one keeps f32 across blocks
 * (and per-lane partial sums), the reference double. The fast kernels round two terms that can
 * cancel, d * sum(sc q a) and the min/offset term (Q4_K/Q5_K: dmin * sum(m bsum); Q6_K keeps
 * levels + 32 and takes 32 * sum(sc bsum) back), so the bound is relative to
 * sum (|w_i| + 2 |o_i|) |a_i| with o_i the element's min/offset (fast_magnitude), not to
 * sum |w_i a_i|: on a block whose weights nearly cancel their mins, the latter is far smaller than
 * what is rounded, and seeds other than the default failed against it. */
#define TOL_DOT_FAST 2e-6
/* Reference dot vs double dequantize-and-multiply: dequantize rounds each weight to f32. */
#define TOL_DOT_DEQUANT 2e-6

#if defined(__x86_64__) || defined(__i386__)
static bool has_avx2(void) {
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
static bool has_avx512(void) {
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
}
#endif

static const struct kq_variant variants[] = {
#if defined(__x86_64__) || defined(__i386__)
    {"avx2", 0, has_avx2, ai_q4_k_vec_dot_avx2, ai_q4_k_gemm_avx2},
    {"avx2", 1, has_avx2, ai_q5_k_vec_dot_avx2, ai_q5_k_gemm_avx2},
    {"avx2", 2, has_avx2, ai_q6_k_vec_dot_avx2, ai_q6_k_gemm_avx2},
    {"avx512", 0, has_avx512, ai_q4_k_vec_dot_avx512, ai_q4_k_gemm_avx512},
    {"avx512", 1, has_avx512, ai_q5_k_vec_dot_avx512, ai_q5_k_gemm_avx512},
    {"avx512", 2, has_avx512, ai_q6_k_vec_dot_avx512, ai_q6_k_gemm_avx512},
#endif
#ifdef __wasm_simd128__
    {"simd128", 0, NULL, ai_q4_k_vec_dot_simd128, ai_q4_k_gemm_simd128},
    {"simd128", 1, NULL, ai_q5_k_vec_dot_simd128, ai_q5_k_gemm_simd128},
    {"simd128", 2, NULL, ai_q6_k_vec_dot_simd128, ai_q6_k_gemm_simd128},
#endif
    {NULL, 0, NULL, NULL, NULL},
};

struct q8_variant {
  const char *name;
  bool (*available)(void);
  ai_from_float_fn quantize;
};

static const struct q8_variant q8_variants[] = {
#if defined(__x86_64__) || defined(__i386__)
    {"avx2", has_avx2, ai_q8_k_quantize_avx2},
    {"avx512", has_avx512, ai_q8_k_quantize_avx512},
#endif
#ifdef __wasm_simd128__
    {"simd128", NULL, ai_q8_k_quantize_simd128},
#endif
    {NULL, NULL, NULL},
};

/* Sum of 12 uniforms: roughly Gaussian, mean 0, variance 1. */
static float rand_gauss(uint64_t *st) {
  float s = 0;
  for (int i = 0; i < 12; i++) s += check_rand_f32(st) * 0.5f;
  return s;
}

/* Packs 6-bit scales and mins as the q4_K/q5_K layout defines (ggml-quants.c
 * quantize_row_q4_K_ref): bytes 0..3 scale j | top bits of scale j+4; 4..7 the same for mins;
 * 8..11 low nibbles of scale j+4 | min j+4. */
static void pack_scales(const uint8_t sc[8], const uint8_t m[8], uint8_t out[12]) {
  for (int j = 0; j < 4; j++) {
    out[j] = (uint8_t)(sc[j] | ((sc[j + 4] >> 4) << 6));
    out[j + 4] = (uint8_t)(m[j] | ((m[j + 4] >> 4) << 6));
    out[j + 8] = (uint8_t)((sc[j + 4] & 15) | ((m[j + 4] & 15) << 4));
  }
}

static void test_dequantize_by_hand(void) {
  static const uint8_t sc[8] = {1, 2, 3, 4, 17, 33, 50, 63};
  static const uint8_t mn[8] = {0, 5, 10, 63, 16, 31, 47, 62};
  /* Q4_K: d = 1, dmin = 0.5; element 32j+l has q = (j*7 + l) % 16. */
  struct ai_block_q4_k b4;
  b4.d = 0x3C00;
  b4.dmin = 0x3800;
  pack_scales(sc, mn, b4.scales);
  for (int c = 0; c < 4; c++) {
    for (int l = 0; l < 32; l++) {
      const int lo = ((2 * c) * 7 + l) % 16, hi = ((2 * c + 1) * 7 + l) % 16;
      b4.qs[32 * c + l] = (uint8_t)(lo | hi << 4);
    }
  }
  float y[256];
  ai_q4_k_dequantize_ref(&b4, y, 256);
  int bad = 0;
  for (int e = 0; e < 256; e++) {
    const int j = e / 32, q = (j * 7 + e % 32) % 16;
    bad += y[e] != 1.0f * sc[j] * q - 0.5f * mn[j];
  }
  CHECK_EQ(bad, 0);
  CHECK_EQ(y[0], 0);     /* sc 1, q 0, min 0 */
  CHECK_EQ(y[255], -31); /* sub-block 7: q = (49 + 31) % 16 = 0, min 0.5 * 62 */
  /* Q5_K: the same plus qh: element 32j+l gets 16 when bit j of qh[l] is set (qh[l] = l * 37). */
  struct ai_block_q5_k b5;
  b5.d = 0x3C00;
  b5.dmin = 0x3800;
  memcpy(b5.scales, b4.scales, 12);
  memcpy(b5.qs, b4.qs, 128);
  for (int l = 0; l < 32; l++) b5.qh[l] = (uint8_t)(l * 37);
  ai_q5_k_dequantize_ref(&b5, y, 256);
  bad = 0;
  for (int e = 0; e < 256; e++) {
    const int j = e / 32, l = e % 32;
    const int q = (j * 7 + l) % 16 + ((((l * 37) & 255) >> j) & 1) * 16;
    bad += y[e] != 1.0f * sc[j] * q - 0.5f * mn[j];
  }
  CHECK_EQ(bad, 0);
  /* Q6_K: d = 0.25, scales[g] = g - 8; level of element e is (e * 5) % 64, stored by hand. */
  struct ai_block_q6_k b6;
  memset(&b6, 0, sizeof b6);
  b6.d = 0x3400;
  for (int g = 0; g < 16; g++) b6.scales[g] = (int8_t)(g - 8);
  for (int e = 0; e < 256; e++) {
    const int q = (e * 5) % 64, h = e / 128, quarter = (e % 128) / 32, l = e % 32;
    const int li = 64 * h + l + (quarter & 1) * 32;
    b6.ql[li] |= (uint8_t)((q & 15) << (quarter >= 2 ? 4 : 0));
    b6.qh[32 * h + l] |= (uint8_t)((q >> 4) << (2 * quarter));
  }
  ai_q6_k_dequantize_ref(&b6, y, 256);
  bad = 0;
  for (int e = 0; e < 256; e++) bad += y[e] != 0.25f * (e / 16 - 8) * ((e * 5) % 64 - 32);
  CHECK_EQ(bad, 0);
  CHECK_EQ(y[1], 0.25f * -8 * (5 - 32));
}

/* Inputs that each K-quant represents exactly, so the bytes llama.cpp writes can be derived by
 * hand: the first scale search is already exact (zero error), nothing beats it, all sub-block
 * scales are equal so they quantize to 63 (resp. -128 for Q6_K). */
static void test_quantize_exact(void) {
  uint64_t st = seed ^ 1;
  float x[256];
  uint8_t q[256];
  /* Q4_K: x = 0.5 q - 1, each sub-block holding q = 0 and q = 15. */
  for (int e = 0; e < 256; e++) {
    q[e] = e % 32 == 0 ? 0 : e % 32 == 1 ? 15 : (uint8_t)(check_rand_u64(&st) % 16);
    x[e] = 0.5f * q[e] - 1;
  }
  struct ai_block_q4_k b4;
  ai_q4_k_quantize_ref(x, &b4, 256);
  CHECK_EQ(b4.d, ai_fp32_to_fp16(0.5f / 63.f));
  CHECK_EQ(b4.dmin, ai_fp32_to_fp16(1.f / 63.f));
  for (int i = 0; i < 12; i++) CHECK_EQ(b4.scales[i], 0xFF);
  int bad = 0;
  for (int e = 0; e < 256; e++) {
    const int c = e / 64, l = e % 32, hi = (e % 64) / 32;
    bad += ((b4.qs[32 * c + l] >> (4 * hi)) & 15) != q[e];
  }
  CHECK_EQ(bad, 0);
  /* Q5_K: x = 0.25 q - 2, each sub-block holding q = 0 and q = 31. */
  for (int e = 0; e < 256; e++) {
    q[e] = e % 32 == 0 ? 0 : e % 32 == 1 ? 31 : (uint8_t)(check_rand_u64(&st) % 32);
    x[e] = 0.25f * q[e] - 2;
  }
  struct ai_block_q5_k b5;
  ai_q5_k_quantize_ref(x, &b5, 256);
  CHECK_EQ(b5.d, ai_fp32_to_fp16(0.25f / 63.f));
  CHECK_EQ(b5.dmin, ai_fp32_to_fp16(2.f / 63.f));
  for (int i = 0; i < 12; i++) CHECK_EQ(b5.scales[i], 0xFF);
  bad = 0;
  for (int e = 0; e < 256; e++) {
    const int c = e / 64, l = e % 32, hi = (e % 64) / 32;
    const int v = ((b5.qs[32 * c + l] >> (4 * hi)) & 15) | (((b5.qh[l] >> (e / 32)) & 1) << 4);
    bad += v != q[e];
  }
  CHECK_EQ(bad, 0);
  /* Q6_K: x = 0.125 (q - 32), each group of 16 holding q = 0 (the largest magnitude, -4). The
   * group scale is 1/8; the block scale -128/(1/8) gives d = -2^-10 and scales -128. */
  for (int e = 0; e < 256; e++) {
    q[e] = e % 16 == 0 ? 0 : (uint8_t)(1 + check_rand_u64(&st) % 63);
    x[e] = 0.125f * (q[e] - 32);
  }
  struct ai_block_q6_k b6;
  ai_q6_k_quantize_ref(x, &b6, 256);
  CHECK_EQ(b6.d, 0x9400); /* -2^-10 */
  for (int g = 0; g < 16; g++) CHECK_EQ(b6.scales[g], -128);
  bad = 0;
  for (int e = 0; e < 256; e++) {
    const int h = e / 128, quarter = (e % 128) / 32, l = e % 32;
    const int lo = (b6.ql[64 * h + l + (quarter & 1) * 32] >> (quarter >= 2 ? 4 : 0)) & 15;
    bad += (lo | (((b6.qh[32 * h + l] >> (2 * quarter)) & 3) << 4)) != q[e];
  }
  CHECK_EQ(bad, 0);
  /* Q8_K: integers in [-127, 127] with -127 present: scale exactly 1, quants are the inputs. */
  for (int e = 0; e < 256; e++) x[e] = e == 7 ? -127.f : (float)((e * 29) % 255 - 127);
  struct ai_block_q8_k b8;
  ai_q8_k_quantize_ref(x, &b8, 256);
  CHECK_EQ(b8.d, 1.0f);
  bad = 0;
  for (int e = 0; e < 256; e++) bad += b8.qs[e] != (int)x[e];
  for (int g = 0; g < 16; g++) {
    int s = 0;
    for (int l = 0; l < 16; l++) s += (int)x[16 * g + l];
    bad += b8.bsums[g] != s;
  }
  CHECK_EQ(bad, 0);
  /* An all-zero block is all zero bytes. */
  memset(x, 0, sizeof x);
  memset(&b8, 0x55, sizeof b8);
  ai_q8_k_quantize_ref(x, &b8, 256);
  const uint8_t *raw = (const uint8_t *)&b8;
  bad = 0;
  for (size_t i = 0; i < sizeof b8; i++) bad += raw[i] != 0;
  CHECK_EQ(bad, 0);
}

static void test_roundtrip(void) {
  enum { N = 256 * 16 };
  static float x[N], y[N];
  static uint8_t buf[N / 256 * 210];
  uint64_t st = seed ^ 2;
  for (int i = 0; i < N; i++) x[i] = rand_gauss(&st) * (1 + (i / 256) % 4); /* varying scales */
  for (int t = 0; t < N_TYPES; t++) {
    types[t].quantize(x, buf, N);
    types[t].dequantize(buf, y, N);
    double se = 0, sx = 0;
    for (int i = 0; i < N; i++) {
      se += ((double)x[i] - y[i]) * ((double)x[i] - y[i]);
      sx += (double)x[i] * x[i];
    }
    const double rel = sqrt(se / sx);
    if (!(rel <= types[t].max_rel_rmse)) {
      fprintf(stderr, "%s: round-trip relative RMSE %.4f > %.4f (seed %llx)\n", types[t].name, rel,
              types[t].max_rel_rmse, (unsigned long long)seed);
    }
    CHECK(rel <= types[t].max_rel_rmse);
  }
  /* Q8_K: every element within half a step of its input, and bsums consistent. */
  static struct ai_block_q8_k q8[N / 256];
  ai_q8_k_quantize_ref(x, q8, N);
  ai_q8_k_dequantize_ref(q8, y, N);
  int bad = 0;
  for (int i = 0; i < N; i++) bad += fabs((double)x[i] - y[i]) > 0.5001 * fabs(q8[i / 256].d);
  for (int b = 0; b < N / 256; b++) {
    for (int g = 0; g < 16; g++) {
      int s = 0;
      for (int l = 0; l < 16; l++) s += q8[b].qs[16 * g + l];
      bad += q8[b].bsums[g] != s;
    }
  }
  CHECK_EQ(bad, 0);
}

/* Random weight rows: raw random bytes with fp16 scales set to moderate values, so every bit of
 * the layout is exercised (not only what the quantizer produces). */
static void random_weights(int t, uint8_t *w, int64_t n_blocks, uint64_t *st) {
  const size_t bb = types[t].block_bytes;
  for (size_t i = 0; i < bb * (size_t)n_blocks; i++) w[i] = (uint8_t)check_rand_u64(st);
  for (int64_t b = 0; b < n_blocks; b++) {
    uint8_t *blk = w + bb * (size_t)b;
    const uint16_t d = ai_fp32_to_fp16(check_rand_f32(st) * 0.01f);
    const uint16_t dmin = ai_fp32_to_fp16(check_rand_f32(st) * 0.01f);
    if (t == 2) {
      memcpy(blk + 208, &d, 2);
    } else {
      memcpy(blk, &d, 2);
      memcpy(blk + 2, &dmin, 2);
    }
  }
}

/* Activations: Gaussian rows, one block in four all zero or with a single spike. */
static void random_acts(float *a, int64_t n, uint64_t *st) {
  for (int64_t i = 0; i < n; i++) a[i] = rand_gauss(st);
  for (int64_t b = 0; b < n / 256; b++) {
    const uint64_t kind = check_rand_u64(st) % 8;
    if (kind == 0) memset(a + 256 * b, 0, 256 * sizeof(float));
    if (kind == 1) a[256 * b + check_rand_u64(st) % 256] = 1000.f;
  }
}

static double dot_double(const float *w, const float *a, int64_t n, double *abs_sum) {
  double s = 0, as = 0;
  for (int64_t i = 0; i < n; i++) {
    s += (double)w[i] * a[i];
    as += fabs((double)w[i] * a[i]);
  }
  *abs_sum = as;
  return s;
}

enum { MAX_BLOCKS = 66, MAX_ROWS = 17, MAX_TOK = 13, MAX_K = MAX_BLOCKS * 256 };

/* sum (|w_i| + 2 |o_i|) |a_i| over a row of k elements (see TOL_DOT_FAST). o_i is what the
 * reference dequantizes when every quant level is 0 (Q4_K/Q5_K: -dmin * m; Q6_K: -32 d sc), so
 * |d sc level| <= |w_i| + |o_i| bounds each term the fast kernels accumulate. */
static double fast_magnitude(int t, const uint8_t *row, int64_t k, const float *a) {
  static uint8_t zq[MAX_BLOCKS * 210];
  static float w[MAX_K], o[MAX_K];
  const size_t bb = types[t].block_bytes;
  const int64_t nb = k / 256;
  memcpy(zq, row, bb * (size_t)nb);
  for (int64_t b = 0; b < nb; b++) {
    uint8_t *blk = zq + bb * (size_t)b;
    if (t == 0) memset(blk + offsetof(struct ai_block_q4_k, qs), 0, 128);
    if (t == 1) memset(blk + offsetof(struct ai_block_q5_k, qh), 0, 32 + 128);
    if (t == 2) memset(blk + offsetof(struct ai_block_q6_k, ql), 0, 128 + 64);
  }
  types[t].dequantize(row, w, k);
  types[t].dequantize(zq, o, k);
  double m = 0;
  for (int64_t i = 0; i < k; i++)
    m += (fabs((double)w[i]) + 2 * fabs((double)o[i])) * fabs((double)a[i]);
  return m;
}

static void test_dot_ref(void) {
  static float a[MAX_K], w[MAX_K];
  static uint8_t wq[MAX_BLOCKS * 210];
  static struct ai_block_q8_k aq[MAX_BLOCKS];
  uint64_t st = seed ^ 3;
  static const int blocks[] = {1, 3, 7, 17};
  for (int t = 0; t < N_TYPES; t++) {
    for (int bi = 0; bi < 4; bi++) {
      const int64_t k = 256 * (int64_t)blocks[bi];
      random_weights(t, wq, blocks[bi], &st);
      random_acts(a, k, &st);
      ai_q8_k_quantize_ref(a, aq, k);
      types[t].dequantize(wq, w, k);
      ai_q8_k_dequantize_ref(aq, a, k);
      double abs_sum;
      const double want = dot_double(w, a, k, &abs_sum);
      float got;
      types[t].dot(k, &got, wq, aq);
      if (!(fabs(got - want) <= TOL_DOT_DEQUANT * abs_sum + 1e-30)) {
        fprintf(stderr, "%s ref dot, %d blocks: %.9g vs %.9g (seed %llx)\n", types[t].name,
                blocks[bi], got, want, (unsigned long long)seed);
      }
      CHECK_NEAR(got, want, TOL_DOT_DEQUANT * abs_sum + 1e-30);
    }
  }
}

static void test_variants(void) {
  static uint8_t wq[MAX_ROWS * MAX_BLOCKS * 210];
  static struct ai_block_q8_k aq[MAX_TOK * MAX_BLOCKS];
  static float a[MAX_TOK * MAX_K];
  static float y_ref[MAX_TOK * (MAX_ROWS + 2)], y[MAX_TOK * (MAX_ROWS + 2)];
  static double mag[MAX_TOK * MAX_ROWS];
  /* Row counts and starts cover the 4-row gemv tiles and their 1-row tail:
   * [r0, r1) = [0,1) [0,2) [1,3) [1,5) [1,17) and, from a start that is not a multiple of 4,
   * [3,17). Token counts cover the 8-, 4- and 2-token gemm tiles and the single-token tail: 2, 5 =
   * 4+1, 7 = 4+2+1, 11 = 8+2+1, 13 = 8+4+1. 66 blocks exceed SIMD128 Q6_K's activation chunk (64).
   */
  static const int blocks[] = {1, 3, 7, 17, 66}, rows[] = {1, 2, 3, 5, 17, 17};
  static const int toks[] = {1, 2, 5, 7, 11, 13};
  static const int starts[] = {0, 0, 1, 1, 1, 3};
  enum { N_ROW_CASES = sizeof rows / sizeof rows[0] };
  uint64_t st = seed ^ 4;
  for (const struct kq_variant *v = variants; v->name; v++) {
    if (v->available && !v->available()) {
      printf("skipped: %s %s (not supported by this CPU)\n", types[v->type].name, v->name);
      continue;
    }
    const struct kq_type *ty = &types[v->type];
    int bad = 0;
    for (int bi = 0; bi < (int)(sizeof blocks / sizeof blocks[0]); bi++) {
      const int64_t k = 256 * (int64_t)blocks[bi];
      const size_t row_bytes = ty->block_bytes * (size_t)blocks[bi];
      const size_t act_bytes = sizeof(struct ai_block_q8_k) * (size_t)blocks[bi];
      for (int ri = 0; ri < N_ROW_CASES; ri++) {
        const int n_rows = rows[ri];
        random_weights(v->type, wq, blocks[bi] * n_rows, &st);
        for (size_t ti = 0; ti < sizeof toks / sizeof toks[0]; ti++) {
          const int n_tok = toks[ti];
          random_acts(a, k * n_tok, &st);
          ai_q8_k_quantize_ref(a, aq, k * n_tok);
          /* Magnitude per (row, token) for the tolerance. */
          for (int r = 0; r < n_rows; r++) {
            for (int t = 0; t < n_tok; t++) {
              ai_q8_k_dequantize_ref((const uint8_t *)aq + act_bytes * t, a, k);
              mag[t * MAX_ROWS + r] = fast_magnitude(v->type, wq + row_bytes * r, k, a);
            }
          }
          /* Rows [r0, r1) into a y with stride n_rows + 2; everything else must stay NaN. */
          const int64_t r0 = starts[ri], r1 = n_rows, stride = n_rows + 2;
          for (int i = 0; i < MAX_TOK * (MAX_ROWS + 2); i++) y[i] = y_ref[i] = NAN;
          ty->gemm(k, wq, row_bytes, r0, r1, aq, act_bytes, n_tok, y_ref, stride);
          v->gemm(k, wq, row_bytes, r0, r1, aq, act_bytes, n_tok, y, stride);
          for (int t = 0; t < n_tok; t++) {
            for (int r = 0; r < stride; r++) {
              const float g = y[t * stride + r], want = y_ref[t * stride + r];
              if (r < r0 || r >= r1) {
                bad += !isnan(g);
                continue;
              }
              float d1;
              v->dot(k, &d1, wq + row_bytes * r, (const uint8_t *)aq + act_bytes * t);
              const double tol = TOL_DOT_FAST * mag[t * MAX_ROWS + r] + 1e-30;
              if (!(fabs(g - want) <= tol) || !(fabs(d1 - want) <= tol)) {
                if (bad < 5) {
                  fprintf(stderr,
                          "%s %s: blocks %d rows %d tok %d r %d t %d: gemm %.9g dot %.9g ref "
                          "%.9g tol %.3g (seed %llx)\n",
                          ty->name, v->name, blocks[bi], n_rows, n_tok, r, t, g, d1, want, tol,
                          (unsigned long long)seed);
                }
                bad++;
              }
            }
          }
        }
      }
    }
    CHECK_EQ(bad, 0);
  }
}

static void test_q8_variants(void) {
  enum { NB = 17 };
  static float x[NB * 256];
  static struct ai_block_q8_k want[NB], got[NB];
  uint64_t st = seed ^ 5;
  for (int i = 0; i < NB * 256; i++) x[i] = rand_gauss(&st);
  memset(x + 256, 0, 256 * sizeof(float));                            /* zero block */
  for (int i = 0; i < 256; i++) x[512 + i] = (float)(i % 9) - 4;      /* ties: x * 127/4 */
  for (int i = 0; i < 256; i++) x[768 + i] = 0.5f * (float)(i - 128); /* max is negative */
  x[1024 + 5] = 1e30f;                                                /* one huge element */
  ai_q8_k_quantize_ref(x, want, NB * 256);
  for (const struct q8_variant *v = q8_variants; v->name; v++) {
    if (v->available && !v->available()) {
      printf("skipped: Q8_K quantize %s (not supported by this CPU)\n", v->name);
      continue;
    }
    for (int nb = 1; nb <= NB; nb += 2) {
      memset(got, 0x55, sizeof got);
      v->quantize(x, got, nb * 256);
      if (memcmp(got, want, sizeof(struct ai_block_q8_k) * (size_t)nb) != 0) {
        fprintf(stderr, "Q8_K quantize %s differs from the reference at %d blocks (seed %llx)\n",
                v->name, nb, (unsigned long long)seed);
        CHECK(0);
        break;
      }
    }
  }
}

/* The rows kernels.c selects for each ISA this CPU runs: the K-quant types get their Q8_K
 * activations byte for byte as the reference writes them, the reference dequantize, and a gemm
 * and dot equal to the reference within TOL_DOT_FAST (decode shape, 4-row tiles plus a tail). */
static void test_dispatch(void) {
  enum { NB = 3, ROWS = 7, TOK = 2, K = NB * 256 };
  static const enum ai_type ids[] = {AI_TYPE_Q4_K, AI_TYPE_Q5_K, AI_TYPE_Q6_K};
  static uint8_t wq[ROWS * NB * 210];
  static struct ai_block_q8_k want_q[TOK * NB], got_q[TOK * NB];
  static float a[TOK * K], w[K], wd[K], y_ref[TOK * ROWS], y[TOK * ROWS];
  uint64_t st = seed ^ 6;
  const enum ai_isa best = ai_isa_detect();
  for (int isa = AI_ISA_REF; isa <= (int)best; isa++) {
    if (best >= AI_ISA_NEON && isa != AI_ISA_REF && isa != (int)best) continue; /* x86 only */
    for (int t = 0; t < N_TYPES; t++) {
      struct ai_cpu_kernels kern;
      CHECK(ai_cpu_kernels_get(ids[t], (enum ai_isa)isa, &kern));
      const struct ai_type_traits *tr = ai_type_traits_get(ids[t]);
      CHECK(tr != NULL && tr->vec_dot_type == AI_TYPE_Q8_K &&
            tr->block_bytes == types[t].block_bytes);
      const size_t row_bytes = types[t].block_bytes * NB,
                   act_bytes = sizeof(struct ai_block_q8_k) * NB;
      random_weights(t, wq, NB * ROWS, &st);
      random_acts(a, K * TOK, &st);
      ai_q8_k_quantize_ref(a, want_q, K * TOK);
      memset(got_q, 0x55, sizeof got_q);
      kern.quantize_act(a, got_q, K * TOK);
      CHECK(memcmp(got_q, want_q, sizeof want_q) == 0);
      kern.to_float(wq, w, K);
      types[t].dequantize(wq, wd, K);
      CHECK(memcmp(w, wd, sizeof w) == 0);
      types[t].gemm(K, wq, row_bytes, 0, ROWS, want_q, act_bytes, TOK, y_ref, ROWS);
      kern.gemm(K, wq, row_bytes, 0, ROWS, want_q, act_bytes, TOK, y, ROWS);
      int bad = 0;
      for (int r = 0; r < ROWS; r++) {
        for (int tk = 0; tk < TOK; tk++) {
          ai_q8_k_dequantize_ref((const uint8_t *)want_q + act_bytes * tk, a, K);
          const double mag = fast_magnitude(t, wq + row_bytes * r, K, a);
          float d1;
          kern.vec_dot(K, &d1, wq + row_bytes * r, (const uint8_t *)want_q + act_bytes * tk);
          const double want = y_ref[tk * ROWS + r], tol = TOL_DOT_FAST * mag + 1e-30;
          bad += !(fabs(y[tk * ROWS + r] - want) <= tol) || !(fabs(d1 - want) <= tol);
        }
      }
      if (bad) {
        fprintf(stderr, "%s on %s: %d of %d results off the reference (seed %llx)\n", types[t].name,
                ai_isa_name((enum ai_isa)isa), bad, ROWS * TOK, (unsigned long long)seed);
      }
      CHECK_EQ(bad, 0);
    }
  }
}

int main(void) {
  const char *env = getenv("AI_TEST_SEED");
  if (env) seed = strtoull(env, NULL, 16);
  test_dequantize_by_hand();
  test_quantize_exact();
  test_roundtrip();
  test_dot_ref();
  test_variants();
  test_q8_variants();
  test_dispatch();
  if (check_failures)
    fprintf(stderr, "seed %llx (set AI_TEST_SEED to repeat)\n", (unsigned long long)seed);
  return check_exit();
}
