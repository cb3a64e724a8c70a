/* anyinfer.h — the public C API of the anyinfer inference engine.
 *
 * Usage (this is tests/engine/test_api_example.c, which runs in `make test`):
 *
 *     anyinfer_model *model = NULL;
 *     if (anyinfer_model_load("model.gguf", NULL, &model) != ANYINFER_OK) return 1;
 *     anyinfer_session *session = NULL;
 *     if (anyinfer_session_create(model, NULL, &session) != ANYINFER_OK) { ... }
 *     int32_t prompt[256];
 *     size_t n_prompt = 0;
 *     anyinfer_tokenize(model, "Hello", 5, true, false, prompt, 256, &n_prompt);
 *     anyinfer_generate_params gp;
 *     anyinfer_generate_default_params(&gp);
 *     gp.max_tokens = 16;
 *     anyinfer_generate_result result;
 *     anyinfer_session_generate(session, prompt, n_prompt, &gp, print_piece, NULL, &result);
 *     anyinfer_session_free(session);
 *     anyinfer_model_free(model);
 *
 * Threads: a model is read-only after anyinfer_model_load returns and may be shared by any number
 * of threads and sessions. A session belongs to one thread at a time. Calls on different sessions
 * may run concurrently. No call keeps process-global state: the logger and the allocator are per
 * model, given in anyinfer_model_params.
 *
 * Errors: every call that can fail returns an anyinfer_status (ANYINFER_OK is 0, errors are
 * negative). The detail of the last failed call on a session is anyinfer_session_last_error();
 * a failed constructor writes its detail into the error_buf its params name.
 */
#ifndef ANYINFER_H
#define ANYINFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32) && defined(ANYINFER_BUILD_SHARED)
#define ANYINFER_API __declspec(dllexport)
#elif defined(__GNUC__) || defined(__clang__)
#define ANYINFER_API __attribute__((visibility("default")))
#else
#define ANYINFER_API
#endif

/* X(name, value, message): the one table of statuses. */
#define ANYINFER_STATUS_TABLE(X)                  \
  X(OK, 0, "success")                             \
  X(E_INVAL, -1, "invalid argument")              \
  X(E_NOMEM, -2, "out of memory")                 \
  X(E_IO, -3, "input/output error")               \
  X(E_FORMAT, -4, "malformed or truncated file")  \
  X(E_UNSUPPORTED, -5, "unsupported feature")     \
  X(E_CONTEXT_FULL, -6, "context window is full") \
  X(E_TEMPLATE, -7, "chat template error")        \
  X(E_RANGE, -8, "output buffer too small")       \
  X(E_NOT_FOUND, -9, "not found")                 \
  X(E_BACKEND, -10, "backend error")              \
  X(E_CANCELLED, -11, "cancelled by callback")

typedef enum anyinfer_status {
#define ANYINFER_STATUS_ENUM(name, value, message) ANYINFER_##name = value,
  ANYINFER_STATUS_TABLE(ANYINFER_STATUS_ENUM)
#undef ANYINFER_STATUS_ENUM
} anyinfer_status;

/* "ANYINFER_E_NOMEM" for ANYINFER_E_NOMEM; "ANYINFER_E_UNKNOWN" for a value not in the table.
 * Static storage. */
ANYINFER_API const char *anyinfer_status_name(anyinfer_status status);
/* "out of memory" for ANYINFER_E_NOMEM; "unknown status" for a value not in the table. */
ANYINFER_API const char *anyinfer_status_str(anyinfer_status status);

/* ---------------------------------------------------------------------------------------------
 * Hooks given at model creation: logging, allocation, progress.
 */
typedef enum anyinfer_log_level {
  ANYINFER_LOG_ERROR = 0,
  ANYINFER_LOG_WARN = 1,
  ANYINFER_LOG_INFO = 2,
  ANYINFER_LOG_DEBUG = 3,
} anyinfer_log_level;

/* Receives one line of log text (no trailing newline). Called on the thread that made the call. */
typedef void (*anyinfer_log_fn)(anyinfer_log_level level, const char *text, void *user_data);

/* realloc-shaped allocator: size 0 frees ptr and returns NULL; ptr NULL allocates. Returning
 * NULL for size > 0 is an allocation failure, which every call reports as ANYINFER_E_NOMEM. Must
 * be safe to call from any thread that uses the model. */
