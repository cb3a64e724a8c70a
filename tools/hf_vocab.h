/* Hugging Face tokenizer.json (+ tokenizer_config.json, generation_config.json, config.json) ->
 * the arrays of tokenizer.ggml.*, and a vocab-only GGUF writer for them. Shared by
 * `anyinfer convert-vocab` and the model converter (`anyinfer convert`). Native only (jansson). */
#ifndef AI_TOOLS_HF_VOCAB_H
#define AI_TOOLS_HF_VOCAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hf_vocab {
  char *arch;        /* general.architecture: "llama", "qwen2", ... */
  const char *model; /* tokenizer.ggml.model: "llama" (SentencePiece BPE) or "gpt2" */
  char *pre;         /* tokenizer.ggml.pre */
  size_t n_tokens;
  char **tokens;  /* n_tokens NUL-terminated texts */
  float *scores;  /* n_tokens, "llama" only, else NULL */
  int32_t *types; /* n_tokens llama.cpp token types */
  size_t n_merges;
  char **merges;              /* "left right", "gpt2" only */
  int32_t bos, eos, unk, pad; /* -1 absent */
  bool add_bos, add_eos, has_add_bos, has_add_eos;
  bool add_space_prefix, has_add_space_prefix; /* "llama" only: Metaspace/Prepend normalizer */
  char *chat_template;                         /* NULL if none */
};

struct ai_gguf_writer;

/* Reads dir/tokenizer.json (model BPE, byte-level or SentencePiece-style, or Unigram) and, if
 * present, dir/tokenizer_config.json (special tokens, add_bos/add_eos, chat template). BOS/EOS ids
 * that tokenizer_config.json does not name come from generation_config.json, then config.json;
 * add_bos/add_eos it does not give come from tokenizer.json's TemplateProcessing post-processor
 * (as gguf-py's SpecialVocab). arch may be NULL (then "qwen2" for a Qwen2Tokenizer, else
 * "llama"). On failure writes a message into err and returns false; v is then empty. */
bool hf_vocab_load(const char *dir, const char *arch, struct hf_vocab *v, char *err,
                   size_t err_cap);
/* Pads v to n_tokens entries with "[PAD<i>]" tokens of type UNUSED (as convert_hf_to_gguf.py
 * does up to config.json's vocab_size). false if v already has more than n_tokens tokens. */
bool hf_vocab_pad(struct hf_vocab *v, size_t n_tokens, char *err, size_t err_cap);
/* Sets v's tokenizer.ggml.* and tokenizer.chat_template keys on w (not general.architecture). */
bool hf_vocab_set_gguf(const struct hf_vocab *v, struct ai_gguf_writer *w, char *err,
                       size_t err_cap);
/* Writes v as a vocab-only GGUF (metadata only, no tensors) at path. */
bool hf_vocab_write_gguf(const struct hf_vocab *v, const char *path, char *err, size_t err_cap);
void hf_vocab_free(struct hf_vocab *v);

#endif
