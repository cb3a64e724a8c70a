/* The WebGPU measurements of bench/RESULTS.md, in one program built against the engine's
 * internals on the GPU machine (where the CLI may lack libraries): for a model it synthesizes
 * (anyinfer_synth: real shapes, random weights) it reports
 *   - the device's bandwidth as our own add kernel achieves it (the roofline for decode);
 *   - pp512 and tg128 tokens/s measured as `anyinfer bench` does (one warm-up, median of 3; pp
 *     evaluates the prompt in one call from an empty cache, tg decodes one token per call);
 *   - per decode token: dispatches, submits, and the token's time divided by its dispatches.
 *   cc -std=c11 -O2 -Iinclude -Isrc bench/webgpu_probe.c build/libanyinfer_static.a -lm -lpthread
 *   ./a.out NAME TYPE [N_PROMPT [N_GEN]]   (e.g. llama-3.2-1b Q4_0; default 512 128)
 *   ./a.out --devices                      (as `anyinfer info --devices`)
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "anyinfer.h"
#include "backend/webgpu/webgpu_internal.h"
#include "engine/session.h"

#define MAX_PROMPT 512
#define REPS       3

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* d = a + b over n floats, reps times in one submit: GB/s of bytes read and written. */
static double bandwidth(int64_t n, int reps) {
  struct ai_alloc a = ai_alloc_default();
  struct ai_backend b;
  struct ai_error err;
  if (ai_webgpu_backend_create(&a, NULL, &b, &err) != ANYINFER_OK) {
    fprintf(stderr, "%s\n", err.msg);
    exit(1);
  }
  struct ai_buffer *buf[3];
  int64_t ne[2] = {n / 1024, 1024};
  struct ai_tensor t[3];
  for (int i = 0; i < 3; i++) {
    if (b.ops->buffer_alloc(b.ctx, (size_t)n * 4, &buf[i], &err)) {
      fprintf(stderr, "%s\n", err.msg);
      exit(1);
    }
    t[i] = ai_tensor_make(AI_TYPE_F32, buf[i], 0, 2, ne);
  }
  b.ops->add(b.ctx, &t[0], &t[1], &t[2]);
  ai_backend_sync(&b);
  double t0 = now();
  for (int r = 0; r < reps; r++) b.ops->add(b.ctx, &t[0], &t[1], &t[2]);
  ai_backend_sync(&b);
  double dt = now() - t0;
  if (ai_webgpu_backend_error(&b)[0]) fprintf(stderr, "%s\n", ai_webgpu_backend_error(&b));
  for (int i = 0; i < 3; i++) b.ops->buffer_free(b.ctx, buf[i]);
  ai_backend_free(&b);
  return 3.0 * (double)n * 4 * reps / dt / 1e9;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* tokens/s of one run (as cmd_bench.c's run_once), negative on failure. */
static double run_once(anyinfer_session *s, const int32_t *tokens, int n, bool is_prompt) {
  anyinfer_session_truncate(s, 0);
  double t0 = now();
  if (is_prompt) {
    if (anyinfer_session_decode(s, tokens, (size_t)n, NULL) != ANYINFER_OK) return -1;
  } else {
    for (int i = 0; i < n; i++)
      if (anyinfer_session_decode(s, &tokens[i], 1, NULL) != ANYINFER_OK) return -1;
  }
  return n / (now() - t0);
}

static double median_speed(anyinfer_session *s, const int32_t *tokens, int n, bool is_prompt) {
  double v[REPS];
  if (run_once(s, tokens, n, is_prompt) < 0) return -1;
  for (int r = 0; r < REPS; r++) v[r] = run_once(s, tokens, n, is_prompt);
  qsort(v, REPS, sizeof *v, cmp_double);
  return v[REPS / 2];
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--devices") == 0) {
    char text[4096];
    size_t len;
    anyinfer_status st = anyinfer_devices_describe(text, sizeof text, &len);
    fputs(text, stdout);
    return st == ANYINFER_OK ? 0 : 1;
  }
  if (argc < 3) {
    fprintf(stderr, "usage: webgpu_probe NAME TYPE [N_PROMPT [N_GEN]] | --devices\n");
    return 2;
  }
  int n_prompt = argc > 3 ? atoi(argv[3]) : MAX_PROMPT, n_gen = argc > 4 ? atoi(argv[4]) : 128;
  if (n_prompt < 1 || n_prompt > MAX_PROMPT || n_gen < 1 || n_gen > n_prompt) return 2;
  char path[256];
  snprintf(path, sizeof path, "/tmp/webgpu_probe_%s_%s.gguf", argv[1], argv[2]);
  anyinfer_file_params fp;
  anyinfer_file_default_params(&fp);
  fp.type = argv[2];
  if (anyinfer_synth(argv[1], path, &fp) != ANYINFER_OK) {
    fprintf(stderr, "synth %s %s failed\n", argv[1], argv[2]);
    return 1;
  }
  double bw = bandwidth((int64_t)1 << 27, 20);
  anyinfer_model *m;
  if (anyinfer_model_load(path, NULL, &m) != ANYINFER_OK) return 1;
  anyinfer_model_info info;
  anyinfer_model_get_info(m, &info);
  anyinfer_session_params sp;
  anyinfer_session_default_params(&sp);
  sp.backend = "webgpu";
  sp.n_ctx = n_prompt;
  sp.n_batch = n_prompt;
  anyinfer_session *s;
  if (anyinfer_session_create(m, &sp, &s) != ANYINFER_OK ||
      strcmp(anyinfer_session_backend(s), "webgpu") != 0) {
    fprintf(stderr, "no webgpu session\n");
    return 1;
  }
  int32_t tokens[MAX_PROMPT];
  uint64_t seed = 42;
  for (int i = 0; i < n_prompt; i++) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    tokens[i] = (int32_t)((seed >> 33) % (uint64_t)info.n_vocab);
  }
  double pp = median_speed(s, tokens, n_prompt, true);
  double tg = median_speed(s, tokens, n_gen, false);
  struct wg_ctx *c = s->backend.ctx;
  anyinfer_session_truncate(s, 0);
  uint64_t d0 = c->n_dispatch_total, s0 = c->n_submit_total;
  double t0 = now();
  for (int i = 0; i < n_gen; i++) anyinfer_session_decode(s, &tokens[i], 1, NULL);
  double dt = (now() - t0) / n_gen;
  double disp = (double)(c->n_dispatch_total - d0) / n_gen;
  double weights = (double)info.file_bytes;
  printf("| %s | %s | %.0f MiB | %.0f | %.1f | %.1f | %.0f | %.1f | %.1f | %.2f | %.1f |\n",
         argv[1], info.file_type, weights / 1048576.0, bw, pp, tg, disp,
         (double)(c->n_submit_total - s0) / n_gen, dt * 1e3, weights * tg / (bw * 1e9),
         dt * 1e6 / disp);
  if (ai_webgpu_backend_error(&s->backend)[0])
    fprintf(stderr, "device error: %s\n", ai_webgpu_backend_error(&s->backend));
  anyinfer_session_free(s);
  anyinfer_model_free(m);
  remove(path);
  return 0;
}
