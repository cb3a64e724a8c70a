/* Tokenizers with llama.cpp's behaviour (src/llama-vocab.cpp): SentencePiece-style BPE
 * ("llama": score-ordered bigram merges, byte fallback) and byte-level BPE ("gpt2": GPT-2 byte
 * map, pre-tokenizer per tokenizer.ggml.pre, merge ranks). Special/user-defined tokens are split
 * out of the text first. Also: token pieces, whole-sequence decoding, and a UTF-8-safe streaming
 * detokenizer. Reading the vocabulary out of a GGUF file is vocab_gguf.h's job.
 *
 * Threads: a tokenizer is read-only after ai_tokenizer_create; every call below may run
 * concurrently on one shared tokenizer. ai_tokenizer_encode allocates its scratch memory per
 * call through the tokenizer's allocator and frees it before returning. */
#ifndef AI_TEXT_TOKENIZER_H
#define AI_TEXT_TOKENIZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/alloc.h"
#include "base/error.h"
#include "format/gguf.h"

/* llama.cpp's llama_token_type values (tokenizer.ggml.token_type). */
enum ai_token_type {
  AI_TOKEN_NORMAL = 1,
  AI_TOKEN_UNKNOWN = 2,
  AI_TOKEN_CONTROL = 3,
  AI_TOKEN_USER_DEFINED = 4,
  AI_TOKEN_UNUSED = 5,
  AI_TOKEN_BYTE = 6,
};

/* A vocabulary as tokenizer.ggml.* describes it. All pointers are borrowed for the duration of
 * ai_tokenizer_create only (the tokenizer copies what it keeps). */
struct ai_vocab_desc {
  const char *model; /* tokenizer.ggml.model: "llama" (SPM) or "gpt2" (BPE) */
  const char *pre;   /* tokenizer.ggml.pre; NULL or "default" for the default */
  size_t n_tokens;
  const struct ai_gguf_str *tokens; /* n_tokens texts */
  const float *scores;              /* n_tokens, or NULL (all 0) */
  const int32_t *token_types;       /* n_tokens enum ai_token_type, or NULL (all normal) */
  size_t n_merges;
  const struct ai_gguf_str *merges;     /* "left right", rank = index; BPE only */
  int32_t bos, eos, unk, pad, eot, eom; /* -1 when absent */
  bool add_bos, add_eos, add_space_prefix;
  bool has_add_bos, has_add_eos, has_add_space_prefix; /* false: the model's default applies */
};

struct ai_tokenizer;

/* Builds a tokenizer from d (copied). Defaults where d says has_* false, as llama.cpp's
 * llama_vocab::load: SPM add_bos true, add_eos false, add_space_prefix true; BPE add_bos true
 * only for pre "llama3"/"llama-v3"/"llama-bpe", add_eos false, add_space_prefix false.
 * On success *out is owned by the caller (ai_tokenizer_free).
 * ANYINFER_E_UNSUPPORTED: unknown model or pre; ANYINFER_E_FORMAT: inconsistent vocabulary
 * (special id out of range, merge not "a b", missing tokens); ANYINFER_E_NOMEM. */
anyinfer_status ai_tokenizer_create(const struct ai_alloc *a, const struct ai_vocab_desc *d,
                                    struct ai_tokenizer **out, struct ai_error *err);
/* NULL is allowed. */
void ai_tokenizer_free(struct ai_tokenizer *t);

/* Encodes text[0..len) into ids (llama_vocab::tokenize). add_special adds BOS/EOS as the
 * vocabulary asks; parse_special also splits out control/unknown tokens written as text
 * (user-defined tokens are always split out, as llama.cpp does).
 * out: OUT, the first min(cap, needed) ids; n_out: OUT, the number of ids needed.
 * ANYINFER_E_RANGE if needed > cap; ANYINFER_E_NOMEM; ANYINFER_E_FORMAT if an SPM vocabulary
 * has neither the byte token nor an unknown token for a byte it must fall back to. */