typedef void *(*anyinfer_alloc_fn)(void *ptr, size_t size, void *user_data);

/* Reports progress of long work in [0, 1]. Return false to cancel (ANYINFER_E_CANCELLED). */
typedef bool (*anyinfer_progress_fn)(float fraction, void *user_data);

/* ---------------------------------------------------------------------------------------------
 * Models
 */
typedef struct anyinfer_model anyinfer_model;

typedef struct anyinfer_model_params {
  anyinfer_log_fn log; /* NULL: no logging */
  void *log_user_data;
  anyinfer_log_level log_level; /* lines above this level are not produced */
  anyinfer_alloc_fn alloc;      /* NULL: the C library's realloc/free */
  void *alloc_user_data;
  anyinfer_progress_fn progress; /* NULL: none */
  void *progress_user_data;
  bool use_mmap;    /* map the file when the platform can (default true) */
  bool vocab_only;  /* load metadata and tokenizer only, no tensors */
  char *error_buf;  /* if non-NULL, a failed load writes its message here */
  size_t error_cap; /* bytes at error_buf, including the terminating NUL */
} anyinfer_model_params;

/* Writes the defaults into *params. */
ANYINFER_API void anyinfer_model_default_params(anyinfer_model_params *params);

/* Loads a GGUF file. params may be NULL (defaults). On success *model owns everything it uses
 * and is freed by anyinfer_model_free. On failure *model is NULL and the message goes to
 * params->error_buf and the log.
 * Returns ANYINFER_E_IO (cannot open/read), ANYINFER_E_FORMAT (corrupt or truncated file),
 * ANYINFER_E_UNSUPPORTED (architecture or tensor type), ANYINFER_E_NOMEM, ANYINFER_E_CANCELLED. */
ANYINFER_API anyinfer_status anyinfer_model_load(const char *path,
                                                 const anyinfer_model_params *params,
                                                 anyinfer_model **model);
/* Frees the model. NULL is allowed. All sessions of the model must be freed first. */
ANYINFER_API void anyinfer_model_free(anyinfer_model *model);

/* Plain description of a loaded model. Strings are owned by the model, valid until it is freed. */
typedef struct anyinfer_model_info {
  const char *architecture; /* general.architecture, e.g. "llama" */
  const char *name;         /* general.name, or "" */
  const char *file_type;    /* the type of most weights, e.g. "Q4_0" */
  uint64_t file_bytes;      /* size of the GGUF file */
  uint64_t n_params;        /* elements in all tensors */
  uint32_t gguf_version;
  int32_t n_vocab;
  int32_t n_ctx_train;
  int32_t n_embd;
  int32_t n_layer;
  int32_t n_head;
  int32_t n_head_kv;
  int32_t bos_token; /* -1 when absent */
  int32_t eos_token; /* -1 when absent */
  bool has_weights;  /* false for a vocab-only load */
} anyinfer_model_info;

ANYINFER_API void anyinfer_model_get_info(const anyinfer_model *model, anyinfer_model_info *info);

/* Metadata: the GGUF key/value pairs, in file order. Values are rendered as text (arrays as
 * "[a, b, ...]", truncated after max_items items; 0 means all). Returned strings live until the
 * model is freed. */
ANYINFER_API size_t anyinfer_model_meta_count(const anyinfer_model *model);
ANYINFER_API const char *anyinfer_model_meta_key(const anyinfer_model *model, size_t i);
/* Writes the value of key i into buf (NUL-terminated, at most cap bytes); *len gets the length it
 * needs. Returns ANYINFER_E_RANGE if i is out of range or the buffer is too small (then buf holds
 * a truncated prefix). */
ANYINFER_API anyinfer_status anyinfer_model_meta_value(const anyinfer_model *model, size_t i,
                                                       size_t max_items, char *buf, size_t cap,
                                                       size_t *len);
/* The string value of a key, or NULL if absent or not a string. Valid until the model is freed. */
ANYINFER_API const char *anyinfer_model_meta_str(const anyinfer_model *model, const char *key);

typedef struct anyinfer_tensor_info {
  const char *name; /* valid until the model is freed */
  const char *type; /* "F32", "Q4_K", ... */
  int32_t n_dims;
  int64_t ne[4];   /* elements per dimension, innermost first */
  uint64_t offset; /* byte offset in the file */
  uint64_t bytes;
} anyinfer_tensor_info;

