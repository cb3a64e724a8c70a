/* Helper of llamacpp_parity.test.mjs (not a ctest: the test compiles it against the engine's
 * static library): evaluates a token sequence through the public API and writes the logits of
 * every position, so node can compare them with llama.cpp's. Only include/anyinfer.h is used.
 *
 *   logits_dump MODEL IDS_FILE OUT_FILE [N_BATCH]
 *
 * IDS_FILE holds the token ids as decimal text separated by white space; OUT_FILE receives
 * n_tokens x n_vocab float32 values in host byte order, row-major. N_BATCH (default: all
 * tokens in one forward pass) bounds the tokens per forward pass. Exit 0 on success, 1 with a
 * message on stderr otherwise. */
#include <stdio.h>
#include <stdlib.h>

#include "anyinfer.h"

/* Reads every id of path into *ids (malloc'ed, caller frees). Returns the count, or -1. */
static long read_ids(const char *path, int32_t **ids) {
  FILE *f = fopen(path, "r");
  if (!f) return fprintf(stderr, "logits_dump: cannot open '%s'\n", path), -1;
  long n = 0, cap = 0;
  long v;
  *ids = NULL;
  while (fscanf(f, "%ld", &v) == 1) {
    if (n == cap) {
      cap = cap ? 2 * cap : 256;
      int32_t *grown = realloc(*ids, (size_t)cap * sizeof **ids);
      if (!grown) {
        fclose(f);
        return fprintf(stderr, "logits_dump: out of memory at %ld ids\n", n), -1;
      }
      *ids = grown;
    }
    (*ids)[n++] = (int32_t)v;
  }
  int is_clean_end = feof(f);
  fclose(f);
  if (!is_clean_end)
    return fprintf(stderr, "logits_dump: '%s': id %ld is not a number\n", path, n), -1;
  if (n == 0) return fprintf(stderr, "logits_dump: '%s' holds no ids\n", path), -1;
  return n;
}

int main(int argc, char **argv) {
  if (argc != 4 && argc != 5) {
    fprintf(stderr, "usage: logits_dump MODEL IDS_FILE OUT_FILE [N_BATCH]\n");
    return 2;
  }
  int rc = 1;
  int32_t *ids = NULL;
  float *logits = NULL;
  anyinfer_model *model = NULL;
  anyinfer_session *session = NULL;
  FILE *out = NULL;
  long n = read_ids(argv[2], &ids);
  if (n < 0) goto done;

  char err[512] = "";
  anyinfer_model_params mp;
  anyinfer_model_default_params(&mp);
  mp.error_buf = err;
  mp.error_cap = sizeof err;
  anyinfer_status st = anyinfer_model_load(argv[1], &mp, &model);
  if (st != ANYINFER_OK) {
    fprintf(stderr, "logits_dump: %s: %s\n", anyinfer_status_name(st), err);
    goto done;
  }
  anyinfer_model_info info;
  anyinfer_model_get_info(model, &info);
  anyinfer_session_params sp;
  anyinfer_session_default_params(&sp);
  sp.n_ctx = (int32_t)(n < 16 ? 16 : n);
  sp.n_batch = argc == 5 ? atoi(argv[4]) : (int32_t)n;
  sp.n_threads = 1; /* the parity test runs beside other tests on a shared machine */
  st = anyinfer_session_create(model, &sp, &session);
  if (st != ANYINFER_OK) {
    fprintf(stderr, "logits_dump: session: %s\n", anyinfer_status_name(st));
    goto done;
  }
  logits = malloc((size_t)n * (size_t)info.n_vocab * sizeof *logits);
  if (!logits) {
    fprintf(stderr, "logits_dump: out of memory for %ld x %d logits\n", n, info.n_vocab);
    goto done;
  }
  st = anyinfer_session_decode_all(session, ids, (size_t)n, logits);
  if (st != ANYINFER_OK) {
    fprintf(stderr, "logits_dump: decode: %s: %s\n", anyinfer_status_name(st),
            anyinfer_session_last_error(session));
    goto done;
  }
  out = fopen(argv[3], "wb");
  size_t count = (size_t)n * (size_t)info.n_vocab;
  if (!out || fwrite(logits, sizeof *logits, count, out) != count) {
    fprintf(stderr, "logits_dump: cannot write '%s'\n", argv[3]);
    goto done;
  }
  rc = 0;
done:
  if (out && fclose(out) != 0 && rc == 0) {
    fprintf(stderr, "logits_dump: cannot close '%s'\n", argv[3]);
    rc = 1;
  }
  free(logits);
  anyinfer_session_free(session);
  anyinfer_model_free(model);
  free(ids);
  return rc;
}
