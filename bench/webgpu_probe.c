/* What `anyinfer bench --backend webgpu` cannot see, for bench/RESULTS.md: built against the
 * engine's internals, for a model file (anyinfer synth makes one) it prints
 *   - the device's bandwidth as our own add kernel achieves it (the roofline for decode);
 *   - per decode token (at positions 0..127): dispatches, submits and milliseconds;
 *   - each distinct matmul of a layer and the output projection, with the model's weight types
 *     and shapes on random data: microseconds per dispatch for one token (matmul_vec) and per
 *     512 tokens (matmul_tile, with its GFLOP/s; not for the output projection, which prompts
 *     need for their last token only), 50 and 5 dispatches in one submit.
 *   cc -std=c11 -O2 -Iinclude -Isrc bench/webgpu_probe.c build/libanyinfer_static.a -lm -lpthread
 *   ./a.out MODEL.gguf     (prints markdown rows: one per matmul, then the bandwidth and token
 *                          row; the bandwidth test runs last: in the 18:32 run of RESULTS.md the
 *                          first matmul timed after it read 5-40x slow, perhaps while Dawn freed
 *                          its 1.5 GiB; not verified)
 *   ./a.out --devices      (as `anyinfer info --devices`)
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "anyinfer.h"
#include "backend/webgpu/webgpu_internal.h"
#include "engine/engine.h"
#include "engine/session.h"

#define N_GEN 128

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what, const char *msg) {
  fprintf(stderr, "webgpu_probe: %s: %s\n", what, msg);
  exit(1);
}

static struct ai_buffer *alloc_buf(struct ai_backend *b, size_t bytes) {
  struct ai_buffer *buf;
  struct ai_error err;
  if (b->ops->buffer_alloc(b->ctx, bytes, &buf, &err)) die("alloc", err.msg);
  return buf;
}

/* d = a + b over n floats, reps times in one submit: GB/s of bytes read and written. */
static double bandwidth(struct ai_backend *b, int64_t n, int reps) {
  struct ai_buffer *buf[3];
  int64_t ne[2] = {n / 1024, 1024};
  struct ai_tensor t[3];
  for (int i = 0; i < 3; i++) {
    buf[i] = alloc_buf(b, (size_t)n * 4);
    t[i] = ai_tensor_make(AI_TYPE_F32, buf[i], 0, 2, ne);
  }
  b->ops->add(b->ctx, &t[0], &t[1], &t[2]);
  ai_backend_sync(b);
  double t0 = now();
  for (int r = 0; r < reps; r++) b->ops->add(b->ctx, &t[0], &t[1], &t[2]);
  ai_backend_sync(b);
  double dt = now() - t0;
  for (int i = 0; i < 3; i++) b->ops->buffer_free(b->ctx, buf[i]);
  return 3.0 * (double)n * 4 * reps / dt / 1e9;
}

/* A random [k, rows] weight of type on the device. */
static struct ai_tensor random_weight(struct ai_backend *b, enum ai_type type, int64_t k,
                                      int64_t rows) {
  size_t bytes = ai_type_row_bytes(type, k) * (size_t)rows;
  float *wf = malloc((size_t)(k * rows) * sizeof *wf);
  void *wq = malloc(bytes);
  if (!wf || !wq) die("weight", "out of memory");
  uint64_t seed = 1;
  for (int64_t i = 0; i < k * rows; i++) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    wf[i] = (float)((seed >> 40) & 0xffff) / 65536.0f - 0.5f;
  }
  ai_type_traits_get(type)->from_float(wf, wq, k * rows);
  struct ai_buffer *buf = alloc_buf(b, bytes);
  b->ops->write(b->ctx, buf, 0, wq, bytes);
  free(wf), free(wq);
  return ai_tensor_make(type, buf, 0, 2, (int64_t[]){k, rows});
}

/* Seconds per matmul of w by [k, n_tok] activations, reps in one submit (the second of two such
 * submits; the activations are rounded once, as for q, k and v of a layer, and consecutive
 * matmuls of one input go out three to a dispatch, as q, k and v do). */