ANYINFER_API size_t anyinfer_model_tensor_count(const anyinfer_model *model);
/* Returns ANYINFER_E_RANGE if i >= anyinfer_model_tensor_count(model). */
ANYINFER_API anyinfer_status anyinfer_model_tensor_get(const anyinfer_model *model, size_t i,
                                                       anyinfer_tensor_info *info);

/* ---------------------------------------------------------------------------------------------
 * Tokens. Token ids are int32_t; pieces are raw bytes (one token may hold part of a UTF-8
 * sequence).
 */

/* Tokenizes text[0..len). add_special adds BOS/EOS as the vocabulary asks; parse_special turns
 * the text of special/control tokens (e.g. "<|im_start|>") into their ids instead of plain text.
 * *n_tokens gets the count needed; returns ANYINFER_E_RANGE if it exceeds cap (tokens then holds
 * the first cap). Thread-safe on a shared model. */
ANYINFER_API anyinfer_status anyinfer_tokenize(const anyinfer_model *model, const char *text,
                                               size_t len, bool add_special, bool parse_special,
                                               int32_t *tokens, size_t cap, size_t *n_tokens);

/* The bytes of one token as they appear in text (byte tokens decoded, "▁" as space; special
 * tokens as their text). Leading-space removal is the caller's business. *len gets the length
 * needed; returns ANYINFER_E_RANGE if it exceeds cap, ANYINFER_E_INVAL for a bad id. */
ANYINFER_API anyinfer_status anyinfer_token_to_piece(const anyinfer_model *model, int32_t token,
                                                     char *buf, size_t cap, size_t *len);

/* Decodes a whole token sequence into text (SentencePiece leading space removed when the
 * vocabulary asks). Same buffer contract as anyinfer_token_to_piece. */
ANYINFER_API anyinfer_status anyinfer_detokenize(const anyinfer_model *model, const int32_t *tokens,
                                                 size_t n_tokens, char *buf, size_t cap,
                                                 size_t *len);

ANYINFER_API bool anyinfer_token_is_eog(const anyinfer_model *model, int32_t token);

/* ---------------------------------------------------------------------------------------------
 * Chat templates
 */
typedef struct anyinfer_chat_message {
  const char *role; /* "system", "user", "assistant", ... */
  const char *content;
} anyinfer_chat_message;

typedef struct anyinfer_chat_params {
  const char *template_override; /* Jinja source to use instead of the model's; NULL: model's */
  bool add_generation_prompt;    /* end with the opening of an assistant turn */
  char *error_buf;               /* if non-NULL, a failure writes its message here */
  size_t error_cap;
} anyinfer_chat_params;

ANYINFER_API void anyinfer_chat_default_params(anyinfer_chat_params *params);

/* Renders messages with the model's tokenizer.chat_template (or the override); bos_token and
 * eos_token come from the model's vocabulary. A model without a template uses ChatML.
 * *len gets the length needed (without NUL); ANYINFER_E_RANGE if it does not fit in cap.
 * ANYINFER_E_TEMPLATE for a template error (the message names the construct and position). */
ANYINFER_API anyinfer_status anyinfer_chat_apply(const anyinfer_model *model,
                                                 const anyinfer_chat_message *messages,
                                                 size_t n_messages,
                                                 const anyinfer_chat_params *params, char *buf,
                                                 size_t cap, size_t *len);

/* ---------------------------------------------------------------------------------------------
 * Sessions: one conversation with its KV cache.
 */
typedef struct anyinfer_session anyinfer_session;

typedef struct anyinfer_session_params {
  int32_t n_ctx;       /* context length in tokens; 0: the model's training context, at most 4096 */
  int32_t n_batch;     /* most tokens per forward pass (default 256) */
  int32_t n_seq;       /* KV-cache slots, n_ctx positions each, for batched decoding (default 1) */
  int32_t n_threads;   /* CPU threads; 0: all online cores */
  const char *backend; /* "cpu" (default); "webgpu" or "auto": the GPU through WebGPU where there
                          is one, else the CPU, with one warning saying why */
} anyinfer_session_params;

ANYINFER_API void anyinfer_session_default_params(anyinfer_session_params *params);

/* Creates a session over model; params may be NULL. Allocates the KV cache and activations once.
 * Returns ANYINFER_E_INVAL (vocab-only model, bad params), ANYINFER_E_NOMEM,
 * ANYINFER_E_UNSUPPORTED (unknown backend). */
