/* The flow both completion endpoints share: request → model → prompt tokens → one sequence per
 * choice on the model's scheduler → a whole JSON response, or Server-Sent Events chunks in
 * OpenAI's stream shape ending with `data: [DONE]`. The endpoint files shape the choices. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server.h"

struct srv_stream_fmt {
  const struct srv_endpoint_def *def;
  struct srv_job *job;
  const anyinfer_model *model;
  char id[48];
  int64_t created;
  const char *model_id; /* the registry's, lives as long as the server */
  bool has_include_usage, has_logprobs;
  bool *has_started; /* per choice: its first chunk went out */
  bool *is_reported; /* per choice: its finish chunk went out */
  char **echo;       /* per choice: prompt text to echo, or NULL */
  bool is_finished;  /* [DONE] is in out */
  char *out;         /* formatted, not yet read */
  size_t out_len, out_pos;
};

/* ---- JSON text ------------------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s[0..n), or 0 (RFC 3629 section 4). */
static size_t utf8_len(const unsigned char *s, size_t n) {
  size_t len = s[0] < 0x80             ? 1
               : (s[0] & 0xe0) == 0xc0 ? 2
               : (s[0] & 0xf0) == 0xe0 ? 3
               : (s[0] & 0xf8) == 0xf0 ? 4
                                       : 0;
  if (len == 0 || len > n || (len == 2 && s[0] < 0xc2) || (len == 4 && s[0] > 0xf4)) return 0;
  for (size_t i = 1; i < len; i++)
    if ((s[i] & 0xc0) != 0x80) return 0;
  if (len == 3 && ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0))) return 0;
  if (len == 4 && ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))) return 0;
  return len;
}

json_t *srv_text_json(const char *text, size_t len) {
  char *clean = malloc(len * 3 + 1);
  if (!clean) return NULL;
  size_t n = 0;
  for (size_t i = 0; i < len;) {
    size_t k = utf8_len((const unsigned char *)text + i, len - i);
    if (k == 0 || (k == 1 && text[i] == '\0')) {
      memcpy(clean + n, "\xef\xbf\xbd", 3); /* U+FFFD REPLACEMENT CHARACTER */
      n += 3;
      i++;
    } else {
      memcpy(clean + n, text + i, k);
      n += k;
      i += k;
    }
  }
  json_t *j = json_stringn(clean, n);
  free(clean);
  return j;
}

json_t *srv_token_json(const anyinfer_model *model, int32_t token, bool is_bytes) {
  char piece[256];
  size_t len = 0;
  if (anyinfer_token_to_piece(model, token, piece, sizeof piece, &len) != ANYINFER_OK) len = 0;
  if (!is_bytes) return srv_text_json(piece, len);
  json_t *bytes = json_array();
  for (size_t i = 0; i < len; i++)
    json_array_append_new(bytes, json_integer((unsigned char)piece[i]));
  return bytes;
}

const anyinfer_model *srv_stream_model(const struct srv_stream_fmt *f) {
  return f->model;
}

const char *srv_stream_echo(const struct srv_stream_fmt *f, int32_t index) {
  return f->echo ? f->echo[index] : NULL;
}

/* ---- building the job ------------------------------------------------------------------ */

static void fmt_free(struct srv_stream_fmt *f) {
  if (!f) return;
  for (int32_t i = 0; f->echo && f->job && i < f->job->n_seqs; i++) free(f->echo[i]);
  free(f->echo);
  free(f->has_started);
  free(f->is_reported);
  free(f->out);
  srv_job_release(f->job);
  free(f);
}

/* Tokenizes one prompt text into job->tokens at *used (grown as needed). */
static bool tokenize_into(const anyinfer_model *m, const char *text, bool parse_special,
                          struct srv_job *job, size_t *used, size_t *cap, struct srv_error *e) {
  size_t len = strlen(text), n = 0;
  for (;;) {
    anyinfer_status st =
        anyinfer_tokenize(m, text, len, true, parse_special, job->tokens + *used, *cap - *used, &n);
    if (st == ANYINFER_OK) break;
    if (st != ANYINFER_E_RANGE) {
      srv_fail_status(e, st, "cannot tokenize the prompt");
      return false;
    }
    size_t grown_cap = *used + n + 16;
    int32_t *grown = realloc(job->tokens, grown_cap * sizeof *grown);
    if (!grown) return srv_fail(e, 500, NULL, NULL, "out of memory");
    job->tokens = grown;
    *cap = grown_cap;
  }
  *used += n;
  return true;
}

