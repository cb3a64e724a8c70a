/* Whisper (Radford et al. 2022, "Robust Speech Recognition via Large-Scale Weak Supervision",
 * fig. 1 and openai/whisper model.py): an encoder of two GELU convolutions over the log-mel
 * frames (the second halves the frame rate), sinusoidal positions and pre-LayerNorm transformer
 * blocks; a decoder of token + learned position embeddings and pre-LN blocks with causal
 * self-attention, cross-attention over the encoder states and a GELU MLP; logits through the
 * token embedding (tied). Queries and values carry biases, keys do not. */
#include "models/whisper.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- names (docs/formats.md, "Whisper in GGUF") --------------------------------------------- */

/* Per-layer tensors: name suffix, whether it is a matrix ([n_embd or n_ff, rows]) or a vector,
 * and its size (E: n_embd, F: n_ff). Decoder-only entries are the cross_attn ones. */
enum { SZ_E, SZ_F };
struct layer_tensor {
  const char *name;
  size_t slot; /* offsetof(struct ai_whisper_layer, ...) */
  bool is_matrix, is_cross, is_optional;
  int ne0, ne1; /* SZ_*; ne1 only for matrices */
};

#define SLOT(f) offsetof(struct ai_whisper_layer, f)
static const struct layer_tensor layer_tensors[] = {
    {"attn_norm.weight", SLOT(attn_norm_w), false, false, false, SZ_E, 0},
    {"attn_norm.bias", SLOT(attn_norm_b), false, false, false, SZ_E, 0},
    {"attn_q.weight", SLOT(wq), true, false, false, SZ_E, SZ_E},
    {"attn_q.bias", SLOT(bq), false, false, false, SZ_E, 0},
    {"attn_k.weight", SLOT(wk), true, false, false, SZ_E, SZ_E},
    {"attn_v.weight", SLOT(wv), true, false, false, SZ_E, SZ_E},
    {"attn_v.bias", SLOT(bv), false, false, false, SZ_E, 0},
    {"attn_output.weight", SLOT(wo), true, false, false, SZ_E, SZ_E},
    {"attn_output.bias", SLOT(bo), false, false, false, SZ_E, 0},
    {"cross_attn_norm.weight", SLOT(cross_norm_w), false, true, false, SZ_E, 0},
    {"cross_attn_norm.bias", SLOT(cross_norm_b), false, true, false, SZ_E, 0},
    {"cross_attn_q.weight", SLOT(cwq), true, true, false, SZ_E, SZ_E},
    {"cross_attn_q.bias", SLOT(cbq), false, true, false, SZ_E, 0},
    {"cross_attn_k.weight", SLOT(cwk), true, true, false, SZ_E, SZ_E},
    {"cross_attn_v.weight", SLOT(cwv), true, true, false, SZ_E, SZ_E},
    {"cross_attn_v.bias", SLOT(cbv), false, true, false, SZ_E, 0},
    {"cross_attn_output.weight", SLOT(cwo), true, true, false, SZ_E, SZ_E},
    {"cross_attn_output.bias", SLOT(cbo), false, true, false, SZ_E, 0},
    {"ffn_norm.weight", SLOT(ffn_norm_w), false, false, false, SZ_E, 0},
    {"ffn_norm.bias", SLOT(ffn_norm_b), false, false, false, SZ_E, 0},
    {"ffn_up.weight", SLOT(ffn_up), true, false, false, SZ_E, SZ_F},
    {"ffn_up.bias", SLOT(ffn_up_b), false, false, false, SZ_F, 0},
    {"ffn_down.weight", SLOT(ffn_down), true, false, false, SZ_F, SZ_E},
    {"ffn_down.bias", SLOT(ffn_down_b), false, false, false, SZ_E, 0},
};
#undef SLOT

/* ---- load ------------------------------------------------------------------------------ */

/* Finds name with the given dims and shape (ne2 1 for 2-D); vectors and positions must be F32. */
static anyinfer_status find(const struct ai_gguf *g, const char *name, uint32_t n_dims, int64_t ne0,
                            int64_t ne1, int64_t ne2, bool must_be_f32, bool is_optional,
                            const struct ai_gguf_tensor **out, struct ai_error *err) {
  const struct ai_gguf_tensor *t = ai_gguf_find_tensor(g, name);
  *out = NULL;
  if (!t)
    return is_optional
               ? ANYINFER_OK
               : ai_error_set(err, ANYINFER_E_FORMAT, "whisper: tensor '%s' is missing", name);
  if (t->n_dims != n_dims || t->ne[0] != ne0 || t->ne[1] != ne1 || t->ne[2] != ne2)
    return ai_error_set(err, ANYINFER_E_FORMAT,
                        "whisper: tensor '%s' has shape [%lld, %lld, %lld] (%u dims), expected "
                        "[%lld, %lld, %lld] (%u dims)",
                        name, (long long)t->ne[0], (long long)t->ne[1], (long long)t->ne[2],
                        t->n_dims, (long long)ne0, (long long)ne1, (long long)ne2, n_dims);
  if (must_be_f32 && t->type != AI_TYPE_F32)
    return ai_error_set(err, ANYINFER_E_UNSUPPORTED, "whisper: tensor '%s' is %s, must be F32",
                        name, ai_type_traits_get(t->type)->name);
  *out = t;
  return ANYINFER_OK;
}

