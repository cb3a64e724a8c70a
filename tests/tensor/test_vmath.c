/* vmath kernels: the references against double-precision exp/erf, and every x86 or SIMD128 variant
 * this CPU and build run against the reference at odd lengths (tails of every size), including
 * large negative inputs (exp underflow), |x| up to 10 for GELU and 100 for SwiGLU. */
#include <math.h>

#include "check.h"
#include "tensor/vmath.h"

static void check_variant(const struct ai_vmath_kernels *k, const char *name, uint64_t seed) {
  uint64_t state = seed;
  for (int64_t n = 1; n <= 70; n += 3) {
    float x[70], a[70], b[70];
    for (int64_t i = 0; i < n; i++) x[i] = 20.0f * check_rand_f32(&state);
    if (n > 4) x[3] = -200.0f; /* far below the maximum: exp underflows to ~0 */
    const float scale = 0.7f;
    memcpy(a, x, sizeof x);
    memcpy(b, x, sizeof x);
    float sa = ai_softmax_exp_ref(a, n, scale), sb = k->softmax_exp(b, n, scale);
    double max = -INFINITY, sum = 0;
    for (int64_t i = 0; i < n; i++) max = fmax(max, (double)x[i] * scale);
    for (int64_t i = 0; i < n; i++) {
      double arg = (double)x[i] * scale - max, e = exp(arg);
      /* x * scale and the maximum are rounded to float: relative error ~(|arg| + |max|) 2^-24 */
      double tol = e * (3e-7 + 1.2e-7 * (fabs(arg) + fabs(max))) + 1e-37;
      sum += e;
      CHECK_NEAR(a[i], e, tol);
      CHECK_NEAR(b[i], e, tol);
    }
    CHECK_NEAR(sa, sum, 1e-6 * sum);
    CHECK_NEAR(sb, sum, 1e-6 * sum);
    ai_gelu_ref(x, a, n);
    k->gelu(x, b, n);
    for (int64_t i = 0; i < n; i++) {
      double g = 0.5 * x[i] * (1.0 + erf(x[i] / sqrt(2.0)));
      CHECK_NEAR(a[i], g, 1e-6 * (1 + fabs(g)));
      CHECK_NEAR(b[i], g, 2e-6 * (1 + fabs(x[i])));
    }
  }
  /* SwiGLU at odd lengths, |g| up to 100 (exp overflow and underflow), in place over g. */
  for (int64_t n = 1; n <= 70; n += 3) {
    float g[70], u[70], a[70], b[70];
    for (int64_t i = 0; i < n; i++)
      g[i] = 20.0f * check_rand_f32(&state), u[i] = 3.0f * check_rand_f32(&state);
    if (n > 5) g[4] = -100.0f, g[5] = 100.0f;
    ai_silu_mul_ref(g, u, a, n);
    memcpy(b, g, sizeof g);
    k->silu_mul(b, u, b, n);
    for (int64_t i = 0; i < n; i++) {
      double want = (double)g[i] / (1.0 + exp(-(double)g[i])) * u[i];
      CHECK_NEAR(a[i], want, 1e-6 * (1 + fabs(want)));
      CHECK_NEAR(b[i], want, 1e-6 * (1 + fabs(want)));
    }
  }
  /* GELU in place, and at points: 0, +-1, large |x|. */
  float v[5] = {0.0f, 1.0f, -1.0f, 10.0f, -10.0f};
  k->gelu(v, v, 5);
  CHECK_NEAR(v[0], 0.0, 1e-9);
  CHECK_NEAR(v[1], 0.8413447460685429, 1e-6);
  CHECK_NEAR(v[2], -0.15865525393145707, 1e-6);
  CHECK_NEAR(v[3], 10.0, 1e-5);
  CHECK_NEAR(v[4], 0.0, 1e-5);
  if (check_failures) fprintf(stderr, "variant %s (seed %llu)\n", name, (unsigned long long)seed);
}

int main(void) {
  /* the ISAs this CPU and build run: x86 rows up to the best one, or NEON / SIMD128 */
  const enum ai_isa best = ai_isa_detect();
  enum ai_isa isas[3];
  int n = 0;
  isas[n++] = AI_ISA_REF;
  if (best == AI_ISA_AVX2 || best == AI_ISA_AVX512) isas[n++] = AI_ISA_AVX2;
  if (best == AI_ISA_AVX512 || best == AI_ISA_NEON || best == AI_ISA_SIMD128) isas[n++] = best;
  for (int i = 0; i < n; i++) {
    struct ai_vmath_kernels k;
    ai_vmath_kernels_get(isas[i], &k);
    check_variant(&k, ai_isa_name(isas[i]), 11 + (uint64_t)i);
  }
  return check_exit();
}
