/* Whisper's log-mel spectrogram, frame by frame from the samples, so a window anywhere in a long
 * recording costs only its own frames (no whole-recording spectrogram is kept). The STFT framing,
 * padding and normalization follow openai/whisper audio.py log_mel_spectrogram (torch.stft with
 * center=True, pad_mode "reflect", a periodic Hann window; magnitudes[..., :-1]); the filterbank
 * follows librosa.filters.mel. The FFT is audio/fft.c.
 */
#include "audio/mel.h"

#include <assert.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "audio/fft.h"

#define PI           3.14159265358979323846
#define LOG10_FLOOR  (-10.0f) /* log10(1e-10): Whisper clamps the power at 1e-10 */
#define DYN_RANGE    8.0f     /* Whisper: log_spec = max(log_spec, log_spec.max() - 8.0) */
#define MAX_N_MEL    512
#define MAX_PARTIALS 256 /* threads that take part in the max pass */

struct ai_logmel {
  struct ai_alloc alloc;
  int n_mel;
  float *filters;             /* [n_mel][AI_MEL_N_FREQ] */
  int *bin_lo, *bin_hi;       /* [n_mel]: filter i is zero outside bins [bin_lo, bin_hi) */
  float window[AI_MEL_N_FFT]; /* periodic Hann: 0.5 - 0.5 cos(2 pi t / n_fft) (torch) */
  struct ai_fft *fft;         /* AI_MEL_N_FFT points */
  const float *samples;       /* the bound recording (borrowed), NULL before set_audio */
  int64_t n_samples;          /* >= 0 */
  bool has_audio;             /* ai_logmel_set_audio succeeded */
  float log_max;              /* max over all frames of log10(max(mel, 1e-10)) */
};

/* ---- the slaney filterbank (librosa/filters.py mel, librosa/core/convert.py hz_to_mel) ---- */

/* Slaney's Auditory Toolbox scale: linear below 1 kHz (200/3 Hz per mel), logarithmic above with
 * 27 mels per factor 6.4. */
static double hz_to_mel(double hz) {
  const double f_sp = 200.0 / 3.0, min_log_hz = 1000.0, logstep = log(6.4) / 27.0;
  if (hz < min_log_hz) return hz / f_sp;
  return min_log_hz / f_sp + log(hz / min_log_hz) / logstep;
}

static double mel_to_hz(double mel) {
  const double f_sp = 200.0 / 3.0, min_log_hz = 1000.0, logstep = log(6.4) / 27.0;
  const double min_log_mel = min_log_hz / f_sp;
  if (mel < min_log_mel) return f_sp * mel;
  return min_log_hz * exp(logstep * (mel - min_log_mel));
}

anyinfer_status ai_mel_filters_slaney(int n_mel, int n_fft, int sample_rate, float *out,
                                      struct ai_error *err) {
  if (n_mel < 1 || n_mel > MAX_N_MEL || n_fft < 2 || n_fft > 65536 || sample_rate < 1) {
    return ai_error_set(err, ANYINFER_E_INVAL,
                        "mel filters: n_mel %d (1..%d), n_fft %d (2..65536), rate %d (>= 1)", n_mel,
                        MAX_N_MEL, n_fft, sample_rate);
  }
  const int n_freq = n_fft / 2 + 1;
  const double mel_min = hz_to_mel(0.0), mel_max = hz_to_mel(sample_rate / 2.0);
  // Band edges: n_mel + 2 points equally spaced in mel (numpy.linspace: the last is exact).
  double edge_lo = mel_to_hz(mel_min);
  double edge_mid = mel_to_hz(mel_min + (mel_max - mel_min) / (n_mel + 1));
  for (int i = 0; i < n_mel; i++) {
    double m_hi =
        i + 2 == n_mel + 1 ? mel_max : mel_min + (mel_max - mel_min) * (i + 2) / (n_mel + 1);
    double edge_hi = mel_to_hz(m_hi);
    const double enorm = 2.0 / (edge_hi - edge_lo);  // slaney: constant area per filter
    for (int k = 0; k < n_freq; k++) {
      const double f = (double)k * sample_rate / n_fft;  // numpy.fft.rfftfreq
      double lower = (f - edge_lo) / (edge_mid - edge_lo),
             upper = (edge_hi - f) / (edge_hi - edge_mid);
      double w = lower < upper ? lower : upper;
      out[(size_t)i * n_freq + k] = (float)(w > 0.0 ? w * enorm : 0.0);
    }
    edge_lo = edge_mid;
    edge_mid = edge_hi;
  }
  return ANYINFER_OK;
}

