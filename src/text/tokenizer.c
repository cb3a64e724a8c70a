/* Tokenizer setup (vocabulary tables, merge ranks, special-token list, llama.cpp's defaults) and
 * encoding: the special-token partition of llama_vocab::impl::tokenizer_st_partition, then SPM
 * (tokenizer_spm.c) or byte-level BPE (tokenizer_bpe.c) on each plain-text fragment. Pieces,
 * decoding and streaming are in tokenizer_decode.c. */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "text/tokenizer_impl.h"
#include "text/unicode.h"

static uint64_t hash_bytes(const char *s, size_t n) {
  uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a 64 */
  for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)s[i]) * 0x100000001b3ull;
  return h;
}

static uint64_t hash_u64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  return x;
}

int32_t ai_tok_lookup(const struct ai_tokenizer *t, const char *s, size_t n) {
  size_t i = (size_t)hash_bytes(s, n) & t->slot_mask;
  for (;;) {
    uint32_t v = t->slots[i];
    if (v == 0) return -1;
    int32_t id = (int32_t)(v - 1);
    if (t->tok_len[id] == n && memcmp(t->text + t->tok_off[id], s, n) == 0) return id;
    i = (i + 1) & t->slot_mask;
  }
}

static size_t table_size(size_t n) {
  size_t cap = 16;
  while (cap < n * 2) cap *= 2;
  return cap;
}

void ai_tok_heap_push(struct tok_heap *h, struct tok_bigram b) {
  assert(h->n < h->cap);
  size_t i = h->n++;
  while (i > 0) {
    size_t p = (i - 1) / 2;
    const struct tok_bigram *q = &h->v[p];
    if (q->key > b.key || (q->key == b.key && q->left < b.left)) break;
    h->v[i] = *q;
    i = p;
  }
  h->v[i] = b;
}

struct tok_bigram ai_tok_heap_pop(struct tok_heap *h) {
  struct tok_bigram top = h->v[0], last = h->v[--h->n];
  size_t i = 0;
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= h->n) break;
    if (c + 1 < h->n && (h->v[c + 1].key > h->v[c].key ||
                         (h->v[c + 1].key == h->v[c].key && h->v[c + 1].left < h->v[c].left)))
      c++;
    if (last.key > h->v[c].key || (last.key == h->v[c].key && last.left < h->v[c].left)) break;
    h->v[i] = h->v[c];
    i = c;
  }
  if (h->n) h->v[i] = last;
  return top;
}

/* ---- setup ------------------------------------------------------------------------------ */

static anyinfer_status resolve_pre(struct ai_tokenizer *t, const char *pre, struct ai_error *err) {
  /* llama.cpp llama_vocab::impl::load, the tokenizer_pre chain, for the families we implement */
  static const struct {
    const char *name;
    enum tok_pre pre;
  } names[] = {
      {"llama3", TOK_PRE_LLAMA3},    {"llama-v3", TOK_PRE_LLAMA3},
      {"llama-bpe", TOK_PRE_LLAMA3}, {"falcon3", TOK_PRE_LLAMA3},
      {"qwen2", TOK_PRE_QWEN2},      {"deepseek-r1-qwen", TOK_PRE_QWEN2},
      {"gpt-2", TOK_PRE_GPT2},       {"phi-2", TOK_PRE_GPT2},
      {"mpt", TOK_PRE_GPT2},         {"olmo", TOK_PRE_GPT2},
      {"smollm", TOK_PRE_SMOLLM},    {"starcoder", TOK_PRE_SMOLLM},
      {"refact", TOK_PRE_SMOLLM},    {"command-r", TOK_PRE_SMOLLM},
      {"codeshell", TOK_PRE_SMOLLM},
  };
  if (!pre || !*pre || strcmp(pre, "default") == 0) {
    return ai_error_set(err, ANYINFER_E_UNSUPPORTED,
                        "tokenizer: tokenizer.ggml.pre '%s': byte-level BPE needs a known "
                        "pre-tokenizer (llama-bpe, qwen2, gpt-2, smollm, ...)",
                        pre ? pre : "(absent)");
  }
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    if (strcmp(pre, names[i].name) == 0) {
      t->pre = names[i].pre;
      t->ignore_merges = names[i].pre == TOK_PRE_LLAMA3;
      return ANYINFER_OK;
    }
  }
  return ai_error_set(err, ANYINFER_E_UNSUPPORTED,
                      "tokenizer: tokenizer.ggml.pre '%s' is not a supported pre-tokenizer", pre);
}