/* The chat template's rendering of the messages (malloc'd). */
static char *render_chat(const anyinfer_model *m, const struct srv_request *r,
                         struct srv_error *e) {
  char err[256] = "";
  anyinfer_chat_params cp;
  anyinfer_chat_default_params(&cp);
  cp.add_generation_prompt = true;
  cp.error_buf = err;
  cp.error_cap = sizeof err;
  size_t len = 0, cap = 4096;
  char *text = malloc(cap);
  for (;;) {
    if (!text) {
      srv_fail(e, 500, NULL, NULL, "out of memory");
      return NULL;
    }
    anyinfer_status st = anyinfer_chat_apply(m, r->messages, r->n_messages, &cp, text, cap, &len);
    if (st == ANYINFER_OK) return text;
    free(text);
    if (st != ANYINFER_E_RANGE) {
      srv_fail_status(e, st, err);
      e->param = "messages";
      return NULL;
    }
    cap = len + 1;
    text = malloc(cap);
  }
}

/* Prompts → tokens: one prompt for chat, one per prompt string for completions, each used by n
 * choices. Sets the sequences' prompt ranges. */
static bool build_prompts(const struct srv_model *sm, const struct srv_request *r,
                          struct srv_job *job, struct srv_stream_fmt *f, struct srv_error *e) {
  size_t used = 0, cap = 256;
  job->tokens = malloc(cap * sizeof *job->tokens);
  if (!job->tokens) return srv_fail(e, 500, NULL, NULL, "out of memory");
  size_t n_prompts = r->endpoint == SRV_CHAT ? 1 : r->n_prompts;
  int32_t n_ctx = srv_sched_n_ctx(sm->sched);
  for (size_t i = 0; i < n_prompts; i++) {
    char *chat = NULL;
    if (r->endpoint == SRV_CHAT && !(chat = render_chat(sm->model, r, e))) return false;
    size_t start = used;
    bool is_ok =
        tokenize_into(sm->model, chat ? chat : r->prompts[i], chat != NULL, job, &used, &cap, e);
    free(chat);
    if (!is_ok) return false;
    int32_t n = (int32_t)(used - start);
    if (n == 0) return srv_fail(e, 400, "invalid_value", "prompt", "prompt %zu has no tokens", i);
    if (n >= n_ctx)
      return srv_fail(
          e, 400, "context_length_exceeded", r->endpoint == SRV_CHAT ? "messages" : "prompt",
          "This model's maximum context length is %d tokens; the prompt has %d", n_ctx, n);
    job->n_prompt_tokens += n;
    for (int32_t k = 0; k < r->n; k++) {
      struct srv_seq *q = &job->seqs[i * (size_t)r->n + (size_t)k];
      q->n_prompt = n;
      q->prompt = (const int32_t *)(uintptr_t)start; /* offset until tokens stop moving */
      if (f->echo) f->echo[q->index] = strdup(r->prompts[i]);
    }
  }
  for (int32_t i = 0; i < job->n_seqs; i++)
    job->seqs[i].prompt = job->tokens + (uintptr_t)job->seqs[i].prompt;
  return true;
}

/* One generator per choice: the request's sampling, stops, constraint and log-probabilities. */
static bool make_generators(struct srv_server *srv, const struct srv_model *sm,
                            const struct srv_request *r, struct srv_job *job, struct srv_error *e) {
  anyinfer_model_info info;
  anyinfer_model_get_info(sm->model, &info);
  for (size_t i = 0; i < r->n_bias; i++)
    if (r->bias[i].token >= info.n_vocab)
      return srv_fail(e, 400, "invalid_value", "logit_bias",
                      "logit_bias token %d is outside the vocabulary of %d tokens",
                      r->bias[i].token, info.n_vocab);
  static uint64_t counter;
  uint64_t seed = r->has_seed ? r->sampler.seed
                              : (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull +
                                    __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);
  anyinfer_generate_params gp;
  anyinfer_generate_default_params(&gp);
  int32_t cap = srv->opt.max_tokens_cap;
  gp.max_tokens = r->max_tokens < 0 || r->max_tokens > cap ? cap : r->max_tokens;
  gp.sampler = r->sampler;
  gp.sampler.logit_bias = r->bias;
  gp.sampler.n_logit_bias = r->n_bias;
  gp.stop = r->stop;
  gp.n_stop = r->n_stop;
  gp.is_json_object = r->is_json_object;
  gp.has_logprobs = r->has_logprobs;
  gp.top_logprobs = r->has_logprobs ? r->top_logprobs : 0;
  char err[256] = "";
  gp.error_buf = err;
  gp.error_cap = sizeof err;
  for (int32_t i = 0; i < job->n_seqs; i++) {
    /* Choice k of a prompt draws from seed + k: n different samples, each reproducible. */
    gp.sampler.seed = seed + (uint64_t)(i % r->n);
    anyinfer_status st = anyinfer_generator_create(sm->model, &gp, &job->seqs[i].generator);
    if (st) {
      srv_fail_status(e, st, err);
      return false;
    }
  }
  return true;
}

