/* Unit tests for src/text/sampler.c: greedy, logit bias, each filter's exact surviving set,
 * penalty values, seed determinism and the drawn distribution. */
#include <math.h>

#include "base/alloc.h"
#include "check.h"
#include "text/sampler.h"

/* Everything off: temperature 1, no filters, no penalties. */
static anyinfer_sampler_params plain_params(void) {
  anyinfer_sampler_params p;
  memset(&p, 0, sizeof p);
  p.temperature = 1.0f;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.min_p = 0.0f;
  p.repeat_penalty = 1.0f;
  p.repeat_last_n = 64;
  p.seed = 1234;
  return p;
}

static struct ai_sampler *make(const anyinfer_sampler_params *p, int32_t n_vocab) {
  struct ai_alloc a = ai_alloc_default();
  struct ai_sampler *s = NULL;
  struct ai_error err;
  anyinfer_status st = ai_sampler_create(&a, p, n_vocab, &s, &err);
  if (st != ANYINFER_OK) fprintf(stderr, "create: %s\n", err.msg);
  return s;
}

/* Draws n tokens and records which ids ever came up (seen[n_vocab]). */
static void draw_set(struct ai_sampler *s, const float *logits, int32_t n_vocab, int n,
                     bool *seen) {
  for (int32_t i = 0; i < n_vocab; i++) seen[i] = false;
  for (int i = 0; i < n; i++) {
    int32_t t = ai_sampler_sample(s, logits, NULL, 0);
    CHECK(t >= 0 && t < n_vocab);
    if (t >= 0 && t < n_vocab) seen[t] = true;
  }
}

static void check_set(const bool *seen, const bool *want, int32_t n_vocab, const char *what) {
  for (int32_t i = 0; i < n_vocab; i++) {
    if (seen[i] != want[i]) {
      fprintf(stderr, "%s: token %d seen=%d want=%d\n", what, i, seen[i], want[i]);
      CHECK(seen[i] == want[i]);
    }
  }
}

static void test_greedy(void) {
  anyinfer_sampler_params p = plain_params();
  p.temperature = 0.0f;
  float logits[6] = {0.1f, 2.5f, -1.0f, 2.5f, 0.3f, 1.0f};
  struct ai_sampler *s = make(&p, 6);
  CHECK_EQ(ai_sampler_sample(s, logits, NULL, 0), 1); /* tie 1 vs 3: lowest id */
  ai_sampler_free(s);

  /* Negative temperature is greedy too; bias decides. */
  anyinfer_logit_bias bias[2] = {{1, -INFINITY}, {4, 1.0f}};
  p.temperature = -1.0f;
  p.logit_bias = bias;
  p.n_logit_bias = 2;
  s = make(&p, 6);
  CHECK_EQ(ai_sampler_sample(s, logits, NULL, 0), 3); /* 1 banned; 3 = 2.5 > 4 = 1.3 */
  CHECK_EQ(logits[1], 2.5f);                          /* logits untouched */
  ai_sampler_free(s);

  /* Every token banned: no token. */
  float banned[2] = {-INFINITY, -INFINITY};
  p = plain_params();
  s = make(&p, 2);
  CHECK_EQ(ai_sampler_sample(s, banned, NULL, 0), -1);
  ai_sampler_free(s);
}

static void test_bias_bans(void) {
  anyinfer_sampler_params p = plain_params();
  anyinfer_logit_bias bias[2] = {{0, -INFINITY}, {2, -INFINITY}};
  p.logit_bias = bias;
  p.n_logit_bias = 2;
  float logits[4] = {5.0f, 0.0f, 5.0f, 0.0f};
  struct ai_sampler *s = make(&p, 4);
  bool seen[4], want[4] = {false, true, false, true};
  draw_set(s, logits, 4, 2000, seen);
  check_set(seen, want, 4, "bias ban");
  ai_sampler_free(s);
}

/* logits = log of a hand-made distribution over 8 tokens:
 * id:    0     1     2     3     4     5     6     7
 * p:   0.05  0.30  0.02  0.20  0.15  0.10  0.08  0.10   (sum 1)
 * sorted best first: 1 (.30), 3 (.20), 4 (.15), 5 (.10), 7 (.10), 6 (.08), 0 (.05), 2 (.02)
 * (5 and 7 tie: 5 ranks first, lower id). */
