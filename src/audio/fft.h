/* The FFT behind the log-mel front end's STFT, in double: a real frame of even length n is
 * transformed as a complex sequence of n/2 points (even samples real, odd imaginary) and split
 * into the real spectrum afterwards; the complex transform is recursive mixed-radix decimation in
 * time (Cooley-Tukey) with radix-4, -2 and -5 butterflies written out and a generic radix-p one
 * for other prime factors. So n_fft 400 (200 = 4 x 2 x 5 x 5) runs without padding to a power of
 * two. The plain DFT (ai_fft_power_ref) is the ground truth it is tested against.
 */
#ifndef AI_AUDIO_FFT_H
#define AI_AUDIO_FFT_H

#include "base/alloc.h"
#include "base/error.h"

#define AI_FFT_MAX_N 65536

struct ai_fft;

/* Plans a transform of n points (n even, 2 <= n <= AI_FFT_MAX_N, any factorization; a large
 * prime factor p of n/2 costs p^2 per butterfly, so keep n smooth). *out is owned by the caller
 * (ai_fft_free). ANYINFER_E_INVAL, ANYINFER_E_NOMEM. */
anyinfer_status ai_fft_create(const struct ai_alloc *alloc, int n, struct ai_fft **out,
                              struct ai_error *err);
/* NULL is allowed. */
void ai_fft_free(struct ai_fft *f);
int ai_fft_n(const struct ai_fft *f);

/* Power spectrum of the real signal x[0..n): power[k] = |X_k|^2 for k = 0 .. n/2, where
 * X_k = sum_t x_t e^(-2 pi i k t / n). scratch holds AI_FFT_SCRATCH(n) doubles (the caller's, so
 * threads can share one plan). */
#define AI_FFT_SCRATCH(n) (4 * (n))
void ai_fft_power(const struct ai_fft *f, const float *x, float *power, double *scratch);

/* The plain O(n^2) DFT in double, same output: the reference for tests. */
void ai_fft_power_ref(int n, const float *x, double *power);

#endif