ANYINFER_API anyinfer_status anyinfer_session_create(const anyinfer_model *model,
                                                     const anyinfer_session_params *params,
                                                     anyinfer_session **session);
ANYINFER_API void anyinfer_session_free(anyinfer_session *session);

/* Message of the last failed call on this session; "" if none. Valid until the next call. */
ANYINFER_API const char *anyinfer_session_last_error(const anyinfer_session *session);

/* Number of tokens in the KV cache (of slot 0; every call without a slot argument uses slot 0). */
ANYINFER_API int32_t anyinfer_session_n_past(const anyinfer_session *session);
/* Positions per slot. */
ANYINFER_API int32_t anyinfer_session_n_ctx(const anyinfer_session *session);
/* Slots (params n_seq) and the most tokens one forward pass takes (params n_batch). */
ANYINFER_API int32_t anyinfer_session_n_seq(const anyinfer_session *session);
ANYINFER_API int32_t anyinfer_session_n_batch(const anyinfer_session *session);
/* Name of the backend the session runs on ("cpu", "webgpu"); static storage. */
ANYINFER_API const char *anyinfer_session_backend(const anyinfer_session *session);

/* Describes the GPU the "webgpu" backend would use (Dawn library, adapter, limits, features) as
 * text into buf (cap bytes, NUL-terminated, cut to fit; *len gets the length written). Returns
 * ANYINFER_E_BACKEND when there is no Dawn library or no usable adapter: buf then holds why. */
ANYINFER_API anyinfer_status anyinfer_devices_describe(char *buf, size_t cap, size_t *len);

/* Drops cached tokens from position n_past on (0 clears). ANYINFER_E_INVAL if n_past is beyond
 * the cache. */
ANYINFER_API anyinfer_status anyinfer_session_truncate(anyinfer_session *session, int32_t n_past);

/* Tokens in slot seq's cache; 0 for a slot out of range. */
ANYINFER_API int32_t anyinfer_session_seq_n_past(const anyinfer_session *session, int32_t seq);
/* The tokens in slot seq's cache (anyinfer_session_seq_n_past of them), oldest first, for prefix
 * reuse and penalties; NULL for a slot out of range. Valid until the session is freed; the
 * contents change with calls that evaluate into or truncate the slot. */
ANYINFER_API const int32_t *anyinfer_session_seq_tokens(const anyinfer_session *session,
                                                        int32_t seq);
/* Drops slot seq's cached tokens from position n_past on: keep a common prefix, re-evaluate the
 * rest. ANYINFER_E_INVAL for a slot out of range or n_past beyond its cache. */
ANYINFER_API anyinfer_status anyinfer_session_seq_truncate(anyinfer_session *session, int32_t seq,
                                                           int32_t n_past);

/* Runs the model on tokens (appended after the cache) in batches of n_batch. If logits is
 * non-NULL, *logits points to the logits of the last token (n_vocab floats), valid until the next
 * call on the session. ANYINFER_E_CONTEXT_FULL if the tokens do not fit (nothing is evaluated). */
ANYINFER_API anyinfer_status anyinfer_session_decode(anyinfer_session *session,
                                                     const int32_t *tokens, size_t n_tokens,
                                                     const float **logits);

/* Like decode, but writes the logits of every position into out (n_tokens × n_vocab floats,
 * row-major). For perplexity and parity tests. */
ANYINFER_API anyinfer_status anyinfer_session_decode_all(anyinfer_session *session,
                                                         const int32_t *tokens, size_t n_tokens,
                                                         float *out);

/* One sequence's share of a batched forward pass. */
typedef struct anyinfer_batch_item {
  int32_t seq;           /* slot in [0, n_seq); each slot at most once per batch */
  const int32_t *tokens; /* appended after the slot's cached tokens */
  int32_t n_tokens;      /* >= 1 */
} anyinfer_batch_item;

/* Runs the tokens of several slots in ONE forward pass (continuous batching: every matmul over all
 * tokens together, attention per slot against its own cache). The items' tokens together must
 * not exceed anyinfer_session_n_batch; the caller splits long prompts into chunks across calls.
 * *logits (if non-NULL) points to n_items rows of n_vocab floats, row i the logits after item
 * i's last token, valid until the next call on the session. Nothing is evaluated on failure:
 * ANYINFER_E_INVAL (no items, more than n_seq, a bad or repeated slot, an empty item, a token
 * outside the vocabulary, more than n_batch tokens), ANYINFER_E_CONTEXT_FULL (an item does not
 * fit its slot). */
