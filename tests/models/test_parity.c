/* Model parity with Hugging Face `transformers` (docs/parity.md). For each fixture folder under
 * tests/fixtures/hf (made by scripts/reference/make_fixtures.py: config.json, safetensors,
 * tokenizer files, reference.bin with float64-computed reference logits), converts the folder
 * with `$ANYINFER_BIN convert DIR OUT.gguf --type T` for F32, F16, Q8_0 and Q4_0 and compares,
 * through the public API:
 *   - tokenizer: anyinfer_tokenize of each prompt gives the reference ids (F32 file);
 *   - logits of every position of prompt + reference continuation (decode_all, teacher-forced):
 *     F32: max over positions of max|d| / max|ref| <= 1e-4 (||d|| / ||ref|| reported);
 *     Q8_0 / Q4_0: top-1 agreement on the continuation positions >= 95 %, mean cosine of the
 *     logit rows >= 0.99 / 0.97 (min cosine reported);
 *   - greedy continuation, token by token with argmax (decode): identical for F32 and F16;
 *   - residual stream after every layer (the llama on_layer hook, through src/engine internals)
 *     against the reference hidden states, so a failure names the first diverging layer.
 * Prints one summary line per model and type (docs/parity.md quotes them). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "anyinfer.h"
#include "check.h"
#include "engine/session.h" /* the on_layer hook of the llama state */

#define FIXTURES "tests/fixtures/hf"
#define N_CTX    256

static const char *const model_names[] = {"llama3_gqa", "llama_tied", "mistral", "qwen2"};

struct type_rule {
  const char *type;     /* --type of anyinfer convert */
  double max_rel;       /* max |d| / max |ref| per position, 0: not checked */
  double min_top1;      /* top-1 agreement on continuation positions, 0: not checked */
  double min_mean_cos;  /* mean cosine of logit rows, 0: not checked */
  bool greedy_exact;    /* free-running greedy continuation must equal the reference, */
  double tie_rel;       /* except where the reference's top-1 margin is below this fraction of
                           max|logit|, a tie within the type's own rounding */
  double layer_max_rel; /* per-layer hidden states, 0: reported only */
  bool dequantize;      /* then `anyinfer quantize` back to F32: the error of the weights' rounding
                           alone, without the quantized kernels (reported only) */
};

static const struct type_rule rules[] = {
    /* f16: the CPU rounds activations to f16 for F16 weights (as ggml does), ~1e-3 of max|logit|
     * (the table's max_rel): a reference margin below that is a coin toss for any f16 kernel. */
    {"f32", 1e-4, 0.0, 0.0, true, 0.0, 1e-4, false},
    {"f16", 0.0, 0.0, 0.0, true, 1e-3, 0.0, false},
    {"q8_0", 0.0, 0.95, 0.99, false, 0.0, 0.0, false},
    {"q4_0", 0.0, 0.95, 0.97, false, 0.0, 0.0, false},
    {"q4_0", 0.0, 0.0, 0.0, false, 0.0, 0.0, true},
};

/* ---- reference.bin (layout: scripts/reference/make_fixtures.py) ----------------------------- */

struct ref_seq {
  const char *text; /* not NUL-terminated */
  uint32_t n_text, n_prompt, n_cont, flags;
  int32_t *ids;  /* n_prompt + n_cont */
  float *logits; /* (n_prompt + n_cont) * n_vocab */
};

struct ref {
  uint32_t n_vocab, n_embd, n_layer, n_seq;
  struct ref_seq *seq;
  uint32_t hs_seq, hs_tok, hs_n;
  float *hs; /* hs_n * hs_tok * n_embd: embeddings, each layer's output, final norm */
  unsigned char *buf;
};

struct cursor {
  const unsigned char *p, *end;
  bool ok;
};

static const unsigned char *take(struct cursor *c, size_t n) {
  if (!c->ok || (size_t)(c->end - c->p) < n) {
    c->ok = false;
    return NULL;
  }
  const unsigned char *at = c->p;
  c->p += n;
  return at;
}

