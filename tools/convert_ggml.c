/* whisper.cpp ggml-*.bin -> GGUF ("whisper", docs/formats.md), for `anyinfer convert FILE.bin
 * OUT.gguf`: tensors keep their type and bytes under our names; the mel filters become the
 * mel_filters tensor; the vocabulary's raw-byte tokens become GPT-2 byte-level texts, with
 * merges derived from the token ranks (tiktoken's BPE merges the pair whose joined token has the
 * lowest id, so token t's merge is the last step of that BPE over t's bytes with ids below t),
 * and Whisper's special tokens appended in the layout whisper.cpp assumes. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert_error.h"
#include "convert_ggml.h"
#include "format/ggml_whisper.h"
#include "format/gguf.h"
#include "models/whisper.h"
#include "text/whisper_vocab.h"

/* openai/whisper tensor names -> ours; "N" stands for the block number. */
static const struct {
  const char *ggml, *gguf;
} kNames[] = {
    {"attn_ln", "attn_norm"},
    {"attn.query", "attn_q"},
    {"attn.key", "attn_k"},
    {"attn.value", "attn_v"},
    {"attn.out", "attn_output"},
    {"cross_attn_ln", "cross_attn_norm"},
    {"cross_attn.query", "cross_attn_q"},
    {"cross_attn.key", "cross_attn_k"},
    {"cross_attn.value", "cross_attn_v"},
    {"cross_attn.out", "cross_attn_output"},
    {"mlp_ln", "ffn_norm"},
    {"mlp.0", "ffn_up"},
    {"mlp.2", "ffn_down"},
};

static const struct {
  const char *ggml, *gguf;
} kGlobals[] = {
    {"encoder.conv1.weight", "enc.conv1.weight"},
    {"encoder.conv1.bias", "enc.conv1.bias"},
    {"encoder.conv2.weight", "enc.conv2.weight"},
    {"encoder.conv2.bias", "enc.conv2.bias"},
    {"encoder.positional_embedding", "enc.position_embd.weight"},
    {"encoder.ln_post.weight", "enc.output_norm.weight"},
    {"encoder.ln_post.bias", "enc.output_norm.bias"},
    {"decoder.token_embedding.weight", "dec.token_embd.weight"},
    {"decoder.positional_embedding", "dec.position_embd.weight"},
    {"decoder.ln.weight", "dec.output_norm.weight"},
    {"decoder.ln.bias", "dec.output_norm.bias"},
};

static bool map_name(const char *in, char *out, size_t cap) {
  for (size_t i = 0; i < sizeof kGlobals / sizeof *kGlobals; i++)
    if (!strcmp(in, kGlobals[i].ggml)) return snprintf(out, cap, "%s", kGlobals[i].gguf), true;
  bool enc = !strncmp(in, "encoder.blocks.", 15), dec = !strncmp(in, "decoder.blocks.", 15);
  if (!enc && !dec) return false;
  const char *p = in + 15;
  int n = 0, digits = 0;
  while (*p >= '0' && *p <= '9' && digits < 6) n = n * 10 + (*p++ - '0'), digits++;
  if (!digits || *p++ != '.') return false;
  const char *suffix = strrchr(p, '.'); /* ".weight" / ".bias" */
  if (!suffix || (strcmp(suffix, ".weight") && strcmp(suffix, ".bias"))) return false;
  for (size_t i = 0; i < sizeof kNames / sizeof *kNames; i++)
    if (strlen(kNames[i].ggml) == (size_t)(suffix - p) &&
        !strncmp(p, kNames[i].ggml, (size_t)(suffix - p)))
      return snprintf(out, cap, "%s.blk.%d.%s%s", enc ? "enc" : "dec", n, kNames[i].gguf, suffix),
             true;
  return false;
}

/* ---- vocabulary ---------------------------------------------------------------------------- */

/* GPT-2's bytes_to_unicode: printable bytes stand for themselves, the others for U+0100.. */
static int byte_to_code(int b) {
  if ((b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255)) return b;
  int n = 0;
  for (int c = 0; c < b; c++)
    if (!((c >= 33 && c <= 126) || (c >= 161 && c <= 172) || (c >= 174 && c <= 255))) n++;
  return 256 + n;
}

