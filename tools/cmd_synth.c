/* `anyinfer synth`: writes a random-weight GGUF with a real model's layout (anyinfer_synth). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *out) {
  fprintf(out,
          "usage: anyinfer synth NAME --type TYPE -o FILE [--seed S]\n\n"
          "Writes a GGUF with NAME's exact tensor names, shapes, hyperparameters and vocabulary\n"
          "size, and random weights (a function of the seed).\n"
          "  --type TYPE   F32 F16 BF16 Q8_0 Q4_0 Q4_1 Q5_0 Q5_1 Q4_K Q5_K Q6_K Q4_K_M Q5_K_M\n"
          "  -o FILE       output path\n"
          "  --seed S      unsigned 64-bit seed (default 0)\n\n"
          "names:");
  for (const char *const *n = anyinfer_synth_names(); *n; n++) fprintf(out, " %s", *n);
  fprintf(out, "\n");
}

int cmd_synth(int argc, char **argv) {
  const char *name = NULL, *out = NULL, *type = NULL;
  unsigned long long seed = 0;
  for (int i = 1; i < argc; i++) {
    if (cli_is_help(argv[i])) return usage(stdout), 0;
    if (strcmp(argv[i], "--type") == 0 || strcmp(argv[i], "-t") == 0) {
      if (!cli_str_arg(argc, argv, &i, &type)) return usage(stderr), 2;
    } else if (strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0) {
      if (!cli_str_arg(argc, argv, &i, &out)) return usage(stderr), 2;
    } else if (strcmp(argv[i], "--seed") == 0) {
      const char *s = NULL;
      if (!cli_str_arg(argc, argv, &i, &s)) return usage(stderr), 2;
      char *end = NULL;
      errno = 0;
      seed = strtoull(s, &end, 10);
      if (errno || !end || *end || *s == '-' || *s == '\0') {
        fprintf(stderr, "anyinfer synth: --seed '%s' is not an unsigned 64-bit integer\n", s);
        return usage(stderr), 2;
      }
    } else if (argv[i][0] == '-') {
      fprintf(stderr, "anyinfer synth: unknown option '%s'\n", argv[i]);
      return usage(stderr), 2;
    } else if (!name) {
      name = argv[i];
    } else {
      fprintf(stderr, "anyinfer synth: unexpected argument '%s'\n", argv[i]);
      return usage(stderr), 2;
    }
  }
  if (!name || !type || !out) {
    fprintf(stderr, "anyinfer synth: NAME, --type and -o are required\n");
    return usage(stderr), 2;
  }
  anyinfer_file_params p;
  anyinfer_file_default_params(&p);
  p.type = type;
  p.seed = seed;
  p.log = cli_log_stderr;
  p.progress = cli_progress_bar;
  p.progress_user_data = (void *)"synth";
  /* The engine logs the error message through cli_log_stderr. */
  return anyinfer_synth(name, out, &p) == ANYINFER_OK ? 0 : 1;
}