static uint32_t take_u32(struct cursor *c) {
  const unsigned char *b = take(c, 4);
  return b ? (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24 : 0;
}

/* Copies n little-endian 4-byte values into a fresh array (the host is little-endian, as every
 * target of this project is; the reader checks that below). */
static void *take_array(struct cursor *c, size_t n) {
  if (n > (size_t)(c->end - c->p) / 4) {
    c->ok = false;
    return NULL;
  }
  const unsigned char *b = take(c, n * 4);
  void *out = malloc(n * 4 + 1);
  if (!b || !out) {
    free(out);
    c->ok = false;
    return NULL;
  }
  memcpy(out, b, n * 4);
  return out;
}

static void ref_free(struct ref *r) {
  for (uint32_t i = 0; r->seq && i < r->n_seq; i++) {
    free(r->seq[i].ids);
    free(r->seq[i].logits);
  }
  free(r->seq);
  free(r->hs);
  free(r->buf);
  memset(r, 0, sizeof *r);
}

static bool ref_load(const char *path, struct ref *r) {
  memset(r, 0, sizeof *r);
  const uint32_t one = 1;
  if (*(const unsigned char *)&one != 1) {
    fprintf(stderr, "%s: this reader needs a little-endian host\n", path);
    return false;
  }
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "%s: cannot open\n", path);
    return false;
  }
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  r->buf = malloc(size > 0 ? (size_t)size : 1);
  bool ok = size > 0 && r->buf && fread(r->buf, 1, (size_t)size, f) == (size_t)size;
  fclose(f);
  if (!ok) {
    fprintf(stderr, "%s: cannot read\n", path);
    return false;
  }
  struct cursor c = {r->buf, r->buf + size, true};
  const unsigned char *magic = take(&c, 8);
  if (!magic || memcmp(magic, "AIPARITY", 8) != 0 || take_u32(&c) != 1) {
    fprintf(stderr, "%s: not a version-1 AIPARITY file\n", path);
    return false;
  }
  r->n_vocab = take_u32(&c);
  r->n_embd = take_u32(&c);
  r->n_layer = take_u32(&c);
  r->n_seq = take_u32(&c);
  take_u32(&c);
  if (!c.ok || r->n_seq == 0 || r->n_seq > 64 || r->n_vocab == 0 || r->n_embd == 0) {
    fprintf(stderr, "%s: bad header (n_seq %u, n_vocab %u)\n", path, r->n_seq, r->n_vocab);
    return false;
  }
  r->seq = calloc(r->n_seq, sizeof *r->seq);
  if (!r->seq) return false;
  for (uint32_t i = 0; i < r->n_seq && c.ok; i++) {
    struct ref_seq *s = &r->seq[i];
    s->n_text = take_u32(&c);
    s->n_prompt = take_u32(&c);
    s->n_cont = take_u32(&c);
    s->flags = take_u32(&c);
    s->text = (const char *)take(&c, s->n_text);
    size_t n = (size_t)s->n_prompt + s->n_cont;
    if (!c.ok || s->n_prompt == 0 || n > N_CTX) {
      fprintf(stderr, "%s: sequence %u: %zu tokens, must be in [1, %d]\n", path, i, n, N_CTX);
      return false;
    }
    s->ids = take_array(&c, n);
    s->logits = take_array(&c, n * r->n_vocab);
  }
  r->hs_seq = take_u32(&c);
  r->hs_tok = take_u32(&c);
  r->hs_n = take_u32(&c);
  if (c.ok && (r->hs_seq >= r->n_seq || r->hs_tok != r->seq[r->hs_seq].n_prompt ||
               r->hs_n != r->n_layer + 2)) {
    fprintf(stderr, "%s: hidden states: seq %u, %u tokens, %u states do not fit the header\n", path,
            r->hs_seq, r->hs_tok, r->hs_n);
    return false;
  }
  if (c.ok) r->hs = take_array(&c, (size_t)r->hs_n * r->hs_tok * r->n_embd);
  const unsigned char *end = take(&c, 8);
  if (!c.ok || !end || memcmp(end, "AIPAREND", 8) != 0 || c.p != c.end) {
    fprintf(stderr, "%s: truncated or trailing bytes\n", path);
    return false;
  }
  return true;
}

