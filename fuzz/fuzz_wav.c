/* libFuzzer target for the WAV reader and what follows it for Whisper: parses the input from
 * memory; on success re-checks the header invariants, decodes every frame (each sample must be
 * finite and, for integer encodings, in [-1, 1]), and for short files at up to 192 kHz runs the
 * down-mix, the resampler and the log-mel of the first frames. Every call must return OK or an
 * error status with a message; never crash, hang or leak. */
#include <assert.h>
#include <math.h>
#include <stdlib.h>

#include "audio/audio.h"
#include "audio/mel.h"
#include "format/wav.h"

/* Inputs up to which the resampler and log-mel run, so each costs at most a few ms: the filter
 * table grows with the rate's distance from 16 kHz (tests/audio/test_resample.c covers the rest,
 * up to 768 kHz). */
#define MAX_FRAMES_DSP 4096
#define MAX_RATE_DSP   192000u

static void check_status(anyinfer_status st, const struct ai_error *err) {
  assert(st == ANYINFER_OK || (err->status == st && err->msg[0] != '\0'));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct ai_reader r = ai_mem_reader(data, size);
  struct ai_error err;
  ai_error_clear(&err);
  struct ai_wav w;
  float *pcm = NULL;
  anyinfer_status st = ai_wav_read(&r, NULL, &w, &pcm, &err);
  check_status(st, &err);
  if (st != ANYINFER_OK) {
    assert(pcm == NULL);
    return 0;
  }
  assert(w.n_frames >= 1 && w.n_channels >= 1);
  assert(w.sample_rate >= AI_WAV_MIN_RATE && w.sample_rate <= AI_WAV_MAX_RATE);
  assert(w.data_offset + (uint64_t)w.n_frames * w.block_align <= size);
  const bool is_int = w.encoding != AI_WAV_F32 && w.encoding != AI_WAV_F64;
  for (int64_t i = 0; i < w.n_frames * (int64_t)w.n_channels; i++) {
    assert(isfinite(pcm[i]));
    assert(!is_int || (pcm[i] >= -1.0f && pcm[i] <= 1.0f));
  }
  if (w.n_frames <= MAX_FRAMES_DSP && w.sample_rate <= MAX_RATE_DSP) {
    float *mono = NULL;
    int64_t n16 = 0;
    st = ai_audio_to_mono16k(NULL, pcm, w.n_frames, (int)w.n_channels, (int)w.sample_rate, &mono,
                             &n16, &err);
    check_status(st, &err);
    struct ai_logmel *m = NULL;
    if (st == ANYINFER_OK && ai_logmel_create(NULL, 80, NULL, &m, &err) == ANYINFER_OK) {
      float out[80 * 4];
      st = ai_logmel_set_audio(m, mono, n16, NULL, &err);
      if (st == ANYINFER_OK) st = ai_logmel_window(m, 0, 4, out, NULL, &err);
      check_status(st, &err);
    }
    ai_logmel_free(m);
    free(mono);
  }
  free(pcm);
  return 0;
}