static anyinfer_status copy_tokens(struct ai_tokenizer *t, const struct ai_vocab_desc *d,
                                   struct ai_error *err) {
  size_t total = 0;
  for (size_t i = 0; i < d->n_tokens; i++) {
    if (!d->tokens[i].data || d->tokens[i].len > UINT32_MAX ||
        !ai_add_size(total, (size_t)d->tokens[i].len + 1, &total))
      return ai_error_set(err, ANYINFER_E_FORMAT, "tokenizer: token %zu: bad text", i);
  }
  t->text = ai_malloc(&t->alloc, total ? total : 1);
  t->tok_off = ai_calloc(&t->alloc, d->n_tokens, sizeof *t->tok_off);
  t->tok_len = ai_calloc(&t->alloc, d->n_tokens, sizeof *t->tok_len);
  t->scores = ai_calloc(&t->alloc, d->n_tokens, sizeof *t->scores);
  t->types = ai_calloc(&t->alloc, d->n_tokens, sizeof *t->types);
  t->is_eog = ai_calloc(&t->alloc, d->n_tokens, sizeof *t->is_eog);
  t->slot_mask = table_size(d->n_tokens) - 1;
  t->slots = ai_calloc(&t->alloc, t->slot_mask + 1, sizeof *t->slots);
  if (!t->text || !t->tok_off || !t->tok_len || !t->scores || !t->types || !t->is_eog || !t->slots)
    return ai_error_set(err, ANYINFER_E_NOMEM, "tokenizer: out of memory for %zu tokens",
                        d->n_tokens);
  size_t off = 0;
  for (size_t i = 0; i < d->n_tokens; i++) {
    size_t n = (size_t)d->tokens[i].len;
    memcpy(t->text + off, d->tokens[i].data, n);
    t->text[off + n] = '\0';
    t->tok_off[i] = off;
    t->tok_len[i] = (uint32_t)n;
    t->scores[i] = d->scores ? d->scores[i] : 0.0f;
    int32_t type = d->token_types ? d->token_types[i] : AI_TOKEN_NORMAL;
    if (type < AI_TOKEN_NORMAL || type > AI_TOKEN_BYTE)
      return ai_error_set(err, ANYINFER_E_FORMAT,
                          "tokenizer: token %zu '%.40s': type %d, must be in [1, 6]", i,
                          t->text + off, (int)type);
    t->types[i] = (uint8_t)type;
    off += n + 1;
    /* first id wins for duplicate texts; llama.cpp's token_to_id map keeps the last, but
     * duplicates only occur among unused padding tokens */
    if (ai_tok_lookup(t, t->text + t->tok_off[i], n) >= 0) continue;
    size_t s = (size_t)hash_bytes(t->text + t->tok_off[i], n) & t->slot_mask;
    while (t->slots[s]) s = (s + 1) & t->slot_mask;
    t->slots[s] = (uint32_t)i + 1;
  }
  return ANYINFER_OK;
}

static anyinfer_status build_merges(struct ai_tokenizer *t, const struct ai_vocab_desc *d,
                                    struct ai_error *err) {
  t->merge_mask = table_size(d->n_merges) - 1;
  t->merge_keys = ai_malloc(&t->alloc, (t->merge_mask + 1) * sizeof *t->merge_keys);
  t->merge_rank = ai_calloc(&t->alloc, t->merge_mask + 1, sizeof *t->merge_rank);
  if (!t->merge_keys || !t->merge_rank)
    return ai_error_set(err, ANYINFER_E_NOMEM, "tokenizer: out of memory for %zu merges",
                        d->n_merges);
  memset(t->merge_keys, 0xff, (t->merge_mask + 1) * sizeof *t->merge_keys);
  for (size_t r = 0; r < d->n_merges; r++) {
    const char *m = d->merges[r].data;
    size_t n = (size_t)d->merges[r].len;
    /* llama.cpp splits at the first space after position 0 (a merge's left part may be " ") */
    const char *sp = n > 1 ? memchr(m + 1, ' ', n - 1) : NULL;
    if (!m || !sp)
      return ai_error_set(err, ANYINFER_E_FORMAT,
                          "tokenizer: merge %zu '%.40s': not of the form 'left right'", r,
                          m ? m : "");
    int32_t l = ai_tok_lookup(t, m, (size_t)(sp - m));
    int32_t rt = ai_tok_lookup(t, sp + 1, n - (size_t)(sp - m) - 1);
    /* merges are looked up by the ids of both sides, so a side that is no token never matches
     * (llama.cpp keys them by text; the two differ only for vocabularies missing merge parts) */
    if (l < 0 || rt < 0) continue;
    uint64_t key = (uint64_t)l << 32 | (uint32_t)rt;
    size_t s = (size_t)hash_u64(key) & t->merge_mask;
    while (t->merge_keys[s] != UINT64_MAX && t->merge_keys[s] != key) s = (s + 1) & t->merge_mask;
    if (t->merge_keys[s] == key) continue; /* first (lowest) rank wins */
    t->merge_keys[s] = key;
    t->merge_rank[s] = (int32_t)r;
  }
  return ANYINFER_OK;
}

