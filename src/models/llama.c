/* Llama-family forward pass (Touvron et al. 2023): pre-norm transformer with RMSNorm, rotary
 * position embeddings, grouped-query attention and a SwiGLU feed-forward block. Qwen2 adds
 * biases to Q, K and V and rotates NeoX-style. Tensor and key names are llama.cpp's
 * (llama-arch.cpp), so GGUF files from its converter load unchanged. */
#include "models/llama.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* ---- names (llama.cpp LLM_TENSOR_* / LLM_KV_*) ------------------------------------------- */

static const char *const layer_names[] = {
    "attn_norm.weight",   "attn_q.weight",   "attn_k.weight", "attn_v.weight",
    "attn_output.weight", "attn_q.bias",     "attn_k.bias",   "attn_v.bias",
    "ffn_norm.weight",    "ffn_gate.weight", "ffn_up.weight", "ffn_down.weight",
};
enum { L_ATTN_NORM, L_WQ, L_WK, L_WV, L_WO, L_BQ, L_BK, L_BV, L_FFN_NORM, L_GATE, L_UP, L_DOWN };

/* ---- load ------------------------------------------------------------------------------ */

static anyinfer_status find_tensor(const struct ai_gguf *g, const char *name, int n_dims,
                                   int64_t ne0, int64_t ne1, bool is_optional,
                                   const struct ai_gguf_tensor **out, struct ai_error *err) {
  *out = ai_gguf_find_tensor(g, name);
  if (!*out)
    return is_optional
               ? ANYINFER_OK
               : ai_error_set(err, ANYINFER_E_FORMAT, "llama: tensor '%s' is missing", name);
  const struct ai_gguf_tensor *t = *out;
  int64_t want[4] = {ne0, n_dims > 1 ? ne1 : 1, 1, 1};
  if ((int)t->n_dims != n_dims || t->ne[0] != want[0] || t->ne[1] != want[1])
    return ai_error_set(
        err, ANYINFER_E_FORMAT,
        "llama: tensor '%s' has shape [%lld, %lld] (%u dims), expected [%lld, %lld]", name,
        (long long)t->ne[0], (long long)t->ne[1], t->n_dims, (long long)want[0],
        (long long)want[1]);
  return ANYINFER_OK;
}

/* Reads {arch}.<suffix> as a positive int32; keeps *out when absent and has_default. */
static anyinfer_status get_hparam(const struct ai_gguf *g, const char *arch, const char *suffix,
                                  bool has_default, int32_t *out, struct ai_error *err) {
  char key[128];
  snprintf(key, sizeof key, "%s.%s", arch, suffix);
  uint32_t v;
  anyinfer_status st = ai_gguf_get_u32(g, key, &v, err);
  if (st == ANYINFER_E_NOT_FOUND && has_default) return ANYINFER_OK;
  if (st == ANYINFER_E_NOT_FOUND)
    return ai_error_set(err, ANYINFER_E_FORMAT, "llama: metadata key '%s' is missing", key);
  if (st != ANYINFER_OK) return st;
  if (v == 0 || v > (1u << 24))
    return ai_error_set(err, ANYINFER_E_FORMAT, "llama: '%s' is %u, must be in [1, 2^24]", key, v);
  *out = (int32_t)v;
  return ANYINFER_OK;
}

static anyinfer_status get_float(const struct ai_gguf *g, const char *arch, const char *suffix,
                                 float *out, struct ai_error *err) {
  char key[128];
  snprintf(key, sizeof key, "%s.%s", arch, suffix);
  anyinfer_status st = ai_gguf_get_f32(g, key, out, err);
  return st == ANYINFER_E_NOT_FOUND ? ANYINFER_OK : st;
}

