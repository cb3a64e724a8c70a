/* `anyinfer run`: complete one prompt, streaming the text to stdout. */
#include <stdlib.h>
#include <string.h>

#include "gen_options.h"

static void usage(FILE *out) {
  fprintf(out,
          "usage: anyinfer run -m MODEL (-p TEXT | -f FILE) [options]\n\n"
          "Completes the prompt and streams the text to stdout; timings go to stderr.\n\n"
          "  -p, --prompt TEXT       the prompt\n"
          "  -f, --file FILE         read the prompt from FILE\n"
          "      --chat              wrap the prompt as a user message in the model's chat "
          "template\n"
          "      --ids               print the generated token ids (one line) instead of text\n"
          "%s",
          gen_options_help);
}

static bool print_id(int32_t token, void *user_data) {
  bool *is_first = user_data;
  printf(*is_first ? "%d" : " %d", token);
  *is_first = false;
  return true;
}

static bool print_piece(const char *text, size_t len, void *user_data) {
  (void)user_data;
  fwrite(text, 1, len, stdout);
  fflush(stdout);
  return true;
}

int cmd_run(int argc, char **argv) {
  struct gen_options o;
  gen_options_init(&o);
  const char *prompt = NULL, *prompt_file = NULL;
  bool use_chat = false, print_ids = false, is_first_id = true;
  for (int i = 1; i < argc; i++) {
    if (cli_is_help(argv[i])) {
      usage(stdout);
      return 0;
    }
    int r = gen_options_parse(&o, argc, argv, &i);
    if (r < 0) return usage(stderr), 2;
    if (r > 0) continue;
    if (strcmp(argv[i], "-p") == 0 || strcmp(argv[i], "--prompt") == 0) {
      if (!cli_str_arg(argc, argv, &i, &prompt)) return usage(stderr), 2;
    } else if (strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--file") == 0) {
      if (!cli_str_arg(argc, argv, &i, &prompt_file)) return usage(stderr), 2;
    } else if (strcmp(argv[i], "--chat") == 0) {
      use_chat = true;
    } else if (strcmp(argv[i], "--ids") == 0) {
      print_ids = true;
    } else {
      fprintf(stderr, "anyinfer run: unknown option '%s'\n", argv[i]);
      return usage(stderr), 2;
    }
  }
  if (!o.model || (!prompt == !prompt_file)) {
    fprintf(stderr, "anyinfer run: -m and one of -p/-f are required\n");
    return usage(stderr), 2;
  }
  int rc = 1;
  char *file_text = NULL, *chat_text = NULL;
  int32_t *tokens = NULL;
  anyinfer_session *s = NULL;
  anyinfer_model *m = cli_load_model(o.model, false, o.verbose);
  if (!m) return 1;
  if (prompt_file && !(prompt = file_text = cli_read_file(prompt_file, NULL))) goto done;
  size_t n = 0, len = strlen(prompt);
  anyinfer_chat_message msg = {"user", prompt};
  if (use_chat && !(prompt = chat_text = cli_chat_render(m, &msg, 1, true, &len))) goto done;
  if (!(tokens = cli_tokenize(m, prompt, len, true, use_chat, &n))) goto done;
  anyinfer_status st = anyinfer_session_create(m, &o.session, &s);
  if (st != ANYINFER_OK) {
    fprintf(stderr, "anyinfer run: cannot create a session: %s\n", anyinfer_status_str(st));
    goto done;
  }
  anyinfer_generate_result res;
  if (print_ids) {
    o.gen.on_token = print_id;
    o.gen.on_token_user_data = &is_first_id;
  }
  st = anyinfer_session_generate(s, tokens, n, &o.gen, print_ids ? NULL : print_piece, NULL, &res);
  printf("\n");
  fflush(stdout); /* the timing line on stderr must follow the text */
  if (st != ANYINFER_OK) {
    fprintf(stderr, "anyinfer run: %s\n", anyinfer_session_last_error(s));
    goto done;
  }
  fprintf(stderr,
          "anyinfer run: prompt %d tokens in %.2f s (%.1f tok/s), generated %d tokens in "
          "%.2f s (%.1f tok/s)\n",
          res.n_prompt_tokens, res.prompt_seconds,
          res.prompt_seconds > 0 ? res.n_prompt_tokens / res.prompt_seconds : 0.0,
          res.n_generated_tokens, res.generate_seconds,
          res.generate_seconds > 0 ? res.n_generated_tokens / res.generate_seconds : 0.0);
  rc = 0;
done:
  anyinfer_session_free(s);
  anyinfer_model_free(m);
  free(tokens);
  free(file_text);
  free(chat_text);
  return rc;
}
