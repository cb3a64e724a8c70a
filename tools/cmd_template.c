/* `anyinfer template`: renders a conversation with a model's chat template (or one from a file)
 * and prints the text exactly, without a trailing newline. Messages come from a JSON file
 * [{"role": ..., "content": ...}, ...]; content may be null. Uses only the public API. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#ifdef AI_HAVE_JANSSON
#include <jansson.h>

static char *read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = NULL;
  size_t n = 0, cap = 0;
  for (;;) {
    if (cap - n < 4096) {
      char *p = realloc(buf, cap = cap * 2 + 4096);
      if (!p) break;
      buf = p;
    }
    size_t got = fread(buf + n, 1, cap - n - 1, f);
    n += got;
    if (got == 0) break;
  }
  fclose(f);
  if (buf) buf[n] = '\0';
  return buf;
}

static int usage(FILE *out, int status) {
  fprintf(out,
          "usage: anyinfer template -m MODEL [--chat-template-file F] --messages MSGS.json "
          "[--add-generation-prompt]\n\n"
          "Renders the model's chat template (or the file's) over the messages, a JSON array of\n"
          "{\"role\": ..., \"content\": ...}, and prints the text exactly (no newline added).\n");
  return status;
}

int cmd_template(int argc, char **argv) {
  const char *model_path = NULL, *tpl_path = NULL, *msgs_path = NULL;
  bool add_gen = false;
  for (int i = 1; i < argc; i++) {
    if (cli_is_help(argv[i])) return usage(stdout, 0);
    if ((strcmp(argv[i], "-m") == 0 || strcmp(argv[i], "--model") == 0) && i + 1 < argc)
      model_path = argv[++i];
    else if (strcmp(argv[i], "--chat-template-file") == 0 && i + 1 < argc)
      tpl_path = argv[++i];
    else if (strcmp(argv[i], "--messages") == 0 && i + 1 < argc)
      msgs_path = argv[++i];
    else if (strcmp(argv[i], "--add-generation-prompt") == 0)
      add_gen = true;
    else
      return usage(stderr, 2);
  }
  if (!model_path || !msgs_path) return usage(stderr, 2);
  int rc = 1;
  char *tpl = NULL, *text = NULL, errbuf[512] = "";
  anyinfer_chat_message *msgs = NULL;
  anyinfer_model *model = NULL;
  json_error_t jerr;
  json_t *root = json_load_file(msgs_path, 0, &jerr);
  if (!root || !json_is_array(root)) {
    fprintf(stderr, "anyinfer: %s: line %d: %s\n", msgs_path, jerr.line,
            root ? "expected a JSON array of messages" : jerr.text);
    goto done;
  }
  size_t n = json_array_size(root);
  msgs = calloc(n ? n : 1, sizeof *msgs);
  if (!msgs) goto done;
  for (size_t i = 0; i < n; i++) {
    json_t *m = json_array_get(root, i), *role = json_object_get(m, "role");
    json_t *content = json_object_get(m, "content");
    if (!json_is_string(role) || (content && !json_is_string(content) && !json_is_null(content))) {
      fprintf(stderr,
              "anyinfer: %s: message %zu: needs string 'role' and string or null "
              "'content'\n",
              msgs_path, i);
      goto done;
    }
    msgs[i].role = json_string_value(role);
    msgs[i].content = json_is_string(content) ? json_string_value(content) : NULL;
  }
  if (tpl_path && !(tpl = read_file(tpl_path))) {
    fprintf(stderr, "anyinfer: cannot read template file '%s'\n", tpl_path);
    goto done;
  }
  anyinfer_model_params mp;
  anyinfer_model_default_params(&mp);
  mp.vocab_only = true;
  mp.log = cli_log_stderr;
  mp.log_level = ANYINFER_LOG_WARN;
  mp.error_buf = errbuf;
  mp.error_cap = sizeof errbuf;
  if (anyinfer_model_load(model_path, &mp, &model) != ANYINFER_OK) {
    fprintf(stderr, "anyinfer: %s\n", errbuf);
    goto done;
  }
  anyinfer_chat_params cp;
  anyinfer_chat_default_params(&cp);
  cp.template_override = tpl;
  cp.add_generation_prompt = add_gen;
  cp.error_buf = errbuf;
  cp.error_cap = sizeof errbuf;
  size_t len = 0;
  anyinfer_status st = anyinfer_chat_apply(model, msgs, n, &cp, NULL, 0, &len);
  if (st == ANYINFER_OK || st == ANYINFER_E_RANGE) {
    text = malloc(len + 1);
    st = text ? anyinfer_chat_apply(model, msgs, n, &cp, text, len + 1, &len) : ANYINFER_E_NOMEM;
  }
  if (st != ANYINFER_OK) {
    fprintf(stderr, "anyinfer: %s: %s\n", anyinfer_status_str(st), errbuf);
    goto done;
  }
  fwrite(text, 1, len, stdout);
  rc = fflush(stdout) == 0 ? 0 : 1;
done:
  free(text);
  free(tpl);
  free(msgs);
  json_decref(root);
  anyinfer_model_free(model);
  return rc;
}
#else
int cmd_template(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fprintf(stderr,
          "anyinfer: 'template' needs jansson, which this build lacks (native builds only)\n");
  return 1;
}
#endif