static anyinfer_status load_hparams(const struct ai_gguf *g, const char *arch,
                                    struct ai_llama_hparams *hp, struct ai_error *err) {
  anyinfer_status st;
  *hp = (struct ai_llama_hparams){
      .rms_eps = 1e-5f, .rope_freq_base = 10000.0f, .rope_freq_scale = 1.0f, .n_ctx_train = 2048};
  if ((st = get_hparam(g, arch, "context_length", true, &hp->n_ctx_train, err)) ||
      (st = get_hparam(g, arch, "embedding_length", false, &hp->n_embd, err)) ||
      (st = get_hparam(g, arch, "block_count", false, &hp->n_layer, err)) ||
      (st = get_hparam(g, arch, "feed_forward_length", false, &hp->n_ff, err)) ||
      (st = get_hparam(g, arch, "attention.head_count", false, &hp->n_head, err)))
    return st;
  hp->n_head_kv = hp->n_head;
  if ((st = get_hparam(g, arch, "attention.head_count_kv", true, &hp->n_head_kv, err))) return st;
  if (hp->n_embd % hp->n_head != 0 || hp->n_head % hp->n_head_kv != 0)
    return ai_error_set(err, ANYINFER_E_FORMAT,
                        "llama: n_embd %d, n_head %d, n_head_kv %d: heads must divide evenly",
                        hp->n_embd, hp->n_head, hp->n_head_kv);
  hp->head_dim = hp->n_embd / hp->n_head;
  if ((st = get_hparam(g, arch, "attention.key_length", true, &hp->head_dim, err))) return st;
  hp->n_rot = hp->head_dim;
  if ((st = get_hparam(g, arch, "rope.dimension_count", true, &hp->n_rot, err))) return st;
  if (hp->n_rot > hp->head_dim || hp->n_rot % 2 != 0 || hp->n_rot > 512)
    return ai_error_set(err, ANYINFER_E_FORMAT,
                        "llama: rope.dimension_count %d, must be even and <= head size %d (<= 512)",
                        hp->n_rot, hp->head_dim);
  if ((st = get_float(g, arch, "attention.layer_norm_rms_epsilon", &hp->rms_eps, err)) ||
      (st = get_float(g, arch, "rope.freq_base", &hp->rope_freq_base, err)))
    return st;
  char key[128];
  snprintf(key, sizeof key, "%s.rope.scaling.type", arch);
  struct ai_gguf_str scaling;
  if (ai_gguf_get_str(g, key, &scaling, NULL) == ANYINFER_OK &&
      strcmp(scaling.data, "linear") == 0) {
    float factor = 1.0f;
    if ((st = get_float(g, arch, "rope.scaling.factor", &factor, err))) return st;
    if (!(factor > 0.0f))
      return ai_error_set(err, ANYINFER_E_FORMAT, "llama: rope.scaling.factor %g must be > 0",
                          factor);
    hp->rope_freq_scale = 1.0f / factor;
  }
  if (!(hp->rms_eps > 0.0f) || !(hp->rope_freq_base > 0.0f))
    return ai_error_set(err, ANYINFER_E_FORMAT,
                        "llama: rms epsilon %g and rope base %g must be > 0", hp->rms_eps,
                        hp->rope_freq_base);
  hp->rope_is_neox = strcmp(arch, "qwen2") == 0;
  hp->has_qkv_bias = strcmp(arch, "qwen2") == 0;
  return ANYINFER_OK;
}