ANYINFER_API anyinfer_status anyinfer_session_decode_batch(anyinfer_session *session,
                                                           const anyinfer_batch_item *items,
                                                           size_t n_items, const float **logits);

typedef struct anyinfer_logit_bias {
  int32_t token;
  float bias; /* added to the logit; -INFINITY bans the token */
} anyinfer_logit_bias;

typedef struct anyinfer_sampler_params {
  float temperature;       /* 0: greedy (default 0.8) */
  int32_t top_k;           /* 0: off (default 40) */
  float top_p;             /* 1: off (default 0.95) */
  float min_p;             /* 0: off (default 0.05) */
  float repeat_penalty;    /* 1: off (default 1.0) */
  int32_t repeat_last_n;   /* tokens the penalties look back over (default 64) */
  float presence_penalty;  /* 0: off */
  float frequency_penalty; /* 0: off */
  uint64_t seed;           /* same seed, same model, same prompt => same output */
  const anyinfer_logit_bias *logit_bias;
  size_t n_logit_bias;
} anyinfer_sampler_params;

ANYINFER_API void anyinfer_sampler_default_params(anyinfer_sampler_params *params);

typedef enum anyinfer_stop_reason {
  ANYINFER_STOP_EOG = 0,        /* the model produced an end-of-generation token */
  ANYINFER_STOP_MAX_TOKENS = 1, /* max_tokens reached */
  ANYINFER_STOP_STRING = 2,     /* a stop string was produced (it is not emitted) */
  ANYINFER_STOP_CALLBACK = 3,   /* the piece callback returned false */
  ANYINFER_STOP_CONTEXT = 4,    /* the context window filled up */
} anyinfer_stop_reason;

/* Receives each generated token id as it is sampled (an end-of-generation token is not passed).
 * Return false to stop (ANYINFER_STOP_CALLBACK). */
typedef bool (*anyinfer_token_fn)(int32_t token, void *user_data);

/* Most alternatives a step reports with their log-probabilities (OpenAI's top_logprobs bound). */
#define ANYINFER_MAX_TOP_LOGPROBS 20

typedef struct anyinfer_generate_params {
  int32_t max_tokens; /* most tokens to generate; -1: until EOG or context end */
  anyinfer_sampler_params sampler;
  const char *const *stop; /* stop strings (not emitted), may be NULL */
  size_t n_stop;
  anyinfer_token_fn on_token; /* may be NULL */
  void *on_token_user_data;
  bool is_json_object;  /* constrain sampling so the text is one JSON object; generation
                           ends (ANYINFER_STOP_EOG) when the object closes */
  bool has_logprobs;    /* generator steps report the token's log-probability, and */
  int32_t top_logprobs; /* this many alternatives (0..20); costs a pass over the vocabulary */
  char *error_buf;      /* anyinfer_generator_create: its failure message goes here */
  size_t error_cap;
} anyinfer_generate_params;

ANYINFER_API void anyinfer_generate_default_params(anyinfer_generate_params *params);

typedef struct anyinfer_generate_result {
  int32_t n_prompt_tokens;
  int32_t n_generated_tokens;
  anyinfer_stop_reason stop_reason;
  double prompt_seconds;   /* wall time of prompt processing */
  double generate_seconds; /* wall time of generation */
} anyinfer_generate_result;

/* Receives generated text as it is produced: always whole UTF-8 sequences, never a split one,
 * never text that may still turn out to be part of a stop string. Return false to stop. */
typedef bool (*anyinfer_piece_fn)(const char *text, size_t len, void *user_data);

/* Evaluates prompt (after the cache), then samples up to max_tokens tokens, streaming text to
 * on_piece (may be NULL). params NULL: defaults. Returns ANYINFER_E_CONTEXT_FULL when the prompt
 * does not fit (on_piece is then never called); hitting the context end while generating is a
 * normal stop (ANYINFER_STOP_CONTEXT). */
