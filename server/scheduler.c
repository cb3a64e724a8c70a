/* Continuous batching for one model (shared/DESIGN.md "Server"): a thread owns a session with
 * one KV slot per parallel sequence. Each step it admits queued sequences into free slots
 * (reusing the slot whose cached tokens share the longest prefix with the prompt), then runs ONE
 * forward pass over a token from every generating sequence plus chunks of new prompts, steps each
 * sequence's generator on its logits row and hands the text to the HTTP side through the job. A
 * cancelled job's sequences leave their slots at the next step. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server.h"

struct srv_sched {
  anyinfer_model *model;
  anyinfer_session *session;
  struct srv_sched_params p;
  pthread_t thread;
  bool has_thread;
  pthread_mutex_t mu;     /* guards the queue, stopping and stats */
  pthread_cond_t cv;      /* work arrived or stop */
  struct srv_seq **queue; /* FIFO ring of max_queue */
  int32_t q_head, q_len;
  bool is_stopping;
  struct srv_seq **slots; /* n_parallel; NULL when free (scheduler thread only) */
  anyinfer_batch_item *items;
  struct srv_seq **item_seq;
  struct srv_sched_stats stats;
};

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- jobs ------------------------------------------------------------------------------ */

struct srv_job *srv_job_create(int32_t n_seqs) {
  struct srv_job *job = calloc(1, sizeof *job);
  if (!job) return NULL;
  job->seqs = calloc((size_t)n_seqs, sizeof *job->seqs);
  if (!job->seqs) {
    free(job);
    return NULL;
  }
  pthread_mutex_init(&job->mu, NULL);
  pthread_cond_init(&job->cv, NULL);
  job->refs = 1;
  job->n_seqs = n_seqs;
  for (int32_t i = 0; i < n_seqs; i++)
    job->seqs[i] = (struct srv_seq){.job = job, .index = i, .slot = -1};
  return job;
}

void srv_job_release(struct srv_job *job) {
  if (!job) return;
  pthread_mutex_lock(&job->mu);
  bool is_last = --job->refs == 0;
  pthread_mutex_unlock(&job->mu);
  if (!is_last) return;
  for (int32_t i = 0; i < job->n_seqs; i++) {
    anyinfer_generator_free(job->seqs[i].generator);
    free(job->seqs[i].text);
    free(job->seqs[i].lp);
  }
  free(job->seqs);
  free(job->tokens);
  pthread_mutex_destroy(&job->mu);
  pthread_cond_destroy(&job->cv);
  free(job);
}

void srv_job_cancel(struct srv_job *job) {
  pthread_mutex_lock(&job->mu);
  job->is_cancelled = true;
  pthread_mutex_unlock(&job->mu);
}

void srv_job_retain(struct srv_job *job) {
  pthread_mutex_lock(&job->mu);
  job->refs++;
  pthread_mutex_unlock(&job->mu);
}

int32_t srv_job_completion_tokens(struct srv_job *job) {
  pthread_mutex_lock(&job->mu);
  int32_t n = 0;
  for (int32_t i = 0; i < job->n_seqs; i++) n += job->seqs[i].n_generated;
  pthread_mutex_unlock(&job->mu);
  return n;
}

static bool job_is_cancelled(struct srv_job *job) {
  pthread_mutex_lock(&job->mu);
  bool is_cancelled = job->is_cancelled;
  pthread_mutex_unlock(&job->mu);
  return is_cancelled;
}

/* Appends a step's output to the sequence; marks it done with finish_reason. Job mutex held. */
static void seq_push(struct srv_seq *q, const anyinfer_step *st, bool has_token) {
  if (st->len && q->text_len + st->len > q->text_cap) {
    size_t cap = (q->text_len + st->len) * 2 + 64;
    char *grown = realloc(q->text, cap);
    if (!grown) return; /* out of memory: this piece of text is lost, the job goes on */
    q->text = grown;
    q->text_cap = cap;
  }
  if (st->len) {
    memcpy(q->text + q->text_len, st->text, st->len);
    q->text_len += st->len;
  }
  if (has_token) {
    q->n_generated++;
    if (q->n_lp == q->cap_lp) {
      size_t cap = q->cap_lp * 2 + 16;
      struct srv_logprob *grown = realloc(q->lp, cap * sizeof *grown);
      if (!grown) return;
      q->lp = grown;
      q->cap_lp = cap;
    }
    struct srv_logprob *lp = &q->lp[q->n_lp++];
    lp->token = st->token;
    lp->logprob = st->logprob;
    lp->n_top = st->n_top;
    memcpy(lp->top, st->top, sizeof lp->top);
  }
}

