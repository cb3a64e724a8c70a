/* Micro-benchmark of the quantized matmul kernels at TinyLlama-1.1B shapes (hidden 2048, FFN
 * 5632, 4 KV heads x 64): GB/s of weights streamed by the gemv (n_tok = 1, the decode path) and
 * GOP/s (2 * rows * k * n_tok) of the gemm (prompt processing), on 1 and 2 threads, per ISA.
 * Not a test: it asserts nothing. Build and run from the repository root:
 *
 *   gcc -std=c11 -O2 -Iinclude -Isrc bench/kernels/bench_matmul.c \
 *       $(find src/tensor src/base -name '*.c') -lpthread -lm -o /tmp/bench_matmul
 *   /tmp/bench_matmul
 *
 * The WebAssembly build times the SIMD128 kernels on one thread (the pool runs on the caller
 * there):
 *
 *   /usr/lib/llvm-22/bin/clang --target=wasm32-wasip1 --sysroot=build-wasm/wasi-sysroot -msimd128 \
 *       -O3 -Iinclude -Isrc bench/kernels/bench_matmul.c $(find src/tensor src/base -name '*.c') \
 *       -Wl,-z,stack-size=1048576 -Wl,--max-memory=4294967296 -o /tmp/bench_matmul.wasm
 *   node web/bin/anyinfer-wasm.mjs --module /tmp/bench_matmul.wasm
 *
 * Options: bench_matmul [TYPE ...] (default Q4_0 Q8_0 Q4_1 Q5_0 Q5_1); env BENCH_REF=1 also
 * times the reference kernels (slow); BENCH_THREADS=N runs 1..N threads (default 2, wasm 1).
 * "layer" rows run the seven matmuls of one transformer layer back to back; decode tok/s is 22
 * layers of that, without the output projection, attention and the other ops.
 *
 * bench_matmul --ab [TYPE ...] instead compares the tiled gemm and gemv kernels (AVX-512 and AVX2)
 * of each type on one thread, alternately in one process over 256 MB of weights (far beyond L3), at
 * n_tok = 1..8 and k = 896, 2048 and 5632: GB/s of each, median of 5 rounds. Alternating makes the
 * comparison robust to other load on a shared machine; the absolute numbers are not. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/threadpool.h"
#include "tensor/qgemv.h"
#include "tensor/types.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

struct mat {
  int64_t rows, k;
  void *w;
  size_t w_row_bytes;
};

struct job {
  const struct ai_cpu_kernels *kern;
  const struct mat *m;
  const void *xq;
  size_t xq_row_bytes;
  int64_t n_tok;
  float *y;
};

static void gemm_task(int ith, int nth, void *arg) {
  const struct job *j = arg;
  /* Row ranges in multiples of 4 so each thread runs whole tiles. */
  int64_t groups = (j->m->rows + 3) / 4;
  int64_t g0 = groups * ith / nth, g1 = groups * (ith + 1) / nth;
  int64_t r0 = g0 * 4, r1 = g1 * 4 < j->m->rows ? g1 * 4 : j->m->rows;
  if (r0 >= r1) return;
  j->kern->gemm(j->m->k, j->m->w, j->m->w_row_bytes, r0, r1, j->xq, j->xq_row_bytes, j->n_tok, j->y,
                j->m->rows);
}

static uint64_t rng_state = 12345;
static float rnd(void) {
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return (float)((double)(z >> 11) * 0x1p-53 * 2.0 - 1.0);
}

static void mat_init(struct mat *m, enum ai_type type, int64_t rows, int64_t k) {
  const struct ai_type_traits *tr = ai_type_traits_get(type);
  m->rows = rows;
  m->k = k;
  m->w_row_bytes = ai_type_row_bytes(type, k);
  m->w = malloc(m->w_row_bytes * rows);
  float *row = malloc(sizeof(float) * k);
  for (int64_t r = 0; r < rows; r++) {
    for (int64_t i = 0; i < k; i++) row[i] = rnd();
    tr->from_float(row, (char *)m->w + r * m->w_row_bytes, k);
  }
  free(row);
}

