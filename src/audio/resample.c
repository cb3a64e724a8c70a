/* Windowed-sinc resampling through a polyphase filter table (Smith, "Digital Audio Resampling",
 * bandlimited interpolation; FFmpeg libswresample/resample.c build_filter for the Kaiser window and
 * the per-phase normalization). The ratio is reduced to L/M by the gcd of the rates: output k sits
 * at input position k M / L = ip + ph / L, so at most L distinct phases occur and each has its own
 * row of taps. Beyond AI_RESAMPLE_MAX_PHASES the table is sampled more coarsely and the two rows
 * around a phase are blended linearly (libswresample's linear_interp).
 */
#include "audio/resample.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#define PI 3.14159265358979323846

static int64_t gcd64(int64_t a, int64_t b) {
  while (b) {
    int64_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

static bool rate_ok(int rate) {
  return rate >= 1000 && rate <= 768000;
}

int64_t ai_resample_n_out(int64_t n_in, int rate_in, int rate_out) {
  if (!rate_ok(rate_in) || !rate_ok(rate_out) || n_in < 1) return 0;
  const int64_t g = gcd64(rate_in, rate_out), l = rate_out / g, m = rate_in / g;
  // n_in < 2^63 / l holds for any buffer that fits in memory; ceil(n_in l / m).
  return (n_in * l + m - 1) / m;
}

/* Modified Bessel function of the first kind, order 0 (power series; converges for all x). */
static double bessel_i0(double x) {
  double sum = 1.0, term = 1.0, q = x * x / 4.0;
  for (int k = 1; k < 500 && term > 1e-17 * sum; k++) {
    term *= q / ((double)k * k);
    sum += term;
  }
  return sum;
}

/* The continuous kernel at distance t (input samples) from the output position: a sinc with
 * cutoff fc (cycles per input sample x 2) under a Kaiser window of half-width half_w; i0_beta is
 * bessel_i0(AI_RESAMPLE_KAISER_BETA). */
static double kernel(double t, double fc, double half_w, double i0_beta) {
  if (fabs(t) >= half_w) return 0.0;
  const double r = t / half_w;
  const double win = bessel_i0(AI_RESAMPLE_KAISER_BETA * sqrt(1.0 - r * r)) / i0_beta;
  const double x = PI * fc * t;
  return fc * (x == 0.0 ? 1.0 : sin(x) / x) * win;
}

anyinfer_status ai_resample(const struct ai_alloc *alloc, const float *in, int64_t n_in,
                            int rate_in, int rate_out, float *out, struct ai_error *err) {
  if (!rate_ok(rate_in) || !rate_ok(rate_out) || n_in < 1 || n_in > INT64_MAX / 768000) {
    return ai_error_set(err, ANYINFER_E_INVAL,
                        "resample: %lld samples from %d Hz to %d Hz (rates 1000..768000, at "
                        "least one sample)",
                        (long long)n_in, rate_in, rate_out);
  }
  if (rate_in == rate_out) {
    memcpy(out, in, (size_t)n_in * sizeof *out);
    return ANYINFER_OK;
  }
  const int64_t g = gcd64(rate_in, rate_out), l = rate_out / g, m = rate_in / g;
  const int64_t n_phase = l < AI_RESAMPLE_MAX_PHASES ? l : AI_RESAMPLE_MAX_PHASES;
  const double ratio = (double)rate_out / rate_in;
  const double fc = AI_RESAMPLE_CUTOFF * (ratio < 1.0 ? ratio : 1.0);
  const double half_w = AI_RESAMPLE_HALF_ZEROS / fc;  // input samples either side
  const int64_t h = (int64_t)ceil(half_w), n_tap = 2 * h + 1;
  // Row p (0 <= p <= n_phase) holds the taps for phase p / n_phase: tap d + h weights input
  // sample ip + d. Row n_phase (phase 1) is the blend partner of the last row.
  size_t n_table;
  if (!ai_mul_size((size_t)(n_phase + 1), (size_t)n_tap, &n_table)) n_table = SIZE_MAX;
  struct ai_alloc a = alloc ? *alloc : ai_alloc_default();
  float *table = ai_calloc(&a, n_table, sizeof *table);
  if (!table) {
    return ai_error_set(err, ANYINFER_E_NOMEM, "resample: out of memory for a %lld x %lld table",
                        (long long)(n_phase + 1), (long long)n_tap);
  }
  const double i0_beta = bessel_i0(AI_RESAMPLE_KAISER_BETA);
  for (int64_t p = 0; p <= n_phase; p++) {
    float *row = table + p * n_tap;
    const double phase = (double)p / n_phase;
    double sum = 0.0;
    for (int64_t d = -h; d <= h; d++) {
      const double k = kernel(phase - d, fc, half_w, i0_beta);
      row[d + h] = (float)k;
      sum += k;
    }
    // Unit gain at DC in every phase, so a constant signal stays constant (libswresample).
    for (int64_t d = 0; d < n_tap; d++) row[d] = (float)(row[d] / sum);
  }
  const int64_t n_out = ai_resample_n_out(n_in, rate_in, rate_out);
  for (int64_t k = 0; k < n_out; k++) {
    const int64_t ip = k * m / l, ph = k * m % l;
    const double pos = (double)ph * n_phase / l;  // exact integer when n_phase == l
    const int64_t p = (int64_t)pos;
    const float w = (float)(pos - (double)p);
    const float *r0 = table + p * n_tap, *r1 = r0 + n_tap;
    // Taps that fall on input samples 0 .. n_in-1; the rest multiply zeros.
    const int64_t d_lo = ip - h < 0 ? h - ip : 0;
    const int64_t d_hi = ip + h >= n_in ? n_in - 1 - ip + h : 2 * h;
    const int64_t base = ip - h;
    double acc = 0.0;
    if (w == 0.0f) {
      for (int64_t d = d_lo; d <= d_hi; d++) acc += (double)r0[d] * in[base + d];
    } else {
      for (int64_t d = d_lo; d <= d_hi; d++) {
        acc += (double)(r0[d] + w * (r1[d] - r0[d])) * in[base + d];
      }
    }
    out[k] = (float)acc;
  }
  ai_free(&a, table);
  return ANYINFER_OK;
}