/* ---- metrics ------------------------------------------------------------------------------- */

struct metrics {
  double max_rel; /* max over positions of max|d| / max|ref| */
  double d2, r2;  /* sums of squares of d and ref over everything */
  double min_cos, sum_cos;
  long n_rows;
  long top1_agree, top1_n; /* on continuation positions */
  int worst_seq, worst_row;
};

static int32_t argmax(const float *v, uint32_t n) {
  uint32_t best = 0;
  for (uint32_t i = 1; i < n; i++)
    if (v[i] > v[best]) best = i;
  return (int32_t)best;
}

/* (top-1 - top-2) / max|logit| of a reference row: how far from a tie the argmax is. */
static double ref_margin(const float *v, uint32_t n) {
  double a = -INFINITY, b = -INFINITY, m = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (v[i] > a) {
      b = a;
      a = v[i];
    } else if (v[i] > b) {
      b = v[i];
    }
    if (fabs(v[i]) > m) m = fabs(v[i]);
  }
  return m > 0 ? (a - b) / m : 0;
}

static void compare_row(struct metrics *m, const float *ours, const float *ref, uint32_t n,
                        bool is_cont, int seq, int row) {
  double max_d = 0, max_r = 0, d2 = 0, r2 = 0, o2 = 0, dot = 0;
  for (uint32_t i = 0; i < n; i++) {
    double d = (double)ours[i] - ref[i];
    if (fabs(d) > max_d) max_d = fabs(d);
    if (fabs(ref[i]) > max_r) max_r = fabs(ref[i]);
    d2 += d * d;
    r2 += (double)ref[i] * ref[i];
    o2 += (double)ours[i] * ours[i];
    dot += (double)ours[i] * ref[i];
  }
  double rel = max_r > 0 ? max_d / max_r : max_d;
  if (!(rel <= m->max_rel)) { /* NaN counts as worst */
    m->max_rel = isnan(rel) ? INFINITY : rel;
    m->worst_seq = seq;
    m->worst_row = row;
  }
  m->d2 += d2;
  m->r2 += r2;
  double cos = (o2 > 0 && r2 > 0) ? dot / sqrt(o2 * r2) : 0;
  if (isnan(cos)) cos = -1;
  if (m->n_rows == 0 || cos < m->min_cos) m->min_cos = cos;
  m->sum_cos += cos;
  m->n_rows++;
  if (is_cont) {
    m->top1_n++;
    m->top1_agree += argmax(ours, n) == argmax(ref, n);
  }
}

/* ---- one model file ------------------------------------------------------------------------ */

struct layer_capture {
  float *x; /* n_layer * n_tok * n_embd */
  int64_t n_embd, n_tok;
  int32_t n_layer, seen;
};

static void on_layer(int32_t il, const float *x, int64_t n_embd, int64_t n_tok, void *user_data) {
  struct layer_capture *c = user_data;
  if (il < 0 || il >= c->n_layer || n_embd != c->n_embd || n_tok != c->n_tok) return;
  memcpy(c->x + (size_t)il * (size_t)(n_tok * n_embd), x, (size_t)(n_tok * n_embd) * sizeof *x);
  c->seen++;
}

/* max over tokens of max|d| / max|ref| of [n_tok, n_embd] states. */
static double state_rel(const float *ours, const float *ref, int64_t n_embd, int64_t n_tok) {
  double worst = 0;
  for (int64_t t = 0; t < n_tok; t++) {
    double max_d = 0, max_r = 0;
    for (int64_t i = 0; i < n_embd; i++) {
      double d = fabs((double)ours[t * n_embd + i] - ref[t * n_embd + i]);
      if (!(d <= max_d)) max_d = isnan(d) ? INFINITY : d;
      if (fabs(ref[t * n_embd + i]) > max_r) max_r = fabs(ref[t * n_embd + i]);
    }
    double rel = max_r > 0 ? max_d / max_r : max_d;
    if (rel > worst) worst = rel;
  }
  return worst;
}

