/* WAV reader: exact samples of hand-built files in every accepted encoding (PCM 8/16/24/32, float
 * 32/64, WAVE_FORMAT_EXTENSIBLE), chunk walking (odd-size padding, chunks before and after "fmt "
 * and "data", data "to the end of the file"), the unmapped-reader path, every rejection with its
 * message (truncation, no data, 10-hour claims, non-audio bytes, unsupported encodings, bad
 * fields, NaN samples), out of memory, and the committed fixtures. */
#include "check.h"
#include "format/wav.h"

static uint8_t buf[1 << 16];
static size_t len;
static struct ai_error err;

static void put(const void *p, size_t n) {
  memcpy(buf + len, p, n);
  len += n;
}
static void put16(unsigned v) {
  uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
  put(b, 2);
}
static void put32(uint32_t v) {
  uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
  put(b, 4);
}
/* Chunk header + body + pad byte when odd. */
static void chunk(const char *id, const void *body, uint32_t n) {
  put(id, 4);
  put32(n);
  put(body, n);
  if (n & 1) put("\0", 1);
}
static void riff(void) {
  len = 0;
  put("RIFF", 4);
  put32(0);  // riff_size is not trusted; 0 checks that
  put("WAVE", 4);
}
/* A 16-byte (or extensible 40-byte) fmt chunk. */
static void fmt(unsigned tag, unsigned ch, uint32_t rate, unsigned bits, unsigned align,
                bool extensible) {
  put("fmt ", 4);
  put32(extensible ? 40 : 16);
  put16(extensible ? 0xFFFE : tag);
  put16(ch);
  put32(rate);
  put32(rate * align);
  put16(align);
  put16(bits);
  if (extensible) {
    static const uint8_t tail[14] = {0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71};
    put16(22);
    put16(bits);
    put32(3);  // channel mask: front left + right
    put16(tag);
    put(tail, sizeof tail);
  }
}

static anyinfer_status read_all(struct ai_wav *w, float **pcm) {
  struct ai_reader r = ai_mem_reader(buf, len);
  ai_error_clear(&err);
  return ai_wav_read(&r, NULL, w, pcm, &err);
}

/* The current buffer must fail with status and a message containing want. */
static void expect_error(anyinfer_status status, const char *want) {
  struct ai_wav w;
  float *pcm = (float *)buf;
  CHECK_EQ(read_all(&w, &pcm), status);
  CHECK(pcm == NULL);
  if (!strstr(err.msg, want)) {
    fprintf(stderr, "message '%s' lacks '%s'\n", err.msg, want);
    CHECK(strstr(err.msg, want) != NULL);
  }
}

