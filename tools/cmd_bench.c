/* `anyinfer bench`: prompt processing and generation speed, llama-bench style. pp<N> evaluates N
 * prompt tokens in one call from an empty cache; tg<N> generates N tokens one at a time from an
 * empty cache; each test runs -r times after one warm-up, and the median counts. --parallel N
 * generates in N KV slots at once (one batched forward pass per step, as the server's continuous
 * batching runs them) and reports the aggregate tokens/s as tg<n>x<N>. A Whisper model
 * reports its encoder's time on one window (30 s in released models) and its decoder's tokens/s
 * instead. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define AI_BENCH_MAX_PAR 64

static void usage(FILE *out) {
  fprintf(out,
          "usage: anyinfer bench -m MODEL [-t THREADS] [--backend B] [-p 128] [-n 32] [-r 3] "
          "[--parallel N] [--json]\n\n"
          "  -p N      prompt-processing test of N tokens (0 skips)\n"
          "  -n N      generation test of N tokens (0 skips)\n"
          "  -r N      repetitions; the median is reported\n"
          "  --parallel N  generation in N sequences at once (batched decode); aggregate t/s\n"
          "  -t N      CPU threads (default: all cores)\n"
          "  --backend B  cpu (default), webgpu, or auto\n"
          "  --json    one JSON object per test and line\n");
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* One timed run: tokens/s (all slots together), or a negative value on failure. A generation
 * run steps n_par slots together, one token each per batched forward pass. */
static double run_once(anyinfer_session *s, const int32_t *tokens, int n, bool is_prompt,
                       int n_par) {
  for (int q = 0; q < n_par; q++) anyinfer_session_seq_truncate(s, q, 0);
  double t0 = now();
  if (is_prompt) {
    if (anyinfer_session_decode(s, tokens, (size_t)n, NULL) != ANYINFER_OK) return -1;
  } else {
    anyinfer_batch_item items[AI_BENCH_MAX_PAR];
    for (int i = 0; i < n; i++) {
      for (int q = 0; q < n_par; q++)
        items[q] = (anyinfer_batch_item){.seq = q, .tokens = &tokens[(i + q) % n], .n_tokens = 1};
      if (anyinfer_session_decode_batch(s, items, (size_t)n_par, NULL) != ANYINFER_OK) return -1;
    }
  }
  return (double)n * (is_prompt ? 1 : n_par) / (now() - t0);
}

#ifdef __wasi__
/* WASI has no resource usage; linear memory only grows, so its size is the peak. */
static double peak_rss_mib(void) {
  return (double)__builtin_wasm_memory_size(0) * 65536.0 / 1048576.0;
}
#else
#include <sys/resource.h>
static double peak_rss_mib(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_maxrss / 1024.0; /* Linux reports KiB */
}
#endif

static double median_of(double *v, long n) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Whisper: the encoder on one window (30 s in released models) of (random) log-mel frames, in ms,
 * as whisper-bench reports it; then n_gen decoder tokens one at a time from position 0 with
 * cross-attention over that window, in tokens/s. */