anyinfer_status ai_llama_load(const struct ai_gguf *g, const struct ai_alloc *alloc,
                              struct ai_llama *m, struct ai_error *err) {
  *m = (struct ai_llama){.alloc = *alloc};
  struct ai_gguf_str arch;
  anyinfer_status st = ai_gguf_get_str(g, "general.architecture", &arch, err);
  if (st == ANYINFER_E_NOT_FOUND)
    return ai_error_set(err, ANYINFER_E_FORMAT, "llama: general.architecture is missing");
  if (st) return st;
  if (strcmp(arch.data, "llama") != 0 && strcmp(arch.data, "qwen2") != 0)
    return ai_error_set(err, ANYINFER_E_UNSUPPORTED,
                        "model: architecture '%s' is not supported (llama, qwen2)", arch.data);
  struct ai_llama_hparams *hp = &m->hp;
  if ((st = load_hparams(g, arch.data, hp, err))) return st;

  const struct ai_gguf_tensor *te = ai_gguf_find_tensor(g, "token_embd.weight");
  if (!te || te->n_dims != 2 || te->ne[0] != hp->n_embd || te->ne[1] < 1 || te->ne[1] > INT32_MAX)
    return ai_error_set(err, ANYINFER_E_FORMAT,
                        "llama: tensor 'token_embd.weight' missing or not [%d, n_vocab]",
                        hp->n_embd);
  hp->n_vocab = (int32_t)te->ne[1];
  m->tok_embd = te;
  if ((st = find_tensor(g, "output_norm.weight", 1, hp->n_embd, 1, false, &m->output_norm, err)) ||
      (st = find_tensor(g, "output.weight", 2, hp->n_embd, hp->n_vocab, true, &m->output, err)) ||
      (st = find_tensor(g, "rope_freqs.weight", 1, hp->n_rot / 2, 1, true, &m->rope_freqs, err)))
    return st;
  if (!m->output) m->output = m->tok_embd; /* tied embeddings */
  if (m->rope_freqs && m->rope_freqs->type != AI_TYPE_F32)
    return ai_error_set(err, ANYINFER_E_FORMAT, "llama: rope_freqs.weight must be F32");
  hp->has_rope_freqs = m->rope_freqs != NULL;

  m->layers = ai_calloc(alloc, (size_t)hp->n_layer, sizeof *m->layers);
  if (!m->layers) return ai_error_set(err, ANYINFER_E_NOMEM, "llama: out of memory");
  int64_t q_dim = (int64_t)hp->head_dim * hp->n_head,
          kv_dim = (int64_t)hp->head_dim * hp->n_head_kv;
  /* Expected [ne0, ne1] of each layer tensor, in layer_names order. */
  const int64_t shape[][3] = {
      {1, hp->n_embd, 1},
      {2, hp->n_embd, q_dim},
      {2, hp->n_embd, kv_dim},
      {2, hp->n_embd, kv_dim},
      {2, q_dim, hp->n_embd},
      {1, q_dim, 1},
      {1, kv_dim, 1},
      {1, kv_dim, 1},
      {1, hp->n_embd, 1},
      {2, hp->n_embd, hp->n_ff},
      {2, hp->n_embd, hp->n_ff},
      {2, hp->n_ff, hp->n_embd},
  };
  for (int32_t il = 0; il < hp->n_layer; il++) {
    const struct ai_gguf_tensor **slots[] = {
        &m->layers[il].attn_norm, &m->layers[il].wq,     &m->layers[il].wk,   &m->layers[il].wv,
        &m->layers[il].wo,        &m->layers[il].bq,     &m->layers[il].bk,   &m->layers[il].bv,
        &m->layers[il].ffn_norm,  &m->layers[il].w_gate, &m->layers[il].w_up, &m->layers[il].w_down,
    };
    for (int i = 0; i < (int)(sizeof layer_names / sizeof *layer_names); i++) {
      bool is_bias = i == L_BQ || i == L_BK || i == L_BV;
      if (is_bias && !hp->has_qkv_bias) continue;
      char name[96];
      snprintf(name, sizeof name, "blk.%d.%s", il, layer_names[i]);
      st = find_tensor(g, name, (int)shape[i][0], shape[i][1], shape[i][2], false, slots[i], err);
      if (st) goto fail;
      if ((shape[i][0] == 1) && (*slots[i])->type != AI_TYPE_F32) {
        st = ai_error_set(err, ANYINFER_E_UNSUPPORTED, "llama: tensor '%s' is %s, must be F32",
                          name, ai_type_traits_get((*slots[i])->type)->name);
        goto fail;
      }
    }
  }
  if (m->output_norm->type != AI_TYPE_F32) {
    st = ai_error_set(err, ANYINFER_E_UNSUPPORTED, "llama: output_norm.weight must be F32");
    goto fail;
  }
  return ANYINFER_OK;
fail:
  ai_llama_unload(m);
  return st;
}

