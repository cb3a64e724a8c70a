/* Whisper's decoding (openai/whisper decoding.py and transcribe.py): 30 s windows of log-mel,
 * seeking by the last timestamp each window ends on; per window a prompt of earlier text after
 * <|startofprev|>, the start sequence <|startoftranscript|> <|lang|> <|task|> [<|notimestamps|>],
 * then greedy decoding, beam search (temperature 0) or best-of sampling (temperature > 0) under
 * Whisper's logit filters (blank suppression at the start, non-speech tokens, the timestamp
 * rules), with temperature fallback when the text repeats (compression ratio) or is unlikely
 * (mean log-probability), and windows of silence (no-speech probability) skipped. Timestamp
 * tokens split each window's text into segments. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "audio/mel.h"
#include "engine/transcriber.h"
#include "text/compress_ratio.h"

#define TIME_PRECISION      0.02 /* seconds per timestamp token */
#define FRAME_SECONDS       0.01 /* seconds per mel frame (hop 160 at 16 kHz) */
#define MAX_INITIAL_TS      50   /* the first timestamp is at most 1.0 s (decoding.py) */
#define NO_SPEECH_DEFAULT   0.6f
#define TEMPERATURE_CEILING 1.0f

void anyinfer_transcribe_default_params(anyinfer_transcribe_params *p) {
  *p = (anyinfer_transcribe_params){.beam_size = 1,
                                    .best_of = 5,
                                    .temperature = 0.0f,
                                    .temperature_inc = 0.2f,
                                    .compression_ratio_threshold = 2.4f,
                                    .logprob_threshold = -1.0f,
                                    .no_speech_threshold = NO_SPEECH_DEFAULT,
                                    .condition_on_previous_text = true,
                                    .suppress_blank = true,
                                    .suppress_non_speech = true};
}

struct anyinfer_transcript {
  struct ai_alloc alloc;
  anyinfer_segment *segs;
  size_t n_segs, cap_segs;
  char *text; /* every segment's text, NUL-separated; then the joined text */
  size_t n_text, cap_text;
  int32_t *tokens;
  size_t n_tokens, cap_tokens;
  const char *joined; /* segment text and tokens hold offsets until the call ends */
  char language[8];
  double duration;
};

/* One decoding hypothesis: its KV slot and the tokens sampled after the start sequence. */
struct hyp {
  int32_t slot;
  int32_t n;
  int32_t *tokens;
  double sum_logprob;
  bool done;
};

/* What one window's decoding produced. */
struct window_result {
  int32_t *tokens; /* sampled tokens without <|endoftext|> */
  int32_t n;
  float avg_logprob, no_speech_prob, compression_ratio, temperature;
};

/* Per-call state. */
struct job {
  anyinfer_transcriber *t;
  const anyinfer_transcribe_params *p;
  const struct ai_whisper_vocab *v;
  int32_t n_vocab, n_ctx;
  uint8_t *suppress;  /* n_vocab: always suppressed */
  int32_t blank;      /* " " as one token, or -1 */
  float *logits;      /* n_vocab scratch */
  float *logprobs;    /* n_vocab scratch */
  float *init_logits; /* n_vocab: logits after the start sequence */
  int32_t *init;      /* prompt + start sequence, n_ctx */
  int32_t n_init;
  int32_t *hyp_tokens; /* 2 max_beams x n_ctx */
  struct hyp hyps[2][16];
  int32_t *cand_tok, *cand_src; /* beam candidates: max_beams x (max_beams + 1) */
  double *cand_score;
  int32_t *history; /* earlier text for prompts, n_ctx / 2 kept */
  int32_t n_history;
  int32_t lang_token;
  int32_t best_of; /* params best_of, at most max_beams */
  uint64_t rng;
  char *text_buf;
  size_t text_cap;
};

/* ---- logit filters ------------------------------------------------------------------------- */

static float log_softmax(const float *x, int32_t n, float *out) {
  float max = -INFINITY;
  for (int32_t i = 0; i < n; i++) max = x[i] > max ? x[i] : max;
  double sum = 0;
  for (int32_t i = 0; i < n; i++) sum += x[i] == -INFINITY ? 0.0 : exp((double)(x[i] - max));
  float lse = max + (float)log(sum);
  for (int32_t i = 0; i < n; i++) out[i] = x[i] - lse;
  return lse;
}

/* decoding.py SuppressBlank, SuppressTokens and ApplyTimestampRules on one hypothesis's logits;
 * seq: its sampled tokens so far. Leaves log-probabilities in j->logprobs. */
