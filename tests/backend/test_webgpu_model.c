/* Model parity of the WebGPU backend with the CPU backend: each fixture of tests/fixtures/hf,
 * converted with `$ANYINFER_BIN convert` to several types, runs a prompt through both backends
 * (every position's logits, decode_all) and then generates greedily token by token. Logits must
 * agree within max|d| / max|cpu| at every position (1e-3; see cases) and the greedy tokens
 * must be identical. Fails (never skips) when no WebGPU device can be made. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <unistd.h>

#include "anyinfer.h"
#include "check.h"

#define N_CTX 64
#define N_GEN 8

/* Each fixture once, each type once (SwiftShader runs about 5 ms per dispatch: the test stays
 * near a minute). max_rel is 1e-3, except Q4_0: both backends round activations to 8 bits
 * (Q8_0) the same way, but ulp-level differences elsewhere (expf, sums of f32 in another order)
 * move a few activations across a rounding step, and these 64-128-wide fixtures do not average
 * that out (5e-3 to 8e-3 measured; greedy tokens still identical). */
static const struct {
  const char *fixture, *type;
  double max_rel;
} cases[] = {
    {"llama_tied", "f32", 1e-3},  {"qwen2", "f16", 1e-3},       {"mistral", "q8_0", 1e-3},
    {"llama3_gqa", "q4_k", 1e-3}, {"llama_tied", "q6_k", 1e-3}, {"mistral", "q4_0", 1e-2},
};

static anyinfer_session *open_session(anyinfer_model *m, const char *backend) {
  anyinfer_session_params sp;
  anyinfer_session_default_params(&sp);
  sp.n_ctx = N_CTX;
  sp.n_batch = 16; /* the prompt runs in several batches: exercises n_past > 0 */
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

static void compare_model(const char *path, const char *label, double max_rel) {
  anyinfer_model_params mp;
  anyinfer_model_default_params(&mp);
  anyinfer_model *m = NULL;
  CHECK(anyinfer_model_load(path, &mp, &m) == ANYINFER_OK);
  if (!m) return;
  anyinfer_model_info info;
  anyinfer_model_get_info(m, &info);
  int32_t n_vocab = info.n_vocab;
  anyinfer_session *cpu = open_session(m, "cpu"), *gpu = open_session(m, "webgpu");
  CHECK(cpu && gpu);
  const char text[] = "The quick brown fox jumps over the lazy dog. Once upon a time";
  int32_t ids[N_CTX];
  size_t n = 0;
  CHECK(anyinfer_tokenize(m, text, sizeof text - 1, true, false, ids, N_CTX - N_GEN, &n) ==
        ANYINFER_OK);
  float *a = malloc(n * (size_t)n_vocab * sizeof *a), *b = malloc(n * (size_t)n_vocab * sizeof *b);
  if (!cpu || !gpu || !a || !b || n < 4) goto done;
  CHECK(anyinfer_session_decode_all(cpu, ids, n, a) == ANYINFER_OK);
  CHECK(anyinfer_session_decode_all(gpu, ids, n, b) == ANYINFER_OK);
  double worst = 0;
  size_t worst_at = 0;
  for (size_t t = 0; t < n; t++) {
    const float *x = a + t * (size_t)n_vocab, *y = b + t * (size_t)n_vocab;
    double md = 0, mx = 0;
    for (int32_t i = 0; i < n_vocab; i++) {
      double d = fabs((double)x[i] - (double)y[i]);
      if (d > md) md = d;
      if (fabs((double)x[i]) > mx) mx = fabs((double)x[i]);
    }
    if (md / mx > worst) worst = md / mx, worst_at = t;
  }
  CHECK(worst <= max_rel);
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
  printf("%-16s logits max rel %.2e (position %zu of %zu), greedy %d tokens %s\n", label, worst,
         worst_at, n, N_GEN, same ? "identical" : "DIFFER");
done:
  free(a);
  free(b);
  anyinfer_session_free(cpu);
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
    compare_model(out, label, cases[i].max_rel);
    remove(out);
  }
  rmdir(tmp);
  return check_exit();
}