void ai_llama_unload(struct ai_llama *m) {
  ai_free(&m->alloc, m->layers);
  m->layers = NULL;
}

/* ---- state ----------------------------------------------------------------------------- */

/* Rows of logits computed per output matmul: bounds the logits buffer when every token's
 * logits are wanted (perplexity) without a full n_batch × n_vocab block. */
#define LOGIT_ROWS 8

static struct ai_tensor weight_view(const struct ai_llama_state *s,
                                    const struct ai_gguf_tensor *t) {
  return ai_tensor_make((enum ai_type)t->type, s->weights, (size_t)t->offset, (int)t->n_dims,
                        t->ne);
}

/* ANYINFER_E_UNSUPPORTED, naming the tensor, when backend has no matmul for t's type. */
static anyinfer_status check_matmul(const struct ai_backend *backend,
                                    const struct ai_gguf_tensor *t, struct ai_error *err) {
  if (backend->ops->supports(backend->ctx, AI_OP_MATMUL, (enum ai_type)t->type)) return ANYINFER_OK;
  return ai_error_set(err, ANYINFER_E_UNSUPPORTED, "llama: backend %s has no %s matmul for '%s'",
                      backend->ops->name, ai_type_traits_get(t->type)->name, t->name.data);
}

anyinfer_status ai_llama_state_create(const struct ai_llama *m, struct ai_backend *backend,
                                      const void *weights_host, size_t weights_bytes, int32_t n_ctx,
                                      int32_t n_batch, int32_t n_seq, struct ai_llama_state *s,
                                      struct ai_error *err) {
  const struct ai_llama_hparams *hp = &m->hp;
  *s = (struct ai_llama_state){.backend = backend,
                               .n_ctx = n_ctx,
                               .n_batch = n_batch,
                               .n_seq = n_seq,
                               .n_logits = LOGIT_ROWS,
                               .alloc = m->alloc};
  const struct ai_backend_ops *ops = backend->ops;
  int64_t q_dim = (int64_t)hp->head_dim * hp->n_head,
          kv_dim = (int64_t)hp->head_dim * hp->n_head_kv;
  int64_t nb = n_batch;
  /* Activation layout: one buffer, views back to back (all F32). */
  const int64_t rows[] = {hp->n_embd, hp->n_embd, q_dim, kv_dim, kv_dim, q_dim, hp->n_ff, hp->n_ff};
  struct ai_tensor *views[] = {&s->x, &s->xn, &s->q, &s->k, &s->v, &s->attn, &s->gate, &s->up};
  size_t offsets[9], total = 0;
  for (int i = 0; i < 8; i++) {
    offsets[i] = total;
    total += (size_t)rows[i] * (size_t)nb * sizeof(float);
  }
  offsets[8] = total;
  total += (size_t)hp->n_vocab * LOGIT_ROWS * sizeof(float);
  size_t kv_layer = (size_t)kv_dim * (size_t)n_ctx * sizeof(float);
  anyinfer_status st;
  /* Refuse before the first step, not in the middle of one (STYLE.md §4 `supports`). */
  if ((st = check_matmul(backend, m->tok_embd, err)) ||
      (st = check_matmul(backend, m->output, err)))
    return st;
  for (int32_t il = 0; il < hp->n_layer; il++) {
    const struct ai_llama_layer_info *L = &m->layers[il];
    const struct ai_gguf_tensor *mats[] = {L->wq,     L->wk,   L->wv,    L->wo,
                                           L->w_gate, L->w_up, L->w_down};
    for (int i = 0; i < 7; i++)
      if ((st = check_matmul(backend, mats[i], err))) return st;
  }
  size_t n_caches = (size_t)hp->n_layer * (size_t)n_seq;
  if (kv_layer != 0 && n_caches > SIZE_MAX / 2 / kv_layer)
    return ai_error_set(err, ANYINFER_E_NOMEM,
                        "llama: KV cache of %d slots x %d positions overflows", n_seq, n_ctx);
  s->k_cache = ai_calloc(&m->alloc, n_caches * 2, sizeof *s->k_cache);
  if (!s->k_cache) return ai_error_set(err, ANYINFER_E_NOMEM, "llama: out of memory");
  s->v_cache = s->k_cache + n_caches;
  if ((st = ops->buffer_from_host(backend->ctx, weights_host, weights_bytes, &s->weights, err)) ||
      (st = ops->buffer_alloc(backend->ctx, total, &s->acts, err)) ||
      (st = ops->buffer_alloc(backend->ctx, kv_layer * 2 * n_caches, &s->kv, err)))
    goto fail;
  for (int i = 0; i < 8; i++)
    *views[i] = ai_tensor_make(AI_TYPE_F32, s->acts, offsets[i], 2, (int64_t[]){rows[i], nb});
  s->logits =
      ai_tensor_make(AI_TYPE_F32, s->acts, offsets[8], 2, (int64_t[]){hp->n_vocab, LOGIT_ROWS});
  for (size_t i = 0; i < n_caches; i++) {
    int64_t ne[3] = {hp->head_dim, n_ctx, hp->n_head_kv};
    s->k_cache[i] = ai_tensor_make(AI_TYPE_F32, s->kv, kv_layer * 2 * i, 3, ne);
    s->v_cache[i] = ai_tensor_make(AI_TYPE_F32, s->kv, kv_layer * (2 * i + 1), 3, ne);
  }
  if (m->rope_freqs) s->rope_freqs = (float *)((const char *)weights_host + m->rope_freqs->offset);
  if (!s->acts->host) {
    /* A device backend: logits (and on_layer rows) are read back into host memory. */
    size_t n_out = (size_t)hp->n_vocab * LOGIT_ROWS, n_x = (size_t)hp->n_embd * (size_t)nb;
    s->host_out = ai_calloc(&m->alloc, n_out > n_x ? n_out : n_x, sizeof(float));
    if (!s->host_out) {
      st = ai_error_set(err, ANYINFER_E_NOMEM, "llama: out of memory");
      goto fail;
    }
  }
  return ANYINFER_OK;
fail:
  ai_llama_state_destroy(s);
  return st;
}

