/* Whisper's log-mel spectrogram (openai/whisper audio.py log_mel_spectrogram; transformers
 * WhisperFeatureExtractor): STFT of 16 kHz mono audio with n_fft 400, hop 160, a periodic Hann
 * window and reflect padding of 200 samples at the start (torch.stft center=True), power |X|^2 of
 * 201 bins, a mel filterbank, log10(max(x, 1e-10)), clamped below at (max - 8) where max runs over
 * the whole recording, then (x + 4) / 4. Like Whisper, the recording is followed by 30 s of
 * silence, so frames past its end are the (normalized) mel of zeros, and frame i is centred on
 * sample 160 i.
 *
 * Layout of every mel array: out[n_mel][n_frames], row-major by mel (what the encoder's conv1d
 * reads, and what the model files store as [n_mel][201] filters).
 */
#ifndef AI_AUDIO_MEL_H
#define AI_AUDIO_MEL_H

#include <stdint.h>

#include "base/alloc.h"
#include "base/error.h"
#include "base/threadpool.h"

#define AI_MEL_SAMPLE_RATE    16000  /* Hz, Whisper SAMPLE_RATE */
#define AI_MEL_N_FFT          400    /* Whisper N_FFT */
#define AI_MEL_HOP            160    /* Whisper HOP_LENGTH */
#define AI_MEL_N_FREQ         201    /* n_fft / 2 + 1 frequency bins */
#define AI_MEL_WINDOW_SAMPLES 480000 /* Whisper N_SAMPLES: 30 s at 16 kHz */
#define AI_MEL_WINDOW_FRAMES  3000   /* Whisper N_FRAMES: frames of one 30 s window */

/* The mel filterbank of librosa.filters.mel(sr=sample_rate, n_fft, n_mels=n_mel, fmin=0,
 * fmax=sample_rate/2, htk=False, norm="slaney") (= transformers mel_filter_bank(...,
 * norm="slaney", mel_scale="slaney")), computed in double, into out[n_mel][n_fft/2 + 1].
 * ANYINFER_E_INVAL for n_mel outside 1..512, n_fft outside 2..65536 or sample_rate < 1. */
anyinfer_status ai_mel_filters_slaney(int n_mel, int n_fft, int sample_rate, float *out,
                                      struct ai_error *err);

/* A log-mel front end: filters, window, FFT tables. Read-only once created except for
 * ai_logmel_set_audio; one thread at a time (a pool passed in may use many). */
struct ai_logmel;

/* n_mel 1..512 (80 for Whisper up to v2, 128 for large-v3 and turbo). filters: n_mel x 201
 * floats from the model file (copied), or NULL to compute the slaney filters for 16 kHz.
 * *out is owned by the caller (ai_logmel_free). ANYINFER_E_INVAL, ANYINFER_E_NOMEM. */
anyinfer_status ai_logmel_create(const struct ai_alloc *alloc, int n_mel, const float *filters,
                                 struct ai_logmel **out, struct ai_error *err);
/* NULL is allowed. */
void ai_logmel_free(struct ai_logmel *m);
int ai_logmel_n_mel(const struct ai_logmel *m);

/* Binds a recording of n_samples >= 0 mono 16 kHz samples (borrowed: they must stay valid while
 * windows are taken) and computes the recording's maximum log10 mel value (one pass over all of
 * its frames; pool may be NULL for the calling thread alone). Allocates nothing. ANYINFER_E_INVAL
 * for n_samples < 0 or samples NULL with n_samples > 0. */
anyinfer_status ai_logmel_set_audio(struct ai_logmel *m, const float *samples, int64_t n_samples,
                                    struct ai_threadpool *pool, struct ai_error *err);

/* Frames that hold the recording: n_samples / 160 (Whisper's content_frames). A transcriber
 * seeks over frame offsets 0 .. this value, one window of AI_MEL_WINDOW_FRAMES at a time. */
int64_t ai_logmel_n_frames(const struct ai_logmel *m);

/* Writes the normalized log-mel of frames [frame_offset, frame_offset + n_frames) into out
 * (n_mel x n_frames floats, row-major by mel). Frames past the recording are those of the silence
 * that follows it. Allocates nothing; pool may be NULL. ANYINFER_E_INVAL when no audio is bound
 * (ai_logmel_set_audio), frame_offset < 0 or n_frames < 1. */
anyinfer_status ai_logmel_window(const struct ai_logmel *m, int64_t frame_offset, int n_frames,
                                 float *out, struct ai_threadpool *pool, struct ai_error *err);

#endif
