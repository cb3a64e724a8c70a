/* `anyinfer perplexity`: perplexity of a text file, with llama.cpp's definition (perplexity.cpp):
 * the tokens (BOS first) are cut into chunks of n_ctx; each chunk starts with BOS and is evaluated
 * from an empty cache; only the second half of each chunk is scored, so every scored token has at
 * least n_ctx/2 tokens of context. PPL = exp(mean negative log-likelihood of the scored tokens). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *out) {
  fprintf(out,
          "usage: anyinfer perplexity -m MODEL -f TEXT [-c 512] [-t THREADS] [--backend B]\n"
          "                           [--chunks N] [--parse-special]\n\n"
          "Prints running estimates per chunk, then 'Final estimate: PPL = X +/- E'.\n"
          "--parse-special reads the text of special tokens (e.g. <|im_start|>) as those tokens,\n"
          "so a chat model can be measured on text in its own chat format.\n");
}

/* -log softmax(logits)[target], computed with the max subtracted for stability. */
static double nll(const float *logits, int32_t n_vocab, int32_t target) {
  float max = logits[0];
  for (int32_t i = 1; i < n_vocab; i++)
    if (logits[i] > max) max = logits[i];
  double sum = 0;
  for (int32_t i = 0; i < n_vocab; i++) sum += exp((double)logits[i] - max);
  return log(sum) - ((double)logits[target] - max);
}

int cmd_perplexity(int argc, char **argv) {
  const char *backend = "cpu", *path = NULL, *file = NULL;
  long n_ctx = 512, threads = 0, max_chunks = 0;
  bool parse_special = false;
  for (int i = 1; i < argc; i++) {
    if (cli_is_help(argv[i])) return usage(stdout), 0;
    bool ok = true;
    if (strcmp(argv[i], "-m") == 0 || strcmp(argv[i], "--model") == 0)
      ok = cli_str_arg(argc, argv, &i, &path);
    else if (strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--file") == 0)
      ok = cli_str_arg(argc, argv, &i, &file);
    else if (strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--ctx-size") == 0)
      ok = cli_int_arg(argc, argv, &i, 4, 1 << 20, &n_ctx);
    else if (strcmp(argv[i], "-t") == 0 || strcmp(argv[i], "--threads") == 0)
      ok = cli_int_arg(argc, argv, &i, 1, 1024, &threads);
    else if (strcmp(argv[i], "--backend") == 0)
      ok = cli_backend_arg(argc, argv, &i, &backend);
    else if (strcmp(argv[i], "--chunks") == 0)
      ok = cli_int_arg(argc, argv, &i, 1, 1 << 30, &max_chunks);
    else if (strcmp(argv[i], "--parse-special") == 0)
      parse_special = true;
    else {
      fprintf(stderr, "anyinfer perplexity: unknown option '%s'\n", argv[i]);
      ok = false;
    }
    if (!ok) return usage(stderr), 2;
  }
  if (!path || !file) {
    fprintf(stderr, "anyinfer perplexity: -m and -f are required\n");
    return usage(stderr), 2;
  }
  size_t len = 0, n_tok = 0;
  char *text = cli_read_file(file, &len);
  if (!text) return 1;
  int rc = 1;
  float *logits = NULL;
  int32_t *tokens = NULL;
  anyinfer_session *s = NULL;
  anyinfer_model *m = cli_load_model(path, false, false);
  if (!m || !(tokens = cli_tokenize(m, text, len, true, parse_special, &n_tok))) goto done;
  anyinfer_model_info info;
  anyinfer_model_get_info(m, &info);
  long n_chunks = (long)(n_tok / (size_t)n_ctx);
  if (max_chunks > 0 && max_chunks < n_chunks) n_chunks = max_chunks;
  if (n_chunks < 1) {
    fprintf(stderr, "anyinfer perplexity: %zu tokens, need at least %ld (-c)\n", n_tok, n_ctx);
    goto done;
  }
  anyinfer_session_params sp;
  anyinfer_session_default_params(&sp);
  sp.n_ctx = (int32_t)n_ctx;
  sp.n_threads = (int32_t)threads;
  sp.backend = backend;
  logits = malloc((size_t)n_ctx * (size_t)info.n_vocab * sizeof *logits);
  if (!logits || anyinfer_session_create(m, &sp, &s) != ANYINFER_OK) {
    fprintf(stderr, "anyinfer perplexity: cannot create a session\n");
    goto done;
  }
  fprintf(stderr, "perplexity: %zu tokens, %ld chunks of %ld\n", n_tok, n_chunks, n_ctx);
  double sum = 0, sum2 = 0;
  long count = 0;
  for (long c = 0; c < n_chunks; c++) {
    int32_t *chunk = tokens + c * n_ctx;
    int32_t saved = chunk[0];
    if (info.bos_token >= 0) chunk[0] = info.bos_token;
    anyinfer_session_truncate(s, 0);
    anyinfer_status st = anyinfer_session_decode_all(s, chunk, (size_t)n_ctx, logits);
    chunk[0] = saved;
    if (st != ANYINFER_OK) {
      fprintf(stderr, "anyinfer perplexity: %s\n", anyinfer_session_last_error(s));
      goto done;
    }
    for (long j = n_ctx / 2; j < n_ctx - 1; j++) {
      double v = nll(logits + (size_t)j * (size_t)info.n_vocab, info.n_vocab, chunk[j + 1]);
      sum += v;
      sum2 += v * v;
      count++;
    }
    printf("[%ld]%.4f,", c + 1, exp(sum / (double)count));
    fflush(stdout);
  }
  /* The error estimate as llama.cpp prints it: delta method on the mean NLL. */
  double mean = sum / (double)count, var = sum2 / (double)count - mean * mean;
  double err = count > 1 ? sqrt(var / (double)(count - 1)) : 0.0;
  printf("\nFinal estimate: PPL = %.4f +/- %.5f\n", exp(mean), exp(mean) * err);
  rc = 0;
done:
  anyinfer_session_free(s);
  anyinfer_model_free(m);
  free(logits);
  free(tokens);
  free(text);
  return rc;
}