/* Tokens llama.cpp treats as end of generation by their text (llama_vocab::impl::load). */
static const char *const eog_texts[] = {
    "<|eot_id|>",    "<|im_end|>", "<|end|>", "<|return|>", "<|call|>",        "<end_of_turn>",
    "<|endoftext|>", "<|eom_id|>", "<EOT>",   "_<EOT>",     "<|end_of_text|>", "<end_of_utterance>",
};

static anyinfer_status build_specials(struct ai_tokenizer *t, struct ai_error *err) {
  for (size_t k = 0; k < sizeof eog_texts / sizeof eog_texts[0]; k++) {
    int32_t id = ai_tok_lookup(t, eog_texts[k], strlen(eog_texts[k]));
    if (id < 0) continue;
    t->is_eog[id] = 1;
    /* llama.cpp forces such tokens to CONTROL ("control token ... is not marked as EOG") */
    t->types[id] = AI_TOKEN_CONTROL;
  }
  int32_t ids[3] = {t->eos, t->eot, t->eom};
  for (int k = 0; k < 3; k++)
    if (ids[k] >= 0) t->is_eog[ids[k]] = 1;

  size_t n = 0;
  for (size_t i = 0; i < t->n_tokens; i++) {
    uint8_t ty = t->types[i];
    n += (ty == AI_TOKEN_CONTROL || ty == AI_TOKEN_USER_DEFINED || ty == AI_TOKEN_UNKNOWN) &&
         t->tok_len[i] > 0;
  }
  t->n_special = n;
  if (n == 0) return ANYINFER_OK;
  t->special = ai_calloc(&t->alloc, n, sizeof *t->special);
  if (!t->special) return ai_error_set(err, ANYINFER_E_NOMEM, "tokenizer: out of memory");
  n = 0;
  for (size_t i = 0; i < t->n_tokens; i++) {
    uint8_t ty = t->types[i];
    if ((ty == AI_TOKEN_CONTROL || ty == AI_TOKEN_USER_DEFINED || ty == AI_TOKEN_UNKNOWN) &&
        t->tok_len[i] > 0) {
      /* insertion into the list sorted by length, longest first, ties by id (llama.cpp sorts
       * by length with std::sort, leaving ties unordered) */
      size_t j = n++;
      while (j > 0 && t->tok_len[t->special[j - 1]] < t->tok_len[i]) {
        t->special[j] = t->special[j - 1];
        j--;
      }
      t->special[j] = (int32_t)i;
    }
  }
  return ANYINFER_OK;
}

static anyinfer_status check_id(const struct ai_tokenizer *t, const char *name, int32_t id,
                                struct ai_error *err) {
  if (id < -1 || (id >= 0 && (size_t)id >= t->n_tokens))
    return ai_error_set(err, ANYINFER_E_FORMAT,
                        "tokenizer: %s token id %d, must be -1 or in [0, %zu)", name, (int)id,
                        t->n_tokens);
  return ANYINFER_OK;
}

