/* Model parity of the WebGPU backend with the CPU backend: each fixture of tests/fixtures/hf,
 * converted with `$ANYINFER_BIN convert` to several types, runs a prompt through both backends
 * (every position's logits, decode_all) and then generates greedily token by token. Logits must
 * agree within max|d| / max|cpu| at every position (1e-3, against one of two CPU runs: see cases)
 * and the greedy tokens must be identical. Fails (never skips) when no WebGPU device can be made.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <unistd.h>

#include "anyinfer.h"
#include "check.h"

#define N_CTX 64
#define N_GEN 8

/* Each fixture once, each type once (SwiftShader runs about 5 ms per dispatch: the test stays
 * near a minute). The CPU reference runs twice, prompt batches of 16 and one token at a time: both
 * round activations to 8 bits (Q8_0 and kin) and their f32 sums differ in order, so a value at a
 * rounding step can round differently (mistral q4_0: the CPU's two runs differ by 5.2e-3). The
 * WebGPU logits must be within 1e-3 of one of the CPU's runs (they are within 3e-7). */
static const struct {
  const char *fixture, *type;
} cases[] = {
    {"llama_tied", "f32"},  {"qwen2", "f16"},       {"mistral", "q8_0"},
    {"llama3_gqa", "q4_k"}, {"llama_tied", "q6_k"}, {"mistral", "q4_0"},
};
#define MAX_REL 1e-3

static anyinfer_session *open_session(anyinfer_model *m, const char *backend, int32_t n_batch) {
  anyinfer_session_params sp;
  anyinfer_session_default_params(&sp);
  sp.n_ctx = N_CTX;
  sp.n_batch = n_batch; /* 16: the prompt runs in several batches, which exercises n_past > 0 */
  sp.backend = backend;
  anyinfer_session *s = NULL;
  if (anyinfer_session_create(m, &sp, &s) != ANYINFER_OK) return NULL;
  if (strcmp(anyinfer_session_backend(s), backend) != 0) {
    fprintf(stderr, "session runs on %s, not %s\n", anyinfer_session_backend(s), backend);
    anyinfer_session_free(s);
    return NULL;
  }
  return s;
}

static int32_t argmax(const float *v, int32_t n) {
  int32_t best = 0;
  for (int32_t i = 1; i < n; i++)
    if (v[i] > v[best]) best = i;
  return best;
}

/* max over positions of max|a - b| / max|a| */
static double max_rel_diff(const float *a, const float *b, size_t n, int32_t n_vocab,
                           size_t *worst_at) {
  double worst = 0;
  for (size_t t = 0; t < n; t++) {
    const float *x = a + t * (size_t)n_vocab, *y = b + t * (size_t)n_vocab;
    double md = 0, mx = 0;
    for (int32_t i = 0; i < n_vocab; i++) {
      double d = fabs((double)x[i] - (double)y[i]);
      if (d > md) md = d;
      if (fabs((double)x[i]) > mx) mx = fabs((double)x[i]);
    }
    if (md / mx > worst) worst = md / mx, *worst_at = t;
  }
  return worst;
}