static anyinfer_status get_u32(const struct ai_gguf *g, const char *key, int32_t *out,
                               struct ai_error *err) {
  uint32_t v;
  anyinfer_status st = ai_gguf_get_u32(g, key, &v, err);
  if (st == ANYINFER_E_NOT_FOUND)
    return ai_error_set(err, ANYINFER_E_FORMAT, "whisper: metadata key '%s' is missing", key);
  if (st) return st;
  if (v == 0 || v > (1u << 20))
    return ai_error_set(err, ANYINFER_E_FORMAT, "whisper: '%s' is %u, must be in [1, 2^20]", key,
                        v);
  *out = (int32_t)v;
  return ANYINFER_OK;
}

static anyinfer_status load_hparams(const struct ai_gguf *g, struct ai_whisper_hparams *hp,
                                    struct ai_error *err) {
  anyinfer_status st;
  *hp = (struct ai_whisper_hparams){.norm_eps = 1e-5f};
  if ((st = get_u32(g, "whisper.audio.mel_count", &hp->n_mel, err)) ||
      (st = get_u32(g, "whisper.embedding_length", &hp->n_embd, err)) ||
      (st = get_u32(g, "whisper.encoder.context_length", &hp->n_audio_ctx, err)) ||
      (st = get_u32(g, "whisper.encoder.block_count", &hp->n_enc_layer, err)) ||
      (st = get_u32(g, "whisper.encoder.attention.head_count", &hp->n_enc_head, err)) ||
      (st = get_u32(g, "whisper.encoder.feed_forward_length", &hp->n_enc_ff, err)) ||
      (st = get_u32(g, "whisper.decoder.context_length", &hp->n_text_ctx, err)) ||
      (st = get_u32(g, "whisper.decoder.block_count", &hp->n_dec_layer, err)) ||
      (st = get_u32(g, "whisper.decoder.attention.head_count", &hp->n_dec_head, err)) ||
      (st = get_u32(g, "whisper.decoder.feed_forward_length", &hp->n_dec_ff, err)))
    return st;
  st = ai_gguf_get_f32(g, "whisper.attention.layer_norm_epsilon", &hp->norm_eps, err);
  if (st && st != ANYINFER_E_NOT_FOUND) return st;
  if (hp->n_embd % hp->n_enc_head || hp->n_embd % hp->n_dec_head || !(hp->norm_eps > 0.0f) ||
      hp->n_mel > 512 || hp->n_audio_ctx > 1 << 16 || hp->n_text_ctx > 1 << 16)
    return ai_error_set(err, ANYINFER_E_FORMAT,
                        "whisper: n_embd %d, heads %d/%d (must divide it), eps %g (> 0), n_mel %d "
                        "(<= 512), contexts %d/%d (<= 65536)",
                        hp->n_embd, hp->n_enc_head, hp->n_dec_head, hp->norm_eps, hp->n_mel,
                        hp->n_audio_ctx, hp->n_text_ctx);
  return ANYINFER_OK;
}

static anyinfer_status load_layer(const struct ai_gguf *g, const char *prefix, int32_t il,
                                  bool is_decoder, const struct ai_whisper_hparams *hp,
                                  struct ai_whisper_layer *L, struct ai_error *err) {
  int64_t n_ff = is_decoder ? hp->n_dec_ff : hp->n_enc_ff;
  for (size_t i = 0; i < sizeof layer_tensors / sizeof *layer_tensors; i++) {
    const struct layer_tensor *lt = &layer_tensors[i];
    if (lt->is_cross && !is_decoder) continue;
    char name[96];
    snprintf(name, sizeof name, "%s.blk.%d.%s", prefix, il, lt->name);
    int64_t ne0 = lt->ne0 == SZ_E ? hp->n_embd : n_ff, ne1 = lt->ne1 == SZ_E ? hp->n_embd : n_ff;
    const struct ai_gguf_tensor **slot = (const struct ai_gguf_tensor **)((char *)L + lt->slot);
    anyinfer_status st = lt->is_matrix
                             ? find(g, name, 2, ne0, ne1, 1, false, false, slot, err)
                             : find(g, name, 1, ne0, 1, 1, true, lt->is_optional, slot, err);
    if (st) return st;
  }
  return ANYINFER_OK;
}