anyinfer_status ai_tokenizer_create(const struct ai_alloc *a, const struct ai_vocab_desc *d,
                                    struct ai_tokenizer **out, struct ai_error *err) {
  *out = NULL;
  if (!d->model)
    return ai_error_set(err, ANYINFER_E_FORMAT, "tokenizer: tokenizer.ggml.model is absent");
  bool is_spm = strcmp(d->model, "llama") == 0, is_bpe = strcmp(d->model, "gpt2") == 0;
  if (!is_spm && !is_bpe)
    return ai_error_set(err, ANYINFER_E_UNSUPPORTED,
                        "tokenizer: tokenizer.ggml.model '%s', supported: llama, gpt2", d->model);
  if (d->n_tokens == 0 || d->n_tokens > INT32_MAX || !d->tokens)
    return ai_error_set(err, ANYINFER_E_FORMAT, "tokenizer: %zu tokens, must be in [1, 2^31)",
                        d->n_tokens);
  if (d->n_merges >= (1u << 24))
    return ai_error_set(err, ANYINFER_E_UNSUPPORTED, "tokenizer: %zu merges, at most 2^24",
                        d->n_merges);
  if (d->n_merges && !d->merges)
    return ai_error_set(err, ANYINFER_E_FORMAT, "tokenizer: %zu merges without texts", d->n_merges);
  struct ai_tokenizer *t = ai_calloc(a, 1, sizeof *t);
  if (!t) return ai_error_set(err, ANYINFER_E_NOMEM, "tokenizer: out of memory");
  t->alloc = *a;
  t->n_tokens = d->n_tokens;
  t->kind = is_spm ? TOK_SPM : TOK_BPE;
  t->pre = TOK_PRE_NONE;
  anyinfer_status st = ANYINFER_OK;
  if (is_bpe && (st = resolve_pre(t, d->pre, err)) != ANYINFER_OK) goto fail;
  if ((st = copy_tokens(t, d, err)) != ANYINFER_OK) goto fail;
  t->bos = d->bos, t->eos = d->eos, t->unk = d->unk, t->pad = d->pad, t->eot = d->eot;
  t->eom = d->eom;
  if ((st = check_id(t, "bos", t->bos, err)) || (st = check_id(t, "eos", t->eos, err)) ||
      (st = check_id(t, "unknown", t->unk, err)) || (st = check_id(t, "padding", t->pad, err)) ||
      (st = check_id(t, "eot", t->eot, err)) || (st = check_id(t, "eom", t->eom, err)))
    goto fail;
  if ((st = build_merges(t, d, err)) != ANYINFER_OK) goto fail;
  if ((st = build_specials(t, err)) != ANYINFER_OK) goto fail;
  /* defaults of llama_vocab::impl::load */
  t->add_bos = d->has_add_bos ? d->add_bos : (is_spm || t->pre == TOK_PRE_LLAMA3);
  t->add_eos = d->has_add_eos ? d->add_eos : false;
  t->add_space_prefix = d->has_add_space_prefix ? d->add_space_prefix : is_spm;
  for (int b = 0; b < 256; b++) {
    char name[8];
    snprintf(name, sizeof name, "<0x%02X>", b);
    t->byte_token[b] = ai_tok_lookup(t, name, 6);
    if (t->byte_token[b] < 0) {
      char raw = (char)b;
      t->byte_token[b] = ai_tok_lookup(t, &raw, 1);
    }
    uint8_t u[4];
    t->byte_utf8_len[b] = (uint8_t)ai_utf8_encode(ai_byte_to_ucp((uint8_t)b), u);
    t->byte_utf8[b][0] = u[0];
    t->byte_utf8[b][1] = u[1];
  }
  for (uint32_t c = 0; c < 0x144; c++) t->ucp_byte[c] = (int16_t)ai_ucp_to_byte(c);
  *out = t;
  return ANYINFER_OK;
fail:
  ai_tokenizer_free(t);
  return st;
}

void ai_tokenizer_free(struct ai_tokenizer *t) {
  if (!t) return;
  struct ai_alloc a = t->alloc;
  ai_free(&a, t->text);
  ai_free(&a, t->tok_off);
  ai_free(&a, t->tok_len);
  ai_free(&a, t->scores);
  ai_free(&a, t->types);
  ai_free(&a, t->is_eog);
  ai_free(&a, t->slots);
  ai_free(&a, t->merge_keys);
  ai_free(&a, t->merge_rank);
  ai_free(&a, t->special);
  ai_free(&a, t);
}

/* ---- encoding --------------------------------------------------------------------------- */

/* A fragment of the input: plain text [off, off+len) when id < 0, else a special token. */
struct frag {
  int32_t id;
  size_t off, len;
};

struct frag_list {
  struct frag *v;
  size_t n, cap;
};

static bool frag_push(const struct ai_alloc *a, struct frag_list *l, struct frag f) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 16, bytes;
    if (!ai_mul_size(cap, sizeof *l->v, &bytes)) return false;
    struct frag *v = ai_realloc(a, l->v, bytes);
    if (!v) return false;
    l->v = v;
    l->cap = cap;
  }
  l->v[l->n++] = f;
  return true;
}

static const char *find_bytes(const char *hay, size_t n, const char *needle, size_t m) {
  if (m > n) return NULL;
  const char *end = hay + (n - m) + 1;
  for (const char *p = hay; p < end;) {
    p = memchr(p, needle[0], (size_t)(end - p));
    if (!p) return NULL;
    if (memcmp(p, needle, m) == 0) return p;
    p++;
  }
  return NULL;
}