/* ---- responses ------------------------------------------------------------------------- */

static json_t *usage_json(const struct srv_job *job) {
  int32_t completion = 0;
  for (int32_t i = 0; i < job->n_seqs; i++) completion += job->seqs[i].n_generated;
  return json_pack("{s:i, s:i, s:i}", "prompt_tokens", job->n_prompt_tokens, "completion_tokens",
                   completion, "total_tokens", job->n_prompt_tokens + completion);
}

static json_t *envelope(const struct srv_stream_fmt *f, const char *object, json_t *choices) {
  return json_pack("{s:s, s:s, s:I, s:s, s:s, s:o}", "id", f->id, "object", object, "created",
                   (json_int_t)f->created, "model", f->model_id, "system_fingerprint", "anyinfer",
                   "choices", choices);
}

/* Waits for every choice, then the whole response body. */
static void finish_whole(struct srv_stream_fmt *f, struct srv_reply *out) {
  struct srv_job *job = f->job;
  pthread_mutex_lock(&job->mu);
  while (job->n_done < job->n_seqs) pthread_cond_wait(&job->cv, &job->mu);
  pthread_mutex_unlock(&job->mu);
  if (job->has_failed) {
    srv_reply_error(out, &job->error);
    return;
  }
  json_t *choices = json_array();
  for (int32_t i = 0; i < job->n_seqs; i++) {
    struct srv_seq *q = &job->seqs[i];
    json_array_append_new(
        choices, f->def->choice(f, i, true, q->text, q->text_len, f->has_logprobs ? q->lp : NULL,
                                f->has_logprobs ? q->n_lp : 0, q->finish_reason, false));
    out->completion_tokens += q->n_generated;
  }
  json_t *body = envelope(f, f->def->object, choices);
  json_object_set_new(body, "usage", usage_json(job));
  out->http_status = 200;
  out->body = json_dumps(body, JSON_COMPACT);
  json_decref(body);
  if (!out->body) {
    struct srv_error e;
    srv_fail(&e, 500, NULL, NULL, "out of memory");
    srv_reply_error(out, &e);
  }
}

/* Runs a parsed request (see srv_generate). */
static void generate(struct srv_server *srv, const struct srv_endpoint_def *def,
                     const struct srv_request *r, struct srv_reply *out) {
  struct srv_error e;
  struct srv_model *sm = srv_registry_find(&srv->registry, r->model, &e);
  if (sm && !sm->sched) {
    srv_fail(&e, 400, "model_not_supported", "model",
             "The model '%.200s' is a speech-to-text model (POST /v1/audio/transcriptions)",
             sm->id);
    sm = NULL;
  }
  if (!sm) {
    srv_reply_error(out, &e);
    return;
  }
  int32_t n_seqs = (int32_t)((r->endpoint == SRV_CHAT ? 1 : r->n_prompts) * (size_t)r->n);
  struct srv_stream_fmt *f = calloc(1, sizeof *f);
  if (f) f->job = srv_job_create(n_seqs);
  if (f && f->job) {
    f->has_started = calloc((size_t)n_seqs, sizeof *f->has_started);
    f->is_reported = calloc((size_t)n_seqs, sizeof *f->is_reported);
    if (r->is_echo) f->echo = calloc((size_t)n_seqs, sizeof *f->echo);
  }
  if (!f || !f->job || !f->has_started || !f->is_reported || (r->is_echo && !f->echo)) {
    srv_fail(&e, 500, NULL, NULL, "out of memory");
    goto fail;
  }
  f->def = def;
  f->model = sm->model;
  f->model_id = sm->id;
  f->created = (int64_t)time(NULL);
  f->has_include_usage = r->has_include_usage;
  f->has_logprobs = r->has_logprobs;
  static uint64_t n_ids;
  snprintf(f->id, sizeof f->id, "%s%016llx%04llx", def->id_prefix,
           (unsigned long long)time(NULL) * 2654435761ull,
           (unsigned long long)__atomic_add_fetch(&n_ids, 1, __ATOMIC_RELAXED) & 0xffff);
  if (!build_prompts(sm, r, f->job, f, &e) || !make_generators(srv, sm, r, f->job, &e) ||
      !srv_sched_submit(sm->sched, f->job, &e))
    goto fail;
  out->prompt_tokens = f->job->n_prompt_tokens;
  if (r->is_stream) {
    out->http_status = 200;
    out->stream = f;
    return;
  }
  finish_whole(f, out);
  fmt_free(f);
  return;
fail:
  srv_reply_error(out, &e);
  fmt_free(f);
}

