/* Hugging Face tokenizer.json -> tokenizer.ggml.* arrays -> vocab-only GGUF, following
 * llama.cpp's convert_hf_to_gguf.py: byte-level BPE as _set_vocab_gpt2 (missing ids become
 * "[PAD<i>]" UNUSED, added tokens CONTROL when special or when they look special, else
 * USER_DEFINED), SentencePiece-style BPE with byte fallback as _set_vocab_llama_hf (<0xXX>
 * BYTE, special ids CONTROL, unk UNKNOWN). tokenizer.ggml.pre comes from the pre-tokenizer regex
 * (llama.cpp hashes a test encoding instead, which needs the reference tokenizer).
 * Deviation, on purpose: for SentencePiece-style vocabularies llama.cpp writes the scores of
 * tokenizer.model, or -1000 for all when only tokenizer.json exists; we derive each token's score
 * from the rank of the first merge that makes it (score = -rank), which makes llama.cpp's
 * score-ordered merging reproduce the BPE merge order of tokenizer.json. A Unigram model (what the
 * `tokenizers` library trains as SentencePiece-style Unigram) becomes a "llama" vocabulary with
 * the Unigram log-probabilities as scores, as convert_hf_to_gguf.py _set_vocab_sentencepiece
 * writes a Unigram tokenizer.model (llama.cpp's SPM tokenizer then merges by score, which can split
 * a rare word differently from Unigram's Viterbi search).
 * The one tools/ file besides the model converter that includes an internal header
 * (format/gguf.h), to write GGUF. */
#define _POSIX_C_SOURCE 200809L
#include "hf_vocab.h"
#include "convert_error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/error.h"
#include "format/gguf.h"

#ifdef AI_HAVE_JANSSON
#include <jansson.h>
#endif

void hf_vocab_free(struct hf_vocab *v) {
  for (size_t i = 0; v->tokens && i < v->n_tokens; i++) free(v->tokens[i]);
  for (size_t i = 0; v->merges && i < v->n_merges; i++) free(v->merges[i]);
  free(v->tokens);
  free(v->merges);
  free(v->scores);
  free(v->types);
  free(v->arch);
  free(v->pre);
  free(v->chat_template);
  memset(v, 0, sizeof *v);
}

#ifdef AI_HAVE_JANSSON

/* A tokenizer_config.json special token: "text" or {"content": "text"}. */
static const char *config_token(json_t *cfg, const char *key) {
  json_t *e = cfg ? json_object_get(cfg, key) : NULL;
  if (json_is_object(e)) e = json_object_get(e, "content");
  return json_is_string(e) ? json_string_value(e) : NULL;
}

static int32_t find_token(const struct hf_vocab *v, const char *text) {
  if (!text) return -1;
  for (size_t i = 0; i < v->n_tokens; i++)
    if (v->tokens[i] && strcmp(v->tokens[i], text) == 0) return (int32_t)i;
  return -1;
}

/* convert_hf_to_gguf.py does_token_look_special */
static bool looks_special(const char *s) {
  size_t n = strlen(s);
  if (!strcmp(s, "<pad>") || !strcmp(s, "<mask>") || !strcmp(s, "<2mass>") || !strcmp(s, "[@BOS@]"))
    return true;
  if (n >= 4 && !strncmp(s, "<|", 2) && !strcmp(s + n - 2, "|>")) return true;
  if (n >= 8 && !strncmp(s, "<\xEF\xBD\x9C", 4) && !strcmp(s + n - 4, "\xEF\xBD\x9C>")) return true;
  if (n >= 8 && !strncmp(s, "<unused", 7) && s[n - 1] == '>') return true;
  return false;
}

static bool is_byte_token(const char *s) {
  static const char hex[] = "0123456789ABCDEFabcdef";
  return strlen(s) == 6 && !strncmp(s, "<0x", 3) && s[5] == '>' && strchr(hex, s[3]) &&
         strchr(hex, s[4]);
}

