/* anyinfer_transcribe through the public API on the random-weight tiny80 Whisper fixture
 * (converted with $ANYINFER_BIN convert): its text is noise, so the checks are on the decoding
 * machinery — greedy, beam search and sampling all finish, segments are ordered and inside the
 * audio's windows, callbacks match the transcript, runs are deterministic, the joined text is the
 * segments' text, and bad input (language, sizes, cancellation, zero samples) gets the right
 * status. */
#define _DEFAULT_SOURCE
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "anyinfer.h"
#include "check.h"

struct seen {
  size_t n;
  double last_t0;
};

static bool on_segment(const anyinfer_segment *s, void *ud) {
  struct seen *seen = ud;
  CHECK(s->t0 >= seen->last_t0 - 1e-9);
  CHECK(s->t1 >= s->t0);
  CHECK(s->text != NULL && s->n_tokens > 0);
  seen->last_t0 = s->t0;
  seen->n++;
  return true;
}

static bool cancel_at_once(float fraction, void *ud) {
  (void)fraction, (void)ud;
  return false;
}

static void check_transcript(const anyinfer_transcript *t, size_t n_callbacks) {
  size_t n = anyinfer_transcript_n_segments(t);
  CHECK_EQ(n, n_callbacks);
  char joined[65536] = "";
  size_t at = 0;
  for (size_t i = 0; i < n; i++) {
    const anyinfer_segment *s = anyinfer_transcript_segment(t, i);
    size_t len = strlen(s->text);
    if (at + len < sizeof joined) memcpy(joined + at, s->text, len + 1), at += len;
    CHECK(s->temperature >= 0.0f && s->temperature <= 1.0f);
    CHECK(s->no_speech_prob >= 0.0f && s->no_speech_prob <= 1.0f);
    CHECK(s->avg_logprob <= 0.0f);
  }
  CHECK_STREQ(anyinfer_transcript_text(t), joined);
  CHECK(anyinfer_transcript_segment(t, n) == NULL);
}

