/* Unit tests for src/text/stop.c: a stop string split across pieces at every split point,
 * overlapping and several stops, hold-back released by flush, errors and out-of-memory. */
#include "base/alloc.h"
#include "check.h"
#include "text/stop.h"

struct run {
  char out[512]; /* everything emitted */
  size_t n_out;
  bool stopped;
  size_t i_stop;
  size_t max_held; /* most bytes ever held back after a feed */
};

static struct ai_stop_matcher *make(const char *const *stops, size_t n) {
  struct ai_alloc a = ai_alloc_default();
  struct ai_stop_matcher *m = NULL;
  struct ai_error err;
  CHECK_EQ(ai_stop_create(&a, stops, n, &m, &err), ANYINFER_OK);
  return m;
}

static void emit(struct run *r, const struct ai_stop_result *res) {
  CHECK(r->n_out + res->len <= sizeof r->out);
  if (r->n_out + res->len > sizeof r->out) return;
  memcpy(r->out + r->n_out, res->text, res->len);
  r->n_out += res->len;
  if (res->stopped) {
    r->stopped = true;
    r->i_stop = res->i_stop;
  }
}

/* Feeds text cut at the given split offsets (ascending, n_cuts of them), then flushes. */
static struct run feed_cuts(struct ai_stop_matcher *m, const char *text, const size_t *cuts,
                            size_t n_cuts) {
  struct run r;
  memset(&r, 0, sizeof r);
  ai_stop_reset(m);
  size_t len = strlen(text), at = 0, fed = 0;
  for (size_t c = 0; c <= n_cuts; c++) {
    size_t end = c < n_cuts ? cuts[c] : len;
    struct ai_stop_result res;
    struct ai_error err;
    CHECK_EQ(ai_stop_feed(m, text + at, end - at, &res, &err), ANYINFER_OK);
    fed += end - at;
    emit(&r, &res);
    if (!r.stopped && fed - r.n_out > r.max_held) r.max_held = fed - r.n_out;
    at = end;
  }
  struct ai_stop_result res;
  ai_stop_flush(m, &res);
  emit(&r, &res);
  return r;
}

static void expect(struct run r, const char *out, bool stopped, size_t i_stop, const char *what) {
  bool ok = r.n_out == strlen(out) && memcmp(r.out, out, r.n_out) == 0 && r.stopped == stopped &&
            (!stopped || r.i_stop == i_stop);
  if (!ok)
    fprintf(stderr, "%s: got \"%.*s\" stopped=%d i=%zu, want \"%s\" stopped=%d i=%zu\n", what,
            (int)r.n_out, r.out, r.stopped, r.i_stop, out, stopped, i_stop);
  CHECK(ok);
}

static void test_every_split(void) {
  const char *stops[1] = {"</end>"};
  struct ai_stop_matcher *m = make(stops, 1);
  const char *text = "hello </e world </end> tail";
  size_t len = strlen(text);
  /* One cut at every position, and two cuts at every pair of positions. */
  for (size_t i = 0; i <= len; i++) {
    expect(feed_cuts(m, text, &i, 1), "hello </e world ", true, 0, "one cut");
    for (size_t j = i; j <= len; j++) {
      size_t cuts[2] = {i, j};
      expect(feed_cuts(m, text, cuts, 2), "hello </e world ", true, 0, "two cuts");
    }
  }
  /* Byte by byte. */
  size_t cuts[64];
  for (size_t i = 0; i < len; i++) cuts[i] = i + 1;
  struct run r = feed_cuts(m, text, cuts, len);
  expect(r, "hello </e world ", true, 0, "bytewise");
  CHECK(r.max_held <= 5); /* never more than the stop string minus one byte */
  ai_stop_free(m);
}

static void test_overlapping(void) {
  /* Self-overlap: "xxy" in "axxxy": "a" and the first x are emitted, the stop starts at 2. */
  const char *s1[1] = {"xxy"};
  struct ai_stop_matcher *m = make(s1, 1);
  size_t cuts[5] = {1, 2, 3, 4, 5};
  expect(feed_cuts(m, "axxxyb", cuts, 5), "ax", true, 0, "self-overlap");
  ai_stop_free(m);

  /* Two stops where one lies inside the other: "abcd" and "bc". Fed up to "zabc", "bc" is
   * complete and "abcd" not yet, so "bc" stops at once. */
  const char *s2[2] = {"abcd", "bc"};
  m = make(s2, 2);
  size_t c2[3] = {1, 2, 4};
  expect(feed_cuts(m, "zabcd", c2, 3), "za", true, 1, "inner stop");
  /* Same text whole: both match, "bc" starts later but "abcd" starts first. */
  expect(feed_cuts(m, "zabcd", NULL, 0), "z", true, 0, "earliest start");
  ai_stop_free(m);

  /* Prefix pair: "ab" and "abc" at the same position: the shorter completes first. */
  const char *s3[2] = {"abc", "ab"};
  m = make(s3, 2);
  expect(feed_cuts(m, "12abc", NULL, 0), "12", true, 1, "prefix pair");
  ai_stop_free(m);
}

