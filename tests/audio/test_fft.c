/* Real FFT against the plain DFT on seeded random frames, at the log-mel size (400: a complex
 * transform of 200 = 4 x 2 x 5 x 5) and sizes whose half has other factorizations (1, primes
 * from 3 to 1021 through the generic butterfly, powers of two), the exact spectrum of a cosine,
 * and the error paths. */
#include "audio/fft.h"
#include "check.h"

static struct ai_error err;

/* max |power - ref| relative to the largest bin must stay at double-rounding level (the output
 * is float, so 1e-6 of the peak bounds it). */
static void test_size(int n, uint64_t *seed) {
  struct ai_fft *f = NULL;
  CHECK_EQ(ai_fft_create(NULL, n, &f, &err), ANYINFER_OK);
  if (!f) return;
  CHECK_EQ(ai_fft_n(f), n);
  float *x = malloc((size_t)n * sizeof *x), *p = malloc((size_t)(n / 2 + 1) * sizeof *p);
  double *ref = malloc((size_t)(n / 2 + 1) * sizeof *ref);
  double *scratch = malloc(AI_FFT_SCRATCH(n) * sizeof *scratch);
  const uint64_t s0 = *seed;
  for (int i = 0; i < n; i++) x[i] = check_rand_f32(seed);
  ai_fft_power(f, x, p, scratch);
  ai_fft_power_ref(n, x, ref);
  double peak = 0.0, max_err = 0.0;
  for (int k = 0; k <= n / 2; k++) peak = fmax(peak, ref[k]);
  for (int k = 0; k <= n / 2; k++) max_err = fmax(max_err, fabs(p[k] - ref[k]));
  if (!(max_err <= 1e-6 * peak)) fprintf(stderr, "n %d seed %llu\n", n, (unsigned long long)s0);
  CHECK(max_err <= 1e-6 * peak);
  free(x);
  free(p);
  free(ref);
  free(scratch);
  ai_fft_free(f);
}

/* cos(2 pi 3 t / 400): all power in bin 3, (400 / 2)^2; the other bins are rounding noise. */
static void test_cosine(void) {
  struct ai_fft *f = NULL;
  CHECK_EQ(ai_fft_create(NULL, 400, &f, &err), ANYINFER_OK);
  if (!f) return;
  float x[400], p[201];
  double scratch[AI_FFT_SCRATCH(400)];
  for (int t = 0; t < 400; t++) x[t] = (float)cos(2.0 * 3.14159265358979323846 * 3 * t / 400);
  ai_fft_power(f, x, p, scratch);
  CHECK_NEAR(p[3], 40000.0, 0.05);
  for (int k = 0; k <= 200; k++) {
    if (k != 3) CHECK_NEAR(p[k], 0.0, 1e-6);
  }
  ai_fft_free(f);
}

int main(void) {
  uint64_t seed = 0x5eed;
  const char *env = getenv("AI_TEST_SEED");
  if (env) seed = strtoull(env, NULL, 0);
  // Half sizes 1, 2, 3, 4, 5, 7, 97 (prime), 200 (4 x 2 x 5 x 5), 499, 1021 and powers of two.
  const int sizes[] = {2, 4, 6, 8, 10, 14, 16, 194, 256, 400, 420, 998, 1000, 2042, 4096};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) test_size(sizes[i], &seed);
  test_cosine();
  struct ai_fft *f = (struct ai_fft *)1;
  CHECK_EQ(ai_fft_create(NULL, 1, &f, &err), ANYINFER_E_INVAL);
  CHECK(f == NULL && strstr(err.msg, "size 1") != NULL);
  CHECK_EQ(ai_fft_create(NULL, 401, &f, &err), ANYINFER_E_INVAL);
  CHECK(f == NULL && strstr(err.msg, "must be even") != NULL);
  CHECK_EQ(ai_fft_create(NULL, AI_FFT_MAX_N + 2, &f, &err), ANYINFER_E_INVAL);
  for (uint64_t fail = 1; fail <= 2; fail++) {
    struct ai_alloc_fault fault = {.fail_at = fail};
    struct ai_alloc a = ai_alloc_make(ai_alloc_fault_fn, &fault);
    CHECK_EQ(ai_fft_create(&a, 400, &f, &err), ANYINFER_E_NOMEM);
    CHECK(f == NULL);
    CHECK_EQ(fault.n_live, 0);
  }
  ai_fft_free(NULL);
  return check_exit();
}
