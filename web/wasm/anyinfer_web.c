/* The exports of build-wasm/anyinfer-web.wasm: the engine as a WASI reactor for the JavaScript host
 * in web/src (browsers, workers, Node). Only scalars and pointers cross the boundary, so the host
 * needs no struct layouts: strings are NUL-terminated UTF-8 in memory from aiw_malloc, handles
 * are pointers, errors are written into a caller's buffer.
 *
 * Generation is stepped so that the host can stream (and stay responsive) between tokens:
 * aiw_run_start renders nothing itself; it tokenizes a prompt, keeps the longest prefix the
 * session's cache already holds, evaluates the rest, and creates a generator; each aiw_run_step
 * samples one token (greedy at temperature 0, the same step anyinfer_session_generate runs) and
 * evaluates it; aiw_run_token/_text/_len/_done/_reason read what the step produced.
 *
 * Speech: aiw_audio_file (WAV bytes) or aiw_audio_pcm (samples the host decoded) give 16 kHz mono
 * samples as the CLI makes them; aiw_transcribe formats the transcript as `anyinfer transcribe
 * --format F` prints it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anyinfer.h"
#include "audio/audio.h"       /* ai_audio_to_mono16k */
#include "audio_file.h"        /* tools/: WAV bytes -> 16 kHz mono, as the CLI reads them */
#include "transcript_format.h" /* tools/: text, json, verbose_json, srt, vtt as the CLI prints */

#define AIW_EXPORT(name) __attribute__((export_name(#name)))

/* The longest error message the host's buffers hold is its business; this is the engine's. */
#define AIW_ERR_CAP 512

struct aiw_run {
  anyinfer_session *session;
  anyinfer_generator *generator;
  const float *logits; /* of the last evaluated token */
  anyinfer_step step;
  int32_t n_prompt;     /* tokens of the prompt */
  int32_t n_cached;     /* of them, already in the cache */
  bool is_context_full; /* the last step's token had no room: the next step ends the run */
  char err[AIW_ERR_CAP];
};

static void set_err(char *err, size_t cap, const char *what, const char *detail) {
  if (err && cap) snprintf(err, cap, "%s: %s", what, detail);
}

static void log_stderr(anyinfer_log_level level, const char *text, void *user_data) {
  (void)user_data;
  fprintf(stderr, "anyinfer: %s: %s\n", level == ANYINFER_LOG_ERROR ? "error" : "warning", text);
}

AIW_EXPORT(aiw_malloc) void *aiw_malloc(size_t n) {
  return malloc(n ? n : 1);
}

AIW_EXPORT(aiw_free) void aiw_free(void *p) {
  free(p);
}

/* Loads a GGUF from the host's file system (the WASI shim's memory-backed files). NULL on
 * failure, with the message in err. */
AIW_EXPORT(aiw_model_load)
anyinfer_model *aiw_model_load(const char *path, char *err, size_t cap) {
  anyinfer_model_params p;
  anyinfer_model_default_params(&p);
  p.log = log_stderr;
  p.log_level = ANYINFER_LOG_WARN;
  p.error_buf = err;
  p.error_cap = cap;
  anyinfer_model *m = NULL;
  return anyinfer_model_load(path, &p, &m) == ANYINFER_OK ? m : NULL;
}

AIW_EXPORT(aiw_model_free) void aiw_model_free(anyinfer_model *m) {
  anyinfer_model_free(m);
}

/* Strings of the model: 0 architecture, 1 name, 2 weight type; NULL for another key. */
AIW_EXPORT(aiw_model_str) const char *aiw_model_str(const anyinfer_model *m, int32_t key) {
  anyinfer_model_info info;
  anyinfer_model_get_info(m, &info);
  return key == 0 ? info.architecture : key == 1 ? info.name : key == 2 ? info.file_type : NULL;
}

