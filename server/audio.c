/* POST /v1/audio/transcriptions and /v1/audio/translations: OpenAI's speech-to-text endpoints on
 * a Whisper model. The body is multipart/form-data (RFC 7578): `file` (any audio audio_file.c
 * decodes), `model`, and optionally `language`, `prompt`, `response_format` (json, text, srt,
 * verbose_json, vtt), `temperature` and `timestamp_granularities[]` (segment; word is refused).
 * The body arrives whole within the server's body limit and is split by multipart.c. One
 * transcription runs per model at a time. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "audio_file.h"
#include "server.h"
#include "transcript_format.h"

#define MAX_PARTS 32

/* A text field as a NUL-terminated copy in buf, or NULL when absent. */
static const char *field(const struct srv_part *parts, size_t n, const char *name, char *buf,
                         size_t cap) {
  for (size_t i = 0; i < n; i++)
    if (!strcmp(parts[i].name, name)) {
      size_t len = parts[i].len < cap - 1 ? parts[i].len : cap - 1;
      memcpy(buf, parts[i].data, len);
      buf[len] = '\0';
      return buf;
    }
  return NULL;
}

static void handle(struct srv_server *srv, const char *body, size_t len, bool translate,
                   struct srv_reply *out) {
  struct srv_error e;
  struct srv_part parts[MAX_PARTS];
  size_t n = 0;
  if (!srv_multipart_parse(body, len, parts, MAX_PARTS, &n, &e)) return srv_reply_error(out, &e);
  const struct srv_part *file = NULL;
  for (size_t i = 0; i < n; i++)
    if (!strcmp(parts[i].name, "file")) file = &parts[i];
  char model_id[256], language[32], format_name[32], temp_text[32], gran[32];
  char *prompt = NULL;
  const char *model = field(parts, n, "model", model_id, sizeof model_id);
  const char *lang = field(parts, n, "language", language, sizeof language);
  const char *fmt_text = field(parts, n, "response_format", format_name, sizeof format_name);
  const char *temp = field(parts, n, "temperature", temp_text, sizeof temp_text);
  const char *g = field(parts, n, "timestamp_granularities[]", gran, sizeof gran);
  enum transcript_format fmt = TF_JSON;
  if (!file) {
    srv_fail(&e, 400, NULL, "file", "The 'file' part with the audio is missing");
    return srv_reply_error(out, &e);
  }
  if (fmt_text && !transcript_format_parse(fmt_text, &fmt)) {
    srv_fail(&e, 400, NULL, "response_format",
             "response_format '%.40s' is not one of json, text, srt, verbose_json, vtt", fmt_text);
    return srv_reply_error(out, &e);
  }
  if (g && strcmp(g, "segment") != 0) {
    srv_fail(&e, 400, NULL, "timestamp_granularities[]",
             "timestamp_granularities '%.40s' is not supported (segment)", g);
    return srv_reply_error(out, &e);
  }
  char *endp = NULL;
  float temperature = temp ? strtof(temp, &endp) : 0.0f;
  if (temp && (endp == temp || *endp || !(temperature >= 0.0f && temperature <= 1.0f))) {
    srv_fail(&e, 400, NULL, "temperature", "temperature '%.40s' must be a number in [0, 1]", temp);
    return srv_reply_error(out, &e);
  }
  struct srv_model *sm = srv_registry_find(&srv->registry, model, &e);
  if (!sm) return srv_reply_error(out, &e);
  if (!sm->transcriber) {
    srv_fail(&e, 400, "model_not_supported", "model",
             "The model '%.200s' is not a speech-to-text (Whisper) model", sm->id);
    return srv_reply_error(out, &e);
  }
  for (size_t i = 0; i < n; i++)
    if (!strcmp(parts[i].name, "prompt") && (prompt = malloc(parts[i].len + 1)))
      memcpy(prompt, parts[i].data, parts[i].len), prompt[parts[i].len] = '\0';
  struct ai_error aerr;
  ai_error_clear(&aerr);
  float *pcm = NULL;
  int64_t n_pcm = 0;
  if (audio_file_decode(file->data, file->len, &pcm, &n_pcm, &aerr) != ANYINFER_OK) {
    /* the upload is the client's: an unreadable file is a 400 whatever the reason */
    srv_fail(&e, aerr.status == ANYINFER_E_NOMEM ? 500 : 400, NULL, "file",
             "The audio file could not be decoded: %.400s", aerr.msg);
    free(prompt);
    return srv_reply_error(out, &e);
  }
  anyinfer_transcribe_params tp;
  anyinfer_transcribe_default_params(&tp);
  tp.language = lang; /* for translations: the spoken language, if given */
  tp.translate = translate;
  tp.prompt = prompt;
  tp.temperature = temperature;
  anyinfer_transcript *t = NULL;
  pthread_mutex_lock(&sm->transcribe_mu);
  anyinfer_status st = anyinfer_transcribe(sm->transcriber, pcm, (size_t)n_pcm, &tp, &t);
  if (st != ANYINFER_OK) srv_fail_status(&e, st, anyinfer_transcriber_last_error(sm->transcriber));
  pthread_mutex_unlock(&sm->transcribe_mu);
  free(pcm);
  free(prompt);
  if (st != ANYINFER_OK) return srv_reply_error(out, &e);
  out->body = transcript_format(t, fmt, translate ? "translate" : "transcribe");
  out->http_status = out->body ? 200 : 500;
  out->content_type = transcript_format_mime(fmt);
  anyinfer_transcript_free(t);
  if (!out->body) {
    srv_fail(&e, 500, NULL, NULL, "out of memory");
    srv_reply_error(out, &e);
  }
}

void srv_handle_transcriptions(struct srv_server *srv, const char *body, size_t len,
                               const char *rest, struct srv_reply *out) {
  (void)rest;
  handle(srv, body, len, false, out);
}

void srv_handle_translations(struct srv_server *srv, const char *body, size_t len, const char *rest,
                             struct srv_reply *out) {
  (void)rest;
  handle(srv, body, len, true, out);
}
