/* The generator step through the public API on a synthesized model: greedy steps follow the
 * argmax and report sorted top log-probabilities that match a log-softmax computed here; the
 * JSON-object constraint only ever emits text that continues a JSON object (checked over many
 * seeds) and, with the braces biased up, yields exactly "{}" and stops; max_tokens and finish. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <unistd.h>

#include "anyinfer.h"
#include "check.h"
#include "text/json_grammar.h"

static anyinfer_model *load(void) {
  char path[256];
  snprintf(path, sizeof path, "/tmp/anyinfer-test-generator-%d.gguf", (int)getpid());
  anyinfer_file_params fp;
  anyinfer_file_default_params(&fp);
  fp.type = "Q8_0";
  fp.seed = 5;
  CHECK_EQ(anyinfer_synth("test-qwen2", path, &fp), ANYINFER_OK);
  anyinfer_model *m = NULL;
  CHECK_EQ(anyinfer_model_load(path, NULL, &m), ANYINFER_OK);
  unlink(path);
  return m;
}

static int32_t token_of(const anyinfer_model *m, const char *text) {
  int32_t t[4];
  size_t n = 0;
  CHECK_EQ(anyinfer_tokenize(m, text, strlen(text), false, false, t, 4, &n), ANYINFER_OK);
  CHECK_EQ(n, 1);
  return t[0];
}

static void test_logprobs(anyinfer_model *m, anyinfer_session *s, size_t nv) {
  anyinfer_generate_params gp;
  anyinfer_generate_default_params(&gp);
  gp.sampler.temperature = 0;
  gp.has_logprobs = true;
  gp.top_logprobs = 5;
  gp.max_tokens = 3;
  anyinfer_generator *g = NULL;
  CHECK_EQ(anyinfer_generator_create(m, &gp, &g), ANYINFER_OK);
  if (!g) return;
  int32_t prompt[3] = {11, 12, 13};
  const float *l = NULL;
  CHECK_EQ(anyinfer_session_decode(s, prompt, 3, &l), ANYINFER_OK);
  anyinfer_step st;
  int steps = 0;
  do {
    CHECK_EQ(anyinfer_generator_step(g, l, prompt, 3, &st), ANYINFER_OK);
    double max = -INFINITY, sum = 0;
    for (size_t i = 0; i < nv; i++) max = l[i] > max ? l[i] : max;
    for (size_t i = 0; i < nv; i++) sum += exp(l[i] - max);
    CHECK_EQ(st.n_top, 5);
    CHECK_EQ(st.top[0].token, st.token); /* greedy takes the most likely */
    CHECK(fabs(st.logprob - (l[st.token] - max - log(sum))) < 1e-4);
    for (int i = 1; i < st.n_top; i++) CHECK(st.top[i].logprob <= st.top[i - 1].logprob);
    for (int i = 0; i < st.n_top; i++)
      CHECK(fabs(st.top[i].logprob - (l[st.top[i].token] - max - log(sum))) < 1e-4);
    steps++;
    if (!st.is_done) CHECK_EQ(anyinfer_session_decode(s, &st.token, 1, &l), ANYINFER_OK);
  } while (!st.is_done && l);
  CHECK(steps == 3 || st.reason == ANYINFER_STOP_EOG);
  if (steps == 3) CHECK_EQ(st.reason, ANYINFER_STOP_MAX_TOKENS);
  CHECK_EQ(anyinfer_generator_step(g, l, NULL, 0, &st), ANYINFER_E_INVAL);
  anyinfer_generator_finish(g, ANYINFER_STOP_CONTEXT, &st); /* already done: nothing new */
  CHECK(st.is_done && st.len == 0 && st.reason == ANYINFER_STOP_CONTEXT);
  anyinfer_generator_free(g);
  /* finish mid-way: done with the outside reason; the generator then refuses to step. */
  gp.max_tokens = -1;
  CHECK_EQ(anyinfer_generator_create(m, &gp, &g), ANYINFER_OK);
  CHECK_EQ(anyinfer_generator_step(g, l, NULL, 0, &st), ANYINFER_OK);
  anyinfer_generator_finish(g, ANYINFER_STOP_CONTEXT, &st);
  CHECK(st.is_done && (st.reason == ANYINFER_STOP_CONTEXT || st.reason == ANYINFER_STOP_STRING));
  CHECK_EQ(anyinfer_generator_n_generated(g), 1);
  CHECK_EQ(anyinfer_generator_step(g, l, NULL, 0, &st), ANYINFER_E_INVAL);
  CHECK(strstr(anyinfer_generator_last_error(g), "done") != NULL);
  anyinfer_generator_free(g);
  gp.top_logprobs = 21;
  char msg[128] = "";
  gp.error_buf = msg;
  gp.error_cap = sizeof msg;
  CHECK_EQ(anyinfer_generator_create(m, &gp, &g), ANYINFER_E_INVAL);
  CHECK(g == NULL && strstr(msg, "top_logprobs") != NULL);
}

