/* `anyinfer tokenize`: text -> token ids (one line, space-separated), or with --decode ids ->
 * text. Works on vocab-only GGUFs. With --nul the input holds several records separated by NUL
 * bytes: each is tokenized to one output line (or, with --decode, each input line of ids is
 * decoded to one NUL-terminated record), so tests can run a corpus in one process. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *out) {
  fprintf(out,
          "usage: anyinfer tokenize -m MODEL [--no-bos] [--parse-special] [--decode] [--nul]\n"
          "                         (-p TEXT | -f FILE)\n\n"
          "Prints the token ids of TEXT (or of the bytes of FILE) on one line.\n"
          "  --no-bos          do not add BOS/EOS even if the vocabulary asks for them\n"
          "  --parse-special   turn the text of control tokens (e.g. <|im_start|>) into their ids\n"
          "  --decode          the input is ids (space-separated); print the decoded text\n"
          "  --nul             records separated by NUL bytes, one output line each (with\n"
          "                    --decode: one line of ids per record, output NUL-terminated)\n");
}

static int encode_one(const anyinfer_model *m, const char *text, size_t len, bool add_special,
                      bool parse_special) {
  size_t n = 0;
  int32_t *ids = cli_tokenize(m, text, len, add_special, parse_special, &n);
  if (!ids) return 1;
  for (size_t i = 0; i < n; i++) printf(i ? " %d" : "%d", (int)ids[i]);
  printf("\n");
  free(ids);
  return 0;
}

/* Parses the ids of s[0..len) and writes their decoded text to stdout. */
static int decode_one(const anyinfer_model *m, const char *s, size_t len, bool nul) {
  size_t n = 0, cap = len / 2 + 1;
  int32_t *ids = malloc(cap * sizeof *ids);
  char *copy = malloc(len + 1);
  int rc = 1;
  if (!ids || !copy) goto done;
  memcpy(copy, s, len);
  copy[len] = '\0';
  for (char *p = copy, *end; *p;) {
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') p++;
    if (!*p) break;
    errno = 0;
    long v = strtol(p, &end, 10);
    if (end == p || errno || v < INT32_MIN || v > INT32_MAX) {
      fprintf(stderr, "anyinfer tokenize: --decode: '%.20s' is not a token id\n", p);
      goto done;
    }
    ids[n++] = (int32_t)v;
    p = end;
  }
  size_t need = 0;
  anyinfer_status st = anyinfer_detokenize(m, ids, n, NULL, 0, &need);
  char *text = malloc(need + 1);
  if (!text) goto done;
  if (st == ANYINFER_OK || st == ANYINFER_E_RANGE)
    st = anyinfer_detokenize(m, ids, n, text, need + 1, &need);
  if (st == ANYINFER_OK) {
    fwrite(text, 1, need, stdout);
    if (nul) fputc('\0', stdout);
    rc = 0;
  } else {
    fprintf(stderr, "anyinfer tokenize: --decode: %s\n", anyinfer_status_str(st));
  }
  free(text);
done:
  free(ids);
  free(copy);
  return rc;
}

int cmd_tokenize(int argc, char **argv) {
  const char *path = NULL, *prompt = NULL, *file = NULL;
  bool add_special = true, parse_special = false, decode = false, nul = false;
  for (int i = 1; i < argc; i++) {
    if (cli_is_help(argv[i])) return usage(stdout), 0;
    if (strcmp(argv[i], "-m") == 0 || strcmp(argv[i], "--model") == 0) {
      if (!cli_str_arg(argc, argv, &i, &path)) return usage(stderr), 2;
    } else if (strcmp(argv[i], "-p") == 0 || strcmp(argv[i], "--prompt") == 0) {
      if (!cli_str_arg(argc, argv, &i, &prompt)) return usage(stderr), 2;
    } else if (strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--file") == 0) {
      if (!cli_str_arg(argc, argv, &i, &file)) return usage(stderr), 2;
    } else if (strcmp(argv[i], "--no-bos") == 0) {
      add_special = false;
    } else if (strcmp(argv[i], "--parse-special") == 0) {
      parse_special = true;
    } else if (strcmp(argv[i], "--decode") == 0) {
      decode = true;
    } else if (strcmp(argv[i], "--nul") == 0) {
      nul = true;
    } else {
      fprintf(stderr, "anyinfer tokenize: unknown option '%s'\n", argv[i]);
      return usage(stderr), 2;
    }
  }
  if (!path || (!prompt) == (!file)) {
    fprintf(stderr, "anyinfer tokenize: need -m and exactly one of -p, -f\n");
    return usage(stderr), 2;
  }
  size_t len = 0;
  char *owned = NULL;
  const char *text = prompt;
  if (file) {
    if (!(owned = cli_read_file(file, &len))) return 1;
    text = owned;
  } else {
    len = strlen(prompt);
  }
  anyinfer_model *m = cli_load_model(path, true, false);
  if (!m) return free(owned), 1;
  int rc = 0;
  char sep = decode ? '\n' : '\0';
  if (!nul) {
    rc = decode ? decode_one(m, text, len, false)
                : encode_one(m, text, len, add_special, parse_special);
  } else {
    for (size_t a = 0; a < len && rc == 0;) {
      const char *e = memchr(text + a, sep, len - a);
      size_t b = e ? (size_t)(e - text) : len;
      rc = decode ? decode_one(m, text + a, b - a, true)
                  : encode_one(m, text + a, b - a, add_special, parse_special);
      a = b + 1;
    }
  }
  anyinfer_model_free(m);
  free(owned);
  return rc;
}
