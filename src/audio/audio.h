/* Audio front door for speech models: any decoded PCM (or WAV bytes) to what Whisper consumes,
 * 16 kHz mono float samples. Down-mixing is the mean of the channels (what FFmpeg's "-ac 1" and
 * librosa.to_mono do); resampling is src/audio/resample.h. The log-mel spectrogram of the result
 * is src/audio/mel.h.
 */
#ifndef AI_AUDIO_AUDIO_H
#define AI_AUDIO_AUDIO_H

#include <stdint.h>

#include "base/alloc.h"
#include "base/error.h"
#include "base/file.h"

#define AI_AUDIO_RATE 16000 /* Hz: Whisper's SAMPLE_RATE (openai/whisper audio.py) */

/* Down-mixes interleaved samples (n_frames x n_channels, any rate in [1000, 768000] Hz) to mono
 * and resamples to AI_AUDIO_RATE. *out (*n_out samples, >= 1) is allocated with alloc (NULL: the
 * C library) and freed by the caller with ai_free on the same allocator; *n_out is
 * ceil(n_frames x 16000 / sample_rate). On failure *out is NULL. ANYINFER_E_INVAL (n_frames < 1,
 * n_channels < 1, rate out of range), ANYINFER_E_NOMEM. */
anyinfer_status ai_audio_to_mono16k(const struct ai_alloc *alloc, const float *samples,
                                    int64_t n_frames, int n_channels, int sample_rate, float **out,
                                    int64_t *n_out, struct ai_error *err);

/* Reads a WAV file from r (format/wav.h's rules) and converts it with ai_audio_to_mono16k. *out
 * and *n_out as there. ANYINFER_E_FORMAT / ANYINFER_E_UNSUPPORTED for a bad or unsupported file
 * (the message names the field), ANYINFER_E_NOMEM, or the reader's status. */
anyinfer_status ai_audio_load_wav(const struct ai_reader *r, const struct ai_alloc *alloc,
                                  float **out, int64_t *n_out, struct ai_error *err);

#endif