anyinfer_status ai_whisper_load(const struct ai_gguf *g, const struct ai_alloc *alloc,
                                struct ai_whisper *m, struct ai_error *err) {
  *m = (struct ai_whisper){.alloc = *alloc};
  struct ai_gguf_str arch;
  anyinfer_status st = ai_gguf_get_str(g, "general.architecture", &arch, err);
  if (st == ANYINFER_E_NOT_FOUND)
    return ai_error_set(err, ANYINFER_E_FORMAT, "whisper: general.architecture is missing");
  if (st) return st;
  if (strcmp(arch.data, "whisper") != 0)
    return ai_error_set(err, ANYINFER_E_UNSUPPORTED, "whisper: architecture is '%s'", arch.data);
  struct ai_whisper_hparams *hp = &m->hp;
  if ((st = load_hparams(g, hp, err))) return st;
  const struct ai_gguf_tensor *te = ai_gguf_find_tensor(g, "dec.token_embd.weight");
  if (!te || te->n_dims != 2 || te->ne[0] != hp->n_embd || te->ne[1] < 1 || te->ne[1] > INT32_MAX)
    return ai_error_set(err, ANYINFER_E_FORMAT,
                        "whisper: tensor 'dec.token_embd.weight' missing or not [%d, n_vocab]",
                        hp->n_embd);
  hp->n_vocab = (int32_t)te->ne[1];
  m->tok_embd = te;
  int64_t E = hp->n_embd;
  if ((st = find(g, "enc.conv1.weight", 3, 3, hp->n_mel, E, false, false, &m->conv1_w, err)) ||
      (st = find(g, "enc.conv1.bias", 1, E, 1, 1, true, false, &m->conv1_b, err)) ||
      (st = find(g, "enc.conv2.weight", 3, 3, E, E, false, false, &m->conv2_w, err)) ||
      (st = find(g, "enc.conv2.bias", 1, E, 1, 1, true, false, &m->conv2_b, err)) ||
      (st = find(g, "enc.position_embd.weight", 2, E, hp->n_audio_ctx, 1, true, false, &m->enc_pos,
                 err)) ||
      (st = find(g, "enc.output_norm.weight", 1, E, 1, 1, true, false, &m->enc_norm_w, err)) ||
      (st = find(g, "enc.output_norm.bias", 1, E, 1, 1, true, false, &m->enc_norm_b, err)) ||
      (st = find(g, "dec.position_embd.weight", 2, E, hp->n_text_ctx, 1, true, false, &m->dec_pos,
                 err)) ||
      (st = find(g, "dec.output_norm.weight", 1, E, 1, 1, true, false, &m->dec_norm_w, err)) ||
      (st = find(g, "dec.output_norm.bias", 1, E, 1, 1, true, false, &m->dec_norm_b, err)) ||
      (st = find(g, "mel_filters", 2, 201, hp->n_mel, 1, true, true, &m->mel_filters, err)))
    return st;
  m->enc = ai_calloc(alloc, (size_t)(hp->n_enc_layer + hp->n_dec_layer), sizeof *m->enc);
  if (!m->enc) return ai_error_set(err, ANYINFER_E_NOMEM, "whisper: out of memory");
  m->dec = m->enc + hp->n_enc_layer;
  for (int32_t il = 0; il < hp->n_enc_layer; il++)
    if ((st = load_layer(g, "enc", il, false, hp, &m->enc[il], err))) goto fail;
  for (int32_t il = 0; il < hp->n_dec_layer; il++)
    if ((st = load_layer(g, "dec", il, true, hp, &m->dec[il], err))) goto fail;
  return ANYINFER_OK;
fail:
  ai_whisper_unload(m);
  return st;
}

void ai_whisper_unload(struct ai_whisper *m) {
  ai_free(&m->alloc, m->enc);
  m->enc = m->dec = NULL;
}