void srv_generate(struct srv_server *srv, const struct srv_endpoint_def *def,
                  enum srv_endpoint endpoint, const char *body, size_t len, struct srv_reply *out) {
  struct srv_request r;
  struct srv_error e;
  if (srv_request_parse(body, len, endpoint, &r, &e))
    generate(srv, def, &r, out);
  else
    srv_reply_error(out, &e);
  srv_request_free(&r);
}

/* ---- streams --------------------------------------------------------------------------- */

static void append_data(struct srv_stream_fmt *f, const char *text) {
  size_t len = strlen(text);
  char *grown = realloc(f->out, f->out_len + len + 9);
  if (!grown) return; /* out of memory: the event is lost, the stream goes on */
  f->out = grown;
  f->out_len += (size_t)sprintf(f->out + f->out_len, "data: %s\n\n", text);
}

static void append_event(struct srv_stream_fmt *f, json_t *j) {
  char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
  json_decref(j);
  if (text) append_data(f, text);
  free(text);
}

/* Formats whatever the scheduler produced since the last call. Job mutex held. */
static void format_pending(struct srv_stream_fmt *f) {
  struct srv_job *job = f->job;
  if (job->has_failed) {
    char *text = srv_error_json(&job->error);
    if (text) append_data(f, text);
    free(text);
  } else {
    for (int32_t i = 0; i < job->n_seqs; i++) {
      struct srv_seq *q = &job->seqs[i];
      bool has_news = q->text_len > 0 || q->n_lp > 0 || !f->has_started[i] ||
                      (q->is_done && !f->is_reported[i]);
      if (!has_news) continue;
      const char *finish = q->is_done && !f->is_reported[i] ? q->finish_reason : NULL;
      json_t *choice = f->def->choice(f, i, !f->has_started[i], q->text, q->text_len,
                                      f->has_logprobs ? q->lp : NULL, f->has_logprobs ? q->n_lp : 0,
                                      finish, true);
      json_t *chunk = envelope(f, f->def->chunk_object, json_pack("[o]", choice));
      if (f->has_include_usage) json_object_set_new(chunk, "usage", json_null());
      append_event(f, chunk);
      f->has_started[i] = true;
      f->is_reported[i] = f->is_reported[i] || finish != NULL;
      q->text_len = 0;
      q->n_lp = 0;
    }
  }
  if (job->n_done == job->n_seqs || job->has_failed) {
    if (f->has_include_usage && !job->has_failed) {
      json_t *chunk = envelope(f, f->def->chunk_object, json_array());
      json_object_set_new(chunk, "usage", usage_json(job));
      append_event(f, chunk);
    }
    append_data(f, "[DONE]");
    f->is_finished = true;
  }
}

size_t srv_stream_read(struct srv_stream_fmt *f, char *buf, size_t max) {
  if (f->out_pos == f->out_len) {
    if (f->is_finished) return 0;
    f->out_len = f->out_pos = 0;
    struct srv_job *job = f->job;
    pthread_mutex_lock(&job->mu);
    for (;;) {
      bool has_news = job->has_failed || job->n_done == job->n_seqs;
      for (int32_t i = 0; i < job->n_seqs && !has_news; i++)
        has_news = job->seqs[i].text_len > 0 || job->seqs[i].n_lp > 0 || !f->has_started[i] ||
                   (job->seqs[i].is_done && !f->is_reported[i]);
      if (has_news) break;
      pthread_cond_wait(&job->cv, &job->mu);
    }
    format_pending(f);
    pthread_mutex_unlock(&job->mu);
  }
  size_t n = f->out_len - f->out_pos < max ? f->out_len - f->out_pos : max;
  if (n) memcpy(buf, f->out + f->out_pos, n);
  f->out_pos += n;
  return n;
}

struct srv_job *srv_stream_job(struct srv_stream_fmt *f) {
  return f->job;
}

void srv_stream_free(struct srv_stream_fmt *f) {
  if (!f) return;
  srv_job_cancel(f->job); /* a no-op for a job that is done */
  fmt_free(f);
}
