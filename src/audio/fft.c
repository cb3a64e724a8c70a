/* Mixed-radix FFT (Cooley-Tukey decimation in time over the prime factors of n) and the plain DFT
 * it is tested against. Only what the log-mel front end needs: the power spectrum of a real frame.
 * Complex values are interleaved (re, im) doubles.
 */
#include "audio/fft.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>

#define MAX_FACTORS 16 /* 2^16 = AI_FFT_MAX_N: no n in range has more prime factors */
#define PI          3.14159265358979323846

struct ai_fft {
  struct ai_alloc alloc;
  int n;
  int n_factors;
  int factors[MAX_FACTORS]; /* prime factors of n, smallest first; their product is n */
  double *twiddle;          /* 2 n doubles: e^(-2 pi i j / n) for j = 0 .. n-1 */
};

anyinfer_status ai_fft_create(const struct ai_alloc *alloc, int n, struct ai_fft **out,
                              struct ai_error *err) {
  *out = NULL;
  if (n < 2 || n > AI_FFT_MAX_N)
    return ai_error_set(err, ANYINFER_E_INVAL, "fft: size %d, must be 2..%d", n, AI_FFT_MAX_N);
  struct ai_alloc a = alloc ? *alloc : ai_alloc_default();
  struct ai_fft *f = ai_calloc(&a, 1, sizeof *f);
  if (!f) goto nomem;
  f->alloc = a;
  f->n = n;
  for (int rest = n, p = 2; rest > 1;) {
    if (rest % p == 0) {
      assert(f->n_factors < MAX_FACTORS);
      f->factors[f->n_factors++] = p;
      rest /= p;
    } else {
      p++;
    }
  }
  f->twiddle = ai_calloc(&a, 2 * (size_t)n, sizeof(double));
  if (!f->twiddle) goto nomem;
  for (int j = 0; j < n; j++) {
    double ang = -2.0 * PI * (double)j / (double)n;
    f->twiddle[2 * j] = cos(ang);
    f->twiddle[2 * j + 1] = sin(ang);
  }
  *out = f;
  return ANYINFER_OK;
nomem:
  ai_fft_free(f);
  return ai_error_set(err, ANYINFER_E_NOMEM, "fft: out of memory planning %d points", n);
}

void ai_fft_free(struct ai_fft *f) {
  if (!f) return;
  struct ai_alloc a = f->alloc;
  ai_free(&a, f->twiddle);
  ai_free(&a, f);
}

int ai_fft_n(const struct ai_fft *f) {
  return f->n;
}

/* out[0..n) = DFT of the n points x[0], x[stride], ... (complex), using factors[i_factor..]:
 * split into p = factors[i_factor] interleaved sub-sequences, transform each into
 * out[r m .. (r+1) m), then combine them with radix-p butterflies
 *   out[k + q m] = sum_r (W_n^(r k) sub_r[k]) W_p^(r q),  k < m = n / p, q < p,
 * where W_n^j = twiddle[j N / n] (N = the plan's size). tmp holds 2 p doubles. */
static void fft_rec(const struct ai_fft *f, const double *x, int stride, int n, int i_factor,
                    double *out, double *tmp) {
  if (n == 1) {
    out[0] = x[0];
    out[1] = x[1];
    return;
  }
  const int p = f->factors[i_factor], m = n / p, step = f->n / n;
  for (int r = 0; r < p; r++) {
    fft_rec(f, x + 2 * r * stride, stride * p, m, i_factor + 1, out + 2 * r * m, tmp);
  }
  const double *tw = f->twiddle;
  for (int k = 0; k < m; k++) {
    for (int r = 0; r < p; r++) {  // tmp[r] = W_n^(r k) sub_r[k]
      const double *s = out + 2 * (k + r * m), *w = tw + 2 * (r * k * step);
      tmp[2 * r] = s[0] * w[0] - s[1] * w[1];
      tmp[2 * r + 1] = s[0] * w[1] + s[1] * w[0];
    }
    for (int q = 0; q < p; q++) {
      double re = 0.0, im = 0.0;
      for (int r = 0; r < p; r++) {
        const double *w = tw + 2 * ((r * q) % p * (f->n / p));
        re += tmp[2 * r] * w[0] - tmp[2 * r + 1] * w[1];
        im += tmp[2 * r] * w[1] + tmp[2 * r + 1] * w[0];
      }
      out[2 * (k + q * m)] = re;
      out[2 * (k + q * m) + 1] = im;
    }
  }
}

void ai_fft_power(const struct ai_fft *f, const float *x, float *power, double *scratch) {
  const int n = f->n;
  double *in = scratch, *out = scratch + 2 * n, *tmp = scratch + 4 * n;
  for (int t = 0; t < n; t++) {
    in[2 * t] = x[t];
    in[2 * t + 1] = 0.0;
  }
  fft_rec(f, in, 1, n, 0, out, tmp);
  for (int k = 0; k <= n / 2; k++) {
    power[k] = (float)(out[2 * k] * out[2 * k] + out[2 * k + 1] * out[2 * k + 1]);
  }
}

void ai_fft_power_ref(int n, const float *x, double *power) {
  for (int k = 0; k <= n / 2; k++) {
    double re = 0.0, im = 0.0;
    for (int t = 0; t < n; t++) {
      double ang = -2.0 * PI * (double)((int64_t)k * t % n) / (double)n;
      re += x[t] * cos(ang);
      im += x[t] * sin(ang);
    }
    power[k] = re * re + im * im;
  }
}