anyinfer_status ai_whisper_set_hparams(struct ai_gguf_writer *w,
                                       const struct ai_whisper_hparams *hp) {
  const struct {
    const char *key;
    int32_t v;
  } keys[] = {
      {"whisper.audio.mel_count", hp->n_mel},
      {"whisper.embedding_length", hp->n_embd},
      {"whisper.encoder.context_length", hp->n_audio_ctx},
      {"whisper.encoder.block_count", hp->n_enc_layer},
      {"whisper.encoder.attention.head_count", hp->n_enc_head},
      {"whisper.encoder.feed_forward_length", hp->n_enc_ff},
      {"whisper.decoder.context_length", hp->n_text_ctx},
      {"whisper.decoder.block_count", hp->n_dec_layer},
      {"whisper.decoder.attention.head_count", hp->n_dec_head},
      {"whisper.decoder.feed_forward_length", hp->n_dec_ff},
  };
  anyinfer_status st = ANYINFER_OK;
  for (size_t i = 0; st == ANYINFER_OK && i < sizeof keys / sizeof *keys; i++)
    st = ai_gguf_set_u32(w, keys[i].key, (uint32_t)keys[i].v);
  if (st == ANYINFER_OK)
    st = ai_gguf_set_f32(w, "whisper.attention.layer_norm_epsilon", hp->norm_eps);
  return st;
}

enum ai_type ai_whisper_tensor_type(enum ai_type base, const char *name, uint32_t n_dims,
                                    int64_t ne0) {
  if (n_dims < 2 || strstr(name, "position_embd")) return AI_TYPE_F32;
  if (strstr(name, ".conv")) return base == AI_TYPE_F32 ? AI_TYPE_F32 : AI_TYPE_F16;
  const struct ai_type_traits *tr = ai_type_traits_get((int)base);
  if (!tr || !tr->is_quantized) return base;
  enum ai_type t = strcmp(name, "dec.token_embd.weight") == 0 ? AI_TYPE_Q8_0 : base;
  return ne0 % ai_type_traits_get((int)t)->block_size == 0 ? t : AI_TYPE_F16;
}

/* ---- state ----------------------------------------------------------------------------- */

static int64_t max64(int64_t a, int64_t b) {
  return a > b ? a : b;
}

void ai_whisper_backend_limits(const struct ai_whisper_hparams *hp, int64_t *max_k,
                               int64_t *max_tok, int32_t *max_ctx, int32_t *max_head_dim) {
  *max_head_dim = hp->n_embd / hp->n_enc_head;
  *max_k = max64(max64(hp->n_enc_ff, hp->n_dec_ff), 3 * max64(hp->n_embd, hp->n_mel));
  *max_tok = 2 * (int64_t)hp->n_audio_ctx;
  *max_ctx = (int32_t)max64(hp->n_audio_ctx, hp->n_text_ctx);
}

static struct ai_tensor weight_view(const struct ai_whisper_state *s,
                                    const struct ai_gguf_tensor *t) {
  return ai_tensor_make((enum ai_type)t->type, s->weights, (size_t)t->offset, (int)t->n_dims,
                        t->ne);
}

static anyinfer_status check_matmul(const struct ai_backend *backend,
                                    const struct ai_gguf_tensor *t, struct ai_error *err) {
  if (backend->ops->supports(backend->ctx, AI_OP_MATMUL, (enum ai_type)t->type)) return ANYINFER_OK;
  return ai_error_set(err, ANYINFER_E_UNSUPPORTED, "whisper: backend %s has no %s matmul for '%s'",
                      backend->ops->name, ai_type_traits_get(t->type)->name, t->name.data);
}

static anyinfer_status check_backend(const struct ai_whisper *m, const struct ai_backend *b,
                                     struct ai_error *err) {
  anyinfer_status st;
  const struct ai_gguf_tensor *top[] = {m->conv1_w, m->conv2_w, m->tok_embd};
  for (int i = 0; i < 3; i++)
    if ((st = check_matmul(b, top[i], err))) return st;
  int32_t n_layer = m->hp.n_enc_layer + m->hp.n_dec_layer;
  for (int32_t il = 0; il < n_layer; il++) {
    const struct ai_whisper_layer *L = &m->enc[il];
    const struct ai_gguf_tensor *mats[] = {L->wq,  L->wk,  L->wv,  L->wo,     L->cwq,
                                           L->cwk, L->cwv, L->cwo, L->ffn_up, L->ffn_down};
    for (int i = 0; i < 10; i++)
      if (mats[i] && (st = check_matmul(b, mats[i], err))) return st;
  }
  const enum ai_op ops[] = {AI_OP_LAYER_NORM, AI_OP_GELU,     AI_OP_CONV1D,
                            AI_OP_ATTENTION,  AI_OP_KV_STORE, AI_OP_ADD};
  for (int i = 0; i < 6; i++) {
    enum ai_type t = ops[i] == AI_OP_CONV1D ? (enum ai_type)m->conv1_w->type : AI_TYPE_F32;
    if (!b->ops->supports(b->ctx, ops[i], t))
      return ai_error_set(err, ANYINFER_E_UNSUPPORTED, "whisper: backend %s lacks op %d for %s",
                          b->ops->name, (int)ops[i], ai_type_traits_get(t)->name);
  }
  return ANYINFER_OK;
}

