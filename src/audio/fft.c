/* Real-input FFT (a half-size complex mixed-radix transform plus the split into the real
 * spectrum) and the plain DFT it is tested against. Only what the log-mel front end needs: the
 * power spectrum of a real frame. Complex values are interleaved (re, im) doubles.
 */
#include "audio/fft.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>

#define MAX_FACTORS 16 /* 2^15 = AI_FFT_MAX_N / 2: no half size in range has more factors */
#define PI          3.14159265358979323846

struct ai_fft {
  struct ai_alloc alloc;
  int n;                    /* real points */
  int m;                    /* complex points: n / 2 */
  int n_factors;            /* radices of m, 4s first, then primes; their product is m */
  int factors[MAX_FACTORS]; /* (a lone 1 when m = 1) */
  double *twiddle;          /* 2 n doubles: W^j = e^(-2 pi i j / n) for j = 0 .. n-1 */
};

anyinfer_status ai_fft_create(const struct ai_alloc *alloc, int n, struct ai_fft **out,
                              struct ai_error *err) {
  *out = NULL;
  if (n < 2 || n > AI_FFT_MAX_N || n % 2 != 0) {
    return ai_error_set(err, ANYINFER_E_INVAL, "fft: size %d, must be even and 2..%d", n,
                        AI_FFT_MAX_N);
  }
  struct ai_alloc a = alloc ? *alloc : ai_alloc_default();
  struct ai_fft *f = ai_calloc(&a, 1, sizeof *f);
  if (!f) goto nomem;
  f->alloc = a;
  f->n = n;
  f->m = n / 2;
  int rest = f->m;
  while (rest % 4 == 0) {
    f->factors[f->n_factors++] = 4;
    rest /= 4;
  }
  for (int p = 2; rest > 1;) {
    if (rest % p == 0) {
      assert(f->n_factors < MAX_FACTORS);
      f->factors[f->n_factors++] = p;
      rest /= p;
    } else {
      p++;
    }
  }
  if (f->n_factors == 0) f->factors[f->n_factors++] = 1;
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

/* In-place DFT of p points t[0..p) (complex). W_p^j = twiddle[j * wstep]. */
static void butterfly(const struct ai_fft *f, int p, int wstep, double *t, double *tmp) {
  if (p == 2) {
    const double r = t[2], i = t[3];
    t[2] = t[0] - r, t[3] = t[1] - i;
    t[0] += r, t[1] += i;
  } else if (p == 4) {
    const double a0r = t[0] + t[4], a0i = t[1] + t[5], a1r = t[0] - t[4], a1i = t[1] - t[5];
    const double a2r = t[2] + t[6], a2i = t[3] + t[7];
    const double a3r = t[3] - t[7], a3i = t[6] - t[2];  // (t1 - t3) x (-i)
    t[0] = a0r + a2r, t[1] = a0i + a2i, t[4] = a0r - a2r, t[5] = a0i - a2i;
    t[2] = a1r + a3r, t[3] = a1i + a3i, t[6] = a1r - a3r, t[7] = a1i - a3i;
  } else if (p == 5) {
    // X1,4 = u1 -/+ i v1, X2,3 = u2 -/+ i v2 with u, v from the sums and differences of
    // t1 +- t4 and t2 +- t3 (cos and sin of 2 pi / 5 and 4 pi / 5).
    static const double c1 = 0.30901699437494742, c2 = -0.80901699437494742;
    static const double s1 = 0.95105651629515357, s2 = 0.58778525229247313;
    const double b1r = t[2] + t[8], b1i = t[3] + t[9], d1r = t[2] - t[8], d1i = t[3] - t[9];
    const double b2r = t[4] + t[6], b2i = t[5] + t[7], d2r = t[4] - t[6], d2i = t[5] - t[7];
    const double u1r = t[0] + c1 * b1r + c2 * b2r, u1i = t[1] + c1 * b1i + c2 * b2i;
    const double u2r = t[0] + c2 * b1r + c1 * b2r, u2i = t[1] + c2 * b1i + c1 * b2i;
    const double v1r = s1 * d1r + s2 * d2r, v1i = s1 * d1i + s2 * d2i;
    const double v2r = s2 * d1r - s1 * d2r, v2i = s2 * d1i - s1 * d2i;
    t[0] += b1r + b2r, t[1] += b1i + b2i;
    t[2] = u1r + v1i, t[3] = u1i - v1r, t[8] = u1r - v1i, t[9] = u1i + v1r;  // -i v = (v.i, -v.r)
    t[4] = u2r + v2i, t[5] = u2i - v2r, t[6] = u2r - v2i, t[7] = u2i + v2r;
  } else {
    for (int q = 0; q < p; q++) {
      double re = 0.0, im = 0.0;
      for (int r = 0, j = 0; r < p; r++, j = (j + q) % p) {  // j = r q mod p
        const double *w = f->twiddle + 2 * j * wstep;
        re += t[2 * r] * w[0] - t[2 * r + 1] * w[1];
        im += t[2 * r] * w[1] + t[2 * r + 1] * w[0];
      }
      tmp[2 * q] = re, tmp[2 * q + 1] = im;
    }
    for (int i = 0; i < 2 * p; i++) t[i] = tmp[i];
  }
}

/* out[0..len) = DFT of the len complex points x[0], x[stride], ... using factors[i_factor..]:
 * split into p = factors[i_factor] interleaved sub-sequences, transform each into
 * out[r sub .. (r+1) sub), then combine them: for k < sub = len / p, the p values
 * W_len^(r k) sub_r[k] go through one radix-p butterfly into out[k + q sub], q < p. W_len^j is
 * twiddle[j n / len]. t and tmp hold 2 p doubles each. */
static void fft_rec(const struct ai_fft *f, const double *x, int stride, int len, int i_factor,
                    double *out, double *t, double *tmp) {
  const int p = f->factors[i_factor], sub = len / p, step = f->n / len;
  if (sub == 1) {
    for (int r = 0; r < p; r++)
      out[2 * r] = x[2 * r * stride], out[2 * r + 1] = x[2 * r * stride + 1];
    butterfly(f, p, f->n / p, out, tmp);
    return;
  }
  for (int r = 0; r < p; r++) {
    fft_rec(f, x + 2 * r * stride, stride * p, sub, i_factor + 1, out + 2 * r * sub, t, tmp);
  }
  for (int k = 0; k < sub; k++) {
    for (int r = 0; r < p; r++) {  // t[r] = W_len^(r k) sub_r[k]
      const double *s = out + 2 * (k + r * sub), *w = f->twiddle + 2 * (r * k * step);
      t[2 * r] = s[0] * w[0] - s[1] * w[1];
      t[2 * r + 1] = s[0] * w[1] + s[1] * w[0];
    }
    butterfly(f, p, f->n / p, t, tmp);
    for (int q = 0; q < p; q++)
      out[2 * (k + q * sub)] = t[2 * q], out[2 * (k + q * sub) + 1] = t[2 * q + 1];
  }
}

void ai_fft_power(const struct ai_fft *f, const float *x, float *power, double *scratch) {
  const int n = f->n, m = f->m;
  // z_t = x_2t + i x_2t+1 is already the interleaved layout of x; Z = DFT_m(z).
  double *z = scratch, *zf = scratch + n, *t = scratch + 2 * n, *tmp = scratch + 3 * n;
  for (int i = 0; i < n; i++) z[i] = x[i];
  fft_rec(f, z, 1, m, 0, zf, t, tmp);
  // X_k = E_k + W_n^k O_k with E_k = (Z_k + conj Z_(m-k)) / 2 and O_k = -i (Z_k - conj Z_(m-k)) / 2
  // (the even and odd samples' spectra), for k = 0 .. m (Z_m = Z_0).
  for (int k = 0; k <= m; k++) {
    const double *a = zf + 2 * (k % m), *b = zf + 2 * ((m - k) % m), *w = f->twiddle + 2 * k;
    const double er = 0.5 * (a[0] + b[0]), ei = 0.5 * (a[1] - b[1]);
    const double or_ = 0.5 * (a[1] + b[1]), oi = -0.5 * (a[0] - b[0]);
    const double re = er + w[0] * or_ - w[1] * oi, im = ei + w[0] * oi + w[1] * or_;
    power[k] = (float)(re * re + im * im);
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