/* Finds a pre-tokenizer (or normalizer) of the given type in pt (itself or inside a Sequence). */
static json_t *find_pretok(json_t *pt, const char *type) {
  const char *t = json_string_value(json_object_get(pt, "type"));
  if (t && !strcmp(t, type)) return pt;
  json_t *seq = json_object_get(pt, "pretokenizers");
  if (!seq) seq = json_object_get(pt, "normalizers");
  size_t i;
  json_t *e;
  json_array_foreach(seq, i, e) {
    json_t *f = find_pretok(e, type);
    if (f) return f;
  }
  return NULL;
}

static const char *detect_pre(json_t *tok) {
  json_t *pt = json_object_get(tok, "pre_tokenizer");
  json_t *split = find_pretok(pt, "Split");
  if (split) {
    const char *re = json_string_value(json_object_get(json_object_get(split, "pattern"), "Regex"));
    if (re && strstr(re, "\\p{N}{1,3}")) return "llama-bpe";
    if (re && strstr(re, "[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}|")) return "qwen2";
    return NULL;
  }
  json_t *bl = find_pretok(pt, "ByteLevel");
  if (!bl) return NULL;
  json_t *digits = find_pretok(pt, "Digits");
  if (digits && json_is_true(json_object_get(digits, "individual_digits"))) return "smollm";
  return "gpt-2";
}

static bool is_spm_style(json_t *tok) {
  json_t *model = json_object_get(tok, "model");
  const char *type = json_string_value(json_object_get(model, "type"));
  if (type && !strcmp(type, "Unigram")) return true;
  if (json_is_true(json_object_get(model, "byte_fallback"))) return true;
  return find_pretok(json_object_get(tok, "pre_tokenizer"), "Metaspace") != NULL;
}

static char *merge_text(json_t *m) {
  if (json_is_string(m)) return strdup(json_string_value(m));
  if (json_is_array(m) && json_array_size(m) == 2 && json_is_string(json_array_get(m, 0)) &&
      json_is_string(json_array_get(m, 1))) {
    const char *a = json_string_value(json_array_get(m, 0));
    const char *b = json_string_value(json_array_get(m, 1));
    size_t n = strlen(a) + strlen(b) + 2;
    char *s = malloc(n);
    if (s) snprintf(s, n, "%s %s", a, b);
    return s;
  }
  return NULL;
}

/* score = -rank of the first merge producing the token (see the file comment). */
static bool spm_scores(struct hf_vocab *v, json_t *merges, json_t *vocab, char *err, size_t cap) {
  size_t n_m = json_array_size(merges);
  for (size_t i = 0; i < v->n_tokens; i++) v->scores[i] = -(float)(n_m + i);
  for (size_t r = n_m; r-- > 0;) {
    char *m = merge_text(json_array_get(merges, r));
    if (!m) return convert_fail(err, cap, "tokenizer.json: model.merges[%zu] is not a merge", r);
    char *sp = strchr(m + 1, ' ');
    if (sp) memmove(sp, sp + 1, strlen(sp + 1) + 1); /* "a b" -> "ab" */
    json_t *id = json_object_get(vocab, m);
    free(m);
    if (json_is_integer(id) && json_integer_value(id) >= 0 &&
        (size_t)json_integer_value(id) < v->n_tokens)
      v->scores[json_integer_value(id)] = -(float)r;
  }
  for (size_t i = 0; i < v->n_tokens; i++)
    if (v->types[i] != 1) v->scores[i] = 0.0f;
  return true;
}

