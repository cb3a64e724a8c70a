/* Down-mix and resampling to Whisper's 16 kHz mono; WAV bytes in, samples out. */
#include "audio/audio.h"

#include "audio/resample.h"
#include "format/wav.h"

anyinfer_status ai_audio_to_mono16k(const struct ai_alloc *alloc, const float *samples,
                                    int64_t n_frames, int n_channels, int sample_rate, float **out,
                                    int64_t *n_out, struct ai_error *err) {
  *out = NULL;
  *n_out = 0;
  const int64_t n16 = ai_resample_n_out(n_frames, sample_rate, AI_AUDIO_RATE);
  if (n_channels < 1 || n16 < 1) {
    return ai_error_set(err, ANYINFER_E_INVAL,
                        "audio: %lld frames of %d channels at %d Hz (need >= 1 frame, >= 1 "
                        "channel, %u..%u Hz)",
                        (long long)n_frames, n_channels, sample_rate, AI_WAV_MIN_RATE,
                        AI_WAV_MAX_RATE);
  }
  struct ai_alloc a = alloc ? *alloc : ai_alloc_default();
  float *mono = NULL, *res = ai_calloc(&a, (size_t)n16, sizeof *res);
  if (!res) goto nomem;
  const float *src = samples;
  if (n_channels > 1) {
    // The mean of the channels, summed in float in channel order (numpy's mean for 2 channels).
    mono = ai_calloc(&a, (size_t)n_frames, sizeof *mono);
    if (!mono) goto nomem;
    for (int64_t i = 0; i < n_frames; i++) {
      const float *f = samples + i * n_channels;
      float sum = 0.0f;
      for (int c = 0; c < n_channels; c++) sum += f[c];
      mono[i] = sum / (float)n_channels;
    }
    src = mono;
  }
  anyinfer_status st = ai_resample(&a, src, n_frames, sample_rate, AI_AUDIO_RATE, res, err);
  ai_free(&a, mono);
  if (st != ANYINFER_OK) {
    ai_free(&a, res);
    return st;
  }
  *out = res;
  *n_out = n16;
  return ANYINFER_OK;
nomem:
  ai_free(&a, mono);
  ai_free(&a, res);
  return ai_error_set(err, ANYINFER_E_NOMEM, "audio: out of memory for %lld frames",
                      (long long)n_frames);
}

anyinfer_status ai_audio_load_wav(const struct ai_reader *r, const struct ai_alloc *alloc,
                                  float **out, int64_t *n_out, struct ai_error *err) {
  *out = NULL;
  *n_out = 0;
  struct ai_alloc a = alloc ? *alloc : ai_alloc_default();
  struct ai_wav wav;
  float *pcm = NULL;
  anyinfer_status st = ai_wav_read(r, &a, &wav, &pcm, err);
  if (st != ANYINFER_OK) return st;
  st = ai_audio_to_mono16k(&a, pcm, wav.n_frames, (int)wav.n_channels, (int)wav.sample_rate, out,
                           n_out, err);
  ai_free(&a, pcm);
  return st;
}
