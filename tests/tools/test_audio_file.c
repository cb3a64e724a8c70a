/* tools/audio_file.c: WAV through the engine's reader, FLAC / Ogg Vorbis / MP3 through libsndfile
 * (where built with it) from a path and from memory, and the messages for missing, non-audio and
 * truncated files. Fixtures: the first second of speech_16000.wav written by sox as FLAC and Ogg
 * Vorbis (-C 3) and by libsndfile 1.2.0 (LAME) as MP3; the first 0.5 s of
 * speech_22050_s24_stereo.wav as 24-bit stereo FLAC. */
#include "audio/audio.h"
#include "audio_file.h"
#include "check.h"

#ifdef AI_HAVE_SNDFILE
#include <sndfile.h>
#endif

#define FIX "tests/fixtures/audio/"

/* A file that is no audio: libsndfile tried and failed, or a WAV-only build did not try. */
#ifdef AI_HAVE_SNDFILE
#define NOT_AUDIO ANYINFER_E_FORMAT
#else
#define NOT_AUDIO ANYINFER_E_UNSUPPORTED
#endif

static struct ai_error err;

/* LeakSanitizer (in the ASan build) reads this: libvorbis leaks its vorbis_info when libsndfile's
 * open fails on a truncated Ogg stream (upstream: xiph/vorbis#125, libsndfile/libsndfile#922), a
 * leak in the Debian library, not here. Our own allocations stay checked. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) {
  return "leak:libvorbis.so\n";
}

/* 16 kHz samples of a fixture read through the path API; NULL on failure. */
static float *read_path(const char *name, int64_t *n, anyinfer_status want) {
  float *x = NULL;
  CHECK_EQ(audio_file_read(name, &x, n, &err), want);
  if (want != ANYINFER_OK) CHECK(x == NULL && *n == 0);
  return x;
}

static void test_wav_and_flac(void) {
  int64_t n_wav = 0, n_flac = 0;
  float *wav = read_path(FIX "speech_16000.wav", &n_wav, ANYINFER_OK);
  CHECK_EQ(n_wav, 40000);
#ifdef AI_HAVE_SNDFILE
  // Lossless: the first second is bit-identical to the WAV's.
  float *flac = read_path(FIX "speech_16000_1s.flac", &n_flac, ANYINFER_OK);
  CHECK_EQ(n_flac, 16000);
  CHECK(wav && flac && memcmp(wav, flac, 16000 * sizeof(float)) == 0);
  free(flac);
  // 24-bit stereo at 22.05 kHz: down-mixed and resampled like the WAV, identical away from the
  // cut at 0.5 s (the resampler's filter reaches 46 input samples either side).
  int64_t n_ws = 0;
  float *ws = read_path(FIX "speech_22050_s24_stereo.wav", &n_ws, ANYINFER_OK);
  flac = read_path(FIX "speech_22050_s24_stereo_0.5s.flac", &n_flac, ANYINFER_OK);
  CHECK_EQ(n_flac, 8000);
  CHECK(ws && flac && memcmp(ws, flac, 7900 * sizeof(float)) == 0);
  free(ws);
  free(flac);
#else
  read_path(FIX "speech_16000_1s.flac", &n_flac, ANYINFER_E_UNSUPPORTED);
  CHECK(strstr(err.msg, "this build reads WAV only") != NULL);
#endif
  free(wav);
}

#ifdef AI_HAVE_SNDFILE
static double rms(const float *x, int64_t n) {
  double s = 0.0;
  for (int64_t i = 0; i < n; i++) s += (double)x[i] * x[i];
  return sqrt(s / (double)n);
}

/* Lossy codecs: the length (MP3 within its encoder delay and padding) and the loudness of the
 * first second of the WAV. */
static void test_lossy(const char *name, int64_t slack) {
  int64_t n_wav = 0, n = 0;
  float *wav = read_path(FIX "speech_16000.wav", &n_wav, ANYINFER_OK);
  float *x = read_path(name, &n, ANYINFER_OK);
  CHECK(n >= 16000 - slack && n <= 16000 + slack);
  if (wav && x) {
    const double r_wav = rms(wav, 16000), r = rms(x, n < 16000 ? n : 16000);
    printf("%s: %lld samples, rms %.4f (WAV %.4f)\n", name, (long long)n, r, r_wav);
    CHECK(fabs(r - r_wav) <= 0.15 * r_wav);
  }
  free(wav);
  free(x);
}