ANYINFER_API anyinfer_status anyinfer_session_generate(anyinfer_session *session,
                                                       const int32_t *prompt, size_t n_prompt,
                                                       const anyinfer_generate_params *params,
                                                       anyinfer_piece_fn on_piece, void *user_data,
                                                       anyinfer_generate_result *result);

/* ---------------------------------------------------------------------------------------------
 * Generators: the per-token step of generation (constraint → sample → detokenize → stop strings)
 * for callers that run the forward passes themselves, e.g. a server batching several sequences
 * with anyinfer_session_decode_batch. anyinfer_session_generate runs the same step. A generator
 * is one request's state; it belongs to one thread at a time and reads the model only.
 */
typedef struct anyinfer_generator anyinfer_generator;

typedef struct anyinfer_token_logprob {
  int32_t token;
  float logprob; /* natural log of the token's probability under the (biased, constrained)
                    softmax of the logits, before temperature and filters */
} anyinfer_token_logprob;

/* What one step produced. */
typedef struct anyinfer_step {
  int32_t token;    /* the sampled token (an end-of-generation token included) */
  const char *text; /* text that is safe to emit now: whole UTF-8 sequences, nothing that may
                       still turn into a stop string; owned by the generator, valid until its
                       next call. len may be 0 */
  size_t len;
  bool is_done; /* generation ended with this step; reason says why */
  anyinfer_stop_reason reason;
  float logprob; /* of token (0 unless params has_logprobs) */
  int32_t n_top; /* params top_logprobs alternatives, most likely first */
  anyinfer_token_logprob top[ANYINFER_MAX_TOP_LOGPROBS];
} anyinfer_step;

/* Creates a generator for model with params (NULL: defaults; on_token is not used). On failure
 * *out is NULL and the message goes to params->error_buf. ANYINFER_E_INVAL (a bad sampler
 * parameter, top_logprobs outside [0, 20]), ANYINFER_E_NOMEM. */
ANYINFER_API anyinfer_status anyinfer_generator_create(const anyinfer_model *model,
                                                       const anyinfer_generate_params *params,
                                                       anyinfer_generator **out);
ANYINFER_API void anyinfer_generator_free(anyinfer_generator *generator);
/* Message of the generator's last failed call; "" if none. Valid until its next call. */
ANYINFER_API const char *anyinfer_generator_last_error(const anyinfer_generator *generator);

/* Samples the next token from logits (n_vocab floats; history: the sequence's tokens so far,
 * oldest first, for the penalties) and advances: out gets the token and the text it releases,
 * and is_done when it was an end-of-generation token, completed a stop string or JSON object, or
 * reached max_tokens. The caller evaluates out->token next unless is_done. Never allocates
 * unless text outgrows its buffer. ANYINFER_E_INVAL (already done, or no token can be drawn:
 * every logit is -inf after bias and constraint), ANYINFER_E_NOMEM. */
ANYINFER_API anyinfer_status anyinfer_generator_step(anyinfer_generator *generator,
                                                     const float *logits, const int32_t *history,
                                                     size_t n_history, anyinfer_step *out);
/* Ends generation for a reason outside the generator (ANYINFER_STOP_CONTEXT,
 * ANYINFER_STOP_CALLBACK): out gets the held-back text (reason becomes ANYINFER_STOP_STRING if it
 * completes a stop string). Nothing happens on a generator that is already done (out->len 0). */
ANYINFER_API void anyinfer_generator_finish(anyinfer_generator *generator,
                                            anyinfer_stop_reason reason, anyinfer_step *out);
/* Tokens generated so far (an end-of-generation token is not counted). */
ANYINFER_API int32_t anyinfer_generator_n_generated(const anyinfer_generator *generator);

/* ---------------------------------------------------------------------------------------------
 * Speech to text: Whisper models (general.architecture "whisper", from `anyinfer convert` or a
 * whisper.cpp ggml-*.bin file). A transcriber holds the activations and KV caches of one
 * transcription at a time; it belongs to one thread at a time, like a session.
 *
 *     anyinfer_transcriber *tr = NULL;
 *     anyinfer_transcriber_create(model, NULL, &tr);
 *     anyinfer_transcript *out = NULL;
 *     anyinfer_transcribe(tr, samples_16k_mono, n_samples, NULL, &out);
 *     puts(anyinfer_transcript_text(out));
 *     anyinfer_transcript_free(out);
 *     anyinfer_transcriber_free(tr);
 */
