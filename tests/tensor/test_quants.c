/* Parity tests of the 32-element block types and the float types: reference round trip, the
 * reference dot against a double-precision computation from the test's own block decoder, and
 * every ISA variant this CPU runs (quantize_act byte for byte, vec_dot and gemm) against the
 * reference at odd sizes. Exact bytes on hand-made inputs are in test_quant_bytes.c. */
#include <float.h>
#include <time.h>

#include "base/fp16.h"
#include "check.h"
#include "tensor/qgemv.h"
#include "tensor/types.h"

/* Round trip: max |x - dequantize(quantize(x))| per block, as a fraction of the block's max |x|.
 * Q4_0 maps the signed max to -8 with step amax/8, so a value near -max clamps to 7 steps: error
 * up to amax/8; Q5_0 likewise amax/16. Q4_1 steps (max-min)/15 <= 2 amax/15, error half a step;
 * Q5_1 2 amax/31; Q8_0 amax/127; plus fp16 rounding of the scales (2^-11 relative). */
#define TOL_RT_Q4_0 0.126
#define TOL_RT_Q4_1 0.072
#define TOL_RT_Q5_0 0.0635
#define TOL_RT_Q5_1 0.036
#define TOL_RT_Q8_0 0.0045
#define TOL_RT_F16  0.0005 /* 2^-11 */
#define TOL_RT_BF16 0.0040 /* 2^-8 */
/* Variant vs reference dot: relative to sum |w_i x_i| (float accumulation of exact int32 block
 * dots against the reference's double sum). */
#define TOL_DOT_VARIANT 2e-5
/* Reference dot vs the test's double computation on the same bytes: the reference sums in
 * double and rounds once to float. */
#define TOL_DOT_REF 1e-6

static uint64_t seed;

static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static float rdh(const uint8_t *p) {
  return ai_fp16_to_fp32((uint16_t)(p[0] | p[1] << 8));
}

/* The unsigned quant of element e of a Q4_1 or Q5_1 row (ggml-common.h layouts). */
static long qraw(int t, const uint8_t *row, int64_t e) {
  const int64_t b = e / 32;
  const int j = (int)(e % 32);
  const uint8_t *p = row + (t == AI_TYPE_Q4_1 ? 20 : 24) * b;
  const uint8_t *qs = p + (t == AI_TYPE_Q4_1 ? 4 : 8);
  long q = j < 16 ? qs[j] & 15 : qs[j - 16] >> 4;
  if (t == AI_TYPE_Q5_1) q |= (long)((rd32(p + 4) >> j) & 1) << 4;
  return q;
}

/* Element e of a row of type t, decoded from the bytes by the test itself (ggml-common.h
 * layouts), independent of the code under test. */
static double element(int t, const uint8_t *row, int64_t e) {
  const int64_t b = e / 32;
  const int j = (int)(e % 32);
  const uint8_t *p;
  int nib;
  switch (t) {
    case AI_TYPE_F32: {
      float f;
      memcpy(&f, row + 4 * e, 4);
      return f;
    }
    case AI_TYPE_F16:
      return rdh(row + 2 * e);
    case AI_TYPE_BF16:
      return ai_bf16_to_fp32((uint16_t)(row[2 * e] | row[2 * e + 1] << 8));
    case AI_TYPE_Q4_0:
      p = row + 18 * b;
      nib = j < 16 ? p[2 + j] & 15 : p[2 + j - 16] >> 4;
      return (double)(nib - 8) * rdh(p);
    case AI_TYPE_Q4_1:
      p = row + 20 * b;
      nib = j < 16 ? p[4 + j] & 15 : p[4 + j - 16] >> 4;
      return (double)nib * rdh(p) + rdh(p + 2);
    case AI_TYPE_Q5_0:
      p = row + 22 * b;
      nib = (j < 16 ? p[6 + j] & 15 : p[6 + j - 16] >> 4) | (int)((rd32(p + 2) >> j) & 1) << 4;
      return (double)(nib - 16) * rdh(p);
    case AI_TYPE_Q5_1:
      p = row + 24 * b;
      nib = (j < 16 ? p[8 + j] & 15 : p[8 + j - 16] >> 4) | (int)((rd32(p + 4) >> j) & 1) << 4;
      return (double)nib * rdh(p) + rdh(p + 2);
    case AI_TYPE_Q8_0:
      p = row + 34 * b;
      return (double)(int8_t)p[2 + j] * rdh(p);
    case AI_TYPE_Q8_1:
      p = row + 36 * b;
      return (double)(int8_t)p[4 + j] * rdh(p);
  }
  return NAN;
}

