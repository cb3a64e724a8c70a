/* Parity tests of the float weight kernels (F32, F16, BF16) at sizes that are not multiples of a
 * vector: every ISA row this CPU and build runs (through ai_cpu_kernels_get), plus the variants a
 * row may not show on this CPU (the AVX-512 BF16 gemm without AVX512_BF16), against the reference
 * gemm; fast activation converters byte for byte. test_quants.c covers k multiple of 32. */
#include "base/fp16.h"
#include "check.h"
#include "tensor/fp.h"
#include "tensor/quants.h"
#include "tensor/types.h"
#ifdef __wasm_simd128__
#include "tensor/qgemm_wasm.h"
#endif

/* Variant vs reference, relative to sum |w_i x_i|: f32 accumulation in a few lanes against the
 * reference's double sum (about sqrt(k) * 2^-24 per lane sum). vdpbf16ps also flushes denormal
 * inputs, which the data below does not produce. */
#define TOL_GEMM 2e-5

static uint64_t seed;

struct variant {
  const char *name;
  enum ai_type type;
  ai_from_float_fn convert; /* f32 -> the type (NULL: the reference) */
  ai_vec_dot_fn dot;
  ai_gemm_fn gemm;
};

/* Element e of a row of type t, from its bytes. */
static double element(enum ai_type t, const uint8_t *row, int64_t e) {
  uint16_t h;
  float f;
  switch (t) {
    case AI_TYPE_F32:
      memcpy(&f, row + 4 * e, 4);
      return f;
    case AI_TYPE_F16:
      memcpy(&h, row + 2 * e, 2);
      return ai_fp16_to_fp32(h);
    case AI_TYPE_BF16:
      memcpy(&h, row + 2 * e, 2);
      return ai_bf16_to_fp32(h);
    default:
      break;
  }
  return NAN;
}

/* Values over several magnitudes, plus exact halfway cases for the F16/BF16 rounding (an f32
 * with its low 13 or 16 bits at 0x1000 or 0x8000), zeros and signed zeros, and F16 subnormals. */
static void fill(float *x, int64_t n, uint64_t *st) {
  for (int64_t i = 0; i < n; i++) {
    const int kind = (int)(check_rand_u64(st) % 8);
    float v = check_rand_f32(st) * (float)(1 + check_rand_u64(st) % 100);
    uint32_t u = ai_f32_to_bits(v);
    if (kind == 1) u = (u & ~0x1fffu) | 0x1000u; /* F16 tie */
    if (kind == 2) u = (u & ~0xffffu) | 0x8000u; /* BF16 tie */
    v = ai_bits_to_f32(u);
    if (kind == 3) v = (check_rand_u64(st) & 1) ? -0.0f : 0.0f;
    if (kind == 4) v = check_rand_f32(st) * 6e-5f; /* F16 subnormal range */
    x[i] = v;
  }
}

static void test_variant(const struct variant *v, enum ai_isa isa) {
  const struct ai_type_traits *tr = ai_type_traits_get(v->type);
  struct ai_cpu_kernels ref;
  CHECK(ai_cpu_kernels_get(v->type, AI_ISA_REF, &ref));
  static const int64_t ks[] = {1, 7, 15, 16, 17, 31, 33, 63, 100, 257, 4097};
  enum { max_rows = 19, max_tok = 14, stride = max_rows + 2 };
  for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++) {
    const int64_t k = ks[ki];
    const size_t rb = ai_type_row_bytes(v->type, k);
    float *wf = malloc(sizeof(float) * k * max_rows), *xf = malloc(sizeof(float) * k * max_tok);
    uint8_t *w = malloc(rb * max_rows), *xq = malloc(rb * max_tok), *xq2 = malloc(rb * max_tok);
    uint64_t st = seed + (uint64_t)k * 977 + (uint64_t)v->type;
    fill(wf, k * max_rows, &st);
    fill(xf, k * max_tok, &st);
    for (int64_t r = 0; r < max_rows; r++) tr->from_float(wf + r * k, w + r * rb, k);
    for (int64_t i = 0; i < max_tok; i++) tr->from_float(xf + i * k, xq + i * rb, k);
    if (v->convert != NULL) {
      for (int64_t i = 0; i < max_tok; i++) v->convert(xf + i * k, xq2 + i * rb, k);
      if (memcmp(xq, xq2, rb * max_tok) != 0) {
        fprintf(stderr, "%s %s: converter differs from the reference at k=%lld (seed %llu)\n",
                v->name, ai_isa_name(isa), (long long)k, (unsigned long long)seed);
        CHECK(0);
      }
    }
    static const int64_t tok_list[] = {1, 2, 3, 5, 6, 7, 13, 14};
    static const int64_t rng[][2] = {{0, 1}, {1, 4}, {0, 8}, {3, 12}, {1, 19}, {0, 17}};
    int bad = 0;
    for (size_t ti = 0; ti < sizeof tok_list / sizeof tok_list[0]; ti++) {
      for (size_t ri = 0; ri < sizeof rng / sizeof rng[0]; ri++) {
        const int64_t n_tok = tok_list[ti], r0 = rng[ri][0], r1 = rng[ri][1];
        float y[stride * max_tok];
        for (int i = 0; i < stride * max_tok; i++) y[i] = -12345.0f;
        v->gemm(k, w, rb, r0, r1, xq, rb, n_tok, y, stride);
        for (int64_t t = 0; t < n_tok; t++) {
          for (int64_t r = 0; r < stride; r++) {
            const float got = y[t * stride + r];
            if (r < r0 || r >= r1) {
              bad += got != -12345.0f; /* wrote outside [r0, r1) */
              continue;
            }
            float want, dot;
            ref.vec_dot(k, &want, w + r * rb, xq + t * rb);
            v->dot(k, &dot, w + r * rb, xq + t * rb);
            double mag = 0;
            for (int64_t e = 0; e < k; e++)
              mag += fabs(element(v->type, w + r * rb, e) * element(v->type, xq + t * rb, e));
            bad += fabs(got - want) > TOL_GEMM * mag + 1e-30;
            bad += fabs(dot - want) > TOL_GEMM * mag + 1e-30;
          }
        }
      }
    }
    if (bad) {
      fprintf(stderr, "%s %s k=%lld: %d bad (seed %llu)\n", v->name, ai_isa_name(isa), (long long)k,
              bad, (unsigned long long)seed);
    }
    CHECK_EQ(bad, 0);
    free(wf);
    free(xf);
    free(w);
    free(xq);
    free(xq2);
  }
}

