/* Whisper's special tokens (openai/whisper tokenizer.py), found by their text in the model's
 * vocabulary: <|endoftext|>, <|startoftranscript|>, the language tokens <|xx|> between it and
 * <|translate|>, the task tokens, <|startoflm|>, <|startofprev|>, <|nospeech|> (v3) or
 * <|nocaptions|> (v1/v2), <|notimestamps|> and the timestamps <|0.00|> ... <|30.00|> that end
 * the vocabulary. Multilingual, English-only (.en) and large-v3 layouts all resolve the same way.
 */
#ifndef AI_TEXT_WHISPER_VOCAB_H
#define AI_TEXT_WHISPER_VOCAB_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "format/gguf.h"

#define AI_WHISPER_MAX_LANG 128

struct ai_whisper_vocab {
  int32_t n_vocab;
  int32_t eot, sot, translate, transcribe, sot_lm, sot_prev, no_speech, no_timestamps;
  int32_t timestamp_begin; /* <|0.00|>; timestamp i (i * 0.02 s) is timestamp_begin + i */
  int32_t n_timestamps;    /* tokens from timestamp_begin to the end of the vocabulary */
  int32_t lang_begin;      /* first language token (<|en|>); -1 for an English-only model */
  int32_t n_lang;          /* 0 for an English-only model (51864 tokens) */
  char lang[AI_WHISPER_MAX_LANG][8]; /* codes in token order: "en", "zh", ... */
};

/* Finds the tokens in tokenizer.ggml.tokens of g. -1 for the optional ones a vocabulary lacks
 * (<|nospeech|>, <|startoflm|>); ANYINFER_E_UNSUPPORTED, naming the first, when one the decoder
 * needs (<|endoftext|>, <|startoftranscript|>, <|transcribe|>, <|notimestamps|>, <|0.00|>) is
 * missing. */
anyinfer_status ai_whisper_vocab_init(const struct ai_gguf *g, struct ai_whisper_vocab *v,
                                      struct ai_error *err);
/* The token of language code ("de"), or -1. */
int32_t ai_whisper_vocab_lang(const struct ai_whisper_vocab *v, const char *code);

/* Whisper's English name of a language code ("de" -> "german") and back; NULL if unknown. */
const char *ai_whisper_language_name(const char *code);
const char *ai_whisper_language_code(const char *name);
/* Code of Whisper's i-th language token ("en" for 0, "yue" for 99); "" out of range. */
const char *ai_whisper_language_code_at(int32_t i);

#endif
