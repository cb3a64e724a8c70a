/* WAV reading: a RIFF/WAVE file of untrusted bytes, validated, decoded to float samples. Resampling
 * and down-mixing are src/audio/'s job; other formats (FLAC, OGG, MP3) are tools/audio_file.c's.
 *
 * Byte layout (all little-endian; Microsoft "Multimedia Programming Interface and Data
 * Specifications 1.0", RIFF and WAVE chapters; WAVE_FORMAT_EXTENSIBLE from mmreg.h/ksmedia.h):
 *   "RIFF" u32 riff_size "WAVE" { chunk }*
 *   chunk = 4-byte id | u32 size | size bytes | 1 pad byte when size is odd
 *   "fmt " = u16 format_tag | u16 n_channels | u32 sample_rate | u32 byte_rate | u16 block_align
 *            | u16 bits_per_sample [ | u16 cb_size | u16 valid_bits | u32 channel_mask
 *            | 16-byte sub-format GUID whose first u16 is the real format tag ]  (tag 0xFFFE)
 *   "data" = block_align-byte frames, channels interleaved
 * Other chunks (LIST, fact, cue, ...) are skipped. Accepted encodings: PCM (tag 1) of 8 (unsigned),
 * 16, 24 and 32 bits (signed), IEEE float (tag 3) of 32 and 64 bits. Rules, each an
 * ANYINFER_E_FORMAT or ANYINFER_E_UNSUPPORTED naming the field and values: "fmt " comes before
 * "data"; 1 <= n_channels; AI_WAV_MIN_RATE <= sample_rate <= AI_WAV_MAX_RATE; block_align =
 * n_channels x bytes per sample; the data chunk holds at least one whole frame and lies inside
 * the file. A data size of 0xFFFFFFFF means "to the end of the file" (what FFmpeg writes to a
 * pipe); any other size past the end of the file is an error, not a silent truncation. riff_size
 * is not trusted (many writers get it wrong) and trailing bytes after "data" are ignored.
 */
#ifndef AI_FORMAT_WAV_H
#define AI_FORMAT_WAV_H

#include <stdint.h>

#include "base/alloc.h"
#include "base/error.h"
#include "base/file.h"

#define AI_WAV_MIN_RATE 1000u   /* Hz; below this no speech survives, and it is a corrupt field */
#define AI_WAV_MAX_RATE 768000u /* Hz; the highest rate common converters (sox, FFmpeg) write */

enum ai_wav_encoding {
  AI_WAV_PCM_U8,  /* unsigned, 128 = silence */
  AI_WAV_PCM_S16, /* signed little-endian integers */
  AI_WAV_PCM_S24,
  AI_WAV_PCM_S32,
  AI_WAV_F32, /* IEEE 754 */
  AI_WAV_F64,
};

/* What the header says, validated. */
struct ai_wav {
  enum ai_wav_encoding encoding;
  uint32_t n_channels;  /* >= 1 */
  uint32_t sample_rate; /* Hz, AI_WAV_MIN_RATE..AI_WAV_MAX_RATE */
  uint32_t block_align; /* bytes per frame: n_channels x bytes per sample */
  uint64_t data_offset; /* absolute offset of the first frame */
  int64_t n_frames;     /* >= 1: whole frames in the data chunk (a partial last frame is dropped) */
};

/* Walks the chunks of r and fills *out (the rules above). Reads only headers, allocates nothing.
 * ANYINFER_E_FORMAT (not a WAV, truncated, inconsistent sizes, no data), ANYINFER_E_UNSUPPORTED
 * (an encoding not listed above, e.g. A-law or ADPCM), or the reader's status. */
anyinfer_status ai_wav_parse(const struct ai_reader *r, struct ai_wav *out, struct ai_error *err);

/* Decodes frames [first, first + n) of a parsed file into out (n x n_channels floats, channels
 * interleaved). Integers map to [-1, 1] by dividing by 2^(bits-1) (8-bit after removing the 128
 * offset), as libsndfile and soundfile do; floats are copied (F64 narrowed). ANYINFER_E_INVAL when
 * the range is outside [0, wav->n_frames), or the reader's status. */
anyinfer_status ai_wav_decode(const struct ai_reader *r, const struct ai_wav *wav, int64_t first,
                              int64_t n, float *out, struct ai_error *err);

/* ai_wav_parse, then the whole data chunk decoded into *samples (n_frames x n_channels floats,
 * allocated with alloc, NULL: the C library; freed by the caller with ai_free on the same
 * allocator). On failure *samples is NULL. Statuses as above plus ANYINFER_E_NOMEM. */
anyinfer_status ai_wav_read(const struct ai_reader *r, const struct ai_alloc *alloc,
                            struct ai_wav *info, float **samples, struct ai_error *err);

/* "PCM 16-bit" for AI_WAV_PCM_S16, ...; "?" for a value out of range. */
const char *ai_wav_encoding_name(enum ai_wav_encoding e);

#endif