/* model.vocab of a Unigram model: [["piece", log_prob], ...], id = index. */
static bool unigram_vocab(struct hf_vocab *v, json_t *model, char *err, size_t cap) {
  json_t *vocab = json_object_get(model, "vocab");
  size_t n = json_array_size(vocab);
  if (!json_is_array(vocab) || n > v->n_tokens)
    return convert_fail(err, cap, "tokenizer.json: Unigram model.vocab is not an array");
  for (size_t i = 0; i < n; i++) {
    json_t *e = json_array_get(vocab, i);
    json_t *piece = json_array_get(e, 0), *score = json_array_get(e, 1);
    if (json_array_size(e) != 2 || !json_is_string(piece) || !json_is_number(score))
      return convert_fail(err, cap, "tokenizer.json: model.vocab[%zu] is not [\"piece\", score]",
                          i);
    if (!(v->tokens[i] = strdup(json_string_value(piece))))
      return convert_fail(err, cap, "out of memory");
    v->scores[i] = (float)json_number_value(score);
    v->types[i] = is_byte_token(v->tokens[i]) ? 6 : 1;
  }
  json_t *unk = json_object_get(model, "unk_id");
  if (json_is_integer(unk) && json_integer_value(unk) >= 0 && (size_t)json_integer_value(unk) < n)
    v->types[json_integer_value(unk)] = 2;
  for (size_t i = n; i < v->n_tokens; i++) v->scores[i] = -1000.0f; /* added beyond the vocab */
  return true;
}

/* Largest id + 1 over a Unigram vocab array or a BPE vocab object, and the added tokens. */
static bool count_tokens(json_t *vocab, json_t *added, size_t *n, char *err, size_t cap) {
  const char *key;
  json_t *val;
  size_t i;
  json_int_t max_id = json_is_array(vocab) ? (json_int_t)json_array_size(vocab) - 1 : -1;
  if (!json_is_array(vocab)) {
    if (!json_is_object(vocab))
      return convert_fail(err, cap, "tokenizer.json: model.vocab is not an object");
    json_object_foreach(vocab, key, val) {
      if (!json_is_integer(val) || json_integer_value(val) < 0 ||
          json_integer_value(val) >= INT32_MAX)
        return convert_fail(err, cap, "tokenizer.json: model.vocab['%s'] is not a valid id", key);
      if (json_integer_value(val) > max_id) max_id = json_integer_value(val);
    }
  }
  json_array_foreach(added, i, val) {
    json_int_t id = json_integer_value(json_object_get(val, "id"));
    if (!json_is_string(json_object_get(val, "content")) || id < 0 || id >= INT32_MAX)
      return convert_fail(err, cap, "tokenizer.json: added_tokens[%zu] has no valid id/content", i);
    if (id > max_id) max_id = id;
  }
  if (max_id >= INT32_MAX - 1)
    return convert_fail(err, cap, "tokenizer.json: %lld tokens", (long long)max_id);
  *n = (size_t)(max_id + 1);
  return true;
}

/* add_bos/add_eos from a TemplateProcessing post-processor (gguf-py vocab.py SpecialVocab
 * _try_load_from_tokenizer_json): BOS first / EOS last in the single-sequence template. */
static void template_flags(struct hf_vocab *v, json_t *tok) {
  json_t *pp = find_pretok(json_object_get(tok, "post_processor"), "TemplateProcessing");
  if (!pp) {
    json_t *seq = json_object_get(json_object_get(tok, "post_processor"), "processors");
    size_t i;
    json_t *e;
    json_array_foreach(seq, i, e) {
      const char *t = json_string_value(json_object_get(e, "type"));
      if (t && !strcmp(t, "TemplateProcessing")) pp = e;
    }
  }
  json_t *single = json_object_get(pp, "single");
  size_t n = json_array_size(single);
  if (!n) return;
  const char *first = json_string_value(
      json_object_get(json_object_get(json_array_get(single, 0), "SpecialToken"), "id"));
  const char *last = json_string_value(
      json_object_get(json_object_get(json_array_get(single, n - 1), "SpecialToken"), "id"));
  if (!v->has_add_bos) {
    v->has_add_bos = true;
    v->add_bos = first && v->bos >= 0 && !strcmp(first, v->tokens[v->bos]);
  }
  if (!v->has_add_eos) {
    v->has_add_eos = true;
    v->add_eos = last && v->eos >= 0 && !strcmp(last, v->tokens[v->eos]);
  }
}