/* Numbers of the model: 0 file bytes, 1 parameters, 2 vocabulary, 3 training context,
 * 4 layers, 5 embedding width; -1 for another key. */
AIW_EXPORT(aiw_model_num) double aiw_model_num(const anyinfer_model *m, int32_t key) {
  anyinfer_model_info info;
  anyinfer_model_get_info(m, &info);
  switch (key) {
    case 0:
      return (double)info.file_bytes;
    case 1:
      return (double)info.n_params;
    case 2:
      return info.n_vocab;
    case 3:
      return info.n_ctx_train;
    case 4:
      return info.n_layer;
    case 5:
      return info.n_embd;
    default:
      return -1;
  }
}

/* The model's chat template over n messages (roles[i], contents[i]) with the assistant turn
 * opened: a malloc'd string (aiw_free), or NULL with the message in err. */
AIW_EXPORT(aiw_chat_render)
char *aiw_chat_render(const anyinfer_model *m, const char *const *roles,
                      const char *const *contents, int32_t n, char *err, size_t cap) {
  if (n < 0) return set_err(err, cap, "chat", "negative message count"), NULL;
  anyinfer_chat_message *msgs = malloc(sizeof *msgs * (size_t)(n ? n : 1));
  if (!msgs) return set_err(err, cap, "chat", "out of memory"), NULL;
  for (int32_t i = 0; i < n; i++) msgs[i] = (anyinfer_chat_message){roles[i], contents[i]};
  anyinfer_chat_params p;
  anyinfer_chat_default_params(&p);
  p.add_generation_prompt = true;
  p.error_buf = err;
  p.error_cap = cap;
  size_t len = 0;
  char *text = NULL;
  anyinfer_status st = anyinfer_chat_apply(m, msgs, (size_t)n, &p, NULL, 0, &len);
  if (st == ANYINFER_OK || st == ANYINFER_E_RANGE) {
    text = malloc(len + 1);
    if (!text)
      set_err(err, cap, "chat", "out of memory");
    else if (anyinfer_chat_apply(m, msgs, (size_t)n, &p, text, len + 1, &len) != ANYINFER_OK) {
      free(text);
      text = NULL;
    }
  }
  free(msgs);
  return text;
}

/* A session (its KV cache) of n_ctx positions (0: the model's, at most 4096) on backend ("cpu",
 * "webgpu" or "auto": the host's WebGPU, else the CPU with a warning saying why). NULL on
 * failure. With WebGPU it may wait for the GPU: the host calls it through JSPI, as it does
 * aiw_run_start and aiw_run_step. */
AIW_EXPORT(aiw_session_create)
anyinfer_session *aiw_session_create(const anyinfer_model *m, int32_t n_ctx, const char *backend,
                                     char *err, size_t cap) {
  anyinfer_session_params p;
  anyinfer_session_default_params(&p);
  p.n_ctx = n_ctx;
  p.n_threads = 1;
  p.backend = backend;
  anyinfer_session *s = NULL;
  anyinfer_status st = anyinfer_session_create(m, &p, &s);
  if (st != ANYINFER_OK) set_err(err, cap, "session", anyinfer_status_str(st));
  return s;
}

AIW_EXPORT(aiw_session_free) void aiw_session_free(anyinfer_session *s) {
  anyinfer_session_free(s);
}

/* "cpu" or "webgpu": where the session runs. */
AIW_EXPORT(aiw_session_backend) const char *aiw_session_backend(const anyinfer_session *s) {
  return anyinfer_session_backend(s);
}

AIW_EXPORT(aiw_session_n_ctx) int32_t aiw_session_n_ctx(const anyinfer_session *s) {
  return anyinfer_session_n_ctx(s);
}

/* Tokens of text (BOS/EOS as the vocabulary asks; special-token text parsed when parse_special)
 * into a malloc'd array; *n gets the count. NULL with the message in err on failure. */
