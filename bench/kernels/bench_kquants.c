/* K-quant matmul micro-benchmark at TinyLlama-1.1B shapes (not a test).
 *
 *   gcc -std=c11 -O2 -pthread -Iinclude -Isrc bench/kernels/bench_kquants.c \
 *       src/tensor/kquant_common.c src/tensor/q4_k.c src/tensor/q5_k.c src/tensor/q6_k.c \
 *       src/tensor/q8_k.c src/tensor/kquant_x86.c -lm -o /tmp/bench_kquants
 *   /tmp/bench_kquants [threads (2)] [isa: avx512|avx2|ref (avx512)]
 *
 * Per shape (k=2048 x 2048 and 5632 rows, k=5632 x 2048 rows) and type: decode gemv (n_tok = 1)
 * streaming many copies of the matrix (more bytes than the caches hold) in GB/s of weights, and
 * prompt gemm (n_tok = 128) in GOP/s (2 ops per multiply-add). Then one whole "model step" of
 * TinyLlama Q4_K_M's matmuls (22 layers: q, k, o, gate, up Q4_K; v Q6_K; down Q6_K in half the
 * layers; output 32000 x 2048 Q6_K) as decode tok/s and 128-token prompt tok/s, matmuls only.
 * Threads split rows and meet at a barrier after every matmul, as the engine's pool does. Each
 * figure is the best of 3 runs (5 for the model step).
 * [cpu x]: the same work over process CPU time / threads, the rate on a machine shared with
 * other jobs (spinning barriers would inflate it; pthread barriers sleep). */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tensor/kquant_common.h"
#include "tensor/q4_k.h"
#include "tensor/q5_k.h"
#include "tensor/q6_k.h"
#include "tensor/q8_k.h"

struct kern {
  const char *name;
  size_t block_bytes;
  ai_gemm_fn gemm;
};

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* One matmul job: rows split over threads. */
struct mat {
  const struct kern *kern;
  int64_t k, rows;
  uint8_t *w;
};

struct ctx {
  struct mat *mats;
  int n_mats, n_tok, n_threads, iters;
  uint8_t *act; /* n_tok rows of Q8_K for the largest k */
  float *y;
  pthread_barrier_t bar;
};

struct worker {
  struct ctx *c;
  int ith;
};

static void *run(void *arg) {
  struct worker *wk = arg;
  struct ctx *c = wk->c;
  for (int it = 0; it < c->iters; it++) {
    for (int m = 0; m < c->n_mats; m++) {
      const struct mat *mt = &c->mats[m];
      const size_t wrb = mt->kern->block_bytes * (size_t)(mt->k / AI_QK_K);
      const size_t xrb = sizeof(struct ai_block_q8_k) * (size_t)(mt->k / AI_QK_K);
      /* Split in multiples of 4 rows so tiles stay whole. */
      const int64_t per = ((mt->rows / c->n_threads) + 3) / 4 * 4;
      const int64_t r0 = per * wk->ith, r1 = r0 + per < mt->rows ? r0 + per : mt->rows;
      if (r0 < r1) mt->kern->gemm(mt->k, mt->w, wrb, r0, r1, c->act, xrb, c->n_tok, c->y, mt->rows);
      pthread_barrier_wait(&c->bar);
    }
  }
  return NULL;
}

/* Process CPU seconds: on a shared machine, work / (cpu / threads) estimates the uncontended
 * rate; both are printed. */
static double cpu_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double last_cpu; /* CPU seconds of the last time_ctx */

static double time_ctx(struct ctx *c) {
  pthread_t th[16];
  struct worker wk[16];
  pthread_barrier_init(&c->bar, NULL, (unsigned)c->n_threads);
  const double t0 = now(), c0 = cpu_now();
  for (int i = 0; i < c->n_threads; i++) {
    wk[i] = (struct worker){c, i};
    pthread_create(&th[i], NULL, run, &wk[i]);
  }
  for (int i = 0; i < c->n_threads; i++) pthread_join(th[i], NULL);
  const double t = now() - t0;
  last_cpu = (cpu_now() - c0) / c->n_threads;
  pthread_barrier_destroy(&c->bar);
  return t;
}

