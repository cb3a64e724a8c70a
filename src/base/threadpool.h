/* A spinning thread pool: one task at a time runs on every thread (the caller is thread 0), and
 * workers spin between tasks so a decode step's hundreds of ops cost little in wake-ups. After a
 * few milliseconds without work they sleep on a condition variable, so an idle chat costs no CPU.
 */
#ifndef AI_BASE_THREADPOOL_H
#define AI_BASE_THREADPOOL_H

#include "base/alloc.h"
#include "base/error.h"

struct ai_threadpool;

/* The work of one task on thread ith of nth; it splits its rows by (ith, nth) itself. */
typedef void (*ai_task_fn)(int ith, int nth, void *arg);

/* Starts n_threads - 1 workers (n_threads >= 1). Where the platform has no threads, the pool
 * runs every task on the caller alone. */
anyinfer_status ai_threadpool_create(const struct ai_alloc *alloc, int n_threads,
                                     struct ai_threadpool **out, struct ai_error *err);
/* Runs fn on every thread and returns when all have finished. */
void ai_threadpool_run(struct ai_threadpool *pool, ai_task_fn fn, void *arg);
int ai_threadpool_n_threads(const struct ai_threadpool *pool);
/* Stops and joins the workers. NULL is allowed. */
void ai_threadpool_free(struct ai_threadpool *pool);

/* Online cores, at least 1. */
int ai_cpu_count(void);

#endif