static int32_t *tokenize(const anyinfer_model *m, const char *text, size_t len, bool parse_special,
                         size_t *n, char *err, size_t cap) {
  anyinfer_status st = anyinfer_tokenize(m, text, len, true, parse_special, NULL, 0, n);
  int32_t *tokens = NULL;
  if (st == ANYINFER_OK || st == ANYINFER_E_RANGE) {
    tokens = malloc(sizeof *tokens * (*n ? *n : 1));
    st = tokens ? anyinfer_tokenize(m, text, len, true, parse_special, tokens, *n, n)
                : ANYINFER_E_NOMEM;
  }
  if (st != ANYINFER_OK) {
    set_err(err, cap, "tokenize", anyinfer_status_str(st));
    free(tokens);
    return NULL;
  }
  return tokens;
}

/* Token ids of text into out (at most cap); returns the count needed, or -1 with err set. */
AIW_EXPORT(aiw_tokenize)
int32_t aiw_tokenize(const anyinfer_model *m, const char *text, size_t len, int32_t parse_special,
                     int32_t *out, int32_t cap, char *err, size_t err_cap) {
  size_t n = 0;
  int32_t *tokens = tokenize(m, text, len, parse_special != 0, &n, err, err_cap);
  if (!tokens) return -1;
  memcpy(out, tokens, sizeof *out * (n < (size_t)cap ? n : (size_t)cap));
  free(tokens);
  return (int32_t)n;
}

AIW_EXPORT(aiw_run_free) void aiw_run_free(struct aiw_run *r) {
  if (!r) return;
  anyinfer_generator_free(r->generator);
  free(r);
}

/* Starts generating after prompt text[0..len) on session: keeps the cached prefix, evaluates
 * the rest. Sampling: temperature 0 is greedy; seed is 32 bits here. NULL with err on failure
 * (a prompt over the context: ANYINFER_E_CONTEXT_FULL's message). */
AIW_EXPORT(aiw_run_start)
struct aiw_run *aiw_run_start(anyinfer_session *s, const anyinfer_model *m, const char *text,
                              size_t len, int32_t parse_special, int32_t max_tokens,
                              float temperature, int32_t top_k, float top_p, float min_p,
                              float repeat_penalty, uint32_t seed, const char *const *stop,
                              int32_t n_stop, char *err, size_t cap) {
  size_t n = 0;
  int32_t *tokens = tokenize(m, text, len, parse_special != 0, &n, err, cap);
  if (!tokens) return NULL;
  struct aiw_run *r = calloc(1, sizeof *r);
  if (!r) {
    set_err(err, cap, "generate", "out of memory");
    goto fail;
  }
  r->session = s;
  anyinfer_generate_params gp;
  anyinfer_generate_default_params(&gp);
  gp.max_tokens = max_tokens;
  gp.sampler.temperature = temperature;
  gp.sampler.top_k = top_k;
  gp.sampler.top_p = top_p;
  gp.sampler.min_p = min_p;
  gp.sampler.repeat_penalty = repeat_penalty;
  gp.sampler.seed = seed;
  gp.stop = stop;
  gp.n_stop = n_stop > 0 ? (size_t)n_stop : 0;
  gp.error_buf = err;
  gp.error_cap = cap;
  if (anyinfer_generator_create(m, &gp, &r->generator) != ANYINFER_OK) goto fail;
  /* The cache's common prefix with the prompt stays; at least the last prompt token is
   * evaluated again, for its logits. */
  const int32_t *cached = anyinfer_session_seq_tokens(s, 0);
  size_t keep = 0, n_past = (size_t)anyinfer_session_n_past(s);
  while (keep < n_past && keep + 1 < n && cached[keep] == tokens[keep]) keep++;
  anyinfer_session_truncate(s, (int32_t)keep);
  r->n_prompt = (int32_t)n;
  r->n_cached = (int32_t)keep;
  if (anyinfer_session_decode(s, tokens + keep, n - keep, &r->logits) != ANYINFER_OK) {
    set_err(err, cap, "prompt", anyinfer_session_last_error(s));
    anyinfer_session_truncate(s, 0);
    goto fail;
  }
  free(tokens);
  return r;
fail:
  free(tokens);
  aiw_run_free(r);
  return NULL;
}

