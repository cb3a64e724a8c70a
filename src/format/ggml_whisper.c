/* The whisper.cpp ggml-*.bin reader (layout: ggml_whisper.h). */
#include "format/ggml_whisper.h"

#include <string.h>

#include "tensor/types.h"

#define MAX_TOKEN_BYTES 1024 /* longest token text accepted (GPT-2's are < 128) */
#define MAX_TENSORS     4096

struct cur {
  const struct ai_reader *r;
  uint64_t at;
  struct ai_error *err;
};

static anyinfer_status get(struct cur *c, void *dst, size_t n, const char *what) {
  if (n > c->r->size || c->at > c->r->size - n)
    return ai_error_set(c->err, ANYINFER_E_FORMAT,
                        "ggml: %s at offset %llu: file ends at %llu bytes", what,
                        (unsigned long long)c->at, (unsigned long long)c->r->size);
  anyinfer_status st = ai_reader_read(c->r, c->at, dst, n, c->err);
  if (st == ANYINFER_OK) c->at += n;
  return st;
}

static anyinfer_status get_i32(struct cur *c, int32_t *v, const char *what) {
  uint8_t b[4];
  anyinfer_status st = get(c, b, 4, what);
  if (st == ANYINFER_OK)
    *v = (int32_t)((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
                   (uint32_t)b[3] << 24);
  return st;
}

static anyinfer_status skip(struct cur *c, uint64_t n, const char *what) {
  if (n > c->r->size - c->at)
    return ai_error_set(
        c->err, ANYINFER_E_FORMAT, "ggml: %s at offset %llu needs %llu bytes, %llu remain", what,
        (unsigned long long)c->at, (unsigned long long)n, (unsigned long long)(c->r->size - c->at));
  c->at += n;
  return ANYINFER_OK;
}

static anyinfer_status read_hparams(struct cur *c, struct ai_ggml_whisper_hparams *hp) {
  int32_t *f[] = {&hp->n_vocab,       &hp->n_audio_ctx, &hp->n_audio_state, &hp->n_audio_head,
                  &hp->n_audio_layer, &hp->n_text_ctx,  &hp->n_text_state,  &hp->n_text_head,
                  &hp->n_text_layer,  &hp->n_mels,      &hp->ftype};
  static const char *const names[] = {
      "n_vocab",      "n_audio_ctx", "n_audio_state", "n_audio_head", "n_audio_layer", "n_text_ctx",
      "n_text_state", "n_text_head", "n_text_layer",  "n_mels",       "ftype"};
  for (int i = 0; i < 11; i++) {
    anyinfer_status st = get_i32(c, f[i], names[i]);
    if (st) return st;
    int32_t max = i == 10 ? 1 << 20 : i == 0 ? 1 << 22 : 1 << 16;
    if (*f[i] < (i == 10 ? 0 : 1) || *f[i] > max)
      return ai_error_set(c->err, ANYINFER_E_FORMAT, "ggml: hparam %s is %d, must be in [%d, %d]",
                          names[i], *f[i], i == 10 ? 0 : 1, max);
  }
  if (hp->n_audio_state % hp->n_audio_head || hp->n_text_state % hp->n_text_head ||
      hp->n_audio_state != hp->n_text_state)
    return ai_error_set(c->err, ANYINFER_E_FORMAT,
                        "ggml: widths %d/%d must be equal and divide by the heads %d/%d",
                        hp->n_audio_state, hp->n_text_state, hp->n_audio_head, hp->n_text_head);
  return ANYINFER_OK;
}

static anyinfer_status read_tensor(struct cur *c, struct ai_ggml_tensor *t) {
  int32_t n_dims, name_len, type;
  anyinfer_status st;
  uint64_t start = c->at;
  if ((st = get_i32(c, &n_dims, "tensor n_dims")) ||
      (st = get_i32(c, &name_len, "tensor name length")) || (st = get_i32(c, &type, "tensor type")))
    return st;
  if (n_dims < 1 || n_dims > 3 || name_len < 1 || name_len >= (int32_t)sizeof t->name)
    return ai_error_set(c->err, ANYINFER_E_FORMAT,
                        "ggml: tensor at offset %llu: %d dims (1..3), name of %d bytes (1..%zu)",
                        (unsigned long long)start, n_dims, name_len, sizeof t->name - 1);
  const struct ai_type_traits *tr =
      type >= 0 && type < AI_TYPE_COUNT ? ai_type_traits_get(type) : NULL;
  if (!tr || !tr->name)
    return ai_error_set(c->err, ANYINFER_E_UNSUPPORTED,
                        "ggml: tensor at offset %llu has type %d, which we cannot read",
                        (unsigned long long)start, type);
  t->n_dims = n_dims, t->type = type;
  t->ne[0] = t->ne[1] = t->ne[2] = 1;
  uint64_t n_elem = 1;
  for (int d = 0; d < n_dims; d++) {
    int32_t ne;
    if ((st = get_i32(c, &ne, "tensor shape"))) return st;
    if (ne < 1 || ne > (1 << 24))
      return ai_error_set(c->err, ANYINFER_E_FORMAT,
                          "ggml: tensor at offset %llu: ne[%d] is %d, must be in [1, 2^24]",
                          (unsigned long long)start, d, ne);
    t->ne[d] = ne;
    n_elem *= (uint64_t)ne;
  }
  if ((st = get(c, t->name, (size_t)name_len, "tensor name"))) return st;
  t->name[name_len] = '\0';
  if (strlen(t->name) != (size_t)name_len)
    return ai_error_set(c->err, ANYINFER_E_FORMAT, "ggml: tensor name at offset %llu holds a NUL",
                        (unsigned long long)start);
  if (t->ne[0] % tr->block_size)
    return ai_error_set(
        c->err, ANYINFER_E_FORMAT,
        "ggml: tensor '%s': %lld elements per row, not a multiple of %s's block %lld", t->name,
        (long long)t->ne[0], tr->name, (long long)tr->block_size);
  t->bytes =
      n_elem / (uint64_t)tr->block_size * tr->block_bytes; /* n_elem < 2^72 is not possible: */
  t->offset = c->at;                                       /* 3 dims of <= 2^24 */
  return skip(c, t->bytes, t->name);
}

anyinfer_status ai_ggml_whisper_read(const struct ai_reader *r, const struct ai_alloc *alloc,
                                     struct ai_ggml_whisper *out, struct ai_error *err) {
  memset(out, 0, sizeof *out);
  out->alloc = alloc ? *alloc : ai_alloc_default();
  struct cur c = {r, 0, err};
  int32_t magic, n_mel, n_fft;
  anyinfer_status st;
  if ((st = get_i32(&c, &magic, "magic"))) return st;
  if ((uint32_t)magic != AI_GGML_MAGIC)
    return ai_error_set(err, ANYINFER_E_FORMAT, "ggml: magic is 0x%08x, expected 0x%08x ('ggml')",
                        (uint32_t)magic, AI_GGML_MAGIC);
  if ((st = read_hparams(&c, &out->hp)) || (st = get_i32(&c, &n_mel, "filters n_mel")) ||
      (st = get_i32(&c, &n_fft, "filters n_fft")))
    return st;
  if (n_mel != out->hp.n_mels || n_fft != 201)
    return ai_error_set(err, ANYINFER_E_FORMAT,
                        "ggml: mel filters are %d x %d, expected n_mels %d x 201", n_mel, n_fft,
                        out->hp.n_mels);
  out->filters_offset = c.at;
  int32_t n_tokens;
  if ((st = skip(&c, (uint64_t)n_mel * 201 * 4, "mel filters")) ||
      (st = get_i32(&c, &n_tokens, "token count")))
    return st;
  /* every token takes at least its 4-byte length */
  if (n_tokens < 1 || n_tokens >= out->hp.n_vocab || (uint64_t)n_tokens * 4 > r->size - c.at)
    return ai_error_set(err, ANYINFER_E_FORMAT,
                        "ggml: %d tokens: must be in [1, n_vocab %d) and fit the %llu bytes left",
                        n_tokens, out->hp.n_vocab, (unsigned long long)(r->size - c.at));
  out->n_tokens = n_tokens;
  out->token_offset = ai_calloc(&out->alloc, (size_t)n_tokens, sizeof *out->token_offset);
  out->token_len = ai_calloc(&out->alloc, (size_t)n_tokens, sizeof *out->token_len);
  out->tensors = ai_calloc(&out->alloc, 64, sizeof *out->tensors);
  int32_t cap = 64;
  if (!out->token_offset || !out->token_len || !out->tensors) {
    st = ai_error_set(err, ANYINFER_E_NOMEM, "ggml: out of memory for %d tokens", n_tokens);
    goto fail;
  }
  for (int32_t i = 0; i < n_tokens; i++) {
    int32_t len;
    if ((st = get_i32(&c, &len, "token length"))) goto fail;
    if (len < 0 || len > MAX_TOKEN_BYTES) {
      st = ai_error_set(err, ANYINFER_E_FORMAT, "ggml: token %d has %d bytes (0..%d)", i, len,
                        MAX_TOKEN_BYTES);
      goto fail;
    }
    out->token_offset[i] = c.at;
    out->token_len[i] = (uint32_t)len;
    if ((st = skip(&c, (uint64_t)len, "token text"))) goto fail;
  }
  while (c.at < r->size) {
    if (out->n_tensors == MAX_TENSORS) {
      st = ai_error_set(err, ANYINFER_E_FORMAT, "ggml: more than %d tensors", MAX_TENSORS);
      goto fail;
    }
    if (out->n_tensors == cap) {
      struct ai_ggml_tensor *grown =
          ai_realloc(&out->alloc, out->tensors, (size_t)cap * 2 * sizeof *grown);
      if (!grown) {
        st = ai_error_set(err, ANYINFER_E_NOMEM, "ggml: out of memory for tensors");
        goto fail;
      }
      out->tensors = grown, cap *= 2;
    }
    if ((st = read_tensor(&c, &out->tensors[out->n_tensors]))) goto fail;
    out->n_tensors++;
  }
  return ANYINFER_OK;
fail:
  ai_ggml_whisper_free(out);
  return st;
}

void ai_ggml_whisper_free(struct ai_ggml_whisper *w) {
  ai_free(&w->alloc, w->token_offset);
  ai_free(&w->alloc, w->token_len);
  ai_free(&w->alloc, w->tensors);
  struct ai_alloc a = w->alloc;
  memset(w, 0, sizeof *w);
  w->alloc = a;
}