static void seq_done(struct srv_seq *q, const char *finish_reason) {
  q->is_done = true;
  q->finish_reason = finish_reason;
  q->job->n_done++;
}

static const char *finish_reason_of(anyinfer_stop_reason r) {
  return r == ANYINFER_STOP_MAX_TOKENS || r == ANYINFER_STOP_CONTEXT ? "length" : "stop";
}

/* Records a generator step in the job and wakes the HTTP side. */
static void deliver(struct srv_seq *q, const anyinfer_step *st, bool has_token) {
  struct srv_job *job = q->job;
  pthread_mutex_lock(&job->mu);
  seq_push(q, st, has_token);
  if (st->is_done) seq_done(q, finish_reason_of(st->reason));
  pthread_cond_broadcast(&job->cv);
  pthread_mutex_unlock(&job->mu);
}

/* Ends a sequence that never got (or lost) its slot: the job is cancelled or the server stops. */
static void abandon(struct srv_seq *q) {
  anyinfer_step st;
  anyinfer_generator_finish(q->generator, ANYINFER_STOP_CALLBACK, &st);
  deliver(q, &st, false);
}

static void fail_job_seq(struct srv_seq *q, anyinfer_status status, const char *message) {
  struct srv_job *job = q->job;
  pthread_mutex_lock(&job->mu);
  if (!job->has_failed) srv_fail_status(&job->error, status, message);
  job->has_failed = true;
  seq_done(q, "stop");
  pthread_cond_broadcast(&job->cv);
  pthread_mutex_unlock(&job->mu);
}

/* ---- slots ----------------------------------------------------------------------------- */

/* Puts q in the free slot whose cache shares the longest prefix with its prompt, and truncates
 * that slot to the prefix (keeping at least one prompt token to evaluate for logits). */
static void admit(struct srv_sched *s, struct srv_seq *q) {
  int32_t best = -1, best_common = -1;
  for (int32_t i = 0; i < s->p.n_parallel; i++) {
    if (s->slots[i]) continue;
    const int32_t *cached = anyinfer_session_seq_tokens(s->session, i);
    int32_t n = anyinfer_session_seq_n_past(s->session, i), common = 0;
    while (common < n && common < q->n_prompt - 1 && cached[common] == q->prompt[common]) common++;
    if (common > best_common) {
      best = i;
      best_common = common;
    }
  }
  anyinfer_session_seq_truncate(s->session, best, best_common);
  s->slots[best] = q;
  q->slot = best;
  q->n_fed = best_common;
}

static void release_slot(struct srv_sched *s, struct srv_seq *q) {
  s->slots[q->slot] = NULL;
  q->slot = -1;
  pthread_mutex_lock(&s->mu);
  s->stats.active--;
  pthread_mutex_unlock(&s->mu);
  srv_job_release(q->job);
}

/* Moves queued sequences into free slots; drops cancelled ones. Returns false when stopping. */
static bool take_queue(struct srv_sched *s) {
  pthread_mutex_lock(&s->mu);
  for (;;) {
    int32_t n_free = 0;
    for (int32_t i = 0; i < s->p.n_parallel; i++) n_free += s->slots[i] == NULL;
    bool is_idle = n_free == s->p.n_parallel;
    if (s->is_stopping) break;
    if (s->q_len > 0 && n_free > 0) {
      struct srv_seq *q = s->queue[s->q_head];
      s->q_head = (s->q_head + 1) % s->p.max_queue;
      s->q_len--;
      s->stats.queued = s->q_len;
      if (job_is_cancelled(q->job)) {
        pthread_mutex_unlock(&s->mu);
        abandon(q);
        srv_job_release(q->job);
        pthread_mutex_lock(&s->mu);
        continue;
      }
      s->stats.active++;
      admit(s, q);
      continue;
    }
    if (!is_idle) break;
    pthread_cond_wait(&s->cv, &s->mu);
  }
  bool is_stopping = s->is_stopping;
  pthread_mutex_unlock(&s->mu);
  return !is_stopping;
}

/* Builds one batch: a token from every generating sequence first, then prompt chunks in the
 * budget left. Returns the number of items. */