/* Residual stream after each layer vs the reference (ref state 0 is the embeddings, state il+1
 * the output of layer il), then our final RMS norm of the last layer vs the reference's
 * model.norm output. Prints every layer; returns the index of the first layer above tol
 * (n_layer: the final norm), or -1. tol 0: report only. */
static int check_layers(const anyinfer_model *model, anyinfer_session *sess, const struct ref *r,
                        const char *label, double tol) {
  const struct ref_seq *s = &r->seq[r->hs_seq];
  size_t per = (size_t)r->hs_tok * r->n_embd;
  struct layer_capture cap = {.x = calloc(per * r->n_layer + 1, sizeof(float)),
                              .n_embd = r->n_embd,
                              .n_tok = r->hs_tok,
                              .n_layer = (int32_t)r->n_layer};
  if (!cap.x) return 0;
  anyinfer_session_truncate(sess, 0);
  sess->state.on_layer = on_layer;
  sess->state.on_layer_user_data = &cap;
  anyinfer_status st = anyinfer_session_decode(sess, s->ids, s->n_prompt, NULL);
  sess->state.on_layer = NULL;
  sess->state.on_layer_user_data = NULL;
  int first_bad = -1;
  if (st != ANYINFER_OK || cap.seen != cap.n_layer) {
    fprintf(stderr, "%s: hidden states: decode %s, %d of %d layers seen\n", label,
            anyinfer_status_name(st), cap.seen, cap.n_layer);
    free(cap.x);
    return 0;
  }
  printf("  %s per-layer max rel err:", label);
  for (uint32_t il = 0; il <= r->n_layer; il++) {
    double rel;
    if (il < r->n_layer) {
      rel = state_rel(cap.x + il * per, r->hs + (il + 1) * per, r->n_embd, r->hs_tok);
      printf(" blk.%u %.2e", il, rel);
    } else { /* final norm: ours from the last layer's output and output_norm.weight */
      const struct ai_llama *L = &model->llama;
      const float *w = L->output_norm->type == AI_TYPE_F32
                           ? (const float *)((const char *)model->weights + L->output_norm->offset)
                           : NULL;
      float *normed = malloc(per * sizeof *normed);
      const float *last = cap.x + (size_t)(r->n_layer - 1) * per;
      if (!w || !normed) {
        free(normed);
        break;
      }
      for (uint32_t t = 0; t < r->hs_tok; t++) {
        double ss = 0;
        for (uint32_t i = 0; i < r->n_embd; i++)
          ss += (double)last[t * r->n_embd + i] * last[t * r->n_embd + i];
        double scale = 1.0 / sqrt(ss / r->n_embd + L->hp.rms_eps);
        for (uint32_t i = 0; i < r->n_embd; i++)
          normed[t * r->n_embd + i] = (float)(last[t * r->n_embd + i] * scale * w[i]);
      }
      rel = state_rel(normed, r->hs + (r->n_layer + 1) * per, r->n_embd, r->hs_tok);
      free(normed);
      printf(" output_norm %.2e", rel);
    }
    if (tol > 0 && !(rel <= tol) && first_bad < 0) first_bad = (int)il;
  }
  printf("\n");
  if (first_bad >= 0 && (uint32_t)first_bad < r->n_layer) {
    int64_t t_bad = -1;
    for (uint32_t t = 0; t < r->hs_tok && t_bad < 0; t++)
      if (!(state_rel(cap.x + first_bad * per + (size_t)t * r->n_embd,
                      r->hs + (first_bad + 1) * per + (size_t)t * r->n_embd, r->n_embd, 1) <= tol))
        t_bad = t;
    fprintf(stderr,
            "%s: first diverging layer: model.layers.%d (GGUF blk.%d; layer 0 also covers the "
            "token embeddings), first at position %lld of prompt %u\n",
            label, first_bad, first_bad, (long long)t_bad, r->hs_seq);
  } else if (first_bad >= 0)
    fprintf(stderr, "%s: first diverging layer: model.norm (GGUF output_norm)\n", label);
  free(cap.x);
  return first_bad;
}

static void print_ids(const char *what, const int32_t *ids, size_t n) {
  fprintf(stderr, "    %s:", what);
  for (size_t i = 0; i < n; i++) fprintf(stderr, " %d", ids[i]);
  fprintf(stderr, "\n");
}

