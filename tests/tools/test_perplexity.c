/* `anyinfer perplexity` against the definition computed here independently: llama.cpp's chunked
 * perplexity (BOS-led chunks of n_ctx, second half scored), with the logits taken one token at a
 * time through anyinfer_session_decode (the CLI uses batched decode_all) and the softmax in
 * double precision in this file. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <unistd.h>

#include "anyinfer.h"
#include "check.h"

int main(void) {
  const char *bin = getenv("ANYINFER_BIN");
  CHECK(bin != NULL);
  if (!bin) return check_exit();
  char model_path[128], text_path[128], cmd[1024];
  snprintf(model_path, sizeof model_path, "/tmp/anyinfer-ppl-%d.gguf", (int)getpid());
  snprintf(text_path, sizeof text_path, "/tmp/anyinfer-ppl-%d.txt", (int)getpid());
  anyinfer_file_params fp;
  anyinfer_file_default_params(&fp);
  fp.type = "F32";
  CHECK_EQ(anyinfer_synth("test-llama", model_path, &fp), ANYINFER_OK);
  FILE *f = fopen(text_path, "w");
  for (int i = 0; i < 40; i++) fprintf(f, "the quick brown fox %d jumps over the lazy dog. ", i);
  fclose(f);

  const int n_ctx = 32, n_chunks = 3;
  snprintf(cmd, sizeof cmd, "%s perplexity -m %s -f %s -c %d --chunks %d -t 1 2>/dev/null", bin,
           model_path, text_path, n_ctx, n_chunks);
  FILE *p = popen(cmd, "r");
  char line[4096];
  double cli_ppl = -1;
  while (fgets(line, sizeof line, p))
    if (sscanf(line, "Final estimate: PPL = %lf", &cli_ppl) == 1) break;
  CHECK_EQ(pclose(p), 0);
  CHECK(cli_ppl > 0);

  anyinfer_model *m = NULL;
  CHECK_EQ(anyinfer_model_load(model_path, NULL, &m), ANYINFER_OK);
  anyinfer_model_info info;
  anyinfer_model_get_info(m, &info);
  char *text = malloc(1 << 16);
  f = fopen(text_path, "r");
  size_t len = fread(text, 1, 1 << 16, f);
  fclose(f);
  int32_t *toks = malloc(sizeof(int32_t) * (1 << 16));
  size_t n = 0;
  CHECK_EQ(anyinfer_tokenize(m, text, len, true, false, toks, 1 << 16, &n), ANYINFER_OK);
  anyinfer_session_params sp;
  anyinfer_session_default_params(&sp);
  sp.n_ctx = n_ctx;
  sp.n_threads = 1;
  anyinfer_session *s = NULL;
  CHECK_EQ(anyinfer_session_create(m, &sp, &s), ANYINFER_OK);
  double sum = 0;
  int count = 0;
  for (int c = 0; c < n_chunks; c++) {
    anyinfer_session_truncate(s, 0);
    for (int j = 0; j < n_ctx - 1; j++) {
      int32_t t = j == 0 ? info.bos_token : toks[c * n_ctx + j];
      const float *logits = NULL;
      anyinfer_session_decode(s, &t, 1, &logits);
      if (j < n_ctx / 2) continue;
      double max = logits[0], z = 0;
      for (int v = 1; v < info.n_vocab; v++) max = logits[v] > max ? logits[v] : max;
      for (int v = 0; v < info.n_vocab; v++) z += exp(logits[v] - max);
      sum += log(z) - (logits[toks[c * n_ctx + j + 1]] - max);
      count++;
    }
  }
  double ppl = exp(sum / count);
  printf("cli %.6f, reference %.6f\n", cli_ppl, ppl);
  CHECK_NEAR(cli_ppl, ppl, ppl * 1e-4);
  anyinfer_session_free(s);
  anyinfer_model_free(m);
  free(text);
  free(toks);
  unlink(model_path);
  unlink(text_path);
  return check_exit();
}