typedef struct anyinfer_transcriber anyinfer_transcriber;

typedef struct anyinfer_transcriber_params {
  int32_t n_threads;   /* CPU threads; 0: all online cores */
  int32_t max_beams;   /* most beams (or best-of candidates) a transcribe call may use; default 5 */
  const char *backend; /* "cpu" (default); "webgpu" or "auto": the GPU through WebGPU where there
                          is one, else the CPU, with one warning saying why (as sessions) */
} anyinfer_transcriber_params;

ANYINFER_API void anyinfer_transcriber_default_params(anyinfer_transcriber_params *params);

/* Creates a transcriber over a Whisper model; params may be NULL. Allocates the activations,
 * the cross-attention K/V of one window and max_beams decoder caches once. ANYINFER_E_INVAL (not
 * a Whisper model, vocab-only load, bad params), ANYINFER_E_NOMEM, ANYINFER_E_UNSUPPORTED (the
 * model's vocabulary lacks Whisper's special tokens, unknown backend). */
ANYINFER_API anyinfer_status anyinfer_transcriber_create(const anyinfer_model *model,
                                                         const anyinfer_transcriber_params *params,
                                                         anyinfer_transcriber **transcriber);
/* NULL is allowed. Free every transcriber of a model before the model. */
ANYINFER_API void anyinfer_transcriber_free(anyinfer_transcriber *transcriber);
/* Message of the last failed call on this transcriber; "" if none. Valid until the next call. */
ANYINFER_API const char *anyinfer_transcriber_last_error(const anyinfer_transcriber *transcriber);
/* Name of the backend the transcriber runs on ("cpu", "webgpu"); static storage. */
ANYINFER_API const char *anyinfer_transcriber_backend(const anyinfer_transcriber *transcriber);

/* One piece of a transcript. Strings are owned by the transcript (or, in a callback, valid during
 * the call). */
typedef struct anyinfer_segment {
  double t0, t1;         /* start and end, seconds from the start of the audio */
  const char *text;      /* UTF-8, with Whisper's leading space */
  const int32_t *tokens; /* the text tokens (timestamps and specials removed) */
  size_t n_tokens;
  float avg_logprob;       /* mean log-probability of the window's sampled tokens */
  float no_speech_prob;    /* probability of <|nospeech|> at the window's start */
  float compression_ratio; /* of the window's text (gzip-like, as Whisper measures repetition) */
  float temperature;       /* the temperature that produced the window */
} anyinfer_segment;

/* Called once per finished segment, in order; return false to stop transcribing (the call then
 * returns ANYINFER_OK with the segments so far). */
typedef bool (*anyinfer_segment_fn)(const anyinfer_segment *segment, void *user_data);

typedef struct anyinfer_transcribe_params {
  const char *language;  /* "en", "de", ...; NULL or "auto": detected on the first window */
  bool translate;        /* task <|translate|> (into English) instead of <|transcribe|> */
  bool no_timestamps;    /* <|notimestamps|>: one segment per 30 s window */
  int32_t beam_size;     /* 1: greedy (default); 2..max_beams: beam search at temperature 0 */
  int32_t best_of;       /* candidates sampled at temperatures > 0 (default 5; at most the
                            transcriber's max_beams are used) */
  float temperature;     /* first temperature (default 0) */
  float temperature_inc; /* fallback step up to 1.0 (default 0.2; 0: no fallback) */
  float compression_ratio_threshold; /* fall back above this ratio (default 2.4; 0: off) */
  float logprob_threshold;           /* fall back below this mean log-prob (default -1; 0: off) */
  float no_speech_threshold;         /* skip a window whose no-speech probability is above this and
                                        whose mean log-prob is below logprob_threshold (default 0.6) */
  const char *prompt;                /* initial prompt text (<|startofprev|> context), or NULL */
  bool condition_on_previous_text;   /* the previous window's text as context (default true) */
  bool suppress_blank;      /* no blank or end-of-text as a window's first token (default true) */
  bool suppress_non_speech; /* the model's suppress_tokens (symbols, music notes; default true) */
  uint64_t seed;            /* sampling at temperature > 0 */
  anyinfer_segment_fn on_segment; /* NULL: none */
  void *on_segment_user_data;
  anyinfer_progress_fn progress; /* fraction of the audio done; false cancels (E_CANCELLED) */
  void *progress_user_data;
} anyinfer_transcribe_params;