anyinfer_status ai_whisper_state_create(const struct ai_whisper *m, struct ai_backend *backend,
                                        const void *weights_host, size_t weights_bytes,
                                        int32_t n_seq, int32_t n_batch, int32_t n_logit_rows,
                                        struct ai_whisper_state *s, struct ai_error *err) {
  const struct ai_whisper_hparams *hp = &m->hp;
  *s = (struct ai_whisper_state){.backend = backend,
                                 .n_seq = n_seq,
                                 .n_batch = n_batch,
                                 .n_logit_rows = n_logit_rows,
                                 .alloc = m->alloc};
  anyinfer_status st;
  if (n_seq < 1 || n_seq > 64 || n_batch < 1 || n_batch > hp->n_text_ctx || n_logit_rows < 1 ||
      n_logit_rows > n_batch)
    return ai_error_set(err, ANYINFER_E_INVAL,
                        "whisper: %d sequences (1..64), batch %d (1..n_text_ctx %d), %d logit rows "
                        "(1..batch)",
                        n_seq, n_batch, hp->n_text_ctx, n_logit_rows);
  if ((st = check_backend(m, backend, err))) return st;
  const struct ai_backend_ops *ops = backend->ops;
  int64_t A = hp->n_audio_ctx, E = hp->n_embd, cols = max64(A, n_batch);
  int64_t n_ff = max64(hp->n_enc_ff, hp->n_dec_ff);
  /* [rows, columns] of each activation, back to back in one buffer (all F32). */
  struct ai_tensor *views[] = {&s->mel, &s->conv_cols, &s->conv1, &s->x,  &s->xn,    &s->q,
                               &s->k,   &s->v,         &s->attn,  &s->ff, &s->logits};
  const int64_t shape[][2] = {{hp->n_mel, 2 * A},
                              {3 * max64(hp->n_mel, E), 2 * A},
                              {E, 2 * A},
                              {E, cols},
                              {E, cols},
                              {E, cols},
                              {E, cols},
                              {E, cols},
                              {E, cols},
                              {n_ff, cols},
                              {hp->n_vocab, n_logit_rows}};
  enum { N_VIEWS = sizeof views / sizeof *views };
  size_t offsets[N_VIEWS], total = 0;
  for (int i = 0; i < N_VIEWS; i++) {
    offsets[i] = total;
    total += (size_t)shape[i][0] * (size_t)shape[i][1] * sizeof(float);
  }
  int32_t n_dec = hp->n_dec_layer, n_head = hp->n_dec_head;
  size_t cross_bytes = (size_t)E * (size_t)A * sizeof(float);
  size_t self_bytes = (size_t)E * (size_t)hp->n_text_ctx * sizeof(float);
  size_t kv_bytes = (2 * cross_bytes + 2 * self_bytes * (size_t)n_seq) * (size_t)n_dec;
  s->cross_k = ai_calloc(&m->alloc, 2 * (size_t)n_dec * (1 + (size_t)n_seq), sizeof *s->cross_k);
  s->mel_host = ai_malloc(&m->alloc, (size_t)hp->n_mel * (size_t)(2 * A) * sizeof(float));
  if (!s->cross_k || !s->mel_host) {
    st = ai_error_set(err, ANYINFER_E_NOMEM, "whisper: out of memory");
    goto fail;
  }
  s->cross_v = s->cross_k + n_dec;
  s->self_k = s->cross_v + n_dec;
  s->self_v = s->self_k + (size_t)n_dec * (size_t)n_seq;
  if ((st = ops->buffer_from_host(backend->ctx, weights_host, weights_bytes, &s->weights, err)) ||
      (st = ops->buffer_alloc(backend->ctx, total, &s->acts, err)) ||
      (st = ops->buffer_alloc(backend->ctx, kv_bytes, &s->kv, err)))
    goto fail;
  for (int i = 0; i < N_VIEWS; i++)
    *views[i] = ai_tensor_make(AI_TYPE_F32, s->acts, offsets[i], 2, shape[i]);
  size_t off = 0;
  for (int32_t il = 0; il < n_dec; il++) {
    s->cross_k[il] = ai_tensor_make(AI_TYPE_F32, s->kv, off, 2, (int64_t[]){E, A});
    s->cross_v[il] = ai_tensor_make(AI_TYPE_F32, s->kv, off + cross_bytes, 2, (int64_t[]){E, A});
    off += 2 * cross_bytes;
    for (int32_t q = 0; q < n_seq; q++) {
      int64_t ne[3] = {E / n_head, hp->n_text_ctx, n_head};
      size_t i = (size_t)il * (size_t)n_seq + (size_t)q;
      s->self_k[i] = ai_tensor_make(AI_TYPE_F32, s->kv, off, 3, ne);
      s->self_v[i] = ai_tensor_make(AI_TYPE_F32, s->kv, off + self_bytes, 3, ne);
      off += 2 * self_bytes;
    }
  }
  return ANYINFER_OK;
fail:
  ai_whisper_state_destroy(s);
  return st;
}

