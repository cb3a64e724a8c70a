/* Audio files -> 16 kHz mono: WAV by the engine's reader, everything else by libsndfile where the
 * build has it (see audio_file.h). */
#include "audio_file.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audio/audio.h"
#include "base/file.h"
#include "format/wav.h"

#ifdef AI_HAVE_SNDFILE
#include <sndfile.h>
#endif

/* "RIFF" .... "WAVE" goes to our reader. RIFX (big-endian) and RF64 (64-bit sizes) go to
 * libsndfile, which reads them; without it, to our reader, which names them unsupported. */
static bool is_wave(const uint8_t *h, size_t n) {
  if (n < 12 || memcmp(h + 8, "WAVE", 4) != 0) return false;
  if (memcmp(h, "RIFF", 4) == 0) return true;
#ifdef AI_HAVE_SNDFILE
  return false;
#else
  return memcmp(h, "RIFX", 4) == 0 || memcmp(h, "RF64", 4) == 0;
#endif
}

#ifdef AI_HAVE_SNDFILE
/* Frames read per sf_readf_float call. */
#define READ_FRAMES 65536

/* Decodes everything sf yields and converts it; closes sf. */
static anyinfer_status read_sndfile(SNDFILE *sf, const SF_INFO *info, float **out, int64_t *n_out,
                                    struct ai_error *err) {
  anyinfer_status st = ANYINFER_OK;
  float *pcm = NULL;
  int64_t n_frames = 0, cap = 0;
  const int ch = info->channels;
  if (ch < 1 || info->samplerate < (int)AI_WAV_MIN_RATE ||
      info->samplerate > (int)AI_WAV_MAX_RATE) {
    st = ai_error_set(err, ANYINFER_E_UNSUPPORTED,
                      "audio: %d channels at %d Hz (need >= 1 channel, %u..%u Hz)", ch,
                      info->samplerate, AI_WAV_MIN_RATE, AI_WAV_MAX_RATE);
    goto done;
  }
  for (;;) {
    if (n_frames + READ_FRAMES > cap) {
      const int64_t new_cap = cap ? 2 * cap : READ_FRAMES;
      size_t bytes;
      float *p = NULL;
      if (ai_mul_size((size_t)new_cap, (size_t)ch * sizeof(float), &bytes)) p = realloc(pcm, bytes);
      if (!p) {
        st = ai_error_set(err, ANYINFER_E_NOMEM, "audio: out of memory after %lld frames",
                          (long long)n_frames);
        goto done;
      }
      pcm = p;
      cap = new_cap;
    }
    const sf_count_t got = sf_readf_float(sf, pcm + n_frames * ch, READ_FRAMES);
    if (got <= 0) break;
    n_frames += got;
  }
  if (sf_error(sf) != SF_ERR_NO_ERROR) {
    st = ai_error_set(err, ANYINFER_E_FORMAT, "audio: decoding failed after %lld frames: %s",
                      (long long)n_frames, sf_strerror(sf));
  } else if (n_frames == 0) {
    st = ai_error_set(err, ANYINFER_E_FORMAT, "audio: no audio (0 frames)");
  } else {
    const struct ai_alloc a = ai_alloc_default();
    st = ai_audio_to_mono16k(&a, pcm, n_frames, ch, info->samplerate, out, n_out, err);
  }
done:
  free(pcm);
  sf_close(sf);
  return st;
}

/* libsndfile's virtual I/O over a buffer. */
struct mem_io {
  const uint8_t *data;
  sf_count_t size, pos;
};

static sf_count_t mem_len(void *user) {
  return ((struct mem_io *)user)->size;
}

static sf_count_t mem_seek(sf_count_t off, int whence, void *user) {
  struct mem_io *m = user;
  sf_count_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? m->pos : m->size;
  sf_count_t pos = base + off;
  if (pos < 0 || pos > m->size) return -1;
  return m->pos = pos;
}

static sf_count_t mem_read(void *dst, sf_count_t n, void *user) {
  struct mem_io *m = user;
  if (n > m->size - m->pos) n = m->size - m->pos;
  memcpy(dst, m->data + m->pos, (size_t)n);
  m->pos += n;
  return n;
}

