/* Resampler and down-mix: output lengths, sines reproduced at 16 kHz from common and odd rates
 * (the exact polyphase table and the interpolated one), DC kept exactly, tones above 8 kHz
 * removed, parity with torchaudio's Kaiser resampler on speech (fixture), channel averaging, and
 * the error paths. */
#include "audio/audio.h"
#include "audio/resample.h"
#include "check.h"
#include "format/wav.h"

#define PI 3.14159265358979323846
/* Max |error| of a resampled 0.5-amplitude sine in the passband, away from the ends (measured at
 * most 5.1e-5, near the band edge of 8 kHz input). */
#define TOL_SINE 1e-4
/* Max |output| for a tone in the stopband (measured 4.5e-6 for amplitude 0.5, about -100 dB). */
#define TOL_ALIAS 3e-5

static struct ai_error err;

/* Resamples n_in samples of 0.5 sin(2 pi hz t) + dc at rate_in to 16 kHz; returns the max
 * |output - expected| over outputs [margin, n_out - margin). */
static double sine_err(int rate_in, double hz, double dc, double expect_gain) {
  const int64_t n_in = rate_in, n_out = ai_resample_n_out(n_in, rate_in, 16000);
  float *x = malloc((size_t)n_in * sizeof *x), *y = malloc((size_t)n_out * sizeof *y);
  for (int64_t i = 0; i < n_in; i++) x[i] = (float)(0.5 * sin(2 * PI * hz * i / rate_in) + dc);
  CHECK_EQ(ai_resample(NULL, x, n_in, rate_in, 16000, y, &err), ANYINFER_OK);
  double max_err = 0.0;
  for (int64_t k = 400; k < n_out - 400; k++) {
    const double want = expect_gain * 0.5 * sin(2 * PI * hz * k / 16000.0) + dc;
    max_err = fmax(max_err, fabs(y[k] - want));
  }
  free(x);
  free(y);
  return max_err;
}

static void test_sines(void) {
  // 44101 and 7999 reduce to more than AI_RESAMPLE_MAX_PHASES phases: the interpolated table.
  const int rates[] = {8000, 7999, 11025, 16000, 22050, 32000, 44100, 44101, 48000, 96000, 768000};
  for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
    const int r = rates[i];
    const double hi = r < 16000 ? 0.4 * r : 3000.0;
    const double e1 = sine_err(r, 440.0, 0.0, 1.0), e2 = sine_err(r, hi, 0.0, 1.0);
    const double e_dc = sine_err(r, 1000.0, 0.25, 1.0);
    printf("%6d Hz: sine 440 Hz max |err| %.2g, %.0f Hz %.2g, with DC %.2g\n", r, e1, hi, e2, e_dc);
    CHECK(e1 <= TOL_SINE);
    CHECK(e2 <= TOL_SINE);
    CHECK(e_dc <= TOL_SINE);
  }
  // Stopband: 12 kHz at 48 kHz and 10 kHz at 44.1 kHz would alias to 4 and 6 kHz.
  const double a1 = sine_err(48000, 12000.0, 0.0, 0.0), a2 = sine_err(44100, 10000.0, 0.0, 0.0);
  printf("alias: 12 kHz from 48 kHz %.2g, 10 kHz from 44.1 kHz %.2g\n", a1, a2);
  CHECK(a1 <= TOL_ALIAS);
  CHECK(a2 <= TOL_ALIAS);
}

static void test_lengths(void) {
  CHECK_EQ(ai_resample_n_out(20000, 8000, 16000), 40000);
  CHECK_EQ(ai_resample_n_out(55125, 22050, 16000), 40000);
  CHECK_EQ(ai_resample_n_out(1, 48000, 16000), 1);
  CHECK_EQ(ai_resample_n_out(4, 48000, 16000), 2);  // ceil(4 / 3)
  CHECK_EQ(ai_resample_n_out(7, 16000, 16000), 7);
  CHECK_EQ(ai_resample_n_out(0, 16000, 16000), 0);
  CHECK_EQ(ai_resample_n_out(10, 999, 16000), 0);
  // One sample in: one sample out, the filter's centre tap (DC-normalized) times the sample.
  float x = 0.5f, y = 0.0f;
  CHECK_EQ(ai_resample(NULL, &x, 1, 48000, 16000, &y, &err), ANYINFER_OK);
  CHECK(y > 0.1f && y <= 0.5f);
}