/* Seconds per run of all mats at n_tok, best of reps. */
static double time_mats(struct ai_threadpool *pool, const struct ai_cpu_kernels *kern,
                        enum ai_type act_type, const struct mat *mats, int n_mats, int64_t n_tok,
                        int reps) {
  int64_t kmax = 0, rmax = 0;
  for (int i = 0; i < n_mats; i++) {
    if (mats[i].k > kmax) kmax = mats[i].k;
    if (mats[i].rows > rmax) rmax = mats[i].rows;
  }
  float *x = malloc(sizeof(float) * kmax * n_tok);
  for (int64_t i = 0; i < kmax * n_tok; i++) x[i] = rnd();
  size_t xq_cap = ai_type_row_bytes(act_type, kmax) * n_tok;
  void *xq = malloc(xq_cap);
  float *y = malloc(sizeof(float) * rmax * n_tok);
  double best = 1e30;
  for (int rep = 0; rep < reps; rep++) {
    double t0 = now_s();
    for (int i = 0; i < n_mats; i++) {
      size_t xrb = ai_type_row_bytes(act_type, mats[i].k);
      for (int64_t t = 0; t < n_tok; t++) {
        kern->quantize_act(x + t * mats[i].k, (char *)xq + t * xrb, mats[i].k);
      }
      struct job j = {kern, &mats[i], xq, xrb, n_tok, y};
      ai_threadpool_run(pool, gemm_task, &j);
    }
    double dt = now_s() - t0;
    if (dt < best) best = dt;
  }
  free(x);
  free(xq);
  free(y);
  return best;
}

#if defined(__x86_64__)
struct ab_kernels {
  enum ai_type type;
  enum ai_isa isa;
  ai_gemm_fn tiled, gemv;
};

static const struct ab_kernels ab_table[] = {
    {AI_TYPE_Q4_0, AI_ISA_AVX512, ai_gemm_tiled_q4_0_q8_0_avx512, ai_gemv_q4_0_q8_0_avx512},
    {AI_TYPE_Q4_0, AI_ISA_AVX2, ai_gemm_tiled_q4_0_q8_0_avx2, ai_gemv_q4_0_q8_0_avx2},
    {AI_TYPE_Q8_0, AI_ISA_AVX512, ai_gemm_tiled_q8_0_q8_0_avx512, ai_gemv_q8_0_q8_0_avx512},
    {AI_TYPE_Q8_0, AI_ISA_AVX2, ai_gemm_tiled_q8_0_q8_0_avx2, ai_gemv_q8_0_q8_0_avx2},
    {AI_TYPE_Q4_1, AI_ISA_AVX512, ai_gemm_tiled_q4_1_q8_1_avx512, ai_gemv_q4_1_q8_1_avx512},
    {AI_TYPE_Q4_1, AI_ISA_AVX2, ai_gemm_tiled_q4_1_q8_1_avx2, ai_gemv_q4_1_q8_1_avx2},
    {AI_TYPE_Q5_0, AI_ISA_AVX512, ai_gemm_tiled_q5_0_q8_0_avx512, ai_gemv_q5_0_q8_0_avx512},
    {AI_TYPE_Q5_0, AI_ISA_AVX2, ai_gemm_tiled_q5_0_q8_0_avx2, ai_gemv_q5_0_q8_0_avx2},
    {AI_TYPE_Q5_1, AI_ISA_AVX512, ai_gemm_tiled_q5_1_q8_1_avx512, ai_gemv_q5_1_q8_1_avx512},
    {AI_TYPE_Q5_1, AI_ISA_AVX2, ai_gemm_tiled_q5_1_q8_1_avx2, ai_gemv_q5_1_q8_1_avx2},
};