/* Samples one token and evaluates it (unless it ended generation), as anyinfer_session_generate
 * does. Returns 0, or -1 with the message in aiw_run_error. When the context is full, the token
 * is still released and the next call ends generation (reason 4) with the held-back text. */
AIW_EXPORT(aiw_run_step) int32_t aiw_run_step(struct aiw_run *r) {
  anyinfer_session *s = r->session;
  if (r->is_context_full) {
    anyinfer_generator_finish(r->generator, ANYINFER_STOP_CONTEXT, &r->step);
    r->step.is_done = true;
    return 0;
  }
  if (anyinfer_generator_step(r->generator, r->logits, anyinfer_session_seq_tokens(s, 0),
                              (size_t)anyinfer_session_n_past(s), &r->step) != ANYINFER_OK) {
    snprintf(r->err, sizeof r->err, "%s", anyinfer_generator_last_error(r->generator));
    return -1;
  }
  if (r->step.is_done) return 0;
  if (anyinfer_session_n_past(s) >= anyinfer_session_n_ctx(s)) {
    r->is_context_full = true;
    return 0;
  }
  if (anyinfer_session_decode(s, &r->step.token, 1, &r->logits) != ANYINFER_OK) {
    snprintf(r->err, sizeof r->err, "%s", anyinfer_session_last_error(s));
    return -1;
  }
  return 0;
}

/* Ends a run early (the host stopped reading): the text held back for stop strings. */
AIW_EXPORT(aiw_run_cancel) void aiw_run_cancel(struct aiw_run *r) {
  anyinfer_generator_finish(r->generator, ANYINFER_STOP_CALLBACK, &r->step);
  r->step.is_done = true;
}

AIW_EXPORT(aiw_run_token) int32_t aiw_run_token(const struct aiw_run *r) {
  return r->step.token;
}
AIW_EXPORT(aiw_run_text) const char *aiw_run_text(const struct aiw_run *r) {
  return r->step.text;
}
AIW_EXPORT(aiw_run_len) size_t aiw_run_len(const struct aiw_run *r) {
  return r->step.len;
}
AIW_EXPORT(aiw_run_done) int32_t aiw_run_done(const struct aiw_run *r) {
  return r->step.is_done;
}
/* anyinfer_stop_reason: 0 end of text, 1 max tokens, 2 stop string, 3 cancelled, 4 context. */
AIW_EXPORT(aiw_run_reason) int32_t aiw_run_reason(const struct aiw_run *r) {
  return (int32_t)r->step.reason;
}
AIW_EXPORT(aiw_run_n_prompt) int32_t aiw_run_n_prompt(const struct aiw_run *r) {
  return r->n_prompt;
}
AIW_EXPORT(aiw_run_n_cached) int32_t aiw_run_n_cached(const struct aiw_run *r) {
  return r->n_cached;
}
AIW_EXPORT(aiw_run_n_generated) int32_t aiw_run_n_generated(const struct aiw_run *r) {
  return anyinfer_generator_n_generated(r->generator);
}
AIW_EXPORT(aiw_run_error) const char *aiw_run_error(const struct aiw_run *r) {
  return r->err;
}

/* ---- speech ----------------------------------------------------------------------------- */

/* 16 kHz mono samples (malloc'd, *n_out of them) of an audio file's bytes: WAV here, the one
 * format the wasm build decodes itself. NULL with err on failure. */