/* bos_token_id / eos_token_id (an int or a list, first taken) of a JSON file, when v lacks them. */
static void ids_from(struct hf_vocab *v, const char *dir, const char *name) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  json_t *j = json_load_file(path, JSON_DECODE_INT_AS_REAL, NULL);
  if (!j) return;
  int32_t *dst[2] = {&v->bos, &v->eos};
  const char *keys[2] = {"bos_token_id", "eos_token_id"};
  for (int k = 0; k < 2; k++) {
    json_t *id = json_object_get(j, keys[k]);
    if (json_is_array(id)) id = json_array_get(id, 0);
    double d = json_number_value(id);
    if (*dst[k] < 0 && json_is_number(id) && d >= 0 && d < (double)v->n_tokens && d == (int32_t)d)
      *dst[k] = (int32_t)d;
  }
  json_decref(j);
}

/* add_space_prefix of a SentencePiece-style tokenizer: a Metaspace pre-tokenizer's
 * prepend_scheme / add_prefix_space, or a Prepend("\u2581") normalizer (Llama 2's tokenizer.json).
 */
static void space_prefix(struct hf_vocab *v, json_t *tok) {
  json_t *ms = find_pretok(json_object_get(tok, "pre_tokenizer"), "Metaspace");
  if (ms) {
    const char *scheme = json_string_value(json_object_get(ms, "prepend_scheme"));
    json_t *aps = json_object_get(ms, "add_prefix_space");
    v->has_add_space_prefix = scheme || json_is_boolean(aps);
    v->add_space_prefix = scheme ? strcmp(scheme, "never") != 0 : json_is_true(aps);
    return;
  }
  json_t *pre = find_pretok(json_object_get(tok, "normalizer"), "Prepend");
  v->has_add_space_prefix = true;
  v->add_space_prefix = pre != NULL;
}

/* The chat template newer transformers save beside tokenizer_config.json: chat_template.jinja,
 * or chat_template.json {"chat_template": "..."}. Absent files are fine. */
static bool template_file(const char *dir, struct hf_vocab *v, char *err, size_t cap) {
  char path[4096];
  snprintf(path, sizeof path, "%s/chat_template.jinja", dir);
  FILE *f = fopen(path, "rb");
  if (f) {
    size_t n = 0, cap_b = 4096;
    char *buf = malloc(cap_b);
    while (buf) {
      n += fread(buf + n, 1, cap_b - 1 - n, f);
      if (n < cap_b - 1) break;
      char *g = realloc(buf, cap_b *= 2);
      if (!g) free(buf);
      buf = g;
    }
    bool bad = ferror(f);
    fclose(f);
    if (!buf) return convert_fail(err, cap, "out of memory");
    if (bad) {
      free(buf);
      return convert_fail(err, cap, "%s: read error", path);
    }
    buf[n] = '\0';
    v->chat_template = buf;
    return true;
  }
  snprintf(path, sizeof path, "%s/chat_template.json", dir);
  json_t *j = json_load_file(path, 0, NULL);
  const char *t = json_string_value(json_object_get(j, "chat_template"));
  if (t && !(v->chat_template = strdup(t))) {
    json_decref(j);
    return convert_fail(err, cap, "out of memory");
  }
  json_decref(j);
  return true;
}

static bool load_json(const char *dir, const char *name, bool required, json_t **out, char *err,
                      size_t cap) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  json_error_t je;
  /* tokenizer_config.json holds integers beyond 64 bits (model_max_length 1e30); only its
   * strings and booleans are read, so its numbers may become reals */
  *out = json_load_file(path, required ? 0 : JSON_DECODE_INT_AS_REAL, &je);
  if (*out) return true;
  FILE *f = fopen(path, "rb");
  if (!f && !required) return true;
  if (f) fclose(f);
  return convert_fail(err, cap, "%s: line %d: %s", path, je.line, je.text);
}