/* The rows ai_cpu_kernels_get gives for every ISA this CPU runs. */
static void test_tables(void) {
  const enum ai_isa best = ai_isa_detect();
  enum ai_isa list[3];
  int n = 0;
  if (best == AI_ISA_AVX2 || best == AI_ISA_AVX512) list[n++] = AI_ISA_AVX2;
  if (best == AI_ISA_AVX512) list[n++] = AI_ISA_AVX512;
  if (best == AI_ISA_NEON || best == AI_ISA_SIMD128) list[n++] = best;
  static const enum ai_type types[] = {AI_TYPE_F32, AI_TYPE_F16, AI_TYPE_BF16};
  for (int i = 0; i < n; i++) {
    for (size_t j = 0; j < sizeof types / sizeof types[0]; j++) {
      struct ai_cpu_kernels kern;
      CHECK(ai_cpu_kernels_get(types[j], list[i], &kern));
      const struct variant v = {ai_type_traits_get(types[j])->name, types[j], kern.quantize_act,
                                kern.vec_dot, kern.gemm};
      test_variant(&v, list[i]);
    }
  }
}

#ifdef __wasm_simd128__
/* The SIMD128 gemm's fp16 scale conversions (qgemm_wasm.h), four lanes and scalar, against
 * ai_fp16_to_fp32 bit for bit on every half: subnormals, infinities and NaN payloads included. */
static void test_wasm_fp16(void) {
  int bad = 0;
  for (uint32_t h = 0; h < 65536; h++) {
    uint8_t p[8] = {0};
    const uint16_t h4[4] = {(uint16_t)h, (uint16_t)(h ^ 0x8000u), (uint16_t)(h + 1), 0};
    memcpy(p, h4, sizeof h4);
    const v128_t v = qw_fp16x4(p, 2, 3);
    const float got[4] = {wasm_f32x4_extract_lane(v, 0), wasm_f32x4_extract_lane(v, 1),
                          wasm_f32x4_extract_lane(v, 2), wasm_f32x4_extract_lane(v, 3)};
    for (int l = 0; l < 4; l++) {
      if (ai_f32_to_bits(got[l]) != ai_f32_to_bits(ai_fp16_to_fp32(h4[l]))) bad++;
    }
    if (ai_f32_to_bits(qw_fp16(h4[0])) != ai_f32_to_bits(ai_fp16_to_fp32(h4[0]))) bad++;
  }
  CHECK_EQ(bad, 0);
}
#endif

int main(void) {
  seed = 20261124;
  const char *env = getenv("AI_TEST_SEED");
  if (env != NULL) seed = strtoull(env, NULL, 10);
  printf("seed %llu, isa %s\n", (unsigned long long)seed, ai_isa_name(ai_isa_detect()));
  test_tables();
#ifdef __wasm_simd128__
  test_wasm_fp16();
#endif
#if defined(__x86_64__)
  /* Both AVX-512 BF16 gemms, whichever of them the table picks on this CPU. */
  if (ai_isa_detect() == AI_ISA_AVX512) {
    const struct variant plain = {"BF16 (no vdpbf16ps)", AI_TYPE_BF16, ai_from_float_bf16_avx512,
                                  ai_dot_bf16_bf16_avx512, ai_gemm_bf16_bf16_avx512};
    test_variant(&plain, AI_ISA_AVX512);
    if (ai_fp_cpu_has_avx512_bf16()) {
      const struct variant dp = {"BF16 (vdpbf16ps)", AI_TYPE_BF16, NULL,
                                 ai_dot_bf16_bf16_avx512bf16, ai_gemm_bf16_bf16_avx512bf16};
      test_variant(&dp, AI_ISA_AVX512);
    } else {
      printf("skipped: BF16 vdpbf16ps gemm (no AVX512_BF16 on this CPU)\n");
    }
  }
#endif
  if (check_failures) fprintf(stderr, "failed with seed %llu\n", (unsigned long long)seed);
  return check_exit();
}