static void test_encodings(void) {
  struct ai_wav w;
  float *pcm = NULL;
  // PCM 8-bit: unsigned around 128.
  const uint8_t u8[4] = {0, 128, 255, 64};
  riff();
  fmt(1, 1, 8000, 8, 1, false);
  chunk("data", u8, 4);
  CHECK_EQ(read_all(&w, &pcm), ANYINFER_OK);
  CHECK_EQ(w.encoding, AI_WAV_PCM_U8);
  CHECK_EQ(w.n_frames, 4);
  if (pcm) {
    CHECK_NEAR(pcm[0], -1.0, 0);
    CHECK_NEAR(pcm[1], 0.0, 0);
    CHECK_NEAR(pcm[2], 127.0 / 128, 0);
    CHECK_NEAR(pcm[3], -0.5, 0);
  }
  free(pcm);
  // PCM 16-bit stereo, with a LIST chunk before fmt and an odd-sized chunk between fmt and data.
  const int16_t s16[4] = {-32768, 32767, 16384, -1};
  riff();
  chunk("LIST", "INFOjunk", 8);
  fmt(1, 2, 44100, 16, 4, false);
  chunk("odd!", "abc", 3);
  chunk("data", s16, sizeof s16);
  chunk("id3 ", "trailer", 7);
  CHECK_EQ(read_all(&w, &pcm), ANYINFER_OK);
  CHECK_EQ(w.n_channels, 2);
  CHECK_EQ(w.sample_rate, 44100);
  CHECK_EQ(w.n_frames, 2);
  CHECK_EQ(w.data_offset, 12 + 16 + 24 + 12 + 8);
  if (pcm) {
    CHECK_NEAR(pcm[0], -1.0, 0);
    CHECK_NEAR(pcm[1], 32767.0 / 32768, 0);
    CHECK_NEAR(pcm[2], 0.5, 0);
    CHECK_NEAR(pcm[3], -1.0 / 32768, 0);
  }
  free(pcm);
  // PCM 24-bit, extensible.
  const uint8_t s24[6] = {0x00, 0x00, 0x80, 0xff, 0xff, 0x7f};  // -2^23, 2^23 - 1
  riff();
  fmt(1, 1, 16000, 24, 3, true);
  chunk("data", s24, 6);
  CHECK_EQ(read_all(&w, &pcm), ANYINFER_OK);
  CHECK_EQ(w.encoding, AI_WAV_PCM_S24);
  if (pcm) {
    CHECK_NEAR(pcm[0], -1.0, 0);
    CHECK_NEAR(pcm[1], 8388607.0 / 8388608, 1e-7);
  }
  free(pcm);
  // PCM 32-bit.
  const int32_t s32[2] = {INT32_MIN, 1 << 30};
  riff();
  fmt(1, 1, 16000, 32, 4, false);
  chunk("data", s32, sizeof s32);
  CHECK_EQ(read_all(&w, &pcm), ANYINFER_OK);
  CHECK_EQ(w.encoding, AI_WAV_PCM_S32);
  if (pcm) {
    CHECK_NEAR(pcm[0], -1.0, 0);
    CHECK_NEAR(pcm[1], 0.5, 0);
  }
  free(pcm);
  // float 32 (extensible, 3 channels) and float 64.
  const float f32[3] = {0.25f, -1.5f, 1e-3f};
  riff();
  fmt(3, 3, 22050, 32, 12, true);
  chunk("data", f32, sizeof f32);
  CHECK_EQ(read_all(&w, &pcm), ANYINFER_OK);
  CHECK_EQ(w.encoding, AI_WAV_F32);
  CHECK_EQ(w.n_channels, 3);
  CHECK(pcm && memcmp(pcm, f32, sizeof f32) == 0);
  free(pcm);
  const double f64[2] = {0.125, -0.75};
  riff();
  fmt(3, 1, 48000, 64, 8, false);
  chunk("data", f64, sizeof f64);
  CHECK_EQ(read_all(&w, &pcm), ANYINFER_OK);
  CHECK_EQ(w.encoding, AI_WAV_F64);
  if (pcm) {
    CHECK_NEAR(pcm[0], 0.125, 0);
    CHECK_NEAR(pcm[1], -0.75, 0);
  }
  free(pcm);
  CHECK_STREQ(ai_wav_encoding_name(AI_WAV_F64), "float 64-bit");
  CHECK_STREQ(ai_wav_encoding_name((enum ai_wav_encoding)99), "?");
}

/* The data size 0xFFFFFFFF (a pipe) means "to the end"; a partial last frame is dropped; ranges of
 * ai_wav_decode; a file read without a mapping. */
static void test_sizes_and_ranges(void) {
  int16_t s16[1000];
  for (int i = 0; i < 1000; i++) s16[i] = (int16_t)(i * 31 - 15000);
  riff();
  fmt(1, 1, 16000, 16, 2, false);
  put("data", 4);
  put32(0xFFFFFFFFu);
  put(s16, sizeof s16);
  put("x", 1);  // half a frame at the end
  struct ai_wav w;
  float *pcm = NULL;
  CHECK_EQ(read_all(&w, &pcm), ANYINFER_OK);
  CHECK_EQ(w.n_frames, 1000);
  for (int i = 0; pcm && i < 1000; i++) CHECK_NEAR(pcm[i], s16[i] / 32768.0, 0);
  float part[700];
  struct ai_reader r = ai_mem_reader(buf, len);
  CHECK_EQ(ai_wav_decode(&r, &w, 301, 700, part, &err), ANYINFER_E_INVAL);
  CHECK(strstr(err.msg, "frames 301..1001 of 1000") != NULL);
  CHECK_EQ(ai_wav_decode(&r, &w, -1, 1, part, &err), ANYINFER_E_INVAL);
  free(pcm);
  // A range in the middle of a fixture read with positioned reads (no mapping, as under WASI)
  // equals the same frames of the whole file read through a mapping.
  struct ai_file mapped, plain;
  CHECK_EQ(ai_file_open(&mapped, "tests/fixtures/audio/speech_22050_s24_stereo.wav", true, &err),
           ANYINFER_OK);
  CHECK_EQ(ai_file_open(&plain, "tests/fixtures/audio/speech_22050_s24_stereo.wav", false, &err),
           ANYINFER_OK);
  struct ai_reader rm = ai_file_reader(&mapped), rp = ai_file_reader(&plain);
  struct ai_wav wm, wp;
  pcm = NULL;
  CHECK_EQ(ai_wav_read(&rm, NULL, &wm, &pcm, &err), ANYINFER_OK);
  CHECK_EQ(ai_wav_parse(&rp, &wp, &err), ANYINFER_OK);
  CHECK(memcmp(&wm, &wp, sizeof wm) == 0);
  CHECK_EQ(ai_wav_decode(&rp, &wp, 40000, 350, part, &err), ANYINFER_OK);  // 2 channels
  CHECK(pcm && memcmp(part, pcm + 2 * 40000, sizeof part) == 0);
  free(pcm);
  ai_file_close(&mapped);
  ai_file_close(&plain);
}

