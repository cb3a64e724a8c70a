/* RIFF/WAVE reading: chunk walk, "fmt " validation, sample decoding. The layout and rules are in
 * wav.h; messages name the chunk, the offset and the values. */
#include "format/wav.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define TAG_PCM        0x0001u
#define TAG_FLOAT      0x0003u
#define TAG_EXTENSIBLE 0xFFFEu
#define DATA_TO_EOF    0xFFFFFFFFu /* data size of a WAV written to a pipe (FFmpeg wavenc) */
#define FMT_MIN_BYTES  16u         /* WAVEFORMAT + wBitsPerSample (PCMWAVEFORMAT) */
#define EXT_MIN_BYTES  40u         /* WAVEFORMATEXTENSIBLE */

/* The KSDATAFORMAT_SUBTYPE_* GUIDs (ksmedia.h) share these 14 bytes after the leading u16 tag. */
static const uint8_t guid_tail[14] = {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80,
                                      0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71};

static uint16_t rd16(const uint8_t *p) {
  return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A chunk id for messages: printable ASCII as is, anything else as \xNN. */
static const char *fourcc(const uint8_t *id, char buf[20]) {
  char *o = buf;
  for (int i = 0; i < 4; i++) {
    if (id[i] >= 0x20 && id[i] < 0x7f && id[i] != '\'') {
      *o++ = (char)id[i];
    } else {
      o += snprintf(o, 5, "\\x%02x", id[i]);
    }
  }
  *o = '\0';
  return buf;
}

const char *ai_wav_encoding_name(enum ai_wav_encoding e) {
  switch (e) {
    case AI_WAV_PCM_U8:
      return "PCM 8-bit";
    case AI_WAV_PCM_S16:
      return "PCM 16-bit";
    case AI_WAV_PCM_S24:
      return "PCM 24-bit";
    case AI_WAV_PCM_S32:
      return "PCM 32-bit";
    case AI_WAV_F32:
      return "float 32-bit";
    case AI_WAV_F64:
      return "float 64-bit";
  }
  return "?";
}

static unsigned bytes_per_sample(enum ai_wav_encoding e) {
  static const unsigned n[] = {1, 2, 3, 4, 4, 8};
  return (unsigned)e < sizeof n / sizeof n[0] ? n[e] : 0;
}

/* Names of the other format tags people meet (mmreg.h), so the message says what the file is. */
static const char *tag_name(unsigned tag) {
  switch (tag) {
    case 0x0002:
      return " (MS ADPCM)";
    case 0x0006:
      return " (A-law)";
    case 0x0007:
      return " (mu-law)";
    case 0x0011:
      return " (IMA ADPCM)";
    case 0x0031:
      return " (GSM 6.10)";
    case 0x0055:
      return " (MPEG layer 3)";
    default:
      return "";
  }
}

/* Validates the "fmt " chunk body b[0..n) at offset off and fills w's format fields. */
static anyinfer_status parse_fmt(const uint8_t *b, uint32_t n, uint64_t off, struct ai_wav *w,
                                 struct ai_error *err) {
  if (n < FMT_MIN_BYTES) {
    return ai_error_set(err, ANYINFER_E_FORMAT,
                        "wav: 'fmt ' chunk at offset %llu holds %u bytes, needs at least %u",
                        (unsigned long long)off, n, FMT_MIN_BYTES);
  }
  unsigned tag = rd16(b), channels = rd16(b + 2), align = rd16(b + 12), bits = rd16(b + 14);
  uint32_t rate = rd32(b + 4);
  if (tag == TAG_EXTENSIBLE) {
    if (n < EXT_MIN_BYTES || rd16(b + 16) < EXT_MIN_BYTES - 18) {
      return ai_error_set(err, ANYINFER_E_FORMAT,
                          "wav: WAVE_FORMAT_EXTENSIBLE 'fmt ' chunk holds %u bytes (cbSize %u), "
                          "needs %u (cbSize 22)",
                          n, n >= 18 ? rd16(b + 16) : 0u, EXT_MIN_BYTES);
    }
    if (memcmp(b + 26, guid_tail, sizeof guid_tail) != 0) {
      return ai_error_set(err, ANYINFER_E_UNSUPPORTED,
                          "wav: WAVE_FORMAT_EXTENSIBLE sub-format is not a KSDATAFORMAT_SUBTYPE "
                          "GUID (PCM or IEEE float)");
    }
    tag = rd16(b + 24);
  }
  if (tag == TAG_PCM && (bits == 8 || bits == 16 || bits == 24 || bits == 32)) {
    w->encoding = bits == 8    ? AI_WAV_PCM_U8
                  : bits == 16 ? AI_WAV_PCM_S16
                  : bits == 24 ? AI_WAV_PCM_S24
                               : AI_WAV_PCM_S32;
  } else if (tag == TAG_FLOAT && (bits == 32 || bits == 64)) {
    w->encoding = bits == 32 ? AI_WAV_F32 : AI_WAV_F64;
  } else {
    return ai_error_set(err, ANYINFER_E_UNSUPPORTED,
                        "wav: format tag 0x%04x%s with %u bits per sample; supported: PCM (1) of "
                        "8/16/24/32 bits, IEEE float (3) of 32/64 bits",
                        tag, tag_name(tag), bits);
  }
  if (channels < 1) return ai_error_set(err, ANYINFER_E_FORMAT, "wav: 0 channels");
  if (rate < AI_WAV_MIN_RATE || rate > AI_WAV_MAX_RATE) {
    return ai_error_set(err, ANYINFER_E_FORMAT, "wav: sample rate %u Hz, must be %u..%u", rate,
                        AI_WAV_MIN_RATE, AI_WAV_MAX_RATE);
  }
  if (align != channels * bytes_per_sample(w->encoding)) {
    return ai_error_set(err, ANYINFER_E_FORMAT,
                        "wav: block_align %u, must be %u (%u channels x %u bytes of %s)", align,
                        channels * bytes_per_sample(w->encoding), channels,
                        bytes_per_sample(w->encoding), ai_wav_encoding_name(w->encoding));
  }
  w->n_channels = channels;
  w->sample_rate = rate;
  w->block_align = align;
  return ANYINFER_OK;
}

/* The data chunk at off (header included) of declared size: its frames, or an error. */
static anyinfer_status take_data(const struct ai_reader *r, uint64_t off, uint32_t size,
                                 struct ai_wav *w, struct ai_error *err) {
  const uint64_t start = off + 8, avail = r->size - start;
  uint64_t bytes = size;
  if (size == DATA_TO_EOF) {
    bytes = avail;
  } else if (bytes > avail) {
    const double secs = (double)bytes / w->block_align / w->sample_rate;
    return ai_error_set(err, ANYINFER_E_FORMAT,
                        "wav: 'data' chunk at offset %llu claims %llu bytes (%.1f s of audio), "
                        "the file holds %llu after its header (truncated or corrupt)",
                        (unsigned long long)off, (unsigned long long)bytes, secs,
                        (unsigned long long)avail);
  }
  w->data_offset = start;
  w->n_frames = (int64_t)(bytes / w->block_align);
  if (w->n_frames < 1) {
    return ai_error_set(err, ANYINFER_E_FORMAT,
                        "wav: no audio: the 'data' chunk holds %llu bytes, less than one frame "
                        "(%u bytes)",
                        (unsigned long long)bytes, w->block_align);
  }
  return ANYINFER_OK;
}

anyinfer_status ai_wav_parse(const struct ai_reader *r, struct ai_wav *out, struct ai_error *err) {
  memset(out, 0, sizeof *out);
  uint8_t h[12];
  char id_buf[20], id_buf2[20];
  if (r->size < sizeof h) {
    return ai_error_set(err, ANYINFER_E_FORMAT,
                        "wav: %llu bytes, too short for a RIFF/WAVE header (12)",
                        (unsigned long long)r->size);
  }
  anyinfer_status st = ai_reader_read(r, 0, h, sizeof h, err);
  if (st != ANYINFER_OK) return st;
  if (memcmp(h, "RIFF", 4) != 0 || memcmp(h + 8, "WAVE", 4) != 0) {
    if ((memcmp(h, "RIFX", 4) == 0 || memcmp(h, "RF64", 4) == 0) && memcmp(h + 8, "WAVE", 4) == 0) {
      return ai_error_set(err, ANYINFER_E_UNSUPPORTED,
                          "wav: '%s' files (big-endian RIFX / 64-bit RF64) are not supported",
                          fourcc(h, id_buf));
    }
    return ai_error_set(err, ANYINFER_E_FORMAT,
                        "wav: not a RIFF/WAVE file (starts with '%s', bytes 8..11 '%s')",
                        fourcc(h, id_buf), fourcc(h + 8, id_buf2));
  }
  bool has_fmt = false;
  for (uint64_t off = 12; off + 8 <= r->size;) {
    uint8_t ch[8];
    st = ai_reader_read(r, off, ch, sizeof ch, err);
    if (st != ANYINFER_OK) return st;
    const uint32_t size = rd32(ch + 4);
    if (memcmp(ch, "data", 4) == 0) {
      if (!has_fmt) {
        return ai_error_set(err, ANYINFER_E_FORMAT,
                            "wav: 'data' chunk at offset %llu comes before any 'fmt ' chunk",
                            (unsigned long long)off);
      }
      return take_data(r, off, size, out, err);
    }
    if ((uint64_t)size > r->size - off - 8) {
      return ai_error_set(err, ANYINFER_E_FORMAT,
                          "wav: chunk '%s' at offset %llu claims %u bytes, only %llu remain "
                          "(truncated file, no 'data' chunk reached)",
                          fourcc(ch, id_buf), (unsigned long long)off, size,
                          (unsigned long long)(r->size - off - 8));
    }
    if (memcmp(ch, "fmt ", 4) == 0) {
      if (has_fmt) {
        return ai_error_set(err, ANYINFER_E_FORMAT, "wav: a second 'fmt ' chunk at offset %llu",
                            (unsigned long long)off);
      }
      uint8_t body[EXT_MIN_BYTES];
      const uint32_t n = size < sizeof body ? size : (uint32_t)sizeof body;
      st = ai_reader_read(r, off + 8, body, n, err);
      if (st != ANYINFER_OK) return st;
      st = parse_fmt(body, size, off, out, err);  // reads only the first n bytes
      if (st != ANYINFER_OK) return st;
      has_fmt = true;
    }
    off += 8 + (uint64_t)size + (size & 1u);  // RIFF pads odd-sized chunks to even
  }
  return ai_error_set(err, ANYINFER_E_FORMAT, "wav: no %s chunk in %llu bytes",
                      has_fmt ? "'data'" : "'fmt ' or 'data'", (unsigned long long)r->size);
}

/* Converts count samples of encoding e from b into out. */
static void convert(enum ai_wav_encoding e, const uint8_t *b, size_t count, float *out) {
  for (size_t i = 0; i < count; i++) {
    switch (e) {
      case AI_WAV_PCM_U8:
        out[i] = (float)((int)b[i] - 128) * 0x1p-7f;
        break;
      case AI_WAV_PCM_S16:
        out[i] = (float)(int16_t)rd16(b + 2 * i) * 0x1p-15f;
        break;
      case AI_WAV_PCM_S24: {
        const uint8_t *p = b + 3 * i;
        int32_t v = (int32_t)((uint32_t)p[0] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 24);
        out[i] = (float)(v >> 8) * 0x1p-23f;
        break;
      }
      case AI_WAV_PCM_S32:
        out[i] = (float)((double)(int32_t)rd32(b + 4 * i) * 0x1p-31);
        break;
      case AI_WAV_F32: {
        uint32_t u = rd32(b + 4 * i);
        memcpy(&out[i], &u, sizeof u);
        break;
      }
      case AI_WAV_F64: {
        uint64_t u = rd32(b + 8 * i) | (uint64_t)rd32(b + 8 * i + 4) << 32;
        double d;
        memcpy(&d, &u, sizeof d);
        out[i] = (float)d;
        break;
      }
    }
  }
}

anyinfer_status ai_wav_decode(const struct ai_reader *r, const struct ai_wav *wav, int64_t first,
                              int64_t n, float *out, struct ai_error *err) {
  if (first < 0 || n < 0 || first > wav->n_frames || n > wav->n_frames - first) {
    return ai_error_set(err, ANYINFER_E_INVAL, "wav: frames %lld..%lld of %lld", (long long)first,
                        (long long)(first + n), (long long)wav->n_frames);
  }
  const unsigned bps = bytes_per_sample(wav->encoding);
  const size_t per_block = 4096 / 24 * 24 / bps;  // samples per read: 24 divides by 1,2,3,4,8
  uint8_t buf[4096];
  const uint64_t total = (uint64_t)n * wav->n_channels;  // fits: n_frames x block_align did
  uint64_t pos = wav->data_offset + (uint64_t)first * wav->block_align;
  for (uint64_t done = 0; done < total;) {
    const size_t count = total - done < per_block ? (size_t)(total - done) : per_block;
    anyinfer_status st = ai_reader_read(r, pos, buf, count * bps, err);
    if (st != ANYINFER_OK) return st;
    convert(wav->encoding, buf, count, out + done);
    for (size_t i = 0; i < count; i++) {
      if (!isfinite(out[done + i])) {
        const uint64_t s = (uint64_t)first * wav->n_channels + done + i;
        return ai_error_set(err, ANYINFER_E_FORMAT,
                            "wav: sample %llu (frame %llu, channel %llu) is %s, not a finite "
                            "float",
                            (unsigned long long)s, (unsigned long long)(s / wav->n_channels),
                            (unsigned long long)(s % wav->n_channels),
                            isnan(out[done + i]) ? "NaN" : "infinite");
      }
    }
    done += count;
    pos += count * bps;
  }
  return ANYINFER_OK;
}

anyinfer_status ai_wav_read(const struct ai_reader *r, const struct ai_alloc *alloc,
                            struct ai_wav *info, float **samples, struct ai_error *err) {
  *samples = NULL;
  anyinfer_status st = ai_wav_parse(r, info, err);
  if (st != ANYINFER_OK) return st;
  struct ai_alloc a = alloc ? *alloc : ai_alloc_default();
  size_t count;
  float *pcm = NULL;
  // n_frames can exceed SIZE_MAX on 32-bit targets (wasm32): check before narrowing.
  if ((uint64_t)info->n_frames <= SIZE_MAX &&
      ai_mul_size((size_t)info->n_frames, info->n_channels, &count)) {
    pcm = ai_calloc(&a, count, sizeof *pcm);
  }
  if (!pcm) {
    return ai_error_set(err, ANYINFER_E_NOMEM, "wav: out of memory for %lld frames x %u channels",
                        (long long)info->n_frames, info->n_channels);
  }
  st = ai_wav_decode(r, info, 0, info->n_frames, pcm, err);
  if (st != ANYINFER_OK) {
    ai_free(&a, pcm);
    return st;
  }
  *samples = pcm;
  return ANYINFER_OK;
}