int main(void) {
  const char *bin = getenv("ANYINFER_BIN");
  CHECK(bin != NULL);
  if (!bin) return check_exit();
  char dir[] = "/tmp/anyinfer_transcribe_XXXXXX", path[128], cmd[512];
  CHECK(mkdtemp(dir) != NULL);
  snprintf(path, sizeof path, "%s/tiny80.gguf", dir);
  snprintf(cmd, sizeof cmd,
           "'%s' convert tests/fixtures/whisper/tiny80 '%s' --type f32 2>/dev/null", bin, path);
  CHECK_EQ(system(cmd), 0);
  anyinfer_model_params mp;
  anyinfer_model_default_params(&mp);
  mp.log_level = ANYINFER_LOG_WARN;
  anyinfer_model *m = NULL;
  CHECK_EQ(anyinfer_model_load(path, &mp, &m), ANYINFER_OK);
  if (!m) return check_exit();
  anyinfer_transcriber_params tp;
  anyinfer_transcriber_default_params(&tp);
  tp.n_threads = 2;
  tp.max_beams = 4;
  anyinfer_transcriber *tr = NULL;
  tp.backend = "cuda"; /* not one of cpu, webgpu, auto */
  CHECK_EQ(anyinfer_transcriber_create(m, &tp, &tr), ANYINFER_E_UNSUPPORTED);
  CHECK(tr == NULL);
  tp.backend = NULL; /* the CPU */
  CHECK_EQ(anyinfer_transcriber_create(m, &tp, &tr), ANYINFER_OK);
  if (!tr) return check_exit();
  CHECK_STREQ(anyinfer_transcriber_backend(tr), "cpu");

  /* low-level calls: sizes are checked */
  float mel[80 * 200] = {0};
  const float *logits = NULL;
  int32_t tok = 401;
  CHECK_EQ(anyinfer_transcriber_decode(tr, &tok, 1, 0, &logits), ANYINFER_E_INVAL);
  CHECK_EQ(anyinfer_transcriber_encode(tr, mel, 80 * 199), ANYINFER_E_INVAL);
  CHECK_EQ(anyinfer_transcriber_encode(tr, mel, 80 * 200), ANYINFER_OK);
  CHECK_EQ(anyinfer_transcriber_decode(tr, &tok, 1, 0, &logits), ANYINFER_OK);
  CHECK(logits != NULL && isfinite(logits[0]));
  CHECK_EQ(anyinfer_transcriber_decode(tr, &tok, 1, 48, &logits), ANYINFER_E_CONTEXT_FULL);
  tok = 5000;
  CHECK_EQ(anyinfer_transcriber_decode(tr, &tok, 1, 0, &logits), ANYINFER_E_INVAL);

  /* 7 s of a gliding tone: four 2 s windows of this small model */
  const size_t n = 7 * 16000;
  float *pcm = malloc(n * sizeof *pcm);
  for (size_t i = 0; i < n; i++) {
    double t = (double)i / 16000.0;
    pcm[i] = (float)(0.3 * sin(2 * M_PI * (200 + 100 * t) * t));
  }
  const struct {
    int32_t beam, best_of;
    float temperature, inc;
    bool no_timestamps;
    const char *language, *prompt;
  } runs[] = {
      {1, 1, 0.0f, 0.2f, false, "en", NULL},       {3, 1, 0.0f, 0.0f, false, "german", "Hallo."},
      {1, 3, 0.5f, 0.0f, false, NULL, NULL},       {1, 1, 0.0f, 0.2f, true, "auto", NULL},
      {4, 4, 0.0f, 0.5f, false, "de", "a prompt"},
  };
  char *first_text = NULL;
  for (size_t r = 0; r < sizeof runs / sizeof *runs; r++) {
    anyinfer_transcribe_params p;
    anyinfer_transcribe_default_params(&p);
    p.beam_size = runs[r].beam, p.best_of = runs[r].best_of;
    p.temperature = runs[r].temperature, p.temperature_inc = runs[r].inc;
    p.no_timestamps = runs[r].no_timestamps;
    p.language = runs[r].language, p.prompt = runs[r].prompt;
    p.seed = 42;
    struct seen seen = {0, 0.0};
    p.on_segment = on_segment, p.on_segment_user_data = &seen;
    anyinfer_transcript *t = NULL;
    anyinfer_status st = anyinfer_transcribe(tr, pcm, n, &p, &t);
    CHECK_EQ(st, ANYINFER_OK);
    if (st) {
      fprintf(stderr, "run %zu: %s\n", r, anyinfer_transcriber_last_error(tr));
      continue;
    }
    check_transcript(t, seen.n);
    CHECK(anyinfer_transcript_duration(t) == 7.0);
    if (runs[r].language && strcmp(runs[r].language, "auto") != 0)
      CHECK_STREQ(anyinfer_transcript_language(t), r == 0 ? "en" : "de");
    if (r == 0) {
      first_text = strdup(anyinfer_transcript_text(t));
    }
    anyinfer_transcript_free(t);
  }
  /* the same params and seed give the same text */
  {
    anyinfer_transcribe_params p;
    anyinfer_transcribe_default_params(&p);
    p.language = "en", p.best_of = 1, p.seed = 42;
    anyinfer_transcript *t = NULL;
    CHECK_EQ(anyinfer_transcribe(tr, pcm, n, &p, &t), ANYINFER_OK);
    if (t && first_text) CHECK_STREQ(anyinfer_transcript_text(t), first_text);
    anyinfer_transcript_free(t);
  }
  /* bad input */
  anyinfer_transcribe_params p;
  anyinfer_transcribe_default_params(&p);
  anyinfer_transcript *t = NULL;
  p.language = "xx";
  CHECK_EQ(anyinfer_transcribe(tr, pcm, n, &p, &t), ANYINFER_E_INVAL);
  CHECK(t == NULL);
  CHECK(strstr(anyinfer_transcriber_last_error(tr), "'xx'") != NULL);
  p.language = NULL;
  p.beam_size = 5; /* above max_beams */
  CHECK_EQ(anyinfer_transcribe(tr, pcm, n, &p, &t), ANYINFER_E_INVAL);
  p.beam_size = 1;
  p.progress = cancel_at_once;
  CHECK_EQ(anyinfer_transcribe(tr, pcm, n, &p, &t), ANYINFER_E_CANCELLED);
  p.progress = NULL;
  CHECK_EQ(anyinfer_transcribe(tr, pcm, 0, &p, &t), ANYINFER_OK);
  if (t) {
    CHECK_EQ(anyinfer_transcript_n_segments(t), 0);
    CHECK_STREQ(anyinfer_transcript_text(t), "");
  }
  anyinfer_transcript_free(t);
  CHECK_STREQ(anyinfer_language_name("de"), "german");
  CHECK(anyinfer_language_name("xx") == NULL);

  free(first_text);
  free(pcm);
  anyinfer_transcriber_free(tr);
  anyinfer_model_free(m);
  remove(path);
  rmdir(dir);
  return check_exit();
}