/* bytes -> their byte-level text, UTF-8, into out (4 x len + 1 bytes) */
static void to_text(const unsigned char *s, size_t len, char *out) {
  for (size_t i = 0; i < len; i++) {
    int c = byte_to_code(s[i]);
    if (c < 0x80) {
      *out++ = (char)c;
    } else {
      *out++ = (char)(0xc0 | (c >> 6));
      *out++ = (char)(0x80 | (c & 0x3f));
    }
  }
  *out = '\0';
}

/* token bytes -> id, open addressing */
struct rank_map {
  int32_t *slot; /* id + 1, 0 empty */
  size_t mask;
  const unsigned char *const *bytes;
  const uint32_t *len;
};

static uint64_t hash_bytes(const unsigned char *s, size_t n) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; i++) h = (h ^ s[i]) * 0x100000001b3ull;
  return h;
}

static int32_t rank_of(const struct rank_map *m, const unsigned char *s, size_t n) {
  for (size_t i = hash_bytes(s, n) & m->mask;; i = (i + 1) & m->mask) {
    int32_t id = m->slot[i] - 1;
    if (id < 0) return -1;
    if (m->len[id] == n && !memcmp(m->bytes[id], s, n)) return id;
  }
}

struct vocab_job {
  const struct ai_ggml_whisper *g;
  const unsigned char *file;
  int32_t n_vocab;
  char **texts;  /* n_vocab */
  char **merges; /* at most n_tokens */
  int32_t n_merges;
  int32_t *types;
};

/* Token t's merge: BPE over its bytes with the merges of ids below t, down to two parts. */
static bool add_merge(struct vocab_job *v, const struct rank_map *m, int32_t t, int32_t *cut,
                      char *err, size_t cap) {
  const unsigned char *s = m->bytes[t];
  int32_t n = (int32_t)m->len[t], parts = n;
  for (int32_t i = 0; i <= n; i++) cut[i] = i; /* part k is bytes [cut[k], cut[k + 1]) */
  while (parts > 2) {
    int32_t best = -1, best_rank = t;
    for (int32_t k = 0; k + 1 < parts; k++) {
      int32_t r = rank_of(m, s + cut[k], (size_t)(cut[k + 2] - cut[k]));
      if (r >= 0 && r < best_rank) best_rank = r, best = k;
    }
    if (best < 0) return true; /* not reachable by merges: no merge for it (tiktoken agrees) */
    memmove(cut + best + 1, cut + best + 2, (size_t)(parts - best - 1) * sizeof *cut);
    parts--;
  }
  size_t la = (size_t)cut[1], lb = (size_t)(n - cut[1]);
  char *text = malloc(4 * (la + lb) + 2);
  if (!text) return convert_fail(err, cap, "out of memory");
  to_text(s, la, text);
  size_t at = strlen(text);
  text[at] = ' ';
  to_text(s + la, lb, text + at + 1);
  v->merges[v->n_merges++] = text;
  return true;
}

