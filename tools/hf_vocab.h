/* Hugging Face tokenizer.json (+ tokenizer_config.json) -> the arrays of tokenizer.ggml.*, and
 * a vocab-only GGUF writer for them. Shared by `anyinfer convert-vocab` and the model converter.
 * Native only (jansson). */
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
  char *chat_template; /* NULL if none */
};

/* Reads dir/tokenizer.json and, if present, dir/tokenizer_config.json. arch may be NULL (then
 * "qwen2" for a Qwen2Tokenizer, else "llama"). On failure writes a message into err and returns
 * false; v is then empty. */
bool hf_vocab_load(const char *dir, const char *arch, struct hf_vocab *v, char *err,
                   size_t err_cap);
/* Writes v as a vocab-only GGUF (metadata only, no tensors) at path. */
bool hf_vocab_write_gguf(const struct hf_vocab *v, const char *path, char *err, size_t err_cap);
void hf_vocab_free(struct hf_vocab *v);

#endif