static const float kProbs[8] = {0.05f, 0.30f, 0.02f, 0.20f, 0.15f, 0.10f, 0.08f, 0.10f};

static void filter_case(const char *what, anyinfer_sampler_params p, const bool want[8]) {
  float logits[8];
  for (int i = 0; i < 8; i++) logits[i] = logf(kProbs[i]);
  struct ai_sampler *s = make(&p, 8);
  bool seen[8];
  draw_set(s, logits, 8, 4000, seen);
  check_set(seen, want, 8, what);
  ai_sampler_free(s);
}

static void test_filters(void) {
  anyinfer_sampler_params p = plain_params();
  p.top_k = 3; /* 1, 3, 4 */
  filter_case("top_k 3", p, (const bool[8]){0, 1, 0, 1, 1, 0, 0, 0});
  p.top_k = 4; /* 1, 3, 4, 5 (5 beats 7 on the tie) */
  filter_case("top_k 4", p, (const bool[8]){0, 1, 0, 1, 1, 1, 0, 0});

  p = plain_params();
  p.top_p = 0.60f; /* cumulative .30 .50 .65: stops at 4 */
  filter_case("top_p 0.60", p, (const bool[8]){0, 1, 0, 1, 1, 0, 0, 0});
  p.top_p = 0.49f;
  filter_case("top_p 0.49", p, (const bool[8]){0, 1, 0, 1, 0, 0, 0, 0});
  p.top_p = 0.0f; /* keeps the best one */
  filter_case("top_p 0", p, (const bool[8]){0, 1, 0, 0, 0, 0, 0, 0});

  p = plain_params();
  p.min_p = 0.30f; /* keep p >= 0.3 * 0.30 = 0.09: 1 3 4 5 7 */
  filter_case("min_p 0.3", p, (const bool[8]){0, 1, 0, 1, 1, 1, 0, 1});
  p.min_p = 0.55f; /* keep p >= 0.165: 1 3 */
  filter_case("min_p 0.55", p, (const bool[8]){0, 1, 0, 1, 0, 0, 0, 0});

  /* top_p and min_p without top_k: the shorter best-first prefix wins.
   * top_p 0.9 alone keeps 1 3 4 5 7 6 (.30 .50 .65 .75 .85 .93); min_p 0.55 keeps 1 3. */
  p = plain_params();
  p.top_p = 0.9f;
  filter_case("top_p 0.9", p, (const bool[8]){0, 1, 0, 1, 1, 1, 1, 1});
  p.min_p = 0.55f;
  filter_case("top_p 0.9+min_p 0.55", p, (const bool[8]){0, 1, 0, 1, 0, 0, 0, 0});
  p.top_p = 0.29f;
  p.min_p = 0.3f; /* min_p alone would keep 1 3 4 5 7 */
  filter_case("top_p 0.29+min_p 0.3", p, (const bool[8]){0, 1, 0, 0, 0, 0, 0, 0});

  /* Chain: top_k 6 drops 0 and 2; top_p 0.8 over the renormalized six (sum .93):
   * .30/.93=.3226, +.2151=.5376, +.1613=.6989, +.1075=.8065 >= .8 -> 1 3 4 5;
   * min_p 0.6: keep >= .18 (in original scale .6 * .30) -> 1 3. */
  p = plain_params();
  p.top_k = 6;
  p.top_p = 0.8f;
  filter_case("top_k+top_p", p, (const bool[8]){0, 1, 0, 1, 1, 1, 0, 0});
  p.min_p = 0.6f;
  filter_case("top_k+top_p+min_p", p, (const bool[8]){0, 1, 0, 1, 0, 0, 0, 0});
}

/* A large vocabulary: top-p with no top-k sorts a growing prefix; the surviving set must be the
 * exact nucleus. Logits: token i gets -i/100 (descending), shuffled ids. */