static void test_errors(void) {
  const int16_t s16[8] = {0};
  len = 0;
  put("RIFF", 4);
  expect_error(ANYINFER_E_FORMAT, "4 bytes, too short");
  len = 0;
  put("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
  expect_error(ANYINFER_E_FORMAT, "not a RIFF/WAVE file (starts with '\\x89PNG'");
  len = 0;
  put("{\"text\": \"hello world\"}", 23);
  expect_error(ANYINFER_E_FORMAT, "not a RIFF/WAVE file (starts with '{\"te'");
  len = 0;
  put("RIFF\0\0\0\0AVI LIST", 16);
  expect_error(ANYINFER_E_FORMAT, "bytes 8..11 'AVI '");
  len = 0;
  put("RF64\xff\xff\xff\xffWAVE", 12);
  expect_error(ANYINFER_E_UNSUPPORTED, "'RF64' files");
  // Zero-length data, and data shorter than one frame.
  riff();
  fmt(1, 2, 16000, 16, 4, false);
  chunk("data", s16, 0);
  expect_error(ANYINFER_E_FORMAT, "no audio: the 'data' chunk holds 0 bytes");
  riff();
  fmt(1, 2, 16000, 16, 4, false);
  chunk("data", s16, 3);
  expect_error(ANYINFER_E_FORMAT, "holds 3 bytes, less than one frame (4 bytes)");
  // A header claiming 10 hours of 16 kHz mono 16-bit audio over 16 bytes of data.
  riff();
  fmt(1, 1, 16000, 16, 2, false);
  put("data", 4);
  put32(10u * 3600 * 16000 * 2);
  put(s16, 16);
  expect_error(ANYINFER_E_FORMAT,
               "claims 1152000000 bytes (36000.0 s of audio), the file holds 16");
  // Truncated: the file ends inside a chunk before any data; or after fmt with no data chunk.
  riff();
  fmt(1, 1, 16000, 16, 2, false);
  put("LIST", 4);
  put32(100);
  put("abc", 3);
  expect_error(ANYINFER_E_FORMAT, "chunk 'LIST' at offset 36 claims 100 bytes, only 3 remain");
  riff();
  fmt(1, 1, 16000, 16, 2, false);
  expect_error(ANYINFER_E_FORMAT, "no 'data' chunk in 36 bytes");
  riff();
  expect_error(ANYINFER_E_FORMAT, "no 'fmt ' or 'data' chunk in 12 bytes");
  riff();
  chunk("data", s16, 4);
  expect_error(ANYINFER_E_FORMAT, "'data' chunk at offset 12 comes before any 'fmt '");
  riff();
  fmt(1, 1, 16000, 16, 2, false);
  fmt(1, 1, 16000, 16, 2, false);
  expect_error(ANYINFER_E_FORMAT, "a second 'fmt ' chunk at offset 36");
  // Field checks.
  riff();
  chunk("fmt ", "\x01\0\x01\0", 4);
  expect_error(ANYINFER_E_FORMAT, "'fmt ' chunk at offset 12 holds 4 bytes, needs at least 16");
  riff();
  fmt(6, 1, 8000, 8, 1, false);
  expect_error(ANYINFER_E_UNSUPPORTED, "format tag 0x0006 (A-law) with 8 bits");
  riff();
  fmt(1, 1, 8000, 12, 2, false);
  expect_error(ANYINFER_E_UNSUPPORTED, "format tag 0x0001 with 12 bits");
  riff();
  fmt(3, 1, 8000, 16, 2, false);
  expect_error(ANYINFER_E_UNSUPPORTED, "format tag 0x0003 with 16 bits");
  riff();
  fmt(1, 0, 8000, 16, 0, false);
  expect_error(ANYINFER_E_FORMAT, "0 channels");
  riff();
  fmt(1, 1, 0, 16, 2, false);
  expect_error(ANYINFER_E_FORMAT, "sample rate 0 Hz, must be 1000..768000");
  riff();
  fmt(1, 1, 4000000, 16, 2, false);
  expect_error(ANYINFER_E_FORMAT, "sample rate 4000000 Hz");
  riff();
  fmt(1, 2, 16000, 16, 2, false);
  expect_error(ANYINFER_E_FORMAT, "block_align 2, must be 4 (2 channels x 2 bytes of PCM 16-bit)");
  // Extensible: short chunk, and a sub-format GUID that is not KSDATAFORMAT_SUBTYPE_*.
  riff();
  fmt(1, 1, 16000, 16, 2, false);
  buf[20] = 0xFE;  // the tag of a 16-byte chunk becomes 0xFFFE
  buf[21] = 0xFF;
  expect_error(ANYINFER_E_FORMAT, "WAVE_FORMAT_EXTENSIBLE 'fmt ' chunk holds 16 bytes");
  riff();
  fmt(1, 1, 16000, 16, 2, true);
  buf[len - 1] ^= 1;
  expect_error(ANYINFER_E_UNSUPPORTED, "sub-format is not a KSDATAFORMAT_SUBTYPE GUID");
  // A NaN sample in a float file.
  const float bad[3] = {0.0f, NAN, 1.0f};
  riff();
  fmt(3, 1, 16000, 32, 4, false);
  chunk("data", bad, sizeof bad);
  expect_error(ANYINFER_E_FORMAT, "sample 1 (frame 1, channel 0) is NaN");
}

static void test_oom(void) {
  const int16_t s16[4] = {1, 2, 3, 4};
  riff();
  fmt(1, 1, 16000, 16, 2, false);
  chunk("data", s16, sizeof s16);
  struct ai_alloc_fault fault = {.fail_at = 1};
  struct ai_alloc a = ai_alloc_make(ai_alloc_fault_fn, &fault);
  struct ai_reader r = ai_mem_reader(buf, len);
  struct ai_wav w;
  float *pcm = (float *)buf;
  CHECK_EQ(ai_wav_read(&r, &a, &w, &pcm, &err), ANYINFER_E_NOMEM);
  CHECK(pcm == NULL && fault.n_live == 0);
  CHECK(strstr(err.msg, "4 frames x 1 channels") != NULL);
}

/* The committed fixtures parse with the fields sox wrote. */
static void test_fixtures(void) {
  static const struct {
    const char *name;
    enum ai_wav_encoding enc;
    unsigned ch, rate;
    int64_t frames;
  } want[] = {
      {"speech_8000.wav", AI_WAV_PCM_S16, 1, 8000, 20000},
      {"speech_16000_f32_stereo.wav", AI_WAV_F32, 2, 16000, 40000},
      {"speech_22050_s24_stereo.wav", AI_WAV_PCM_S24, 2, 22050, 55125},
      {"speech_48000.wav", AI_WAV_PCM_S16, 1, 48000, 120000},
  };
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    char path[256];
    snprintf(path, sizeof path, "tests/fixtures/audio/%s", want[i].name);
    struct ai_file f;
    CHECK_EQ(ai_file_open(&f, path, true, &err), ANYINFER_OK);
    struct ai_reader r = ai_file_reader(&f);
    struct ai_wav w;
    float *pcm = NULL;
    CHECK_EQ(ai_wav_read(&r, NULL, &w, &pcm, &err), ANYINFER_OK);
    CHECK_EQ(w.encoding, want[i].enc);
    CHECK_EQ(w.n_channels, want[i].ch);
    CHECK_EQ(w.sample_rate, want[i].rate);
    CHECK_EQ(w.n_frames, want[i].frames);
    float peak = 0.0f;
    for (int64_t k = 0; pcm && k < w.n_frames * w.n_channels; k++) {
      peak = fabsf(pcm[k]) > peak ? fabsf(pcm[k]) : peak;
    }
    CHECK(peak > 0.3f && peak <= 1.0f);
    free(pcm);
    ai_file_close(&f);
  }
}

int main(void) {
  test_encodings();
  test_sizes_and_ranges();
  test_errors();
  test_oom();
  test_fixtures();
  return check_exit();
}
