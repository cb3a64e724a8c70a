/* The engine through the public API on synthesized models (test-llama: SentencePiece, GQA;
 * test-qwen2: BPE, QKV biases, NeoX rope, tied output). What it checks holds for any correct
 * implementation, whatever the weights:
 *  - the KV cache: logits of a batched prompt equal those of the same tokens one at a time, and
 *    of the same tokens split into uneven batches; truncate + re-evaluate reproduces them;
 *  - decode_all's rows equal the per-position logits;
 *  - generation: greedy and seeded sampling are deterministic, max_tokens and stop reasons hold,
 *    a prompt longer than the context is refused with nothing evaluated;
 *  - errors: vocab-only sessions, bad tokens, unknown backends, corrupt files; and out-of-memory
 *    at every allocation of model load and session creation leaks nothing. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <unistd.h>

#include "anyinfer.h"
#include "base/alloc.h"
#include "check.h"

static char model_paths[2][256];

static void make_models(void) {
  const char *names[2] = {"test-llama", "test-qwen2"};
  for (int i = 0; i < 2; i++) {
    snprintf(model_paths[i], sizeof model_paths[i], "/tmp/anyinfer-test-engine-%d-%s.gguf",
             (int)getpid(), names[i]);
    anyinfer_file_params fp;
    anyinfer_file_default_params(&fp);
    fp.type = i == 0 ? "Q8_0" : "F32";
    fp.seed = 7;
    anyinfer_status st = anyinfer_synth(names[i], model_paths[i], &fp);
    CHECK_EQ(st, ANYINFER_OK);
    if (st != ANYINFER_OK) exit(check_exit());
  }
}

static anyinfer_session *open_session(const anyinfer_model *m, int n_ctx, int n_batch,
                                      int n_threads) {
  anyinfer_session_params sp;
  anyinfer_session_default_params(&sp);
  sp.n_ctx = n_ctx;
  sp.n_batch = n_batch;
  sp.n_threads = n_threads;
  anyinfer_session *s = NULL;
  CHECK_EQ(anyinfer_session_create(m, &sp, &s), ANYINFER_OK);
  return s;
}

static double max_abs_diff(const float *a, const float *b, size_t n) {
  double d = 0;
  for (size_t i = 0; i < n; i++)
    if (fabs((double)a[i] - b[i]) > d) d = fabs((double)a[i] - b[i]);
  return d;
}

static void test_kv_cache(const anyinfer_model *m) {
  anyinfer_model_info info;
  anyinfer_model_get_info(m, &info);
  size_t nv = (size_t)info.n_vocab;
  enum { N = 23 };
  int32_t toks[N];
  for (int i = 0; i < N; i++) toks[i] = (i * 37 + 5) % info.n_vocab;
  float *all = malloc(sizeof(float) * nv * N);
  /* Reference: every token's logits from one batched call. */
  anyinfer_session *s = open_session(m, 64, 64, 2);
  CHECK_EQ(anyinfer_session_decode_all(s, toks, N, all), ANYINFER_OK);
  CHECK_EQ(anyinfer_session_n_past(s), N);
  /* One token at a time (gemv path, cache grows by one) on a 1-thread session. */
  anyinfer_session *s1 = open_session(m, 64, 64, 1);
  double worst = 0;
  for (int i = 0; i < N; i++) {
    const float *logits = NULL;
    CHECK_EQ(anyinfer_session_decode(s1, &toks[i], 1, &logits), ANYINFER_OK);
    double d = max_abs_diff(logits, all + (size_t)i * nv, nv);
    if (d > worst) worst = d;
  }
  /* Activations are quantized per token either way, so batched and single-token results agree
   * up to float summation order. */
  CHECK(worst < 1e-3);
  if (worst >= 1e-3) printf("incremental vs batched: max |diff| %g\n", worst);
  /* Uneven batches (n_batch 5) and a truncate-and-redo of the tail. */
  anyinfer_session *s5 = open_session(m, 64, 5, 3);
  const float *last = NULL;
  CHECK_EQ(anyinfer_session_decode(s5, toks, N, &last), ANYINFER_OK);
  CHECK(max_abs_diff(last, all + (size_t)(N - 1) * nv, nv) < 1e-3);
  CHECK_EQ(anyinfer_session_truncate(s5, 10), ANYINFER_OK);
  CHECK_EQ(anyinfer_session_decode(s5, toks + 10, N - 10, &last), ANYINFER_OK);
  CHECK(max_abs_diff(last, all + (size_t)(N - 1) * nv, nv) < 1e-3);
  CHECK_EQ(anyinfer_session_truncate(s5, N + 1), ANYINFER_E_INVAL);
  /* The context limit: nothing is evaluated when tokens do not fit. */
  int32_t many[64] = {0};
  CHECK_EQ(anyinfer_session_decode(s5, many, 64 - N + 1, NULL), ANYINFER_E_CONTEXT_FULL);
  CHECK_EQ(anyinfer_session_n_past(s5), N);
  CHECK(strstr(anyinfer_session_last_error(s5), "do not fit") != NULL);
  int32_t bad = info.n_vocab;
  CHECK_EQ(anyinfer_session_decode(s5, &bad, 1, NULL), ANYINFER_E_INVAL);
  /* Logits are finite and not all equal (the forward pass did something). */
  int finite = 1;
  for (size_t i = 0; i < nv; i++) finite &= isfinite(all[i]);
  CHECK(finite);
  CHECK(all[0] != all[1] || all[1] != all[2]);
  anyinfer_session_free(s);
  anyinfer_session_free(s1);
  anyinfer_session_free(s5);
  free(all);
}