static void test_top_p_large(void) {
  enum { N = 5000 };
  static float logits[N];
  uint64_t seed = 99;
  /* A permutation of ids: position r holds rank r's logit at id perm[r]. */
  static int32_t perm[N];
  for (int i = 0; i < N; i++) perm[i] = i;
  for (int i = N - 1; i > 0; i--) {
    int j = (int)(check_rand_u64(&seed) % (uint64_t)(i + 1));
    int32_t t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  for (int r = 0; r < N; r++) logits[perm[r]] = -(float)r / 100.0f;
  /* Nucleus size by hand: mass of the best m tokens in double. */
  double sum = 0.0;
  for (int r = 0; r < N; r++) sum += exp(-(double)r / 100.0);
  double cum = 0.0;
  int m = 0;
  while (cum < 0.9) cum += exp(-(double)m++ / 100.0) / sum;
  CHECK(m > 128); /* the nucleus is larger than the first sorted prefix */
  anyinfer_sampler_params p = plain_params();
  p.top_p = 0.9f;
  p.temperature = 1000.0f; /* flatten the draw so every survivor shows up */
  struct ai_sampler *s = make(&p, N);
  static bool seen[N];
  draw_set(s, logits, N, 60000, seen);
  int n_seen = 0, n_bad = 0;
  for (int r = 0; r < N; r++) {
    if (seen[perm[r]]) n_seen++;
    if (seen[perm[r]] && r >= m) n_bad++;
  }
  CHECK_EQ(n_bad, 0);
  CHECK_EQ(n_seen, m);
  ai_sampler_free(s);
}

static void test_penalties(void) {
  /* Greedy reveals the penalized logits: compare candidates against a reference token. */
  anyinfer_sampler_params p = plain_params();
  p.temperature = 0.0f;
  p.repeat_penalty = 2.0f;
  /* token 0: 4.0 -> /2 = 2.0; token 1: 2.5 untouched. 2.5 wins. */
  float l1[3] = {4.0f, 2.5f, -9.0f};
  int32_t hist[3] = {0, 0, 2};
  struct ai_sampler *s = make(&p, 3);
  CHECK_EQ(ai_sampler_sample(s, l1, hist, 3), 1);
  /* token 0: 4.0 -> 2.0; token 1 at 1.9 loses. Exact boundary: 2.0 vs 2.0 ties -> id 0. */
  float l2[3] = {4.0f, 2.0f, -9.0f};
  CHECK_EQ(ai_sampler_sample(s, l2, hist, 3), 0);
  /* negative logit multiplied: -1 -> -2 loses to -1.5 */
  float l3[3] = {-1.0f, -1.5f, -9.0f};
  CHECK_EQ(ai_sampler_sample(s, l3, hist, 3), 1);
  float l4[3] = {-1.0f, -2.0f, -9.0f}; /* -2 vs -2: tie -> id 0 */
  CHECK_EQ(ai_sampler_sample(s, l4, hist, 3), 0);
  /* window: repeat_last_n 1 only sees token 2, so token 0 keeps 4.0 */
  ai_sampler_free(s);
  p.repeat_last_n = 1;
  s = make(&p, 3);
  CHECK_EQ(ai_sampler_sample(s, l2, hist, 3), 0);
  float l5[3] = {1.0f, 1.5f, 2.0f}; /* 2 -> 1.0, so 1 wins */
  CHECK_EQ(ai_sampler_sample(s, l5, hist, 3), 1);
  ai_sampler_free(s);

  /* frequency 0.5, presence 1.0: token 0 seen twice: 4 - (2*0.5 + 1) = 2.0;
   * token 2 seen once: 3 - (0.5 + 1) = 1.5. */
  p = plain_params();
  p.temperature = 0.0f;
  p.frequency_penalty = 0.5f;
  p.presence_penalty = 1.0f;
  s = make(&p, 3);
  float l6[3] = {4.0f, 1.99f, 3.0f};
  CHECK_EQ(ai_sampler_sample(s, l6, hist, 3), 0); /* 2.0 > 1.99 > 1.5 */
  float l7[3] = {4.0f, 2.01f, 3.0f};
  CHECK_EQ(ai_sampler_sample(s, l7, hist, 3), 1);
  float l8[3] = {4.0f, -5.0f, 3.6f}; /* 2: 3.6 - 1.5 = 2.1 > 2.0 */
  CHECK_EQ(ai_sampler_sample(s, l8, hist, 3), 2);
  ai_sampler_free(s);

  /* Exact values through the distribution: with temperature 1 and two tokens whose penalized
   * logits are 0 and log 3, token 1 comes up 3/4 of the time. token 0: 1.0 with repeat 2 ->
   * 0.5, minus presence 0.5 -> 0.0. */
  p = plain_params();
  p.repeat_penalty = 2.0f;
  p.presence_penalty = 0.5f;
  s = make(&p, 2);
  float l9[2] = {1.0f, logf(3.0f)};
  int32_t h9[1] = {0};
  int n1 = 0, n = 40000;
  for (int i = 0; i < n; i++) n1 += ai_sampler_sample(s, l9, h9, 1) == 1;
  /* binomial sd = sqrt(n p (1-p)) = 86.6; 5 sd */
  CHECK_NEAR(n1, 0.75 * n, 5 * 86.6);
  ai_sampler_free(s);
}

static void test_seed(void) {
  enum { V = 50, N = 200 };
  float logits[V];
  uint64_t st = 7;
  for (int i = 0; i < V; i++) logits[i] = check_rand_f32(&st);
  anyinfer_sampler_params p = plain_params();
  p.seed = 42;
  struct ai_sampler *a = make(&p, V), *b = make(&p, V);
  p.seed = 43;
  struct ai_sampler *c = make(&p, V);
  int32_t sa[N], sb[N], sc[N];
  for (int i = 0; i < N; i++) {
    sa[i] = ai_sampler_sample(a, logits, NULL, 0);
    sb[i] = ai_sampler_sample(b, logits, NULL, 0);
    sc[i] = ai_sampler_sample(c, logits, NULL, 0);
  }
  CHECK(memcmp(sa, sb, sizeof sa) == 0);
  CHECK(memcmp(sa, sc, sizeof sa) != 0);
  ai_sampler_reseed(a, 42);
  int same = 1;
  for (int i = 0; i < N; i++) same &= ai_sampler_sample(a, logits, NULL, 0) == sb[i];
  CHECK(same);
  ai_sampler_free(a);
  ai_sampler_free(b);
  ai_sampler_free(c);
}

static void test_distribution(void) {
  const double probs[5] = {0.4, 0.25, 0.2, 0.1, 0.05};
  float logits[5];
  for (int i = 0; i < 5; i++) logits[i] = (float)log(probs[i]) + 3.0f; /* shift-invariant */
  anyinfer_sampler_params p = plain_params();
  p.seed = 2024;
  struct ai_sampler *s = make(&p, 5);
  enum { N = 100000 };
  int counts[5] = {0};
  for (int i = 0; i < N; i++) {
    int32_t t = ai_sampler_sample(s, logits, NULL, 0);
    CHECK(t >= 0 && t < 5);
    if (t >= 0 && t < 5) counts[t]++;
  }
  for (int i = 0; i < 5; i++) {
    double sd = sqrt(N * probs[i] * (1 - probs[i]));
    CHECK_NEAR(counts[i], N * probs[i], 5 * sd); /* 5 sigma: fails by chance ~1e-6 */
  }
  /* Temperature 0.5 squares the probabilities: p_i^2 / sum p^2. */
  ai_sampler_free(s);
  p.temperature = 0.5f;
  s = make(&p, 5);
  double sq = 0;
  for (int i = 0; i < 5; i++) sq += probs[i] * probs[i];
  memset(counts, 0, sizeof counts);
  for (int i = 0; i < N; i++) {
    int32_t t = ai_sampler_sample(s, logits, NULL, 0);
    if (t >= 0 && t < 5) counts[t]++;
  }
  for (int i = 0; i < 5; i++) {
    double q = probs[i] * probs[i] / sq;
    CHECK_NEAR(counts[i], N * q, 5 * sqrt(N * q * (1 - q)));
  }
  ai_sampler_free(s);
}

/* A vocabulary of odd size with its mass far past the first chunks of the whole-vocabulary draw,
 * NaN and -INFINITY logits that must never be drawn: the whole-vocabulary path (OpenAI's defaults)
 * and the candidate path (top_k = the vocabulary, which keeps every token) both match the
 * softmax at temperature 0.7. */
static void test_whole_vocab(void) {
  enum { V = 1237, N = 60000 };
  static float logits[V];
  static double want[V];
  static int counts[V];
  for (int i = 0; i < V; i++) logits[i] = -4.0f - (float)(i % 7);
  const int heavy[4] = {130, 700, 1201, 1236};
  for (int i = 0; i < 4; i++) logits[heavy[i]] = 1.0f + 0.5f * (float)i;
  logits[5] = NAN;
  logits[900] = -INFINITY;
  const float temp = 0.7f;
  double z = 0;
  for (int i = 0; i < V; i++) {
    want[i] = logits[i] > -INFINITY ? exp((double)logits[i] / temp) : 0.0;
    z += want[i];
  }
  for (int top_k = 0; top_k <= V; top_k += V) {
    anyinfer_sampler_params p = plain_params();
    p.temperature = temp;
    p.top_k = top_k;
    struct ai_sampler *s = make(&p, V);
    memset(counts, 0, sizeof counts);
    int tail = 0;
    for (int n = 0; n < N; n++) {
      int32_t t = ai_sampler_sample(s, logits, NULL, 0);
      CHECK(t >= 0 && t < V);
      if (t >= 0 && t < V) counts[t]++;
    }
    CHECK_EQ(counts[5], 0);
    CHECK_EQ(counts[900], 0);
    double tail_p = 1.0;
    for (int i = 0; i < 4; i++) {
      double q = want[heavy[i]] / z;
      tail_p -= q;
      CHECK_NEAR(counts[heavy[i]], N * q, 5 * sqrt(N * q * (1 - q)));
      tail += counts[heavy[i]];
    }
    tail = N - tail; /* every light token together */
    CHECK_NEAR(tail, N * tail_p, 5 * sqrt(N * tail_p * (1 - tail_p)));
    ai_sampler_free(s);
  }
}

static void test_errors(void) {
  struct ai_alloc a = ai_alloc_default();
  struct ai_sampler *s = (struct ai_sampler *)1;
  struct ai_error err;
  anyinfer_sampler_params p = plain_params();
  CHECK_EQ(ai_sampler_create(&a, &p, 0, &s, &err), ANYINFER_E_INVAL);
  CHECK(s == NULL);
  p.top_p = 1.5f;
  CHECK_EQ(ai_sampler_create(&a, &p, 10, &s, &err), ANYINFER_E_INVAL);
  CHECK(strstr(err.msg, "top_p") != NULL);
  p = plain_params();
  anyinfer_logit_bias bias = {10, 1.0f};
  p.logit_bias = &bias;
  p.n_logit_bias = 1;
  CHECK_EQ(ai_sampler_create(&a, &p, 10, &s, &err), ANYINFER_E_INVAL);
  CHECK(strstr(err.msg, "logit_bias[0].token is 10") != NULL);

  /* Out of memory at every allocation: NOMEM, nothing leaked. */
  bias.token = 3;
  for (uint64_t n = 1;; n++) {
    struct ai_alloc_fault fault = {.fail_at = n};
    struct ai_alloc fa = ai_alloc_make(ai_alloc_fault_fn, &fault);
    anyinfer_status st = ai_sampler_create(&fa, &p, 10, &s, &err);
    if (st == ANYINFER_OK) {
      ai_sampler_free(s);
      CHECK_EQ(fault.n_live, 0);
      break;
    }
    CHECK_EQ(st, ANYINFER_E_NOMEM);
    CHECK_EQ(fault.n_live, 0);
  }
}

int main(void) {
  test_greedy();
  test_bias_bans();
  test_filters();
  test_top_p_large();
  test_penalties();
  test_seed();
  test_distribution();
  test_whole_vocab();
  test_errors();
  return check_exit();
}