static double time_matmul(struct ai_backend *b, const struct ai_tensor *w, int64_t n_tok,
                          int reps) {
  int64_t k = w->ne[0], rows = w->ne[1];
  float *x = malloc((size_t)(k * n_tok) * 4);
  if (!x) die("matmul", "out of memory");
  for (int64_t i = 0; i < k * n_tok; i++) x[i] = (float)(i % 1013) / 1013.0f - 0.5f;
  struct ai_buffer *bx = alloc_buf(b, (size_t)(k * n_tok) * 4),
                   *bd = alloc_buf(b, (size_t)(rows * n_tok) * 4);
  b->ops->write(b->ctx, bx, 0, x, (size_t)(k * n_tok) * 4);
  struct ai_tensor tx = ai_tensor_make(AI_TYPE_F32, bx, 0, 2, (int64_t[]){k, n_tok}),
                   td = ai_tensor_make(AI_TYPE_F32, bd, 0, 2, (int64_t[]){rows, n_tok});
  double dt = 0;
  for (int pass = 0; pass < 2; pass++) { /* the first pass makes pipelines and bind groups */
    double t0 = now();
    for (int r = 0; r < reps; r++) b->ops->matmul(b->ctx, w, &tx, NULL, &td);
    ai_backend_sync(b);
    dt = (now() - t0) / reps;
  }
  b->ops->buffer_free(b->ctx, bx), b->ops->buffer_free(b->ctx, bd);
  free(x);
  return dt;
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--devices") == 0) {
    char text[4096];
    size_t len;
    anyinfer_status st = anyinfer_devices_describe(text, sizeof text, &len);
    fputs(text, stdout);
    return st == ANYINFER_OK ? 0 : 1;
  }
  if (argc != 2) {
    fprintf(stderr, "usage: webgpu_probe MODEL.gguf | --devices\n");
    return 2;
  }
  anyinfer_model *m;
  if (anyinfer_model_load(argv[1], NULL, &m) != ANYINFER_OK) die(argv[1], "cannot load");
  anyinfer_model_info info;
  anyinfer_model_get_info(m, &info);
  anyinfer_session_params sp;
  anyinfer_session_default_params(&sp);
  sp.backend = "webgpu";
  sp.n_ctx = N_GEN;
  sp.n_batch = 1;
  anyinfer_session *s;
  if (anyinfer_session_create(m, &sp, &s) != ANYINFER_OK ||
      strcmp(anyinfer_session_backend(s), "webgpu") != 0)
    die(argv[1], "no webgpu session");
  struct wg_ctx *c = s->backend.ctx;
  int32_t tokens[N_GEN];
  for (int i = 0; i < N_GEN; i++) tokens[i] = (int32_t)((i * 7919) % info.n_vocab);
  for (int i = 0; i < N_GEN; i++) anyinfer_session_decode(s, &tokens[i], 1, NULL); /* warm-up */
  anyinfer_session_truncate(s, 0);
  uint64_t d0 = c->n_dispatch_total, s0 = c->n_submit_total;
  double t0 = now();
  for (int i = 0; i < N_GEN; i++) anyinfer_session_decode(s, &tokens[i], 1, NULL);
  double ms = (now() - t0) * 1e3 / N_GEN;
  double disp = (double)(c->n_dispatch_total - d0) / N_GEN;
  double subs = (double)(c->n_submit_total - s0) / N_GEN;
  if (ai_webgpu_backend_error(&s->backend)[0])
    die("device error", ai_webgpu_backend_error(&s->backend));
  const struct ai_llama *L = &m->llama;
  const struct ai_gguf_tensor *mats[5] = {L->layers[0].wq, L->layers[0].wk, L->layers[0].w_gate,
                                          L->layers[0].w_down, L->output};
  const char *names[5] = {"q, o", "k, v", "gate, up", "down", "output"};
  const int per_token[5] = {2 * L->hp.n_layer, 2 * L->hp.n_layer, 2 * L->hp.n_layer, L->hp.n_layer,
                            1};
  double sum_vec = 0;
  for (int i = 0; i < 5; i++) {
    const struct ai_gguf_tensor *t = mats[i];
    struct ai_tensor w = random_weight(&s->backend, t->type, t->ne[0], t->ne[1]);
    double v = time_matmul(&s->backend, &w, 1, 50);
    /* Prompts need the output projection for the last token only. */
    double g = i < 4 ? time_matmul(&s->backend, &w, 512, 5) : 0;
    s->backend.ops->buffer_free(s->backend.ctx, w.buffer);
    double bytes = (double)ai_type_row_bytes(t->type, t->ne[0]) * (double)t->ne[1];
    sum_vec += v * per_token[i];
    printf(
        "| %s | %s %lld x %lld | x%d per token | 1 token: %.1f us, %.0f GB/s | 512 tokens: %.0f "
        "us, %.0f GFLOP/s |\n",
        names[i], ai_type_traits_get(t->type)->name, (long long)t->ne[0], (long long)t->ne[1],
        per_token[i], v * 1e6, bytes / v / 1e9, g * 1e6,
        g > 0 ? 2.0 * (double)t->ne[0] * (double)t->ne[1] * 512 / g / 1e9 : 0.0);
  }
  printf("| matmuls of a token | %.3f ms | rest (other kernels, barriers, read-back) %.3f ms |\n",
         sum_vec * 1e3, ms - sum_vec * 1e3);
  /* Last (see the top of this file). */
  double bw = bandwidth(&s->backend, (int64_t)1 << 27, 20);
  printf(
      "| %s | %s | %.0f MiB | lanes %u%s | %.0f GB/s | %.1f dispatches | %.1f submits | %.3f "
      "ms/token | %.1f us/dispatch |\n",
      info.file_type, argv[1], (double)info.file_bytes / 1048576.0, c->lanes,
      c->use_subgroups ? " (subgroups)" : "", bw, disp, subs, ms, ms * 1e3 / disp);
  if (ai_webgpu_backend_error(&s->backend)[0])
    die("device error", ai_webgpu_backend_error(&s->backend));
  anyinfer_session_free(s);
  anyinfer_model_free(m);
  return 0;
}