/* ---- the front end ---- */

anyinfer_status ai_logmel_create(const struct ai_alloc *alloc, int n_mel, const float *filters,
                                 struct ai_logmel **out, struct ai_error *err) {
  *out = NULL;
  if (n_mel < 1 || n_mel > MAX_N_MEL) {
    return ai_error_set(err, ANYINFER_E_INVAL, "log-mel: %d mel bins, must be 1..%d", n_mel,
                        MAX_N_MEL);
  }
  struct ai_alloc a = alloc ? *alloc : ai_alloc_default();
  struct ai_logmel *m = ai_calloc(&a, 1, sizeof *m);
  if (!m) return ai_error_set(err, ANYINFER_E_NOMEM, "log-mel: out of memory");
  m->alloc = a;
  m->n_mel = n_mel;
  m->filters = ai_calloc(&a, (size_t)n_mel * AI_MEL_N_FREQ, sizeof(float));
  m->bin_lo = ai_calloc(&a, (size_t)n_mel, sizeof(int));
  m->bin_hi = ai_calloc(&a, (size_t)n_mel, sizeof(int));
  if (!m->filters || !m->bin_lo || !m->bin_hi) {
    ai_error_set(err, ANYINFER_E_NOMEM, "log-mel: out of memory for %d filters", n_mel);
    goto fail;
  }
  anyinfer_status st = ai_fft_create(&a, AI_MEL_N_FFT, &m->fft, err);
  if (st != ANYINFER_OK) goto fail;
  if (filters) {
    memcpy(m->filters, filters, (size_t)n_mel * AI_MEL_N_FREQ * sizeof(float));
  } else {
    st = ai_mel_filters_slaney(n_mel, AI_MEL_N_FFT, AI_MEL_SAMPLE_RATE, m->filters, err);
    if (NEVER(st != ANYINFER_OK)) goto fail;
  }
  for (int i = 0; i < n_mel; i++) {
    const float *row = m->filters + (size_t)i * AI_MEL_N_FREQ;
    int lo = 0, hi = AI_MEL_N_FREQ;
    while (lo < hi && row[lo] == 0.0f) lo++;
    while (hi > lo && row[hi - 1] == 0.0f) hi--;
    m->bin_lo[i] = lo;
    m->bin_hi[i] = hi;
  }
  for (int t = 0; t < AI_MEL_N_FFT; t++) {
    m->window[t] = (float)(0.5 - 0.5 * cos(2.0 * PI * t / AI_MEL_N_FFT));
  }
  *out = m;
  return ANYINFER_OK;
fail:
  ai_logmel_free(m);
  return err ? err->status : ANYINFER_E_NOMEM;
}

void ai_logmel_free(struct ai_logmel *m) {
  if (!m) return;
  struct ai_alloc a = m->alloc;
  ai_fft_free(m->fft);
  ai_free(&a, m->filters);
  ai_free(&a, m->bin_lo);
  ai_free(&a, m->bin_hi);
  ai_free(&a, m);
}

int ai_logmel_n_mel(const struct ai_logmel *m) {
  return m->n_mel;
}

int64_t ai_logmel_n_frames(const struct ai_logmel *m) {
  return m->n_samples / AI_MEL_HOP;
}

/* Per-thread scratch of one frame, on the stack (no allocation per window). */
struct frame_scratch {
  float frame[AI_MEL_N_FFT];
  float power[AI_MEL_N_FREQ];
  double fft[AI_FFT_SCRATCH(AI_MEL_N_FFT)];
};

/* log10(max(mel, 1e-10)) of frame j into mel[n_mel]. Frame j covers samples j hop - n_fft/2 ..
 * j hop + n_fft/2 - 1 of the recording followed by silence, reflected at sample 0
 * (torch.nn.functional.pad mode "reflect": sample -i is sample i). */