/* RF64 (what WAV writers switch to past 4 GB) is read by libsndfile: written here with it. */
static void test_rf64(void) {
  const char *path = "/tmp/test_audio_file.rf64.wav";
  SF_INFO info = {.samplerate = 16000, .channels = 1, .format = SF_FORMAT_RF64 | SF_FORMAT_PCM_16};
  SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
  CHECK(sf != NULL);
  if (!sf) return;
  short x[1600];
  for (int i = 0; i < 1600; i++) x[i] = (short)(i * 20 - 16000);
  CHECK_EQ(sf_writef_short(sf, x, 1600), 1600);
  sf_close(sf);
  int64_t n = 0;
  float *y = read_path(path, &n, ANYINFER_OK);
  CHECK_EQ(n, 1600);
  for (int i = 0; y && i < 1600; i++) CHECK_NEAR(y[i], x[i] / 32768.0, 0);
  free(y);
  remove(path);
}

/* From memory, as the server gets an upload: same samples as from the path. */
static void test_memory(void) {
  FILE *f = fopen(FIX "speech_16000_1s.ogg", "rb");
  CHECK(f != NULL);
  if (!f) return;
  static uint8_t buf[1 << 16];
  size_t size = fread(buf, 1, sizeof buf, f);
  fclose(f);
  float *a = NULL, *b = NULL;
  int64_t na = 0, nb = 0;
  CHECK_EQ(audio_file_decode(buf, size, &a, &na, &err), ANYINFER_OK);
  b = read_path(FIX "speech_16000_1s.ogg", &nb, ANYINFER_OK);
  CHECK(na == nb && a && b && memcmp(a, b, (size_t)na * sizeof(float)) == 0);
  free(a);
  free(b);
  // A truncated Ogg stream decodes what it holds or fails with a message; never crashes.
  for (size_t cut = 0; cut < size; cut += 997) {
    a = NULL;
    anyinfer_status st = audio_file_decode(buf, cut, &a, &na, &err);
    CHECK(st == ANYINFER_OK || (st == ANYINFER_E_FORMAT && err.msg[0] != '\0'));
    free(a);
  }
}
#endif

static void test_errors(void) {
  int64_t n = 0;
  read_path(FIX "no_such_file.wav", &n, ANYINFER_E_IO);
  CHECK(strstr(err.msg, "no_such_file.wav") != NULL);
  // Text is neither WAV nor anything libsndfile reads.
  read_path("README.md", &n, NOT_AUDIO);
  CHECK(strstr(err.msg, "README.md: audio: not a WAV file (starts with '# an')") != NULL);
  // A truncated WAV: the WAV reader's message, prefixed with the path.
  FILE *in = fopen(FIX "speech_8000.wav", "rb");
  char path[] = "/tmp/test_audio_file_trunc.wav";
  FILE *out = fopen(path, "wb");
  CHECK(in && out);
  if (in && out) {
    char buf[1000];
    fwrite(buf, 1, fread(buf, 1, sizeof buf, in), out);
  }
  if (in) fclose(in);
  if (out) fclose(out);
  read_path(path, &n, ANYINFER_E_FORMAT);
  CHECK(strstr(err.msg,
               "test_audio_file_trunc.wav: wav: 'data' chunk at offset 36 claims 40000 "
               "bytes (2.5 s of audio)") != NULL);
  remove(path);
  float *x = NULL;
  CHECK_EQ(audio_file_decode("", 0, &x, &n, &err), NOT_AUDIO);
  CHECK(x == NULL);
}

int main(void) {
  test_wav_and_flac();
#ifdef AI_HAVE_SNDFILE
  test_lossy(FIX "speech_16000_1s.ogg", 0);
  test_lossy(FIX "speech_16000_1s.mp3", 1200);
  test_memory();
  test_rf64();
#endif
  test_errors();
  return check_exit();
}
