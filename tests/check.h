/* Minimal test assertions (libuv test/task.h): on failure print file:line, the expression and
 * both values, count the failure, and keep going; check_exit() sets the exit status. */
#ifndef AI_TESTS_CHECK_H
#define AI_TESTS_CHECK_H

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(expr)                                                            \
  do {                                                                         \
    check_count++;                                                             \
    if (!(expr)) {                                                             \
      fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #expr); \
      check_failures++;                                                        \
    }                                                                          \
  } while (0)

#define CHECK_EQ(a, b)                                                                          \
  do {                                                                                          \
    long long check_a_ = (long long)(a), check_b_ = (long long)(b);                             \
    check_count++;                                                                              \
    if (check_a_ != check_b_) {                                                                 \
      fprintf(stderr, "%s:%d: CHECK_EQ(%s, %s) failed: %lld != %lld\n", __FILE__, __LINE__, #a, \
              #b, check_a_, check_b_);                                                          \
      check_failures++;                                                                         \
    }                                                                                           \
  } while (0)

#define CHECK_STREQ(a, b)                                                                          \
  do {                                                                                             \
    const char *check_a_ = (a), *check_b_ = (b);                                                   \
    check_count++;                                                                                 \
    if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0) {                               \
      fprintf(stderr, "%s:%d: CHECK_STREQ(%s, %s) failed: \"%s\" != \"%s\"\n", __FILE__, __LINE__, \
              #a, #b, check_a_ ? check_a_ : "(null)", check_b_ ? check_b_ : "(null)");             \
      check_failures++;                                                                            \
    }                                                                                              \
  } while (0)

#define CHECK_NEAR(a, b, tol)                                                                      \
  do {                                                                                             \
    double check_a_ = (double)(a), check_b_ = (double)(b), check_t_ = (double)(tol);               \
    check_count++;                                                                                 \
    if (!(fabs(check_a_ - check_b_) <= check_t_)) {                                                \
      fprintf(stderr, "%s:%d: CHECK_NEAR(%s, %s, %s) failed: %.9g vs %.9g (tol %.3g)\n", __FILE__, \
              __LINE__, #a, #b, #tol, check_a_, check_b_, check_t_);                               \
      check_failures++;                                                                            \
    }                                                                                              \
  } while (0)

/* Prints the summary line and returns the process exit status. */
static inline int check_exit(void) {
  printf("%d passed, %d failed\n", check_count - check_failures, check_failures);
  return check_failures ? 1 : 0;
}

/* Seeded PRNG for test data (splitmix64); tests print the seed on failure. */
static inline uint64_t check_rand_u64(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* Uniform in [-1, 1). */
static inline float check_rand_f32(uint64_t *state) {
  return (float)((double)(check_rand_u64(state) >> 11) * 0x1p-53 * 2.0 - 1.0);
}

#endif