static int cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Alternating A/B of tiled vs gemv (see the header comment). */
static int run_ab(int n_types, const char **types) {
  const int64_t ks[3] = {896, 2048, 5632};
  for (size_t ti = 0; ti < sizeof ab_table / sizeof ab_table[0]; ti++) {
    const struct ab_kernels *kk = &ab_table[ti];
    const struct ai_type_traits *tr = ai_type_traits_get(kk->type);
    const enum ai_isa best = ai_isa_detect();
    if (!(best == AI_ISA_AVX512 || (best == AI_ISA_AVX2 && kk->isa == AI_ISA_AVX2))) continue;
    int wanted = n_types == 0;
    for (int i = 0; i < n_types; i++) wanted |= ai_type_from_name(types[i]) == (int)kk->type;
    if (!wanted) continue;
    for (int ki = 0; ki < 3; ki++) {
      const int64_t k = ks[ki];
      struct mat m;
      mat_init(&m, kk->type, (int64_t)(256u << 20) / (int64_t)ai_type_row_bytes(kk->type, k), k);
      const size_t xrb = ai_type_row_bytes(tr->vec_dot_type, k);
      enum { max_tok = 8 };
      float *x = malloc(sizeof(float) * k * max_tok), *y = malloc(sizeof(float) * m.rows * max_tok);
      void *xq = malloc(xrb * max_tok);
      for (int64_t i = 0; i < k * max_tok; i++) x[i] = rnd();
      for (int t = 0; t < max_tok; t++) {
        ai_type_traits_get(tr->vec_dot_type)->from_float(x + t * k, (char *)xq + t * xrb, k);
      }
      for (int64_t n_tok = 1; n_tok <= max_tok; n_tok++) {
        double t_tiled[5], t_gemv[5];
        for (int rep = 0; rep < 5; rep++) {
          double t0 = now_s();
          kk->tiled(k, m.w, m.w_row_bytes, 0, m.rows, xq, xrb, n_tok, y, m.rows);
          double t1 = now_s();
          kk->gemv(k, m.w, m.w_row_bytes, 0, m.rows, xq, xrb, n_tok, y, m.rows);
          double t2 = now_s();
          t_tiled[rep] = t1 - t0;
          t_gemv[rep] = t2 - t1;
        }
        qsort(t_tiled, 5, sizeof(double), cmp_double);
        qsort(t_gemv, 5, sizeof(double), cmp_double);
        const double bytes = (double)m.w_row_bytes * m.rows;
        printf("%-5s %-6s k=%-5lld n_tok=%lld: tiled %6.2f GB/s, gemv %6.2f GB/s (x%.2f)\n",
               tr->name, ai_isa_name(kk->isa), (long long)k, (long long)n_tok,
               bytes / t_tiled[2] * 1e-9, bytes / t_gemv[2] * 1e-9, t_tiled[2] / t_gemv[2]);
      }
      free(m.w);
      free(x);
      free(y);
      free(xq);
    }
  }
  return 0;
}
#endif

