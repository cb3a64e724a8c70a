/* Token sampling: the order of llama.cpp's common sampler chain (common/sampling.cpp,
 * common_sampler_init: logit bias first, then penalties, top_k, top_p, min_p, temperature, dist),
 * with each step matching llama.cpp's src/llama-sampling.cpp. Candidates are ordered by logit,
 * highest first, ties by the lower token id. Top-k uses a selection (quickselect) plus a sort of
 * the k survivors; top-p without top-k sorts only as large a prefix as it needs. */
#include "text/sampler.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#include "tensor/vmath.h"

struct cand {
  float logit;
  int32_t id;
};

struct ai_sampler {
  struct ai_alloc alloc;
  anyinfer_sampler_params p; /* p.logit_bias points at bias below */
  anyinfer_logit_bias *bias; /* n_logit_bias entries, owned */
  int32_t n_vocab;
  float *work;       /* n_vocab: logits after bias and penalties, indexed by id */
  int32_t *counts;   /* n_vocab: token counts in the penalty window; all 0 between calls */
  struct cand *cand; /* n_vocab candidates */
  uint64_t rng[4];   /* xoshiro256** state */
  ai_softmax_exp_fn softmax_exp; /* this CPU's vectorized exp, for whole-vocabulary draws */
};

/* ---- PRNG: xoshiro256** (Blackman & Vigna, prng.di.unimi.it), seeded through splitmix64 ---- */

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