static double tol_rt(int t) {
  switch (t) {
    case AI_TYPE_Q4_0:
      return TOL_RT_Q4_0;
    case AI_TYPE_Q4_1:
      return TOL_RT_Q4_1;
    case AI_TYPE_Q5_0:
      return TOL_RT_Q5_0;
    case AI_TYPE_Q5_1:
      return TOL_RT_Q5_1;
    case AI_TYPE_Q8_0:
      return TOL_RT_Q8_0;
    case AI_TYPE_F16:
      return TOL_RT_F16;
    case AI_TYPE_BF16:
      return TOL_RT_BF16;
  }
  return 0.0;
}

/* Random data with a spread of magnitudes per block, and some blocks whose amax is exactly 127
 * with half-integer values, so Q8 rounding ties (roundf: away from zero) are exercised. */
static void fill(float *x, int64_t n, uint64_t *st) {
  for (int64_t b = 0; b < n / 32; b++) {
    const int kind = (int)(check_rand_u64(st) % 4);
    const float scale = (float)(1 + check_rand_u64(st) % 1000) * 0.01f;
    for (int j = 0; j < 32; j++) {
      float v = check_rand_f32(st) * scale;
      if (kind == 1) v = (float)((int)(check_rand_u64(st) % 255) - 127) + 0.5f * (j & 1);
      if (kind == 1 && j == 0) v = 127.0f;
      if (kind == 2 && j < 4) v = 0.0f;
      x[b * 32 + j] = v;
    }
  }
  if (n % 32 != 0) {
    for (int64_t i = n / 32 * 32; i < n; i++) x[i] = check_rand_f32(st);
  }
}

static void test_round_trip(int t) {
  const struct ai_type_traits *tr = ai_type_traits_get(t);
  const int64_t n = 32 * 129;
  float *x = malloc(sizeof(float) * n), *z = malloc(sizeof(float) * n);
  uint8_t *q = malloc(ai_type_row_bytes((enum ai_type)t, n));
  uint64_t st = seed ^ (uint64_t)t;
  fill(x, n, &st);
  tr->from_float(x, q, n);
  tr->to_float(q, z, n);
  int bad = 0;
  for (int64_t b = 0; b < n / 32; b++) {
    double amax = 0, err = 0;
    for (int j = 0; j < 32; j++) {
      amax = fmax(amax, fabs(x[b * 32 + j]));
      err = fmax(err, fabs((double)x[b * 32 + j] - z[b * 32 + j]));
      /* the reference dequantizer agrees with the test's own decoder */
      if ((double)z[b * 32 + j] != (double)(float)element(t, q, b * 32 + j)) bad++;
    }
    if (err > tol_rt(t) * amax + 1e-30) {
      fprintf(stderr, "%s round trip block %lld: err %g, amax %g (seed %llu)\n", tr->name,
              (long long)b, err, amax, (unsigned long long)seed);
      bad++;
    }
  }
  CHECK_EQ(bad, 0);
  free(x);
  free(z);
  free(q);
}

/* The ISAs this CPU and build can run, reference included. */
static int isas(enum ai_isa out[5]) {
  const enum ai_isa best = ai_isa_detect();
  int n = 0;
  out[n++] = AI_ISA_REF;
  if (best == AI_ISA_AVX2 || best == AI_ISA_AVX512) out[n++] = AI_ISA_AVX2;
  if (best == AI_ISA_AVX512) out[n++] = AI_ISA_AVX512;
  if (best == AI_ISA_NEON || best == AI_ISA_SIMD128) out[n++] = best;
  return n;
}