static int32_t plan(struct srv_sched *s) {
  int32_t n_items = 0, budget = s->p.n_batch;
  for (int pass = 0; pass < 2; pass++)
    for (int32_t i = 0; i < s->p.n_parallel && budget > 0; i++) {
      struct srv_seq *q = s->slots[i];
      if (!q) continue;
      bool is_prefill = q->n_fed < q->n_prompt;
      if (is_prefill != (pass == 1)) continue;
      int32_t n = is_prefill ? q->n_prompt - q->n_fed : 1;
      if (n > budget) n = budget;
      s->items[n_items] = (anyinfer_batch_item){
          .seq = i, .tokens = is_prefill ? q->prompt + q->n_fed : &q->next_token, .n_tokens = n};
      s->item_seq[n_items++] = q;
      budget -= n;
    }
  return n_items;
}

/* After the pass: each item's sequence either finished a prompt chunk, or takes a step. */
static void advance(struct srv_sched *s, int32_t n_items, const float *logits) {
  int32_t n_vocab;
  {
    anyinfer_model_info info;
    anyinfer_model_get_info(s->model, &info);
    n_vocab = info.n_vocab;
  }
  int64_t n_generated = 0, n_prompt = 0;
  for (int32_t i = 0; i < n_items; i++) {
    struct srv_seq *q = s->item_seq[i];
    if (q->n_fed < q->n_prompt) {
      q->n_fed += s->items[i].n_tokens;
      n_prompt += s->items[i].n_tokens;
      if (q->n_fed < q->n_prompt) continue;
    }
    anyinfer_step st;
    int32_t slot = q->slot;
    anyinfer_status status =
        anyinfer_generator_step(q->generator, logits + (size_t)i * (size_t)n_vocab,
                                anyinfer_session_seq_tokens(s->session, slot),
                                (size_t)anyinfer_session_seq_n_past(s->session, slot), &st);
    if (status) {
      fail_job_seq(q, status, anyinfer_generator_last_error(q->generator));
      release_slot(s, q);
      continue;
    }
    bool is_eog = anyinfer_token_is_eog(s->model, st.token);
    n_generated += !is_eog;
    if (!st.is_done && anyinfer_session_seq_n_past(s->session, slot) >= s->p.n_ctx) {
      anyinfer_step tail;
      deliver(q, &st, true);
      anyinfer_generator_finish(q->generator, ANYINFER_STOP_CONTEXT, &tail);
      deliver(q, &tail, false);
      release_slot(s, q);
      continue;
    }
    deliver(q, &st, !(st.is_done && is_eog));
    if (st.is_done)
      release_slot(s, q);
    else
      q->next_token = st.token;
  }
  pthread_mutex_lock(&s->mu);
  s->stats.generated_tokens += n_generated;
  s->stats.prompt_tokens += n_prompt;
  pthread_mutex_unlock(&s->mu);
}

static void *run(void *arg) {
  struct srv_sched *s = arg;
  while (take_queue(s)) {
    for (int32_t i = 0; i < s->p.n_parallel; i++)
      if (s->slots[i] && job_is_cancelled(s->slots[i]->job)) {
        struct srv_seq *q = s->slots[i];
        abandon(q);
        release_slot(s, q);
      }
    int32_t n_items = plan(s);
    if (n_items == 0) continue;
    const float *logits = NULL;
    double t0 = now_seconds();
    anyinfer_status st =
        anyinfer_session_decode_batch(s->session, s->items, (size_t)n_items, &logits);
    pthread_mutex_lock(&s->mu);
    s->stats.busy_seconds += now_seconds() - t0;
    s->stats.steps++;
    pthread_mutex_unlock(&s->mu);
    if (st) {
      /* Sizes are checked before submit, so this is an engine fault: fail the whole batch. */
      for (int32_t i = 0; i < n_items; i++) {
        fail_job_seq(s->item_seq[i], st, anyinfer_session_last_error(s->session));
        anyinfer_session_seq_truncate(s->session, s->item_seq[i]->slot, 0);
        release_slot(s, s->item_seq[i]);
      }
      continue;
    }
    advance(s, n_items, logits);
  }
  /* Stopping: everything still here ends now. */
  for (int32_t i = 0; i < s->p.n_parallel; i++)
    if (s->slots[i]) {
      struct srv_seq *q = s->slots[i];
      abandon(q);
      release_slot(s, q);
    }
  pthread_mutex_lock(&s->mu);
  while (s->q_len > 0) {
    struct srv_seq *q = s->queue[s->q_head];
    s->q_head = (s->q_head + 1) % s->p.max_queue;
    s->q_len--;
    pthread_mutex_unlock(&s->mu);
    abandon(q);
    srv_job_release(q->job);
    pthread_mutex_lock(&s->mu);
  }
  pthread_mutex_unlock(&s->mu);
  return NULL;
}