static int bench_whisper(anyinfer_model *m, const char *base, const anyinfer_model_info *info,
                         long threads, const char *backend, long n_gen, long reps, bool json) {
  anyinfer_transcriber_params tp;
  anyinfer_transcriber_default_params(&tp);
  tp.n_threads = (int32_t)threads;
  tp.backend = backend;
  tp.max_beams = 1;
  anyinfer_transcriber *t = NULL;
  int rc = 1;
  size_t n_mel = 0;
  float *mel = NULL;
  double *ms = malloc((size_t)reps * sizeof *ms), *tok_s = malloc((size_t)reps * sizeof *tok_s);
  if (!ms || !tok_s || anyinfer_transcriber_create(m, &tp, &t) != ANYINFER_OK) {
    fprintf(stderr, "anyinfer bench: cannot create a transcriber\n");
    goto done;
  }
  /* One window: whisper.audio.mel_count bins x 2 x whisper.encoder.context_length frames (3000
   * in every released size, 30 s). */
  long n_bins = 0, n_ctx = 0;
  for (size_t i = 0; i < anyinfer_model_meta_count(m); i++) {
    char v[32];
    size_t len;
    const char *key = anyinfer_model_meta_key(m, i);
    bool bins = strcmp(key, "whisper.audio.mel_count") == 0;
    if ((bins || strcmp(key, "whisper.encoder.context_length") == 0) &&
        anyinfer_model_meta_value(m, i, 0, v, sizeof v, &len) == ANYINFER_OK)
      *(bins ? &n_bins : &n_ctx) = strtol(v, NULL, 10);
  }
  n_mel = (size_t)n_bins * 2 * (size_t)n_ctx;
  mel = n_mel ? malloc(n_mel * sizeof *mel) : NULL;
  uint64_t seed = 7;
  for (size_t i = 0; mel && i < n_mel; i++) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    mel[i] = (float)((seed >> 40) & 0xffff) / 65536.0f - 0.5f;
  }
  if (!mel || anyinfer_transcriber_encode(t, mel, n_mel) != ANYINFER_OK) { /* also the warm-up */
    fprintf(stderr, "anyinfer bench: %s\n", anyinfer_transcriber_last_error(t));
    goto done;
  }
  for (long r = 0; r < reps; r++) {
    double t0 = now();
    anyinfer_transcriber_encode(t, mel, n_mel);
    ms[r] = (now() - t0) * 1e3;
    t0 = now();
    for (long i = 0; i < n_gen; i++) {
      int32_t tok = (int32_t)((i * 7919) % info->n_vocab);
      if (anyinfer_transcriber_decode(t, &tok, 1, (int32_t)i, NULL) != ANYINFER_OK) {
        fprintf(stderr, "anyinfer bench: %s\n", anyinfer_transcriber_last_error(t));
        goto done;
      }
    }
    tok_s[r] = n_gen / (now() - t0);
  }
  int n_threads = threads ? (int)threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
  double enc = median_of(ms, reps), dec = n_gen > 0 ? median_of(tok_s, reps) : 0;
  if (json)
    printf(
        "{\"model\": \"%s\", \"type\": \"%s\", \"backend\": \"cpu\", \"threads\": %d, "
        "\"encoder_ms\": %.1f, \"decoder_tok_s\": %.2f, \"peak_rss_mib\": %.1f}\n",
        base, info->file_type, n_threads, enc, dec, peak_rss_mib());
  else
    printf(
        "| %-32s | %7s | %4s | %12s | %16s |\n|%.*s|\n| %-32.32s | %7s | %4d | %12.1f | "
        "%16.2f |\n\npeak memory: %.1f MiB (file %.1f MiB)\n",
        "model", "type", "thr", "encoder ms", "decoder tok/s", 88,
        "------------------------------------------------------------------------------------"
        "----",
        base, info->file_type, n_threads, enc, dec, peak_rss_mib(),
        (double)info->file_bytes / 1048576.0);
  rc = 0;
done:
  anyinfer_transcriber_free(t);
  free(mel);
  free(ms);
  free(tok_s);
  return rc;
}