static bool load(const char *dir, const char *arch, struct hf_vocab *v, json_t *tok, json_t *cfg,
                 char *err, size_t cap) {
  json_t *model = json_object_get(tok, "model");
  const char *type = json_string_value(json_object_get(model, "type"));
  bool unigram = type && strcmp(type, "Unigram") == 0;
  if (!type || (strcmp(type, "BPE") != 0 && !unigram))
    return convert_fail(err, cap,
                        "%s/tokenizer.json: model.type '%s', only BPE and Unigram are supported",
                        dir, type ? type : "(absent)");
  json_t *vocab = json_object_get(model, "vocab"), *added = json_object_get(tok, "added_tokens");
  json_t *merges = json_object_get(model, "merges");
  if (unigram ? !json_is_array(vocab) : !json_is_object(vocab))
    return convert_fail(err, cap, "%s/tokenizer.json: model.vocab is not an %s", dir,
                        unigram ? "array" : "object");
  bool spm = is_spm_style(tok);
  v->model = spm ? "llama" : "gpt2";
  if (!spm) {
    const char *pre = detect_pre(tok);
    if (!pre)
      return convert_fail(err, cap,
                          "tokenizer.json: pre_tokenizer matches no known llama.cpp "
                          "pre-tokenizer (llama-bpe, qwen2, gpt-2, smollm)");
    v->pre = strdup(pre);
  } else {
    v->pre = strdup("default");
  }
  const char *cls = cfg ? json_string_value(json_object_get(cfg, "tokenizer_class")) : NULL;
  v->arch = strdup(arch ? arch : (cls && strstr(cls, "Qwen2")) ? "qwen2" : "llama");
  if (!v->pre || !v->arch) return convert_fail(err, cap, "out of memory");

  const char *key;
  json_t *val;
  size_t i;
  if (!count_tokens(vocab, added, &v->n_tokens, err, cap)) return false;
  v->tokens = calloc(v->n_tokens, sizeof *v->tokens);
  v->types = calloc(v->n_tokens, sizeof *v->types);
  if (spm) v->scores = calloc(v->n_tokens, sizeof *v->scores);
  if (!v->tokens || !v->types || (spm && !v->scores))
    return convert_fail(err, cap, "out of memory");
  if (unigram && !unigram_vocab(v, model, err, cap)) return false;
  if (!unigram) json_object_foreach(vocab, key, val) {
      size_t id = (size_t)json_integer_value(val);
      free(v->tokens[id]);
      if (!(v->tokens[id] = strdup(key))) return convert_fail(err, cap, "out of memory");
      v->types[id] = spm && is_byte_token(key) ? 6 : 1;
    }
  const char *unk = config_token(cfg, "unk_token");
  json_array_foreach(added, i, val) {
    size_t id = (size_t)json_integer_value(json_object_get(val, "id"));
    const char *text = json_string_value(json_object_get(val, "content"));
    bool special = json_is_true(json_object_get(val, "special"));
    free(v->tokens[id]);
    if (!(v->tokens[id] = strdup(text))) return convert_fail(err, cap, "out of memory");
    if (spm) {
      v->types[id] = unk && !strcmp(text, unk) ? 2 : special ? 3 : is_byte_token(text) ? 6 : 4;
    } else if (special || looks_special(text)) {
      v->types[id] = 3;
    } else {
      v->types[id] = 4;
      /* pre-normalize user-defined spaces (convert_hf_to_gguf.py, "added for Gemma") */
      char *p;
      while ((p = strstr(v->tokens[id], "\xE2\x96\x81")) != NULL) {
        *p = ' ';
        memmove(p + 1, p + 3, strlen(p + 3) + 1);
      }
    }
  }
  for (size_t k = 0; k < v->n_tokens; k++) {
    if (v->tokens[k]) continue;
    char pad[32];
    snprintf(pad, sizeof pad, "[PAD%zu]", k);
    if (!(v->tokens[k] = strdup(pad))) return convert_fail(err, cap, "out of memory");
    v->types[k] = 5;
  }
  if (spm && !unigram) {
    if (!spm_scores(v, merges, vocab, err, cap)) return false;
  } else if (!spm) {
    v->n_merges = json_array_size(merges);
    v->merges = calloc(v->n_merges ? v->n_merges : 1, sizeof *v->merges);
    if (!v->merges) return convert_fail(err, cap, "out of memory");
    for (size_t r = 0; r < v->n_merges; r++)
      if (!(v->merges[r] = merge_text(json_array_get(merges, r))))
        return convert_fail(err, cap, "tokenizer.json: model.merges[%zu] is not a merge", r);
  }
  v->bos = find_token(v, config_token(cfg, "bos_token"));
  v->eos = find_token(v, config_token(cfg, "eos_token"));
  v->unk = find_token(v, unk);
  for (size_t k = 0; v->unk < 0 && k < v->n_tokens; k++)
    if (v->types[k] == 2) v->unk = (int32_t)k; /* a Unigram model's unk_id */
  v->pad = find_token(v, config_token(cfg, "pad_token"));
  json_t *ab = cfg ? json_object_get(cfg, "add_bos_token") : NULL;
  json_t *ae = cfg ? json_object_get(cfg, "add_eos_token") : NULL;
  v->has_add_bos = json_is_boolean(ab), v->add_bos = json_is_true(ab);
  v->has_add_eos = json_is_boolean(ae), v->add_eos = json_is_true(ae);
  ids_from(v, dir, "generation_config.json");
  ids_from(v, dir, "config.json");
  template_flags(v, tok);
  if (spm) space_prefix(v, tok);
  json_t *tpl = cfg ? json_object_get(cfg, "chat_template") : NULL;
  if (json_is_array(tpl)) { /* [{"name": "default", "template": "..."}, ...] */
    json_t *e, *pick = NULL;
    json_array_foreach(tpl, i, e) {
      const char *name = json_string_value(json_object_get(e, "name"));
      if (name && !strcmp(name, "default")) pick = json_object_get(e, "template");
    }
    tpl = pick;
  }
  if (json_is_string(tpl) && !(v->chat_template = strdup(json_string_value(tpl))))
    return convert_fail(err, cap, "out of memory");
  if (!v->chat_template) return template_file(dir, v, err, cap);
  return true;
}