void ai_llama_state_destroy(struct ai_llama_state *s) {
  if (s->backend) {
    const struct ai_backend_ops *ops = s->backend->ops;
    ops->buffer_free(s->backend->ctx, s->kv);
    ops->buffer_free(s->backend->ctx, s->acts);
    ops->buffer_free(s->backend->ctx, s->weights);
  }
  ai_free(&s->alloc, s->k_cache);
  ai_free(&s->alloc, s->host_out);
  *s = (struct ai_llama_state){0};
}

/* ---- forward --------------------------------------------------------------------------- */

/* The first n columns of F32 view t in host memory: in place on the CPU, else read back. */
static const float *host_cols(struct ai_llama_state *s, const struct ai_tensor *t, int64_t n) {
  if (t->buffer->host) return (const float *)ai_tensor_row(t, 0, 0, 0);
  s->backend->ops->read(s->backend->ctx, t->buffer, t->offset, s->host_out, (size_t)n * t->nb[1]);
  return s->host_out;
}

/* The first n columns of a [rows, n_batch] activation. */
static struct ai_tensor cols(const struct ai_tensor *t, int64_t n) {
  struct ai_tensor v = *t;
  v.ne[1] = n;
  return v;
}

/* A [rows, n] activation seen as [head_dim, n_heads, n] for rope and attention. */
static struct ai_tensor heads(const struct ai_tensor *t, int64_t head_dim, int64_t n) {
  struct ai_tensor v = *t;
  v.ne[0] = head_dim;
  v.ne[1] = t->ne[0] / head_dim;
  v.ne[2] = n;
  v.nb[1] = (size_t)head_dim * sizeof(float);
  v.nb[2] = t->nb[1];
  v.nb[3] = v.nb[2] * (size_t)n;
  return v;
}

