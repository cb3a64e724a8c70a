/* The Whisper forward passes (Radford et al. 2022), as GGUF `general.architecture` "whisper":
 * the audio encoder (one 30 s window of log-mel frames -> n_audio_ctx states) and the text
 * decoder (tokens -> logits, self-attention over its own KV cache, cross-attention over the
 * encoder states). Keys and tensor names: docs/formats.md, "Whisper in GGUF". */
#ifndef AI_MODELS_WHISPER_H
#define AI_MODELS_WHISPER_H

#include "backend/backend.h"
#include "format/gguf.h"

struct ai_whisper_hparams {
  int32_t n_mel;       /* whisper.audio.mel_count: 80, or 128 (large-v3, turbo) */
  int32_t n_audio_ctx; /* whisper.encoder.context_length: encoder positions (1500 = 30 s) */
  int32_t n_embd;      /* whisper.embedding_length: d_model of encoder and decoder */
  int32_t n_enc_layer; /* whisper.encoder.block_count */
  int32_t n_enc_head;  /* whisper.encoder.attention.head_count */
  int32_t n_enc_ff;    /* whisper.encoder.feed_forward_length */
  int32_t n_text_ctx;  /* whisper.decoder.context_length: decoder positions (448) */
  int32_t n_dec_layer; /* whisper.decoder.block_count */
  int32_t n_dec_head;  /* whisper.decoder.attention.head_count */
  int32_t n_dec_ff;    /* whisper.decoder.feed_forward_length */
  int32_t n_vocab;     /* rows of dec.token_embd */
  float norm_eps;      /* whisper.attention.layer_norm_epsilon, default 1e-5 */
};

/* Weights, innermost dimension first. Matrices may be any matmul type; norms and biases F32. */
struct ai_whisper_layer {
  /* self-attention: norm [n_embd], q/k/v/o [n_embd, n_embd], biases [n_embd] (k has none) */
  const struct ai_gguf_tensor *attn_norm_w, *attn_norm_b, *wq, *bq, *wk, *wv, *bv, *wo, *bo;
  /* cross-attention (decoder only): the same shapes; K and V read the encoder states */
  const struct ai_gguf_tensor *cross_norm_w, *cross_norm_b, *cwq, *cbq, *cwk, *cwv, *cbv, *cwo,
      *cbo;
  /* feed-forward: norm [n_embd], up [n_embd, n_ff] + [n_ff], down [n_ff, n_embd] + [n_embd] */
  const struct ai_gguf_tensor *ffn_norm_w, *ffn_norm_b, *ffn_up, *ffn_up_b, *ffn_down, *ffn_down_b;
};

struct ai_whisper {
  struct ai_whisper_hparams hp;
  const struct ai_gguf_tensor *conv1_w, *conv1_b; /* [3, n_mel, n_embd], [n_embd] */
  const struct ai_gguf_tensor *conv2_w, *conv2_b; /* [3, n_embd, n_embd], [n_embd] */
  const struct ai_gguf_tensor *enc_pos;           /* [n_embd, n_audio_ctx] F32 (sinusoids) */
  const struct ai_gguf_tensor *enc_norm_w, *enc_norm_b;
  const struct ai_gguf_tensor *tok_embd; /* [n_embd, n_vocab]; also the output projection */
  const struct ai_gguf_tensor *dec_pos;  /* [n_embd, n_text_ctx] F32 (learned) */
  const struct ai_gguf_tensor *dec_norm_w, *dec_norm_b;
  const struct ai_gguf_tensor *mel_filters; /* [201, n_mel] F32, or NULL: computed (slaney) */
  struct ai_whisper_layer *enc, *dec;       /* n_enc_layer + n_dec_layer, one allocation */
  struct ai_alloc alloc;
};

/* Reads hyperparameters and finds every tensor by name, checking shape and type; names the
 * first missing or misshapen one. ANYINFER_E_UNSUPPORTED for another architecture. */
anyinfer_status ai_whisper_load(const struct ai_gguf *g, const struct ai_alloc *alloc,
                                struct ai_whisper *m, struct ai_error *err);
void ai_whisper_unload(struct ai_whisper *m);
/* Writes hp's whisper.* keys (not n_vocab, which is the token embedding's row count): the one
 * place the converter and the synthesizer name them. Returns the writer's status. */
