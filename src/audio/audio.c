/* Down-mix and resampling to Whisper's 16 kHz mono; WAV bytes in, samples out. A WAV is decoded
 * in blocks straight into its mono mix, so a long multichannel file never exists in memory as
 * interleaved floats. */
#include "audio/audio.h"

#include <stdbool.h>

#include "audio/resample.h"
#include "format/wav.h"

#define BLOCK_SAMPLES 65536 /* interleaved samples decoded per block of a WAV */

/* n floats can be allocated at all: n >= 1 and n x sizeof(float) fits in size_t (not a given on
 * 32-bit targets such as wasm32 for a long recording). */
static bool fits(int64_t n) {
  return n >= 1 && (uint64_t)n <= SIZE_MAX / sizeof(float);
}

/* out[i] = the mean of frame i's n_channels samples, summed in float in channel order (numpy's
 * float32 mean for two channels; a copy for one). */
static void downmix(const float *x, int64_t n_frames, int n_channels, float *out) {
  for (int64_t i = 0; i < n_frames; i++) {
    const float *f = x + i * n_channels;
    float sum = 0.0f;
    for (int c = 0; c < n_channels; c++) sum += f[c];
    out[i] = sum / (float)n_channels;
  }
}

/* Takes mono (n_frames >= 1 samples at a valid rate, allocated with a) to 16 kHz: at 16 kHz it
 * becomes *out itself, otherwise it is resampled and freed. */
static anyinfer_status finish(const struct ai_alloc *a, float *mono, int64_t n_frames, int rate,
                              float **out, int64_t *n_out, struct ai_error *err) {
  if (rate == AI_AUDIO_RATE) {
    *out = mono;
    *n_out = n_frames;
    return ANYINFER_OK;
  }
  const int64_t n16 = ai_resample_n_out(n_frames, rate, AI_AUDIO_RATE);
  float *res = fits(n16) ? ai_calloc(a, (size_t)n16, sizeof *res) : NULL;
  anyinfer_status st =
      res ? ai_resample(a, mono, n_frames, rate, AI_AUDIO_RATE, res, err)
          : ai_error_set(err, ANYINFER_E_NOMEM, "audio: out of memory for %lld samples at 16 kHz",
                         (long long)n16);
  ai_free(a, mono);
  if (st != ANYINFER_OK) {
    ai_free(a, res);
    return st;
  }
  *out = res;
  *n_out = n16;
  return ANYINFER_OK;
}

anyinfer_status ai_audio_to_mono16k(const struct ai_alloc *alloc, const float *samples,
                                    int64_t n_frames, int n_channels, int sample_rate, float **out,
                                    int64_t *n_out, struct ai_error *err) {
  *out = NULL;
  *n_out = 0;
  if (n_channels < 1 || ai_resample_n_out(n_frames, sample_rate, AI_AUDIO_RATE) < 1) {
    return ai_error_set(err, ANYINFER_E_INVAL,
                        "audio: %lld frames of %d channels at %d Hz (need >= 1 frame, >= 1 "
                        "channel, %u..%u Hz)",
                        (long long)n_frames, n_channels, sample_rate, AI_WAV_MIN_RATE,
                        AI_WAV_MAX_RATE);
  }
  struct ai_alloc a = alloc ? *alloc : ai_alloc_default();
  float *mono = fits(n_frames) ? ai_calloc(&a, (size_t)n_frames, sizeof *mono) : NULL;
  if (!mono) {
    return ai_error_set(err, ANYINFER_E_NOMEM, "audio: out of memory for %lld frames",
                        (long long)n_frames);
  }
  downmix(samples, n_frames, n_channels, mono);
  return finish(&a, mono, n_frames, sample_rate, out, n_out, err);
}

anyinfer_status ai_audio_load_wav(const struct ai_reader *r, const struct ai_alloc *alloc,
                                  float **out, int64_t *n_out, struct ai_error *err) {
  *out = NULL;
  *n_out = 0;
  struct ai_wav wav;
  anyinfer_status st = ai_wav_parse(r, &wav, err);
  if (st != ANYINFER_OK) return st;
  struct ai_alloc a = alloc ? *alloc : ai_alloc_default();
  const int ch = (int)wav.n_channels;
  const int64_t per_block = ch < BLOCK_SAMPLES ? BLOCK_SAMPLES / ch : 1;  // frames
  float *mono = fits(wav.n_frames) ? ai_calloc(&a, (size_t)wav.n_frames, sizeof *mono) : NULL;
  float *block = ai_calloc(&a, (size_t)(per_block * ch), sizeof *block);
  if (!mono || !block) {
    st = ai_error_set(err, ANYINFER_E_NOMEM, "audio: out of memory for %lld frames",
                      (long long)wav.n_frames);
  }
  for (int64_t first = 0; st == ANYINFER_OK && first < wav.n_frames; first += per_block) {
    const int64_t n = wav.n_frames - first < per_block ? wav.n_frames - first : per_block;
    st = ai_wav_decode(r, &wav, first, n, block, err);
    if (st == ANYINFER_OK) downmix(block, n, ch, mono + first);
  }
  ai_free(&a, block);
  if (st != ANYINFER_OK) {
    ai_free(&a, mono);
    return st;
  }
  return finish(&a, mono, wav.n_frames, (int)wav.sample_rate, out, n_out, err);
}