/* Columns [t0, t0 + n) of t. */
static struct ai_tensor col_range(const struct ai_tensor *t, int64_t t0, int64_t n) {
  struct ai_tensor v = cols(t, n);
  v.offset += (size_t)t0 * t->nb[1];
  return v;
}

/* Tokens [t0, t0 + n) of a [head_dim, n_heads, n_tok] view. */
static struct ai_tensor tok_range(const struct ai_tensor *h, int64_t t0, int64_t n) {
  struct ai_tensor v = *h;
  v.offset += (size_t)t0 * h->nb[2];
  v.ne[2] = n;
  v.nb[3] = v.nb[2] * (size_t)n;
  return v;
}

void ai_llama_forward(const struct ai_llama *m, struct ai_llama_state *s, const int32_t *tokens,
                      const struct ai_llama_seq *seqs, int32_t n_seqs, bool all_logits,
                      ai_logits_fn on_logits, void *user_data) {
  const struct ai_llama_hparams *hp = &m->hp;
  const struct ai_backend_ops *ops = s->backend->ops;
  void *b = s->backend->ctx;
  int32_t n_tok = 0;
  for (int32_t i = 0; i < n_seqs; i++) {
    assert(seqs[i].slot >= 0 && seqs[i].slot < s->n_seq && seqs[i].n_tok >= 1);
    assert(seqs[i].pos0 >= 0 && seqs[i].pos0 + seqs[i].n_tok <= s->n_ctx);
    n_tok += seqs[i].n_tok;
  }
  assert(n_seqs >= 1 && n_tok <= s->n_batch);
  struct ai_tensor x = cols(&s->x, n_tok), xn = cols(&s->xn, n_tok);
  struct ai_tensor q = cols(&s->q, n_tok), k = cols(&s->k, n_tok), v = cols(&s->v, n_tok);
  struct ai_tensor attn = cols(&s->attn, n_tok), gate = cols(&s->gate, n_tok),
                   up = cols(&s->up, n_tok);
  struct ai_tensor qh = heads(&q, hp->head_dim, n_tok), kh = heads(&k, hp->head_dim, n_tok),
                   vh = heads(&v, hp->head_dim, n_tok), ah = heads(&attn, hp->head_dim, n_tok);
  struct ai_rope_params rope = {.n_dims = hp->n_rot,
                                .is_neox = hp->rope_is_neox,
                                .freq_base = hp->rope_freq_base,
                                .freq_scale = hp->rope_freq_scale,
                                .freq_factors = s->rope_freqs};
  struct ai_attention_params ap = {.scale = 1.0f / sqrtf((float)hp->head_dim), .is_causal = true};

  struct ai_tensor tok_embd = weight_view(s, m->tok_embd);
  ops->get_rows(b, &tok_embd, tokens, n_tok, &x);
  for (int32_t il = 0; il < hp->n_layer; il++) {
    const struct ai_llama_layer_info *L = &m->layers[il];
    struct ai_tensor attn_norm = weight_view(s, L->attn_norm),
                     ffn_norm = weight_view(s, L->ffn_norm);
    struct ai_tensor wq = weight_view(s, L->wq), wk = weight_view(s, L->wk),
                     wv = weight_view(s, L->wv), wo = weight_view(s, L->wo);
    struct ai_tensor w_gate = weight_view(s, L->w_gate), w_up = weight_view(s, L->w_up),
                     w_down = weight_view(s, L->w_down);
    struct ai_tensor bq, bk, bv;
    if (hp->has_qkv_bias) {
      bq = weight_view(s, L->bq);
      bk = weight_view(s, L->bk);
      bv = weight_view(s, L->bv);
    }

    /* attention block: projections over the whole batch, then each sequence against its own
     * cache slot */
    ops->rms_norm(b, &x, &attn_norm, hp->rms_eps, &xn);
    ops->matmul(b, &wq, &xn, hp->has_qkv_bias ? &bq : NULL, &q);
    ops->matmul(b, &wk, &xn, hp->has_qkv_bias ? &bk : NULL, &k);
    ops->matmul(b, &wv, &xn, hp->has_qkv_bias ? &bv : NULL, &v);
    for (int32_t i = 0, t0 = 0; i < n_seqs; t0 += seqs[i].n_tok, i++) {
      const struct ai_tensor *k_cache = &s->k_cache[(size_t)seqs[i].slot * hp->n_layer + il],
                             *v_cache = &s->v_cache[(size_t)seqs[i].slot * hp->n_layer + il];
      struct ai_tensor qs = tok_range(&qh, t0, seqs[i].n_tok),
                       ks = tok_range(&kh, t0, seqs[i].n_tok),
                       vs = tok_range(&vh, t0, seqs[i].n_tok),
                       as = tok_range(&ah, t0, seqs[i].n_tok);
      rope.pos0 = seqs[i].pos0;
      ap.n_past = seqs[i].pos0;
      ops->rope(b, &qs, &rope);
      ops->rope(b, &ks, &rope);
      ops->kv_store(b, &ks, k_cache, seqs[i].pos0);
      ops->kv_store(b, &vs, v_cache, seqs[i].pos0);
      ops->attention(b, &qs, k_cache, v_cache, &ap, &as);
    }
    ops->matmul(b, &wo, &attn, NULL, &xn);
    ops->add(b, &x, &xn, &x);

    /* feed-forward block: SwiGLU (Shazeer 2020) */
    ops->rms_norm(b, &x, &ffn_norm, hp->rms_eps, &xn);
    ops->matmul(b, &w_gate, &xn, NULL, &gate);
    ops->matmul(b, &w_up, &xn, NULL, &up);
    ops->silu_mul(b, &gate, &up, &gate);
    ops->matmul(b, &w_down, &gate, NULL, &xn);
    ops->add(b, &x, &xn, &x);
    if (s->on_layer) {
      ai_backend_sync(s->backend);
      s->on_layer(il, host_cols(s, &x, n_tok), hp->n_embd, n_tok, s->on_layer_user_data);
    }
  }

  if (!on_logits) return;
  struct ai_tensor output_norm = weight_view(s, m->output_norm), output = weight_view(s, m->output);
  if (all_logits) {
    for (int64_t t0 = 0; t0 < n_tok; t0 += s->n_logits) {
      int64_t n = n_tok - t0 < s->n_logits ? n_tok - t0 : s->n_logits;
      struct ai_tensor xs = col_range(&s->x, t0, n), xns = col_range(&s->xn, t0, n);
      struct ai_tensor logits = cols(&s->logits, n);
      ops->rms_norm(b, &xs, &output_norm, hp->rms_eps, &xns);
      ops->matmul(b, &output, &xns, NULL, &logits);
      ai_backend_sync(s->backend);
      on_logits(host_cols(s, &logits, n), t0, n, user_data);
    }
    return;
  }
  /* Each sequence's last token, normed into consecutive columns of xn, n_logits at a time. */
  int32_t t_end = 0, i_seq = 0;
  for (int64_t r0 = 0; r0 < n_seqs; r0 += s->n_logits) {
    int64_t n = n_seqs - r0 < s->n_logits ? n_seqs - r0 : s->n_logits;
    for (int64_t r = 0; r < n; r++) {
      t_end += seqs[i_seq++].n_tok;
      struct ai_tensor xs = col_range(&s->x, t_end - 1, 1), xns = col_range(&s->xn, r, 1);
      ops->rms_norm(b, &xs, &output_norm, hp->rms_eps, &xns);
    }
    struct ai_tensor xns = cols(&s->xn, n), logits = cols(&s->logits, n);
    ops->matmul(b, &output, &xns, NULL, &logits);
    ai_backend_sync(s->backend);
    on_logits(host_cols(s, &logits, n), r0, n, user_data);
  }
}