/* Random bytes with the fp16 scales set to 2^-10 (d, and dmin for Q4_K/Q5_K): random scale bits
 * would hold NaNs, infinities and subnormals that no quantizer writes. */
/* Best (shortest) of reps runs: on a shared machine the others' load only ever slows a run
 * down. *cpu gets that run's CPU seconds per thread. */
static double best_ctx(struct ctx *c, int reps, double *cpu) {
  double best = 1e30;
  for (int i = 0; i < reps; i++) {
    const double t = time_ctx(c);
    if (t < best) {
      best = t;
      *cpu = last_cpu;
    }
  }
  return best;
}

static uint8_t *random_weights(const struct kern *kn, int64_t k, int64_t rows, uint64_t *st) {
  const size_t nb = (size_t)(k / AI_QK_K) * (size_t)rows;
  uint8_t *w = malloc(nb * kn->block_bytes);
  if (!w) return NULL;
  for (size_t i = 0; i < nb * kn->block_bytes; i++) {
    *st = *st * 6364136223846793005ull + 1442695040888963407ull;
    w[i] = (uint8_t)(*st >> 56);
  }
  const uint16_t scale = 0x1400; /* fp16 2^-10 */
  for (size_t b = 0; b < nb; b++) {
    uint8_t *blk = w + b * kn->block_bytes;
    if (kn->block_bytes == sizeof(struct ai_block_q6_k)) {
      memcpy(blk + offsetof(struct ai_block_q6_k, d), &scale, 2);
    } else { /* d, dmin lead both q4_K and q5_K */
      memcpy(blk, &scale, 2);
      memcpy(blk + 2, &scale, 2);
    }
  }
  return w;
}

