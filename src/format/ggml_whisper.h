/* whisper.cpp's model files (ggml-tiny.bin ... ggml-large-v3.bin, written by its
 * models/convert-pt-to-ggml.py and convert-h5-to-ggml.py), all little-endian, no padding:
 *
 *   u32  magic          0x67676d6c ("ggml" read as a u32)
 *   i32  n_vocab, n_audio_ctx, n_audio_state, n_audio_head, n_audio_layer,
 *        n_text_ctx, n_text_state, n_text_head, n_text_layer, n_mels, ftype
 *   i32  filters.n_mel, filters.n_fft (201);  f32 filters[n_mel][n_fft]
 *   i32  n_tokens;  n_tokens times: u32 len, len bytes (the token's raw bytes)
 *   tensors to the end of the file, each:
 *     i32 n_dims (1..3), i32 name_len, i32 type (ggml type id);  i32 ne[n_dims] (innermost
 *     first);  name_len bytes of name;  the data (ne product elements of type)
 *
 * The file's tokens are the regular ones only; Whisper's specials (<|endoftext|> ... the
 * timestamps) are the ids from n_tokens to n_vocab - 1, in the layout whisper.cpp assumes.
 * Tensor names are openai/whisper's (encoder.blocks.0.attn.query.weight, ...). */
#ifndef AI_FORMAT_GGML_WHISPER_H
#define AI_FORMAT_GGML_WHISPER_H

#include <stdint.h>

#include "base/alloc.h"
#include "base/error.h"
#include "base/file.h"

#define AI_GGML_MAGIC 0x67676d6cu

struct ai_ggml_whisper_hparams {
  int32_t n_vocab, n_audio_ctx, n_audio_state, n_audio_head, n_audio_layer;
  int32_t n_text_ctx, n_text_state, n_text_head, n_text_layer, n_mels, ftype;
};

struct ai_ggml_tensor {
  char name[64];
  int32_t n_dims;         /* 1..3 */
  int64_t ne[3];          /* innermost first; unused dimensions are 1 */
  int32_t type;           /* ggml type id (enum ai_type), one we have traits for */
  uint64_t offset, bytes; /* of the data, from the start of the file */
};

struct ai_ggml_whisper {
  struct ai_ggml_whisper_hparams hp;
  uint64_t filters_offset; /* f32 [n_mels][201] */
  int32_t n_tokens;        /* tokens in the file (< hp.n_vocab) */
  uint64_t *token_offset;  /* n_tokens: offset of each token's bytes */
  uint32_t *token_len;
  int32_t n_tensors;
  struct ai_ggml_tensor *tensors;
  struct ai_alloc alloc;
};

/* Parses r, checking every count against the bytes that remain and every tensor's size against
 * its type and shape. Reads no tensor data. On success *out is filled (ai_ggml_whisper_free);
 * on failure it is empty. ANYINFER_E_FORMAT (bad magic, truncated or inconsistent file; the
 * message names the field and the offset), ANYINFER_E_UNSUPPORTED (a tensor type we lack),
 * ANYINFER_E_NOMEM. */
anyinfer_status ai_ggml_whisper_read(const struct ai_reader *r, const struct ai_alloc *alloc,
                                     struct ai_ggml_whisper *out, struct ai_error *err);
void ai_ggml_whisper_free(struct ai_ggml_whisper *w);

#endif