static uint64_t xoshiro_next(uint64_t s[4]) {
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

void ai_sampler_reseed(struct ai_sampler *s, uint64_t seed) {
  uint64_t x = seed;
  for (int i = 0; i < 4; i++) s->rng[i] = splitmix64(&x);
}

/* ---- create / free ------------------------------------------------------------------------- */

anyinfer_status ai_sampler_create(const struct ai_alloc *a, const anyinfer_sampler_params *p,
                                  int32_t n_vocab, struct ai_sampler **out, struct ai_error *err) {
  *out = NULL;
  if (n_vocab < 1)
    return ai_error_set(err, ANYINFER_E_INVAL, "sampler: n_vocab is %d, must be >= 1", n_vocab);
  if (isnan(p->temperature))
    return ai_error_set(err, ANYINFER_E_INVAL, "sampler: temperature is NaN");
  if (p->top_k < 0)
    return ai_error_set(err, ANYINFER_E_INVAL, "sampler: top_k is %d, must be >= 0", p->top_k);
  if (!(p->top_p >= 0.0f && p->top_p <= 1.0f))
    return ai_error_set(err, ANYINFER_E_INVAL, "sampler: top_p is %g, must be in [0, 1]",
                        (double)p->top_p);
  if (!(p->min_p >= 0.0f && p->min_p <= 1.0f))
    return ai_error_set(err, ANYINFER_E_INVAL, "sampler: min_p is %g, must be in [0, 1]",
                        (double)p->min_p);
  if (!(p->repeat_penalty > 0.0f) || isinf(p->repeat_penalty))
    return ai_error_set(err, ANYINFER_E_INVAL, "sampler: repeat_penalty is %g, must be > 0",
                        (double)p->repeat_penalty);
  if (!isfinite(p->presence_penalty) || !isfinite(p->frequency_penalty))
    return ai_error_set(err, ANYINFER_E_INVAL,
                        "sampler: presence_penalty %g / frequency_penalty %g must be finite",
                        (double)p->presence_penalty, (double)p->frequency_penalty);
  if (p->n_logit_bias > 0 && !p->logit_bias)
    return ai_error_set(err, ANYINFER_E_INVAL, "sampler: n_logit_bias is %zu but logit_bias NULL",
                        p->n_logit_bias);
  for (size_t i = 0; i < p->n_logit_bias; i++) {
    int32_t t = p->logit_bias[i].token;
    if (t < 0 || t >= n_vocab)
      return ai_error_set(err, ANYINFER_E_INVAL,
                          "sampler: logit_bias[%zu].token is %d, must be in [0, %d)", i, t,
                          n_vocab);
    if (isnan(p->logit_bias[i].bias))
      return ai_error_set(err, ANYINFER_E_INVAL, "sampler: logit_bias[%zu].bias is NaN", i);
  }

  struct ai_sampler *s = ai_calloc(a, 1, sizeof *s);
  if (!s) return ai_error_set(err, ANYINFER_E_NOMEM, "sampler: out of memory");
  s->alloc = *a;
  s->p = *p;
  s->n_vocab = n_vocab;
  s->work = ai_calloc(a, (size_t)n_vocab, sizeof *s->work);
  s->counts = ai_calloc(a, (size_t)n_vocab, sizeof *s->counts);
  s->cand = ai_calloc(a, (size_t)n_vocab, sizeof *s->cand);
  if (p->n_logit_bias) s->bias = ai_calloc(a, p->n_logit_bias, sizeof *s->bias);
  if (!s->work || !s->counts || !s->cand || (p->n_logit_bias && !s->bias)) {
    ai_sampler_free(s);
    return ai_error_set(err, ANYINFER_E_NOMEM, "sampler: out of memory for %d tokens", n_vocab);
  }
  if (p->n_logit_bias) memcpy(s->bias, p->logit_bias, p->n_logit_bias * sizeof *s->bias);
  s->p.logit_bias = s->bias;
  struct ai_vmath_kernels vmath;
  ai_vmath_kernels_get(ai_isa_detect(), &vmath);
  s->softmax_exp = vmath.softmax_exp;
  ai_sampler_reseed(s, p->seed);
  *out = s;
  return ANYINFER_OK;
}

void ai_sampler_free(struct ai_sampler *s) {
  if (!s) return;
  ai_free(&s->alloc, s->work);
  ai_free(&s->alloc, s->counts);
  ai_free(&s->alloc, s->cand);
  ai_free(&s->alloc, s->bias);
  ai_free(&s->alloc, s);
}

/* ---- ordering: higher logit first, then lower id (a strict total order) -------------------- */

static int better(struct cand a, struct cand b) {
  return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
}

static void swap(struct cand *a, struct cand *b) {
  struct cand t = *a;
  *a = *b;
  *b = t;
}

/* Rearranges c[0..n) so that c[0..k) are the k best candidates (in no particular order).
 * Hoare-style quickselect with a median-of-three pivot (as std::nth_element). */
static void select_best(struct cand *c, size_t n, size_t k) {
  size_t lo = 0, hi = n; /* the k-th boundary lies in [lo, hi) */
  while (hi - lo > 16) {
    size_t mid = lo + (hi - lo) / 2;
    if (better(c[mid], c[lo])) swap(&c[mid], &c[lo]);
    if (better(c[hi - 1], c[lo])) swap(&c[hi - 1], &c[lo]);
    if (better(c[hi - 1], c[mid])) swap(&c[hi - 1], &c[mid]);
    struct cand pivot = c[mid]; /* c[lo] better-or-equal, c[hi-1] worse-or-equal than pivot */
    size_t i = lo, j = hi - 1;
    for (;;) {
      while (better(c[i], pivot)) i++;
      while (better(pivot, c[j])) j--;
      if (i >= j) break;
      swap(&c[i], &c[j]);
      i++;
      j--;
    }
    /* c[lo..j] are better-or-equal than pivot, c[j+1..hi) worse-or-equal. */
    if (k <= j) {
      hi = j + 1;
    } else {
      lo = j + 1;
    }
  }
  /* Small range: insertion sort finishes the selection. */
  for (size_t i = lo + 1; i < hi; i++) {
    struct cand x = c[i];
    size_t j = i;
    while (j > lo && better(x, c[j - 1])) {
      c[j] = c[j - 1];
      j--;
    }
    c[j] = x;
  }
}

/* Sorts c[0..n) best first: heapsort, no allocation, O(n log n) whatever the input. */
static void sift_down(struct cand *c, size_t root, size_t n) {
  for (;;) {
    size_t child = 2 * root + 1;
    if (child >= n) return;
    /* a min-heap on "better", so the worst candidate ends up at the root and goes last */
    if (child + 1 < n && better(c[child], c[child + 1])) child++;
    if (!better(c[root], c[child])) return;
    swap(&c[root], &c[child]);
    root = child;
  }
}

/* c[0..n) is a heap with the worst candidate at the root: sorts it best first. */
static void heap_extract(struct cand *c, size_t n) {
  for (size_t end = n; end-- > 1;) {
    swap(&c[0], &c[end]);
    sift_down(c, 0, end);
  }
}

static void sort_best(struct cand *c, size_t n) {
  if (n < 2) return;
  for (size_t i = n / 2; i-- > 0;) sift_down(c, i, n);
  heap_extract(c, n);
}

/* top-k as llama_sampler_top_k_impl, straight from the logits: one pass keeps the k best in a
 * heap whose root is the worst kept, so most tokens cost one comparison; the k are then sorted
 * best first into c. Returns how many there are (fewer than k when fewer can be drawn). */
static size_t select_top_k(const float *work, int32_t n_vocab, size_t k, struct cand *c) {
  size_t n = 0;
  for (int32_t i = 0; i < n_vocab; i++) {
    if (!(work[i] > -INFINITY)) continue; /* -INFINITY and NaN cannot be drawn */
    struct cand x = {work[i], i};
    if (n < k) {
      c[n++] = x;
      if (n == k)
        for (size_t j = k / 2; j-- > 0;) sift_down(c, j, k);
    } else if (better(x, c[0])) {
      c[0] = x;
      sift_down(c, 0, k);
    }
  }
  if (n < k) {
    sort_best(c, n);
  } else {
    heap_extract(c, n);
  }
  return n;
}

/* Sorts the best m of c[0..n) into c[0..m). */
static void partial_sort(struct cand *c, size_t n, size_t m) {
  if (m < n) select_best(c, n, m);
  sort_best(c, m < n ? m : n);
}

/* ---- the chain ----------------------------------------------------------------------------- */

/* repeat_penalty as llama.cpp (llama_sampler_penalties_apply: divide a positive logit, multiply
 * a non-positive one); frequency and presence as OpenAI's API reference ("Parameter details"):
 * logit -= count * frequency + (count > 0) * presence. */
static void apply_penalties(struct ai_sampler *s, const int32_t *history, size_t n_history) {
  const anyinfer_sampler_params *p = &s->p;
  if (p->repeat_penalty == 1.0f && p->frequency_penalty == 0.0f && p->presence_penalty == 0.0f)
    return;
  if (p->repeat_last_n == 0 || n_history == 0 || !history) return;
  size_t n = n_history;
  if (p->repeat_last_n > 0 && (size_t)p->repeat_last_n < n) n = (size_t)p->repeat_last_n;
  const int32_t *w = history + (n_history - n);
  for (size_t i = 0; i < n; i++)
    if (w[i] >= 0 && w[i] < s->n_vocab) s->counts[w[i]]++;
  for (size_t i = 0; i < n; i++) {
    int32_t t = w[i];
    if (t < 0 || t >= s->n_vocab || s->counts[t] == 0) continue;
    float v = s->work[t];
    if (v <= 0.0f) {
      v *= p->repeat_penalty;
    } else {
      v /= p->repeat_penalty;
    }
    v -= (float)s->counts[t] * p->frequency_penalty + p->presence_penalty;
    s->work[t] = v;
    s->counts[t] = 0; /* applied once per token, and the buffer is clean for the next call */
  }
}

/* top-p (nucleus) as llama_sampler_top_p_apply: keep the shortest best-first prefix whose
 * probability mass reaches p (at least one token). The probabilities are exp(logit - max) / sum
 * over the candidates top-p saw, which the caller passes, so min-p may already have dropped the
 * tail (it keeps a best-first prefix too, and the shorter prefix wins either way). Sorts only as
 * large a prefix as it needs. */
static size_t apply_top_p(struct cand *c, size_t n, bool *sorted, float top_p, float max,
                          double sum) {
  size_t m = n;
  if (!*sorted) {
    m = n < 128 ? n : 128;
    partial_sort(c, n, m); /* c[0..m) best first */
    if (m == n) *sorted = true;
  }
  double cum = 0.0;
  for (size_t i = 0;;) {
    for (; i < m; i++) {
      cum += (double)expf(c[i].logit - max) / sum;
      if (cum >= (double)top_p) return i + 1;
    }
    if (m == n) return n;
    /* Extend the sorted prefix: the best of the rest, sorted. Doubling keeps the total work
     * O(n log n) at worst. */
    size_t next = 2 * m < n ? 2 * m : n;
    partial_sort(c + m, n - m, next - m);
    m = next;
    if (m == n) *sorted = true;
  }
}

/* Draws u in [0, sum) and returns the first index whose cumulative weight exceeds it. */
static size_t draw_index(struct ai_sampler *s, const float *weight, size_t n, double sum) {
  double u = (double)(xoshiro_next(s->rng) >> 11) * 0x1p-53 * sum;
  double cum = 0.0;
  size_t i = 0;
  /* Skip whole chunks first: four partial sums keep the additions independent. */
  for (; i + 64 <= n; i += 64) {
    float part[4] = {0};
    for (size_t j = 0; j < 64; j += 4)
      for (int k = 0; k < 4; k++) part[k] += weight[i + j + (size_t)k];
    double chunk = (double)part[0] + part[1] + part[2] + part[3];
    if (u < cum + chunk) break;
    cum += chunk;
  }
  for (; i < n; i++) {
    cum += weight[i];
    if (u < cum) return i;
  }
  /* Rounding left u at the very top: the last index with weight. */
  while (n > 1 && !(weight[n - 1] > 0.0f)) n--;
  return n - 1;
}

/* OpenAI's defaults (no top-k, top-p or min-p): temperature over the whole vocabulary, drawn in
 * id order as the candidate path would, with the CPU kernels' vectorized exp. The server runs
 * this once per sequence per step, and a scalar expf over a 150k vocabulary was 13 % of a
 * 4-sequence step. */
static int32_t sample_whole_vocab(struct ai_sampler *s) {
  float *w = s->work;
  const int32_t n = s->n_vocab;
  bool any = false;
  for (int32_t i = 0; i < n; i++) {
    bool drawable = w[i] > -INFINITY; /* -INFINITY and NaN cannot be drawn */
    w[i] = drawable ? w[i] : -INFINITY;
    any |= drawable;
  }
  if (!any) return -1;
  double sum = s->softmax_exp(w, n, 1.0f / s->p.temperature);
  return (int32_t)draw_index(s, w, (size_t)n, sum);
}

int32_t ai_sampler_sample(struct ai_sampler *s, const float *logits, const int32_t *history,
                          size_t n_history) {
  const anyinfer_sampler_params *p = &s->p;
  const int32_t n_vocab = s->n_vocab;
  memcpy(s->work, logits, (size_t)n_vocab * sizeof *s->work);
  for (size_t i = 0; i < p->n_logit_bias; i++)
    s->work[p->logit_bias[i].token] += p->logit_bias[i].bias;
  apply_penalties(s, history, n_history);

  if (!(p->temperature > 0.0f)) { /* greedy: first maximum, so ties go to the lowest id */
    int32_t best = -1;
    float best_v = -INFINITY;
    for (int32_t i = 0; i < n_vocab; i++) {
      if (s->work[i] > best_v) {
        best_v = s->work[i];
        best = i;
      }
    }
    return best;
  }

  if (p->top_k == 0 && !(p->top_p < 1.0f) && p->min_p == 0.0f) return sample_whole_vocab(s);

  /* Candidates: every token that can still be drawn (-INFINITY and NaN cannot); with top-k,
   * only the k best, sorted. */
  struct cand *c = s->cand;
  size_t n = 0;
  bool sorted = false;
  if (p->top_k > 0) {
    n = select_top_k(s->work, n_vocab, (size_t)p->top_k, c);
    sorted = true;
  } else {
    for (int32_t i = 0; i < n_vocab; i++)
      if (s->work[i] > -INFINITY) c[n++] = (struct cand){s->work[i], i};
  }
  if (n == 0) return -1;

  float max = -INFINITY;
  for (size_t i = 0; i < n; i++)
    if (c[i].logit > max) max = c[i].logit;
  double sum = 0.0; /* top-p's normalizer, over the candidates before min-p */
  if (p->top_p < 1.0f)
    for (size_t i = 0; i < n; i++) sum += (double)expf(c[i].logit - max);
  /* min-p as llama_sampler_min_p_apply: keep logit >= max + log(min_p). It comes after top-p in
   * the chain, but both keep a best-first prefix and the maximum survives top-p, so dropping the
   * tail first (keeping top-p's normalizer) gives the same set, and top-p sorts less. */
  if (p->min_p > 0.0f) {
    const float threshold = max + logf(p->min_p);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
      if (c[i].logit >= threshold) c[kept++] = c[i]; /* keeps the order, so sorted stays */
    n = kept;                                        /* the maximum survives, so n >= 1 */
  }
  if (p->top_p < 1.0f) n = apply_top_p(c, n, &sorted, p->top_p, max, sum);

  /* Temperature, then softmax (llama_sampler_temp_apply, llama_sampler_softmax_impl). The
   * maximum is unchanged by the filters. The weights go to work (free once the candidates are
   * built), in candidate order, for draw_index. */
  float *weight = s->work;
  sum = 0.0;
  for (size_t i = 0; i < n; i++) {
    weight[i] = expf((c[i].logit - max) / p->temperature);
    sum += weight[i];
  }
  return c[draw_index(s, weight, n, sum)].id;
}
