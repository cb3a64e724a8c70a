/* Reads a vocabulary description (struct ai_vocab_desc) out of a parsed GGUF file's
 * tokenizer.ggml.* keys, with llama.cpp's defaults for absent special ids. Building the
 * tokenizer from it is tokenizer.h's job. */
#ifndef AI_TEXT_VOCAB_GGUF_H
#define AI_TEXT_VOCAB_GGUF_H

#include "format/gguf.h"
#include "text/tokenizer.h"

/* Fills d from g. Every pointer in d borrows g's storage: valid until ai_gguf_free(g).
 * Checks: model and tokens present; scores/token_type/merges of the right element type;
 * scores and token_type as long as tokens; special ids inside the vocabulary.
 * Absent ids take llama.cpp's defaults (llama: bos 1, eos 2, unk 0; gpt2: bos 11, eos 11) when
 * they lie inside the vocabulary, else -1. add_* flags: has_* says whether the file set them.
 * ANYINFER_E_FORMAT (message names the key and the value), ANYINFER_E_UNSUPPORTED (more than
 * 2^31 tokens). */
anyinfer_status ai_vocab_desc_from_gguf(const struct ai_gguf *g, struct ai_vocab_desc *d,
                                        struct ai_error *err);

#endif
