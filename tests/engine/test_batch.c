/* Continuous batching through the public API (anyinfer_session_decode_batch) on synthesized
 * models: a batched step over k sequences — prompts of different lengths in one pass, then one
 * token each per pass — gives the logits of k separate single-sequence sessions (within float
 * tolerance) and the same greedy tokens; per-slot truncate re-evaluates a suffix to the same
 * logits (prefix reuse); malformed batches are refused with nothing evaluated. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <unistd.h>

#include "anyinfer.h"
#include "check.h"

enum { K = 4, STEPS = 6 };

static double max_abs_diff(const float *a, const float *b, size_t n) {
  double d = 0;
  for (size_t i = 0; i < n; i++)
    if (fabs((double)a[i] - b[i]) > d) d = fabs((double)a[i] - b[i]);
  return d;
}

static int32_t argmax(const float *x, size_t n) {
  size_t best = 0;
  for (size_t i = 1; i < n; i++)
    if (x[i] > x[best]) best = i;
  return (int32_t)best;
}

static anyinfer_session *open_session(const anyinfer_model *m, int n_seq, int n_batch) {
  anyinfer_session_params sp;
  anyinfer_session_default_params(&sp);
  sp.n_ctx = 48;
  sp.n_batch = n_batch;
  sp.n_seq = n_seq;
  sp.n_threads = 2;
  anyinfer_session *s = NULL;
  CHECK_EQ(anyinfer_session_create(m, &sp, &s), ANYINFER_OK);
  return s;
}

static void test_model(const char *name) {
  char path[256];
  snprintf(path, sizeof path, "/tmp/anyinfer-test-batch-%d-%s.gguf", (int)getpid(), name);
  anyinfer_file_params fp;
  anyinfer_file_default_params(&fp);
  fp.type = "Q8_0";
  fp.seed = 11;
  CHECK_EQ(anyinfer_synth(name, path, &fp), ANYINFER_OK);
  anyinfer_model *m = NULL;
  CHECK_EQ(anyinfer_model_load(path, NULL, &m), ANYINFER_OK);
  unlink(path);
  if (!m) return;
  anyinfer_model_info info;
  anyinfer_model_get_info(m, &info);
  size_t nv = (size_t)info.n_vocab;

  /* K prompts of lengths 3, 5, 7, 9. */
  int32_t prompts[K][9];
  int32_t n_prompt[K];
  for (int i = 0; i < K; i++) {
    n_prompt[i] = 3 + 2 * i;
    for (int j = 0; j < n_prompt[i]; j++) prompts[i][j] = (i * 101 + j * 37 + 5) % info.n_vocab;
  }

  /* Reference: each sequence alone, greedy, STEPS tokens. */
  float *ref = malloc(sizeof(float) * nv * K * (STEPS + 1));
  int32_t ref_tok[K][STEPS];
  for (int i = 0; i < K; i++) {
    anyinfer_session *s = open_session(m, 1, 64);
    const float *l = NULL;
    CHECK_EQ(anyinfer_session_decode(s, prompts[i], (size_t)n_prompt[i], &l), ANYINFER_OK);
    for (int t = 0; t <= STEPS && l; t++) {
      memcpy(ref + ((size_t)i * (STEPS + 1) + t) * nv, l, nv * sizeof(float));
      if (t == STEPS) break;
      ref_tok[i][t] = argmax(l, nv);
      CHECK_EQ(anyinfer_session_decode(s, &ref_tok[i][t], 1, &l), ANYINFER_OK);
    }
    anyinfer_session_free(s);
  }

  /* Batched: every prompt in one pass (slots in reverse order, to show the slot is what counts),
   * then one token per sequence per pass. */
  anyinfer_session *b = open_session(m, K, 64);
  anyinfer_batch_item items[K];
  for (int i = 0; i < K; i++)
    items[i] =
        (anyinfer_batch_item){.seq = K - 1 - i, .tokens = prompts[i], .n_tokens = n_prompt[i]};
  const float *rows = NULL;
  CHECK_EQ(anyinfer_session_decode_batch(b, items, K, &rows), ANYINFER_OK);
  double worst = 0;
  int mismatches = 0;
  int32_t next[K];
  for (int t = 0; t <= STEPS && rows; t++) {
    for (int i = 0; i < K; i++) {
      double d = max_abs_diff(rows + (size_t)i * nv, ref + ((size_t)i * (STEPS + 1) + t) * nv, nv);
      if (d > worst) worst = d;
      next[i] = argmax(rows + (size_t)i * nv, nv);
      if (t < STEPS && next[i] != ref_tok[i][t]) mismatches++;
    }
    if (t == STEPS) break;
    for (int i = 0; i < K; i++)
      items[i] = (anyinfer_batch_item){.seq = K - 1 - i, .tokens = &next[i], .n_tokens = 1};
    CHECK_EQ(anyinfer_session_decode_batch(b, items, K, &rows), ANYINFER_OK);
  }
  /* Activations are quantized per token either way: only summation order differs. */
  CHECK(worst < 1e-3);
  CHECK_EQ(mismatches, 0);
  if (worst >= 1e-3) printf("%s: batched vs single: max |diff| %g\n", name, worst);
  for (int i = 0; i < K; i++) {
    CHECK_EQ(anyinfer_session_seq_n_past(b, K - 1 - i), n_prompt[i] + STEPS);
    CHECK_EQ(anyinfer_session_seq_tokens(b, K - 1 - i)[n_prompt[i]], ref_tok[i][0]);
  }

  /* Prefix reuse: keep slot K-1's prompt, drop the generated tokens, redo two of them. */
  CHECK_EQ(anyinfer_session_seq_truncate(b, K - 1, n_prompt[0]), ANYINFER_OK);
  items[0] = (anyinfer_batch_item){.seq = K - 1, .tokens = ref_tok[0], .n_tokens = 2};
  CHECK_EQ(anyinfer_session_decode_batch(b, items, 1, &rows), ANYINFER_OK);
  if (rows) CHECK(max_abs_diff(rows, ref + 2 * nv, nv) < 1e-3);
  CHECK_EQ(anyinfer_session_seq_truncate(b, K - 1, 999), ANYINFER_E_INVAL);
  CHECK_EQ(anyinfer_session_seq_truncate(b, K, 0), ANYINFER_E_INVAL);
  CHECK_EQ(anyinfer_session_seq_n_past(b, K), 0);
  CHECK(anyinfer_session_seq_tokens(b, -1) == NULL);

  /* Refusals leave every slot as it was. */
  int32_t n_before = anyinfer_session_seq_n_past(b, 0);
  int32_t many[64] = {0};
  anyinfer_batch_item dup[2] = {{0, next, 1}, {0, next, 1}};
  CHECK_EQ(anyinfer_session_decode_batch(b, dup, 2, &rows), ANYINFER_E_INVAL);
  CHECK(rows == NULL);
  anyinfer_batch_item bad_slot = {K, next, 1}, empty = {0, next, 0}, big = {0, many, 64},
                      full = {0, many, 48 - n_before + 1}, bad_tok = {0, (int32_t[]){-3}, 1};
  CHECK_EQ(anyinfer_session_decode_batch(b, &bad_slot, 1, NULL), ANYINFER_E_INVAL);
  CHECK_EQ(anyinfer_session_decode_batch(b, &empty, 1, NULL), ANYINFER_E_INVAL);
  CHECK_EQ(anyinfer_session_decode_batch(b, &big, 1, NULL), ANYINFER_E_INVAL);
  CHECK_EQ(anyinfer_session_decode_batch(b, &full, 1, NULL), ANYINFER_E_CONTEXT_FULL);
  CHECK_EQ(anyinfer_session_decode_batch(b, &bad_tok, 1, NULL), ANYINFER_E_INVAL);
  CHECK(strstr(anyinfer_session_last_error(b), "vocabulary") != NULL);
  CHECK_EQ(anyinfer_session_decode_batch(b, items, 0, NULL), ANYINFER_E_INVAL);
  CHECK_EQ(anyinfer_session_seq_n_past(b, 0), n_before);
  anyinfer_session_free(b);
  free(ref);
  anyinfer_model_free(m);
}

int main(void) {
  test_model("test-llama");
  test_model("test-qwen2");
  return check_exit();
}