static void test_type(int t) {
  const struct ai_type_traits *tr = ai_type_traits_get(t);
  const enum ai_type at = tr->vec_dot_type;
  const struct ai_type_traits *atr = ai_type_traits_get(at);
  /* 2, 7, 33: every remainder of SIMD128's 4-block step; 129 and 514 exceed its activation buffer
   * (qgemm_wasm.h: 512 block-tokens) for four tokens and for one */
  static const int64_t blocks[] = {1, 2, 7, 33, 129, 514};
  static const int64_t rows_list[] = {1, 3, 17};
  static const int64_t toks[] = {1, 2, 3, 4, 5, 8, 9, 13};
  struct ai_cpu_kernels ref;
  CHECK(ai_cpu_kernels_get((enum ai_type)t, AI_ISA_REF, &ref));
  enum ai_isa isa_list[5];
  const int n_isa = isas(isa_list);
  for (size_t bi = 0; bi < sizeof blocks / sizeof blocks[0]; bi++) {
    const int64_t k = 32 * blocks[bi];
    const size_t wrb = ai_type_row_bytes((enum ai_type)t, k), xrb = ai_type_row_bytes(at, k);
    const int64_t max_rows = 17, max_tok = 13;
    float *wf = malloc(sizeof(float) * k * max_rows), *xf = malloc(sizeof(float) * k * max_tok);
    uint8_t *w = malloc(wrb * max_rows), *xq = malloc(xrb * max_tok), *xq2 = malloc(xrb * max_tok);
    uint64_t st = seed + (uint64_t)k * 31 + (uint64_t)t;
    fill(wf, k * max_rows, &st);
    fill(xf, k * max_tok, &st);
    for (int64_t r = 0; r < max_rows; r++) tr->from_float(wf + r * k, w + r * wrb, k);
    for (int64_t i = 0; i < max_tok; i++) atr->from_float(xf + i * k, xq + i * xrb, k);

    /* reference dot vs double precision from the bytes */
    int bad = 0;
    for (int64_t r = 0; r < max_rows; r++) {
      for (int64_t i = 0; i < max_tok; i++) {
        double exact = 0, mag = 0;
        for (int64_t e = 0; e < k; e++) {
          const double p = element(t, w + r * wrb, e) * element(at, xq + i * xrb, e);
          exact += p;
          mag += fabs(p);
        }
        if (t == AI_TYPE_Q4_1 || t == AI_TYPE_Q5_1) {
          /* the reference uses the stored s = fp16(d * sum q) for the minimum term */
          exact = 0;
          for (int64_t b = 0; b < k / 32; b++) {
            const uint8_t *pb = w + r * wrb + b * (t == AI_TYPE_Q4_1 ? 20 : 24);
            const uint8_t *yb = xq + i * xrb + b * 36;
            long sumi = 0;
            for (int j = 0; j < 32; j++)
              sumi += qraw(t, w + r * wrb, b * 32 + j) * (int8_t)yb[4 + j];
            exact += (double)sumi * rdh(pb) * rdh(yb) + (double)rdh(pb + 2) * rdh(yb + 2);
          }
        }
        float s;
        ref.vec_dot(k, &s, w + r * wrb, xq + i * xrb);
        if (fabs(s - exact) > TOL_DOT_REF * mag + 1e-30) {
          fprintf(stderr, "%s ref dot k=%lld: %g vs %g (seed %llu)\n", tr->name, (long long)k, s,
                  exact, (unsigned long long)seed);
          bad++;
        }
      }
    }
    CHECK_EQ(bad, 0);

    for (int ii = 1; ii < n_isa; ii++) {
      struct ai_cpu_kernels fast;
      CHECK(ai_cpu_kernels_get((enum ai_type)t, isa_list[ii], &fast));
      /* quantize_act: the same bytes as the reference */
      for (int64_t i = 0; i < max_tok; i++) fast.quantize_act(xf + i * k, xq2 + i * xrb, k);
      if (memcmp(xq, xq2, xrb * max_tok) != 0) {
        fprintf(stderr, "%s %s quantize_act differs from the reference (seed %llu)\n", tr->name,
                ai_isa_name(isa_list[ii]), (unsigned long long)seed);
        CHECK(0);
      }
      /* gemm and vec_dot vs reference, with a sub-range of rows and padded output stride */
      for (size_t ri = 0; ri < sizeof rows_list / sizeof rows_list[0]; ri++) {
        for (size_t ti = 0; ti < sizeof toks / sizeof toks[0]; ti++) {
          const int64_t rows = rows_list[ri], n_tok = toks[ti], r0 = rows > 1 ? 1 : 0;
          const int64_t stride = rows + 3;
          float *y = malloc(sizeof(float) * stride * n_tok);
          for (int64_t i = 0; i < stride * n_tok; i++) y[i] = -12345.0f;
          fast.gemm(k, w, wrb, r0, rows, xq, xrb, n_tok, y, stride);
          int bad_g = 0;
          for (int64_t i = 0; i < n_tok; i++) {
            for (int64_t r = 0; r < stride; r++) {
              const float got = y[i * stride + r];
              if (r < r0 || r >= rows) {
                if (got != -12345.0f) bad_g++; /* wrote outside [r0, r1) */
                continue;
              }
              float want, dot;
              ref.vec_dot(k, &want, w + r * wrb, xq + i * xrb);
              fast.vec_dot(k, &dot, w + r * wrb, xq + i * xrb);
              double mag = 0;
              for (int64_t e = 0; e < k; e++) {
                mag += fabs(element(t, w + r * wrb, e) * element(at, xq + i * xrb, e));
              }
              if (fabs(got - want) > TOL_DOT_VARIANT * mag + 1e-30) bad_g++;
              if (fabs(dot - want) > TOL_DOT_VARIANT * mag + 1e-30) bad_g++;
            }
          }
          if (bad_g) {
            fprintf(stderr, "%s %s gemm k=%lld rows=%lld n_tok=%lld: %d bad (seed %llu)\n",
                    tr->name, ai_isa_name(isa_list[ii]), (long long)k, (long long)rows,
                    (long long)n_tok, bad_g, (unsigned long long)seed);
          }
          CHECK_EQ(bad_g, 0);
          free(y);
        }
      }
    }
    free(wf);
    free(xf);
    free(w);
    free(xq);
    free(xq2);
  }
}

