/* The Llama family forward pass: Llama 2/3/3.x, TinyLlama, SmolLM, Mistral (no sliding window)
 * and Qwen2 (QKV biases, NeoX rope), as GGUF `general.architecture` "llama" or "qwen2". */
#ifndef AI_MODELS_LLAMA_H
#define AI_MODELS_LLAMA_H

#include "backend/backend.h"
#include "format/gguf.h"

struct ai_llama_hparams {
  int32_t n_vocab;       /* rows of token_embd */
  int32_t n_ctx_train;   /* {arch}.context_length */
  int32_t n_embd;        /* {arch}.embedding_length */
  int32_t n_layer;       /* {arch}.block_count */
  int32_t n_head;        /* {arch}.attention.head_count */
  int32_t n_head_kv;     /* {arch}.attention.head_count_kv (GQA); = n_head when absent */
  int32_t head_dim;      /* {arch}.attention.key_length, or n_embd / n_head */
  int32_t n_ff;          /* {arch}.feed_forward_length */
  int32_t n_rot;         /* {arch}.rope.dimension_count, or head_dim */
  float rms_eps;         /* {arch}.attention.layer_norm_rms_epsilon */
  float rope_freq_base;  /* {arch}.rope.freq_base, default 10000 */
  float rope_freq_scale; /* 1 / {arch}.rope.scaling.factor for linear scaling, else 1 */
  bool rope_is_neox;     /* qwen2: rotate halves; llama: rotate pairs (convert permutes Q/K) */
  bool has_qkv_bias;     /* qwen2 */
  bool has_rope_freqs;   /* llama3 rope scaling as a rope_freqs.weight tensor [n_rot/2] */
};

/* One weight: where it is in the file. Shapes are checked at load. */
struct ai_llama_layer_info {
  const struct ai_gguf_tensor *attn_norm, *wq, *wk, *wv, *wo, *bq, *bk, *bv;
  const struct ai_gguf_tensor *ffn_norm, *w_gate, *w_up, *w_down;
};

struct ai_llama {
  struct ai_llama_hparams hp;
  const struct ai_gguf_tensor *tok_embd;    /* [n_embd, n_vocab] */
  const struct ai_gguf_tensor *output_norm; /* [n_embd] */
  const struct ai_gguf_tensor *output;      /* [n_embd, n_vocab]; token_embd when tied */
  const struct ai_gguf_tensor *rope_freqs;  /* [n_rot/2] or NULL */
  struct ai_llama_layer_info *layers;       /* n_layer, allocated with alloc */
  struct ai_alloc alloc;
};

/* Reads hyperparameters and finds every tensor by name, checking its shape; names the first
 * missing or misshapen tensor. ANYINFER_E_UNSUPPORTED for another architecture. */
anyinfer_status ai_llama_load(const struct ai_gguf *g, const struct ai_alloc *alloc,
                              struct ai_llama *m, struct ai_error *err);
void ai_llama_unload(struct ai_llama *m);

/* Everything a forward pass writes: activations for n_batch tokens and the KV caches of n_seq
 * sequence slots, in backend buffers made once at creation (no allocation per step). */
struct ai_llama_state {
  struct ai_backend *backend;
  struct ai_buffer *weights;        /* the file's data section on the backend */
  struct ai_buffer *acts;           /* activations */
  struct ai_buffer *kv;             /* K and V caches of every layer */
  int32_t n_ctx, n_batch, n_logits; /* n_logits: token rows of logits computed per matmul */
  int32_t n_seq;                    /* KV-cache slots, n_ctx positions each */
  struct ai_tensor x, xn, q, k, v, attn, gate, up, logits; /* [.., n_batch] views */
  /* n_seq * n_layer each, slot-major (slot * n_layer + il): [head_dim, n_ctx, n_head_kv] */
  struct ai_tensor *k_cache, *v_cache;
  float *rope_freqs; /* host copy of rope_freqs (F32) or NULL */
  float *host_out;   /* logits / on_layer rows read back from a device backend; NULL on the CPU */
  /* Debugging and parity tests: when set, receives the residual stream after each layer
   * ([n_embd, n_tok] F32, host memory, valid during the call), so a mismatch with a reference
   * implementation can be traced to the first layer that diverges. NULL in normal use. */
  void (*on_layer)(int32_t il, const float *x, int64_t n_embd, int64_t n_tok, void *user_data);
  void *on_layer_user_data;
  struct ai_alloc alloc;
};

/* weights_host: the file's data section in host memory (mapped or read); the backend wraps it. */
anyinfer_status ai_llama_state_create(const struct ai_llama *m, struct ai_backend *backend,
                                      const void *weights_host, size_t weights_bytes, int32_t n_ctx,
                                      int32_t n_batch, int32_t n_seq, struct ai_llama_state *s,
                                      struct ai_error *err);
void ai_llama_state_destroy(struct ai_llama_state *s);

/* Receives logits rows [r0, r0 + n) of the forward pass (n × n_vocab floats): with all_logits,
 * row r is token r of the batch; otherwise row r is the last token of sequence r. */
typedef void (*ai_logits_fn)(const float *logits, int64_t r0, int64_t n, void *user_data);

/* One sequence's share of a batch: n_tok consecutive tokens of the batch, for KV slot `slot`, at
 * positions pos0 .. pos0 + n_tok - 1 (pos0 + n_tok <= n_ctx). */
struct ai_llama_seq {
  int32_t slot;  /* in [0, n_seq); distinct within one batch */
  int32_t pos0;  /* tokens already in the slot's cache */
  int32_t n_tok; /* >= 1 */
};

/* Runs the tokens of n_seqs sequences (their n_tok summing to <= n_batch, in seqs order) in one
 * pass: every matmul over all tokens, rope/cache/attention per sequence against its own slot.
 * Logits of every token when all_logits is true, else of each sequence's last token, handed to
 * on_logits (may be NULL: none) in chunks. */
void ai_llama_forward(const struct ai_llama *m, struct ai_llama_state *s, const int32_t *tokens,
                      const struct ai_llama_seq *seqs, int32_t n_seqs, bool all_logits,
                      ai_logits_fn on_logits, void *user_data);

#endif
