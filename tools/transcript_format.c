/* Transcript renderers (see transcript_format.h). Times: SRT "HH:MM:SS,mmm", VTT "HH:MM:SS.mmm"
 * (openai/whisper utils.py format_timestamp). text: the whole text with Whisper's leading
 * space trimmed, as OpenAI's response_format=text returns it. */
#define _POSIX_C_SOURCE 200809L
#include "transcript_format.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool transcript_format_parse(const char *name, enum transcript_format *out) {
  static const char *const names[] = {"text", "json", "verbose_json", "srt", "vtt"};
  for (int i = 0; i < 5; i++)
    if (name && strcmp(name, names[i]) == 0) return *out = (enum transcript_format)i, true;
  return false;
}

const char *transcript_format_mime(enum transcript_format f) {
  switch (f) {
    case TF_JSON:
    case TF_VERBOSE_JSON:
      return "application/json";
    case TF_VTT:
      return "text/vtt; charset=utf-8";
    default:
      return "text/plain; charset=utf-8";
  }
}

/* text without leading and trailing white space, as a printf "%.*s" pair */
static const char *trimmed(const char *s, int *len) {
  while (*s && isspace((unsigned char)*s)) s++;
  size_t n = strlen(s);
  while (n > 0 && isspace((unsigned char)s[n - 1])) n--;
  *len = (int)n;
  return s;
}

/* Appends printf output to a growing buffer. */
struct buf {
  char *p;
  size_t n, cap;
  bool failed;
};

__attribute__((format(printf, 2, 3))) static void put(struct buf *b, const char *fmt, ...) {
  for (int pass = 0; pass < 2 && !b->failed; pass++) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0, fmt, ap);
    va_end(ap);
    if (n < 0) b->failed = true;
    if (n < 0 || (b->p && b->n + (size_t)n < b->cap)) {
      if (n >= 0) b->n += (size_t)n;
      return;
    }
    size_t cap = (b->cap ? b->cap : 256);
    while (cap <= b->n + (size_t)n) cap *= 2;
    char *q = realloc(b->p, cap);
    if (!q)
      b->failed = true;
    else
      b->p = q, b->cap = cap;
  }
}

static void timestamp(struct buf *b, double t, char sep) {
  long ms = (long)(t * 1000.0 + 0.5);
  put(b, "%02ld:%02ld:%02ld%c%03ld", ms / 3600000, ms / 60000 % 60, ms / 1000 % 60, sep, ms % 1000);
}

static char *subtitles(const anyinfer_transcript *t, bool vtt) {
  struct buf b = {0};
  if (vtt) put(&b, "WEBVTT\n\n");
  for (size_t i = 0; i < anyinfer_transcript_n_segments(t); i++) {
    const anyinfer_segment *s = anyinfer_transcript_segment(t, i);
    int len;
    const char *text = trimmed(s->text, &len);
    if (!vtt) put(&b, "%zu\n", i + 1);
    timestamp(&b, s->t0, vtt ? '.' : ',');
    put(&b, " --> ");
    timestamp(&b, s->t1, vtt ? '.' : ',');
    put(&b, "\n%.*s\n\n", len, text);
  }
  if (!b.p) put(&b, "%s", "");
  if (b.failed) free(b.p);
  return b.failed ? NULL : b.p;
}

/* Length of the well-formed UTF-8 sequence at s[0..n) (RFC 3629: no overlongs, no surrogates,
 * at most U+10FFFF), or 0 if it is not one. */
static size_t utf8_seq(const unsigned char *s, size_t n) {
  size_t len = s[0] < 0x80                    ? 1
               : s[0] >= 0xc2 && s[0] <= 0xdf ? 2
               : s[0] >= 0xe0 && s[0] <= 0xef ? 3
               : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4
                                              : 0;
  if (len == 0 || len > n) return 0;
  for (size_t i = 1; i < len; i++)
    if ((s[i] & 0xc0) != 0x80) return 0;
  if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
      (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
    return 0;
  return len;
}

/* A JSON string literal (RFC 8259: quote, backslash and control characters escaped). Bytes that
 * are not UTF-8 (a token boundary inside a character, a model's stray byte tokens) become U+FFFD,
 * so the body is always valid JSON. */
static void json_str(struct buf *b, const char *text, size_t n) {
  const unsigned char *s = (const unsigned char *)text;
  put(b, "\"");
  for (size_t i = 0; i < n;) {
    unsigned char c = s[i];
    size_t len = utf8_seq(s + i, n - i);
    if (len == 0)
      put(b, "\\ufffd");
    else if (c == '"' || c == '\\')
      put(b, "\\%c", c);
    else if (c == '\n')
      put(b, "\\n");
    else if (c == '\t')
      put(b, "\\t");
    else if (c == '\r')
      put(b, "\\r");
    else if (c < 0x20)
      put(b, "\\u%04x", c);
    else
      put(b, "%.*s", (int)len, text + i);
    i += len ? len : 1;
  }
  put(b, "\"");
}

static char *as_json(const anyinfer_transcript *t, bool verbose, const char *task) {
  struct buf b = {0};
  int len;
  const char *text = trimmed(anyinfer_transcript_text(t), &len);
  put(&b, "{");
  if (verbose) {
    const char *code = anyinfer_transcript_language(t), *name = anyinfer_language_name(code);
    put(&b, "\"task\":\"%s\",\"language\":", task);
    json_str(&b, name ? name : code, strlen(name ? name : code));
    put(&b, ",\"duration\":%.3f,", anyinfer_transcript_duration(t));
  }
  put(&b, "\"text\":");
  json_str(&b, text, (size_t)len);
  if (verbose) {
    put(&b, ",\"segments\":[");
    for (size_t i = 0; i < anyinfer_transcript_n_segments(t); i++) {
      const anyinfer_segment *s = anyinfer_transcript_segment(t, i);
      put(&b, "%s{\"id\":%zu,\"seek\":%ld,\"start\":%.2f,\"end\":%.2f,\"text\":", i ? "," : "", i,
          (long)(s->t0 * 100.0 + 0.5), s->t0, s->t1);
      json_str(&b, s->text, strlen(s->text));
      put(&b, ",\"tokens\":[");
      for (size_t k = 0; k < s->n_tokens; k++) put(&b, "%s%d", k ? "," : "", s->tokens[k]);
      put(&b,
          "],\"temperature\":%.2f,\"avg_logprob\":%.6f,\"compression_ratio\":%.6f,"
          "\"no_speech_prob\":%.6f}",
          s->temperature, s->avg_logprob, s->compression_ratio, s->no_speech_prob);
    }
    put(&b, "]");
  }
  put(&b, "}\n");
  if (b.failed) free(b.p);
  return b.failed ? NULL : b.p;
}

char *transcript_format(const anyinfer_transcript *t, enum transcript_format f, const char *task) {
  switch (f) {
    case TF_JSON:
      return as_json(t, false, task);
    case TF_VERBOSE_JSON:
      return as_json(t, true, task);
    case TF_SRT:
      return subtitles(t, false);
    case TF_VTT:
      return subtitles(t, true);
    default: {
      int len;
      const char *text = trimmed(anyinfer_transcript_text(t), &len);
      char *out = malloc((size_t)len + 2);
      if (out) snprintf(out, (size_t)len + 2, "%.*s\n", len, text);
      return out;
    }
  }
}