bool hf_vocab_load(const char *dir, const char *arch, struct hf_vocab *v, char *err,
                   size_t err_cap) {
  memset(v, 0, sizeof *v);
  v->bos = v->eos = v->unk = v->pad = -1;
  json_t *tok = NULL, *cfg = NULL;
  bool ok = load_json(dir, "tokenizer.json", true, &tok, err, err_cap) &&
            load_json(dir, "tokenizer_config.json", false, &cfg, err, err_cap) &&
            load(dir, arch, v, tok, cfg, err, err_cap);
  json_decref(tok);
  json_decref(cfg);
  if (!ok) hf_vocab_free(v);
  return ok;
}

#else

bool hf_vocab_load(const char *dir, const char *arch, struct hf_vocab *v, char *err,
                   size_t err_cap) {
  memset(v, 0, sizeof *v);
  return convert_fail(
      err, err_cap, "this anyinfer was built without jansson (native builds only); cannot read %s",
      dir);
}

#endif

bool hf_vocab_pad(struct hf_vocab *v, size_t n_tokens, char *err, size_t err_cap) {
  if (v->n_tokens > n_tokens)
    return convert_fail(err, err_cap, "tokenizer.json has %zu tokens, more than the model's %zu",
                        v->n_tokens, n_tokens);
  if (v->n_tokens == n_tokens) return true;
  char **tokens = realloc(v->tokens, n_tokens * sizeof *tokens);
  if (tokens) v->tokens = tokens;
  int32_t *types = tokens ? realloc(v->types, n_tokens * sizeof *types) : NULL;
  if (types) v->types = types;
  float *scores = v->scores && types ? realloc(v->scores, n_tokens * sizeof *scores) : NULL;
  if (scores) v->scores = scores;
  if (!tokens || !types || (v->scores && !scores))
    return convert_fail(err, err_cap, "out of memory");
  for (size_t k = v->n_tokens; k < n_tokens; k++) {
    char pad[32];
    snprintf(pad, sizeof pad, "[PAD%zu]", k);
    v->types[k] = 5;
    if (v->scores) v->scores[k] = -1000.0f;
    if (!(v->tokens[k] = strdup(pad))) {
      v->n_tokens = k;
      return convert_fail(err, err_cap, "out of memory");
    }
  }
  v->n_tokens = n_tokens;
  return true;
}