int cmd_bench(int argc, char **argv) {
  const char *backend = "cpu", *path = NULL;
  long n_prompt = 128, n_gen = 32, reps = 3, threads = 0, n_par = 1;
  bool json = false;
  for (int i = 1; i < argc; i++) {
    if (cli_is_help(argv[i])) return usage(stdout), 0;
    bool ok = true;
    if (strcmp(argv[i], "-m") == 0 || strcmp(argv[i], "--model") == 0)
      ok = cli_str_arg(argc, argv, &i, &path);
    else if (strcmp(argv[i], "-p") == 0)
      ok = cli_int_arg(argc, argv, &i, 0, 1 << 16, &n_prompt);
    else if (strcmp(argv[i], "-n") == 0)
      ok = cli_int_arg(argc, argv, &i, 0, 1 << 16, &n_gen);
    else if (strcmp(argv[i], "-r") == 0)
      ok = cli_int_arg(argc, argv, &i, 1, 1000, &reps);
    else if (strcmp(argv[i], "-t") == 0 || strcmp(argv[i], "--threads") == 0)
      ok = cli_int_arg(argc, argv, &i, 1, 1024, &threads);
    else if (strcmp(argv[i], "--backend") == 0)
      ok = cli_backend_arg(argc, argv, &i, &backend);
    else if (strcmp(argv[i], "--parallel") == 0)
      ok = cli_int_arg(argc, argv, &i, 1, AI_BENCH_MAX_PAR, &n_par);
    else if (strcmp(argv[i], "--json") == 0)
      json = true;
    else {
      fprintf(stderr, "anyinfer bench: unknown option '%s'\n", argv[i]);
      ok = false;
    }
    if (!ok) return usage(stderr), 2;
  }
  if (!path) {
    fprintf(stderr, "anyinfer bench: -m is required\n");
    return usage(stderr), 2;
  }
  anyinfer_model *m = cli_load_model(path, false, false);
  if (!m) return 1;
  anyinfer_model_info info;
  anyinfer_model_get_info(m, &info);
  if (strcmp(info.architecture, "whisper") == 0) {
    const char *wbase = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    int wrc = bench_whisper(m, wbase, &info, threads, backend, n_gen, reps, json);
    anyinfer_model_free(m);
    return wrc;
  }
  anyinfer_session_params sp;
  anyinfer_session_default_params(&sp);
  sp.n_threads = (int32_t)threads;
  sp.backend = backend;
  long n_max = n_prompt > n_gen ? n_prompt : n_gen;
  sp.n_ctx = (int32_t)(n_max > 0 ? n_max : 1);
  sp.n_batch = (int32_t)(n_prompt > n_par ? n_prompt : n_par);
  sp.n_seq = (int32_t)n_par;
  anyinfer_session *s = NULL;
  int32_t *tokens = malloc((size_t)(n_max > 0 ? n_max : 1) * sizeof *tokens);
  double *speeds = malloc((size_t)reps * sizeof *speeds);
  int rc = 1;
  if (!tokens || !speeds || anyinfer_session_create(m, &sp, &s) != ANYINFER_OK) {
    fprintf(stderr, "anyinfer bench: cannot create a session\n");
    goto done;
  }
  /* Random tokens, as llama-bench uses: speed does not depend on which tokens they are. */
  uint64_t seed = 42;
  for (long i = 0; i < n_max; i++) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    tokens[i] = (int32_t)((seed >> 33) % (uint64_t)info.n_vocab);
  }
  const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
  int n_threads = threads ? (int)threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
  if (!json) {
    printf("| %-32s | %9s | %8s | %7s | %7s | %6s | %10s | %9s |\n", "model", "size", "params",
           "type", "backend", "thr", "test", "t/s");
    printf("|%.*s|\n", 114,
           "----------------------------------------------------------------------"
           "----------------------------------------------------------");
  }
  for (int test = 0; test < 2; test++) {
    bool is_prompt = test == 0;
    int n = (int)(is_prompt ? n_prompt : n_gen);
    if (n == 0) continue;
    if (run_once(s, tokens, n, is_prompt, (int)n_par) < 0) { /* warm-up */
      fprintf(stderr, "anyinfer bench: %s\n", anyinfer_session_last_error(s));
      goto done;
    }
    for (long r = 0; r < reps; r++) speeds[r] = run_once(s, tokens, n, is_prompt, (int)n_par);
    double median = median_of(speeds, reps);
    char name[32];
    if (is_prompt || n_par == 1)
      snprintf(name, sizeof name, "%s%d", is_prompt ? "pp" : "tg", n);
    else
      snprintf(name, sizeof name, "tg%dx%ld", n, n_par);
    if (json)
      printf(
          "{\"model\": \"%s\", \"type\": \"%s\", \"backend\": \"%s\", \"threads\": %d, "
          "\"test\": \"%s\", \"tok_s\": %.2f, \"peak_rss_mib\": %.1f}\n",
          base, info.file_type, anyinfer_session_backend(s), n_threads, name, median,
          peak_rss_mib());
    else
      printf("| %-32.32s | %5.0f MiB | %6.0f M | %7s | %7s | %6d | %10s | %9.2f |\n", base,
             (double)info.file_bytes / 1048576.0, (double)info.n_params / 1e6, info.file_type,
             anyinfer_session_backend(s), n_threads, name, median);
    fflush(stdout);
  }
  if (!json)
    printf("\npeak memory: %.1f MiB (file %.1f MiB)\n", peak_rss_mib(),
           (double)info.file_bytes / 1048576.0);
  rc = 0;
done:
  anyinfer_session_free(s);
  anyinfer_model_free(m);
  free(tokens);
  free(speeds);
  return rc;
}