/* Whether ours equals the reference ids but for extra "▁" tokens (piece " ") right after the
 * reference's special tokens (BOS or a token whose piece is bracketed, like "[INST]"). */
static bool only_prefix_spaces_after_special(const anyinfer_model *model, const int32_t *ours,
                                             size_t n, const struct ref_seq *s) {
  size_t i = 0, j = 0;
  int extra = 0;
  anyinfer_model_info info;
  anyinfer_model_get_info(model, &info);
  while (i < n && j < s->n_prompt) {
    if (ours[i] == s->ids[j]) {
      i++, j++;
      continue;
    }
    char piece[64], prev[64];
    size_t len = 0, plen = 0;
    bool is_space =
        anyinfer_token_to_piece(model, ours[i], piece, sizeof piece, &len) == ANYINFER_OK &&
        len == 1 && piece[0] == ' ';
    bool after_special =
        j > 0 &&
        (s->ids[j - 1] == info.bos_token ||
         (anyinfer_token_to_piece(model, s->ids[j - 1], prev, sizeof prev, &plen) == ANYINFER_OK &&
          plen > 2 && plen < sizeof prev && (prev[0] == '[' || prev[0] == '<') &&
          (prev[plen - 1] == ']' || prev[plen - 1] == '>')));
    if (!is_space || !after_special) return false;
    i++, extra++;
  }
  return extra > 0 && i == n && j == s->n_prompt;
}

static void check_tokenizer(const anyinfer_model *model, const struct ref *r, const char *label) {
  for (uint32_t i = 0; i < r->n_seq; i++) {
    const struct ref_seq *s = &r->seq[i];
    int32_t ids[N_CTX];
    size_t n = 0;
    anyinfer_status st =
        anyinfer_tokenize(model, s->text, s->n_text, (s->flags & 1) != 0, true, ids, N_CTX, &n);
    bool same = st == ANYINFER_OK && n == s->n_prompt && memcmp(ids, s->ids, n * sizeof *ids) == 0;
    if (!same && st == ANYINFER_OK && only_prefix_spaces_after_special(model, ids, n, s)) {
      /* We follow llama.cpp's SentencePiece rule (llama-vocab.cpp, tokenize_impl: "prefix with
       * space if previous is special"); HF's Metaspace prepend_scheme "first" adds no space after
       * a special token. Everything else must match exactly. */
      fprintf(stderr,
              "%s: prompt %u: known difference: llama.cpp's space prefix after a special "
              "token (HF Metaspace prepend_scheme=first adds none)\n",
              label, i);
      same = true;
    }
    CHECK(same);
    if (!same) {
      fprintf(stderr, "%s: tokenizer differs on prompt %u \"%.*s\" (%s):\n", label, i,
              (int)s->n_text, s->text, anyinfer_status_name(st));
      print_ids("ours", ids, n < N_CTX ? n : N_CTX);
      print_ids("ref ", s->ids, s->n_prompt);
    }
  }
}

/* Free-running greedy decode; returns the first step that differs from the reference, or -1.
 * A step whose reference margin is below tie_rel ends the comparison as a near tie (*n_ties). */
static int greedy_diff(anyinfer_session *sess, const struct ref *r, const struct ref_seq *s,
                       const char *label, int seq, double tie_rel, int *n_ties) {
  const float *logits = NULL;
  anyinfer_session_truncate(sess, 0);
  if (anyinfer_session_decode(sess, s->ids, s->n_prompt, &logits) != ANYINFER_OK) {
    fprintf(stderr, "%s: decode: %s\n", label, anyinfer_session_last_error(sess));
    return 0;
  }
  for (uint32_t i = 0; i < s->n_cont; i++) {
    int32_t ours = argmax(logits, r->n_vocab), want = s->ids[s->n_prompt + i];
    if (ours != want) {
      const float *row = s->logits + (size_t)(s->n_prompt - 1 + i) * r->n_vocab;
      bool is_tie = ref_margin(row, r->n_vocab) < tie_rel;
      *n_ties += is_tie;
      fprintf(stderr,
              "%s: greedy continuation of prompt %d %s at step %u: ours %d, reference %d "
              "(reference logits %.5f vs %.5f, reference top-1 margin %.4f of max|logit|; ours "
              "%.5f vs %.5f)\n",
              label, seq, is_tie ? "parts at a near tie" : "differs", i, ours, want, row[ours],
              row[want], ref_margin(row, r->n_vocab), logits[ours], logits[want]);
      return is_tie ? -1 : (int)i;
    }
    if (anyinfer_session_decode(sess, &ours, 1, &logits) != ANYINFER_OK) {
      fprintf(stderr, "%s: decode: %s\n", label, anyinfer_session_last_error(sess));
      return (int)i;
    }
  }
  return -1;
}