int main(int argc, char **argv) {
  const int n_threads = argc > 1 ? atoi(argv[1]) : 2;
  const char *isa = argc > 2 ? argv[2] : "avx512";
  struct kern kq4, kq5, kq6;
  if (strcmp(isa, "avx512") == 0) {
    kq4 = (struct kern){"Q4_K", 144, ai_q4_k_gemm_avx512};
    kq5 = (struct kern){"Q5_K", 176, ai_q5_k_gemm_avx512};
    kq6 = (struct kern){"Q6_K", 210, ai_q6_k_gemm_avx512};
  } else if (strcmp(isa, "avx2") == 0) {
    kq4 = (struct kern){"Q4_K", 144, ai_q4_k_gemm_avx2};
    kq5 = (struct kern){"Q5_K", 176, ai_q5_k_gemm_avx2};
    kq6 = (struct kern){"Q6_K", 210, ai_q6_k_gemm_avx2};
  } else {
    kq4 = (struct kern){"Q4_K", 144, ai_q4_k_gemm_ref};
    kq5 = (struct kern){"Q5_K", 176, ai_q5_k_gemm_ref};
    kq6 = (struct kern){"Q6_K", 210, ai_q6_k_gemm_ref};
  }
  const struct kern *kerns[3] = {&kq4, &kq5, &kq6};
  uint64_t st = 42;
  enum { NTOK = 128, KMAX = 5632 };
  float *x = malloc(sizeof(float) * KMAX * NTOK);
  uint8_t *act = malloc(sizeof(struct ai_block_q8_k) * (KMAX / AI_QK_K) * NTOK);
  float *y = malloc(sizeof(float) * 32000 * NTOK);
  if (!x || !act || !y) return 1;
  for (int i = 0; i < KMAX * NTOK; i++) {
    st = st * 6364136223846793005ull + 1442695040888963407ull;
    x[i] = (float)((int64_t)(st >> 40) - (1 << 23)) / (1 << 23);
  }
  printf("threads %d, isa %s\n", n_threads, isa);
  static const int64_t shapes[3][2] = {{2048, 2048}, {2048, 5632}, {5632, 2048}};
  for (int s = 0; s < 3; s++) {
    const int64_t k = shapes[s][0], rows = shapes[s][1];
    ai_q8_k_quantize_ref(x, act, k * NTOK);
    for (int ti = 0; ti < 3; ti++) {
      const struct kern *kn = kerns[ti];
      /* Decode: enough copies to exceed 256 MB so weights stream from memory. */
      const size_t mat_bytes = kn->block_bytes * (size_t)(k / AI_QK_K) * (size_t)rows;
      const int copies = (int)((256u << 20) / mat_bytes) + 1;
      struct mat *mats = calloc((size_t)copies, sizeof *mats);
      for (int c = 0; c < copies; c++)
        mats[c] = (struct mat){kn, k, rows, random_weights(kn, k, rows, &st)};
      struct ctx c = {mats, copies, 1, n_threads, 3, act, y, {{0}}};
      time_ctx(&c); /* warm-up: page in */
      double cpu1 = 0, cpu2 = 0;
      const double t1 = best_ctx(&c, 3, &cpu1);
      const double gbs = (double)mat_bytes * copies * c.iters / t1 / 1e9;
      const double gbs_cpu = (double)mat_bytes * copies * c.iters / cpu1 / 1e9;
      /* Prompt: one copy, 128 tokens. */
      struct ctx c2 = {mats, 1, NTOK, n_threads, 3, act, y, {{0}}};
      time_ctx(&c2);
      const double t2 = best_ctx(&c2, 3, &cpu2);
      const double gops = 2.0 * k * rows * NTOK * c2.iters / t2 / 1e9;
      const double gops_cpu = 2.0 * k * rows * NTOK * c2.iters / cpu2 / 1e9;
      printf(
          "%s k=%-5lld rows=%-5lld decode %6.1f GB/s [cpu %6.1f]   prompt-128 %6.1f GOP/s "
          "[cpu %6.1f]\n",
          kn->name, (long long)k, (long long)rows, gbs, gbs_cpu, gops, gops_cpu);
      for (int cc = 0; cc < copies; cc++) free(mats[cc].w);
      free(mats);
    }
  }
  /* Whole TinyLlama Q4_K_M step. */
  enum { LAYERS = 22 };
  struct mat model[LAYERS * 7 + 1];
  int nm = 0;
  size_t model_bytes = 0;
  for (int l = 0; l < LAYERS; l++) {
    const struct {
      const struct kern *kn;
      int64_t k, rows;
    } ops[7] = {{&kq4, 2048, 2048},
                {&kq4, 2048, 256},
                {&kq6, 2048, 256},
                {&kq4, 2048, 2048},
                {&kq4, 2048, 5632},
                {&kq4, 2048, 5632},
                {l % 2 ? &kq4 : &kq6, 5632, 2048}};
    for (int o = 0; o < 7; o++) {
      model[nm] = (struct mat){ops[o].kn, ops[o].k, ops[o].rows,
                               random_weights(ops[o].kn, ops[o].k, ops[o].rows, &st)};
      model_bytes += ops[o].kn->block_bytes * (size_t)(ops[o].k / 256) * (size_t)ops[o].rows;
      nm++;
    }
  }
  model[nm] = (struct mat){&kq6, 2048, 32000, random_weights(&kq6, 2048, 32000, &st)};
  model_bytes += 210 * 8 * 32000;
  nm++;
  ai_q8_k_quantize_ref(x, act, KMAX * NTOK);
  struct ctx cm = {model, nm, 1, n_threads, 10, act, y, {{0}}};
  time_ctx(&cm);
  double cpud = 0, cpup = 0;
  const double td = best_ctx(&cm, 5, &cpud);
  printf("TinyLlama Q4_K_M matmuls (%.0f MB): decode %.1f tok/s [cpu %.1f] (%.1f GB/s)",
         model_bytes / 1e6, cm.iters / td, cm.iters / cpud, model_bytes * cm.iters / td / 1e9);
  struct ctx cp = {model, nm, NTOK, n_threads, 1, act, y, {{0}}};
  const double tp = best_ctx(&cp, 3, &cpup);
  printf(", prompt-128 %.1f tok/s [cpu %.1f]\n", NTOK * cp.iters / tp, NTOK * cp.iters / cpup);
  for (int i = 0; i < nm; i++) free(model[i].w);
  free(x);
  free(act);
  free(y);
  return 0;
}