/* llama_vocab::impl::tokenizer_st_partition: for each special token, longest first, split every
 * plain fragment at each leftmost non-overlapping occurrence. (lstrip/rstrip attributes are not
 * stored in GGUF and are not applied.) */
static anyinfer_status partition(const struct ai_tokenizer *t, const char *text, size_t len,
                                 bool parse_special, struct frag_list *cur, struct ai_error *err) {
  struct frag_list next = {0};
  if (len && !frag_push(&t->alloc, cur, (struct frag){-1, 0, len})) goto nomem;
  for (size_t k = 0; k < t->n_special; k++) {
    int32_t id = t->special[k];
    uint8_t ty = t->types[id];
    if (!parse_special && (ty == AI_TOKEN_CONTROL || ty == AI_TOKEN_UNKNOWN)) continue;
    const char *s = t->text + t->tok_off[id];
    size_t m = t->tok_len[id];
    bool found = false;
    for (size_t i = 0; i < cur->n && !found; i++)
      found = cur->v[i].id < 0 && find_bytes(text + cur->v[i].off, cur->v[i].len, s, m);
    if (!found) continue;
    next.n = 0;
    for (size_t i = 0; i < cur->n; i++) {
      struct frag f = cur->v[i];
      if (f.id >= 0) {
        if (!frag_push(&t->alloc, &next, f)) goto nomem;
        continue;
      }
      const char *p;
      while ((p = find_bytes(text + f.off, f.len, s, m)) != NULL) {
        size_t at = (size_t)(p - text);
        if (at > f.off && !frag_push(&t->alloc, &next, (struct frag){-1, f.off, at - f.off}))
          goto nomem;
        if (!frag_push(&t->alloc, &next, (struct frag){id, at, m})) goto nomem;
        f.len -= at + m - f.off;
        f.off = at + m;
      }
      if (f.len && !frag_push(&t->alloc, &next, f)) goto nomem;
    }
    struct frag_list tmp = *cur;
    *cur = next;
    next = tmp;
  }
  ai_free(&t->alloc, next.v);
  return ANYINFER_OK;
nomem:
  ai_free(&t->alloc, next.v);
  return ai_error_set(err, ANYINFER_E_NOMEM, "tokenizer: out of memory splitting special tokens");
}

anyinfer_status ai_tokenizer_encode(const struct ai_tokenizer *t, const char *text, size_t len,
                                    bool add_special, bool parse_special, int32_t *out, size_t cap,
                                    size_t *n_out, struct ai_error *err) {
  struct tok_out o = {out, out ? cap : 0, 0};
  struct frag_list frags = {0};
  *n_out = 0;
  anyinfer_status st = partition(t, text, len, parse_special, &frags, err);
  if (st != ANYINFER_OK) goto done;
  /* llama_vocab::impl::tokenize: BOS first when add_special and the vocabulary adds it */
  if (add_special && t->add_bos && t->bos >= 0) tok_out_push(&o, t->bos);
  bool is_prev_special = true; /* SPM: a space prefix goes before text at the start or after a
                                  special token */
  for (size_t i = 0; i < frags.n; i++) {
    const struct frag *f = &frags.v[i];
    if (f->id >= 0) {
      tok_out_push(&o, f->id);
      is_prev_special = true;
      continue;
    }
    if (t->kind == TOK_SPM) {
      st = ai_tok_spm_fragment(t, text + f->off, f->len, t->add_space_prefix && is_prev_special, &o,
                               err);
    } else {
      st = ai_tok_bpe_fragment(t, text + f->off, f->len, &o, err);
    }
    if (st != ANYINFER_OK) goto done;
    is_prev_special = false;
  }
  if (add_special && t->add_eos && t->eos >= 0) tok_out_push(&o, t->eos);
  *n_out = o.n;
  if (o.n > o.cap)
    st = ai_error_set(err, ANYINFER_E_RANGE, "tokenizer: %zu tokens, buffer holds %zu", o.n, o.cap);
done:
  ai_free(&t->alloc, frags.v);
  return st;
}

bool ai_tokenizer_is_eog(const struct ai_tokenizer *t, int32_t id) {
  return id >= 0 && (size_t)id < t->n_tokens && t->is_eog[id];
}
int32_t ai_tokenizer_bos(const struct ai_tokenizer *t) {
  return t->bos;
}
int32_t ai_tokenizer_eos(const struct ai_tokenizer *t) {
  return t->eos;
}
size_t ai_tokenizer_n_vocab(const struct ai_tokenizer *t) {
  return t->n_tokens;
}
bool ai_tokenizer_add_bos(const struct ai_tokenizer *t) {
  return t->add_bos;
}