struct collected {
  char text[4096];
  size_t len;
  int calls;
};

static bool collect(const char *text, size_t len, void *user_data) {
  struct collected *c = user_data;
  if (c->len + len < sizeof c->text) memcpy(c->text + c->len, text, len), c->len += len;
  c->text[c->len] = '\0';
  c->calls++;
  return true;
}

static void generate(const anyinfer_model *m, const anyinfer_generate_params *gp,
                     struct collected *out, anyinfer_generate_result *res) {
  int32_t prompt[64];
  size_t n = 0;
  CHECK_EQ(anyinfer_tokenize(m, "hello there", 11, true, false, prompt, 64, &n), ANYINFER_OK);
  anyinfer_session *s = open_session(m, 128, 32, 2);
  memset(out, 0, sizeof *out);
  CHECK_EQ(anyinfer_session_generate(s, prompt, n, gp, collect, out, res), ANYINFER_OK);
  CHECK_EQ(res->n_prompt_tokens, (int)n);
  anyinfer_session_free(s);
}

static void test_generate(const anyinfer_model *m) {
  anyinfer_generate_params gp;
  anyinfer_generate_default_params(&gp);
  gp.max_tokens = 12;
  gp.sampler.temperature = 0;
  struct collected a, b;
  anyinfer_generate_result ra, rb;
  generate(m, &gp, &a, &ra);
  generate(m, &gp, &b, &rb);
  CHECK_EQ(a.len, b.len);
  CHECK(memcmp(a.text, b.text, a.len) == 0);
  CHECK(ra.n_generated_tokens <= 12);
  CHECK(ra.stop_reason == ANYINFER_STOP_MAX_TOKENS || ra.stop_reason == ANYINFER_STOP_EOG);
  /* Seeded sampling: same seed, same text. */
  gp.sampler.temperature = 1.0f;
  gp.sampler.top_k = 0;
  gp.sampler.top_p = 1.0f;
  gp.sampler.min_p = 0.0f;
  gp.sampler.seed = 99;
  generate(m, &gp, &a, &ra);
  generate(m, &gp, &b, &rb);
  CHECK_EQ(a.len, b.len);
  CHECK(memcmp(a.text, b.text, a.len) == 0);
  /* A stop string made of the first generated bytes stops at once and is not emitted. */
  if (a.len >= 2 && ra.n_generated_tokens >= 2) {
    char stop[3] = {a.text[0], a.text[1], 0};
    const char *stops[1] = {stop};
    gp.stop = stops;
    gp.n_stop = 1;
    generate(m, &gp, &b, &rb);
    CHECK_EQ(rb.stop_reason, ANYINFER_STOP_STRING);
    CHECK_EQ(b.len, 0);
    gp.stop = NULL;
    gp.n_stop = 0;
  }
  /* A prompt longer than the context: refused before any callback. */
  anyinfer_session *s = open_session(m, 16, 16, 1);
  int32_t prompt[17] = {0};
  struct collected c = {0};
  anyinfer_generate_result r;
  CHECK_EQ(anyinfer_session_generate(s, prompt, 17, &gp, collect, &c, &r), ANYINFER_E_CONTEXT_FULL);
  CHECK_EQ(c.calls, 0);
  CHECK_EQ(anyinfer_session_n_past(s), 0);
  /* Filling the context while generating is a normal stop. */
  gp.max_tokens = -1;
  gp.sampler.logit_bias = NULL;
  anyinfer_model_info info;
  anyinfer_model_get_info(m, &info);
  anyinfer_logit_bias ban = {info.eos_token, -INFINITY};
  gp.sampler.logit_bias = &ban;
  gp.sampler.n_logit_bias = info.eos_token >= 0 ? 1 : 0;
  CHECK_EQ(anyinfer_session_generate(s, prompt, 10, &gp, collect, &c, &r), ANYINFER_OK);
  if (r.stop_reason != ANYINFER_STOP_EOG) CHECK_EQ(r.stop_reason, ANYINFER_STOP_CONTEXT);
  anyinfer_session_free(s);
}