/* speech_44100.wav through our loader vs torchaudio.functional.resample (same filter design;
 * measured max |err| 9.4e-6). */
static void test_torchaudio_parity(void) {
  FILE *f = fopen("tests/fixtures/audio/speech_44100.16k.f32", "rb");
  FILE *w = fopen("tests/fixtures/audio/speech_44100.wav", "rb");
  CHECK(f != NULL && w != NULL);
  if (!f || !w) goto done;
  static float ref[40000];
  static uint8_t wav[300000];
  CHECK_EQ(fread(ref, sizeof(float), 40000, f), 40000);
  size_t n_wav = fread(wav, 1, sizeof wav, w);
  struct ai_reader r = ai_mem_reader(wav, n_wav);
  float *y = NULL;
  int64_t n = 0;
  CHECK_EQ(ai_audio_load_wav(&r, NULL, &y, &n, &err), ANYINFER_OK);
  CHECK_EQ(n, 40000);
  if (y && n == 40000) {
    double max_err = 0.0, peak = 0.0;
    for (int i = 0; i < 40000; i++) {
      max_err = fmax(max_err, fabs((double)y[i] - ref[i]));
      peak = fmax(peak, fabs((double)ref[i]));
    }
    printf("44.1 kHz speech vs torchaudio: max |err| %.3g (peak %.3f)\n", max_err, peak);
    CHECK(max_err <= 1e-4);
  }
  free(y);
done:
  if (f) fclose(f);
  if (w) fclose(w);
}

static void test_downmix(void) {
  // 3 channels a, b, c at 16 kHz: the mean, exactly (no resampling at 16 kHz).
  float x[3 * 5], *y = NULL;
  for (int i = 0; i < 15; i++) x[i] = (float)(i % 3) * 0.25f + (float)(i / 3) * 0.01f;
  int64_t n = 0;
  CHECK_EQ(ai_audio_to_mono16k(NULL, x, 5, 3, 16000, &y, &n, &err), ANYINFER_OK);
  CHECK_EQ(n, 5);
  for (int i = 0; y && i < 5; i++) CHECK_NEAR(y[i], 0.25 + i * 0.01, 1e-6);
  free(y);
  // L = s, R = -s cancels at any rate.
  float st[2 * 4410];
  for (int i = 0; i < 4410; i++) st[2 * i] = -(st[2 * i + 1] = (float)sin(i * 0.1));
  CHECK_EQ(ai_audio_to_mono16k(NULL, st, 4410, 2, 44100, &y, &n, &err), ANYINFER_OK);
  CHECK_EQ(n, 1600);
  double peak = 0.0;
  for (int i = 0; y && i < n; i++) peak = fmax(peak, fabs(y[i]));
  CHECK(peak == 0.0);
  free(y);
  // Errors leave *out NULL.
  y = (float *)x;
  CHECK_EQ(ai_audio_to_mono16k(NULL, x, 5, 0, 16000, &y, &n, &err), ANYINFER_E_INVAL);
  CHECK(y == NULL && n == 0);
  CHECK_EQ(ai_audio_to_mono16k(NULL, x, 0, 1, 16000, &y, &n, &err), ANYINFER_E_INVAL);
  CHECK_EQ(ai_audio_to_mono16k(NULL, x, 5, 1, 800000, &y, &n, &err), ANYINFER_E_INVAL);
  CHECK(strstr(err.msg, "800000 Hz") != NULL);
  // Out of memory at each allocation (output, mono buffer, filter table).
  for (uint64_t fail = 1;; fail++) {
    struct ai_alloc_fault fault = {.fail_at = fail};
    struct ai_alloc a = ai_alloc_make(ai_alloc_fault_fn, &fault);
    anyinfer_status s = ai_audio_to_mono16k(&a, st, 4410, 2, 44100, &y, &n, &err);
    CHECK_EQ(fault.n_live, s == ANYINFER_OK ? 1 : 0);
    if (s == ANYINFER_OK) {
      CHECK_EQ(fail, 4);
      ai_free(&a, y);
      break;
    }
    CHECK_EQ(s, ANYINFER_E_NOMEM);
    CHECK(y == NULL);
    if (fail > 10) break;
  }
}