AIW_EXPORT(aiw_audio_file)
float *aiw_audio_file(const void *data, size_t size, int32_t *n_out, char *err, size_t cap) {
  struct ai_error e = {0};
  float *out = NULL;
  int64_t n = 0;
  if (audio_file_decode(data, size, &out, &n, &e) != ANYINFER_OK || n > INT32_MAX) {
    set_err(err, cap, "file", e.msg[0] ? e.msg : "too long");
    free(out);
    return NULL;
  }
  *n_out = (int32_t)n;
  return out;
}

/* The same from interleaved float PCM the host decoded (n_frames x n_channels at rate Hz):
 * down-mixed and resampled as the CLI does. */
AIW_EXPORT(aiw_audio_pcm)
float *aiw_audio_pcm(const float *pcm, int32_t n_frames, int32_t n_channels, int32_t rate,
                     int32_t *n_out, char *err, size_t cap) {
  struct ai_error e = {0};
  const struct ai_alloc a = ai_alloc_default();
  float *out = NULL;
  int64_t n = 0;
  if (ai_audio_to_mono16k(&a, pcm, n_frames, n_channels, rate, &out, &n, &e) != ANYINFER_OK ||
      n > INT32_MAX) {
    set_err(err, cap, "file", e.msg[0] ? e.msg : "too long");
    ai_free(&a, out);
    return NULL;
  }
  *n_out = (int32_t)n;
  return out;
}

/* A Whisper transcriber on backend, as aiw_session_create (the host calls it through JSPI). */
AIW_EXPORT(aiw_transcriber_create)
anyinfer_transcriber *aiw_transcriber_create(const anyinfer_model *m, const char *backend,
                                             char *err, size_t cap) {
  anyinfer_transcriber_params p;
  anyinfer_transcriber_default_params(&p);
  p.backend = backend;
  anyinfer_transcriber *tr = NULL;
  anyinfer_status st = anyinfer_transcriber_create(m, &p, &tr);
  if (st != ANYINFER_OK) set_err(err, cap, "transcriber", anyinfer_status_str(st));
  return tr;
}

/* "cpu" or "webgpu": where the transcriber runs. */
AIW_EXPORT(aiw_transcriber_backend)
const char *aiw_transcriber_backend(const anyinfer_transcriber *tr) {
  return anyinfer_transcriber_backend(tr);
}

AIW_EXPORT(aiw_transcriber_free) void aiw_transcriber_free(anyinfer_transcriber *tr) {
  anyinfer_transcriber_free(tr);
}

/* Transcribes (or translates) n samples of 16 kHz mono audio and returns the transcript in
 * format ("text", "json", "verbose_json", "srt", "vtt") as a malloc'd string (through JSPI: it
 * may wait for the GPU). language NULL or
 * "" detects it; prompt may be NULL; temperature 0 with fallback, as the CLI's defaults. */
AIW_EXPORT(aiw_transcribe)
char *aiw_transcribe(anyinfer_transcriber *tr, const float *samples, int32_t n, const char *format,
                     const char *language, int32_t translate, float temperature, const char *prompt,
                     char *err, size_t cap) {
  enum transcript_format f;
  if (!transcript_format_parse(format, &f)) {
    set_err(err, cap, "response_format", "must be text, json, verbose_json, srt or vtt");
    return NULL;
  }
  anyinfer_transcribe_params p;
  anyinfer_transcribe_default_params(&p);
  p.language = language && *language ? language : NULL;
  p.translate = translate != 0;
  p.temperature = temperature;
  p.prompt = prompt && *prompt ? prompt : NULL;
  anyinfer_transcript *t = NULL;
  if (anyinfer_transcribe(tr, samples, n > 0 ? (size_t)n : 0, &p, &t) != ANYINFER_OK) {
    set_err(err, cap, "transcribe", anyinfer_transcriber_last_error(tr));
    return NULL;
  }
  char *text = transcript_format(t, f, p.translate ? "translate" : "transcribe");
  if (!text) set_err(err, cap, "transcribe", "out of memory");
  anyinfer_transcript_free(t);
  return text;
}