static void apply_filters(struct job *j, float *logits, const int32_t *seq, int32_t n) {
  const struct ai_whisper_vocab *v = j->v;
  for (int32_t i = 0; i < j->n_vocab; i++)
    if (j->suppress[i]) logits[i] = -INFINITY;
  if (n == 0 && j->p->suppress_blank) {
    if (j->blank >= 0) logits[j->blank] = -INFINITY;
    logits[v->eot] = -INFINITY;
  }
  if (j->p->no_timestamps) { /* no timestamp tokens at all (as whisper.cpp) */
    for (int32_t i = v->timestamp_begin; i < j->n_vocab; i++) logits[i] = -INFINITY;
  } else {
    int32_t tb = v->timestamp_begin;
    bool last_ts = n >= 1 && seq[n - 1] >= tb, penult_ts = n < 2 || seq[n - 2] >= tb;
    if (last_ts) {
      if (penult_ts) /* a pair of timestamps closed a segment: text must follow */
        for (int32_t i = tb; i < j->n_vocab; i++) logits[i] = -INFINITY;
      else /* an opening timestamp cannot be followed by text */
        for (int32_t i = 0; i < v->eot; i++) logits[i] = -INFINITY;
    }
    int32_t ts_last = -1;
    for (int32_t i = n - 1; i >= 0 && ts_last < 0; i--)
      if (seq[i] >= tb) ts_last = seq[i];
    if (ts_last >= 0) { /* timestamps never decrease */
      int32_t lim = last_ts && !penult_ts ? ts_last : ts_last + 1;
      for (int32_t i = tb; i < lim && i < j->n_vocab; i++) logits[i] = -INFINITY;
    }
    if (n == 0) { /* the first token is a timestamp of at most 1.0 s */
      for (int32_t i = 0; i < tb; i++) logits[i] = -INFINITY;
      for (int32_t i = tb + MAX_INITIAL_TS + 1; i < j->n_vocab; i++) logits[i] = -INFINITY;
    }
    /* if the timestamps together are likelier than any text token, take a timestamp */
    log_softmax(logits, j->n_vocab, j->logprobs);
    float max_text = -INFINITY, ts_max = -INFINITY;
    for (int32_t i = 0; i < tb; i++)
      max_text = j->logprobs[i] > max_text ? j->logprobs[i] : max_text;
    for (int32_t i = tb; i < j->n_vocab; i++)
      ts_max = j->logprobs[i] > ts_max ? j->logprobs[i] : ts_max;
    if (ts_max > -INFINITY) {
      double s = 0;
      for (int32_t i = tb; i < j->n_vocab; i++) s += exp((double)(j->logprobs[i] - ts_max));
      if (ts_max + (float)log(s) > max_text)
        for (int32_t i = 0; i < tb; i++) logits[i] = -INFINITY;
    }
  }
  log_softmax(logits, j->n_vocab, j->logprobs);
}

/* ---- sampling ------------------------------------------------------------------------------ */