static void test_several(void) {
  const char *stops[3] = {"<|im_end|>", "\n\nUser:", "STOP"};
  struct ai_stop_matcher *m = make(stops, 3);
  size_t cuts[3] = {3, 9, 14};
  expect(feed_cuts(m, "Sure.\n\nUser: hi", cuts, 3), "Sure.", true, 1, "second stop");
  expect(feed_cuts(m, "a <|im_e STOP", cuts, 2), "a <|im_e ", true, 2, "third stop");
  expect(feed_cuts(m, "x<|im_end|>STOP", cuts, 1), "x", true, 0, "first stop");
  /* After a stop, more text is swallowed. */
  struct ai_stop_result res;
  struct ai_error err;
  CHECK_EQ(ai_stop_feed(m, "more", 4, &res, &err), ANYINFER_OK);
  CHECK_EQ(res.len, 0);
  CHECK(res.stopped);
  ai_stop_free(m);
}

static void test_flush(void) {
  const char *stops[1] = {"###"};
  struct ai_stop_matcher *m = make(stops, 1);
  struct ai_stop_result res;
  struct ai_error err;
  ai_stop_reset(m);
  CHECK_EQ(ai_stop_feed(m, "ab##", 4, &res, &err), ANYINFER_OK);
  CHECK_EQ(res.len, 2); /* "##" held */
  CHECK(!res.stopped);
  ai_stop_flush(m, &res);
  CHECK_EQ(res.len, 2);
  CHECK(memcmp(res.text, "##", 2) == 0);
  ai_stop_flush(m, &res);
  CHECK_EQ(res.len, 0);
  /* Text with no prefix of a stop string at its end is emitted at once. */
  CHECK_EQ(ai_stop_feed(m, "#a#b", 4, &res, &err), ANYINFER_OK);
  CHECK_EQ(res.len, 4); /* "#a#b" ends in "b": nothing held */
  ai_stop_free(m);

  /* No stops at all: everything passes through; empty strings are ignored. */
  const char *empty[1] = {""};
  m = make(empty, 1);
  expect(feed_cuts(m, "abc", NULL, 0), "abc", false, 0, "empty stop");
  ai_stop_free(m);
  m = make(NULL, 0);
  expect(feed_cuts(m, "abc", NULL, 0), "abc", false, 0, "no stops");
  ai_stop_free(m);
}

static void test_long_piece_and_oom(void) {
  const char *stops[1] = {"END"};
  struct ai_stop_matcher *m = make(stops, 1);
  static char big[2000];
  memset(big, 'q', sizeof big);
  memcpy(big + sizeof big - 2, "EN", 2);
  struct ai_stop_result res;
  struct ai_error e;
  ai_stop_reset(m);
  CHECK_EQ(ai_stop_feed(m, big, sizeof big, &res, &e), ANYINFER_OK); /* grows the buffer */
  CHECK_EQ(res.len, sizeof big - 2);
  CHECK(res.text[0] == 'q' && res.text[res.len - 1] == 'q');
  CHECK_EQ(ai_stop_feed(m, "D!", 2, &res, &e), ANYINFER_OK);
  CHECK(res.stopped);
  CHECK_EQ(res.len, 0);
  ai_stop_free(m);

  struct ai_error err;
  struct ai_stop_matcher *mm = NULL;
  CHECK_EQ(ai_stop_create(&(struct ai_alloc){0}, (const char *const *)NULL, 2, &mm, &err),
           ANYINFER_E_INVAL);
  for (uint64_t n = 1;; n++) {
    struct ai_alloc_fault fault = {.fail_at = n};
    struct ai_alloc fa = ai_alloc_make(ai_alloc_fault_fn, &fault);
    anyinfer_status st = ai_stop_create(&fa, stops, 1, &mm, &err);
    if (st == ANYINFER_OK) {
      ai_stop_free(mm);
      CHECK_EQ(fault.n_live, 0);
      break;
    }
    CHECK_EQ(st, ANYINFER_E_NOMEM);
    CHECK(mm == NULL);
    CHECK_EQ(fault.n_live, 0);
  }
}

int main(void) {
  test_every_split();
  test_overlapping();
  test_several();
  test_flush();
  test_long_piece_and_oom();
  return check_exit();
}