/* ---- lifetime -------------------------------------------------------------------------- */

bool srv_sched_create(anyinfer_model *model, const struct srv_sched_params *p,
                      struct srv_sched **out, struct srv_error *e) {
  *out = NULL;
  struct srv_sched *s = calloc(1, sizeof *s);
  if (!s) return srv_fail(e, 500, NULL, NULL, "out of memory");
  s->model = model;
  s->p = *p;
  pthread_mutex_init(&s->mu, NULL);
  pthread_cond_init(&s->cv, NULL);
  anyinfer_session_params sp;
  anyinfer_session_default_params(&sp);
  sp.n_ctx = p->n_ctx;
  sp.n_batch = p->n_batch;
  sp.n_seq = p->n_parallel;
  sp.n_threads = p->n_threads;
  if (p->backend) sp.backend = p->backend;
  anyinfer_status st = anyinfer_session_create(model, &sp, &s->session);
  if (st) {
    srv_fail_status(e, st, "cannot create the model's session (see the log)");
    goto fail;
  }
  s->p.n_ctx = anyinfer_session_n_ctx(s->session);
  s->p.n_batch = anyinfer_session_n_batch(s->session);
  s->slots = calloc((size_t)p->n_parallel, sizeof *s->slots);
  s->items = calloc((size_t)p->n_parallel, sizeof *s->items);
  s->item_seq = calloc((size_t)p->n_parallel, sizeof *s->item_seq);
  s->queue = calloc((size_t)p->max_queue, sizeof *s->queue);
  s->stats.n_slots = p->n_parallel;
  if (!s->slots || !s->items || !s->item_seq || !s->queue) {
    srv_fail(e, 500, NULL, NULL, "out of memory");
    goto fail;
  }
  if (pthread_create(&s->thread, NULL, run, s) != 0) {
    srv_fail(e, 500, NULL, NULL, "cannot start the scheduler thread");
    goto fail;
  }
  s->has_thread = true;
  *out = s;
  return true;
fail:
  srv_sched_free(s);
  return false;
}

void srv_sched_stop(struct srv_sched *s) {
  if (!s || !s->has_thread) return; /* NULL: a Whisper model has no scheduler */
  pthread_mutex_lock(&s->mu);
  s->is_stopping = true;
  pthread_cond_broadcast(&s->cv);
  pthread_mutex_unlock(&s->mu);
  pthread_join(s->thread, NULL);
  s->has_thread = false;
}

void srv_sched_free(struct srv_sched *s) {
  if (!s) return;
  srv_sched_stop(s);
  anyinfer_session_free(s->session);
  free(s->slots);
  free(s->items);
  free(s->item_seq);
  free(s->queue);
  pthread_mutex_destroy(&s->mu);
  pthread_cond_destroy(&s->cv);
  free(s);
}

bool srv_sched_submit(struct srv_sched *s, struct srv_job *job, struct srv_error *e) {
  pthread_mutex_lock(&s->mu);
  if (s->is_stopping) {
    pthread_mutex_unlock(&s->mu);
    return srv_fail(e, 503, NULL, NULL, "the server is shutting down");
  }
  if (s->q_len + job->n_seqs > s->p.max_queue) {
    pthread_mutex_unlock(&s->mu);
    return srv_fail(e, 429, NULL, NULL,
                    "the server is busy: %d sequences are queued (at most %d); retry later",
                    s->q_len, s->p.max_queue);
  }
  pthread_mutex_lock(&job->mu);
  job->refs += job->n_seqs; /* one per sequence, dropped when it leaves its slot */
  pthread_mutex_unlock(&job->mu);
  for (int32_t i = 0; i < job->n_seqs; i++)
    s->queue[(s->q_head + s->q_len++) % s->p.max_queue] = &job->seqs[i];
  s->stats.queued = s->q_len;
  pthread_cond_broadcast(&s->cv);
  pthread_mutex_unlock(&s->mu);
  return true;
}

int32_t srv_sched_n_ctx(const struct srv_sched *s) {
  return s->p.n_ctx;
}

void srv_sched_stats(struct srv_sched *s, struct srv_sched_stats *out) {
  if (!s) { /* a Whisper model: no text generation to count */
    *out = (struct srv_sched_stats){0};
    return;
  }
  pthread_mutex_lock(&s->mu);
  *out = s->stats;
  pthread_mutex_unlock(&s->mu);
}