bool hf_vocab_set_gguf(const struct hf_vocab *v, struct ai_gguf_writer *w, char *err,
                       size_t err_cap) {
  anyinfer_status st = ANYINFER_OK;
#define SET(call) \
  if (st == ANYINFER_OK) st = (call)
  SET(ai_gguf_set_str(w, "tokenizer.ggml.model", v->model));
  SET(ai_gguf_set_str(w, "tokenizer.ggml.pre", v->pre));
  SET(ai_gguf_set_arr(w, "tokenizer.ggml.tokens", AI_GGUF_STRING, v->tokens, v->n_tokens));
  if (v->scores)
    SET(ai_gguf_set_arr(w, "tokenizer.ggml.scores", AI_GGUF_FLOAT32, v->scores, v->n_tokens));
  SET(ai_gguf_set_arr(w, "tokenizer.ggml.token_type", AI_GGUF_INT32, v->types, v->n_tokens));
  if (v->merges)
    SET(ai_gguf_set_arr(w, "tokenizer.ggml.merges", AI_GGUF_STRING, v->merges, v->n_merges));
  if (v->bos >= 0) SET(ai_gguf_set_u32(w, "tokenizer.ggml.bos_token_id", (uint32_t)v->bos));
  if (v->eos >= 0) SET(ai_gguf_set_u32(w, "tokenizer.ggml.eos_token_id", (uint32_t)v->eos));
  if (v->unk >= 0) SET(ai_gguf_set_u32(w, "tokenizer.ggml.unknown_token_id", (uint32_t)v->unk));
  if (v->pad >= 0) SET(ai_gguf_set_u32(w, "tokenizer.ggml.padding_token_id", (uint32_t)v->pad));
  if (v->has_add_bos) SET(ai_gguf_set_bool(w, "tokenizer.ggml.add_bos_token", v->add_bos));
  if (v->has_add_eos) SET(ai_gguf_set_bool(w, "tokenizer.ggml.add_eos_token", v->add_eos));
  if (v->has_add_space_prefix)
    SET(ai_gguf_set_bool(w, "tokenizer.ggml.add_space_prefix", v->add_space_prefix));
  if (v->chat_template) SET(ai_gguf_set_str(w, "tokenizer.chat_template", v->chat_template));
#undef SET
  if (st != ANYINFER_OK)
    return convert_fail(err, err_cap, "cannot set tokenizer metadata: %s",
                        ai_gguf_writer_last_error(w));
  return true;
}

bool hf_vocab_write_gguf(const struct hf_vocab *v, const char *path, char *err, size_t err_cap) {
  struct ai_alloc a = ai_alloc_default();
  struct ai_error e;
  ai_error_clear(&e);
  struct ai_gguf_writer *w = NULL;
  if (ai_gguf_writer_create(&a, &w, &e) != ANYINFER_OK)
    return convert_fail(err, err_cap, "%s", e.msg);
  if (ai_gguf_set_str(w, "general.architecture", v->arch) != ANYINFER_OK) {
    convert_fail(err, err_cap, "%s", ai_gguf_writer_last_error(w));
    ai_gguf_writer_free(w);
    return false;
  }
  if (!hf_vocab_set_gguf(v, w, err, err_cap)) {
    ai_gguf_writer_free(w);
    return false;
  }
  anyinfer_status st = ai_gguf_write_file(w, path, NULL, NULL, &e);
  ai_gguf_writer_free(w);
  if (st != ANYINFER_OK) return convert_fail(err, err_cap, "%s", e.msg);
  return true;
}