static void check_model_file(const char *gguf, const struct ref *r, const char *name,
                             const struct type_rule *rule) {
  char label[96], errbuf[512] = "";
  snprintf(label, sizeof label, "%s %s%s", name, rule->type, rule->dequantize ? ">f32" : "");
  anyinfer_model_params mp;
  anyinfer_model_default_params(&mp);
  mp.error_buf = errbuf;
  mp.error_cap = sizeof errbuf;
  mp.log_level = ANYINFER_LOG_ERROR;
  anyinfer_model *model = NULL;
  anyinfer_session *sess = NULL;
  anyinfer_status st = anyinfer_model_load(gguf, &mp, &model);
  CHECK(st == ANYINFER_OK);
  if (st != ANYINFER_OK) {
    fprintf(stderr, "%s: load: %s\n", label, errbuf);
    return;
  }
  anyinfer_session_params sp;
  anyinfer_session_default_params(&sp);
  sp.n_ctx = N_CTX;
  st = anyinfer_session_create(model, &sp, &sess);
  CHECK(st == ANYINFER_OK);
  if (st != ANYINFER_OK) goto done;
  anyinfer_model_info info;
  anyinfer_model_get_info(model, &info);
  CHECK_EQ(info.n_vocab, r->n_vocab);
  CHECK_EQ(info.n_layer, r->n_layer);
  CHECK_EQ(info.n_embd, r->n_embd);
  if ((uint32_t)info.n_vocab != r->n_vocab || (uint32_t)info.n_layer != r->n_layer ||
      (uint32_t)info.n_embd != r->n_embd)
    goto done;
  if (strcmp(rule->type, "f32") == 0) check_tokenizer(model, r, label);

  struct metrics m = {0};
  int n_greedy_bad = 0, n_ties = 0;
  for (uint32_t i = 0; i < r->n_seq; i++) {
    const struct ref_seq *s = &r->seq[i];
    size_t n = (size_t)s->n_prompt + s->n_cont;
    float *out = malloc(n * r->n_vocab * sizeof *out);
    if (!out) break;
    anyinfer_session_truncate(sess, 0);
    st = anyinfer_session_decode_all(sess, s->ids, n, out);
    CHECK(st == ANYINFER_OK);
    if (st == ANYINFER_OK)
      for (size_t t = 0; t < n; t++) {
        bool is_cont = t + 1 >= s->n_prompt && t + 1 < n;
        compare_row(&m, out + t * r->n_vocab, s->logits + t * r->n_vocab, r->n_vocab, is_cont,
                    (int)i, (int)t);
      }
    free(out);
    if (rule->greedy_exact) {
      int at = greedy_diff(sess, r, s, label, (int)i, rule->tie_rel, &n_ties);
      CHECK(at < 0);
      n_greedy_bad += at >= 0;
    }
  }
  double norm_rel = m.r2 > 0 ? sqrt(m.d2 / m.r2) : 0;
  double top1 = m.top1_n ? (double)m.top1_agree / (double)m.top1_n : 0;
  double mean_cos = m.n_rows ? m.sum_cos / (double)m.n_rows : 0;
  printf(
      "%-10s %-8s max_rel %.3e  norm_rel %.3e  top1 %ld/%ld (%.1f%%)  cos mean %.6f min %.6f"
      "  greedy %s%s\n",
      name, strchr(label, ' ') + 1, m.max_rel, norm_rel, m.top1_agree, m.top1_n, 100.0 * top1,
      mean_cos, m.min_cos,
      rule->greedy_exact ? (n_greedy_bad ? "DIFFERS" : "identical") : "(not checked)",
      n_ties ? " up to a near tie" : "");
  bool bad = false;
  if (rule->max_rel > 0) {
    CHECK(m.max_rel <= rule->max_rel);
    if (!(m.max_rel <= rule->max_rel)) {
      bad = true;
      fprintf(stderr, "%s: max rel err %.3e > %.0e, worst at prompt %d position %d\n", label,
              m.max_rel, rule->max_rel, m.worst_seq, m.worst_row);
    }
  }
  double min_top1 = rule->min_top1;
  if (min_top1 > 0) {
    CHECK(top1 >= min_top1);
    bad |= !(top1 >= min_top1);
  }
  if (rule->min_mean_cos > 0) {
    CHECK(mean_cos >= rule->min_mean_cos);
    bad |= !(mean_cos >= rule->min_mean_cos);
  }
  bad |= n_greedy_bad > 0;
  int first = check_layers(model, sess, r, label, rule->layer_max_rel);
  CHECK(first < 0);
  if (bad && first < 0 && rule->layer_max_rel > 0)
    fprintf(stderr,
            "%s: every layer's hidden states agree; the difference is after the final "
            "norm (output matrix / tied embeddings)\n",
            label);
done:
  anyinfer_session_free(sess);
  anyinfer_model_free(model);
}

