/* `anyinfer perplexity` against the definition computed here independently: llama.cpp's chunked
 * perplexity (BOS-led chunks of n_ctx, second half scored), with the logits taken one token at a
 * time through anyinfer_session_decode (the CLI uses batched decode_all) and the softmax in
 * double precision in this file. The text holds the text of a special token ("</s>"), so the
 * CLI's --parse-special is checked against the tokenizer with parse_special set. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <unistd.h>

#include "anyinfer.h"
#include "check.h"

/* The CLI's final estimate for the text, or -1. */
static double cli_ppl(const char *bin, const char *model_path, const char *text_path, int n_ctx,
                      int n_chunks, bool parse_special) {
  char cmd[1024], line[4096];
  snprintf(cmd, sizeof cmd, "%s perplexity -m %s -f %s -c %d --chunks %d -t 1%s 2>/dev/null", bin,
           model_path, text_path, n_ctx, n_chunks, parse_special ? " --parse-special" : "");
  FILE *p = popen(cmd, "r");
  double ppl = -1;
  while (fgets(line, sizeof line, p))
    if (sscanf(line, "Final estimate: PPL = %lf", &ppl) == 1) break;
  CHECK_EQ(pclose(p), 0);
  return ppl;
}

/* llama.cpp's definition, one token at a time. */
static double reference_ppl(anyinfer_model *m, const char *text, size_t len, int n_ctx,
                            int n_chunks, bool parse_special) {
  anyinfer_model_info info;
  anyinfer_model_get_info(m, &info);
  int32_t *toks = malloc(sizeof(int32_t) * (1 << 16));
  size_t n = 0;
  CHECK_EQ(anyinfer_tokenize(m, text, len, true, parse_special, toks, 1 << 16, &n), ANYINFER_OK);
  CHECK(n >= (size_t)(n_ctx * n_chunks));
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
  anyinfer_session_free(s);
  free(toks);
  return exp(sum / count);
}

int main(void) {
  const char *bin = getenv("ANYINFER_BIN");
  CHECK(bin != NULL);
  if (!bin) return check_exit();
  char model_path[128], text_path[128];
  snprintf(model_path, sizeof model_path, "/tmp/anyinfer-ppl-%d.gguf", (int)getpid());
  snprintf(text_path, sizeof text_path, "/tmp/anyinfer-ppl-%d.txt", (int)getpid());
  anyinfer_file_params fp;
  anyinfer_file_default_params(&fp);
  fp.type = "F32";
  CHECK_EQ(anyinfer_synth("test-llama", model_path, &fp), ANYINFER_OK);
  FILE *f = fopen(text_path, "w");
  for (int i = 0; i < 40; i++) fprintf(f, "the quick brown fox %d jumps over the lazy dog.</s>", i);
  fclose(f);

  anyinfer_model *m = NULL;
  CHECK_EQ(anyinfer_model_load(model_path, NULL, &m), ANYINFER_OK);
  char *text = malloc(1 << 16);
  f = fopen(text_path, "r");
  size_t len = fread(text, 1, 1 << 16, f);
  fclose(f);
  const int n_ctx = 32, n_chunks = 3;
  double ppl[2];
  for (int parse_special = 0; parse_special <= 1; parse_special++) {
    double cli = cli_ppl(bin, model_path, text_path, n_ctx, n_chunks, parse_special);
    ppl[parse_special] = reference_ppl(m, text, len, n_ctx, n_chunks, parse_special);
    printf("parse_special %d: cli %.6f, reference %.6f\n", parse_special, cli, ppl[parse_special]);
    CHECK(cli > 0);
    CHECK_NEAR(cli, ppl[parse_special], ppl[parse_special] * 1e-4);
  }
  CHECK(ppl[0] != ppl[1]); /* "</s>" as one token scores differently from its letters */
  anyinfer_model_free(m);
  free(text);
  unlink(model_path);
  unlink(text_path);
  return check_exit();
}
