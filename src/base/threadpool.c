/* Thread pool on pthreads and C11 atomics. The task generation counter is the only signal:
 * workers spin until it moves, run their share, and count themselves done. */
#define _POSIX_C_SOURCE 200809L
#include "base/threadpool.h"

#include <sched.h>
#include <stdatomic.h>
#include <unistd.h>

#ifdef __wasi__
/* wasm32-wasip1 has no threads (Debian's wasi-libc has no pthreads at all): creating a worker
 * fails, so every pool runs its tasks on the caller alone, and a pool of one needs no locks. */
#include <errno.h>
typedef int pthread_t;
typedef int pthread_mutex_t;
typedef int pthread_cond_t;
static int pthread_create(pthread_t *t, const void *attr, void *(*fn)(void *), void *arg) {
  (void)t, (void)attr, (void)fn, (void)arg;
  return EAGAIN;
}
static int pthread_join(pthread_t t, void **ret) {
  (void)t, (void)ret;
  return EINVAL;
}
static int pthread_mutex_init(pthread_mutex_t *m, const void *attr) {
  (void)attr;
  return *m = 0;
}
static int pthread_mutex_lock(pthread_mutex_t *m) {
  return (void)m, 0;
}
static int pthread_mutex_unlock(pthread_mutex_t *m) {
  return (void)m, 0;
}
static int pthread_mutex_destroy(pthread_mutex_t *m) {
  return (void)m, 0;
}
static int pthread_cond_init(pthread_cond_t *c, const void *attr) {
  (void)attr;
  return *c = 0;
}
static int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m) {
  return (void)c, (void)m, 0;
}
static int pthread_cond_broadcast(pthread_cond_t *c) {
  return (void)c, 0;
}
static int pthread_cond_destroy(pthread_cond_t *c) {
  return (void)c, 0;
}
#else
#include <pthread.h>
#endif

/* Spins (pauses, then yields) before a worker sleeps: some milliseconds, long enough to span the
 * gap between two tokens' ops, short enough that an idle session costs no CPU. */
#define SPINS_BEFORE_SLEEP 50000

struct worker {
  struct ai_threadpool *pool;
  pthread_t thread;
  int ith;
};

struct ai_threadpool {
  struct ai_alloc alloc;
  int n_threads;
  int n_started;          /* workers actually running (n_threads - 1 unless creation failed) */
  struct worker *workers; /* n_threads - 1 */
  ai_task_fn fn;          /* the current task, published by generation */
  void *arg;
  atomic_uint generation; /* bumped once per task */
  atomic_int n_done;      /* workers finished with the current generation */
  atomic_bool stop;
  atomic_int n_sleeping;
  pthread_mutex_t mutex;
  pthread_cond_t wake;
};

/* Spins on pause before yielding the core: when the machine has more runnable threads than
 * cores, a waiter that never yields can keep the very thread it waits for off the CPU. */
#define SPINS_BEFORE_YIELD 2000

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ volatile("yield");
#endif
}

static void *worker_main(void *p) {
  struct worker *w = p;
  struct ai_threadpool *pool = w->pool;
  /* Workers start while the caller may already post the first task: the generation they have
   * seen is the one at creation (0), not whatever it is when the thread gets to run. */
  unsigned seen = 0;
  for (;;) {
    unsigned gen;
    int spins = 0;
    while ((gen = atomic_load_explicit(&pool->generation, memory_order_acquire)) == seen &&
           !atomic_load_explicit(&pool->stop, memory_order_acquire)) {
      if (++spins < SPINS_BEFORE_SLEEP) {
        if (spins < SPINS_BEFORE_YIELD)
          cpu_relax();
        else
          sched_yield();
        continue;
      }
      pthread_mutex_lock(&pool->mutex);
      atomic_fetch_add(&pool->n_sleeping, 1);
      while (atomic_load(&pool->generation) == seen && !atomic_load(&pool->stop))
        pthread_cond_wait(&pool->wake, &pool->mutex);
      atomic_fetch_sub(&pool->n_sleeping, 1);
      pthread_mutex_unlock(&pool->mutex);
      spins = 0;
    }
    if (atomic_load_explicit(&pool->stop, memory_order_acquire)) return NULL;
    seen = gen;
    pool->fn(w->ith, pool->n_threads, pool->arg);
    atomic_fetch_add_explicit(&pool->n_done, 1, memory_order_acq_rel);
  }
}

