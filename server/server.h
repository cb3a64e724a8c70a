/* The OpenAI-compatible HTTP server: shared types of server/. http.c accepts connections and
 * routes them (one table), one file per endpoint formats requests and responses, scheduler.c
 * owns each model's session and batches every active sequence into one forward pass per step,
 * request.c turns request JSON into checked parameters, errors.c maps failures to OpenAI's error
 * JSON. Native only: libmicrohttpd + jansson over the public engine API. */
#ifndef AI_SERVER_SERVER_H
#define AI_SERVER_SERVER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "anyinfer.h"

/* ---- errors (errors.c) ------------------------------------------------------------------- */

/* One failure as OpenAI reports it: {"error":{"message","type","param","code"}}. */
struct srv_error {
  int http_status;   /* 400, 401, 404, 413, 429, 500, 503 */
  const char *type;  /* "invalid_request_error", "server_error", ... (static) */
  const char *code;  /* "invalid_api_key", "model_not_found", ... or NULL (static) */
  const char *param; /* the offending request field or NULL (static or the request's JSON) */
  char message[512];
};

/* Fills e for an HTTP status (the table's type and code) with a printf message; returns false
 * so request parsers can `return srv_fail(...)`. */
bool srv_fail(struct srv_error *e, int http_status, const char *code, const char *param,
              const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Fills e from an engine status and its message (the one status → HTTP table). */
void srv_fail_status(struct srv_error *e, anyinfer_status status, const char *message);
/* The error JSON as a malloc'd string (NULL when out of memory). */
char *srv_error_json(const struct srv_error *e);

/* ---- requests (request.c) ---------------------------------------------------------------- */

enum srv_endpoint { SRV_CHAT, SRV_COMPLETIONS };

#define SRV_MAX_STOP 4
#define SRV_MAX_N    16

/* A parsed, type-checked request body. Strings are borrowed from root. */
struct srv_request {
  void *root; /* json_t *: owns every string below */
  enum srv_endpoint endpoint;
  const char *model;
  anyinfer_chat_message *messages; /* chat: n_messages */
  size_t n_messages;
  char **owned; /* joined array-of-parts contents (n_messages entries, NULL where borrowed) */
  const char **prompts; /* completions: prompt strings (n_prompts) */
  size_t n_prompts;
  int32_t n; /* choices per prompt */
  bool is_stream, has_include_usage, is_echo, has_logprobs, is_json_object, has_seed;
  int32_t top_logprobs; /* alternatives per token (chat top_logprobs, completions logprobs) */
  int32_t max_tokens;   /* -1: not given */
  anyinfer_sampler_params sampler;
  const char *stop[SRV_MAX_STOP];
  size_t n_stop;
  anyinfer_logit_bias *bias; /* n_bias, malloc'd */
  size_t n_bias;
};

/* Parses body[0..len) for endpoint. On failure fills e (400 naming the field) and leaves r empty
 * for srv_request_free. Never reads past len; any bytes are safe (fuzz/fuzz_request_json.c). */
bool srv_request_parse(const char *body, size_t len, enum srv_endpoint endpoint,
                       struct srv_request *r, struct srv_error *e);
void srv_request_free(struct srv_request *r);

/* ---- jobs and the scheduler (scheduler.c) ------------------------------------------------ */

/* One token's log-probabilities, kept for the response. */
struct srv_logprob {
  int32_t token;
  float logprob;
  int32_t n_top;
  anyinfer_token_logprob top[ANYINFER_MAX_TOP_LOGPROBS];
};

/* One choice: a sequence in a KV slot. Output fields are guarded by the job's mutex. */
struct srv_seq {
  struct srv_job *job;
  int32_t index;         /* choice index in the response */
  const int32_t *prompt; /* the job's tokens for this choice */
  int32_t n_prompt;
  anyinfer_generator *generator;
  /* scheduler-only */
  int32_t slot;       /* -1 until admitted */
  int32_t n_fed;      /* prompt tokens evaluated */
  int32_t next_token; /* sampled, to evaluate next step */
  /* shared, under job->mu */
  char *text; /* produced, not yet taken by the HTTP side */
  size_t text_len, text_cap;
  struct srv_logprob *lp; /* produced log-probabilities not yet taken */
  size_t n_lp, cap_lp;
  int32_t n_generated;
  bool is_done;
  const char *finish_reason; /* "stop" or "length" once done */
};

/* One HTTP request's work: n_seqs choices. Freed when both the HTTP side and the scheduler have
 * released it (refs). */
struct srv_job {
  pthread_mutex_t mu;
  pthread_cond_t cv; /* signalled on new output, completion, failure */
  int refs;
  bool is_cancelled; /* the client went away: the scheduler frees the slots */
  bool has_failed;   /* the scheduler could not run it: error holds why */
  struct srv_error error;
  int32_t n_prompt_tokens; /* all choices' prompts (usage) */
  int32_t *tokens;         /* the prompts' tokens, owned */
  struct srv_seq *seqs;    /* n_seqs */
  int32_t n_seqs;
  int32_t n_done;
};

struct srv_sched;

/* Scheduler of one model: a thread owning a session of parallel slots. */
struct srv_sched_params {
  int32_t n_parallel; /* slots */
  int32_t n_ctx;      /* positions per slot */
  int32_t n_batch;    /* tokens per forward pass */
  int32_t n_threads;
  int32_t max_queue;   /* sequences waiting beyond the slots before 429 */
  const char *backend; /* session backend: "cpu", "webgpu" or "auto" (NULL: cpu) */
};

bool srv_sched_create(anyinfer_model *model, const struct srv_sched_params *p,
                      struct srv_sched **out, struct srv_error *e);
/* Stops the thread: queued and running sequences end ("stop"); the session stays until free.
 * Idempotent; NULL allowed (a Whisper model has no scheduler). */
void srv_sched_stop(struct srv_sched *s);
/* Stops (if still running) and frees. NULL allowed. */
void srv_sched_free(struct srv_sched *s);
/* Queues every sequence of job (refs +1). false with e (429 when full, 503 when stopping). */
bool srv_sched_submit(struct srv_sched *s, struct srv_job *job, struct srv_error *e);
/* Slot context per sequence. */
int32_t srv_sched_n_ctx(const struct srv_sched *s);

struct srv_sched_stats {
  int64_t prompt_tokens, generated_tokens, steps;
  double busy_seconds; /* wall time inside forward passes */
  int32_t queued, active, n_slots;
};
/* NULL (a Whisper model) gives zeros. */
void srv_sched_stats(struct srv_sched *s, struct srv_sched_stats *out);

/* Allocates a job of n_seqs choices (refs 1: the caller). */
struct srv_job *srv_job_create(int32_t n_seqs);
/* Drops one reference; frees on the last. */
void srv_job_release(struct srv_job *job);
/* Marks the job cancelled (the client is gone). */
void srv_job_cancel(struct srv_job *job);
/* Takes one more reference. */
void srv_job_retain(struct srv_job *job);
/* Tokens generated over all choices so far. */
int32_t srv_job_completion_tokens(struct srv_job *job);

/* ---- models (registry.c) ----------------------------------------------------------------- */

struct srv_model {
  char *id; /* file stem or alias */
  char *path;
  anyinfer_model *model;
  struct srv_sched *sched; /* text models; NULL for Whisper */
  /* Whisper models (audio.c): one transcription at a time under transcribe_mu */
  anyinfer_transcriber *transcriber;
  pthread_mutex_t transcribe_mu;
  int64_t created; /* file mtime, for /v1/models */
};

struct srv_registry {
  struct srv_model *models;
  size_t n_models;
};

/* Loads each path (a .gguf file, or a directory: every .gguf in it); aliases[i] names model i. */
bool srv_registry_load(struct srv_registry *reg, const char *const *paths, size_t n_paths,
                       const char *const *aliases, size_t n_aliases,
                       const struct srv_sched_params *sp, bool verbose);
void srv_registry_free(struct srv_registry *reg);
/* The model named id; NULL id or "" picks the first. NULL with a 404 when unknown. */
struct srv_model *srv_registry_find(struct srv_registry *reg, const char *id, struct srv_error *e);

/* ---- the server (http.c) and its endpoints ------------------------------------------------ */

struct srv_options {
  const char *host;
  int port;            /* 0: any free port (the bound one is printed) */
  const char *api_key; /* NULL: no auth */
  const char *cors_origin;
  size_t max_body_bytes;
  int32_t max_tokens_cap; /* per request; also the default */
  struct srv_sched_params sched;
  const char *const *model_paths;
  size_t n_model_paths;
  const char *const *aliases;
  size_t n_aliases;
  bool verbose;
};

/* ---- generation (generation.c): the flow both completion endpoints share ------------------ */

struct srv_stream_fmt;
struct srv_server;
struct srv_reply;
struct json_t;

/* How an endpoint shapes one choice: a stream chunk's choice (is_chunk) or the final response's.
 * text/len: the choice's new text; lp/n_lp: its tokens' log-probabilities (NULL/0 when not asked
 * for); finish_reason NULL until the last chunk. Returns a new JSON object. */
typedef struct json_t *(*srv_choice_fn)(const struct srv_stream_fmt *f, int32_t index,
                                        bool is_first, const char *text, size_t len,
                                        const struct srv_logprob *lp, size_t n_lp,
                                        const char *finish_reason, bool is_chunk);

/* What an endpoint adds to the shared flow. */
struct srv_endpoint_def {
  const char *object;       /* "chat.completion" / "text_completion" */
  const char *chunk_object; /* "chat.completion.chunk" / "text_completion" */
  const char *id_prefix;    /* "chatcmpl-" / "cmpl-" */
  srv_choice_fn choice;
};

/* Serves a completion request: parses body for endpoint, picks the model, builds and tokenizes
 * the prompts (chat template for chat), makes one sequence per choice and queues them; then
 * waits for the whole response, or hands back a stream. Errors become OpenAI error replies. */
void srv_generate(struct srv_server *srv, const struct srv_endpoint_def *def,
                  enum srv_endpoint endpoint, const char *body, size_t len, struct srv_reply *out);

/* Text of token as a JSON string (invalid UTF-8 replaced by U+FFFD), and its raw bytes. */
struct json_t *srv_token_json(const anyinfer_model *model, int32_t token, bool is_bytes);
/* A JSON string of text[0..len) with invalid UTF-8 replaced by U+FFFD. */
struct json_t *srv_text_json(const char *text, size_t len);
/* The model a stream's choices are formatted for (token texts). */
const anyinfer_model *srv_stream_model(const struct srv_stream_fmt *f);
/* Echoed prompt text of choice index (completions with echo), or NULL. */
const char *srv_stream_echo(const struct srv_stream_fmt *f, int32_t index);

/* The stream's next bytes of Server-Sent Events into buf (at most max); blocks until the
 * scheduler produced some. 0 at the end (after "data: [DONE]"). */
size_t srv_stream_read(struct srv_stream_fmt *f, char *buf, size_t max);
/* Ends a stream (cancels the job when it was not finished) and frees it. */
void srv_stream_free(struct srv_stream_fmt *f);
/* The job a stream sends (borrowed). */
struct srv_job *srv_stream_job(struct srv_stream_fmt *f);

/* What an endpoint hands back: a finished body, or a stream. */
struct srv_reply {
  int http_status;
  char *body;                    /* malloc'd JSON, or NULL for a stream */
  struct srv_stream_fmt *stream; /* or a stream of Server-Sent Events, owned by the reply */
  const char *content_type;      /* NULL: application/json */
  const char *retry_after;
  int32_t prompt_tokens, completion_tokens; /* for the access log */
};

struct srv_server {
  struct srv_options opt;
  FILE *access_log;
  struct srv_registry registry;
  int64_t started;
  pthread_mutex_t mu;    /* guards the counters below */
  int64_t n_requests[6]; /* by status class: 2xx, 4xx (not 401/404/429), 401, 404, 429, 5xx */
  int32_t n_streams;     /* streams being sent */
  int32_t n_in_flight;   /* requests begun and not yet completed (sent or failed) */
  bool is_stopping;
};

/* An endpoint: body (may be NULL for GET), path suffix after the route's prefix. */
typedef void (*srv_handler_fn)(struct srv_server *srv, const char *body, size_t len,
                               const char *rest, struct srv_reply *out);

/* Runs the server until SIGINT/SIGTERM; returns the exit status. */
int srv_run(const struct srv_options *o);

extern const struct srv_endpoint_def srv_chat_def, srv_completions_def;

void srv_handle_chat(struct srv_server *srv, const char *body, size_t len, const char *rest,
                     struct srv_reply *out);
void srv_handle_completions(struct srv_server *srv, const char *body, size_t len, const char *rest,
                            struct srv_reply *out);
void srv_handle_models(struct srv_server *srv, const char *body, size_t len, const char *rest,
                       struct srv_reply *out);
void srv_handle_health(struct srv_server *srv, const char *body, size_t len, const char *rest,
                       struct srv_reply *out);
void srv_handle_metrics(struct srv_server *srv, const char *body, size_t len, const char *rest,
                        struct srv_reply *out);

/* ---- multipart/form-data (multipart.c) --------------------------------------------------- */

/* One part: its name, whether it is a file upload, and its bytes (borrowed from the body). */
struct srv_part {
  char name[64];
  bool has_filename;
  const char *data;
  size_t len;
};

/* Splits body into at most max_parts parts. false with a 400 in e for anything that is not a
 * well-formed multipart body. */
bool srv_multipart_parse(const char *body, size_t len, struct srv_part *parts, size_t max_parts,
                         size_t *n_parts, struct srv_error *e);

void srv_handle_transcriptions(struct srv_server *srv, const char *body, size_t len,
                               const char *rest, struct srv_reply *out);
void srv_handle_translations(struct srv_server *srv, const char *body, size_t len, const char *rest,
                             struct srv_reply *out);

/* Sets out to the error e (JSON body). */
void srv_reply_error(struct srv_reply *out, const struct srv_error *e);

#endif