void ai_whisper_state_destroy(struct ai_whisper_state *s) {
  if (s->backend) {
    const struct ai_backend_ops *ops = s->backend->ops;
    ops->buffer_free(s->backend->ctx, s->kv);
    ops->buffer_free(s->backend->ctx, s->acts);
    ops->buffer_free(s->backend->ctx, s->weights);
  }
  ai_free(&s->alloc, s->cross_k);
  ai_free(&s->alloc, s->mel_host);
  *s = (struct ai_whisper_state){0};
}

/* ---- forward --------------------------------------------------------------------------- */

/* Columns [t0, t0 + n) of t. */
static struct ai_tensor cols(const struct ai_tensor *t, int64_t t0, int64_t n) {
  struct ai_tensor v = *t;
  v.ne[1] = n;
  v.offset += (size_t)t0 * t->nb[1];
  v.nb[2] = v.nb[3] = t->nb[1] * (size_t)n;
  return v;
}

/* A [n_head * head_dim, n] activation as queries [head_dim, n_head, n]. */
static struct ai_tensor as_queries(const struct ai_tensor *t, int64_t n_head) {
  struct ai_tensor v = *t;
  v.ne[0] = t->ne[0] / n_head;
  v.ne[1] = n_head;
  v.ne[2] = t->ne[1];
  v.nb[1] = (size_t)v.ne[0] * sizeof(float);
  v.nb[2] = t->nb[1];
  v.nb[3] = v.nb[2] * (size_t)t->ne[1];
  return v;
}

/* The same activation as keys or values [head_dim, n, n_head] (a strided view). */
static struct ai_tensor as_keys(const struct ai_tensor *t, int64_t n_head) {
  struct ai_tensor v = *t;
  v.ne[0] = t->ne[0] / n_head;
  v.ne[1] = t->ne[1];
  v.ne[2] = n_head;
  v.nb[1] = t->nb[1];
  v.nb[2] = (size_t)v.ne[0] * sizeof(float);
  v.nb[3] = t->nb[1] * (size_t)t->ne[1];
  return v;
}

/* x += W2 gelu(W1 LN(x) + b1) + b2 over the n columns of x (xn, ff: scratch). */
static void ffn_block(const struct ai_whisper *m, struct ai_whisper_state *s,
                      const struct ai_whisper_layer *L, struct ai_tensor *x, struct ai_tensor *xn,
                      int64_t n, bool is_decoder) {
  const struct ai_backend_ops *ops = s->backend->ops;
  void *b = s->backend->ctx;
  struct ai_tensor nw = weight_view(s, L->ffn_norm_w), nb = weight_view(s, L->ffn_norm_b);
  struct ai_tensor up = weight_view(s, L->ffn_up), up_b = weight_view(s, L->ffn_up_b);
  struct ai_tensor down = weight_view(s, L->ffn_down), down_b = weight_view(s, L->ffn_down_b);
  struct ai_tensor ff = s->ff;
  ff.ne[0] = is_decoder ? m->hp.n_dec_ff : m->hp.n_enc_ff;
  ff = cols(&ff, 0, n);
  ops->layer_norm(b, x, &nw, &nb, m->hp.norm_eps, xn);
  ops->matmul(b, &up, xn, &up_b, &ff);
  ops->gelu(b, &ff, &ff);
  ops->matmul(b, &down, &ff, &down_b, xn);
  ops->add(b, x, xn, x);
}

