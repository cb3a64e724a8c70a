/* Shared CLI helpers: the stderr logger and the terminal progress bar. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

void cli_log_stderr(anyinfer_log_level level, const char *text, void *user_data) {
  static const char *const names[] = {"error", "warning", "info", "debug"};
  (void)user_data;
  fprintf(stderr, "anyinfer: %s: %s\n", names[level & 3], text);
}

bool cli_progress_bar(float fraction, void *user_data) {
  if (!isatty(STDERR_FILENO)) return true;
  const char *label = user_data ? user_data : "";
  int width = 40, filled = (int)(fraction * (float)width + 0.5f);
  if (filled > width) filled = width;
  fprintf(stderr, "\r%s [", label);
  for (int i = 0; i < width; i++) fputc(i < filled ? '#' : ' ', stderr);
  fprintf(stderr, "] %3d%%", (int)(fraction * 100.0f + 0.5f));
  if (fraction >= 1.0f) fputc('\n', stderr);
  fflush(stderr);
  return true;
}

bool cli_is_help(const char *arg) {
  return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

bool cli_str_arg(int argc, char **argv, int *i, const char **out) {
  if (*i + 1 >= argc) {
    fprintf(stderr, "anyinfer %s: %s needs a value\n", argv[0], argv[*i]);
    return false;
  }
  *out = argv[++*i];
  return true;
}

bool cli_int_arg(int argc, char **argv, int *i, long min, long max, long *out) {
  const char *flag = argv[*i], *s;
  if (!cli_str_arg(argc, argv, i, &s)) return false;
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end || v < min || v > max) {
    fprintf(stderr, "anyinfer %s: %s '%s': expected an integer in [%ld, %ld]\n", argv[0], flag, s,
            min, max);
    return false;
  }
  *out = v;
  return true;
}

bool cli_float_arg(int argc, char **argv, int *i, float *out) {
  const char *flag = argv[*i], *s;
  if (!cli_str_arg(argc, argv, i, &s)) return false;
  char *end;
  errno = 0;
  float v = strtof(s, &end);
  if (errno || end == s || *end || v != v) {
    fprintf(stderr, "anyinfer %s: %s '%s': expected a number\n", argv[0], flag, s);
    return false;
  }
  *out = v;
  return true;
}

bool cli_backend_arg(int argc, char **argv, int *i, const char **out) {
  const char *flag = argv[*i];
  if (!cli_str_arg(argc, argv, i, out)) return false;
  if (strcmp(*out, "cpu") == 0 || strcmp(*out, "webgpu") == 0 || strcmp(*out, "auto") == 0)
    return true;
  fprintf(stderr, "anyinfer %s: %s '%s': expected cpu, webgpu or auto\n", argv[0], flag, *out);
  return false;
}

anyinfer_model *cli_load_model(const char *path, bool vocab_only, bool verbose) {
  anyinfer_model_params p;
  anyinfer_model_default_params(&p);
  char err[512] = "";
  p.log = cli_log_stderr;
  p.log_level = verbose ? ANYINFER_LOG_DEBUG : ANYINFER_LOG_WARN;
  p.vocab_only = vocab_only;
  p.progress = cli_progress_bar;
  p.progress_user_data = "loading";
  p.error_buf = err;
  p.error_cap = sizeof err;
  anyinfer_model *m = NULL;
  anyinfer_status st = anyinfer_model_load(path, &p, &m);
  if (st != ANYINFER_OK) {
    if (!verbose) fprintf(stderr, "anyinfer: %s: %s\n", anyinfer_status_str(st), err);
    return NULL;
  }
  return m;
}

char *cli_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "anyinfer: %s: %s\n", path, strerror(errno));
    return NULL;
  }
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  for (;;) {
    if (!buf) break;
    n += fread(buf + n, 1, cap - n - 1, f);
    if (n < cap - 1) break;
    char *grown = realloc(buf, cap * 2);
    if (!grown) {
      free(buf);
      buf = NULL;
      break;
    }
    buf = grown;
    cap *= 2;
  }
  bool failed = ferror(f) || !buf;
  fclose(f);
  if (failed) {
    free(buf);
    fprintf(stderr, "anyinfer: %s: cannot read\n", path);
    return NULL;
  }
  buf[n] = '\0';
  if (len) *len = n;
  return buf;
}

int32_t *cli_tokenize(const anyinfer_model *m, const char *text, size_t len, bool add_special,
                      bool parse_special, size_t *n) {
  *n = 0;
  anyinfer_tokenize(m, text, len, add_special, parse_special, NULL, 0, n);
  int32_t *ids = malloc((*n ? *n : 1) * sizeof *ids);
  anyinfer_status st = ids ? anyinfer_tokenize(m, text, len, add_special, parse_special, ids, *n, n)
                           : ANYINFER_E_NOMEM;
  if (st != ANYINFER_OK) {
    fprintf(stderr, "anyinfer: cannot tokenize: %s\n", anyinfer_status_str(st));
    free(ids);
    return NULL;
  }
  return ids;
}

char *cli_chat_render(const anyinfer_model *m, const anyinfer_chat_message *msgs, size_t n,
                      bool add_generation_prompt, size_t *len) {
  anyinfer_chat_params cp;
  anyinfer_chat_default_params(&cp);
  char err[512] = "";
  cp.add_generation_prompt = add_generation_prompt;
  cp.error_buf = err;
  cp.error_cap = sizeof err;
  *len = 0;
  anyinfer_status st = anyinfer_chat_apply(m, msgs, n, &cp, NULL, 0, len);
  char *text = st == ANYINFER_OK || st == ANYINFER_E_RANGE ? malloc(*len + 1) : NULL;
  if (text) st = anyinfer_chat_apply(m, msgs, n, &cp, text, *len + 1, len);
  if (!text || st != ANYINFER_OK) {
    fprintf(stderr, "anyinfer: chat template: %s\n", err[0] ? err : anyinfer_status_str(st));
    free(text);
    return NULL;
  }
  return text;
}
