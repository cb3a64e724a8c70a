/* Band-limited resampling of mono float signals: a Kaiser-windowed sinc filter evaluated as a
 * polyphase bank (Smith, "Digital Audio Resampling Home Page", bandlimited interpolation). The
 * parameters are FFmpeg libswresample's defaults (filter_size 32, cutoff 0.97, Kaiser beta 9;
 * libswresample/options.c), which is what openai/whisper's load_audio runs through `ffmpeg -ar`.
 */
#ifndef AI_AUDIO_RESAMPLE_H
#define AI_AUDIO_RESAMPLE_H

#include <stdint.h>

#include "base/alloc.h"
#include "base/error.h"

/* Zero crossings of the sinc on each side of the centre, at the lower of the two rates. */
#define AI_RESAMPLE_HALF_ZEROS 16
/* Passband edge as a fraction of the lower rate's Nyquist frequency. */
#define AI_RESAMPLE_CUTOFF 0.97
/* Kaiser window shape: about 90 dB of stopband attenuation. */
#define AI_RESAMPLE_KAISER_BETA 9.0
/* Most filter phases tabulated; a ratio needing more interpolates linearly between them. */
#define AI_RESAMPLE_MAX_PHASES 1024

/* Output length for n_in samples: ceil(n_in x rate_out / rate_in) (torchaudio's and soxr's); 0
 * for rates outside [1000, 768000] Hz or n_in < 1. */
int64_t ai_resample_n_out(int64_t n_in, int rate_in, int rate_out);

/* Resamples in (n_in >= 1 samples at rate_in) to rate_out (both in [1000, 768000] Hz) into
 * out (ai_resample_n_out(...) samples, caller-allocated). Output sample k is the band-limited
 * signal at input time k x rate_in / rate_out (zero phase, no delay); samples before the start and
 * past the end are zero. Equal rates copy. alloc (NULL: the C library) holds the filter table for
 * the call. ANYINFER_E_INVAL (rates or n_in out of range), ANYINFER_E_NOMEM. */
anyinfer_status ai_resample(const struct ai_alloc *alloc, const float *in, int64_t n_in,
                            int rate_in, int rate_out, float *out, struct ai_error *err);

#endif