ANYINFER_API void anyinfer_transcribe_default_params(anyinfer_transcribe_params *params);

typedef struct anyinfer_transcript anyinfer_transcript;

/* Transcribes n_samples of 16 kHz mono float PCM (in [-1, 1]) in 30 s windows, seeking by the
 * last timestamp of each window, as Whisper's transcribe() does; params may be NULL. *out is
 * owned by the caller (anyinfer_transcript_free). Zero samples give an empty transcript.
 * ANYINFER_E_INVAL (bad params, unknown language), ANYINFER_E_NOMEM, ANYINFER_E_CANCELLED. */
ANYINFER_API anyinfer_status anyinfer_transcribe(anyinfer_transcriber *transcriber,
                                                 const float *samples, size_t n_samples,
                                                 const anyinfer_transcribe_params *params,
                                                 anyinfer_transcript **out);
ANYINFER_API size_t anyinfer_transcript_n_segments(const anyinfer_transcript *transcript);
/* Segment i (< n_segments), valid until the transcript is freed. */
ANYINFER_API const anyinfer_segment *anyinfer_transcript_segment(
    const anyinfer_transcript *transcript, size_t i);
/* All segments' text joined; the language code used ("en"); the audio's length in seconds. */
ANYINFER_API const char *anyinfer_transcript_text(const anyinfer_transcript *transcript);
ANYINFER_API const char *anyinfer_transcript_language(const anyinfer_transcript *transcript);
ANYINFER_API double anyinfer_transcript_duration(const anyinfer_transcript *transcript);
/* NULL is allowed. */
ANYINFER_API void anyinfer_transcript_free(anyinfer_transcript *transcript);
/* Whisper's English name of a language code ("de" -> "german"), as OpenAI's verbose_json reports
 * it; NULL for an unknown code. Static storage. */
ANYINFER_API const char *anyinfer_language_name(const char *code);

/* Low level, for benchmarks and parity tests. Runs the encoder on one window of log-mel frames:
 * mel is n_mel x n_frames floats, row-major by mel bin, with n_frames twice the model's encoder
 * context (3000 for 30 s); n_floats must be n_mel * n_frames. ANYINFER_E_INVAL otherwise. */
ANYINFER_API anyinfer_status anyinfer_transcriber_encode(anyinfer_transcriber *transcriber,
                                                         const float *mel, size_t n_floats);
/* Runs the decoder on tokens at positions pos, pos + 1, ... of beam 0, after an encode; *logits
 * (if non-NULL) gets the last token's logits (n_vocab floats), valid until the next call.
 * ANYINFER_E_INVAL (no window encoded, a token out of range), ANYINFER_E_CONTEXT_FULL. */
ANYINFER_API anyinfer_status anyinfer_transcriber_decode(anyinfer_transcriber *transcriber,
                                                         const int32_t *tokens, size_t n_tokens,
                                                         int32_t pos, const float **logits);

/* ---------------------------------------------------------------------------------------------
 * Model files: quantize, synthesize.
 */
typedef struct anyinfer_file_params {
  const char *type; /* target weight type: "F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1",
                       "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K", or a mix "Q4_K_M", "Q5_K_M" */
  uint64_t seed;    /* synth only: weights are a function of the seed */
  anyinfer_log_fn log;
  void *log_user_data;
  anyinfer_progress_fn progress;
  void *progress_user_data;
  char *error_buf;
  size_t error_cap;
} anyinfer_file_params;

ANYINFER_API void anyinfer_file_default_params(anyinfer_file_params *params);

/* Rewrites the GGUF at in_path with weights of params->type into out_path. Norms, biases and
 * 1-D tensors stay F32. */
ANYINFER_API anyinfer_status anyinfer_quantize(const char *in_path, const char *out_path,
                                               const anyinfer_file_params *params);

/* Writes a random-weight GGUF with the exact shapes, hyperparameters and vocabulary size of a
 * named real model. Names: anyinfer_synth_names(). */
ANYINFER_API anyinfer_status anyinfer_synth(const char *name, const char *out_path,
                                            const anyinfer_file_params *params);
/* NULL-terminated list of names anyinfer_synth accepts. Static storage. */
ANYINFER_API const char *const *anyinfer_synth_names(void);

#ifdef __cplusplus
}
#endif

#endif /* ANYINFER_H */
