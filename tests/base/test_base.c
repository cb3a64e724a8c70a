/* Unit tests for src/base: statuses, allocator and fault injection, fp16/bf16, files, pool. */
#include <stdatomic.h>

#include "base/alloc.h"
#include "base/error.h"
#include "base/file.h"
#include "base/fp16.h"
#include "base/threadpool.h"
#include "check.h"

static void test_status(void) {
  CHECK_STREQ(anyinfer_status_name(ANYINFER_E_NOMEM), "ANYINFER_E_NOMEM");
  CHECK_STREQ(anyinfer_status_str(ANYINFER_OK), "success");
  CHECK_STREQ(anyinfer_status_name((anyinfer_status)-999), "ANYINFER_E_UNKNOWN");
  struct ai_error err;
  ai_error_clear(&err);
  CHECK_EQ(ai_error_set(&err, ANYINFER_E_FORMAT, "gguf: %d dims, at most %d", 5, 4),
           ANYINFER_E_FORMAT);
  CHECK_STREQ(err.msg, "gguf: 5 dims, at most 4");
}

static void test_alloc(void) {
  struct ai_alloc_fault fault = {.fail_at = 2};
  struct ai_alloc a = ai_alloc_make(ai_alloc_fault_fn, &fault);
  void *p = ai_malloc(&a, 16);
  CHECK(p != NULL);
  CHECK(ai_malloc(&a, 16) == NULL); /* the 2nd allocation fails */
  CHECK_EQ(fault.n_live, 1);
  ai_free(&a, p);
  CHECK_EQ(fault.n_live, 0);
  CHECK(ai_calloc(&a, SIZE_MAX / 2, 4) == NULL); /* overflow is refused before allocating */
  size_t out;
  CHECK(!ai_mul_size(SIZE_MAX, 2, &out));
  CHECK(ai_mul_size(3, 5, &out) && out == 15);
}

static void test_fp16(void) {
  /* Exhaustive round trip: every finite half converts to float and back unchanged. */
  int bad = 0;
  for (uint32_t h = 0; h < 0x10000; h++) {
    uint16_t x = (uint16_t)h;
    if ((x & 0x7c00) == 0x7c00) continue;
    if (ai_fp32_to_fp16(ai_fp16_to_fp32(x)) != x) bad++;
  }
  CHECK_EQ(bad, 0);
  CHECK_EQ(ai_fp32_to_fp16(1.0f), 0x3c00);
  CHECK_EQ(ai_fp32_to_fp16(-2.0f), 0xc000);
  CHECK_EQ(ai_fp32_to_fp16(65504.0f), 0x7bff);
  CHECK_EQ(ai_fp32_to_fp16(65520.0f), 0x7c00);
  CHECK_EQ(ai_fp32_to_fp16(0x1p-24f), 0x0001);
  CHECK_EQ(ai_fp32_to_fp16(0x1p-25f), 0x0000);          /* tie rounds to even (0) */
  CHECK_EQ(ai_fp32_to_fp16(0x1.8p-24f), 0x0002);        /* tie rounds to even (2) */
  CHECK_EQ(ai_fp32_to_fp16(1.0f + 0x1p-11f), 0x3c00);   /* tie at 1 + half ulp: even */
  CHECK_EQ(ai_fp32_to_fp16(1.0f + 0x1.8p-10f), 0x3c02); /* tie at 1 + 1.5 ulp: even */
  CHECK_NEAR(ai_fp16_to_fp32(0x3555), 0.333251953125, 0);
  CHECK_EQ(ai_fp32_to_bf16(1.0f), 0x3f80);
  CHECK_EQ(ai_fp32_to_bf16(ai_bits_to_f32(0x3f808000u)), 0x3f80); /* tie: even */
  CHECK_EQ(ai_fp32_to_bf16(ai_bits_to_f32(0x3f818000u)), 0x3f82);
  CHECK_NEAR(ai_bf16_to_fp32(0xc040), -3.0, 0);
}

static void test_mem_reader(void) {
  const uint8_t bytes[4] = {1, 2, 3, 4};
  struct ai_reader r = ai_mem_reader(bytes, sizeof bytes);
  uint8_t out[4];
  struct ai_error err;
  CHECK_EQ(ai_reader_read(&r, 1, out, 3, &err), ANYINFER_OK);
  CHECK_EQ(out[2], 4);
  CHECK_EQ(ai_reader_read(&r, 2, out, 3, &err), ANYINFER_E_FORMAT);
  CHECK_EQ(ai_reader_read(&r, UINT64_MAX, out, 1, &err), ANYINFER_E_FORMAT);
  struct ai_file f;
  CHECK_EQ(ai_file_open(&f, "/nonexistent/file.gguf", true, &err), ANYINFER_E_IO);
  CHECK(strstr(err.msg, "/nonexistent/file.gguf") != NULL);
}

struct pool_task {
  atomic_int sum;
  atomic_int calls;
};

static void pool_fn(int ith, int nth, void *arg) {
  struct pool_task *t = arg;
  atomic_fetch_add(&t->sum, ith);
  atomic_fetch_add(&t->calls, 1);
  (void)nth;
}

static void test_threadpool(void) {
  struct ai_alloc a = ai_alloc_default();
  struct ai_threadpool *pool;
  struct ai_error err;
  CHECK_EQ(ai_threadpool_create(&a, 0, &pool, &err), ANYINFER_E_INVAL);
  CHECK_EQ(ai_threadpool_create(&a, 4, &pool, &err), ANYINFER_OK);
  struct pool_task t;
  for (int rep = 0; rep < 200; rep++) {
    atomic_init(&t.sum, 0);
    atomic_init(&t.calls, 0);
    ai_threadpool_run(pool, pool_fn, &t);
    if (atomic_load(&t.calls) != 4 || atomic_load(&t.sum) != 6) break;
  }
  CHECK_EQ(atomic_load(&t.calls), 4);
  CHECK_EQ(atomic_load(&t.sum), 0 + 1 + 2 + 3);
  ai_threadpool_free(pool);
  ai_threadpool_free(NULL);
  /* Regression: a task posted before the workers have started running must still reach them. */
  for (int rep = 0; rep < 50; rep++) {
    CHECK_EQ(ai_threadpool_create(&a, 3, &pool, &err), ANYINFER_OK);
    atomic_init(&t.sum, 0);
    atomic_init(&t.calls, 0);
    ai_threadpool_run(pool, pool_fn, &t);
    ai_threadpool_free(pool);
    if (atomic_load(&t.calls) != 3) break;
  }
  CHECK_EQ(atomic_load(&t.calls), 3);
}

int main(void) {
  test_status();
  test_alloc();
  test_fp16();
  test_mem_reader();
  test_threadpool();
  return check_exit();
}