static bool build_vocab(struct vocab_job *v, char *err, size_t cap) {
  const struct ai_ggml_whisper *g = v->g;
  int32_t n_tok = g->n_tokens, n_special = v->n_vocab - n_tok, n_lang = n_special - 2 - 6 - 1501;
  if (n_lang < 0 || n_lang > 100)
    return convert_fail(err, cap, "ggml: %d tokens of %d leave %d specials, not Whisper's layout",
                        n_tok, v->n_vocab, n_special);
  v->texts = calloc((size_t)v->n_vocab, sizeof *v->texts);
  v->merges = calloc((size_t)n_tok, sizeof *v->merges);
  v->types = calloc((size_t)v->n_vocab, sizeof *v->types);
  const unsigned char **bytes = calloc((size_t)n_tok, sizeof *bytes);
  size_t n_slots = 1;
  while (n_slots < 2 * (size_t)n_tok) n_slots *= 2;
  struct rank_map m = {calloc(n_slots, sizeof(int32_t)), n_slots - 1, bytes, g->token_len};
  int32_t *cut = malloc((1024 + 2) * sizeof *cut);
  bool ok = v->texts && v->merges && v->types && bytes && m.slot && cut;
  if (!ok) convert_fail(err, cap, "out of memory");
  for (int32_t i = 0; ok && i < n_tok; i++) {
    bytes[i] = v->file + g->token_offset[i];
    if (!(v->texts[i] = malloc(4 * (size_t)g->token_len[i] + 1))) {
      ok = convert_fail(err, cap, "out of memory");
      break;
    }
    to_text(bytes[i], g->token_len[i], v->texts[i]);
    v->types[i] = 1;                                           /* NORMAL */
    if (rank_of(&m, bytes[i], g->token_len[i]) >= 0) continue; /* a duplicate keeps its first id */
    size_t k = hash_bytes(bytes[i], g->token_len[i]) & m.mask;
    while (m.slot[k]) k = (k + 1) & m.mask;
    m.slot[k] = i + 1;
  }
  for (int32_t i = 0; ok && i < n_tok; i++)
    if (g->token_len[i] >= 2) ok = add_merge(v, &m, i, cut, err, cap);
  /* the specials, as whisper.cpp numbers them */
  for (int32_t i = 0; ok && i < n_special; i++) {
    char name[32];
    int32_t k = i - 2 - n_lang;
    static const char *const task[] = {"<|translate|>",   "<|transcribe|>", "<|startoflm|>",
                                       "<|startofprev|>", "<|nocaptions|>", "<|notimestamps|>"};
    if (i == 0)
      snprintf(name, sizeof name, "<|endoftext|>");
    else if (i == 1)
      snprintf(name, sizeof name, "<|startoftranscript|>");
    else if (i < 2 + n_lang)
      snprintf(name, sizeof name, "<|%s|>", ai_whisper_language_code_at(i - 2));
    else if (k < 6)
      snprintf(name, sizeof name, "%s", task[k]);
    else
      snprintf(name, sizeof name, "<|%d.%02d|>", (k - 6) / 50, (k - 6) % 50 * 2);
    if (!(v->texts[n_tok + i] = strdup(name))) ok = convert_fail(err, cap, "out of memory");
    v->types[n_tok + i] = 3; /* CONTROL */
  }
  free(m.slot);
  free(bytes);
  free(cut);
  return ok;
}

static void free_vocab(struct vocab_job *v) {
  for (int32_t i = 0; v->texts && i < v->n_vocab; i++) free(v->texts[i]);
  for (int32_t i = 0; i < v->n_merges; i++) free(v->merges[i]);
  free(v->texts);
  free(v->merges);
  free(v->types);
}

/* ---- the file ------------------------------------------------------------------------------ */