static void frame_log_mel(const struct ai_logmel *m, int64_t j, float *mel,
                          struct frame_scratch *s) {
  const float *x = m->samples;
  const int64_t n = m->n_samples, start = j * AI_MEL_HOP - AI_MEL_N_FFT / 2;
  if (start >= n) {  // only the silence after the recording: zero power in every bin
    for (int i = 0; i < m->n_mel; i++) mel[i] = LOG10_FLOOR;
    return;
  }
  for (int t = 0; t < AI_MEL_N_FFT; t++) {
    int64_t i = start + t;
    if (i < 0) i = -i;
    s->frame[t] = i < n ? x[i] * m->window[t] : 0.0f;
  }
  ai_fft_power(m->fft, s->frame, s->power, s->fft);
  for (int i = 0; i < m->n_mel; i++) {
    const float *row = m->filters + (size_t)i * AI_MEL_N_FREQ;
    double sum = 0.0;
    for (int k = m->bin_lo[i]; k < m->bin_hi[i]; k++) sum += (double)row[k] * s->power[k];
    mel[i] = sum > 1e-10 ? (float)log10(sum) : LOG10_FLOOR;
  }
}

struct max_task {
  const struct ai_logmel *m;
  int64_t n_frames; /* frames that overlap the recording */
  float partial[MAX_PARTIALS];
};

static void max_task_run(int ith, int nth, void *arg) {
  struct max_task *t = arg;
  if (nth > MAX_PARTIALS) nth = MAX_PARTIALS;
  if (ith >= nth) return;
  struct frame_scratch s;
  float mel[MAX_N_MEL], best = LOG10_FLOOR;
  for (int64_t j = ith; j < t->n_frames; j += nth) {
    frame_log_mel(t->m, j, mel, &s);
    for (int i = 0; i < t->m->n_mel; i++) best = mel[i] > best ? mel[i] : best;
  }
  t->partial[ith] = best;
}

anyinfer_status ai_logmel_set_audio(struct ai_logmel *m, const float *samples, int64_t n_samples,
                                    struct ai_threadpool *pool, struct ai_error *err) {
  m->has_audio = false;
  if (n_samples < 0 || (n_samples > 0 && !samples)) {
    return ai_error_set(err, ANYINFER_E_INVAL, "log-mel: %lld samples at %p", (long long)n_samples,
                        (const void *)samples);
  }
  m->samples = samples;
  m->n_samples = n_samples;
  // Frames past (n + n_fft/2 - 1) / hop see only silence, and Whisper's 30 s of padding always
  // holds such frames, so the maximum is at least log10(1e-10).
  struct max_task t = {.m = m, .n_frames = (n_samples + AI_MEL_N_FFT / 2 - 1) / AI_MEL_HOP + 1};
  for (int i = 0; i < MAX_PARTIALS; i++) t.partial[i] = LOG10_FLOOR;
  if (pool) {
    ai_threadpool_run(pool, max_task_run, &t);
  } else {
    max_task_run(0, 1, &t);
  }
  m->log_max = LOG10_FLOOR;
  for (int i = 0; i < MAX_PARTIALS; i++)
    m->log_max = t.partial[i] > m->log_max ? t.partial[i] : m->log_max;
  m->has_audio = true;
  return ANYINFER_OK;
}

struct window_task {
  const struct ai_logmel *m;
  int64_t frame_offset;
  int n_frames;
  float *out; /* [n_mel][n_frames] */
};

static void window_task_run(int ith, int nth, void *arg) {
  struct window_task *t = arg;
  const struct ai_logmel *m = t->m;
  const float floor = m->log_max - DYN_RANGE;
  struct frame_scratch s;
  float mel[MAX_N_MEL];
  for (int f = ith; f < t->n_frames; f += nth) {
    frame_log_mel(m, t->frame_offset + f, mel, &s);
    for (int i = 0; i < m->n_mel; i++) {
      const float v = mel[i] > floor ? mel[i] : floor;
      t->out[(size_t)i * t->n_frames + f] = (v + 4.0f) / 4.0f;
    }
  }
}

anyinfer_status ai_logmel_window(const struct ai_logmel *m, int64_t frame_offset, int n_frames,
                                 float *out, struct ai_threadpool *pool, struct ai_error *err) {
  if (!m->has_audio) {
    return ai_error_set(err, ANYINFER_E_INVAL, "log-mel: no audio bound (ai_logmel_set_audio)");
  }
  if (frame_offset < 0 || frame_offset > INT64_MAX / AI_MEL_HOP - 1 - n_frames || n_frames < 1) {
    return ai_error_set(err, ANYINFER_E_INVAL, "log-mel: window of %d frames at frame %lld",
                        n_frames, (long long)frame_offset);
  }
  struct window_task t = {.m = m, .frame_offset = frame_offset, .n_frames = n_frames, .out = out};
  if (pool) {
    ai_threadpool_run(pool, window_task_run, &t);
  } else {
    window_task_run(0, 1, &t);
  }
  return ANYINFER_OK;
}
