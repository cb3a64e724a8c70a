/* `anyinfer chat`: an interactive conversation with the model's chat template. Each turn the
 * whole conversation is rendered again; only the tokens after the part already in the KV cache
 * are evaluated. Reads one user message per line, from a terminal or a pipe. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gen_options.h"

#define MAX_MESSAGES 256

static void usage(FILE *out) {
  fprintf(out,
          "usage: anyinfer chat -m MODEL [-s SYSTEM] [options]\n\n"
          "Chats with the model, one user message per line of stdin (a terminal or a pipe).\n"
          "'/reset' starts over, '/exit' or end of input quits.\n\n"
          "  -s, --system TEXT       system prompt\n"
          "%s",
          gen_options_help);
}

struct reply {
  char *text;
  size_t len, cap;
};

static bool collect(const char *text, size_t len, void *user_data) {
  struct reply *r = user_data;
  if (r->len + len + 1 > r->cap) {
    size_t cap = (r->len + len + 1) * 2;
    char *grown = realloc(r->text, cap);
    if (!grown) return false;
    r->text = grown;
    r->cap = cap;
  }
  memcpy(r->text + r->len, text, len);
  r->len += len;
  r->text[r->len] = '\0';
  fwrite(text, 1, len, stdout);
  fflush(stdout);
  return true;
}

int cmd_chat(int argc, char **argv) {
  struct gen_options o;
  gen_options_init(&o);
  o.gen.max_tokens = -1;
  const char *system = NULL;
  for (int i = 1; i < argc; i++) {
    if (cli_is_help(argv[i])) return usage(stdout), 0;
    int r = gen_options_parse(&o, argc, argv, &i);
    if (r < 0) return usage(stderr), 2;
    if (r > 0) continue;
    if (strcmp(argv[i], "-s") == 0 || strcmp(argv[i], "--system") == 0) {
      if (!cli_str_arg(argc, argv, &i, &system)) return usage(stderr), 2;
    } else {
      fprintf(stderr, "anyinfer chat: unknown option '%s'\n", argv[i]);
      return usage(stderr), 2;
    }
  }
  if (!o.model) {
    fprintf(stderr, "anyinfer chat: -m is required\n");
    return usage(stderr), 2;
  }
  anyinfer_model *m = cli_load_model(o.model, false, o.verbose);
  if (!m) return 1;
  anyinfer_session *s = NULL;
  if (anyinfer_session_create(m, &o.session, &s) != ANYINFER_OK) {
    fprintf(stderr, "anyinfer chat: cannot create a session\n");
    anyinfer_model_free(m);
    return 1;
  }
  bool is_tty = isatty(STDIN_FILENO);
  anyinfer_chat_message msgs[MAX_MESSAGES];
  char *owned[MAX_MESSAGES] = {0}; /* texts of msgs, freed at the end */
  size_t n_msgs = 0;
  int32_t *cached = NULL; /* tokens now in the KV cache, to find the common prefix */
  size_t n_cached = 0;
  if (system) msgs[n_msgs++] = (anyinfer_chat_message){"system", system};
  size_t n_fixed = n_msgs;
  char *line = NULL;
  size_t line_cap = 0;
  int rc = 0;
  for (;;) {
    if (is_tty) {
      printf("> ");
      fflush(stdout);
    }
    ssize_t got = getline(&line, &line_cap, stdin);
    if (got < 0) break;
    while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r')) line[--got] = '\0';
    if (got == 0) continue;
    if (strcmp(line, "/exit") == 0) break;
    if (strcmp(line, "/reset") == 0 || n_msgs + 2 > MAX_MESSAGES) {
      for (size_t i = n_fixed; i < n_msgs; i++) free(owned[i]);
      n_msgs = n_fixed;
      anyinfer_session_truncate(s, 0);
      n_cached = 0;
      if (strcmp(line, "/reset") == 0) continue;
    }
    owned[n_msgs] = strdup(line);
    msgs[n_msgs] = (anyinfer_chat_message){"user", owned[n_msgs]};
    n_msgs++;
    size_t n_toks = 0, len = 0;
    char *text = cli_chat_render(m, msgs, n_msgs, true, &len);
    int32_t *toks = text ? cli_tokenize(m, text, len, true, true, &n_toks) : NULL;
    free(text);
    if (!toks) {
      rc = 1;
      break;
    }
    size_t common = 0;
    while (common < n_cached && common < n_toks && cached[common] == toks[common]) common++;
    if (common == n_toks) common--; /* at least one token must be evaluated for fresh logits */
    anyinfer_session_truncate(s, (int32_t)common);
    struct reply reply = {0};
    anyinfer_generate_result res;
    anyinfer_status st =
        anyinfer_session_generate(s, toks + common, n_toks - common, &o.gen, collect, &reply, &res);
    printf("\n");
    free(cached);
    cached = toks;
    n_cached = n_toks;
    if (st != ANYINFER_OK) {
      fprintf(stderr, "anyinfer chat: %s\n", anyinfer_session_last_error(s));
      free(reply.text);
      if (st != ANYINFER_E_CONTEXT_FULL) {
        rc = 1;
        break;
      }
      fprintf(stderr, "anyinfer chat: context full; starting over (/reset)\n");
      for (size_t i = n_fixed; i < n_msgs; i++) free(owned[i]);
      n_msgs = n_fixed;
      anyinfer_session_truncate(s, 0);
      n_cached = 0;
      continue;
    }
    owned[n_msgs] = reply.text ? reply.text : strdup("");
    msgs[n_msgs] = (anyinfer_chat_message){"assistant", owned[n_msgs]};
    n_msgs++;
    /* The cache holds what generation appended too, but it will be re-rendered by the template
     * next turn; the common-prefix check decides how much of it stays. */
    n_cached = (size_t)anyinfer_session_n_past(s) < n_cached ? (size_t)anyinfer_session_n_past(s)
                                                             : n_cached;
  }
  for (size_t i = 0; i < n_msgs; i++) free(owned[i]);
  free(cached);
  free(line);
  anyinfer_session_free(s);
  anyinfer_model_free(m);
  return rc;
}