static void test_errors(void) {
  anyinfer_model *m = NULL;
  char err[256] = "";
  anyinfer_model_params p;
  anyinfer_model_default_params(&p);
  p.error_buf = err;
  p.error_cap = sizeof err;
  CHECK_EQ(anyinfer_model_load("/nonexistent.gguf", &p, &m), ANYINFER_E_IO);
  CHECK(m == NULL);
  CHECK(strstr(err, "/nonexistent.gguf") != NULL);
  /* A truncated copy of a real model. */
  char path[256];
  snprintf(path, sizeof path, "/tmp/anyinfer-test-engine-%d-trunc.gguf", (int)getpid());
  FILE *in = fopen(model_paths[0], "rb"), *out = fopen(path, "wb");
  char buf[4096];
  size_t n = fread(buf, 1, sizeof buf, in);
  fwrite(buf, 1, n / 2, out);
  fclose(in);
  fclose(out);
  CHECK_EQ(anyinfer_model_load(path, &p, &m), ANYINFER_E_FORMAT);
  CHECK(err[0] != '\0');
  unlink(path);
  /* Vocab-only: tokenizes, but has no session. */
  p.vocab_only = true;
  CHECK_EQ(anyinfer_model_load(model_paths[0], &p, &m), ANYINFER_OK);
  anyinfer_session *s = NULL;
  CHECK_EQ(anyinfer_session_create(m, NULL, &s), ANYINFER_E_INVAL);
  CHECK(s == NULL);
  anyinfer_model_free(m);
  p.vocab_only = false;
  CHECK_EQ(anyinfer_model_load(model_paths[0], &p, &m), ANYINFER_OK);
  anyinfer_session_params sp;
  anyinfer_session_default_params(&sp);
  sp.backend = "tpu";
  CHECK_EQ(anyinfer_session_create(m, &sp, &s), ANYINFER_E_UNSUPPORTED);
  anyinfer_model_free(m);
}

/* Fails allocation N = 1, 2, ... of load + session create until both succeed; every failure
 * must be E_NOMEM with nothing left allocated. */
static void test_out_of_memory(void) {
  int failures = 0;
  for (uint64_t n = 1; n < 10000; n++) {
    struct ai_alloc_fault fault = {.fail_at = n};
    anyinfer_model_params p;
    anyinfer_model_default_params(&p);
    p.alloc = ai_alloc_fault_fn;
    p.alloc_user_data = &fault;
    anyinfer_model *m = NULL;
    anyinfer_session *s = NULL;
    anyinfer_status st = anyinfer_model_load(model_paths[1], &p, &m);
    if (st == ANYINFER_OK) st = anyinfer_session_create(m, NULL, &s);
    bool done = st == ANYINFER_OK;
    if (!done && st != ANYINFER_E_NOMEM) failures++;
    anyinfer_session_free(s);
    anyinfer_model_free(m);
    if (fault.n_live != 0) failures++;
    if (done) break;
  }
  CHECK_EQ(failures, 0);
}

int main(void) {
  make_models();
  for (int i = 0; i < 2; i++) {
    anyinfer_model *m = NULL;
    CHECK_EQ(anyinfer_model_load(model_paths[i], NULL, &m), ANYINFER_OK);
    if (!m) continue;
    test_kv_cache(m);
    test_generate(m);
    anyinfer_model_free(m);
  }
  test_errors();
  test_out_of_memory();
  for (int i = 0; i < 2; i++) unlink(model_paths[i]);
  return check_exit();
}