static sf_count_t mem_tell(void *user) {
  return ((struct mem_io *)user)->pos;
}
#endif

/* A file that is not RIFF/WAVE, decoded by libsndfile when the build has it. */
static anyinfer_status decode_other(const uint8_t *data, size_t size, float **out, int64_t *n_out,
                                    struct ai_error *err) {
  char head[32] = "";
  for (size_t i = 0, o = 0; i < 4 && i < size; i++) {
    const uint8_t c = data[i];
    o += (size_t)snprintf(head + o, sizeof head - o, c >= 0x20 && c < 0x7f ? "%c" : "\\x%02x", c);
  }
#ifdef AI_HAVE_SNDFILE
  SF_VIRTUAL_IO vio = {mem_len, mem_seek, mem_read, NULL, mem_tell};  // read-only
  struct mem_io m = {data, (sf_count_t)size, 0};
  SF_INFO info;
  memset(&info, 0, sizeof info);
  SNDFILE *sf = sf_open_virtual(&vio, SFM_READ, &info, &m);
  if (!sf) {
    return ai_error_set(err, ANYINFER_E_FORMAT,
                        "audio: not a WAV file (starts with '%s') nor any format libsndfile "
                        "reads (libsndfile: %s)",
                        head, sf_strerror(NULL));
  }
  return read_sndfile(sf, &info, out, n_out, err);
#else
  (void)out, (void)n_out;
  return ai_error_set(err, ANYINFER_E_UNSUPPORTED,
                      "audio: not a WAV file (starts with '%s'); this build reads WAV only "
                      "(no libsndfile for FLAC, Ogg or MP3)",
                      head);
#endif
}

anyinfer_status audio_file_decode(const void *data, size_t size, float **out, int64_t *n_out,
                                  struct ai_error *err) {
  *out = NULL;
  *n_out = 0;
  if (is_wave(data, size)) {
    const struct ai_reader r = ai_mem_reader(data, size);
    const struct ai_alloc a = ai_alloc_default();
    return ai_audio_load_wav(&r, &a, out, n_out, err);
  }
  return decode_other(data, size, out, n_out, err);
}

anyinfer_status audio_file_read(const char *path, float **out, int64_t *n_out,
                                struct ai_error *err) {
  *out = NULL;
  *n_out = 0;
  struct ai_file f;
  anyinfer_status st = ai_file_open(&f, path, true, err);
  if (st != ANYINFER_OK) return st;
  uint8_t head[12] = {0}, *copy = NULL;
  const size_t n_head = f.size < sizeof head ? (size_t)f.size : sizeof head;
  const struct ai_reader r = ai_file_reader(&f);
  if (f.map) {
    st = audio_file_decode(f.map, (size_t)f.size, out, n_out, err);
  } else if ((st = ai_reader_read(&r, 0, head, n_head, err)) == ANYINFER_OK) {
    // Not mapped (WASI): a WAV streams through the reader, anything else is read into memory.
    if (is_wave(head, n_head)) {
      const struct ai_alloc a = ai_alloc_default();
      st = ai_audio_load_wav(&r, &a, out, n_out, err);
    } else if (f.size > SIZE_MAX || !(copy = malloc(f.size ? (size_t)f.size : 1))) {
      st = ai_error_set(err, ANYINFER_E_NOMEM, "out of memory for %llu bytes",
                        (unsigned long long)f.size);
    } else if ((st = ai_reader_read(&r, 0, copy, (size_t)f.size, err)) == ANYINFER_OK) {
      st = decode_other(copy, (size_t)f.size, out, n_out, err);
    }
  }
  free(copy);
  ai_file_close(&f);
  if (st != ANYINFER_OK && st != ANYINFER_E_IO) {
    char msg[AI_ERROR_CAP];
    snprintf(msg, sizeof msg, "%s", err->msg);
    ai_error_set(err, st, "%s: %s", path, msg);
  }
  return st;
}