anyinfer_status ai_tokenizer_encode(const struct ai_tokenizer *t, const char *text, size_t len,
                                    bool add_special, bool parse_special, int32_t *out, size_t cap,
                                    size_t *n_out, struct ai_error *err);

/* The bytes of token id as text, like llama.cpp's token_to_piece(special=true, lstrip=0):
 * control/unknown/user-defined tokens as their text, byte tokens as their byte, SPM "▁" as a
 * space, BPE text through the inverse GPT-2 byte map; unused tokens are empty.
 * buf: OUT, min(cap, *len) bytes, not NUL-terminated; len: OUT, bytes needed.
 * ANYINFER_E_RANGE if they do not fit; ANYINFER_E_INVAL for an id out of range. */
anyinfer_status ai_tokenizer_piece(const struct ai_tokenizer *t, int32_t id, char *buf, size_t cap,
                                   size_t *len);

/* Concatenated pieces of ids[0..n), with one leading space of the first piece removed when
 * add_space_prefix (llama.cpp detokenize with remove_special=false, unparse_special=true; its
 * BPE clean_spaces pass is not applied, so decode(encode(x)) == x).
 * buf/len as ai_tokenizer_piece. */
anyinfer_status ai_tokenizer_decode(const struct ai_tokenizer *t, const int32_t *ids, size_t n,
                                    char *buf, size_t cap, size_t *len);

/* End of generation: eos, eot, eom, or a token llama.cpp recognises as such by its text
 * ("<|eot_id|>", "<|im_end|>", "<|endoftext|>", ...). */
bool ai_tokenizer_is_eog(const struct ai_tokenizer *t, int32_t id);
int32_t ai_tokenizer_bos(const struct ai_tokenizer *t); /* -1 when absent */
int32_t ai_tokenizer_eos(const struct ai_tokenizer *t); /* -1 when absent */
size_t ai_tokenizer_n_vocab(const struct ai_tokenizer *t);
bool ai_tokenizer_add_bos(const struct ai_tokenizer *t);

/* Streaming detokenizer in caller storage (no allocation). Each push returns the bytes that now
 * end on a complete UTF-8 sequence; an incomplete trailing sequence (at most 3 bytes) is held
 * back until a later piece completes it. Bytes that cannot become valid UTF-8 (a stray
 * continuation byte, a lead byte followed by a non-continuation, 0xF8..0xFF) are passed
 * through raw as soon as that is known, so the concatenation of all output equals
 * ai_tokenizer_decode of the same ids byte for byte. */
struct ai_detok_stream {
  uint8_t pending[4];     /* held-back start of an incomplete sequence */
  uint8_t n_pending;      /* 0..3 */
  bool strip_first_space; /* remove one leading space of the next piece (then cleared) */
};

/* strip_leading_space: behave like ai_tokenizer_decode for a sequence that starts the text (one
 * leading space of the first piece removed when the vocabulary adds a space prefix). Pass false
 * when continuing text, e.g. tokens generated after a prompt. */
void ai_detok_stream_init(struct ai_detok_stream *s, const struct ai_tokenizer *t,
                          bool strip_leading_space);
/* Appends token id. buf: OUT, complete bytes; len: OUT, bytes produced (or needed).
 * ANYINFER_E_RANGE if they exceed cap (the stream is then unchanged; retry with a bigger buffer);
 * ANYINFER_E_INVAL for an id out of range. A buffer of ai_tokenizer_piece's length + 3 always
 * suffices. */
anyinfer_status ai_detok_stream_push(struct ai_detok_stream *s, const struct ai_tokenizer *t,
                                     int32_t id, char *buf, size_t cap, size_t *len);
/* Emits whatever is held back (an incomplete sequence, raw); buf needs at most 3 bytes.
 * ANYINFER_E_RANGE if cap is too small (stream unchanged). */
anyinfer_status ai_detok_stream_flush(struct ai_detok_stream *s, char *buf, size_t cap,
                                      size_t *len);

#endif