anyinfer_status ai_threadpool_create(const struct ai_alloc *alloc, int n_threads,
                                     struct ai_threadpool **out, struct ai_error *err) {
  *out = NULL;
  if (n_threads < 1 || n_threads > 1024)
    return ai_error_set(err, ANYINFER_E_INVAL, "threads: %d, must be in [1, 1024]", n_threads);
  struct ai_threadpool *pool = ai_calloc(alloc, 1, sizeof *pool);
  if (!pool) return ai_error_set(err, ANYINFER_E_NOMEM, "threadpool: out of memory");
  pool->alloc = *alloc;
  pool->n_threads = n_threads;
  atomic_init(&pool->generation, 0);
  atomic_init(&pool->n_done, 0);
  atomic_init(&pool->stop, false);
  atomic_init(&pool->n_sleeping, 0);
  pthread_mutex_init(&pool->mutex, NULL);
  pthread_cond_init(&pool->wake, NULL);
  if (n_threads > 1) {
    pool->workers = ai_calloc(alloc, (size_t)n_threads - 1, sizeof *pool->workers);
    if (!pool->workers) {
      ai_threadpool_free(pool);
      return ai_error_set(err, ANYINFER_E_NOMEM, "threadpool: out of memory");
    }
    for (int i = 0; i < n_threads - 1; i++) {
      pool->workers[i] = (struct worker){.pool = pool, .ith = i + 1};
      if (pthread_create(&pool->workers[i].thread, NULL, worker_main, &pool->workers[i]) != 0)
        break; /* no threads on this platform: run with the ones we have */
      pool->n_started++;
    }
    pool->n_threads = pool->n_started + 1;
  }
  *out = pool;
  return ANYINFER_OK;
}

void ai_threadpool_run(struct ai_threadpool *pool, ai_task_fn fn, void *arg) {
  if (pool->n_threads == 1) {
    fn(0, 1, arg);
    return;
  }
  pool->fn = fn;
  pool->arg = arg;
  atomic_store_explicit(&pool->n_done, 0, memory_order_relaxed);
  atomic_fetch_add(&pool->generation, 1); /* seq_cst: ordered before the n_sleeping load */
  if (atomic_load(&pool->n_sleeping) > 0) {
    pthread_mutex_lock(&pool->mutex);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->mutex);
  }
  fn(0, pool->n_threads, arg);
  for (int spins = 0; atomic_load_explicit(&pool->n_done, memory_order_acquire) < pool->n_started;
       spins++) {
    if (spins < SPINS_BEFORE_YIELD)
      cpu_relax();
    else
      sched_yield();
  }
}

int ai_threadpool_n_threads(const struct ai_threadpool *pool) {
  return pool->n_threads;
}

void ai_threadpool_free(struct ai_threadpool *pool) {
  if (!pool) return;
  pthread_mutex_lock(&pool->mutex);
  atomic_store(&pool->stop, true);
  pthread_cond_broadcast(&pool->wake);
  pthread_mutex_unlock(&pool->mutex);
  for (int i = 0; i < pool->n_started; i++) pthread_join(pool->workers[i].thread, NULL);
  pthread_mutex_destroy(&pool->mutex);
  pthread_cond_destroy(&pool->wake);
  ai_free(&pool->alloc, pool->workers);
  ai_free(&pool->alloc, pool);
}

int ai_cpu_count(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : (int)n;
}