void ai_whisper_encode(const struct ai_whisper *m, struct ai_whisper_state *s, const float *mel) {
  const struct ai_whisper_hparams *hp = &m->hp;
  const struct ai_backend_ops *ops = s->backend->ops;
  void *b = s->backend->ctx;
  int64_t A = hp->n_audio_ctx, T = 2 * A, n_mel = hp->n_mel;
  /* The convolution reads frames with mel bins innermost: transpose [n_mel][T], upload. */
  for (int64_t f = 0; f < T; f++)
    for (int64_t c = 0; c < n_mel; c++) s->mel_host[f * n_mel + c] = mel[c * T + f];
  ops->write(b, s->mel.buffer, s->mel.offset, s->mel_host, (size_t)(n_mel * T) * sizeof(float));

  struct ai_tensor c1w = weight_view(s, m->conv1_w), c1b = weight_view(s, m->conv1_b);
  struct ai_tensor c2w = weight_view(s, m->conv2_w), c2b = weight_view(s, m->conv2_b);
  struct ai_tensor x = cols(&s->x, 0, A), xn = cols(&s->xn, 0, A);
  struct ai_conv1d_params p1 = {.stride = 1, .pad = 1}, p2 = {.stride = 2, .pad = 1};
  ops->conv1d(b, &c1w, &s->mel, &c1b, &p1, &s->conv_cols, &s->conv1);
  ops->gelu(b, &s->conv1, &s->conv1);
  ops->conv1d(b, &c2w, &s->conv1, &c2b, &p2, &s->conv_cols, &x);
  ops->gelu(b, &x, &x);
  struct ai_tensor pos = weight_view(s, m->enc_pos);
  ops->add(b, &x, &pos, &x);

  struct ai_tensor q = cols(&s->q, 0, A), k = cols(&s->k, 0, A), v = cols(&s->v, 0, A),
                   attn = cols(&s->attn, 0, A);
  int64_t n_head = hp->n_enc_head;
  struct ai_tensor qh = as_queries(&q, n_head), kh = as_keys(&k, n_head), vh = as_keys(&v, n_head),
                   ah = as_queries(&attn, n_head);
  struct ai_attention_params ap = {.scale = 1.0f / sqrtf((float)(hp->n_embd / n_head)),
                                   .is_causal = false};
  for (int32_t il = 0; il < hp->n_enc_layer; il++) {
    const struct ai_whisper_layer *L = &m->enc[il];
    struct ai_tensor nw = weight_view(s, L->attn_norm_w), nb = weight_view(s, L->attn_norm_b);
    struct ai_tensor wq = weight_view(s, L->wq), bq = weight_view(s, L->bq),
                     wk = weight_view(s, L->wk), wv = weight_view(s, L->wv),
                     bv = weight_view(s, L->bv), wo = weight_view(s, L->wo),
                     bo = weight_view(s, L->bo);
    ops->layer_norm(b, &x, &nw, &nb, hp->norm_eps, &xn);
    ops->matmul(b, &wq, &xn, &bq, &q);
    ops->matmul(b, &wk, &xn, NULL, &k);
    ops->matmul(b, &wv, &xn, &bv, &v);
    ops->attention(b, &qh, &kh, &vh, &ap, &ah);
    ops->matmul(b, &wo, &attn, &bo, &xn);
    ops->add(b, &x, &xn, &x);
    ffn_block(m, s, L, &x, &xn, A, false);
  }
  struct ai_tensor enw = weight_view(s, m->enc_norm_w), enb = weight_view(s, m->enc_norm_b);
  ops->layer_norm(b, &x, &enw, &enb, hp->norm_eps, &x);
  /* Cross-attention keys and values: once per window, for every decoder step. */
  for (int32_t il = 0; il < hp->n_dec_layer; il++) {
    const struct ai_whisper_layer *L = &m->dec[il];
    struct ai_tensor cwk = weight_view(s, L->cwk), cwv = weight_view(s, L->cwv),
                     cbv = weight_view(s, L->cbv);
    ops->matmul(b, &cwk, &x, NULL, &s->cross_k[il]);
    ops->matmul(b, &cwv, &x, &cbv, &s->cross_v[il]);
  }
}

