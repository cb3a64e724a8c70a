/* A transcript in the response formats of OpenAI's /v1/audio/transcriptions (and whisper's CLI
 * writers): text, json, verbose_json, srt, vtt. Shared by `anyinfer transcribe` and the server. */
#ifndef AI_TOOLS_TRANSCRIPT_FORMAT_H
#define AI_TOOLS_TRANSCRIPT_FORMAT_H

#include <stdbool.h>

#include "anyinfer.h"

enum transcript_format { TF_TEXT, TF_JSON, TF_VERBOSE_JSON, TF_SRT, TF_VTT };

/* "text" ... "vtt" -> *out; false for another name. */
bool transcript_format_parse(const char *name, enum transcript_format *out);
/* MIME type of the format ("application/json", "text/plain; charset=utf-8", "text/vtt"...). */
const char *transcript_format_mime(enum transcript_format f);
/* The transcript rendered as f, malloc'd and NUL-terminated (NULL when out of memory). task is
 * "transcribe" or "translate" (verbose_json reports it). */
char *transcript_format(const anyinfer_transcript *t, enum transcript_format f, const char *task);

#endif