/* Runs a JSON-constrained generation; returns the text (caller frees) and its stop reason. */
static char *run_json(anyinfer_model *m, anyinfer_session *s, const anyinfer_generate_params *gp,
                      anyinfer_stop_reason *reason) {
  anyinfer_generator *g = NULL;
  CHECK_EQ(anyinfer_generator_create(m, gp, &g), ANYINFER_OK);
  char *text = calloc(1, 4096);
  size_t len = 0;
  CHECK_EQ(anyinfer_session_truncate(s, 0), ANYINFER_OK);
  int32_t prompt[2] = {21, 22};
  const float *l = NULL;
  CHECK_EQ(anyinfer_session_decode(s, prompt, 2, &l), ANYINFER_OK);
  anyinfer_step st = {.is_done = true};
  while (g && l) {
    if (anyinfer_generator_step(g, l, NULL, 0, &st) != ANYINFER_OK) break;
    if (len + st.len < 4096) memcpy(text + len, st.text, st.len), len += st.len;
    if (st.is_done || anyinfer_session_decode(s, &st.token, 1, &l) != ANYINFER_OK) break;
  }
  CHECK(st.is_done);
  *reason = st.reason;
  anyinfer_generator_free(g);
  return text;
}

static void test_json(anyinfer_model *m, anyinfer_session *s) {
  anyinfer_generate_params gp;
  anyinfer_generate_default_params(&gp);
  gp.is_json_object = true;
  gp.max_tokens = 24;
  for (uint64_t seed = 1; seed <= 6; seed++) {
    gp.sampler.seed = seed;
    anyinfer_stop_reason reason;
    char *text = run_json(m, s, &gp, &reason);
    struct ai_json_state js;
    ai_json_init(&js, true);
    CHECK(ai_json_feed(&js, text, strlen(text)));
    CHECK(strchr(text, '{') != NULL);
    if (reason == ANYINFER_STOP_EOG)
      CHECK(ai_json_is_complete(&js));
    else
      CHECK_EQ(reason, ANYINFER_STOP_MAX_TOKENS);
    free(text);
  }
  anyinfer_logit_bias bias[2] = {{token_of(m, "{"), 100.0f}, {token_of(m, "}"), 100.0f}};
  gp.sampler.logit_bias = bias;
  gp.sampler.n_logit_bias = 2;
  anyinfer_stop_reason reason;
  char *text = run_json(m, s, &gp, &reason);
  CHECK_STREQ(text, "{}");
  CHECK_EQ(reason, ANYINFER_STOP_EOG);
  free(text);
}

int main(void) {
  anyinfer_model *m = load();
  if (!m) return check_exit();
  anyinfer_model_info info;
  anyinfer_model_get_info(m, &info);
  anyinfer_session_params sp;
  anyinfer_session_default_params(&sp);
  sp.n_ctx = 64;
  sp.n_threads = 2;
  anyinfer_session *s = NULL;
  CHECK_EQ(anyinfer_session_create(m, &sp, &s), ANYINFER_OK);
  if (s) {
    test_logprobs(m, s, (size_t)info.n_vocab);
    test_json(m, s);
  }
  anyinfer_session_free(s);
  anyinfer_model_free(m);
  return check_exit();
}