static void compare_model(const char *path, const char *label) {
  anyinfer_model_params mp;
  anyinfer_model_default_params(&mp);
  anyinfer_model *m = NULL;
  CHECK(anyinfer_model_load(path, &mp, &m) == ANYINFER_OK);
  if (!m) return;
  anyinfer_model_info info;
  anyinfer_model_get_info(m, &info);
  int32_t n_vocab = info.n_vocab;
  anyinfer_session *cpu = open_session(m, "cpu", 16), *cpu1 = open_session(m, "cpu", 1),
                   *gpu = open_session(m, "webgpu", 16);
  CHECK(cpu && cpu1 && gpu);
  const char text[] = "The quick brown fox jumps over the lazy dog. Once upon a time";
  int32_t ids[N_CTX];
  size_t n = 0;
  CHECK(anyinfer_tokenize(m, text, sizeof text - 1, true, false, ids, N_CTX - N_GEN, &n) ==
        ANYINFER_OK);
  size_t bytes = n * (size_t)n_vocab * sizeof(float);
  float *a = malloc(bytes), *a1 = malloc(bytes), *b = malloc(bytes);
  if (!cpu || !cpu1 || !gpu || !a || !a1 || !b || n < 4) goto done;
  CHECK(anyinfer_session_decode_all(cpu, ids, n, a) == ANYINFER_OK);
  CHECK(anyinfer_session_decode_all(cpu1, ids, n, a1) == ANYINFER_OK);
  CHECK(anyinfer_session_decode_all(gpu, ids, n, b) == ANYINFER_OK);
  size_t at16 = 0, at1 = 0, at_cpu = 0;
  double d16 = max_rel_diff(a, b, n, n_vocab, &at16), d1 = max_rel_diff(a1, b, n, n_vocab, &at1);
  double d_cpu = max_rel_diff(a, a1, n, n_vocab, &at_cpu);
  double worst = d16 < d1 ? d16 : d1;
  size_t worst_at = d16 < d1 ? at16 : at1;
  CHECK(worst <= MAX_REL);
  /* Greedy generation, one token per forward pass, on each backend independently. */
  int32_t ta[N_GEN], tb[N_GEN];
  const float *la, *lb;
  CHECK(anyinfer_session_truncate(cpu, (int32_t)n) == ANYINFER_OK);
  CHECK(anyinfer_session_truncate(gpu, (int32_t)n) == ANYINFER_OK);
  int32_t next_a = argmax(a + (n - 1) * (size_t)n_vocab, n_vocab);
  int32_t next_b = argmax(b + (n - 1) * (size_t)n_vocab, n_vocab);
  for (int i = 0; i < N_GEN; i++) {
    ta[i] = next_a, tb[i] = next_b;
    if (anyinfer_session_decode(cpu, &next_a, 1, &la) ||
        anyinfer_session_decode(gpu, &next_b, 1, &lb)) {
      CHECK(!"decode failed");
      break;
    }
    next_a = argmax(la, n_vocab);
    next_b = argmax(lb, n_vocab);
  }
  bool same = memcmp(ta, tb, sizeof ta) == 0;
  CHECK(same);
  printf(
      "%-16s logits max rel %.2e (position %zu of %zu; cpu batch 16 %.2e, 1 %.2e, the two cpu "
      "runs %.2e), greedy %d tokens %s\n",
      label, worst, worst_at, n, d16, d1, d_cpu, N_GEN, same ? "identical" : "DIFFER");
done:
  free(a);
  free(a1);
  free(b);
  anyinfer_session_free(cpu);
  anyinfer_session_free(cpu1);
  anyinfer_session_free(gpu);
  anyinfer_model_free(m);
}

int main(void) {
  if (!getenv("VK_ICD_FILENAMES") && !getenv("VK_DRIVER_FILES"))
    setenv("VK_ICD_FILENAMES", "/usr/lib/chromium/vk_swiftshader_icd.json", 1);
  if (!getenv("XDG_RUNTIME_DIR")) setenv("XDG_RUNTIME_DIR", "/tmp", 1);
  const char *bin = getenv("ANYINFER_BIN");
  CHECK(bin != NULL);
  if (!bin) return check_exit();
  char tmp[] = "/tmp/anyinfer_webgpu_XXXXXX";
  CHECK(mkdtemp(tmp) != NULL);
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char out[512], cmd[1400], label[64];
    snprintf(out, sizeof out, "%s/%s_%s.gguf", tmp, cases[i].fixture, cases[i].type);
    snprintf(cmd, sizeof cmd, "'%s' convert tests/fixtures/hf/%s '%s' --type %s > /dev/null 2>&1",
             bin, cases[i].fixture, out, cases[i].type);
    int rc = system(cmd);
    CHECK_EQ(rc, 0);
    if (rc != 0) continue;
    snprintf(label, sizeof label, "%s %s", cases[i].fixture, cases[i].type);
    compare_model(out, label);
    remove(out);
  }
  rmdir(tmp);
  return check_exit();
}