#if defined(__x86_64__)
/* The two x86 kernels behind each AVX-512 and AVX2 gemm (qgemv.h), each on its own, against the
 * reference gemm: block counts around the gemv's 16-block step (tails of 1, 15 and none), every row
 * range [r0, r1) with r0 < 3 and r1 <= 9 (odd starts and lengths), and n_tok 1..9 (one to three
 * passes of the gemv's up to 4 tokens: Q4_0 takes the gemv up to 8), with sentinels around the
 * written rows. */
struct variant {
  int type;
  enum ai_isa isa; /* the variant needs this ISA */
  const char *name;
  ai_gemm_fn fn;
};

static const struct variant variants[] = {
    {AI_TYPE_Q4_0, AI_ISA_AVX512, "gemv", ai_gemv_q4_0_q8_0_avx512},
    {AI_TYPE_Q4_0, AI_ISA_AVX512, "tiled", ai_gemm_tiled_q4_0_q8_0_avx512},
    {AI_TYPE_Q8_0, AI_ISA_AVX512, "gemv", ai_gemv_q8_0_q8_0_avx512},
    {AI_TYPE_Q8_0, AI_ISA_AVX512, "tiled", ai_gemm_tiled_q8_0_q8_0_avx512},
    {AI_TYPE_Q4_1, AI_ISA_AVX512, "gemv", ai_gemv_q4_1_q8_1_avx512},
    {AI_TYPE_Q4_1, AI_ISA_AVX512, "tiled", ai_gemm_tiled_q4_1_q8_1_avx512},
    {AI_TYPE_Q5_0, AI_ISA_AVX512, "gemv", ai_gemv_q5_0_q8_0_avx512},
    {AI_TYPE_Q5_0, AI_ISA_AVX512, "tiled", ai_gemm_tiled_q5_0_q8_0_avx512},
    {AI_TYPE_Q5_1, AI_ISA_AVX512, "gemv", ai_gemv_q5_1_q8_1_avx512},
    {AI_TYPE_Q5_1, AI_ISA_AVX512, "tiled", ai_gemm_tiled_q5_1_q8_1_avx512},
    {AI_TYPE_Q4_0, AI_ISA_AVX2, "gemv", ai_gemv_q4_0_q8_0_avx2},
    {AI_TYPE_Q4_0, AI_ISA_AVX2, "tiled", ai_gemm_tiled_q4_0_q8_0_avx2},
    {AI_TYPE_Q4_1, AI_ISA_AVX2, "gemv", ai_gemv_q4_1_q8_1_avx2},
    {AI_TYPE_Q4_1, AI_ISA_AVX2, "tiled", ai_gemm_tiled_q4_1_q8_1_avx2},
    {AI_TYPE_Q5_0, AI_ISA_AVX2, "gemv", ai_gemv_q5_0_q8_0_avx2},
    {AI_TYPE_Q5_0, AI_ISA_AVX2, "tiled", ai_gemm_tiled_q5_0_q8_0_avx2},
    {AI_TYPE_Q5_1, AI_ISA_AVX2, "gemv", ai_gemv_q5_1_q8_1_avx2},
    {AI_TYPE_Q5_1, AI_ISA_AVX2, "tiled", ai_gemm_tiled_q5_1_q8_1_avx2},
    {AI_TYPE_Q8_0, AI_ISA_AVX2, "gemv", ai_gemv_q8_0_q8_0_avx2},
    {AI_TYPE_Q8_0, AI_ISA_AVX2, "tiled", ai_gemm_tiled_q8_0_q8_0_avx2},
};

