/* tokenizer.ggml.* keys -> struct ai_vocab_desc (llama.cpp llama_vocab::impl::load, the part
 * that reads the file). */
#include <string.h>

#include "text/vocab_gguf.h"

/* An optional key: NOT_FOUND leaves the default and is not an error. */
static anyinfer_status optional(anyinfer_status st, struct ai_error *err) {
  if (st == ANYINFER_E_NOT_FOUND) {
    ai_error_clear(err);
    return ANYINFER_OK;
  }
  return st;
}

static anyinfer_status read_id(const struct ai_gguf *g, const char *key, size_t n_tokens,
                               int32_t fallback, int32_t *out, struct ai_error *err) {
  int64_t id = fallback < 0 || (size_t)fallback >= n_tokens ? -1 : fallback;
  uint32_t v;
  anyinfer_status st = ai_gguf_get_u32(g, key, &v, err);
  if (st == ANYINFER_OK) {
    /* llama.cpp stores "none" as a missing key; some converters write 0xFFFFFFFF */
    id = v == UINT32_MAX ? -1 : (int64_t)v;
    if (id >= (int64_t)n_tokens)
      return ai_error_set(err, ANYINFER_E_FORMAT, "vocab: %s is %lld, must be below %zu tokens",
                          key, (long long)id, n_tokens);
  } else if ((st = optional(st, err)) != ANYINFER_OK) {
    return st;
  }
  *out = (int32_t)id;
  return ANYINFER_OK;
}

static anyinfer_status read_flag(const struct ai_gguf *g, const char *key, bool *value, bool *has,
                                 struct ai_error *err) {
  anyinfer_status st = ai_gguf_get_bool(g, key, value, err);
  *has = st == ANYINFER_OK;
  return optional(st, err);
}

/* An optional array of elem type, as long as the vocabulary when n_tokens > 0. */
static anyinfer_status read_array(const struct ai_gguf *g, const char *key, enum ai_gguf_vtype elem,
                                  size_t n_tokens, const void **elems, uint64_t *count,
                                  struct ai_error *err) {
  const struct ai_gguf_value *v;
  anyinfer_status st = ai_gguf_get_arr(g, key, (int)elem, &v, err);
  if (st != ANYINFER_OK) return optional(st, err);
  if (n_tokens && v->v.arr.count != n_tokens)
    return ai_error_set(err, ANYINFER_E_FORMAT, "vocab: %s has %llu entries, tokens has %zu", key,
                        (unsigned long long)v->v.arr.count, n_tokens);
  *elems = v->v.arr.elems;
  *count = v->v.arr.count;
  return ANYINFER_OK;
}

anyinfer_status ai_vocab_desc_from_gguf(const struct ai_gguf *g, struct ai_vocab_desc *d,
                                        struct ai_error *err) {
  memset(d, 0, sizeof *d);
  d->bos = d->eos = d->unk = d->pad = d->eot = d->eom = -1;
  struct ai_gguf_str s;
  anyinfer_status st = ai_gguf_get_str(g, "tokenizer.ggml.model", &s, err);
  if (st == ANYINFER_E_NOT_FOUND)
    return ai_error_set(err, ANYINFER_E_FORMAT, "vocab: key tokenizer.ggml.model is absent");
  if (st != ANYINFER_OK) return st;
  d->model = s.data;
  st = ai_gguf_get_str(g, "tokenizer.ggml.pre", &s, err);
  if (st == ANYINFER_OK) d->pre = s.data;
  if ((st = optional(st, err)) != ANYINFER_OK) return st;

  const void *elems = NULL;
  uint64_t count = 0;
  st = read_array(g, "tokenizer.ggml.tokens", AI_GGUF_STRING, 0, &elems, &count, err);
  if (st != ANYINFER_OK) return st;
  if (!elems || count == 0)
    return ai_error_set(err, ANYINFER_E_FORMAT, "vocab: tokenizer.ggml.tokens is absent or empty");
  if (count > INT32_MAX)
    return ai_error_set(err, ANYINFER_E_UNSUPPORTED, "vocab: %llu tokens, at most %d",
                        (unsigned long long)count, INT32_MAX);
  d->tokens = elems;
  d->n_tokens = (size_t)count;

  elems = NULL;
  st = read_array(g, "tokenizer.ggml.scores", AI_GGUF_FLOAT32, d->n_tokens, &elems, &count, err);
  if (st != ANYINFER_OK) return st;
  d->scores = elems;
  elems = NULL;
  st = read_array(g, "tokenizer.ggml.token_type", AI_GGUF_INT32, d->n_tokens, &elems, &count, err);
  if (st != ANYINFER_OK) return st;
  d->token_types = elems;
  if (d->token_types) {
    for (size_t i = 0; i < d->n_tokens; i++)
      if (d->token_types[i] < 1 || d->token_types[i] > 6)
        return ai_error_set(err, ANYINFER_E_FORMAT,
                            "vocab: tokenizer.ggml.token_type[%zu] is %d, must be in [1, 6]", i,
                            (int)d->token_types[i]);
  }
  elems = NULL;
  count = 0;
  st = read_array(g, "tokenizer.ggml.merges", AI_GGUF_STRING, 0, &elems, &count, err);
  if (st != ANYINFER_OK) return st;
  if (count > SIZE_MAX / sizeof(struct ai_gguf_str))
    return ai_error_set(err, ANYINFER_E_FORMAT, "vocab: %llu merges", (unsigned long long)count);
  d->merges = elems;
  d->n_merges = (size_t)count;

  /* llama.cpp's defaults before the keys are read */
  bool is_spm = strcmp(d->model, "llama") == 0, is_bpe = strcmp(d->model, "gpt2") == 0;
  int32_t def_bos = is_spm ? 1 : is_bpe ? 11 : -1, def_eos = is_spm ? 2 : is_bpe ? 11 : -1;
  int32_t def_unk = is_spm ? 0 : -1;
  size_t n = d->n_tokens;
  if ((st = read_id(g, "tokenizer.ggml.bos_token_id", n, def_bos, &d->bos, err)) ||
      (st = read_id(g, "tokenizer.ggml.eos_token_id", n, def_eos, &d->eos, err)) ||
      (st = read_id(g, "tokenizer.ggml.unknown_token_id", n, def_unk, &d->unk, err)) ||
      (st = read_id(g, "tokenizer.ggml.padding_token_id", n, -1, &d->pad, err)) ||
      (st = read_id(g, "tokenizer.ggml.eot_token_id", n, -1, &d->eot, err)) ||
      (st = read_id(g, "tokenizer.ggml.eom_token_id", n, -1, &d->eom, err)))
    return st;
  if ((st = read_flag(g, "tokenizer.ggml.add_bos_token", &d->add_bos, &d->has_add_bos, err)) ||
      (st = read_flag(g, "tokenizer.ggml.add_eos_token", &d->add_eos, &d->has_add_eos, err)) ||
      (st = read_flag(g, "tokenizer.ggml.add_space_prefix", &d->add_space_prefix,
                      &d->has_add_space_prefix, err)))
    return st;
  return ANYINFER_OK;
}
