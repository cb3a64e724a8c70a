/* WebGPU figures that `anyinfer bench` does not print: the device's bandwidth as our own add
 * kernel achieves it (the roofline for decode), and per decode token the dispatches, submits and
 * time of one forward pass. Built against the engine's internals on the GPU machine:
 *   cc -std=c11 -O2 -Iinclude -Isrc bench/webgpu_probe.c build/libanyinfer_static.a -lm -lpthread
 *   ./a.out MODEL.gguf [N_TOKENS] [N_FLOATS]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "anyinfer.h"
#include "backend/webgpu/webgpu_internal.h"
#include "engine/session.h"

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

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: webgpu_probe MODEL.gguf [N_TOKENS] [N_FLOATS]\n");
    return 2;
  }
  int n = argc > 2 ? atoi(argv[2]) : 64;
  int64_t n_bw = argc > 3 ? atoll(argv[3]) : (int64_t)1 << 27;
  printf("add kernel bandwidth: %.1f GB/s (3 x %lld MiB per pass, 20 passes)\n",
         bandwidth(n_bw, 20), (long long)(n_bw * 4 >> 20));
  anyinfer_model *m;
  if (anyinfer_model_load(argv[1], NULL, &m) != ANYINFER_OK) return 1;
  anyinfer_session_params sp;
  anyinfer_session_default_params(&sp);
  sp.backend = "webgpu";
  sp.n_ctx = n + 8;
  anyinfer_session *s;
  if (anyinfer_session_create(m, &sp, &s) != ANYINFER_OK ||
      strcmp(anyinfer_session_backend(s), "webgpu") != 0) {
    fprintf(stderr, "no webgpu session\n");
    return 1;
  }
  struct wg_ctx *c = s->backend.ctx;
  const float *logits;
  anyinfer_model_info info;
  anyinfer_model_get_info(m, &info);
  int32_t tok = 1;
  anyinfer_session_decode(s, &tok, 1, &logits); /* warm-up: pipelines, bind groups */
  uint64_t d0 = c->n_dispatch_total, s0 = c->n_submit_total;
  double t0 = now();
  for (int i = 0; i < n; i++) {
    tok = (tok * 7 + 3) % info.n_vocab;
    if (anyinfer_session_decode(s, &tok, 1, &logits) != ANYINFER_OK) {
      fprintf(stderr, "decode: %s\n", anyinfer_session_last_error(s));
      return 1;
    }
  }
  double dt = now() - t0;
  printf(
      "decode: %d tokens, %.1f tok/s, %.3f ms/token, %.1f dispatches/token, %.1f submits/token, "
      "%.1f us per dispatch (all of a token's time over its dispatches)\n",
      n, n / dt, dt / n * 1e3, (double)(c->n_dispatch_total - d0) / n,
      (double)(c->n_submit_total - s0) / n,
      dt / n * 1e6 / ((double)(c->n_dispatch_total - d0) / n));
  anyinfer_session_free(s);
  anyinfer_model_free(m);
  return 0;
}