static void test_variant(const struct variant *v) {
  const struct ai_type_traits *tr = ai_type_traits_get(v->type);
  const enum ai_type at = tr->vec_dot_type;
  struct ai_cpu_kernels ref;
  CHECK(ai_cpu_kernels_get((enum ai_type)v->type, AI_ISA_REF, &ref));
  static const int64_t blocks[] = {1, 15, 16, 17, 47};
  enum { max_rows = 9, max_tok = 9, stride = max_rows + 2 };
  for (size_t bi = 0; bi < sizeof blocks / sizeof blocks[0]; bi++) {
    const int64_t k = 32 * blocks[bi];
    const size_t wrb = ai_type_row_bytes((enum ai_type)v->type, k), xrb = ai_type_row_bytes(at, k);
    float *wf = malloc(sizeof(float) * k * max_rows), *xf = malloc(sizeof(float) * k * max_tok);
    uint8_t *w = malloc(wrb * max_rows), *xq = malloc(xrb * max_tok);
    uint64_t st = seed + (uint64_t)k * 17 + (uint64_t)v->type;
    fill(wf, k * max_rows, &st);
    fill(xf, k * max_tok, &st);
    for (int64_t r = 0; r < max_rows; r++) tr->from_float(wf + r * k, w + r * wrb, k);
    for (int64_t i = 0; i < max_tok; i++)
      ai_type_traits_get(at)->from_float(xf + i * k, xq + i * xrb, k);
    float want[max_tok][max_rows];
    double mag[max_tok][max_rows];
    for (int64_t i = 0; i < max_tok; i++) {
      for (int64_t r = 0; r < max_rows; r++) {
        ref.vec_dot(k, &want[i][r], w + r * wrb, xq + i * xrb);
        mag[i][r] = 0;
        for (int64_t e = 0; e < k; e++) {
          mag[i][r] += fabs(element(v->type, w + r * wrb, e) * element(at, xq + i * xrb, e));
        }
      }
    }
    int bad = 0;
    for (int64_t n_tok = 1; n_tok <= max_tok; n_tok++) {
      for (int64_t r0 = 0; r0 < 3; r0++) {
        for (int64_t r1 = r0 + 1; r1 <= max_rows; r1++) {
          float y[max_tok * stride];
          for (int i = 0; i < max_tok * stride; i++) y[i] = -12345.0f;
          v->fn(k, w, wrb, r0, r1, xq, xrb, n_tok, y, stride);
          for (int64_t i = 0; i < max_tok; i++) {
            for (int64_t r = 0; r < stride; r++) {
              const float got = y[i * stride + r];
              if (i >= n_tok || r < r0 || r >= r1) {
                if (got != -12345.0f) bad++; /* wrote outside its rows or tokens */
              } else if (!(fabs(got - want[i][r]) <= TOL_DOT_VARIANT * mag[i][r] + 1e-30)) {
                bad++;
              }
            }
          }
        }
      }
    }
    if (bad) {
      fprintf(stderr, "%s %s %s k=%lld: %d bad (seed %llu)\n", tr->name, ai_isa_name(v->isa),
              v->name, (long long)k, bad, (unsigned long long)seed);
    }
    CHECK_EQ(bad, 0);
    free(wf);
    free(xf);
    free(w);
    free(xq);
  }
}
#endif

int main(void) {
  seed = 20261123;
  const char *env = getenv("AI_TEST_SEED");
  if (env != NULL) seed = strtoull(env, NULL, 10);
  printf("seed %llu, isa %s\n", (unsigned long long)seed, ai_isa_name(ai_isa_detect()));
  static const int types[] = {AI_TYPE_Q4_0, AI_TYPE_Q4_1, AI_TYPE_Q5_0, AI_TYPE_Q5_1,
                              AI_TYPE_Q8_0, AI_TYPE_F16,  AI_TYPE_BF16, AI_TYPE_F32};
  for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
    if (types[i] != AI_TYPE_F32) test_round_trip(types[i]);
    test_type(types[i]);
  }
#if defined(__x86_64__)
  for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
    const enum ai_isa best = ai_isa_detect();
    if (best == AI_ISA_AVX512 || (best == AI_ISA_AVX2 && variants[i].isa == AI_ISA_AVX2)) {
      test_variant(&variants[i]);
    }
  }
#endif
  if (check_failures) fprintf(stderr, "failed with seed %llu\n", (unsigned long long)seed);
  return check_exit();
}
