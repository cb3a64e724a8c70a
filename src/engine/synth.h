/* Random-weight models with the exact tensor names, shapes, hyperparameters and vocabulary sizes
 * of real ones (synth_shapes.c: the table and the tensor list; synth_vocab.c: valid SPM and
 * byte-level BPE vocabularies; synth.c: the GGUF writer). anyinfer_synth is the public entry. */
#ifndef AI_ENGINE_SYNTH_H
#define AI_ENGINE_SYNTH_H

#include <stdbool.h>
#include <stdint.h>

#include "base/alloc.h"
#include "base/error.h"

enum ai_synth_vocab_kind { AI_SYNTH_SPM, AI_SYNTH_BPE };

/* One model the synthesizer can write. Keys and tensor names are llama.cpp's (convert_hf_to_gguf
 * and src/llama-model.cpp); numbers are from each model's Hugging Face config.json. */
struct ai_synth_spec {
  const char *name;         /* what anyinfer_synth accepts, e.g. "tinyllama-1.1b" */
  const char *general_name; /* general.name */
  const char *arch;         /* general.architecture: "llama" or "qwen2" */
  int32_t n_layer;          /* {arch}.block_count */
  int32_t n_embd;           /* {arch}.embedding_length */
  int32_t n_ff;             /* {arch}.feed_forward_length */
  int32_t n_head;           /* {arch}.attention.head_count */
  int32_t n_head_kv;        /* {arch}.attention.head_count_kv */
  int32_t n_vocab;          /* rows of token_embd.weight; {arch}.vocab_size */
  int32_t n_ctx;            /* {arch}.context_length */
  float rope_base;          /* {arch}.rope.freq_base */
  float rms_eps;            /* {arch}.attention.layer_norm_rms_epsilon */
  bool has_qkv_bias;        /* blk.N.attn_{q,k,v}.bias (Qwen2) */
  bool tied;                /* no output.weight: the output projection is token_embd.weight */
  /* Llama 3 rope scaling (rope_type "llama3"); factor 0 = none. llama.cpp stores it as the
   * rope_freqs.weight tensor of head_dim/2 factors. */
  float rope_factor, rope_low_freq, rope_high_freq;
  int32_t rope_orig_ctx;
  /* vocabulary */
  enum ai_synth_vocab_kind vocab;
  const char *pre;             /* tokenizer.ggml.pre (BPE), NULL for SPM */
  int32_t n_regular;           /* SPM: byte tokens + pieces; BPE: 256 byte tokens + merges */
  const char *const *specials; /* control tokens, NULL-terminated */
  bool specials_first;         /* specials take ids 0.. (SmolLM2, SPM); else after the regular */
  const char *reserved_fmt;    /* printf format of numbered reserved control tokens that fill
                                  the ids between the specials and the unused ones, or NULL */
  int32_t reserved_first;      /* number of the first generated reserved token */
  int32_t n_unused;            /* "[PADn]" filler ids at the end (type UNUSED) */
  int32_t bos, eos, pad;       /* token ids; -1 = absent */
  bool add_bos;                /* tokenizer.ggml.add_bos_token */
  const char *chat_template;   /* tokenizer.chat_template */
  /* whisper (arch "whisper"): n_layer, n_head, n_ff are the encoder's (and, with n_dec_layer,
   * the decoder's); n_ctx is the decoder's context; the reserved tokens are the timestamps
   * <|0.00|> ... <|30.00|>. 0 for other architectures. */
  int32_t n_mel, n_audio_ctx, n_dec_layer;
};

/* The spec named name, or NULL. */
const struct ai_synth_spec *ai_synth_find(const char *name);

/* What a tensor's values are. */
enum ai_synth_fill { AI_SYNTH_RANDOM, AI_SYNTH_ONES, AI_SYNTH_BIAS, AI_SYNTH_ROPE_FREQS };

struct ai_synth_tensor {
  char name[48];
  uint32_t n_dims; /* 1, 2, or 3 (Whisper's convolutions) */
  int64_t ne[3];   /* innermost first; unused dimensions are 1 */
  enum ai_synth_fill fill;
};

/* Tensors of spec in file order; i < ai_synth_tensor_count(spec). */
int32_t ai_synth_tensor_count(const struct ai_synth_spec *spec);
void ai_synth_tensor_get(const struct ai_synth_spec *spec, int32_t i, struct ai_synth_tensor *out);
/* llama.cpp's Llama 3 rope factors (convert_hf_to_gguf.py, LlamaModel.generate_extra_tensors):
 * out[head_dim/2]. */
void ai_synth_rope_freqs(const struct ai_synth_spec *spec, float *out);

/* A vocabulary: tokens in id order with their types (and SPM scores), BPE merges in rank order.
 * All strings live in one block owned by the struct. */
struct ai_synth_vocab {
  int32_t n_tokens;
  const char **tokens; /* n_tokens */
  float *scores;       /* n_tokens, SPM only (else NULL) */
  int32_t *types;      /* n_tokens: llama.cpp token types (1 normal, 2 unknown, 3 control,
                          5 unused, 6 byte) */
  int32_t n_merges;
  const char **merges; /* n_merges "left right" strings, BPE only */
  /* private */
  struct ai_alloc alloc;
  char *chars;
};

/* Builds spec's vocabulary. ANYINFER_E_NOMEM. Free with ai_synth_vocab_free. */
anyinfer_status ai_synth_vocab_build(const struct ai_alloc *a, const struct ai_synth_spec *spec,
                                     struct ai_synth_vocab *out, struct ai_error *err);
void ai_synth_vocab_free(struct ai_synth_vocab *v);

#endif
