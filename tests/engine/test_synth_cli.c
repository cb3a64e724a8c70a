/* The `anyinfer synth` and `anyinfer quantize` subcommands (tools/cmd_synth.c, cmd_quantize.c):
 * the CLI writes byte for byte what the API writes for the same seed, quantize's output has the
 * asked type, and bad usage exits 2 without writing a file. */
#define _POSIX_C_SOURCE 200809L
#include <sys/wait.h>
#include <unistd.h>

#include "base/file.h"
#include "check.h"
#include "format/gguf.h"

static int run(const char *cmd) {
  int rc = system(cmd);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static bool same_file(const char *a, const char *b) {
  FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
  bool same = fa && fb;
  while (same) {
    int ca = fgetc(fa), cb = fgetc(fb);
    if (ca != cb) same = false;
    if (ca == EOF || cb == EOF) break;
  }
  if (fa) fclose(fa);
  if (fb) fclose(fb);
  return same;
}

int main(void) {
  const char *bin = getenv("ANYINFER_BIN");
  if (!bin || access(bin, X_OK) != 0) {
    fprintf(stderr, "ANYINFER_BIN is not set to the anyinfer CLI\n");
    return 1;
  }
  const char *tmp = getenv("TMPDIR");
  char dir[256], cli[320], api[320], q[320], cmd[2048];
  snprintf(dir, sizeof dir, "%s/anyinfer-synth-cli-%ld", tmp && *tmp ? tmp : "/tmp",
           (long)getpid());
  snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
  if (run(cmd) != 0) return 1;
  snprintf(cli, sizeof cli, "%s/cli.gguf", dir);
  snprintf(api, sizeof api, "%s/api.gguf", dir);
  snprintf(q, sizeof q, "%s/q.gguf", dir);

  snprintf(cmd, sizeof cmd, "'%s' synth test-qwen2 --type Q8_0 --seed 987654321 -o '%s'", bin, cli);
  CHECK_EQ(run(cmd), 0);
  anyinfer_file_params p;
  anyinfer_file_default_params(&p);
  p.type = "Q8_0";
  p.seed = 987654321;
  CHECK_EQ(anyinfer_synth("test-qwen2", api, &p), ANYINFER_OK);
  CHECK(same_file(cli, api));

  snprintf(cmd, sizeof cmd, "'%s' quantize '%s' '%s' Q4_1 2>/dev/null", bin, cli, q);
  CHECK_EQ(run(cmd), 0);
  struct ai_file f = {.fd = -1};
  struct ai_error err;
  struct ai_alloc a = ai_alloc_default();
  struct ai_gguf *g = NULL;
  if (ai_file_open(&f, q, true, &err) == ANYINFER_OK) {
    struct ai_reader r = ai_file_reader(&f);
    CHECK_EQ(ai_gguf_read(&r, &a, &g, &err), ANYINFER_OK);
    if (g) {
      uint32_t ft = 0;
      CHECK_EQ(ai_gguf_get_u32(g, "general.file_type", &ft, &err), ANYINFER_OK);
      CHECK_EQ(ft, 3); /* LLAMA_FTYPE_MOSTLY_Q4_1 */
      const struct ai_gguf_tensor *t = ai_gguf_find_tensor(g, "blk.0.ffn_up.weight");
      CHECK(t && t->type == 3); /* GGML_TYPE_Q4_1 */
      t = ai_gguf_find_tensor(g, "blk.0.attn_q.bias");
      CHECK(t && t->type == 0);
    }
    ai_gguf_free(g);
    ai_file_close(&f);
  } else {
    CHECK(!"quantized file missing");
  }

  /* Usage errors: exit 2, nothing written. */
  unlink(q);
  snprintf(cmd, sizeof cmd, "'%s' synth test-llama --type Q8_0 --frobnicate -o '%s' 2>/dev/null",
           bin, q);
  CHECK_EQ(run(cmd), 2);
  snprintf(cmd, sizeof cmd, "'%s' synth test-llama -o '%s' 2>/dev/null", bin, q);
  CHECK_EQ(run(cmd), 2);
  snprintf(cmd, sizeof cmd, "'%s' quantize '%s' '%s' 2>/dev/null", bin, cli, q);
  CHECK_EQ(run(cmd), 2);
  CHECK(access(q, F_OK) != 0);
  /* Engine errors: exit 1 with the message on stderr. */
  snprintf(cmd, sizeof cmd, "'%s' synth no-such-model --type Q8_0 -o '%s' 2>/dev/null", bin, q);
  CHECK_EQ(run(cmd), 1);
  CHECK(access(q, F_OK) != 0);
  snprintf(cmd, sizeof cmd, "'%s' synth --help >/dev/null", bin);
  CHECK_EQ(run(cmd), 0);

  unlink(cli);
  unlink(api);
  rmdir(dir);
  return check_exit();
}
