/* `anyinfer transcribe -m MODEL FILE`: speech to text with a Whisper model. The audio file is
 * read by audio_file.c (WAV natively and in wasm; FLAC, Ogg, MP3, ... where libsndfile is
 * there), transcribed in the model's windows (30 s in OpenAI's models), and printed in one of
 * OpenAI's response formats. */
#include <stdlib.h>
#include <string.h>

#include "audio_file.h"
#include "cli.h"
#include "transcript_format.h"

static void usage(FILE *out) {
  fprintf(out,
          "usage: anyinfer transcribe -m MODEL FILE [options]\n\n"
          "  --language XX      spoken language code or name (default: detected)\n"
          "  --translate        translate into English instead of transcribing\n"
          "  --beam-size N      beam search with N beams (default 1: greedy)\n"
          "  --best-of N        candidates at temperatures > 0 (default 5)\n"
          "  --temperature T    first temperature (default 0; falls back by 0.2 up to 1)\n"
          "  --no-fallback      no temperature fallback\n"
          "  --prompt TEXT      initial prompt (spelling, names, style)\n"
          "  --no-timestamps    one segment per window (30 s in OpenAI's models)\n"
          "  --format F         text (default), json, verbose_json, srt, vtt\n"
          "  -t N               CPU threads (default: all cores)\n"
          "  --backend B        cpu (default), webgpu, or auto (the GPU where there is one)\n");
}

int cmd_transcribe(int argc, char **argv) {
  const char *model_path = NULL, *file = NULL, *format_name = "text", *backend = "cpu";
  long threads = 0, beam = 1, best_of = 5;
  anyinfer_transcribe_params tp;
  anyinfer_transcribe_default_params(&tp);
  for (int i = 1; i < argc; i++) {
    if (cli_is_help(argv[i])) return usage(stdout), 0;
    bool ok = true;
    if (!strcmp(argv[i], "-m") || !strcmp(argv[i], "--model"))
      ok = cli_str_arg(argc, argv, &i, &model_path);
    else if (!strcmp(argv[i], "--language") || !strcmp(argv[i], "-l"))
      ok = cli_str_arg(argc, argv, &i, &tp.language);
    else if (!strcmp(argv[i], "--translate"))
      tp.translate = true;
    else if (!strcmp(argv[i], "--beam-size"))
      ok = cli_int_arg(argc, argv, &i, 1, 16, &beam);
    else if (!strcmp(argv[i], "--best-of"))
      ok = cli_int_arg(argc, argv, &i, 1, 16, &best_of);
    else if (!strcmp(argv[i], "--temperature"))
      ok = cli_float_arg(argc, argv, &i, &tp.temperature);
    else if (!strcmp(argv[i], "--no-fallback"))
      tp.temperature_inc = 0.0f;
    else if (!strcmp(argv[i], "--prompt"))
      ok = cli_str_arg(argc, argv, &i, &tp.prompt);
    else if (!strcmp(argv[i], "--no-timestamps"))
      tp.no_timestamps = true;
    else if (!strcmp(argv[i], "--format") || !strcmp(argv[i], "-f"))
      ok = cli_str_arg(argc, argv, &i, &format_name);
    else if (!strcmp(argv[i], "-t") || !strcmp(argv[i], "--threads"))
      ok = cli_int_arg(argc, argv, &i, 1, 1024, &threads);
    else if (!strcmp(argv[i], "--backend"))
      ok = cli_backend_arg(argc, argv, &i, &backend);
    else if (argv[i][0] != '-' && !file)
      file = argv[i];
    else {
      fprintf(stderr, "anyinfer transcribe: unknown option '%s'\n", argv[i]);
      ok = false;
    }
    if (!ok) return usage(stderr), 2;
  }
  enum transcript_format fmt;
  if (!model_path || !file || !transcript_format_parse(format_name, &fmt)) {
    fprintf(stderr, "anyinfer transcribe: %s\n",
            !model_path ? "-m is required"
            : !file     ? "an audio file is required"
                        : "--format must be text, json, verbose_json, srt or vtt");
    return usage(stderr), 2;
  }
  tp.beam_size = (int32_t)beam;
  tp.best_of = (int32_t)best_of;
  struct ai_error err;
  ai_error_clear(&err);
  float *pcm = NULL;
  int64_t n_pcm = 0;
  if (audio_file_read(file, &pcm, &n_pcm, &err) != ANYINFER_OK) {
    fprintf(stderr, "anyinfer transcribe: %s\n", err.msg);
    return 1;
  }
  int rc = 1;
  anyinfer_model *m = cli_load_model(model_path, false, false);
  anyinfer_transcriber *tr = NULL;
  anyinfer_transcript *out = NULL;
  char *text = NULL;
  anyinfer_transcriber_params p;
  anyinfer_transcriber_default_params(&p);
  p.n_threads = (int32_t)threads;
  p.max_beams = (int32_t)(beam > best_of ? beam : best_of);
  p.backend = backend;
  if (!m || anyinfer_transcriber_create(m, &p, &tr) != ANYINFER_OK) {
    if (m) fprintf(stderr, "anyinfer transcribe: cannot create a transcriber\n");
    goto done;
  }
  tp.progress = cli_progress_bar; /* draws only on a terminal */
  tp.progress_user_data = (void *)"transcribing";
  if (anyinfer_transcribe(tr, pcm, (size_t)n_pcm, &tp, &out) != ANYINFER_OK) {
    fprintf(stderr, "anyinfer transcribe: %s\n", anyinfer_transcriber_last_error(tr));
    goto done;
  }
  text = transcript_format(out, fmt, tp.translate ? "translate" : "transcribe");
  if (!text) {
    fprintf(stderr, "anyinfer transcribe: out of memory\n");
    goto done;
  }
  fputs(text, stdout);
  rc = 0;
done:
  free(text);
  anyinfer_transcript_free(out);
  anyinfer_transcriber_free(tr);
  anyinfer_model_free(m);
  free(pcm);
  return rc;
}