/* Runs `$ANYINFER_BIN sub in out args`; prints its output when it fails. */
static bool run_cli(const char *bin, const char *sub, const char *in, const char *out,
                    const char *args) {
  char cmd[2048], log[1100];
  snprintf(log, sizeof log, "%s.log", out);
  snprintf(cmd, sizeof cmd, "'%s' %s '%s' '%s' %s > '%s' 2>&1", bin, sub, in, out, args, log);
  int rc = system(cmd);
  if (rc != 0) {
    fprintf(stderr, "failed (%d): %s\n", rc, cmd);
    FILE *f = fopen(log, "r");
    char line[512];
    while (f && fgets(line, sizeof line, f)) fputs(line, stderr);
    if (f) fclose(f);
  }
  remove(log);
  return rc == 0;
}

static bool convert(const char *bin, const char *dir, const char *out, const char *type) {
  char args[64];
  snprintf(args, sizeof args, "--type %s", type);
  return run_cli(bin, "convert", dir, out, args);
}

int main(void) {
  const char *bin = getenv("ANYINFER_BIN");
  CHECK(bin != NULL);
  if (!bin) {
    fprintf(stderr, "ANYINFER_BIN (path of the anyinfer CLI) is not set; ctest sets it\n");
    return check_exit();
  }
  char tmp[] = "/tmp/anyinfer_parity_XXXXXX";
  CHECK(mkdtemp(tmp) != NULL);
  for (size_t mi = 0; mi < sizeof model_names / sizeof *model_names; mi++) {
    const char *name = model_names[mi];
    char dir[256], path[600];
    snprintf(dir, sizeof dir, FIXTURES "/%s", name);
    snprintf(path, sizeof path, "%s/reference.bin", dir);
    struct ref r;
    bool ok = ref_load(path, &r);
    CHECK(ok);
    if (!ok) {
      ref_free(&r);
      continue;
    }
    for (size_t ti = 0; ti < sizeof rules / sizeof *rules; ti++) {
      snprintf(path, sizeof path, "%s/%s_%s.gguf", tmp, name, rules[ti].type);
      bool converted = convert(bin, dir, path, rules[ti].type);
      CHECK(converted);
      if (converted && rules[ti].dequantize) {
        char f32[600];
        snprintf(f32, sizeof f32, "%.580s.f32", path);
        converted = run_cli(bin, "quantize", path, f32, "F32");
        CHECK(converted);
        remove(path);
        memcpy(path, f32, sizeof f32);
      }
      if (converted) check_model_file(path, &r, name, &rules[ti]);
      remove(path);
    }
    ref_free(&r);
  }
  rmdir(tmp);
  return check_exit();
}