anyinfer_status ai_whisper_set_hparams(struct ai_gguf_writer *w,
                                       const struct ai_whisper_hparams *hp);
/* The type a file of base type `base` stores tensor name (n_dims dims, rows of ne0) in: F32 for
 * vectors and position tables, F16 for the 3-tap convolutions (F32 in F32 files), Q8_0 for the
 * token embedding (the output projection) of quantized files; else base, falling back to F16
 * when ne0 is not a multiple of its block. */
enum ai_type ai_whisper_tensor_type(enum ai_type base, const char *name, uint32_t n_dims,
                                    int64_t ne0);

/* Activations, the cross-attention K/V of the current window and n_seq decoder KV caches
 * (beams), in backend buffers made once (no allocation per step). */
struct ai_whisper_state {
  struct ai_backend *backend;
  struct ai_buffer *weights, *acts, *kv;
  int32_t n_seq;        /* decoder sequences (beams) with their own self-attention cache */
  int32_t n_batch;      /* decoder tokens per forward call */
  int32_t n_logit_rows; /* logits rows: all_logits decodes take at most this many tokens */
  /* encoder */
  struct ai_tensor mel;                  /* [n_mel, 2 n_audio_ctx]: frames, mel bins innermost */
  struct ai_tensor conv_cols;            /* im2col scratch [3 max(n_mel, n_embd), 2 n_audio_ctx] */
  struct ai_tensor conv1;                /* [n_embd, 2 n_audio_ctx] */
  struct ai_tensor x, xn, q, k, v, attn; /* [n_embd, n_audio_ctx] (decoder uses n_batch cols) */
  struct ai_tensor ff;                   /* [max(n_enc_ff, n_dec_ff), n_audio_ctx] */
  struct ai_tensor logits;               /* [n_vocab, n_batch] */
  /* decoder */
  struct ai_tensor *cross_k, *cross_v; /* n_dec_layer each: [n_embd, n_audio_ctx] */
  struct ai_tensor *self_k, *self_v;   /* n_dec_layer * n_seq: [head_dim, n_text_ctx, n_head] */
  float *mel_host;                     /* host staging of one window's transposed mel */
  struct ai_alloc alloc;
};

/* weights_host: the file's data section in host memory; the backend wraps it. The backend must
 * have been created for at least: max_k = max(n_enc_ff, n_dec_ff, 3 n_embd), max_tok = 2
 * n_audio_ctx, max_ctx = max(n_audio_ctx, n_text_ctx) (ai_whisper_backend_limits). */
anyinfer_status ai_whisper_state_create(const struct ai_whisper *m, struct ai_backend *backend,
                                        const void *weights_host, size_t weights_bytes,
                                        int32_t n_seq, int32_t n_batch, int32_t n_logit_rows,
                                        struct ai_whisper_state *s, struct ai_error *err);
void ai_whisper_state_destroy(struct ai_whisper_state *s);
/* The CPU backend limits ai_whisper_state_create needs (max_head_dim: the encoder's heads take
 * the blocked attention path). */
void ai_whisper_backend_limits(const struct ai_whisper_hparams *hp, int64_t *max_k,
                               int64_t *max_tok, int32_t *max_ctx, int32_t *max_head_dim);

/* Encodes one window: mel is n_mel x 2 n_audio_ctx floats, row-major by mel bin (the layout of
 * audio/mel.h). Leaves the encoder states in s->x and the cross-attention K/V of every decoder
 * layer in s->cross_k/cross_v for the decoder calls that follow. */
void ai_whisper_encode(const struct ai_whisper *m, struct ai_whisper_state *s, const float *mel);

/* Runs n_tok (<= n_batch) tokens of sequence seq at positions pos0 ... (pos0 + n_tok <=
 * n_text_ctx) and writes the logits of the last token (all_logits false) or of every token
 * (n_tok x n_vocab, n_tok <= n_logit_rows) into logits. */
void ai_whisper_decode(const struct ai_whisper *m, struct ai_whisper_state *s, int32_t seq,
                       const int32_t *tokens, int32_t n_tok, int32_t pos0, bool all_logits,
                       float *logits);

/* Copies the first n_pos cache positions of sequence src into sequence dst (beam search). */
void ai_whisper_copy_seq(const struct ai_whisper *m, struct ai_whisper_state *s, int32_t dst,
                         int32_t src, int32_t n_pos);

#endif