/* A 3-channel 22.05 kHz WAV longer than one decode block (65536 samples): ai_audio_load_wav's
 * blockwise down-mix equals the whole file's, and every allocation failure is E_NOMEM with
 * nothing leaked. */
static void test_load_wav(void) {
  enum { CH = 3, N = 30000 };
  static uint8_t wav[44 + N * CH * 2];
  const uint32_t data_bytes = N * CH * 2;
  memcpy(wav, "RIFF\0\0\0\0WAVEfmt \x10\0\0\0\x01\0\x03\0\x22\x56\0\0\0\0\0\0\x06\0\x10\0data", 40);
  for (int i = 0; i < 4; i++) wav[40 + i] = (uint8_t)(data_bytes >> (8 * i));
  uint64_t seed = 7;
  for (int i = 0; i < N * CH; i++) {
    const int16_t v = (int16_t)(check_rand_u64(&seed) >> 48);
    wav[44 + 2 * i] = (uint8_t)v;
    wav[45 + 2 * i] = (uint8_t)((uint16_t)v >> 8);
  }
  struct ai_reader r = ai_mem_reader(wav, sizeof wav);
  struct ai_wav info;
  float *pcm = NULL, *a = NULL, *b = NULL;
  int64_t na = 0, nb = 0;
  CHECK_EQ(ai_wav_read(&r, NULL, &info, &pcm, &err), ANYINFER_OK);
  CHECK_EQ(info.sample_rate, 22050);
  CHECK_EQ(ai_audio_to_mono16k(NULL, pcm, N, CH, 22050, &a, &na, &err), ANYINFER_OK);
  CHECK_EQ(ai_audio_load_wav(&r, NULL, &b, &nb, &err), ANYINFER_OK);
  CHECK(na == nb && na == ai_resample_n_out(N, 22050, 16000));
  CHECK(a && b && memcmp(a, b, (size_t)na * sizeof(float)) == 0);
  free(pcm);
  free(a);
  free(b);
  for (uint64_t fail = 1;; fail++) {
    struct ai_alloc_fault fault = {.fail_at = fail};
    struct ai_alloc al = ai_alloc_make(ai_alloc_fault_fn, &fault);
    b = (float *)wav;
    anyinfer_status st = ai_audio_load_wav(&r, &al, &b, &nb, &err);
    CHECK_EQ(fault.n_live, st == ANYINFER_OK ? 1 : 0);
    if (st == ANYINFER_OK) {
      CHECK_EQ(fail, 5);  // mono, block, 16 kHz output, filter table
      ai_free(&al, b);
      break;
    }
    CHECK_EQ(st, ANYINFER_E_NOMEM);
    CHECK(b == NULL);
    if (fail > 10) break;
  }
  // A truncated copy: the WAV reader's error passes through.
  struct ai_reader cut = ai_mem_reader(wav, 1000);
  CHECK_EQ(ai_audio_load_wav(&cut, NULL, &b, &nb, &err), ANYINFER_E_FORMAT);
  CHECK(b == NULL && strstr(err.msg, "claims 180000 bytes") != NULL);
}

static void test_errors(void) {
  float x[4] = {0}, y[4];
  CHECK_EQ(ai_resample(NULL, x, 4, 999, 16000, y, &err), ANYINFER_E_INVAL);
  CHECK(strstr(err.msg, "999 Hz") != NULL);
  CHECK_EQ(ai_resample(NULL, x, 4, 16000, 768001, y, &err), ANYINFER_E_INVAL);
  CHECK_EQ(ai_resample(NULL, x, 0, 16000, 8000, y, &err), ANYINFER_E_INVAL);
  CHECK_EQ(ai_resample(NULL, x, 4, 16000, 16000, y, &err), ANYINFER_OK);
}

int main(void) {
  test_lengths();
  test_sines();
  test_torchaudio_parity();
  test_downmix();
  test_load_wav();
  test_errors();
  return check_exit();
}