int main(int argc, char **argv) {
#if defined(__x86_64__)
  if (argc > 1 && strcmp(argv[1], "--ab") == 0) return run_ab(argc - 2, (const char **)argv + 2);
#endif
  const char *default_types[] = {"Q4_0", "Q8_0", "Q4_1", "Q5_0", "Q5_1"};
  const char **types = argc > 1 ? (const char **)argv + 1 : default_types;
  int n_types = argc > 1 ? argc - 1 : 5;
  struct ai_alloc alloc = ai_alloc_default();
  enum ai_isa best_isa = ai_isa_detect();
  setvbuf(stdout, NULL, _IOLBF, 0);
  const char *env_ref = getenv("BENCH_REF");
  const int lowest_isa = env_ref != NULL && env_ref[0] == '1' ? AI_ISA_REF : AI_ISA_AVX2;
#ifdef __wasi__
  const int default_threads = 1; /* no threads in wasm32-wasip1 */
#else
  const int default_threads = 2;
#endif
  const char *env_threads = getenv("BENCH_THREADS");
  const int max_threads = env_threads != NULL ? atoi(env_threads) : default_threads;
  printf("detected ISA: %s\n", ai_isa_name(best_isa));
  /* rows x k of TinyLlama's layer matmuls: q, k, v, o, gate, up, down */
  const int64_t shapes[7][2] = {{2048, 2048}, {256, 2048},  {256, 2048}, {2048, 2048},
                                {5632, 2048}, {5632, 2048}, {2048, 5632}};
  for (int ti = 0; ti < n_types; ti++) {
    int type = ai_type_from_name(types[ti]);
    const struct ai_type_traits *tr = ai_type_traits_get(type);
    if (tr == NULL) {
      printf("%s: unknown type\n", types[ti]);
      continue;
    }
    struct mat mats[7];
    for (int i = 0; i < 7; i++) mat_init(&mats[i], (enum ai_type)type, shapes[i][0], shapes[i][1]);
    double layer_bytes = 0, layer_ops = 0;
    for (int i = 0; i < 7; i++) {
      layer_bytes += (double)mats[i].w_row_bytes * mats[i].rows;
      layer_ops += 2.0 * mats[i].rows * mats[i].k;
    }
    for (int isa = best_isa; isa >= lowest_isa; isa--) {
      /* below the best: the x86 rows (NEON and SIMD128 are the only ISA of their builds) */
      if (isa != AI_ISA_REF && isa != (int)best_isa &&
          (isa >= AI_ISA_NEON || best_isa >= AI_ISA_NEON))
        continue;
      struct ai_cpu_kernels kern;
      if (!ai_cpu_kernels_get((enum ai_type)type, (enum ai_isa)isa, &kern)) continue;
      for (int nth = 1; nth <= max_threads; nth++) {
        struct ai_threadpool *pool = NULL;
        struct ai_error err;
        if (ai_threadpool_create(&alloc, nth, &pool, &err) != ANYINFER_OK) return 1;
        int reps_tg = isa == AI_ISA_REF ? 2 : 20, reps_pp = isa == AI_ISA_REF ? 1 : 3;
        double t_ffn = time_mats(pool, &kern, tr->vec_dot_type, &mats[4], 1, 1, reps_tg);
        double t_down = time_mats(pool, &kern, tr->vec_dot_type, &mats[6], 1, 1, reps_tg);
        double t_layer = time_mats(pool, &kern, tr->vec_dot_type, mats, 7, 1, reps_tg);
        printf(
            "%-5s %-7s %dT gemv: 5632x2048 %6.1f GB/s, 2048x5632 %6.1f GB/s, layer %6.1f GB/s"
            " -> %6.1f tok/s (22 layers, matmuls only)\n",
            tr->name, ai_isa_name((enum ai_isa)isa), nth,
            mats[4].w_row_bytes * mats[4].rows / t_ffn * 1e-9,
            mats[6].w_row_bytes * mats[6].rows / t_down * 1e-9, layer_bytes / t_layer * 1e-9,
            1.0 / (22 * t_layer));
        if (isa != AI_ISA_REF) {
          const int64_t n_tok = 128;
          double t_pp = time_mats(pool, &kern, tr->vec_dot_type, mats, 7, n_tok, reps_pp);
          printf(
              "%-5s %-7s %dT gemm n_tok=128: layer %6.1f GOP/s -> %6.1f tok/s prompt"
              " (22 layers, matmuls only)\n",
              tr->name, ai_isa_name((enum ai_isa)isa), nth, layer_ops * n_tok / t_pp * 1e-9,
              n_tok / (22 * t_pp));
        }
        ai_threadpool_free(pool);
      }
    }
    for (int i = 0; i < 7; i++) free(mats[i].w);
  }
  return 0;
}