bool ggml_whisper_is_file(const char *path) {
  FILE *f = fopen(path, "rb");
  unsigned char b[4] = {0};
  bool is = f && fread(b, 1, 4, f) == 4 &&
            ((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24) ==
                AI_GGML_MAGIC;
  if (f) fclose(f);
  return is;
}

bool ggml_whisper_convert(const char *in_path, const char *out_path, anyinfer_progress_fn progress,
                          void *progress_user_data, char *err, size_t cap) {
  struct ai_error e;
  ai_error_clear(&e);
  struct ai_alloc a = ai_alloc_default();
  struct ai_file file = {.fd = -1};
  struct ai_ggml_whisper g;
  memset(&g, 0, sizeof g);
  struct ai_gguf_writer *w = NULL;
  struct vocab_job v = {0};
  bool ok = true;
  if (ai_file_open(&file, in_path, true, &e) != ANYINFER_OK || !file.map) {
    ok = convert_fail(err, cap, "%s: %s", in_path,
                      file.map || e.msg[0] ? e.msg : "cannot map the file");
    goto done;
  }
  struct ai_reader r = ai_file_reader(&file);
  if (ai_ggml_whisper_read(&r, &a, &g, &e) != ANYINFER_OK) {
    ok = convert_fail(err, cap, "%s: %s", in_path, e.msg);
    goto done;
  }
  v.g = &g, v.file = file.map, v.n_vocab = g.hp.n_vocab;
  if (!(ok = build_vocab(&v, err, cap))) goto done;
  if (ai_gguf_writer_create(&a, &w, &e) != ANYINFER_OK) {
    ok = convert_fail(err, cap, "%s", e.msg);
    goto done;
  }
  const struct ai_ggml_whisper_hparams *h = &g.hp;
  const struct ai_whisper_hparams hp = {.n_mel = h->n_mels,
                                        .n_audio_ctx = h->n_audio_ctx,
                                        .n_embd = h->n_audio_state,
                                        .n_enc_layer = h->n_audio_layer,
                                        .n_enc_head = h->n_audio_head,
                                        .n_enc_ff = 4 * h->n_audio_state,
                                        .n_text_ctx = h->n_text_ctx,
                                        .n_dec_layer = h->n_text_layer,
                                        .n_dec_head = h->n_text_head,
                                        .n_dec_ff = 4 * h->n_text_state,
                                        .norm_eps = 1e-5f};
  const char *base = strrchr(in_path, '/') ? strrchr(in_path, '/') + 1 : in_path;
  anyinfer_status st = ai_gguf_set_str(w, "general.architecture", "whisper");
#define SET(call) \
  if (st == ANYINFER_OK) st = (call)
  SET(ai_gguf_set_str(w, "general.name", base));
  SET(ai_gguf_set_u32(w, "general.file_type", (uint32_t)(h->ftype % 1000)));
  SET(ai_whisper_set_hparams(w, &hp));
  SET(ai_gguf_set_str(w, "tokenizer.ggml.model", "gpt2"));
  SET(ai_gguf_set_str(w, "tokenizer.ggml.pre", "gpt-2"));
  SET(ai_gguf_set_arr(w, "tokenizer.ggml.tokens", AI_GGUF_STRING, (const void *)v.texts,
                      (uint64_t)v.n_vocab));
  SET(ai_gguf_set_arr(w, "tokenizer.ggml.token_type", AI_GGUF_INT32, v.types, (uint64_t)v.n_vocab));
  SET(ai_gguf_set_arr(w, "tokenizer.ggml.merges", AI_GGUF_STRING, (const void *)v.merges,
                      (uint64_t)v.n_merges));
  SET(ai_gguf_set_u32(w, "tokenizer.ggml.bos_token_id", (uint32_t)g.n_tokens));
  SET(ai_gguf_set_u32(w, "tokenizer.ggml.eos_token_id", (uint32_t)g.n_tokens));
  SET(ai_gguf_set_bool(w, "tokenizer.ggml.add_bos_token", false));
  int64_t fne[2] = {201, h->n_mels};
  SET(ai_gguf_add_tensor(w, "mel_filters", AI_TYPE_F32, 2, fne, file.map + g.filters_offset, NULL,
                         NULL));
#undef SET
  for (int32_t i = 0; st == ANYINFER_OK && i < g.n_tensors; i++) {
    const struct ai_ggml_tensor *t = &g.tensors[i];
    char name[96];
    if (!map_name(t->name, name, sizeof name)) {
      ok = convert_fail(err, cap, "%s: tensor '%s' is not one of Whisper's", in_path, t->name);
      goto done;
    }
    int64_t ne[3] = {t->ne[0], t->ne[1], t->ne[2]};
    uint32_t n_dims = (uint32_t)t->n_dims;
    if (strstr(name, ".conv") && strstr(name, ".bias")) /* stored as [1, E] */
      ne[0] = ne[0] * ne[1], ne[1] = 1, n_dims = 1;
    st = ai_gguf_add_tensor(w, name, t->type, n_dims, ne, file.map + t->offset, NULL, NULL);
  }
  if (st != ANYINFER_OK) {
    ok = convert_fail(err, cap, "%s", ai_gguf_writer_last_error(w));
    goto done;
  }
  if (ai_gguf_write_file(w, out_path, progress, progress_user_data, &e) != ANYINFER_OK)
    ok = convert_fail(err, cap, "%s", e.msg);
done:
  ai_gguf_writer_free(w);
  free_vocab(&v);
  ai_ggml_whisper_free(&g);
  ai_file_close(&file);
  return ok;
}