void ai_whisper_decode(const struct ai_whisper *m, struct ai_whisper_state *s, int32_t seq,
                       const int32_t *tokens, int32_t n_tok, int32_t pos0, bool all_logits,
                       float *logits) {
  const struct ai_whisper_hparams *hp = &m->hp;
  const struct ai_backend_ops *ops = s->backend->ops;
  void *b = s->backend->ctx;
  int64_t n_head = hp->n_dec_head, head_dim = hp->n_embd / n_head;
  struct ai_tensor x = cols(&s->x, 0, n_tok), xn = cols(&s->xn, 0, n_tok);
  struct ai_tensor q = cols(&s->q, 0, n_tok), k = cols(&s->k, 0, n_tok), v = cols(&s->v, 0, n_tok),
                   attn = cols(&s->attn, 0, n_tok);
  struct ai_tensor qh = as_queries(&q, n_head), kh = as_queries(&k, n_head),
                   vh = as_queries(&v, n_head), ah = as_queries(&attn, n_head);
  struct ai_attention_params self_ap = {
      .n_past = pos0, .scale = 1.0f / sqrtf((float)head_dim), .is_causal = true};
  struct ai_attention_params cross_ap = {.scale = self_ap.scale, .is_causal = false};

  struct ai_tensor tok_embd = weight_view(s, m->tok_embd), dec_pos = weight_view(s, m->dec_pos);
  struct ai_tensor pos = cols(&dec_pos, pos0, n_tok);
  ops->get_rows(b, &tok_embd, tokens, n_tok, &x);
  ops->add(b, &x, &pos, &x);
  for (int32_t il = 0; il < hp->n_dec_layer; il++) {
    const struct ai_whisper_layer *L = &m->dec[il];
    size_t ci = (size_t)il * (size_t)s->n_seq + (size_t)seq;
    struct ai_tensor nw = weight_view(s, L->attn_norm_w), nb = weight_view(s, L->attn_norm_b);
    struct ai_tensor wq = weight_view(s, L->wq), bq = weight_view(s, L->bq),
                     wk = weight_view(s, L->wk), wv = weight_view(s, L->wv),
                     bv = weight_view(s, L->bv), wo = weight_view(s, L->wo),
                     bo = weight_view(s, L->bo);
    ops->layer_norm(b, &x, &nw, &nb, hp->norm_eps, &xn);
    ops->matmul(b, &wq, &xn, &bq, &q);
    ops->matmul(b, &wk, &xn, NULL, &k);
    ops->matmul(b, &wv, &xn, &bv, &v);
    ops->kv_store(b, &kh, &s->self_k[ci], pos0);
    ops->kv_store(b, &vh, &s->self_v[ci], pos0);
    ops->attention(b, &qh, &s->self_k[ci], &s->self_v[ci], &self_ap, &ah);
    ops->matmul(b, &wo, &attn, &bo, &xn);
    ops->add(b, &x, &xn, &x);

    struct ai_tensor cnw = weight_view(s, L->cross_norm_w), cnb = weight_view(s, L->cross_norm_b);
    struct ai_tensor cwq = weight_view(s, L->cwq), cbq = weight_view(s, L->cbq),
                     cwo = weight_view(s, L->cwo), cbo = weight_view(s, L->cbo);
    struct ai_tensor ck = as_keys(&s->cross_k[il], n_head), cv = as_keys(&s->cross_v[il], n_head);
    ops->layer_norm(b, &x, &cnw, &cnb, hp->norm_eps, &xn);
    ops->matmul(b, &cwq, &xn, &cbq, &q);
    ops->attention(b, &qh, &ck, &cv, &cross_ap, &ah);
    ops->matmul(b, &cwo, &attn, &cbo, &xn);
    ops->add(b, &x, &xn, &x);
    ffn_block(m, s, L, &x, &xn, n_tok, true);
  }
  struct ai_tensor dnw = weight_view(s, m->dec_norm_w), dnb = weight_view(s, m->dec_norm_b);
  int64_t first = all_logits ? 0 : n_tok - 1, n = n_tok - first;
  assert(n <= s->n_logit_rows);
  struct ai_tensor xs = cols(&s->x, first, n), xns = cols(&s->xn, first, n);
  struct ai_tensor out = cols(&s->logits, 0, n);
  ops->layer_norm(b, &xs, &dnw, &dnb, hp->norm_eps, &xns);
  ops->matmul(b, &tok_embd, &xns, NULL, &out);
  ops->read(b, out.buffer, out.offset, logits, (size_t)n * (size_t)hp->n_vocab * sizeof(float));
}

void ai_whisper_copy_seq(const struct ai_whisper *m, struct ai_whisper_state *s, int32_t dst,
                         int32_t src, int32_t n_pos) {
  if (dst == src || n_pos < 1) return;
  const struct ai_backend_ops *ops = s->backend->ops;
  for (int32_t il = 0; il < m->hp.n_dec_layer; il++) {
    size_t si = (size_t)il * (size_t)s->n_seq + (size_t)src,
           di = (size_t)il * (size_t)s->n_seq + (size_t)dst;
    /* The source cache [head_dim, n_ctx, n_head] seen as kv_store's [head_dim, n_head, n_pos]. */
    for (int kv = 0; kv < 2; kv++) {
      const struct ai_tensor *from = kv ? &s->self_v[si] : &s->self_k[si];
      struct ai_tensor view = *from;
      view.ne[1] = from->ne[2];
      view.ne[2] = n_pos;
      view.nb[1] = from->nb[2];
      view.nb[2] = from->nb[1];
      ops->kv_store(s->backend->ctx, &view, kv ? &s->self_v[di] : &s->self_k[di], 0);
    }
  }
}