static uint64_t next_rand(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static int32_t pick(struct job *j, float temperature) {
  int32_t best = 0;
  for (int32_t i = 1; i < j->n_vocab; i++)
    if (j->logprobs[i] > j->logprobs[best]) best = i;
  if (temperature <= 0.0f) return best;
  /* softmax(logits / T) from the log-probabilities: exp((lp - lp_best) / T) */
  double sum = 0;
  for (int32_t i = 0; i < j->n_vocab; i++)
    sum +=
        j->logprobs[i] == -INFINITY ? 0 : exp((j->logprobs[i] - j->logprobs[best]) / temperature);
  double r = (double)(next_rand(&j->rng) >> 11) * 0x1.0p-53 * sum, acc = 0;
  for (int32_t i = 0; i < j->n_vocab; i++) {
    if (j->logprobs[i] == -INFINITY) continue;
    acc += exp((j->logprobs[i] - j->logprobs[best]) / temperature);
    if (acc >= r) return i;
  }
  return best;
}

/* ---- one window ---------------------------------------------------------------------------- */

static int32_t max_sample_len(const struct job *j) {
  int32_t room = j->n_ctx - j->n_init;
  return room < j->n_ctx / 2 ? room : j->n_ctx / 2;
}

/* Decodes token tok of hypothesis h at its next position; its logits land in j->logits. */
static void step(struct job *j, struct hyp *h, int32_t tok) {
  ai_whisper_decode(&j->t->model->whisper, &j->t->state, h->slot, &tok, 1, j->n_init + h->n, false,
                    j->logits);
  h->tokens[h->n++] = tok;
}

/* Greedy (temperature 0) or sampled decoding of one hypothesis from the start sequence. */
static void decode_one(struct job *j, struct hyp *h, float temperature) {
  int32_t max_len = max_sample_len(j);
  memcpy(j->logits, j->init_logits, (size_t)j->n_vocab * sizeof(float));
  while (!h->done) {
    apply_filters(j, j->logits, h->tokens, h->n);
    int32_t tok = pick(j, temperature);
    h->sum_logprob += j->logprobs[tok];
    if (tok == j->v->eot || h->n >= max_len) {
      h->done = true;
      break;
    }
    step(j, h, tok);
  }
}

/* decoding.py BeamSearchDecoder at temperature 0: each step, every live beam proposes its
 * beam_size + 1 best tokens; the beam_size best new sequences live on, and those ending in
 * <|endoftext|> are kept as finished (at most beam_size). Beams alternate between two halves of
 * the KV slots, so a step copies each survivor's cache from its source beam. */
static struct hyp *decode_beams(struct job *j, int32_t beam_size) {
  const int32_t max_beams = j->t->max_beams, max_len = max_sample_len(j), k = beam_size + 1;
  struct hyp *cur = j->hyps[0], *nxt = j->hyps[1], *fin = NULL;
  int32_t n_cur = 1, n_fin = 0;
  cur[0].n = 0, cur[0].sum_logprob = 0, cur[0].done = false; /* slot 0 holds the start */
  struct hyp finished[16];
  float *beam_logits = j->t->logits; /* max_beams x n_vocab: the live beams' next logits */
  memcpy(beam_logits, j->init_logits, (size_t)j->n_vocab * sizeof(float));
  for (int32_t len = 0; n_fin < beam_size && n_cur > 0; len++) {
    int32_t n_cand = 0;
    for (int32_t b = 0; b < n_cur; b++) {
      float *lg = beam_logits + (size_t)b * (size_t)j->n_vocab;
      apply_filters(j, lg, cur[b].tokens, cur[b].n);
      /* the k best tokens of this beam, by insertion */
      int32_t top[17];
      int32_t n_top = 0;
      for (int32_t i = 0; i < j->n_vocab; i++) {
        if (j->logprobs[i] == -INFINITY) continue;
        if (n_top == k && j->logprobs[i] <= j->logprobs[top[k - 1]]) continue;
        int32_t at = n_top < k ? n_top++ : k - 1;
        while (at > 0 && j->logprobs[top[at - 1]] < j->logprobs[i]) top[at] = top[at - 1], at--;
        top[at] = i;
      }
      for (int32_t c = 0; c < n_top; c++) {
        j->cand_tok[n_cand] = top[c];
        j->cand_src[n_cand] = b;
        j->cand_score[n_cand++] = cur[b].sum_logprob + j->logprobs[top[c]];
      }
    }
    /* candidates by score, best first (insertion sort: at most max_beams * 17) */
    for (int32_t a = 1; a < n_cand; a++)
      for (int32_t c = a; c > 0 && j->cand_score[c] > j->cand_score[c - 1]; c--) {
        double s = j->cand_score[c];
        j->cand_score[c] = j->cand_score[c - 1], j->cand_score[c - 1] = s;
        int32_t t = j->cand_tok[c];
        j->cand_tok[c] = j->cand_tok[c - 1], j->cand_tok[c - 1] = t;
        t = j->cand_src[c];
        j->cand_src[c] = j->cand_src[c - 1], j->cand_src[c - 1] = t;
      }
    int32_t n_nxt = 0;
    for (int32_t c = 0; c < n_cand && n_nxt < beam_size; c++) {
      const struct hyp *src = &cur[j->cand_src[c]];
      bool ends = j->cand_tok[c] == j->v->eot || len + 1 >= max_len;
      if (ends) {
        if (n_fin < beam_size) {
          struct hyp *f = &finished[n_fin++];
          *f = *src;
          /* finished tokens live in the spare rows after the two halves' */
          f->tokens = j->hyp_tokens + (size_t)(2 * max_beams + n_fin - 1) * (size_t)j->n_ctx;
          memcpy(f->tokens, src->tokens, (size_t)src->n * sizeof(int32_t));
          if (j->cand_tok[c] != j->v->eot) f->tokens[f->n++] = j->cand_tok[c];
          f->sum_logprob = j->cand_score[c];
        }
        continue;
      }
      struct hyp *d = &nxt[n_nxt];
      ai_whisper_copy_seq(&j->t->model->whisper, &j->t->state, d->slot, src->slot,
                          j->n_init + src->n);
      memcpy(d->tokens, src->tokens, (size_t)src->n * sizeof(int32_t));
      d->n = src->n;
      d->sum_logprob = j->cand_score[c];
      d->done = false;
      j->cand_src[c] = -1 - n_nxt; /* this candidate's token is decoded below */
      n_nxt++;
    }
    for (int32_t c = 0; c < n_cand; c++) {
      if (j->cand_src[c] >= 0) continue;
      int32_t b = -1 - j->cand_src[c];
      step(j, &nxt[b], j->cand_tok[c]);
      memcpy(beam_logits + (size_t)b * (size_t)j->n_vocab, j->logits,
             (size_t)j->n_vocab * sizeof(float));
    }
    struct hyp *swap = cur;
    cur = nxt, nxt = swap;
    n_cur = n_nxt;
  }
  for (int32_t b = 0; n_fin == 0 && b < n_cur; b++) finished[n_fin++] = cur[b];
  /* decoding.py MaximumLikelihoodRanker without length penalty: sum log-prob / length */
  double best = -INFINITY;
  for (int32_t f = 0; f < n_fin; f++) {
    double score = finished[f].sum_logprob / (finished[f].n > 0 ? finished[f].n : 1);
    if (score > best) best = score, fin = &finished[f];
  }
  /* hand the winner back in the first hypothesis of half 0 */
  struct hyp *out = &j->hyps[0][0];
  if (fin != out) {
    memmove(out->tokens, fin->tokens, (size_t)fin->n * sizeof(int32_t));
    out->n = fin->n;
    out->sum_logprob = fin->sum_logprob;
  }
  return out;
}

/* UTF-8 text of tokens (text tokens only) into j->text_buf. */
static anyinfer_status text_of(struct job *j, const int32_t *tokens, int32_t n, size_t *len,
                               struct ai_error *err) {
  int32_t *ids = j->init; /* scratch: the start sequence is rebuilt per window */
  int32_t m = 0;
  for (int32_t i = 0; i < n; i++)
    if (tokens[i] < j->v->eot) ids[m++] = tokens[i];
  for (;;) {
    anyinfer_status st =
        ai_tokenizer_decode(j->t->model->tokenizer, ids, (size_t)m, j->text_buf, j->text_cap, len);
    if (st == ANYINFER_OK) return ANYINFER_OK;
    if (st != ANYINFER_E_RANGE) return ai_error_set(err, st, "transcribe: cannot decode text");
    char *grown = ai_realloc(&j->t->alloc, j->text_buf, *len + 1);
    if (!grown) return ai_error_set(err, ANYINFER_E_NOMEM, "transcribe: out of memory");
    j->text_buf = grown, j->text_cap = *len + 1;
  }
}

/* The start sequence after the prompt; decodes both, leaving the logits at <|startoftranscript|>
 * (no-speech probability) and after the sequence (first sampling step). */
static float start_window(struct job *j) {
  const struct ai_whisper_vocab *v = j->v;
  int32_t n = 0, keep = j->n_history < j->n_ctx / 2 - 1 ? j->n_history : j->n_ctx / 2 - 1;
  if (keep > 0 && v->sot_prev >= 0) {
    j->init[n++] = v->sot_prev;
    memcpy(j->init + n, j->history + j->n_history - keep, (size_t)keep * sizeof(int32_t));
    n += keep;
  }
  j->init[n++] = v->sot;
  const struct ai_whisper *w = &j->t->model->whisper;
  ai_whisper_decode(w, &j->t->state, 0, j->init, n, 0, false, j->logits);
  float no_speech = 0.0f;
  if (v->no_speech >= 0) {
    log_softmax(j->logits, j->n_vocab, j->logprobs);
    no_speech = expf(j->logprobs[v->no_speech]);
  }
  int32_t n0 = n;
  if (v->n_lang > 0) {
    j->init[n++] = j->lang_token;
    j->init[n++] = j->p->translate && v->translate >= 0 ? v->translate : v->transcribe;
  }
  if (j->p->no_timestamps) j->init[n++] = v->no_timestamps;
  if (n > n0) ai_whisper_decode(w, &j->t->state, 0, j->init + n0, n - n0, n0, false, j->logits);
  memcpy(j->init_logits, j->logits, (size_t)j->n_vocab * sizeof(float));
  j->n_init = n;
  return no_speech;
}

/* decode_with_fallback: temperatures T0, T0 + inc, ... <= 1 until the result is neither
 * repetitive nor unlikely (or is silence). */
static anyinfer_status decode_window(struct job *j, struct window_result *r, struct ai_error *err) {
  const anyinfer_transcribe_params *p = j->p;
  float no_speech = start_window(j);
  for (float temp = p->temperature;; temp += p->temperature_inc) {
    struct hyp *best = NULL;
    if (temp <= 0.0f && p->beam_size > 1) {
      best = decode_beams(j, p->beam_size);
    } else {
      int32_t n_cand = temp > 0.0f ? j->best_of : 1;
      for (int32_t c = 0; c < n_cand; c++) {
        struct hyp *h = &j->hyps[0][c];
        h->n = 0, h->sum_logprob = 0, h->done = false;
        if (c > 0) ai_whisper_copy_seq(&j->t->model->whisper, &j->t->state, h->slot, 0, j->n_init);
        decode_one(j, h, temp);
        double score = h->sum_logprob / (h->n > 0 ? h->n : 1);
        if (!best || score > best->sum_logprob / (best->n > 0 ? best->n : 1)) best = h;
      }
    }
    size_t len;
    anyinfer_status st = text_of(j, best->tokens, best->n, &len, err);
    if (st) return st;
    r->tokens = best->tokens;
    r->n = best->n;
    r->avg_logprob = (float)(best->sum_logprob / (best->n + 1));
    r->no_speech_prob = no_speech;
    r->compression_ratio = ai_compression_ratio(j->text_buf, len);
    r->temperature = temp;
    bool fallback = (p->compression_ratio_threshold > 0 &&
                     r->compression_ratio > p->compression_ratio_threshold) ||
                    (p->logprob_threshold < 0 && r->avg_logprob < p->logprob_threshold);
    if (p->no_speech_threshold > 0 && no_speech > p->no_speech_threshold &&
        p->logprob_threshold < 0 && r->avg_logprob < p->logprob_threshold)
      fallback = false; /* silence: the window is skipped instead */
    if (!fallback || p->temperature_inc <= 0 ||
        temp + p->temperature_inc > TEMPERATURE_CEILING + 1e-6f)
      return ANYINFER_OK;
  }
}

/* ---- the transcript ------------------------------------------------------------------------ */

static bool grow(const struct ai_alloc *a, void **p, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return true;
  size_t n = *cap ? *cap : 16;
  while (n < need) n *= 2;
  void *q = ai_realloc(a, *p, n * elem);
  if (!q) return false;
  *p = q, *cap = n;
  return true;
}

/* Appends a segment of tokens (text tokens are kept) from t0 to t1 seconds; calls on_segment. */
static anyinfer_status add_segment(struct job *j, anyinfer_transcript *tr, double t0, double t1,
                                   const int32_t *tokens, int32_t n, const struct window_result *r,
                                   bool *stop, struct ai_error *err) {
  size_t len;
  anyinfer_status st = text_of(j, tokens, n, &len, err);
  if (st) return st;
  int32_t n_text = 0;
  for (int32_t i = 0; i < n; i++) n_text += tokens[i] < j->v->eot;
  if (n_text == 0) return ANYINFER_OK;
  size_t nseg = tr->n_segs + 1;
  if (!grow(&tr->alloc, (void **)&tr->segs, &tr->cap_segs, nseg, sizeof *tr->segs) ||
      !grow(&tr->alloc, (void **)&tr->text, &tr->cap_text, tr->n_text + len + 1, 1) ||
      !grow(&tr->alloc, (void **)&tr->tokens, &tr->cap_tokens, tr->n_tokens + (size_t)n_text,
            sizeof *tr->tokens))
    return ai_error_set(err, ANYINFER_E_NOMEM, "transcribe: out of memory");
  size_t text_off = tr->n_text, tok_off = tr->n_tokens;
  memcpy(tr->text + text_off, j->text_buf, len);
  tr->text[text_off + len] = '\0';
  tr->n_text += len + 1;
  for (int32_t i = 0; i < n; i++)
    if (tokens[i] < j->v->eot) tr->tokens[tr->n_tokens++] = tokens[i];
  /* offsets for now; pointers once the buffers stop moving */
  tr->segs[tr->n_segs++] = (anyinfer_segment){.t0 = t0,
                                              .t1 = t1,
                                              .text = (const char *)(uintptr_t)text_off,
                                              .tokens = (const int32_t *)(uintptr_t)tok_off,
                                              .n_tokens = (size_t)n_text,
                                              .avg_logprob = r->avg_logprob,
                                              .no_speech_prob = r->no_speech_prob,
                                              .compression_ratio = r->compression_ratio,
                                              .temperature = r->temperature};
  if (j->p->on_segment) {
    anyinfer_segment s = tr->segs[tr->n_segs - 1];
    s.text = tr->text + text_off, s.tokens = tr->tokens + tok_off;
    if (!j->p->on_segment(&s, j->p->on_segment_user_data)) *stop = true;
  }
  return ANYINFER_OK;
}

/* transcribe.py: the window's tokens as segments between consecutive timestamp pairs; returns
 * how many frames to advance. */
static anyinfer_status window_segments(struct job *j, anyinfer_transcript *tr,
                                       const struct window_result *r, int64_t seek,
                                       int64_t segment_frames, int64_t *advance, bool *stop,
                                       struct ai_error *err) {
  const int32_t tb = j->v->timestamp_begin, *tok = r->tokens, n = r->n;
  double offset = (double)seek * FRAME_SECONDS;
  bool single_end = n >= 2 && tok[n - 2] < tb && tok[n - 1] >= tb;
  int32_t last_slice = 0, n_slices = 0;
  anyinfer_status st = ANYINFER_OK;
  for (int32_t i = 1; i < n && !st && !*stop; i++) {
    if (!(tok[i - 1] >= tb && tok[i] >= tb)) continue;
    st = add_segment(j, tr, offset + (tok[last_slice] - tb) * TIME_PRECISION,
                     offset + (tok[i - 1] - tb) * TIME_PRECISION, tok + last_slice, i - last_slice,
                     r, stop, err);
    last_slice = i, n_slices++;
  }
  if (st || *stop) return st;
  if (n_slices > 0) {
    if (single_end) {
      st = add_segment(j, tr, offset + (tok[last_slice] - tb) * TIME_PRECISION,
                       offset + (tok[n - 1] - tb) * TIME_PRECISION, tok + last_slice,
                       n - last_slice, r, stop, err);
      *advance = segment_frames;
    } else {
      /* the next window starts at the last closing timestamp (2 frames per timestamp step) */
      *advance = (int64_t)(tok[last_slice - 1] - tb) * 2;
    }
  } else {
    double duration = (double)segment_frames * FRAME_SECONDS;
    for (int32_t i = n - 1; i >= 0; i--)
      if (tok[i] >= tb) {
        if (tok[i] != tb) duration = (tok[i] - tb) * TIME_PRECISION;
        break;
      }
    st = add_segment(j, tr, offset, offset + duration, tok, n, r, stop, err);
    *advance = segment_frames;
  }
  if (*advance < 1) *advance = segment_frames; /* never stall on a window */
  return st;
}

/* ---- setup --------------------------------------------------------------------------------- */

/* openai/whisper tokenizer.py non_speech_tokens: symbols and music notes, alone or after a
 * space, that are one token (the notes: their first token); plus " -" and " '". */
static anyinfer_status mark_non_speech(struct job *j, struct ai_error *err) {
  static const char *const symbols[] = {
      "\"", "#", "(", ")", "*", "+", "/", ":", ";", "<", "=", ">", "@", "[", "\\", "]", "^", "_",
      "`", "{", "|", "}", "~", "\xe3\x80\x8c", "\xe3\x80\x8d", "\xe3\x80\x8e", "\xe3\x80\x8f", "<<",
      ">>", "<<<", ">>>", "--", "---", "-(", "-[", "('", "(\"", "((", "))", "(((", ")))", "[[",
      "]]", "{{", "}}", "\xe2\x99\xaa\xe2\x99\xaa", "\xe2\x99\xaa\xe2\x99\xaa\xe2\x99\xaa", " -",
      " '",
      /* the notes ♩♪♫♬♭♮♯: their first token even when they take several */
      "\xe2\x99\xa9", "\xe2\x99\xaa", "\xe2\x99\xab", "\xe2\x99\xac", "\xe2\x99\xad",
      "\xe2\x99\xae", "\xe2\x99\xaf"};
  const size_t n_sym = sizeof symbols / sizeof *symbols, first_note = n_sym - 7;
  const struct ai_gguf_value *list = NULL;
  if (ai_gguf_get_arr(j->t->model->gguf, "whisper.suppress_tokens", AI_GGUF_INT32, &list, NULL) ==
      ANYINFER_OK) {
    const int32_t *ids = list->v.arr.elems;
    for (uint64_t i = 0; i < list->v.arr.count; i++)
      if (ids[i] >= 0 && ids[i] < j->n_vocab) j->suppress[ids[i]] = 1;
    return ANYINFER_OK;
  }
  for (size_t s = 0; s < n_sym; s++)
    for (int space = 0; space < 2; space++) {
      char text[32];
      snprintf(text, sizeof text, "%s%s", space && symbols[s][0] != ' ' ? " " : "", symbols[s]);
      int32_t ids[16];
      size_t n;
      anyinfer_status st = ai_tokenizer_encode(j->t->model->tokenizer, text, strlen(text), false,
                                               false, ids, 16, &n, err);
      if (st && st != ANYINFER_E_RANGE) return st;
      bool is_two_words = s >= first_note - 2 && s < first_note; /* " -", " '" */
      if (n == 1 || (n >= 1 && (s >= first_note || is_two_words))) j->suppress[ids[0]] = 1;
    }
  return ANYINFER_OK;
}

static anyinfer_status job_init(struct job *j, anyinfer_transcriber *t,
                                const anyinfer_transcribe_params *p, struct ai_error *err) {
  const struct ai_whisper_hparams *hp = &t->model->whisper.hp;
  const struct ai_whisper_vocab *v = &t->vocab;
  memset(j, 0, sizeof *j);
  j->t = t, j->p = p, j->v = v;
  j->n_vocab = hp->n_vocab, j->n_ctx = hp->n_text_ctx;
  j->rng = p->seed;
  int32_t mb = t->max_beams;
  if (p->beam_size < 1 || p->beam_size > mb || p->best_of < 1 || p->temperature < 0 ||
      p->temperature_inc < 0)
    return ai_error_set(err, ANYINFER_E_INVAL,
                        "transcribe: beam_size %d must be in 1..%d (max_beams), best_of %d >= 1, "
                        "temperature %g and its step %g >= 0",
                        p->beam_size, mb, p->best_of, p->temperature, p->temperature_inc);
  j->best_of = p->best_of < mb ? p->best_of : mb;
  if (p->translate && v->translate < 0)
    return ai_error_set(err, ANYINFER_E_INVAL,
                        "transcribe: this model cannot translate (no <|translate|> token)");
  size_t nv = (size_t)j->n_vocab, nc = (size_t)j->n_ctx;
  j->suppress = ai_calloc(&t->alloc, nv, 1);
  j->logits = ai_malloc(&t->alloc, 3 * nv * sizeof(float));
  j->init = ai_malloc(&t->alloc, 2 * nc * sizeof(int32_t));
  j->hyp_tokens = ai_malloc(&t->alloc, (size_t)(3 * mb) * nc * sizeof(int32_t));
  j->cand_tok = ai_malloc(&t->alloc, (size_t)(mb * 17) * 2 * sizeof(int32_t));
  j->cand_score = ai_malloc(&t->alloc, (size_t)(mb * 17) * sizeof(double));
  if (!j->suppress || !j->logits || !j->init || !j->hyp_tokens || !j->cand_tok || !j->cand_score)
    return ai_error_set(err, ANYINFER_E_NOMEM, "transcribe: out of memory");
  j->logprobs = j->logits + nv, j->init_logits = j->logprobs + nv;
  j->history = j->init + nc;
  j->cand_src = j->cand_tok + mb * 17;
  for (int32_t h = 0; h < 2; h++)
    for (int32_t b = 0; b < mb; b++)
      j->hyps[h][b] =
          (struct hyp){.slot = h * mb + b, .tokens = j->hyp_tokens + (size_t)(h * mb + b) * nc};
  /* Specials other than <|endoftext|> and the timestamps are never sampled (decoding.py
   * suppresses the task and start tokens; the languages and <|notimestamps|> only make sense
   * in the start sequence). */
  for (int32_t i = v->eot + 1; i < v->timestamp_begin; i++) j->suppress[i] = 1;
  anyinfer_status st = ANYINFER_OK;
  if (p->suppress_non_speech) st = mark_non_speech(j, err);
  int32_t ids[4];
  size_t n = 0;
  j->blank = -1;
  if (!st &&
      !(st = ai_tokenizer_encode(t->model->tokenizer, " ", 1, false, false, ids, 4, &n, err)) &&
      n == 1)
    j->blank = ids[0];
  if (st) return st;
  if (p->prompt && p->prompt[0]) { /* transcribe.py encodes " " + prompt.strip() */
    size_t len = strlen(p->prompt), need;
    char *text = ai_malloc(&t->alloc, len + 2);
    if (!text) return ai_error_set(err, ANYINFER_E_NOMEM, "transcribe: out of memory");
    text[0] = ' ';
    memcpy(text + 1, p->prompt, len + 1);
    st = ai_tokenizer_encode(t->model->tokenizer, text, len + 1, false, false, j->history, nc,
                             &need, err);
    ai_free(&t->alloc, text);
    if (st == ANYINFER_E_RANGE) need = nc, st = ANYINFER_OK; /* the tail is what counts */
    if (st) return st;
    j->n_history = (int32_t)need;
  }
  return ANYINFER_OK;
}

static void job_free(struct job *j) {
  const struct ai_alloc *a = &j->t->alloc;
  ai_free(a, j->suppress);
  ai_free(a, j->logits);
  ai_free(a, j->init);
  ai_free(a, j->hyp_tokens);
  ai_free(a, j->cand_tok);
  ai_free(a, j->cand_score);
  ai_free(a, j->text_buf);
}

/* whisper detect_language: the most likely language token after <|startoftranscript|>. */
static void detect_language(struct job *j) {
  const struct ai_whisper_vocab *v = j->v;
  ai_whisper_decode(&j->t->model->whisper, &j->t->state, 0, &v->sot, 1, 0, false, j->logits);
  int32_t best = v->lang_begin;
  for (int32_t i = 0; i < v->n_lang; i++)
    if (j->logits[v->lang_begin + i] > j->logits[best]) best = v->lang_begin + i;
  j->lang_token = best;
}

/* Appends the window's tokens to the prompt history, keeping the last n_ctx / 2. */
static void remember(struct job *j, const int32_t *tokens, int32_t n) {
  int32_t cap = j->n_ctx / 2;
  for (int32_t i = 0; i < n; i++) {
    if (j->n_history == cap) {
      memmove(j->history, j->history + 1, (size_t)(cap - 1) * sizeof(int32_t));
      j->n_history--;
    }
    j->history[j->n_history++] = tokens[i];
  }
}

anyinfer_status anyinfer_transcribe(anyinfer_transcriber *t, const float *samples, size_t n_samples,
                                    const anyinfer_transcribe_params *params,
                                    anyinfer_transcript **out) {
  anyinfer_transcribe_params defaults;
  anyinfer_transcribe_default_params(&defaults);
  const anyinfer_transcribe_params *p = params ? params : &defaults;
  struct ai_error *err = &t->err;
  ai_error_clear(err);
  *out = NULL;
  const struct ai_whisper *w = &t->model->whisper;
  const struct ai_whisper_hparams *hp = &w->hp;
  struct job j;
  struct ai_logmel *lm = NULL;
  float *mel = NULL;
  anyinfer_transcript *tr = ai_calloc(&t->alloc, 1, sizeof *tr);
  if (tr) tr->alloc = t->alloc;
  anyinfer_status st = job_init(&j, t, p, err);
  if (!tr && !st) st = ai_error_set(err, ANYINFER_E_NOMEM, "transcribe: out of memory");
  if (st) goto done;
  tr->duration = (double)n_samples / 16000.0;
  if (n_samples > 0 && !samples) {
    st = ai_error_set(err, ANYINFER_E_INVAL, "transcribe: samples is NULL for %zu samples",
                      n_samples);
    goto done;
  }
  /* the language: given, detected on the first window, or English for .en models */
  const struct ai_whisper_vocab *v = &t->vocab;
  bool auto_lang = !p->language || !p->language[0] || !strcmp(p->language, "auto");
  const char *code = !auto_lang && ai_whisper_language_code(p->language)
                         ? ai_whisper_language_code(p->language)
                         : p->language; /* "german" as well as "de" */
  snprintf(tr->language, sizeof tr->language, "%s", v->n_lang > 0 && !auto_lang ? code : "en");
  if (v->n_lang > 0 && !auto_lang && (j.lang_token = ai_whisper_vocab_lang(v, code)) < 0) {
    st = ai_error_set(err, ANYINFER_E_INVAL,
                      "transcribe: language '%s' is not one of the model's %d", p->language,
                      v->n_lang);
    goto done;
  }
  if (n_samples == 0) goto done;
  const float *filters =
      w->mel_filters ? (const float *)((const char *)t->model->weights + w->mel_filters->offset)
                     : NULL;
  int frames = 2 * hp->n_audio_ctx;
  mel = ai_malloc(&t->alloc, (size_t)hp->n_mel * (size_t)frames * sizeof(float));
  if (!mel) {
    st = ai_error_set(err, ANYINFER_E_NOMEM, "transcribe: out of memory");
    goto done;
  }
  if ((st = ai_logmel_create(&t->alloc, hp->n_mel, filters, &lm, err)) ||
      (st = ai_logmel_set_audio(lm, samples, (int64_t)n_samples, NULL, err)))
    goto done;
  int64_t n_frames = ai_logmel_n_frames(lm), seek = 0;
  bool stop = false, lang_known = v->n_lang == 0 || !auto_lang;
  while (seek < n_frames && !stop) {
    if ((st = ai_logmel_window(lm, seek, frames, mel, NULL, err))) goto done;
    ai_whisper_encode(w, &t->state, mel);
    t->has_window = true;
    if (!lang_known) {
      detect_language(&j);
      snprintf(tr->language, sizeof tr->language, "%s", v->lang[j.lang_token - v->lang_begin]);
      lang_known = true;
    }
    int64_t segment_frames = n_frames - seek < frames ? n_frames - seek : frames, advance = 0;
    struct window_result r;
    if ((st = decode_window(&j, &r, err))) goto done;
    bool silent = p->no_speech_threshold > 0 && r.no_speech_prob > p->no_speech_threshold &&
                  !(p->logprob_threshold < 0 && r.avg_logprob > p->logprob_threshold);
    if (silent) {
      advance = segment_frames;
    } else {
      size_t before = tr->n_tokens;
      if ((st = window_segments(&j, tr, &r, seek, segment_frames, &advance, &stop, err))) goto done;
      if (p->condition_on_previous_text && r.temperature <= 0.5f)
        remember(&j, tr->tokens + before, (int32_t)(tr->n_tokens - before));
      else
        j.n_history = 0;
    }
    seek += advance;
    if (p->progress && !p->progress((float)(seek < n_frames ? seek : n_frames) / (float)n_frames,
                                    p->progress_user_data)) {
      st = ai_error_set(err, ANYINFER_E_CANCELLED, "transcribe: cancelled at %.2f s",
                        (double)seek * FRAME_SECONDS);
      goto done;
    }
  }
done:
  if (!st) {
    /* fix the segment pointers and join the text */
    if (!grow(&tr->alloc, (void **)&tr->text, &tr->cap_text, 2 * tr->n_text + 1, 1)) {
      st = ai_error_set(err, ANYINFER_E_NOMEM, "transcribe: out of memory");
    } else {
      char *joined = tr->text + tr->n_text;
      size_t at = 0;
      for (size_t i = 0; i < tr->n_segs; i++) {
        anyinfer_segment *s = &tr->segs[i];
        s->text = tr->text + (uintptr_t)s->text;
        s->tokens = tr->tokens + (uintptr_t)s->tokens;
        size_t len = strlen(s->text);
        memcpy(joined + at, s->text, len);
        at += len;
      }
      joined[at] = '\0';
      tr->joined = joined;
      *out = tr;
    }
  }
  if (st) anyinfer_transcript_free(tr);
  if (j.t) job_free(&j);
  ai_logmel_free(lm);
  ai_free(&t->alloc, mel);
  return st;
}

size_t anyinfer_transcript_n_segments(const anyinfer_transcript *tr) {
  return tr->n_segs;
}

const anyinfer_segment *anyinfer_transcript_segment(const anyinfer_transcript *tr, size_t i) {
  return i < tr->n_segs ? &tr->segs[i] : NULL;
}

const char *anyinfer_transcript_text(const anyinfer_transcript *tr) {
  return tr->joined;
}

const char *anyinfer_transcript_language(const anyinfer_transcript *tr) {
  return tr->language;
}

double anyinfer_transcript_duration(const anyinfer_transcript *tr) {
  return tr->duration;
}

void anyinfer_transcript_free(anyinfer_transcript *tr) {
  if (!tr) return;
  struct ai_alloc a = tr->alloc;
  ai_free(&a, tr->segs);
  ai_free(&a, tr->text);
  ai_free(&a, tr->tokens);
  ai_free(&a, tr);
}

const char *anyinfer_language_name(const char *code) {
  return ai_whisper_language_name(code);
}
